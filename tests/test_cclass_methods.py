"""cclass methods beyond `def` and `cfunc` (issue 13): `@cython.ccall`
methods, a C entry in the class's table and a Python-visible method;
compiled callers on typed receivers call the C entry (directly, or through
the table when a cclass of the module overrides it) when the receiver's
type is exactly a compiled class, else Python's lookup (a Python
subclass's override, as Cython's check finds it). Compared with CPython
running the same source (the shim), where every method is a Python one."""

import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython

@cython.cclass
class Acc:
    total: cython.double
    n = cython.declare(cython.int, visibility='readonly')

    def __init__(self, start: cython.double):
        self.total = start
        self.n = 0

    @cython.ccall
    def add(self, v: cython.double) -> cython.double:
        self.total += v
        self.n += 1
        return self.total

    @cython.ccall
    def scale(self, k: cython.long) -> cython.long:
        if k < 0:
            raise ValueError("negative scale")
        return k * 2

    @cython.ccall
    def reset(self) -> None:
        self.total = 0.0

    @cython.ccall
    def label(self):
        return "acc"

    def run(self, k: cython.int) -> cython.double:
        s: cython.double = 0.0
        for i in range(k):
            s += self.add(1.0)
        return s

    def both(self, k: cython.long):
        self.reset()
        return (self.scale(k), self.label(), self.total)


@cython.cclass
class Twice(Acc):
    @cython.ccall
    def add(self, v: cython.double) -> cython.double:
        self.total += 2 * v
        self.n += 1
        return self.total

    @cython.ccall
    def label(self):
        return "twice:" + Acc.label(self)


@cython.cclass
class Plain(Acc):
    def extra(self):
        return self.n


@cython.final
@cython.cclass
class Sealed(Acc):
    @cython.ccall
    def scale(self, k: cython.long) -> cython.long:
        return k * 3


def sealed_scale(s: Sealed, k: cython.long):
    return s.scale(k) + s.add(1.0)


def drive(a: Acc, k: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(k):
        t += a.add(0.5)
    return t


def scaled(a: Acc, k: cython.long):
    return a.scale(k)


def reset_and_label(a: Acc):
    a.reset()
    return a.label(), a.total


def hot(k: cython.int) -> cython.double:
    a: Acc = Acc(0.0)
    t: cython.double = 0.0
    for i in range(k):
        t += a.add(1.0)
    return t


def make(which: cython.int):
    if which == 0:
        return Acc(1.0)
    if which == 1:
        return Twice(2.0)
    return Plain(3.0)


def everything(which: cython.int):
    a = make(which)
    return (type(a).__name__, a.add(1.5), a.run(3), drive(a, 2), a.n, a.both(4), reset_and_label(a), scaled(a, 5))
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="methods")


def test_every_class_compiles(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    for c in ("Acc", "Twice", "Plain"):
        assert isinstance(getattr(m.native, c), type)
    # A ccall is a method of the type, visible to Python.
    assert type(m.native.Acc.__dict__["add"]).__name__ == "method_descriptor"
    assert "add" in dir(m.native.Acc(0.0))


def test_ccalls_match_cpython(m):
    m.assert_same("everything", [0, 1, 2], exact=True)
    m.assert_same("hot", [0, 1, 10], exact=True)
    from test_cclass import same
    same(m, "sealed_scale", [lambda M: (M.Sealed(1.0), 2), lambda M: (None, 2)])
    with pytest.raises(TypeError):
        type("Sub", (m.native.Sealed,), {})
    assert m.native.hot(10) == 55.0


def test_ccall_errors_match_cpython(m):
    from test_cclass import same
    same(m, "scaled", [lambda M: (M.Acc(0.0), 3), lambda M: (M.Acc(0.0), -1), lambda M: (M.Twice(0.0), -2)])
    same(m, "drive", [lambda M: (None, 1), lambda M: (M.Twice(0.0), 2)])
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'add'"):
        m.native.drive(None, 1)
    with pytest.raises(TypeError, match=r"Argument 'a' has incorrect type \(expected .*\.Acc, got str\)"):
        m.native.drive("s", 1)


def test_called_from_python(m):
    a = m.native.Acc(1.0)
    assert a.add(2.0) == 3.0 and a.n == 1
    assert m.native.Twice(0.0).add(v=1.5) == 3.0
    assert m.native.Acc.add(a, 1.0) == 4.0
    with pytest.raises(TypeError):
        a.add("x")
    with pytest.raises(TypeError):
        m.native.Acc.add(object(), 1.0)
    assert m.native.Twice(0.0).label() == "twice:acc"


def test_python_subclass_overrides_are_seen(m):
    A = m.native.Acc

    class PySub(A):
        def add(self, v):
            return -v

        def scale(self, k):
            return super().scale(k) + 1

    class Keeps(A):
        pass

    p = PySub(0.0)
    # Compiled callers (a typed receiver, and self in a method) find the override.
    assert m.native.drive(p, 2) == -1.0
    assert p.run(3) == -3.0
    assert m.native.scaled(p, 3) == 7
    assert p.both(2) == (5, "acc", 0.0)
    # No override: the compiled method, through Python's lookup.
    k = Keeps(1.0)
    assert m.native.drive(k, 2) == m.native.drive(A(1.0), 2) and k.n == 2
    with pytest.raises(ValueError, match="negative scale"):
        m.native.scaled(k, -1)
    # An override added to the subclass later is seen (the type's lookup).
    Keeps.add = lambda self, v: 100.0
    assert m.native.drive(k, 2) == 200.0 and k.n == 2
    del Keeps.add
    assert m.native.drive(k, 1) == k.add(0.0) - 0.0 and k.n == 4

    class BadResult(A):
        def add(self, v):
            return "not a float"

    with pytest.raises(TypeError):
        m.native.drive(BadResult(0.0), 1)

    class Twice2(m.native.Twice):
        def label(self):
            return "py"

    assert m.native.reset_and_label(Twice2(1.0)) == ("py", 0.0)
    assert m.native.reset_and_label(m.native.Twice(1.0)) == ("twice:acc", 0.0)


def test_no_leaks(m):
    A = m.native.Acc

    class PySub(A):
        def add(self, v):
            return v

    for C in (A, m.native.Twice, m.native.Plain, PySub):
        assert growth(lambda: m.native.drive(C(1.0), 3)) < LEAK_CALLS // 10
        assert growth(lambda: C(1.0).both(3)) < LEAK_CALLS // 10
        assert growth(lambda: attempt(m.native.scaled, C(1.0), -1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(m.native.drive, None, 1)) < LEAK_CALLS // 10
    a = A(1.0)
    rc = sys.getrefcount(a)
    for _ in range(100):
        m.native.drive(a, 2)
        attempt(m.native.scaled, a, -1)
    assert sys.getrefcount(a) == rc


PROPS = '''
import cython

@cython.cclass
class Temp:
    """A temperature."""
    _c: cython.double
    _log = cython.declare(object)
    count = cython.declare(cython.int, visibility='readonly')

    def __init__(self, c: cython.double):
        self._c = c
        self._log = []
        self.count = 0

    @property
    def celsius(self) -> cython.double:
        """In degrees Celsius."""
        return self._c

    @celsius.setter
    def celsius(self, v: cython.double):
        if v < -273.15:
            raise ValueError("below absolute zero")
        self._c = v
        self._log.append(v)

    @celsius.deleter
    def celsius(self):
        self._c = 0.0
        self._log.append("del")

    @property
    def fahrenheit(self):
        return self._c * 9 / 5 + 32

    @property
    def log(self):
        return list(self._log)

    @staticmethod
    def c_to_f(c: cython.double) -> cython.double:
        return c * 9 / 5 + 32

    @staticmethod
    def pair(a, b: cython.int = 2):
        return (a, b)

    @classmethod
    def from_f(cls, f: cython.double):
        return cls((f - 32) * 5 / 9)

    @classmethod
    def name(cls):
        return cls.__name__

    def warmer(self, d: cython.double):
        self.celsius = self.celsius + d
        self.count += 1
        return self.fahrenheit


def use(t: Temp):
    t.celsius = 10.0
    a = t.celsius
    t.warmer(5.0)
    del t.celsius
    return (a, t.celsius, t.fahrenheit, t.log, Temp.c_to_f(100.0), t.c_to_f(0.0), Temp.from_f(212.0).celsius, t.name(), Temp.pair(1))


def set_ro(t, v):
    t.fahrenheit = v


def del_ro(t):
    del t.fahrenheit


def set_bad(t, v):
    t.celsius = v


def static_bad():
    return Temp.pair()


def class_bad():
    return Temp.from_f()
'''


@pytest.fixture(scope="module")
def pm(pyc):
    return pyc.pair(PROPS, stem="props")


def test_props_compile(pm):
    assert "left to Python" not in pm.build.stderr, pm.build.stderr
    T = pm.native.Temp
    d = T.__dict__
    assert type(d["celsius"]) is property and type(d["c_to_f"]) is staticmethod
    assert type(d["from_f"]).__name__ == "classmethod_descriptor"
    assert d["celsius"].__doc__ == "In degrees Celsius."


def test_props_match_cpython(pm):
    from test_cclass import same
    same(pm, "use", [lambda M: (M.Temp(1.0),)])
    for name in ("set_ro", "set_bad"):
        same(pm, name, [lambda M: (M.Temp(1.0), 3.0), lambda M: (M.Temp(1.0), -300.0)])
    same(pm, "set_ro", [lambda M: (M.Temp(1.0), "x")])
    # A typed setter converts first (Cython's message; CPython compares).
    with pytest.raises(TypeError, match="must be real number, not str"):
        pm.native.set_bad(pm.native.Temp(1.0), "x")
    same(pm, "del_ro", [lambda M: (M.Temp(1.0),)])
    same(pm, "static_bad", [lambda M: ()])
    same(pm, "class_bad", [lambda M: ()])


def test_props_from_python(pm):
    for M in (pm.native, pm.py):
        T = M.Temp
        t = T(20.0)
        assert t.celsius == 20.0 and t.fahrenheit == 68.0
        t.celsius = 30.0
        del t.celsius
        assert t.log == [30.0, "del"] and t.celsius == 0.0
        assert T.c_to_f(10.0) == 50.0 and t.c_to_f(10.0) == 50.0 and T.pair(1, b=3) == (1, 3)
        assert T.from_f(212.0).celsius == 100.0 and t.from_f(32.0).celsius == 0.0

        class Sub(T):
            pass

        assert Sub.from_f(32.0).__class__ is Sub and Sub.name() == "Sub" and Sub(1.0).name() == "Sub"
    for args in [(), (1, 2, 3)]:
        outs = []
        for M in (pm.native, pm.py):
            try:
                M.Temp.c_to_f(*args)
            except TypeError as e:
                outs.append(str(e))
        assert len(outs) == 2 and outs[0] == outs[1], outs


def test_props_no_leaks(pm):
    T = pm.native.Temp
    assert growth(lambda: pm.native.use(T(1.0))) < LEAK_CALLS // 10
    assert growth(lambda: attempt(pm.native.set_ro, T(1.0), 1.0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(pm.native.set_bad, T(1.0), -300.0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(pm.native.del_ro, T(1.0))) < LEAK_CALLS // 10
    assert growth(lambda: T.from_f(50.0).celsius) < LEAK_CALLS // 10


LIFE = '''
import cython

EVENTS = []


@cython.cclass
class Res:
    handle: cython.int
    owner = cython.declare(object)

    def __cinit__(self, handle: cython.int, *args, **kwargs):
        if handle < 0:
            raise ValueError("bad handle")
        self.handle = handle
        EVENTS.append(("Res.cinit", handle))

    def __init__(self, handle: cython.int, *owner):
        self.owner = owner[0] if owner else None
        EVENTS.append(("Res.init", self.handle))

    def __dealloc__(self):
        EVENTS.append(("Res.dealloc", self.handle, self.owner))

    def get(self):
        return self.handle


@cython.cclass
class Sub(Res):
    extra = cython.declare(cython.double, visibility='readonly')

    def __cinit__(self):
        # Takes only self: the constructor's arguments are not its.
        EVENTS.append(("Sub.cinit", self.handle))
        self.extra = 1.5

    def __dealloc__(self):
        EVENTS.append(("Sub.dealloc", self.handle))
        if self.handle == 13:
            raise RuntimeError("unlucky")


@cython.cclass
class Bare:
    n: cython.int

    def __cinit__(self):
        self.n = 7

    def value(self):
        return self.n


def make(h: cython.int):
    r = Res(h, "o")
    return r.get()


def make_sub(h: cython.int):
    s = Sub(h)
    return s.get(), s.extra
'''


@pytest.fixture(scope="module")
def lm(pyc):
    return pyc.pair(LIFE, stem="life")


def events(lm):
    out = list(lm.native.EVENTS)
    lm.native.EVENTS.clear()
    return out


def test_life_compiles(lm):
    assert "left to Python" not in lm.build.stderr, lm.build.stderr
    assert "__cinit__" not in lm.native.Res.__dict__ and "__dealloc__" not in lm.native.Res.__dict__


def test_cinit_before_init_and_dealloc(lm):
    events(lm)
    assert lm.native.make(3) == 3
    assert events(lm) == [("Res.cinit", 3), ("Res.init", 3), ("Res.dealloc", 3, "o")]
    assert lm.native.make_sub(4) == (4, 1.5)
    # The base's __cinit__ first with the arguments; the subclass's own
    # __dealloc__ first, then the base's (fields still set).
    assert events(lm) == [("Res.cinit", 4), ("Sub.cinit", 4), ("Res.init", 4), ("Sub.dealloc", 4), ("Res.dealloc", 4, None)]
    assert lm.native.Bare().value() == 7
    # __cinit__ runs without __init__ too (a bare __new__).
    r = lm.native.Res.__new__(lm.native.Res, 9)
    assert r.get() == 9 and events(lm) == [("Res.cinit", 9)]
    del r
    assert events(lm) == [("Res.dealloc", 9, None)]


def test_cinit_errors(lm):
    events(lm)
    with pytest.raises(ValueError, match="bad handle"):
        lm.native.Res(-1)
    # A failed __cinit__ still deallocates (as Cython's).
    assert events(lm) == [("Res.dealloc", 0, None)]
    with pytest.raises(TypeError):
        lm.native.Res()
    with pytest.raises(TypeError):
        lm.native.Res("x")
    # A __cinit__ taking only self ignores the arguments (and with no
    # __init__, object's accepts them once tp_new is the type's own).
    assert lm.native.Bare(1, k=2).value() == 7
    events(lm)


def test_dealloc_exception_is_unraisable(lm):
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append((u.exc_type, str(u.exc_value), u.object))
    try:
        lm.native.make_sub(13)
    finally:
        sys.unraisablehook = old
    assert seen == [(RuntimeError, "unlucky", lm.native.__name__ + ".Sub.__dealloc__")]
    # The base's __dealloc__ still ran.
    assert events(lm)[-1] == ("Res.dealloc", 13, None)


def test_python_subclass_runs_cinit_and_dealloc(lm):
    class Py(lm.native.Sub):
        def __init__(self, h):
            super().__init__(h)
            self.d = {}

    events(lm)
    p = Py(5)
    assert p.get() == 5 and p.extra == 1.5
    del p
    assert events(lm) == [("Res.cinit", 5), ("Sub.cinit", 5), ("Res.init", 5), ("Sub.dealloc", 5), ("Res.dealloc", 5, None)]


def test_life_no_leaks(lm):
    assert growth(lambda: (lm.native.make(2), lm.native.make_sub(3), lm.native.EVENTS.clear())) < LEAK_CALLS // 10
    assert growth(lambda: (attempt(lm.native.Res, -1), lm.native.EVENTS.clear())) < LEAK_CALLS // 10
    assert growth(lambda: lm.native.Bare().value()) < LEAK_CALLS // 10
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: None
    try:
        assert growth(lambda: (lm.native.make_sub(13), lm.native.EVENTS.clear())) < LEAK_CALLS // 10
    finally:
        sys.unraisablehook = old


FREELIST = '''
import cython


@cython.freelist(8)
@cython.cclass
class Node:
    key: cython.int
    nxt = cython.declare(object, visibility='readonly')

    def __init__(self, key: cython.int, nxt):
        self.key = key
        self.nxt = nxt

    def keys(self):
        out = []
        n: Node = self
        while n is not None:
            out.append(n.key)
            n = n.nxt
        return out


@cython.freelist(4)
@cython.cclass
class Num:
    v: cython.double

    def __cinit__(self):
        self.v = 1.5

    def get(self):
        return self.v


def chain(k: cython.int):
    n = None
    for i in range(k):
        n = Node(i, n)
    return n.keys()


def churn(k: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(k):
        t += Num().get()
    return t
'''


@pytest.fixture(scope="module")
def fm(pyc):
    return pyc.pair(FREELIST, stem="freelist")


def test_freelist_compiles_and_matches(fm):
    assert "left to Python" not in fm.build.stderr, fm.build.stderr
    for k in (0, 1, 5, 20):
        if k:
            assert fm.native.chain(k) == fm.py.chain(k)
    assert fm.native.churn(10) == 15.0
    # Reused instances start as new ones: fields zeroed / None, __cinit__ run.
    N = fm.native.Node
    a = [N(i, None) for i in range(10)]
    del a
    b = N.__new__(N)
    assert b.nxt is None and b.keys() == [0]
    assert fm.native.Num().get() == 1.5


def test_freelist_keeps_instances(fm):
    N = fm.native.Node
    import gc
    gc.collect()
    # Fill the freelist, then the same number of instances freed again
    # keeps their blocks (no tp_free), where a type without it frees them.
    keep = [N(i, None) for i in range(8)]
    del keep
    keep = [N(i, None) for i in range(8)]
    before = sys.getallocatedblocks()
    del keep
    kept = before - sys.getallocatedblocks()
    assert kept <= 1, kept  # the list itself

    class Sub(N):
        pass

    subs = [Sub(i, None) for i in range(8)]
    before = sys.getallocatedblocks()
    del subs
    assert before - sys.getallocatedblocks() >= 8  # a subclass's instances are freed


def test_freelist_no_leaks(fm):
    N = fm.native.Node
    assert growth(lambda: fm.native.chain(20)) < LEAK_CALLS // 10
    assert growth(lambda: fm.native.churn(20)) < LEAK_CALLS // 10
    assert growth(lambda: [N(i, N(i, None)) for i in range(12)]) < LEAK_CALLS // 10

    class Sub(N):
        pass

    assert growth(lambda: [Sub(i, None) for i in range(10)]) < LEAK_CALLS // 10

    def cycle():
        a = N(1, None)
        a.__init__(2, a)  # a cycle through (often) a reused instance

    assert growth(cycle) < LEAK_CALLS // 10


WEAK = '''
import cython


@cython.cclass
class Target:
    n: cython.int
    __weakref__: object

    def __init__(self, n: cython.int):
        self.n = n

    def get(self):
        return self.n


@cython.cclass
class Derived(Target):
    m: cython.double


@cython.freelist(4)
@cython.cclass
class Pooled:
    x: cython.int
    __weakref__: object


@cython.cclass
class NoWeak:
    n: cython.int
'''


@pytest.fixture(scope="module")
def wm(pyc):
    return pyc.pair(WEAK, stem="weak")


def test_weakref_slot(wm):
    import weakref
    assert "left to Python" not in wm.build.stderr, wm.build.stderr
    for C in (wm.native.Target, wm.native.Derived):
        t = C(3)
        r = weakref.ref(t)
        seen = []
        r2 = weakref.ref(t, lambda ref: seen.append(ref() is None))
        assert r() is t and r2() is t and weakref.getweakrefcount(t) == 2
        del t
        assert r() is None and seen == [True]
    p = wm.native.Pooled()
    r = weakref.ref(p)
    del p
    assert r() is None
    q = wm.native.Pooled()  # from the freelist: no weak references left
    assert weakref.getweakrefcount(q) == 0 and weakref.ref(q)() is q
    with pytest.raises(TypeError, match="cannot create weak reference to 'weak.*NoWeak' object"):
        weakref.ref(wm.native.NoWeak())
    assert "__weakref__" not in dir(wm.native.NoWeak())
    d = weakref.WeakValueDictionary()
    d[1] = t = wm.native.Target(1)
    assert d[1].get() == 1
    del t
    assert 1 not in d


def test_weakref_no_leaks(wm):
    import weakref
    T = wm.native.Target

    def make():
        t = T(1)
        r = weakref.ref(t, lambda _: None)
        del t
        return r

    assert growth(make) < LEAK_CALLS // 10
    assert growth(lambda: weakref.ref(wm.native.Pooled())) < LEAK_CALLS // 10
