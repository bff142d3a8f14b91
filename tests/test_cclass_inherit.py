"""cclass inheritance and cfunc dispatch (issue 13): a `@cython.cclass`
extending another of the module (the base's fields first, `tp_base`), its
`__init__` and `def` methods inherited or overridden, `@cython.cfunc`
methods overridden in a subclass and called through the class's table
(Cython's vtable) from the base's methods and through base-typed
variables; compared with CPython running the same source (the shim), with
Cython's differences where Python subclasses meet cfuncs."""

import gc
import sys
import types
import weakref
from pathlib import Path

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython

@cython.cclass
class Base:
    """The root."""
    x: cython.double
    n = cython.declare(cython.int, visibility='readonly')
    tag = cython.declare(object)

    def __init__(self, x: cython.double):
        self.x = x
        self.n = 0
        self.tag = None

    @cython.cfunc
    def step(self, dt: cython.double) -> cython.double:
        self.x += dt
        self.n += 1
        return self.x

    @cython.cfunc
    def kind(self) -> cython.int:
        return 1

    @cython.cfunc
    def halve(self, v: cython.long) -> cython.long:
        return v // 2

    def run(self, k: cython.int, dt: cython.double) -> cython.double:
        s: cython.double = 0.0
        for i in range(k):
            s += self.step(dt)
        return s

    def which(self):
        return self.kind()

    def half(self, v: cython.long):
        return self.halve(v)

    def link(self, other):
        self.tag = other

    def name(self):
        return "base"


@cython.cclass
class Fast(Base):
    y: cython.double
    other = cython.declare(object)

    def __init__(self, x: cython.double):
        self.x = x
        self.y = 0.0
        self.n = 0
        self.tag = None

    @cython.cfunc
    def step(self, dt: cython.double) -> cython.double:
        self.x += 2 * dt
        self.y += 1.0
        self.n += 1
        return self.x + self.y

    def total(self):
        return self.x + self.y

    def keep(self, o):
        self.other = o


@cython.cclass
class Faster(Fast):
    def __init__(self, x: cython.double):
        self.x = x * 10
        self.y = 5.0
        self.n = 100
        self.tag = None

    @cython.cfunc
    def kind(self) -> cython.int:
        return Base.kind(self) + 2

    @cython.cfunc
    def halve(self, v: cython.long) -> cython.long:
        if v < 0:
            raise ValueError("negative")
        return Fast.halve(self, v) * 10

    def name(self):
        return "faster"


@cython.final
@cython.cclass
class Leaf(Base):
    def name(self):
        return "leaf"


def drive(b: Base, k: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(k):
        t += b.step(0.5)
    return t


def make(which: cython.int):
    if which == 0:
        return Base(1.0)
    if which == 1:
        return Fast(2.0)
    if which == 2:
        return Faster(3.0)
    return Leaf(4.0)


def everything(which: cython.int):
    o = make(which)
    return (type(o).__name__, o.which(), o.run(3, 0.25), drive(o, 2), o.n, o.name(), o.half(7))


def half_of(b: Base, v: cython.long):
    return b.half(v)


def new_instance():
    return Fast(1.0).step(1.0), Faster(1.0).kind()


def fields(which: cython.int):
    o: Base = make(which)
    drive(o, 3)
    return round(o.x, 9), o.n


def drive_any(b, k: cython.int):
    return drive(b, k)
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="inherit")


def test_every_class_compiles(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    for c in ("Base", "Fast", "Faster", "Leaf"):
        assert isinstance(getattr(m.native, c), type)
    assert isinstance(m.native.Fast.__dict__["total"], types.MethodDescriptorType)


def test_types_as_cython(m):
    B, F, FF, L = m.native.Base, m.native.Fast, m.native.Faster, m.native.Leaf
    assert F.__base__ is B and FF.__base__ is F and L.__base__ is B
    assert FF.__mro__ == (FF, F, B, object)
    f = FF(1.0)
    assert isinstance(f, B) and isinstance(f, F) and type(f).__name__ == "Faster"
    assert FF.__module__ == B.__module__ == m.native.__name__ and FF.__qualname__ == "Faster"
    assert B.__doc__ == "The root." and not hasattr(f, "__dict__")
    # Inherited: __init__ (Leaf has none), def methods, readonly members.
    assert L(2.0).n == 0 and F(2.0).name() == "base" and FF(1.0).n == 100 and L(2.0).name() == "leaf"
    assert "step" not in dir(f) and "kind" not in dir(f)
    with pytest.raises(AttributeError):
        f.step(1.0)
    # `@cython.final`: no subclass, in Python either.
    with pytest.raises(TypeError):
        type("Sub", (L,), {})
    type("Sub", (FF,), {})


def test_overrides_match_cpython(m):
    m.assert_same("everything", [0, 1, 2, 3], exact=True)
    m.assert_same("new_instance", [()], exact=True)
    m.assert_same("fields", [0, 1, 2, 3], exact=True)
    assert m.native.everything(2)[1:3] == (3, 114.0)


def test_errors_through_the_table_match_cpython(m):
    def case(which, v):
        return lambda M: (M.make(which), v)
    from test_cclass import same
    same(m, "half_of", [case(0, 7), case(2, 7), case(2, -3), case(1, -3), case(3, 2**40)])
    # Wrong types and None: Cython's TypeError, Python's AttributeError.
    same(m, "drive_any", [lambda M: (None, 1), lambda M: (M.Leaf(0.0), 2), lambda M: (M.Faster(0.0), 2)])
    # A wrong type: Cython's TypeError (CPython's is an AttributeError).
    with pytest.raises(TypeError, match=r"Argument 'b' has incorrect type \(expected .*\.Base, got str\)"):
        m.native.drive_any("s", 0)
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'step'"):
        m.native.drive(None, 1)
    with pytest.raises(TypeError, match=r"Argument 'b' has incorrect type \(expected .*\.Base, got float\)"):
        m.native.drive(1.5, 1)


def test_python_subclass(m):
    F = m.native.Fast

    class PySub(F):
        def __init__(self, x):
            super().__init__(x)
            self.extra = "dict"

        def step(self, dt):  # not seen by compiled code: step is a cfunc (as in Cython)
            return -1.0

        def name(self):  # a def method: seen through Python's protocol
            return "py"

    p = PySub(1.0)
    assert isinstance(p, m.native.Base) and p.extra == "dict"
    # Fast's table: the Python-level `step` does not override the cfunc.
    assert p.run(2, 1.0) == m.native.Fast(1.0).run(2, 1.0)
    assert m.native.drive(PySub(1.0), 2) == m.native.drive(m.native.Fast(1.0), 2)
    assert p.name() == "py" and p.total() == 7.0
    assert [m.native.drive(PySub(1.0), 1), p.n] == [m.native.drive(F(1.0), 1), 2]
    assert growth(lambda: PySub(1.0).run(2, 1.0)) < LEAK_CALLS // 10


def test_no_leaks_and_refcounts(m):
    for C in (m.native.Base, m.native.Fast, m.native.Faster, m.native.Leaf):
        assert growth(lambda: C(1.0).run(3, 0.5)) < LEAK_CALLS // 10
        assert growth(lambda: m.native.drive(C(1.0), 2)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(m.native.half_of, m.native.Faster(1.0), -1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(m.native.drive, None, 1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(m.native.drive, 2.5, 1)) < LEAK_CALLS // 10
    f = m.native.Faster(1.0)
    rc = sys.getrefcount(f)
    for _ in range(100):
        m.native.drive(f, 2)
        attempt(m.native.half_of, f, -1)
    assert sys.getrefcount(f) == rc
    t = m.native.Faster
    rc = sys.getrefcount(t)
    for _ in range(100):
        m.native.Faster(1.0)
    assert sys.getrefcount(t) == rc


def test_cycles_through_base_fields_are_collected(m):
    class Payload:
        pass

    F = m.native.Faster
    gc.collect()
    p = Payload()
    alive = weakref.ref(p)
    a, b = F(1.0), F(2.0)
    a.link(b)           # Base's field
    b.keep(a)           # Fast's field
    a.keep(p)
    del a, b, p
    assert alive() is not None
    gc.collect()
    assert alive() is None

    def cycle():
        x = F(1.0)
        x.link(x)
        x.keep(Payload())
    assert growth(cycle) < LEAK_CALLS // 10


def test_particles_override_example(pyc):
    src = (Path(__file__).resolve().parent.parent / "examples" / "particles_override.py").read_text()
    m = pyc.pair(src, args=("--strict",), stem="particles_override")
    m.assert_same("simulate", [(10, 50, 0.01), (30, 200, 0.001), (0, 5, 0.1), (3, 0, 0.5)], exact=True)
    assert m.native.simulate(100, 100, 0.01) == m.py.simulate(100, 100, 0.01)


LEFT = '''
import cython

@cython.cclass
class A:
    @cython.cfunc
    def f(self) -> cython.int:
        return 1

    def g(self):
        return self.f()

@cython.cclass
class B(A):
    @cython.cfunc
    def f(self) -> cython.double:
        return 2.5

@cython.cclass
class C:
    def h(self):
        return 1

@cython.cclass
class D(C):
    @cython.cfunc
    def h(self) -> cython.int:
        return 2

class Plain:
    pass

@cython.cclass
class E(Plain):
    pass

def gs():
    return A().g(), B().g()
'''


def test_what_does_not_compile_leaves_the_line_to_python(pyc):
    m = pyc.pair(LEFT, stem="inherit_left")
    err = m.build.stderr
    assert "class `B` left to Python" in err and "does not take and return the types `A.f` does" in err, err
    assert "class `A` left to Python" in err, err
    assert "class `D` left to Python" in err and "overrides a `def` method of its base" in err, err
    assert "class `C` left to Python" in err and "its subclass `D` stays Python" in err, err
    assert "class `E` left to Python" in err and "is not a compiled `@cython.cclass` of the module" in err, err
    m.assert_same("gs", [()], native=False, exact=True)


OBJECTS = '''
import cython

@cython.cclass
class A:
    a: cython.int

    def __init__(self):
        self.a = 1

@cython.cclass
class B(A):
    @cython.cfunc
    def f(self, x):
        return [x, self.a]

    def g(self, x):
        return self.f(x)

@cython.cclass
class C(B):
    @cython.cfunc
    def f(self, x):
        if x is None:
            raise KeyError("none")
        return (x, self.a + 1)

def call(b: B, x):
    return b.f(x)

def both(x):
    return call(B(), x), call(C(), x), C().g(x), B().g(x)
'''


def test_object_cfuncs_through_a_table_the_subclass_starts(pyc):
    # A has no cfunc: B's instances hold the table pointer after A's fields.
    m = pyc.pair(OBJECTS, args=("--strict",), stem="inherit_objects")
    m.assert_same("both", [1, "s", (), None], exact=True)
    x = object()
    rc = sys.getrefcount(x)
    for _ in range(200):
        m.native.call(m.native.C(), x)
        m.native.call(m.native.B(), x)
        attempt(m.native.call, m.native.C(), None)
    assert sys.getrefcount(x) == rc
    assert growth(lambda: attempt(m.native.both, None)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.both(x)) < LEAK_CALLS // 10


TYPE_TESTS = '''
import cython

@cython.cclass
class Shape:
    w: cython.double

    def __init__(self, w: cython.double):
        self.w = w

@cython.cclass
class Square(Shape):
    pass

@cython.cclass
class Empty:
    pass

class Mixin:
    pass

def which(x):
    """isinstance against the module's types, builtin types and a tuple of both."""
    return (isinstance(x, Shape), isinstance(x, Square), isinstance(x, Empty),
            isinstance(x, (int, float)), isinstance(x, (Square, str)), isinstance(x, bool),
            isinstance(x, (list, tuple, dict)), isinstance(x, Mixin))

def width(x) -> cython.double:
    s: Shape = x
    return s.w

def shadowed(x):
    float = int
    return isinstance(x, float)
'''


@pytest.fixture(scope="module")
def tt(pyc):
    return pyc.pair(TYPE_TESTS, stem="typetests")


def test_type_tests_match_cpython(tt):
    assert "left to Python" not in tt.build.stderr, tt.build.stderr
    from test_cclass import same

    class IntSub(int):
        pass

    def py_subclasses(M):
        # A Python subclass of a cclass; one whose tp_base is another
        # class (several bases: Empty has no fields, so Mixin is the base).
        class PyShape(M.Square):
            pass

        class Mixed(M.Mixin, M.Empty):
            pass

        class Both(M.Mixin, M.Square):
            pass

        return [PyShape(3.0), Mixed(), Both(4.0)]

    values = [lambda M: (M.Shape(1.5),), lambda M: (M.Square(2.5),), lambda M: (M.Empty(),), lambda M: (None,),
              lambda M: (0,), lambda M: (-7,), lambda M: (2**70,), lambda M: (True,), lambda M: (1.5,), lambda M: (float("nan"),),
              lambda M: (IntSub(3),), lambda M: ("s",), lambda M: ([],), lambda M: ((),), lambda M: ({},), lambda M: (M.Mixin(),)]
    values += [lambda M, k=k: (py_subclasses(M)[k],) for k in range(3)]
    same(tt, "which", values)
    same(tt, "shadowed", [lambda M: (1,), lambda M: (1.5,), lambda M: (True,)])
    # Cython's argument check: exact type, subclasses (Python ones with
    # other bases too) and None pass; anything else is Cython's TypeError.
    for k, w in ((0, 3.0), (2, 4.0)):
        assert tt.native.width(py_subclasses(tt.native)[k]) == w
    assert tt.native.width(tt.native.Square(2.5)) == 2.5
    with pytest.raises(AttributeError):
        tt.native.width(None)
    for bad in (py_subclasses(tt.native)[1], 1.5, tt.native.Empty()):
        with pytest.raises(TypeError, match=r"^Cannot convert \w+(\.Empty)? to \w+\.Shape$"):
            tt.native.width(bad)


def test_type_tests_no_leaks(tt):
    sq, e, x = tt.native.Square(1.0), tt.native.Empty(), 1.5
    rcs = [sys.getrefcount(o) for o in (sq, e, x, tt.native.Shape, float)]
    for _ in range(200):
        tt.native.which(sq), tt.native.which(e), tt.native.which(x), tt.native.width(sq)
        attempt(tt.native.width, e)
    assert [sys.getrefcount(o) for o in (sq, e, x, tt.native.Shape, float)] == rcs
    assert growth(lambda: (tt.native.which(sq), tt.native.which(2), attempt(tt.native.width, "s"))) < LEAK_CALLS // 10


REBOUND = '''
import cython
from fractions import Fraction as float

def as_float(x):
    return isinstance(x, float)

def rebind():
    global list
    list = tuple

def as_list(x):
    return isinstance(x, (list, int))
'''


def test_builtin_type_names_rebound_by_the_module(pyc):
    """A builtin type's name bound by an import or a function's `global`
    is the module's value, not the builtin."""
    from fractions import Fraction
    from test_cclass import same
    r = pyc.pair(REBOUND, stem="rebound")
    cases = [lambda M: ([],), lambda M: ((),), lambda M: (1,), lambda M: (1.5,), lambda M: (Fraction(1, 3),)]
    same(r, "as_float", cases)
    same(r, "as_list", cases)
    r.native.rebind(), r.py.rebind()
    same(r, "as_list", cases)
    assert r.native.as_list(()) and not r.native.as_list([])
