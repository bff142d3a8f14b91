"""Defaults of object parameters of cclass methods (issue 13): a method
with `d=None`, `opts=()`, `lst=[]` or `s=SENTINEL` compiles, and so does
its class. Constant and computed defaults are evaluated where the class
statement runs (in module-code order, into the method's stored defaults):
Python callers (through the binder's `__defaults__`/`__kwdefaults__`) and
compiled callers (direct, `cfunc`/`ccall` calls, `C(...)` to `__init__`)
that omit an argument see the same object, so a mutable default is shared
as in Python. Compared with CPython running the same source (the shim)."""

import gc
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython

calls = []

def note(tag):
    calls.append(tag)
    return tag

SENT = object()
before = note("before")

@cython.cclass
class A:
    x: cython.double
    data: object

    def __init__(self, x: cython.double = 0.0, data=None):
        self.x = x
        self.data = data

    def get(self, d=None, scale=2, name="a", opts=(), big=12345678901234567890, neg=-3, z=1j, b=b"x", t=(1, (2.5, "s"), None), f=frozenset({1, 2})):
        return (self.x if d is None else d, scale, name, opts, big, neg, z, b, t, sorted(f))

    def push(self, v, lst=[], s=SENT, tag=note("push")):
        lst.append(v)
        return lst, s is SENT, tag

    def kwonly(self, a, *, k=[], m=None, n: cython.int = 3):
        k.append(a)
        return len(k), m, n

    def star(self, a, b=None, *args, c=(), **kw):
        return a, b, args, c, sorted(kw.items())

    @cython.ccall
    def cc(self, d=[]) -> object:
        return d

    @cython.ccall
    def ov(self, d=None, n: cython.int = 2) -> object:
        return ("A", d, n)

    @cython.cfunc
    def cf(self, d={}) -> object:
        return d

    @cython.ccall
    def sing(self, k=(), n=7, m=-5, top=256, big=257, t2=(1,)) -> object:
        return k, n, m, top, big, t2

    def via_c(self):
        return self.cf() is self.cf(), self.cc() is self.cc(), len(self.cf())

    @staticmethod
    def st(a, b=[]):
        b.append(a)
        return len(b)

    @classmethod
    def cm(cls, a=SENT):
        return cls.__name__, a is SENT

    def data_of(self):
        return self.data


@cython.cclass
class B(A):
    def __init__(self, x: cython.double = 1.0, data=SENT, *, more=None):
        A.__init__(self, x, data)

    @cython.ccall
    def ov(self, d=None, n: cython.int = 2) -> object:
        return ("B", d, n)


after = note("after")


@cython.cclass
class C:
    seen: object

    def __cinit__(self, seen=None):
        self.seen = seen

    def get(self):
        return self.seen


def make_a():
    a = A()
    return a.get(), a.data_of(), A(2.0).get(), A(3.0, [1]).data_of()


def sing_native():
    a: A = A()
    return a.sing()


def data_shared():
    return A().data_of() is A(1.0).data_of()


def push_native(v):
    a: A = A()
    r = a.push(v)
    return r[0] is A().push(0)[0], len(r[0]), r[1], r[2]


def cc_native():
    a: A = A()
    return a.cc() is a.cc(), a.cc() is A().cc(), a.via_c()


def cc_b():
    a: A = B()
    b: A = A()
    return a.ov(), a.ov(1), b.ov(), a.cc() is b.cc()


def statics():
    return A.st(1), A.st(2), A.cm(), A.cm(1), B.cm()


def kw(a):
    return A().kwonly(a), A().kwonly(a, k=[]), A().kwonly(a, m=1, n=4)


def stars():
    a = A()
    return a.star(1), a.star(1, 2, 3, c=4, z=5)


def order():
    return calls


def make_c():
    return C().get(), C(1).get()
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="defaults")


def same(m, name, *args, **kw):
    out = []
    for mod in (m.native, m.py):
        try:
            out.append(("returned", repr(getattr(mod, name)(*args, **kw))))
        except Exception as e:  # noqa: BLE001 - compared
            out.append((type(e).__name__, str(e)))
    assert out[0] == out[1], (name, out)


def test_classes_are_native(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    for c in ("A", "B", "C"):
        t = getattr(m.native, c)
        assert isinstance(t, type) and t.__module__ == m.native.__name__
        assert "__dict__" not in dir(t), c
    assert type(m.native.A.__dict__["get"]).__name__ == "method_descriptor"


def test_results_match_cpython(m):
    for name in ("make_a", "data_shared", "push_native", "cc_native", "cc_b", "statics", "stars"):
        same(m, name)
    for a in (1, "x", None):
        same(m, "kw", a)
    # Evaluated where the class statement runs, in module-code order.
    assert m.native.order()[:3] == m.py.order()[:3] == ["before", "push", "after"]


def test_called_from_python(m):
    for mod in (m.native, m.py):
        a = mod.A(1.5)
        assert a.get() == (1.5, 2, "a", (), 12345678901234567890, -3, 1j, b"x", (1, (2.5, "s"), None), [1, 2])
        assert a.get(5, name="n")[:3] == (5, 2, "n")
        assert a.push(1)[1:] == (True, "push")
        assert a.kwonly(0, n=9)[1:] == (None, 9)
        assert a.star(1, 2, 3, q=1) == (1, 2, (3,), (), [("q", 1)])
    # Same default objects for every caller, as in Python.
    for mod in (m.native, m.py):
        a = mod.A()
        lst = a.push(1)[0]
        assert a.push(2)[0] is lst and mod.A(2.0).push(3)[0] is lst
        assert a.cc() is a.cc() is mod.A.cc(a)
        d = a.cc()
        assert mod.A().cc(d) is d


def test_identity_across_native_and_python_callers(m):
    a = m.native.A()
    assert m.native.push_native(7)[0] is True
    lst = a.push(8)[0]
    assert m.native.A().push(9)[0] is lst
    assert m.native.A.cc(a) is a.cc()
    assert m.native.cc_native() == (True, True, (True, True, 0))


def test_singleton_defaults_are_the_stored_objects(m):
    # `()` and small ints are passed by compiled callers as constants (the
    # interpreter's singletons); 257 and `(1,)` as the stored defaults.
    # Either way the very objects Python callers get.
    for mod in (m.native, m.py):
        via_python = mod.A().sing()
        via_native = mod.sing_native()
        assert via_python == ((), 7, -5, 256, 257, (1,))
        assert all(a is b for a, b in zip(via_python, via_native)), mod


def test_wrong_arguments_match_cpython(m):
    cases = [
        ((), {"zz": 1}), ((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), {}), ((1,), {"d": 2}),
    ]
    for args, kw in cases:
        outs = []
        for mod in (m.native, m.py):
            try:
                outs.append(repr(mod.A().get(*args, **kw)))
            except TypeError as e:
                outs.append(str(e))
        assert outs[0] == outs[1], outs
    for mod_calls in (lambda mod: mod.A().kwonly(), lambda mod: mod.A().kwonly(1, 2), 
                      lambda mod: mod.A().push(), lambda mod: mod.A(1.0, 2, 3), lambda mod: mod.A(zz=1),
                      lambda mod: mod.B(more=1, data=2).data_of(), lambda mod: mod.A.st(), lambda mod: mod.A.cm(1, 2)):
        outs = []
        for mod in (m.native, m.py):
            try:
                outs.append(("ok", repr(mod_calls(mod))))
            except TypeError as e:
                outs.append(("TypeError", str(e)))
        if outs[0] != outs[1] and sys.version_info < (3, 10):
            # 3.9 names a function in argument errors by its bare name.
            outs = [(k, v.replace("A.", "").replace("B.", "").replace("C.", "")) for k, v in outs]
        assert outs[0] == outs[1], outs


def test_cinit_defaults(m):
    # Plain Python never calls `__cinit__`: checked against the values.
    assert m.native.make_c() == (None, 1)
    with pytest.raises(TypeError):
        m.native.C(1, 2)


def test_no_leaks(m):
    M = m.native
    a = M.A()
    assert growth(lambda: a.get()) < LEAK_CALLS // 10
    assert growth(lambda: a.get(1, name="q")) < LEAK_CALLS // 10
    assert growth(lambda: M.A()) < LEAK_CALLS // 10
    assert growth(lambda: M.B()) < LEAK_CALLS // 10
    assert growth(lambda: M.make_a()) < LEAK_CALLS // 10
    assert growth(lambda: M.cc_native()) < LEAK_CALLS // 10
    assert growth(lambda: M.cc_b()) < LEAK_CALLS // 10
    assert growth(lambda: M.stars()) < LEAK_CALLS // 10
    assert growth(lambda: M.make_c()) < LEAK_CALLS // 10
    assert growth(lambda: attempt(a.kwonly)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(a.get, zz=1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(M.A, 1.0, 2, 3)) < LEAK_CALLS // 10
    sent = M.SENT

    def loop():
        for _ in range(200):
            a.get()
            M.A()
            M.B()
            M.make_a()
            attempt(M.B, zz=1)

    loop()
    gc.collect()
    rc = sys.getrefcount(sent)
    loop()
    gc.collect()
    assert sys.getrefcount(sent) == rc


def test_override_with_other_default_stays_python(pyc):
    # Called through the table, the omitted argument would be filled from
    # the base's default: Cython's callee fills its own.
    src = """
import cython

@cython.cclass
class P:
    @cython.ccall
    def m(self, d=[]) -> object:
        return d

@cython.cclass
class Q(P):
    @cython.ccall
    def m(self, d=[]) -> object:
        return d
"""
    b = pyc.build(src)
    assert b.ok, b.describe()
    assert "gives `d` another default than `P.m` does" in b.stderr, b.stderr


BY_NAME = '''
import cython
import copy
import math

@cython.cclass
class Res:
    log: object
    v: cython.double

    def __init__(self, v: cython.double = 1.5, log=None):
        self.v = v
        self.log = [] if log is None else log

    def __enter__(self):
        self.log.append("enter")
        return self

    def __exit__(self, kind, value, tb):
        self.log.append(kind.__name__ if kind is not None else "exit")
        return kind is KeyError

    def __format__(self, spec):
        return "Res<" + spec + ">"

    def __round__(self, n=None):
        return ("round", n)

    def __floor__(self):
        return math.floor(self.v) - 100

    def __reversed__(self):
        return iter([3, 2, 1])

    def __copy__(self):
        return Res(self.v + 1.0, self.log)

    def __deepcopy__(self, memo):
        return Res(self.v + 2.0, list(self.log))

    def __length_hint__(self):
        return 7

    def __bytes__(self):
        return "res".encode()


def use(v: cython.double):
    r: Res = Res(v)
    with r as x:
        same = x is r
    try:
        with r:
            raise KeyError("k")
    except KeyError:
        pass
    out = [same, list(r.log), format(r, "z"), f"{r:q}", round(r), round(r, 2), r.__floor__(), list(reversed(r)), bytes(r)]
    c: Res = copy.copy(r)
    d: Res = copy.deepcopy(r)
    out.append((c.__round__(), c.log is r.log, d.log is r.log, d.log == r.log))
    return out
'''


def test_special_methods_looked_up_by_name(pyc):
    m = pyc.pair(BY_NAME, stem="by_name")
    assert "left to Python" not in m.build.stderr, m.build.stderr
    assert type(m.native.Res.__dict__["__enter__"]).__name__ == "method_descriptor"
    for v in (1.5, -2.25):
        same(m, "use", v)
    import math
    import operator
    assert operator.length_hint(m.native.Res()) == 7
    assert math.floor(m.native.Res(2.5)) == math.floor(m.py.Res(2.5)) == -98
    with pytest.raises(TypeError):
        with m.native.Res() as r:
            raise TypeError("not swallowed")
    assert r.__exit__(None, None, None) is False
    assert growth(lambda: m.native.use(1.0)) < LEAK_CALLS // 10


CLASS_ATTRS = '''
import cython

@cython.cclass
class K(object):
    """Doc."""
    LIMIT = 10
    NAMES = ("a", -1, 2.5, None, b"x", 1j)
    __hash__ = None
    x: cython.int

    def __init__(self, x: cython.int = 3):
        self.x = x

    def over(self):
        return self.x > self.LIMIT, K.LIMIT, self.NAMES

    def __eq__(self, o):
        return isinstance(o, K)


@cython.cclass
class Sub(K):
    LIMIT = 20


def use(x: cython.int):
    k: K = K(x)
    s: K = Sub(x)
    return k.over(), s.over(), K.LIMIT, Sub.LIMIT, Sub.NAMES is K.NAMES
'''


def test_constant_class_attributes_and_object_base(pyc):
    m = pyc.pair(CLASS_ATTRS, stem="class_attrs")
    assert "left to Python" not in m.build.stderr, m.build.stderr
    for x in (3, 15, 25):
        same(m, "use", x)
    for mod in (m.native, m.py):
        assert mod.K.LIMIT == 10 and mod.Sub.LIMIT == 20 and mod.K.__doc__ == "Doc."
        with pytest.raises(TypeError, match="unhashable"):
            hash(mod.K())
    assert "__dict__" not in dir(m.native.K)
    if sys.version_info >= (3, 10):
        with pytest.raises(TypeError):
            m.native.K.LIMIT = 3
