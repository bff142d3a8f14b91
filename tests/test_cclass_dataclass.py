"""`@cython.dataclasses.dataclass` on a `@cython.cclass` (issue 13), as
Cython 3.3.1 compiles it (its `Compiler/Dataclass.py`): the generated
`__init__` (defaults, a fresh `default_factory` value per instance,
`kw_only`, `init=False` fields, `__post_init__`), `__repr__`, `__eq__`, the
order methods, `__hash__` by the dataclasses table, `__match_args__`,
`__dataclass_fields__`/`__dataclass_params__` (so `dataclasses.fields`,
`asdict`, `replace` and `is_dataclass` work), the fields still C fields.

Compared with the same source run by CPython (the shim maps
`cython.dataclasses` to the standard library module) where Cython agrees
with it; where Cython differs, with Cython's result, said so at the check.
Argument errors of the generated `__init__` are CPython's, as for every
compiled `def` (pyc-aot's binders: "P.__init__() takes from 2 to 5
positional arguments but 6 were given"; Cython says "__init__() takes at
most 4 positional arguments (5 given)")."""

import dataclasses
import gc
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython

@cython.cclass
@cython.dataclasses.dataclass
class P:
    x: cython.double
    y: cython.int = 2
    z: list = cython.dataclasses.field(default_factory=list)
    w: object = None

    @cython.cfunc
    def norm1(self) -> cython.double:
        return abs(self.x) + abs(self.y)

    def total(self) -> cython.double:
        return self.norm1()

@cython.dataclasses.dataclass(order=True, frozen=True)
@cython.cclass
class F:
    a: cython.int
    b: str = "s"

@cython.cclass
@cython.dataclasses.dataclass(unsafe_hash=True%(kw)s)
class K:
    a: cython.int = 1
    b: object = cython.dataclasses.field(default=3, repr=False, compare=False)

@cython.dataclasses.dataclass
class D(P):
    e: cython.double = 0.5

@cython.cclass
@cython.dataclasses.dataclass
class R:
    o: object = None

@cython.cclass
@cython.dataclasses.dataclass(eq=False, repr=False%(ma)s)
class Bare:
    n: cython.longlong = 0

@cython.cclass
@cython.dataclasses.dataclass
class Post:
    a: cython.double
    b: cython.double = cython.dataclasses.field(default=0.0, init=False)
    tags: dict = cython.dataclasses.field(default_factory=dict, init=False)

    def __post_init__(self):
        self.b = self.a * 2

def read_x(p: P) -> cython.double:
    return p.x + p.norm1()

def sum_x(ps: list) -> cython.double:
    s: cython.double = 0.0
    q: P
    for q in ps:
        s += q.x * q.y
    return s

def make(n: cython.int):
    return P(n * 0.5, n)
''' % ({"kw": ", kw_only=True", "ma": ", match_args=False"} if sys.version_info >= (3, 10) else {"kw": "", "ma": ""})
# (CPython 3.9's dataclasses takes neither kw_only nor match_args.)


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="cdataclass")


def outcome(f, *args, **kw):
    try:
        return ("ok", f(*args, **kw))
    except Exception as e:  # noqa: BLE001 - exceptions are compared
        return (type(e).__name__, str(e))


def both(m, f):
    """`f(M)` for the compiled module and the plain one (a message's
    type named without its module: a cclass's `tp_name` has it)."""
    out = []
    for M in (m.native, m.py):
        kind, value = outcome(f, M)
        if kind != "ok":
            value = value.replace(M.__name__ + ".", "")
        out.append((kind, value))
    return out


def same(m, f):
    nat, py = both(m, f)
    assert nat == py, (nat, py)
    return nat


def test_every_class_compiles(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr


def test_construction(m):
    same(m, lambda M: repr(M.P(1.5)))
    same(m, lambda M: repr(M.P(1.5, 3, [1], "w")))
    same(m, lambda M: repr(M.P(x=1.5, w=(1, 2), y=-4)))
    same(m, lambda M: repr(M.P(1.5, 3, [1], "w", 8)))
    same(m, lambda M: repr(M.P()))
    same(m, lambda M: repr(M.P(y=2)))
    same(m, lambda M: repr(M.P(1.5, zz=3)))
    same(m, lambda M: repr(M.P(1.5, x=2.0)))
    same(m, lambda M: repr(M.K(a=5, b="q")))
    same(m, lambda M: repr(M.K(5)))
    same(m, lambda M: repr(M.D(1.5, 2, e=-1.0)))
    same(m, lambda M: repr(M.Post(2.5)))
    same(m, lambda M: repr(M.Post(2.5, 1.0)))
    same(m, lambda M: M.Post(2.5).b)
    same(m, lambda M: M.Post(2.5).tags)


def test_default_factory_fresh_per_instance(m):
    for M in (m.native, m.py):
        a, b = M.P(1.0), M.P(2.0)
        assert a.z == [] and a.z is not b.z
        a.z.append(1)
        assert b.z == []
        mine = []
        assert M.P(1.0, 2, mine).z is mine
        d1, d2 = M.Post(1.0), M.Post(1.0)
        assert d1.tags == {} and d1.tags is not d2.tags


def test_c_typed_fields_convert(m):
    P = m.native.P
    assert repr(P(1)) == "P(x=1.0, y=2, z=[], w=None)"  # a C double
    assert isinstance(P(3).x, float)
    # Cython converts on construction: wrong types raise its TypeErrors
    # (the plain class stores anything).
    assert outcome(P, "a") == ("TypeError", "must be real number, not str")
    assert outcome(P, 1.0, "2")[0] == "TypeError"
    assert outcome(P, 1.0, 2, (1,)) == ("TypeError", "Expected list, got tuple")
    assert outcome(P, 1.0, 2, None)[0] == "ok"
    assert outcome(P, 1.0, 2 ** 40)[0] == "OverflowError"
    assert outcome(m.py.P, "a")[0] == "ok"


def test_repr(m):
    same(m, lambda M: repr(M.F(3, "x")))
    same(m, lambda M: repr(M.K()))  # b has repr=False
    same(m, lambda M: repr(M.R(M.R("s"))))
    same(m, lambda M: repr(M.D(0.25)))

    def recursive(M):
        r = M.R()
        r.o = [r]
        return repr(r)

    # Cython's recursion guard (CPython's reprlib one) prints '...'.
    assert same(m, recursive) == ("ok", "R(o=[...])")
    # The qualified name: a subclass of the compiled class shows its own.
    for M in (m.native, m.py):
        Sub = type("Sub", (M.P,), {})
        assert repr(Sub(1.0)) == "Sub(x=1.0, y=2, z=[], w=None)"
    # repr=False: the default object repr.
    assert repr(m.native.Bare(3)).startswith("<%s.Bare object at " % m.native.__name__)


def test_eq_and_order(m):
    same(m, lambda M: M.P(1.0) == M.P(1.0))
    same(m, lambda M: M.P(1.0) != M.P(1.0, 3))
    same(m, lambda M: M.P(1.0, 2, [1]) == M.P(1.0, 2, [1]))
    same(m, lambda M: M.P(1.0) == 1)
    same(m, lambda M: M.P.__eq__(M.P(1.0), "x"))
    same(m, lambda M: M.P(1.0) < M.P(2.0))
    same(m, lambda M: M.D(1.0) == M.P(1.0))  # other classes: NotImplemented
    same(m, lambda M: M.P(1.0) == M.D(1.0))
    same(m, lambda M: M.Bare(1) == M.Bare(1))  # eq=False: identity
    for args in [((1, "a"), (1, "b")), ((1, "b"), (1, "a")), ((2, "a"), (1, "z")), ((1, "a"), (1, "a"))]:
        for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
            same(m, lambda M: getattr(M.F(*args[0]), op)(M.F(*args[1])))
    same(m, lambda M: M.F(1) < 3)
    same(m, lambda M: [repr(f) for f in sorted([M.F(3), M.F(1, "b"), M.F(1, "a")])])
    same(m, lambda M: M.K(a=1, b=2) == M.K(a=1, b=9))  # compare=False
    same(m, lambda M: M.K(a=1) == M.K(a=2))


def test_hash_rules(m):
    same(m, lambda M: M.P.__hash__)  # eq without frozen: unhashable
    same(m, lambda M: hash(M.P(1.0)))
    same(m, lambda M: hash(M.F(1)) == hash((1, "s")))
    same(m, lambda M: hash(M.F(1, "x")) == hash(M.F(1, "x")))
    same(m, lambda M: hash(M.K(a=2, b=3)) == hash(M.K(a=2, b=3)))
    # unsafe_hash: Cython hashes every field not declared hash=False, so a
    # compare=False field too (CPython's dataclasses leave it out).
    assert hash(m.native.K(a=2, b=7)) == hash((2, 7))
    assert hash(m.py.K(a=2, b=7)) == hash((2,))
    b = m.native.Bare(1)
    assert hash(b) == object.__hash__(b)


def test_frozen(m):
    f = m.native.F(1)
    # Cython makes a frozen dataclass's fields readonly getsets (CPython's
    # dataclasses raise FrozenInstanceError from __setattr__).
    mod = m.native.__name__
    assert outcome(setattr, f, "a", 2) == ("AttributeError", "attribute 'a' of '%s.F' objects is not writable" % mod)
    assert outcome(delattr, f, "b") == ("AttributeError", "attribute 'b' of '%s.F' objects is not writable" % mod)
    assert f.a == 1
    assert outcome(setattr, m.py.F(1), "a", 2)[0] == "FrozenInstanceError"
    p = m.native.P(1.0)
    p.x = 4
    p.y = 7
    assert (p.x, p.y) == (4.0, 7)
    assert outcome(setattr, p, "x", "no")[0] == "TypeError"


def test_match_args_and_params(m):
    if sys.version_info >= (3, 10):
        for name in ("P", "F", "K", "D"):
            same(m, lambda M: getattr(M, name).__match_args__)
    else:
        # CPython 3.9's dataclasses sets no __match_args__; Cython does.
        assert (m.native.P.__match_args__, m.native.K.__match_args__) == (("x", "y", "z", "w"), ("a", "b"))
    # Cython's names every field not keyword-only, `init=False` ones too
    # (CPython's dataclasses leave those out).
    assert m.native.Post.__match_args__ == ("a", "b", "tags")
    assert getattr(m.py.Post, "__match_args__", ("a",)) == ("a",)
    assert hasattr(m.native.Bare, "__match_args__") == (sys.version_info < (3, 10))
    for name in ("P", "F", "K", "Bare"):
        same(m, lambda M: repr(getattr(M, name).__dataclass_params__))


def test_dataclasses_functions(m):
    def summary(M, obj):
        return [(f.name, f.default, f.default_factory, f.init, f.repr, f.compare, f.hash, f._field_type is dataclasses._FIELD)
                for f in dataclasses.fields(obj)]

    for make in (lambda M: M.P(1.5), lambda M: M.D(1.5), lambda M: M.K(a=1), lambda M: M.Post(2.0), lambda M: M.F(1)):
        same(m, lambda M: summary(M, make(M)))
        same(m, lambda M: summary(M, type(make(M))))
        same(m, lambda M: dataclasses.asdict(make(M)))
        same(m, lambda M: dataclasses.astuple(make(M)))
        same(m, lambda M: dataclasses.is_dataclass(make(M)))
    same(m, lambda M: repr(dataclasses.replace(M.P(1.5, 2, [3]), y=9)))
    same(m, lambda M: repr(dataclasses.replace(M.F(1), b="n")))
    same(m, lambda M: repr(dataclasses.replace(M.P(1.5), q=1)))
    # The Field's type is the annotation's text in Cython.
    assert [f.type for f in dataclasses.fields(m.native.P)] == ["cython.double", "cython.int", "list", "object"]


def test_fields_stay_c_fields(m, pyc):
    same(m, lambda M: M.read_x(M.P(1.5, -3)))
    same(m, lambda M: M.sum_x([M.P(1.5, 2), M.D(2.0, 3)]))
    same(m, lambda M: M.read_x(None))
    same(m, lambda M: M.P(-2.0, 3).total())
    same(m, lambda M: repr(M.make(3)))
    m.assert_native("read_x")
    m.assert_native("sum_x")
    b = pyc.build(SRC, args=("--emit", "hir"), stem="cdataclass_hir")
    hir = {f.split("(")[0]: f for f in (b.stdout + b.stderr).split("\nfn ")}
    for fn in ("read_x", "sum_x", "P.__eq__", "P.__repr__"):
        assert 'GetAttr("x")' not in hir[fn] and 'GetAttr("y")' not in hir[fn], hir[fn]


def test_strict_build(pyc):
    b = pyc.build(SRC, args=("--strict",), stem="cdataclass_strict")
    assert b.ok, b.describe()


REFUSED = '''
import cython

@cython.cclass
@cython.dataclasses.dataclass
class Mutable:
    xs: list = []

@cython.cclass
@cython.dataclasses.dataclass
class Order:
    a: cython.int = 1
    b: cython.int

@cython.cclass
@cython.dataclasses.dataclass(slots=True)
class Slots:
    a: cython.int

@cython.cclass
@cython.dataclasses.dataclass
class Both:
    a: object = cython.dataclasses.field(default=1, default_factory=list)

@cython.cclass
@cython.dataclasses.dataclass(unsafe_hash=True)
class Hashed:
    a: cython.int
    def __hash__(self):
        return 1

@cython.cclass
@cython.dataclasses.dataclass
class Fine:
    a: cython.int = 1
'''


def test_cython_refusals_stay_python(pyc):
    b = pyc.build(REFUSED, stem="cdataclass_refused")
    assert b.ok, b.describe()
    err = b.stderr
    for wording in ["mutable default <class 'list'> for field xs is not allowed: use default_factory",
                    "non-default argument 'b' follows default argument in dataclass __init__",
                    "cython.dataclasses.dataclass() got an unexpected keyword argument 'slots'",
                    "cannot specify both default and default_factory",
                    "Cannot overwrite attribute __hash__ in class Hashed"]:
        assert wording in err, (wording, err)
    assert "`Fine`" not in err


def test_no_leaks(m):
    M = m.native

    def cycle():
        p = M.P(1.5, 3)
        q = M.P(1.5, 3, [1], "w")
        p == q
        repr(q)
        M.F(1) < M.F(2, "t")
        hash(M.F(1))
        dataclasses.replace(p, y=4)
        M.Post(1.0)
        M.D(2.0, e=1.0) == M.D(2.0)
        attempt(M.P, "bad")
        attempt(M.P, 1.0, 2, (1,))
        attempt(M.P)
        M.sum_x([p, q])

    gc.collect()
    assert growth(cycle) < 50
    lst = [1, 2]
    before = sys.getrefcount(lst)
    for _ in range(100):
        M.P(1.0, 2, lst)
        attempt(M.P, "bad", 2, lst)
    gc.collect()
    assert sys.getrefcount(lst) == before


EDGE = '''
import cython
import dataclasses
import math
from dataclasses import dataclass, field
LIMIT = 7
SENT = (1, 2)

@cython.cclass
class Base:
    k: cython.int
    def __post_init__(self):
        self.k = 99

@cython.cclass
@cython.dataclasses.dataclass
class A(Base):
    x: cython.int = LIMIT
    y: object = SENT
    z: cython.double = math.pi
    u: cython.int = cython.dataclasses.field(init=False)
    v: object = cython.dataclasses.field(default=None, init=False)
    q = cython.declare(cython.int, 5)

    def __repr__(self):
        return "custom"

    def get_k(self):
        return self.k

@cython.cclass
@cython.dataclasses.dataclass(order=True)
class B:
    s: str = "a"
    t: bytes = b"x"
    def __eq__(self, other):
        return True

@cython.cclass
@cython.dataclasses.dataclass(init=False)
class NoInit:
    n: cython.int = 5

@cython.cclass
@dataclasses.dataclass
class Std:
    x: cython.double = 1.0
    z: list = dataclasses.field(default_factory=list)

@cython.cclass
@dataclass(frozen=True)
class Std2:
    x: cython.int = field(default=3)

@dataclasses.dataclass
class Plain:
    x: int = 1
'''


def test_edge_cases_as_cython(pyc):
    """Each expectation is Cython 3.3.1's output for the same source."""
    b = pyc.build(EDGE, stem="cdataclass_edge")
    assert b.ok and "left to Python" not in b.stderr, b.describe()
    from conftest import import_extension
    M = import_extension(b.so.name.split(".")[0], b.so)
    a = M.A()
    # A base's __post_init__ is not called (Cython's lookup finds the
    # class's own only); class-body defaults evaluated once, shared.
    assert (repr(a), a.x, a.y is M.SENT, a.z, a.u, a.v, a.get_k()) == ("custom", 7, True, 3.141592653589793, 0, None, 0)
    # A private `cython.declare` field: in __init__, not in __dataclass_fields__.
    assert not hasattr(M.A(), "q") and "q" not in M.A.__dataclass_fields__
    assert repr(M.A.__init__) and outcome(M.A, 1, 2, 3.0, 6, 7)[0] == "TypeError"
    assert [(f.name, f.default, f.init) for f in dataclasses.fields(M.A)][:3] == [("x", 7, True), ("y", (1, 2), True), ("z", 3.141592653589793, True)]
    assert [f.name for f in dataclasses.fields(M.A)] == ["x", "y", "z", "u", "v"]
    # An own __eq__ is kept; order methods still generated; eq: unhashable.
    assert (M.B() == M.B("z"), M.B("a") < M.B("b"), repr(M.B(t=b"q")), M.B.__hash__) == (True, True, "B(s='a', t=b'q')", None)
    assert outcome(M.B, 1) == ("TypeError", "Expected str, got int")
    # init=False: no __init__ (a cclass without one takes any arguments).
    assert (repr(M.NoInit()), repr(M.NoInit(3))) == ("NoInit(n=0)", "NoInit(n=0)")
    # The standard library's dataclass and field on a cclass are Cython's.
    s = M.Std()
    assert type(M.Std.__init__).__name__ == "wrapper_descriptor" and not hasattr(s, "__dict__")
    assert (repr(s), M.Std().z is not s.z, dataclasses.fields(s)[0].type) == ("Std(x=1.0, z=[])", True, "cython.double")
    assert (repr(M.Std2()), outcome(setattr, M.Std2(), "x", 1)[0]) == ("Std2(x=3)", "AttributeError")
    # ... but leave a plain class a Python dataclass.
    assert type(M.Plain.__init__).__name__ == "function"
