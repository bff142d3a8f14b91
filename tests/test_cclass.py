"""Extension types (issue 13): a @cython.cclass with C number fields
becomes a real extension type whose compiled methods read and write the
fields in place; results and argument errors match CPython running the same
source through the shim; visibility, subclassing and leaks as in Cython."""

import pickle
import sys
import types

import pytest

from conftest import LEAK_CALLS, attempt, growth


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("cclass")


def test_classes_are_extension_types(m):
    P = m.native.Point
    assert isinstance(P, type) and not isinstance(P.__dict__.get("norm2"), types.FunctionType)
    assert isinstance(P.__dict__["norm2"], types.MethodDescriptorType)
    assert P.__name__ == "Point" and P.__qualname__ == "Point"
    assert P.__module__ == m.native.__name__
    assert P.__doc__ == "A point of the plane."
    p = P(1.0, 2.0)
    assert type(p).__name__ == "Point" and isinstance(p, P)
    assert not hasattr(p, "__dict__")
    assert isinstance(m.native.Counter.__dict__["bump"], types.MethodDescriptorType)
    import inspect
    # The parameters of the Python method (without annotations, as Cython's).
    assert str(inspect.signature(p.move)) == "(dx, dy=1.0)"
    assert list(inspect.signature(m.py.Point(1.0, 2.0).move).parameters) == ["dx", "dy"]


def test_class_with_object_field_stays_python(m):
    assert isinstance(m.native.Named.__dict__["greet"], types.FunctionType)
    assert "attribute `name` is `str`" in m.build.stderr
    assert "class `Named` left to Python" in m.build.stderr
    m.assert_same("greet", ["x", ""], exact=True)


def test_methods_match_cpython(m):
    m.assert_same("walk", [(0.0, 0.0, 0), (1, 2, 3), (-1.5, 2.25, 10), (1e300, 1e300, 2),
                           (float("nan"), 0.0, 1), (float("inf"), 1.0, 2), (True, 2, 1)], exact=True)
    m.assert_same("count_to", [0, 1, 5, 100], exact=True)
    m.assert_same("project", [(1.0, 2.0, 3.0, 4.0), (0.0, -1.0, 2, True), (1e308, 1e308, 10.0, 0.0)], exact=True)
    m.assert_same("scaled", [(1.0, 2.0, 3.0), (1.0, 2.0, 0.0), (1.5, -2.0, -1.0)], exact=True)


def test_argument_errors_match_cpython(m):
    for args, kwargs in [((1,), {}), ((1, 2, 3), {}), ((), {}), ((1,), {"z": 2}), ((1,), {"x": 2})]:
        outcomes = []
        for mod in (m.native, m.py):
            try:
                mod.Point(*args, **kwargs)
                outcomes.append(None)
            except TypeError as e:
                outcomes.append(str(e))
        assert outcomes[0] == outcomes[1] and outcomes[0] is not None, (args, kwargs, outcomes)
    for mod in (m.native, m.py):
        p = mod.Point(1, 2)
        with pytest.raises(TypeError) as e:
            p.move()
        assert "move() missing 1 required positional argument: 'dx'" in str(e.value)
    p = m.native.Point(y=4.0, x=3.0)
    assert p.coords() == (3.0, 4.0)
    p.move(dy=2.0, dx=1.0)
    assert p.coords() == (4.0, 6.0)
    p.move(1.0)
    assert p.coords() == (5.0, 7.0)


def test_typed_fields_convert_as_cython(m):
    P = m.native.Point
    with pytest.raises(TypeError, match="must be real number, not str"):
        P("a", 1.0)
    with pytest.raises(TypeError, match="must be real number, not NoneType"):
        P(1.0, None)
    assert P(2, True).coords() == (2.0, 1.0)
    c = m.native.Counter()
    with pytest.raises(TypeError):
        c.bump(1.5)
    with pytest.raises(OverflowError):
        c.bump(2 ** 63)
    assert c.bump(-3) == -3


def test_cfunc_methods_are_c_only(m):
    P = m.native.Point
    # Called directly by the other methods; Python does not see them (Cython's rule).
    assert "dot" not in vars(P) and "times" not in vars(P)
    with pytest.raises(AttributeError):
        P(1.0, 2.0).dot
    with pytest.raises(TypeError, match="must be real number, not str"):
        P(1.0, 2.0).project("a", 1.0)
    assert not hasattr(m.native, "Point.dot")


def test_visibility(m):
    p = m.native.Point(3.0, 4.0)
    for name in ("x", "y"):
        with pytest.raises(AttributeError) as e:
            getattr(p, name)
        # Cython's message: the type's full name.
        assert str(e.value) == "'%s.Point' object has no attribute '%s'" % (m.native.__name__, name)
        with pytest.raises(AttributeError):
            setattr(p, name, 1.0)
    assert p.total == 7.0
    with pytest.raises(AttributeError):
        p.total = 1.0
    assert p.hits == 0
    p.norm2()
    assert p.hits == 1
    p.hits = 41
    p.norm2()
    assert p.hits == 42
    with pytest.raises(TypeError):
        p.hits = "many"
    c = m.native.Counter()
    assert (c.small, c.flag, c.ratio) == (0, False, 0.0)
    c.small, c.flag, c.ratio = -7, True, 0.5
    assert (c.small, c.flag, c.ratio) == (-7, True, 0.5)
    with pytest.raises(AttributeError):
        c.count
    b = m.native.Blank()
    assert b.v == 0
    b.v = -2 ** 63
    assert b.v == -2 ** 63
    # As Cython's types without __init__: arguments are ignored.
    assert m.native.Blank(1, k=2).v == 0


def test_subclass_from_python(m):
    P = m.native.Point

    class Sub(P):
        def norm2(self):
            return -1.0

        def extra(self):
            return self.coords()[0] + 100

    s = Sub(1.0, 2.0)
    assert isinstance(s, P) and type(s) is Sub
    assert s.norm2() == -1.0 and P.norm2(s) == 5.0 and s.extra() == 101.0
    s.tag = "dict of the subclass"
    assert s.tag == "dict of the subclass"
    assert growth(lambda: Sub(1.0, 2.0).extra()) < LEAK_CALLS // 10


def test_no_leaks(m):
    P = m.native.Point
    assert growth(lambda: P(1.0, 2.0).norm2()) < LEAK_CALLS // 10
    assert growth(lambda: P(x=1.0, y=2.0).move(dx=1.0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(P, "a", 1.0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(P, 1.0)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.walk(1.0, 2.0, 3)) < LEAK_CALLS // 10
    args = (1.5, 2.5)
    before = [sys.getrefcount(a) for a in args]
    for _ in range(100):
        P(*args).move(*args)
    assert [sys.getrefcount(a) for a in args] == before
    t = P
    rc = sys.getrefcount(t)
    for _ in range(100):
        P(1.0, 2.0)
    assert sys.getrefcount(t) == rc


def test_not_picklable_yet(m):
    # No auto-pickling in this slice: CPython's own refusal, never garbage.
    with pytest.raises((TypeError, pickle.PicklingError)):
        pickle.loads(pickle.dumps(m.native.Point(1.0, 2.0)))


TYPED_USE = '''
import cython

@cython.cclass
class Cell:
    v: cython.double

    def __init__(self, v: cython.double):
        self.v = v

    def get(self) -> cython.double:
        return self.v

def read(c: Cell) -> cython.double:
    return c.v + c.get()
'''


def test_class_used_as_a_type_stays_python(pyc):
    # `c: Cell` is not compiled yet: `read` stays Python and would need the
    # private field, so the class stays a Python class as a whole.
    m = pyc.pair(TYPED_USE)
    assert isinstance(m.native.Cell.__dict__["get"], types.FunctionType)
    assert "`Cell` is used as a type by `read`" in m.build.stderr
    m.assert_same("read", [(m.native.Cell(1.5),), (m.native.Cell(-2.0),)], native=False, exact=True)


def test_object_fields_match_cpython(m):
    assert isinstance(m.native.Node.__dict__["get"], types.MethodDescriptorType)
    m.assert_same("node_ops", [(1, 2), ("a", "b"), (1.5, 2), ((1,), (2,)), (None, None), ("a", 1)], exact=True)
    m.assert_same("build_chain", [([],), ([1],), (list(range(10)),), (["x", None, 3],)], exact=True)


def test_object_fields_start_none_and_readonly(m):
    N = m.native.Node
    n = N.__new__(N)
    assert n.get() == (None, True, 0.0) and n.tag is None
    n = N("v", 1.0)
    assert n.tag == ("node", "v")
    with pytest.raises(AttributeError):
        n.tag = 1
    with pytest.raises(AttributeError):
        del n.tag
    with pytest.raises(AttributeError):
        n.value


def test_object_fields_keep_reference_counts(m):
    N = m.native.Node
    v, w = object(), object()
    before = (sys.getrefcount(v), sys.getrefcount(w))
    n = N(v, 0.0)
    assert sys.getrefcount(v) == before[0] + 2  # the field and the tag tuple
    assert n.swap(w) is v
    assert sys.getrefcount(v) == before[0] + 1  # the tag only
    del n
    assert (sys.getrefcount(v), sys.getrefcount(w)) == before
    assert growth(lambda: N(v, 1.0).link(N(w, 2.0)).get()) < LEAK_CALLS // 10
    assert growth(lambda: attempt(N(1, 1.0).add, "x")) < LEAK_CALLS // 10
    assert (sys.getrefcount(v), sys.getrefcount(w)) == before


def test_cycles_are_collected(m):
    import gc
    import weakref

    class Payload:
        pass

    N = m.native.Node
    gc.collect()
    p = Payload()
    alive = weakref.ref(p)
    a, b = N(p, 1.0), N(None, 2.0)
    a.link(b)
    b.link(a)
    assert a.chain_length() == 2
    del a, b, p
    assert alive() is not None  # only the collector frees a cycle
    gc.collect()
    assert alive() is None

    def cycle():
        x = N(Payload(), 1.0)
        x.link(x)
    for _ in range(50):
        cycle()
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(LEAK_CALLS):
        cycle()
    gc.collect()
    assert sys.getallocatedblocks() - before < LEAK_CALLS // 10

    class Sub(N):
        pass
    s = Sub(Payload(), 1.0)
    alive = weakref.ref(s.get.__self__)
    s.link(s)
    del s
    gc.collect()
    assert alive() is None


LEFT = '''
import cython

@cython.cclass
class Tries:
    n: cython.int

    def safe(self, d: cython.int):
        try:
            return self.n // d
        except ZeroDivisionError:
            return -1

@cython.cclass
class Returns:
    n: cython.int

    def __init__(self):
        return None if self.n else 1

def use_tries(d):
    t = Tries()
    return t.safe(d)
'''


def test_what_does_not_compile_leaves_the_class_to_python(pyc):
    m = pyc.pair(LEFT)
    err = m.build.stderr
    for cls, line in (("Tries", 5), ("Returns", 15)):
        assert isinstance(getattr(m.native, cls), type)
        assert not any(isinstance(v, types.MethodDescriptorType) for v in vars(getattr(m.native, cls)).values())
        assert "class `%s` left to Python: `@cython.cclass` stays a Python class" % cls in err, err
        assert ":%d:" % line in err, err
    assert "method `safe` stays Python" in err, err
    assert "`__init__` returns a value" in err, err
    m.assert_same("use_tries", [(0,), (2,)], native=False, exact=True)
