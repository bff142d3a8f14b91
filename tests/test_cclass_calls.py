"""Calls of extension types' methods and construction made natively (issue
13): `@staticmethod`/`@classmethod` calls on the class (`Vec2.make(...)`,
a direct call; a class method gets the type), on `self` or a typed receiver
(direct when the receiver's type is exactly a module class finding that
method, else Python's lookup: a Python subclass's override, an instance
attribute, the subclass as `cls`); `Cls(x=..., y=...)` and construction of
a class with an argument-less `__cinit__` by `tp_new` and the native
`__init__` with keywords bound at compile time (arguments that do not bind
take the generic call: CPython's errors); `ccall`/`cfunc` methods on a
call's result typed as the class and on `cython.cast(Cls, x)`. Compared with
CPython running the same source (the shim)."""

import gc
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth
from test_cclass import same

SRC = '''
import cython

LOG = []


@cython.cclass
class Vec2:
    x = cython.declare(cython.double, visibility='readonly')
    y = cython.declare(cython.double, visibility='readonly')

    def __init__(self, x: cython.double, y: cython.double = 0.0):
        self.x = x
        self.y = y

    @staticmethod
    def make(x: cython.double, y: cython.double):
        return Vec2(x, y)

    @staticmethod
    def twice(a: cython.double, k: cython.int = 2) -> cython.double:
        if k < 0:
            raise ValueError("negative k")
        return a * k

    @staticmethod
    def label(a, b: cython.double = 0.5):
        return ("label", a, b)

    @classmethod
    def unit(cls, scale: cython.double = 1.0):
        return cls(scale, scale)

    @classmethod
    def kind(cls):
        return cls.__name__

    def doubled(self, a: cython.double) -> cython.double:
        return self.twice(a) + self.twice(a, k=3)

    def same_kind(self):
        return self.kind(), self.unit(2.0).x, type(self.unit()).__name__

    def labelled(self):
        return self.label(self.x, b=self.y)


@cython.cclass
class Vec3(Vec2):
    z: cython.double

    def __init__(self, x: cython.double, y: cython.double = 0.0, z: cython.double = 0.0):
        Vec2.__init__(self, x, y)
        self.z = z

    def twice(self, a: cython.double, k: cython.int = 2) -> cython.double:
        return -a


def on_class(a: cython.double) -> cython.double:
    v: Vec2 = Vec2.make(a, 1.0)
    u = Vec2.unit(3.0)
    return v.x + Vec2.twice(a) + Vec2.twice(a, k=4) + Vec2.twice(k=1, a=a) + u.x


def on_class_objects():
    return (Vec2.label(1), Vec2.label(1, b=2.0), Vec2.kind(), Vec3.kind(), type(Vec3.unit(2.0)).__name__, Vec3.unit(2.0).x)


def on_typed(v: Vec2, a: cython.double):
    return v.twice(a), v.kind(), v.label(a), type(v.unit()).__name__


def loop(n: cython.int) -> cython.double:
    s: cython.double = 0.0
    v: Vec2 = Vec2(1.0, 2.0)
    for i in range(n):
        s += Vec2.twice(v.x) + v.twice(1.0, 1)
    return s


def bad_missing():
    return Vec2.twice()


def bad_keyword():
    return Vec2.twice(1.0, q=2)


def bad_many():
    return Vec2.twice(1.0, 2, 3)


def bad_twice_kw():
    return Vec2.twice(1.0, a=2.0)


def bad_value(v):
    return Vec2.twice(v)


def raising(k):
    return Vec2.twice(1.0, k)


def none_receiver(v: Vec2):
    return v.twice(1.0)


@cython.cclass
class Particle:
    x = cython.declare(cython.double, visibility='readonly')
    y = cython.declare(cython.double, visibility='readonly')
    tag = cython.declare(object, visibility='readonly')

    def __init__(self, x: cython.double = 0.0, y: cython.double = 0.0, *, tag: cython.int = -1):
        if x < -100.0:
            raise ValueError("too small")
        self.x = x
        self.y = y
        self.tag = tag


@cython.cclass
class Counted:
    n = cython.declare(cython.int, visibility='readonly')
    v = cython.declare(cython.double, visibility='readonly')

    def __cinit__(self):
        self.n = 7
        LOG.append("cinit")

    def __init__(self, v: cython.double):
        self.v = v + self.n

    def __dealloc__(self):
        LOG.append("dealloc")


@cython.cclass
class WithArgs:
    a = cython.declare(object, visibility='readonly')

    def __cinit__(self, a, *args, **kwargs):
        self.a = a

    def __init__(self, a, b: cython.int = 1):
        self.a = (self.a, b)


def build_kw(x: cython.double, y: cython.double):
    p = Particle(x=x, y=y)
    q = Particle(y=y)
    r = Particle(x, tag=4)
    s = Particle()
    return (p.x, p.y, q.x, q.y, r.x, r.tag, s.x, s.y)


def build_counted(v: cython.double):
    c = Counted(v)
    d = Counted(v=v)
    return (c.n, c.v, d.v)


def build_counted_obj(v):
    return Counted(v).v


def build_with_args(a):
    return WithArgs(a).a, WithArgs(a, b=3).a


def build_loop(n: cython.int) -> cython.double:
    s: cython.double = 0.0
    for i in range(n):
        p = Particle(x=1.0, y=2.0)
        s += p.x + p.y
    return s


def bad_construct_kw():
    return Particle(z=1.0)


def bad_construct_twice():
    return Particle(1.0, x=2.0)


def bad_construct_many():
    return Particle(1.0, 2.0, 3.0)


def bad_construct_value(v):
    return Particle(x=v).x


def bad_construct_raises():
    return Particle(x=-1000.0)


def bad_counted():
    return Counted()


@cython.cclass
class Acc:
    total = cython.declare(cython.double, visibility='readonly')

    def __init__(self, start: cython.double):
        self.total = start

    @cython.ccall
    def add(self, v: cython.double) -> cython.double:
        self.total += v
        return self.total

    @cython.cfunc
    def cadd(self, v: cython.double) -> cython.double:
        self.total += 2 * v
        return self.total


def mk(v: cython.double) -> Acc:
    return Acc(v)


def mk_none() -> Acc:
    return None


def on_result(v: cython.double):
    return mk(v).add(1.0), mk(v).cadd(1.0)


def on_result_none():
    return mk_none().add(1.0)


def on_cast(xs: list) -> cython.double:
    s: cython.double = 0.0
    for i in range(len(xs)):
        s += cython.cast(Acc, xs[i]).add(1.0)
    return s


def on_cast_c(xs: list) -> cython.double:
    s: cython.double = 0.0
    for x in xs:
        s += cython.cast(Acc, x).cadd(1.0)
    return s
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="calls")


def test_compiles_natively(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr


def test_direct_calls_in_hir(m, pyc):
    b = pyc.build(SRC, args=("--emit", "hir"), stem="calls_hir")
    hir = {f.split("(")[0]: f for f in (b.stdout + b.stderr).split("\nfn ")}
    hir = "".join(hir[k] for k in ("on_class", "on_class_objects", "on_typed", "loop", "build_kw", "build_counted", "build_loop", "on_result", "on_cast", "on_cast_c"))
    # No lookup of the static/class method on the class, no generic construction.
    assert 'GetAttr("twice")(Global' not in hir and 'GetAttr("unit")(Global' not in hir
    assert 'Global("Particle")' not in hir and 'Global("Counted")' not in hir
    assert 'GetAttr("add")(mk(' not in hir and 'GetAttr("cadd")' not in hir


def test_static_and_class_methods_match_cpython(m):
    m.assert_same("on_class", [0.0, 1.5, -2.0], exact=True)
    m.assert_same("on_class_objects", [()], exact=True)
    m.assert_same("loop", [0, 1, 10], exact=True)
    same(m, "on_typed", [lambda M: (M.Vec2(1.0), 2.0), lambda M: (M.Vec3(1.0), 2.0), lambda M: (None, 1.0)])
    same(m, "none_receiver", [lambda M: (None,)])
    for M in (m.native, m.py):
        v = M.Vec2(1.0, 2.0)
        assert v.doubled(2.0) == 10.0 and M.Vec3(1.0).doubled(2.0) == -4.0
    same(m, "on_typed", [lambda M: (M.Vec2(3.0, 4.0), 0.5)])
    for name in ("doubled", "same_kind", "labelled"):
        outs = []
        for M in (m.native, m.py):
            f = getattr(M.Vec2(1.0, 2.0), name)
            outs.append(repr(f(2.0) if name == "doubled" else f()))
        assert outs[0] == outs[1], (name, outs)


def test_wrong_arguments_match_cpython(m):
    for name in ("bad_missing", "bad_keyword", "bad_many", "bad_twice_kw"):
        same(m, name, [lambda M: ()])
    same(m, "bad_value", [lambda M: (2.0,)])
    # A typed parameter converts (Cython's message; CPython multiplies).
    with pytest.raises(TypeError, match="must be real number, not str"):
        m.native.bad_value("x")
    with pytest.raises(TypeError, match="must be real number, not NoneType"):
        m.native.bad_value(None)
    same(m, "raising", [lambda M: (-1,), lambda M: (3,)])


def test_python_subclass_overrides(m):
    outs = []
    for M in (m.native, m.py):
        V = M.Vec2

        class Sub(V):
            @staticmethod
            def twice(a, k=2):
                return 100.0

            @classmethod
            def kind(cls):
                return "sub:" + cls.__name__

        class Keeps(V):
            pass

        s, k = Sub(1.0), Keeps(1.0, 2.0)
        got = [s.doubled(1.0), s.same_kind(), k.same_kind(), k.doubled(1.0), M.on_typed(s, 1.0), M.on_typed(k, 1.0)]
        # An instance attribute shadows the class's static method.
        k.twice = lambda a, k=2: -1.0
        got.append(k.doubled(1.0))
        got.append(M.on_typed(k, 1.0))
        outs.append(repr(got))
    assert outs[0] == outs[1], outs
    assert "Keeps" in outs[0]


def test_types_are_immutable(m):
    if sys.version_info < (3, 10):
        pytest.skip("no immutable heap types before 3.10")
    with pytest.raises(TypeError, match="immutable type"):
        m.native.Vec2.twice = staticmethod(lambda a, k=2: 0.0)
    assert m.native.Vec2.twice(1.0) == 2.0
    # A Python subclass stays mutable.
    Sub = type("Sub", (m.native.Vec2,), {})
    Sub.extra = 1
    assert Sub(1.0).extra == 1


def test_construction_matches_cpython(m):
    m.assert_same("build_kw", [(1.0, 2.0), (-3.0, 0.5)], exact=True)
    m.assert_same("build_loop", [0, 3], exact=True)
    # `__cinit__` runs first, as in Cython (the shim does not run it).
    del m.native.LOG[:]
    assert m.native.build_counted(1.5) == (7, 8.5, 8.5)
    assert m.native.LOG == ["cinit", "cinit", "dealloc", "dealloc"]
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'v'"):
        m.native.bad_counted()
    assert m.native.LOG[-2:] == ["cinit", "dealloc"]
    # An argument whose conversion may fail: the generic call, which runs
    # `__cinit__` first (and `__dealloc__` after the failure), as Cython's.
    del m.native.LOG[:]
    assert m.native.build_counted_obj(2.0) == 9.0
    with pytest.raises(TypeError, match="must be real number, not str"):
        m.native.build_counted_obj("x")
    assert m.native.LOG == ["cinit", "dealloc", "cinit", "dealloc"]
    assert m.native.build_with_args(5) == ((5, 1), (5, 3))
    for name in ("bad_construct_kw", "bad_construct_twice", "bad_construct_many", "bad_construct_raises"):
        same(m, name, [lambda M: ()])
    same(m, "bad_construct_value", [lambda M: (3.0,)])
    for v, t in (("x", "str"), (None, "NoneType")):
        with pytest.raises(TypeError, match="must be real number, not " + t):
            m.native.bad_construct_value(v)


def test_construction_subclass_init(m):
    outs = []
    for M in (m.native, m.py):

        class P2(M.Particle):
            def __init__(self, x=5.0, **kw):
                super().__init__(x=x * 2, **kw)

        p = P2(y=3.0)
        outs.append((p.x, p.y, p.tag, type(M.Particle(x=1.0)).__name__))
    assert outs[0] == outs[1]


def test_ccall_on_other_receivers(m):
    m.assert_same("on_result", [1.0, -2.5], exact=True)
    same(m, "on_result_none", [lambda M: ()])
    same(m, "on_cast", [lambda M: ([M.Acc(1.0), M.Acc(2.0)],), lambda M: ([],)])
    same(m, "on_cast_c", [lambda M: ([M.Acc(1.0), M.Acc(2.0)],)])
    outs = []
    for M in (m.native, m.py):

        class Over(M.Acc):
            def add(self, v):
                return -v

        a = Over(1.0)
        outs.append((M.on_cast([a, M.Acc(0.0)]), M.on_cast_c([a])))
    assert outs[0] == outs[1], outs
    # A cast of another object: Cython's type error where Cython would crash.
    with pytest.raises(TypeError, match="Cannot convert int to"):
        m.native.on_cast([1])
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'cadd'"):
        m.native.on_cast_c([None])


def test_no_leaks(m):
    N = m.native
    V = N.Vec2

    class Sub(V):
        @classmethod
        def kind(cls):
            return "sub"

    cases = [
        lambda: N.on_class(1.0),
        lambda: N.on_class_objects(),
        lambda: N.on_typed(V(1.0), 2.0),
        lambda: N.on_typed(Sub(1.0), 2.0),
        lambda: Sub(1.0).same_kind(),
        lambda: N.loop(5),
        lambda: attempt(N.bad_missing),
        lambda: attempt(N.bad_value, "x"),
        lambda: attempt(N.raising, -1),
        lambda: attempt(N.none_receiver, None),
        lambda: N.build_kw(1.0, 2.0),
        lambda: N.build_counted(1.0),
        lambda: N.build_with_args(3),
        lambda: attempt(N.build_counted_obj, "x"),
        lambda: attempt(N.bad_construct_kw),
        lambda: attempt(N.bad_construct_value, "x"),
        lambda: attempt(N.bad_construct_raises),
        lambda: attempt(N.bad_counted),
        lambda: N.on_result(1.0),
        lambda: attempt(N.on_result_none),
        lambda: N.on_cast([N.Acc(1.0)]),
        lambda: attempt(N.on_cast, [1]),
        lambda: attempt(N.on_cast_c, [None]),
    ]
    for f in cases:
        assert growth(f) < LEAK_CALLS // 10, f
    del N.LOG[:]
    v, xs = V(1.0), [N.Acc(1.0)]
    rc, rx = sys.getrefcount(v), sys.getrefcount(xs[0])
    for _ in range(100):
        N.on_typed(v, 1.0)
        N.on_cast(xs)
        attempt(N.on_cast_c, xs + [None])
    gc.collect()
    a = xs[0]
    assert (sys.getrefcount(v), sys.getrefcount(a) - 1) == (rc, rx)
