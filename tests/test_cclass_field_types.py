"""More field types of a `@cython.cclass` (issue 13), as Cython 3.3.1 types
them: `int` (a Python int object: None or an exact int kept, another number
converted by `int()`, anything else "Expected int, got T"), `bool` (a bint:
any object by its truth), subscripted containers (`list[int]`,
`dict[str, int]`, `set[str]`, `tuple[int, ...]`) and `typing`'s aliases
(`typing.List[int]`, `List[int]`) as the container (exact type or None;
element types unchecked, as Cython leaves them), `Optional[X]` as `X`,
string annotations other than a cclass's name untyped objects. Also the
messages Cython gives where CPython's would differ: a readonly field's
store and `del`, a public C number's setter and `del`, `__cinit__`'s
argument errors. Results are compared with CPython running the same source
through the shim (which checks no type); the type errors with Cython's
messages (checked by hand with Cython 3.3.1 on the same source)."""

import gc
import pickle
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython
import typing
from typing import List, Optional


@cython.cclass
class Node:
    value: int
    items: list[int]
    d: dict[str, int]
    s: set[str]
    t: tuple[int, ...]
    tl: typing.List[int]
    names: List[str]
    nxt: Optional["Node"]
    oi: Optional[int]
    flag: bool
    untyped: "cython.int"
    untyped_list: "list[int]"
    pub_i = cython.declare(int, visibility='public')
    pub_d = cython.declare(cython.double, visibility='public')
    pub_b = cython.declare(cython.bint, visibility='public')
    ro_i = cython.declare(cython.int, visibility='readonly')
    ro_o = cython.declare(object, visibility='readonly')

    def __init__(self, value: int, items: list[int]):
        self.value = value
        self.items = items
        self.d = {}
        self.s = set()
        self.t = ()
        self.tl = None
        self.names = []
        self.nxt = None
        self.oi = None
        self.flag = False
        self.untyped = None
        self.untyped_list = None

    def put(self, name, v):
        if name == 'value':
            self.value = v
        elif name == 'items':
            self.items = v
        elif name == 'd':
            self.d = v
        elif name == 's':
            self.s = v
        elif name == 't':
            self.t = v
        elif name == 'tl':
            self.tl = v
        elif name == 'names':
            self.names = v
        elif name == 'nxt':
            self.nxt = v
        elif name == 'oi':
            self.oi = v
        elif name == 'flag':
            self.flag = v
        elif name == 'untyped':
            self.untyped = v
        elif name == 'untyped_list':
            self.untyped_list = v
        elif name == 'ro_i':
            self.ro_i = v
        elif name == 'ro_o':
            self.ro_o = v

    def get(self):
        return (self.value, self.items, self.d, self.s, self.t, self.tl, self.names, self.nxt, self.oi,
                self.flag, self.untyped, self.untyped_list)

    def value_type(self):
        return type(self.value).__name__

    def bump(self, v):
        self.value += v
        return self.value

    def total(self) -> int:
        s: int = 0
        xs: List[int] = self.items
        for x in xs:
            s += x
        return s + self.value

    def push(self, v: int, more: Optional[List[int]] = None):
        self.items.append(v)
        self.d[str(v)] = v
        self.s.add(str(v))
        self.t = self.t + (v,)
        if more is not None:
            self.items.extend(more)
        return len(self.items), len(self.d), len(self.s), len(self.t)

    def link(self, other: Optional["Node"]):
        self.nxt = other
        return self.nxt is other

    def ro(self):
        return self.ro_i, self.ro_o


@cython.cclass
class Two:
    def __cinit__(self, a, b=2, *, k, m=3):
        self.a = a

    a: object


@cython.cclass
class Exact:
    def __cinit__(self, a, b):
        pass


def chain(n: cython.int) -> int:
    head: Node = Node(0, [])
    i: cython.int
    for i in range(1, n):
        x: Node = Node(i, [i])
        x.link(head)
        head = x
    s: int = 0
    p: Optional[Node] = head
    while p is not None:
        s += p.total()
        p = p.nxt
    return s
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, args=("--strict",), stem="field_types")


def outcome(f):
    try:
        return ("returned", repr(f()))
    except Exception as e:  # noqa: BLE001 - compared
        return (type(e).__name__, str(e))


def both(m, fn):
    """``fn(module)`` in the compiled module and in CPython: the same outcome."""
    out = [outcome(lambda mod=mod: fn(mod)) for mod in (m.native, m.py)]
    assert out[0] == out[1], out
    return out[0]


class I(int):
    pass


class L(list):
    pass


class D(dict):
    pass


class T(tuple):
    pass


class S(set):
    pass


def test_classes_compile_native(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    m.assert_native("chain")
    n = m.native.Node(1, [])
    assert not hasattr(n, "__dict__")
    with pytest.raises(AttributeError):
        n.value  # private, as in Cython


def test_results_match_cpython(m):
    both(m, lambda M: M.Node(3, [1, 2]).get())
    both(m, lambda M: M.Node(3, [1, 2]).total())
    both(m, lambda M: M.Node(3, [1, 2]).push(4))
    both(m, lambda M: M.Node(3, [1, 2]).push(4, [5, 6]))

    def big(M):
        n = M.Node(1, [])
        n.put("value", 2**70)
        return n.bump(2**70), n.get()
    both(m, big)
    both(m, lambda M: M.Node(-5, [1]).bump(3))
    for n in (1, 2, 10):
        both(m, lambda M, n=n: M.chain(n))
    good = [("value", 7), ("value", None), ("value", -2**80), ("items", [1]), ("items", None), ("d", {"a": 1}),
            ("s", {"x"}), ("t", (1, 2)), ("tl", [3]), ("names", ["n"]), ("oi", 5), ("oi", None), ("flag", True),
            ("untyped", "anything"), ("untyped_list", 3.5)]
    for name, v in good:
        def f(M, name=name, v=v):
            n = M.Node(1, [])
            n.put(name, v)
            return n.get()
        both(m, f)
    both(m, lambda M: M.Node(1, []).link(M.Node(2, [])))
    both(m, lambda M: M.Node(1, []).link(None))


# Cython 3.3.1's outcome of a store of each value into each field: the
# value read back (and its type), or the TypeError's message.
INT_FIELDS = ("value", "oi")
CONTAINERS = {"items": list, "d": dict, "s": set, "t": tuple, "tl": list, "names": list}


def test_int_field_converts_as_cython(m):
    for name in INT_FIELDS:
        n = m.native.Node(0, [])
        for v, want in [(5, 5), (True, 1), (I(3), 3), (1.9, 1), (-2.5, -2), (2**70, 2**70), (None, None)]:
            n.put(name, v)
            got = n.get()[0 if name == "value" else 8]
            assert got == want and type(got) is type(want), (name, v, got)
        for v, got in [("x", "str"), ([1], "list"), (L(), "L"), ({}, "dict"), ((), "tuple"), (n, "field_types_\\d+.Node")]:
            with pytest.raises(TypeError, match="^Expected int, got %s$" % got):
                n.put(name, v)
        # A complex is a number: int() refuses it with CPython's own message.
        try:
            int(1j)
        except TypeError as e:
            msg = str(e)
        with pytest.raises(TypeError) as e:
            n.put(name, 1j)
        assert str(e.value) == msg
        # int() of a float that is no integer.
        with pytest.raises(OverflowError):
            n.put(name, float("inf"))
        with pytest.raises(ValueError):
            n.put(name, float("nan"))
    n = m.native.Node(0, [])
    n.put("value", 2.5)
    assert n.value_type() == "int"
    # `+=` stores the sum through the same conversion.
    n.put("value", 1)
    assert n.bump(True) == 2 and n.value_type() == "int"
    assert n.bump(0.5) == 2 and n.value_type() == "int"
    with pytest.raises(TypeError, match="^unsupported operand"):
        n.bump("x")


def test_container_fields_check_the_exact_type(m):
    values = {"int": 5, "bool": True, "str": "x", "list": [1], "L": L(), "dict": {}, "D": D(), "set": set(), "S": S(),
              "tuple": (1,), "T": T(), "float": 1.5}
    for name, typ in CONTAINERS.items():
        n = m.native.Node(0, [])
        for label, v in values.items():
            if type(v) is typ:
                n.put(name, v)
                continue
            with pytest.raises(TypeError) as e:
                n.put(name, v)
            assert str(e.value) == "Expected %s, got %s" % (typ.__name__, type(v).__name__), (name, label)
            # CPython (the shim) checks nothing.
            m.py.Node(0, []).put(name, v)
        n.put(name, None)
    with pytest.raises(TypeError, match="^Expected list, got tuple$"):
        m.native.Node(0, (1,))


def test_optional_class_and_bool_and_strings(m):
    n = m.native.Node(0, [])
    for v in (5, "x", [1]):
        with pytest.raises(TypeError, match=r"^Cannot convert %s to field_types_\d+\.Node$" % type(v).__name__):
            n.put("nxt", v)
        with pytest.raises(TypeError, match=r"^Argument 'other' has incorrect type \(expected field_types_\d+\.Node, got %s\)$" % type(v).__name__):
            n.link(v)

    class Sub(m.native.Node):
        pass
    n.put("nxt", Sub(1, []))
    n.put("nxt", None)
    # bool is a bint: any object by its truth (Cython's).
    for v, want in [(0, False), ([1], True), ("", False), (None, False), (2.5, True)]:
        n.put("flag", v)
        assert n.get()[9] is want
    # String annotations other than a cclass's name: untyped objects.
    for v in ("s", 5, None, [1]):
        n.put("untyped", v)
        n.put("untyped_list", v)
        assert n.get()[10:] == (v, v)


def test_public_and_readonly_fields_as_cython(m):
    n = m.native.Node(0, [])
    # `cython.declare(int)` is C's int, as in Cython.
    n.pub_i = 7
    assert n.pub_i == 7
    with pytest.raises(OverflowError):
        n.pub_i = 2**40
    n.pub_d = 3
    assert n.pub_d == 3.0
    with pytest.raises(TypeError, match="^must be real number, not str$"):
        n.pub_d = "x"
    for v, want in [(5, True), (0, False), ("", False), ([1], True)]:
        n.pub_b = v
        assert n.pub_b is want
    for attr in ("pub_i", "pub_d", "pub_b"):
        with pytest.raises(NotImplementedError, match="^__del__$"):
            delattr(n, attr)
    n.put("ro_i", 4)
    n.put("ro_o", "o")
    assert (n.ro_i, n.ro_o) == (4, "o") == n.ro()
    for attr in ("ro_i", "ro_o"):
        msg = r"^attribute '%s' of 'field_types_\d+\.Node' objects is not writable$" % attr
        with pytest.raises(AttributeError, match=msg):
            setattr(n, attr, 1)
        with pytest.raises(AttributeError, match=msg):
            delattr(n, attr)
    assert (n.ro_i, n.ro_o) == (4, "o")


def test_cinit_argument_errors_as_cython(m):
    E, Two = m.native.Exact, m.native.Two
    cases = [
        (lambda: E(), "__cinit__() takes exactly 2 positional arguments (0 given)"),
        (lambda: E(1), "__cinit__() takes exactly 2 positional arguments (1 given)"),
        (lambda: E(1, 2, 3), "__cinit__() takes exactly 2 positional arguments (3 given)"),
        (lambda: E(1, c=2), "__cinit__() got an unexpected keyword argument 'c'"),
        (lambda: E(a=1), "__cinit__() takes exactly 2 positional arguments (1 given)"),
        (lambda: E(1, a=2), "__cinit__() got multiple values for keyword argument 'a'"),
        (lambda: E(b=2), "__cinit__() takes exactly 2 positional arguments (0 given)"),
        (lambda: Two(), "__cinit__() takes at least 1 positional argument (0 given)"),
        (lambda: Two(1), "__cinit__() needs keyword-only argument k"),
        (lambda: Two(1, 2, 3, k=2), "__cinit__() takes at most 2 positional arguments (3 given)"),
        (lambda: Two(1, 2, 3), "__cinit__() takes at most 2 positional arguments (3 given)"),
        (lambda: Two(k=1), "__cinit__() takes at least 1 positional argument (0 given)"),
        (lambda: Two(1, z=1), "__cinit__() got an unexpected keyword argument 'z'"),
    ]
    for make, msg in cases:
        with pytest.raises(TypeError) as e:
            make()
        assert str(e.value) == msg
    E(1, 2)
    E(1, b=2)
    E(a=1, b=2)
    Two(1, k=2)
    Two(1, 2, k=2, m=4)


def test_pickle_round_trip(m):
    n = m.native.Node(1, [1, 2])
    n.put("value", 2**70)
    n.push(3)
    n.put("names", ["a"])
    n.put("oi", 4)
    n.put("flag", True)
    n.put("untyped", "u")
    n.link(m.native.Node(5, []))
    back = pickle.loads(pickle.dumps(n))
    assert type(back) is m.native.Node
    assert repr(back.get()[:7]) == repr(n.get()[:7]) and back.get()[8:] == n.get()[8:]
    assert back.get()[7].get() == n.get()[7].get()
    # The state's stores are checked as any store (Cython's setstate).
    state = n.__reduce__()[2]
    names = sorted(["value", "items", "d", "s", "t", "tl", "names", "nxt", "oi", "flag", "untyped", "untyped_list",
                    "pub_i", "pub_d", "pub_b", "ro_i", "ro_o"])
    for field, bad, msg in [("value", "x", "^Expected int, got str$"), ("items", (1,), "^Expected list, got tuple$")]:
        fresh = m.native.Node.__new__(m.native.Node)
        st = list(state)
        st[names.index(field)] = bad
        with pytest.raises(TypeError, match=msg):
            fresh.__setstate__(tuple(st))
    fresh = m.native.Node.__new__(m.native.Node)
    st = list(state)
    st[names.index("value")] = 2.5
    fresh.__setstate__(tuple(st))
    assert fresh.value_type() == "int"
    both(m, lambda M: pickle.loads(pickle.dumps(M.Node(3, [1]))).get())


def test_no_leaks_on_error_paths(m):
    M = m.native
    n = M.Node(0, [])
    v = object()
    rc = sys.getrefcount(v)
    for _ in range(100):
        attempt(n.put, "value", v)
        attempt(n.put, "items", v)
        n.put("untyped", v)
        n.put("untyped", None)
    assert sys.getrefcount(v) == rc
    big = 2**80
    rc = sys.getrefcount(big)
    for _ in range(100):
        n.put("value", big)
        n.put("value", 1.5)
    assert sys.getrefcount(big) == rc
    gc.collect()
    assert growth(lambda: attempt(n.put, "value", "x")) < LEAK_CALLS // 10
    assert growth(lambda: n.put("value", 2.5)) < LEAK_CALLS // 10
    assert growth(lambda: n.bump(1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(M.Exact, 1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(M.Two, 1, z=1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(setattr, n, "ro_i", 1)) < LEAK_CALLS // 10
    assert growth(lambda: M.chain(5)) < LEAK_CALLS // 10


def test_other_annotations_stay_python_with_the_reason(pyc):
    b = pyc.build('''
import cython
import typing

@cython.cclass
class Seq:
    xs: typing.Sequence[int]

    def __init__(self):
        self.xs = []
''', stem="field_types_left")
    assert b.ok, b.describe()
    assert "class `Seq` left to Python" in b.stderr
    assert "attribute `xs` is `typing.Sequence[int]`" in b.stderr


HOOKS = '''
import cython


@cython.cclass
class Counter:
    counts: dict
    total: cython.Py_ssize_t
    log: list

    def __init__(self):
        self.counts = {}
        self.total = 0
        self.log = []

    def __getattr__(self, name):
        if name.startswith('no'):
            raise AttributeError(name)
        return self.counts.get(name, 0)

    def __setattr__(self, name, value):
        self.log.append(('set', name, value))
        self.counts[name] = value

    def __delattr__(self, name):
        self.log.append(('del', name))
        del self.counts[name]

    def add(self, key: str, n: cython.Py_ssize_t = 1):
        self.counts[key] = self.counts.get(key, 0) + n
        self.total += n
        return self.total

    def getlog(self):
        return self.log


@cython.cclass
class Sub(Counter):
    def extra(self):
        return self.anything


@cython.cclass
class Slotted:
    x: cython.double
    __slots__ = ()

    def __init__(self, x: cython.double):
        self.x = x

    def get(self):
        return self.x


@cython.cclass
class Lookup:
    d: dict

    def __init__(self, d):
        self.d = d

    def __getattr__(self, name):
        return self.d[name]


def probe(c: Counter):
    return c.foo, c.add('foo'), c.foo
'''


def test_attribute_hooks_compile_as_cython(pyc):
    m = pyc.pair(HOOKS, args=("--strict",), stem="field_hooks")
    M = m.native
    assert "left to Python" not in m.build.stderr, m.build.stderr
    m.assert_native("probe")
    # Cython 3.3.1's outcomes on the same source (compiled stores of the
    # declared fields do not call `__setattr__`, as in Cython).
    c = M.Counter()
    assert c.x == 0
    assert c.add("x", 3) == 3 and c.x == 3
    with pytest.raises(AttributeError, match="^nope$"):
        c.nope
    c.y = 5
    assert c.y == 5
    del c.y
    with pytest.raises(KeyError):
        del c.y
    assert c.getlog() == [("set", "y", 5), ("del", "y"), ("del", "y")]
    assert M.Sub().extra() == 0
    assert M.probe(M.Counter()) == (0, 1, 1)
    assert getattr(M.Sub(), "q") == 0

    class P(M.Counter):
        pass
    assert P().zz == 0
    p = P()
    p.w = 1
    assert p.getlog() == [("set", "w", 1)]
    # A class with only `__getattr__` behaves as in CPython.
    for name in ("a", "b", "missing"):
        both(m, lambda Mod, name=name: getattr(Mod.Lookup({"a": 1, "b": [2]}), name))
    # `__slots__ = ()` is a class attribute of the type, as Cython keeps it.
    assert M.Slotted.__slots__ == () and not hasattr(M.Slotted(1.0), "__dict__")
    assert M.Slotted(2.5).get() == 2.5
    assert growth(lambda: attempt(getattr, M.Lookup({}), "x")) < LEAK_CALLS // 10
    assert growth(lambda: M.probe(M.Counter())) < LEAK_CALLS // 10
