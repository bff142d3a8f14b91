"""Public and readonly fields of a `@cython.cclass` seen from Python (issue
13): each a `PyGetSetDef` of the type, as Cython's (`getset_descriptor`),
whose getter loads the field and boxes it and whose setter (public fields
only) runs the compiled setter: C numbers converted as compiled code
converts them, `del` raising Cython's NotImplementedError('__del__'); object
fields checked as compiled stores check them (a cclass's "Cannot convert",
a builtin's "Expected list, got T"), `del` storing None; a readonly field
has no setter, so CPython raises "attribute 'x' of 'm.C' objects is not
writable" for a store and a `del`. Every outcome below that names a message
is Cython 3.3.1's on the same source (checked by hand); integer fields'
conversions of other objects are compiled code's (`docs/semantics.md`),
checked here by exception type only. Reference counts: the values stored
and read keep their counts, and allocated blocks stay level over loops of
stores, reads and failing stores."""

import gc
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython


@cython.cclass
class Other:
    v: cython.int


@cython.cclass
class F:
    i8 = cython.declare(cython.schar, visibility='public')
    u8 = cython.declare(cython.uchar, visibility='public')
    i16 = cython.declare(cython.short, visibility='public')
    u16 = cython.declare(cython.ushort, visibility='public')
    i32 = cython.declare(cython.int, visibility='public')
    u32 = cython.declare(cython.uint, visibility='public')
    i64 = cython.declare(cython.longlong, visibility='public')
    u64 = cython.declare(cython.ulonglong, visibility='public')
    f32 = cython.declare(cython.float, visibility='public')
    f64 = cython.declare(cython.double, visibility='public')
    b = cython.declare(cython.bint, visibility='public')
    o = cython.declare(object, visibility='public')
    c = cython.declare(Other, visibility='public')
    l = cython.declare(list, visibility='public')
    ro_i8 = cython.declare(cython.schar, visibility='readonly')
    ro_u64 = cython.declare(cython.ulonglong, visibility='readonly')
    ro_f = cython.declare(cython.float, visibility='readonly')
    ro_b = cython.declare(cython.bint, visibility='readonly')
    ro_o = cython.declare(object, visibility='readonly')
    ro_c = cython.declare(Other, visibility='readonly')

    def fill(self):
        self.ro_i8 = -5
        self.ro_u64 = 2**62
        self.ro_f = 1.5
        self.ro_b = True
        self.ro_o = "ro"
        self.ro_c = Other()

    def inside(self):
        return (self.i8, self.u8, self.i16, self.u16, self.i32, self.u32, self.i64, self.u64,
                self.f32, self.f64, self.b, self.o, self.c, self.l)


@cython.cclass
class Sub(F):
    extra = cython.declare(cython.int, visibility='public')
'''

INTS = {"i8": (8, True), "u8": (8, False), "i16": (16, True), "u16": (16, False), "i32": (32, True), "u32": (32, False),
        "i64": (64, True), "u64": (64, False)}
READONLY = ("ro_i8", "ro_u64", "ro_f", "ro_b", "ro_o", "ro_c")


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, args=("--strict",), stem="getset")


def outcome(f):
    try:
        r = f()
        return ("ok", repr(r), type(r).__name__)
    except Exception as e:  # noqa: BLE001 - compared
        return (type(e).__name__, str(e))


class Flt:
    def __float__(self):
        return 2.5


class I(int):
    pass


class FS(float):
    pass


def test_fields_are_getset_descriptors(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    F = m.native.F
    for name in list(INTS) + ["f32", "f64", "b", "o", "c", "l"] + list(READONLY):
        assert type(F.__dict__[name]).__name__ == "getset_descriptor", name
    # Not on the subclass: found through the base, as any descriptor.
    assert "i8" not in m.native.Sub.__dict__
    s = m.native.Sub()
    s.i8, s.extra = -3, 4
    assert (s.i8, s.extra) == (-3, 4) and s.inside()[0] == -3
    # The getter checks the receiver's type (CPython's descriptor check).
    with pytest.raises(TypeError, match=r"^descriptor 'i8' for 'getset_\d+\.F' objects doesn't apply to a 'getset_\d+\.Other' object$"):
        F.__dict__["i8"].__get__(m.native.Other())
    with pytest.raises(TypeError):
        F.__dict__["o"].__set__(m.native.Other(), 1)


def test_initial_values(m):
    p = m.native.F()
    got = tuple(getattr(p, n) for n in list(INTS) + ["f32", "f64", "b", "o", "c", "l"])
    assert repr(got) == "(0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, False, None, None, None)"
    assert got == p.inside()


def test_int_fields(m):
    for name, (bits, signed) in INTS.items():
        lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
        p = m.native.F()
        for v in (0, 1, lo, hi, True, I(5), hi // 3):
            setattr(p, name, v)
            got = getattr(p, name)
            assert got == int(v) and type(got) is int, (name, v, got)
            assert p.inside()[list(INTS).index(name)] == int(v)
        for v in (lo - 1, hi + 1, 2**70, -(2**70)):
            with pytest.raises(OverflowError):
                setattr(p, name, v)
        for v in ("x", None, [], 1j):
            with pytest.raises(TypeError):
                setattr(p, name, v)
        assert getattr(p, name) == hi // 3
        with pytest.raises(NotImplementedError, match="^__del__$"):
            delattr(p, name)
        assert getattr(p, name) == hi // 3


# Cython 3.3.1's outcomes (value read back, or the error).
FLOATS = [
    (1, ("ok", "1.0", "float")), (-2**31 - 1, None), (2**70, ("ok", "1.1805916207174113e+21", "float")),
    (1.5, ("ok", "1.5", "float")), (-0.0, ("ok", "-0.0", "float")), (FS(2.5), ("ok", "2.5", "float")),
    (True, ("ok", "1.0", "float")), (I(5), ("ok", "5.0", "float")),
    (Flt(), ("ok", "2.5", "float")), (float("nan"), ("ok", "nan", "float")),
    ("x", ("TypeError", "must be real number, not str")), (None, ("TypeError", "must be real number, not NoneType")),
    ([], ("TypeError", "must be real number, not list")),
    # `PyFloat_AsDouble` of a complex: 3.9's complex has a `__float__` that raises.
    (1j, ("TypeError", "can't convert complex to float" if sys.version_info < (3, 10) else "must be real number, not complex")),
]


def test_float_fields(m):
    for name in ("f32", "f64"):
        for v, want in FLOATS:
            p = m.native.F()

            def store(p=p, v=v):
                setattr(p, name, v)
                return getattr(p, name)
            if want is None:
                want = ("ok", repr(float(v) if name == "f64" else -2147483648.0), "float")
            assert outcome(store) == want, (name, v)
        p = m.native.F()
        p.f64, p.f32 = 1e300, 1e300
        assert (p.f64, p.f32) == (1e300, float("inf"))
        with pytest.raises(NotImplementedError, match="^__del__$"):
            delattr(p, name)


def test_bint_field(m):
    p = m.native.F()
    for v, want in [(0, False), (1, True), (-1, True), (2**70, True), (0.0, False), (1.5, True), ("", False), ("x", True),
                    (None, False), ([], False), ([1], True), (True, True)]:
        p.b = v
        assert p.b is want and p.inside()[10] is want, v
    with pytest.raises(NotImplementedError, match="^__del__$"):
        del p.b


def test_object_fields(m):
    M = m.native
    p = M.F()
    for v in (1, "s", None, [1], p):
        p.o = v
        assert p.o is v and p.inside()[11] is v
    del p.o
    assert p.o is None
    o = M.Other()
    p.c = o
    assert p.c is o
    p.c = None
    assert p.c is None
    for v, name in [(1, "int"), ("s", "str"), (M.F(), r"getset_\d+\.F")]:
        with pytest.raises(TypeError, match=r"^Cannot convert %s to getset_\d+\.Other$" % name):
            p.c = v
    p.c = o
    del p.c
    assert p.c is None
    xs = [1]
    p.l = xs
    assert p.l is xs
    p.l = None
    assert p.l is None

    class Lst(list):
        pass
    for v, name in [(Lst(), "Lst"), ((), "tuple"), ("s", "str")]:
        with pytest.raises(TypeError, match="^Expected list, got %s$" % name):
            p.l = v
    p.l = xs
    del p.l
    assert p.l is None


def test_readonly_fields(m):
    p = m.native.F()
    p.fill()
    got = [getattr(p, n) for n in READONLY]
    assert got[:5] == [-5, 2**62, 1.5, True, "ro"] and type(got[5]) is m.native.Other
    assert got[3] is True
    for n in READONLY:
        msg = r"^attribute '%s' of 'getset_\d+\.F' objects is not writable$" % n
        with pytest.raises(AttributeError, match=msg):
            setattr(p, n, 1)
        with pytest.raises(AttributeError, match=msg):
            delattr(p, n)
    assert [getattr(p, n) for n in READONLY][:5] == got[:5]


def test_refcounts(m):
    M = m.native
    p = M.F()
    v = object()
    before = sys.getrefcount(v)
    for _ in range(100):
        p.o = v
        p.o
    assert sys.getrefcount(v) == before + 1
    del p.o
    assert sys.getrefcount(v) == before
    xs = []
    before = sys.getrefcount(xs)
    p.l = xs
    for _ in range(100):
        p.l
        attempt(setattr, p, "l", ())
    assert sys.getrefcount(xs) == before + 1
    p.l = None
    assert sys.getrefcount(xs) == before
    # A failing store keeps the old value and drops nothing.
    s = "not a number"
    before = sys.getrefcount(s)
    for _ in range(100):
        attempt(setattr, p, "f64", s)
        attempt(setattr, p, "i32", s)
        attempt(setattr, p, "c", s)
    assert sys.getrefcount(s) == before


def test_no_leaks(m):
    M = m.native
    p = M.F()
    p.fill()
    other = M.Other()
    big = 2**70

    def loop():
        p.i8 = -3
        p.u64 = 2**64 - 1
        p.f64 = 2.5
        p.f32 = 0.25
        p.b = [1]
        p.o = [1, 2]
        p.c = other
        p.l = []
        (p.i8, p.u8, p.i16, p.u16, p.i32, p.u32, p.i64, p.u64, p.f32, p.f64, p.b, p.o, p.c, p.l)
        (p.ro_i8, p.ro_u64, p.ro_f, p.ro_b, p.ro_o, p.ro_c)
        attempt(setattr, p, "i8", 300)
        attempt(setattr, p, "u64", big)
        attempt(setattr, p, "i32", "x")
        attempt(setattr, p, "f64", "x")
        attempt(setattr, p, "c", 1)
        attempt(setattr, p, "l", (1,))
        attempt(delattr, p, "i8")
        attempt(delattr, p, "ro_o")
        attempt(setattr, p, "ro_i8", 1)
        del p.o
    assert growth(loop) < LEAK_CALLS // 4
    gc.collect()
