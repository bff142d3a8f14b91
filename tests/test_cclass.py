"""Extension types (issue 13): a @cython.cclass with C number fields
becomes a real extension type whose compiled methods read and write the
fields in place; results and argument errors match CPython running the same
source through the shim; visibility, subclassing and leaks as in Cython."""

import pickle
import sys
import types
from pathlib import Path

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


def test_class_with_str_field_compiles(m):
    # tests/test_cclass_builtin_fields.py has the rest.
    assert isinstance(m.native.Named.__dict__["greet"], types.MethodDescriptorType)
    assert "class `Named` left to Python" not in m.build.stderr
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


def test_pickles_as_cython(m):
    # Cython's auto_pickle (tests/test_cclass_pickle.py has the rest).
    p = pickle.loads(pickle.dumps(m.native.Point(1.0, 2.0)))
    assert type(p) is m.native.Point and p.__reduce__()[1][2] == m.native.Point(1.0, 2.0).__reduce__()[1][2]


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


def test_class_used_as_a_type_compiles(pyc):
    m = pyc.pair(TYPED_USE)
    assert isinstance(m.native.Cell.__dict__["get"], types.MethodDescriptorType)
    m.assert_native("read")
    same(m, "read", [lambda M: (M.Cell(1.5),), lambda M: (M.Cell(-2.0),), lambda M: (None,)])


def same(pair, name, cases):
    """``name`` called in the compiled module and in CPython (the shim) with
    the arguments each case makes of the module (instances of its own
    classes): the same result (by repr) or exception type and message."""
    for case in cases:
        out = []
        for mod in (pair.native, pair.py):
            try:
                out.append(("returned", repr(getattr(mod, name)(*case(mod)))))
            except Exception as e:  # noqa: BLE001 - compared
                out.append((type(e).__name__, str(e)))
        assert out[0] == out[1], (name, out)


TYPED = '''
import cython

@cython.cclass
class Vec:
    x: cython.double
    y: cython.double
    tag: object

    def __init__(self, x: cython.double, y: cython.double):
        self.x = x
        self.y = y

    def norm2(self) -> cython.double:
        return self.x * self.x + self.y * self.y

    def dot(self, other: "Vec") -> cython.double:
        return self.x * other.x + self.y * other.y

def get_x(v: Vec) -> cython.double:
    return v.x

def shift(v: Vec, d: cython.double):
    v.x += d
    v.y = v.y - d
    return v.x + v.y

def total(vs) -> cython.double:
    t: cython.double = 0.0
    for i in range(len(vs)):
        v: Vec = vs[i]
        t += v.x * v.y
    return t

def total_iter(vs):
    t = 0.0
    v: Vec
    for v in vs:
        t += v.norm2()
    return t

def make(x: cython.double) -> Vec:
    return Vec(x, -x)

def made(x: cython.double):
    v: Vec = make(x)
    return v.y

def as_vec(o) -> Vec:
    return o

def retag(v: Vec, t):
    v.tag = t
    return v.tag

def maybe(o):
    v: Vec = o
    if v is None:
        return -1.0
    return v.y

def set_from(v: Vec, f):
    v.x = f()

def dots(a: Vec, b: Vec) -> cython.double:
    return a.dot(b)
'''


@pytest.fixture(scope="module")
def t(pyc):
    return pyc.pair(TYPED, stem="typed")


def vecs(mod):
    return [mod.Vec(1.0, 2.0), mod.Vec(-0.5, 3.25), mod.Vec(float("inf"), 0.0)]


def test_typed_variables_match_cpython(t):
    for name in ("get_x", "shift", "total", "total_iter", "made", "retag", "maybe", "set_from", "dots"):
        t.assert_native(name)
    assert "left to Python" not in t.build.stderr, t.build.stderr
    same(t, "get_x", [lambda M: (M.Vec(1.5, 0.0),), lambda M: (M.Vec(-0.0, 1.0),), lambda M: (None,)])
    same(t, "shift", [lambda M: (M.Vec(1.0, 2.0), 0.5), lambda M: (M.Vec(1e308, 0.0), 1e308), lambda M: (None, 1.0)])
    same(t, "total", [lambda M: ([],), lambda M: (vecs(M),), lambda M: ([M.Vec(1.0, 2.0), None],)])
    same(t, "total_iter", [lambda M: ([],), lambda M: (vecs(M),), lambda M: ((M.Vec(3.0, 4.0),),), lambda M: ([None],)])
    same(t, "made", [lambda M: (0.0,), lambda M: (2.5,), lambda M: (-1e300,)])
    same(t, "retag", [lambda M: (M.Vec(0.0, 0.0), "a"), lambda M: (M.Vec(0.0, 0.0), None), lambda M: (None, 1)])
    same(t, "maybe", [lambda M: (None,), lambda M: (M.Vec(1.0, -7.5),)])
    same(t, "dots", [lambda M: (M.Vec(1.0, 2.0), M.Vec(3.0, 4.0)), lambda M: (M.Vec(1.0, 2.0), None), lambda M: (None, M.Vec(1.0, 2.0))])
    V = t.native.Vec
    v = V(1.0, 2.0)
    assert t.native.make(3.0).__class__ is V and t.native.shift(v, 1.0) == 3.0 and t.native.get_x(v) == 2.0


def test_typed_variables_check_the_type_as_cython(t):
    mod = t.native
    name = mod.__name__ + ".Vec"

    class Plain:
        pass

    class Slotted:
        __slots__ = ()

    class Sub(mod.Vec):
        pass

    # Cython 3.3.1's messages for the same source (checked by hand).
    cases = [
        (mod.get_x, (1.0,), "Argument 'v' has incorrect type (expected %s, got float)" % name),
        (mod.get_x, (mod.Vec,), "Argument 'v' has incorrect type (expected %s, got type)" % name),
        (mod.shift, ("s", 1.0), "Argument 'v' has incorrect type (expected %s, got str)" % name),
        (mod.total, ([1],), "Cannot convert int to %s" % name),
        (mod.total_iter, (["s"],), "Cannot convert str to %s" % name),
        (mod.total_iter, ([Plain()],), "Cannot convert Plain to %s" % name),
        (mod.total_iter, ([Slotted()],), "Cannot convert Slotted to %s" % name),
        (mod.as_vec, (3,), "Cannot convert int to %s" % name),
        (mod.maybe, ([],), "Cannot convert list to %s" % name),
    ]
    for f, args, msg in cases:
        with pytest.raises(TypeError) as e:
            f(*args)
        assert str(e.value) == msg, (f.__name__, args)
    assert mod.as_vec(None) is None
    s = Sub(2.0, 3.0)
    assert mod.get_x(s) == 2.0 and mod.total([s]) == 6.0 and mod.as_vec(s) is s


def test_none_receiver_raises_attribute_error_after_the_value(t):
    for mod in (t.native, t.py):
        calls = []
        with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'x'"):
            mod.set_from(None, lambda: calls.append(1) or 2.0)
        assert calls == [1]
    v = t.native.Vec(0.0, 0.0)
    t.native.set_from(v, lambda: 4.5)
    assert t.native.get_x(v) == 4.5


def test_typed_variables_do_not_leak(t):
    mod = t.native
    v, w = mod.Vec(1.0, 2.0), mod.Vec(3.0, 4.0)
    vs = [v, w]
    assert growth(lambda: mod.get_x(v)) < LEAK_CALLS // 10
    assert growth(lambda: mod.total(vs)) < LEAK_CALLS // 10
    assert growth(lambda: mod.total_iter(vs)) < LEAK_CALLS // 10
    assert growth(lambda: mod.made(1.0)) < LEAK_CALLS // 10
    assert growth(lambda: mod.retag(v, "x")) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.get_x, 1.0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.total, [v, 1])) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.get_x, None)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.as_vec, "s")) < LEAK_CALLS // 10
    tag = object()
    before = [sys.getrefcount(x) for x in (v, w, vs, mod.Vec, tag)]
    for _ in range(100):
        mod.get_x(v)
        mod.shift(w, 0.0)
        mod.total(vs)
        mod.total_iter(vs)
        mod.dots(v, w)
        attempt(mod.total, [1])
        attempt(mod.get_x, None)
        attempt(mod.get_x, 1.0)
    mod.retag(v, tag)
    mod.retag(v, None)
    assert [sys.getrefcount(x) for x in (v, w, vs, mod.Vec, tag)] == before


USED_BY_PYTHON = '''
import cython

@cython.cclass
class Cell:
    v: cython.double

    def __init__(self, v: cython.double):
        self.v = v

def values(cells):
    c: Cell
    for c in cells:
        f"{(yield c.v)}"
'''


def test_class_typed_by_a_function_left_to_python_stays_python(pyc):
    # `values` is a generator (interpreted): it reads `c.v`, which only
    # compiled code could reach in an extension type.
    m = pyc.pair(USED_BY_PYTHON)
    assert "`Cell` is used as a type by `values`" in m.build.stderr, m.build.stderr
    assert list(m.native.values([m.native.Cell(1.5), m.native.Cell(2.0)])) == [1.5, 2.0]


def test_nbody_example_matches_cpython(pyc):
    src = (Path(__file__).resolve().parent.parent / "examples" / "nbody_cclass.py").read_text()
    m = pyc.pair(src, args=("--strict",), stem="nbody")
    m.assert_same("simulate", [(0,), (1,), (250,)], exact=True)
    bodies = m.native.make_system()
    assert all(type(b) is m.native.Body for b in bodies)
    with pytest.raises(TypeError, match="Cannot convert float to .*Body"):
        m.native.advance([1.0], 0.01, 1)
    assert growth(lambda: m.native.simulate(1)) < LEAK_CALLS // 10


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


IN_REGISTERS = '''
import cython

@cython.cclass
class Acc:
    a: cython.double
    b: cython.double
    n: cython.int
    w: cython.longlong

    def __init__(self, a: cython.double, b: cython.double):
        self.a = a
        self.b = b
        self.n = 0
        self.w = 0

    def run(self, steps: cython.int, limit: cython.double):
        for i in range(steps):
            self.a += self.b * 0.5
            self.w = self.w * 3 + i
            if self.a > limit:
                self.n += 1
                break
            self.b = -self.b * 1.25
        else:
            self.n -= 1
        return (self.a, self.b, self.n, self.w)

    def spin(self, k: cython.int):
        while self.n < k:
            self.n += 1
            self.a = self.a * 1.5 + 1.0
        return (self.a, self.n)

    def divide(self, steps: cython.int):
        for i in range(steps):
            self.a += 1.0
            self.b = self.b / (3 - i)
        return (self.a, self.b)

    def calling(self, steps: cython.int):
        for i in range(steps):
            self.a += 1.0
            self.b = self.peek()
        return (self.a, self.b)

    def peek(self) -> cython.double:
        return self.a

    def state(self):
        return (self.a, self.b)

def run(a, b, steps, limit):
    x = Acc(a, b)
    return x.run(steps, limit), x.spin(steps), x.run(steps, limit)

def divide(steps):
    x = Acc(1.0, 6.0)
    try:
        x.divide(steps)
    except ZeroDivisionError as e:
        return ("raised", str(e), x.state())
    return x.state()

def calling(steps):
    return Acc(1.0, 2.0).calling(steps)
'''


def test_fields_kept_in_locals_across_loops_match_cpython(pyc, tmp_path):
    m = pyc.pair(IN_REGISTERS)
    m.assert_same("run", [(1.0, 2.0, 0, 10.0), (1.0, 2.0, 5, 1e9), (1.0, 2.0, 15, 1e9), (0.0, 3.0, 15, 4.0),
                          (float("nan"), 1.0, 3, 0.0), (-1.0, float("inf"), 4, 1e300)], exact=True)
    # A division may raise midway: the fields hold what was stored before.
    assert isinstance(m.native.Acc.__dict__["divide"], types.MethodDescriptorType)
    m.assert_same("divide", [(0,), (2,), (3,), (5,)], native=False, exact=True)
    m.assert_same("calling", [(0,), (3,)], exact=True)
    from conftest import run_compiler
    src = tmp_path / "in_registers.py"
    src.write_text(IN_REGISTERS)
    out = run_compiler(src, tmp_path, ["--emit", "hir"])
    assert out.ok, out.describe()
    fn = lambda name: out.stdout.split("fn Acc.%s(" % name, 1)[1].split("\nfn ", 1)[0]
    assert "<field" in fn("run") and "<field" in fn("spin")
    # What can raise or call keeps its fields in memory.
    assert "<field" not in fn("divide") and "<field" not in fn("calling")


CFUNC_ON_VARIABLE = '''
import cython

@cython.cclass
class Cell:
    v: cython.double

    def __init__(self, v: cython.double):
        self.v = v

    @cython.cfunc
    def twice(self) -> cython.double:
        return 2 * self.v

def twice_of(c: Cell) -> cython.double:
    return c.twice()
'''


def test_cfunc_called_on_a_typed_variable(pyc):
    # A cfunc called on a variable typed as the class is a direct call, as
    # in Cython; None raises Python's AttributeError.
    m = pyc.pair(CFUNC_ON_VARIABLE)
    assert "left to Python" not in m.build.stderr, m.build.stderr
    m.assert_native("twice_of")
    same(m, "twice_of", [lambda M: (M.Cell(1.25),), lambda M: (M.Cell(-3.0),)])
    assert m.native.twice_of(m.native.Cell(2.0)) == m.py.twice_of(m.py.Cell(2.0))
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'twice'"):
        m.native.twice_of(None)
    with pytest.raises(AttributeError):
        m.native.Cell(1.0).twice()  # not visible to Python, as in Cython


CFUNC_FROM_PYTHON = '''
import cython

@cython.cclass
class Parrot:
    @cython.cfunc
    def describe(self) -> cython.int:
        return 1

    def tell(self):
        return self.describe()

@cython.cclass
class Norwegian(Parrot):
    @cython.cfunc
    def describe(self) -> cython.int:
        return Parrot.describe(self) + 10

@cython.cclass
class Quiet:
    @cython.cfunc
    def level(self) -> cython.int:
        return 3

    def tell(self):
        return self.level()

@cython.cclass
class Loud:
    @cython.cfunc
    def volume(self) -> cython.int:
        return 7

    def tell(self):
        return self.volume()

def levels():
    return Quiet().tell(), Loud().tell(), Loud().volume()

def describe_both():
    return Parrot().tell(), Norwegian().tell()
'''


def test_cfuncs_overridden_and_called_on_new_instances(pyc):
    # Cython's pets.py: a cclass subclass overrides a cfunc and calls the
    # base's (`Parrot.describe(self)`, direct); `self.describe()` goes
    # through the table. `Loud().volume()` in a function is a direct call
    # on a new instance, as Cython types `Loud()` as the class.
    m = pyc.pair(CFUNC_FROM_PYTHON)
    err = m.build.stderr
    for c in ("Parrot", "Norwegian", "Quiet", "Loud"):
        assert "class `%s` left to Python" % c not in err, err
    assert any(isinstance(v, types.MethodDescriptorType) for v in vars(m.native.Quiet).values())
    m.assert_same("describe_both", [()], exact=True)
    m.assert_same("levels", [()], exact=True)
    assert m.native.describe_both() == (1, 11)


PETS = '''
import cython

@cython.cclass
class Parrot:
    @cython.cfunc
    def describe(self) -> cython.int:
        return 1

@cython.cclass
class Norwegian(Parrot):
    @cython.cfunc
    def describe(self) -> cython.int:
        return Parrot.describe(self) + 10

cython.declare(p2=Parrot)
p2 = Norwegian()
said = p2.describe()
'''


def test_cfunc_read_at_module_level_leaves_the_classes_to_python(pyc):
    # Cython compiles module-level code and calls the cfunc there; pyc-aot
    # leaves that code to Python, where a cfunc is not visible: the class
    # and its subclass stay Python, so the module runs as under CPython.
    m = pyc.pair(PETS)
    err = m.build.stderr
    assert "class `Parrot` left to Python" in err and "`describe` is read at module level" in err, err
    assert "class `Norwegian` left to Python" in err, err
    assert m.native.said == m.py.said == 11
