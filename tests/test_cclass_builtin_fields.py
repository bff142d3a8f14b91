"""Fields of a `@cython.cclass` typed as builtins (issue 13): `str`, `bytes`,
`bytearray`, `list`, `tuple`, `dict`, `set`, `frozenset` (annotated, or
`cython.declare(list)`, private, readonly or public) compile as object
fields, None until set. A store checks the exact type as Cython 3.3.1 does
("Expected list, got tuple"; a subclass's instance is refused too; None
passes); reads give the value; `self.tags.append(x)` takes an exact list's
`PyList_Append`. A public object field is a property whose setter checks as
a store does and whose `del` stores None, as Cython's. Results are compared
with CPython running the same source through the shim (which checks no
type), the type errors with Cython's messages (checked by hand with
Cython 3.3.1 on the same source)."""

import collections
import gc
import pickle
import sys
import types
import weakref

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython

@cython.cclass
class Item:
    """An item with builtin-typed fields."""
    name: str
    tags: list
    b: bytes
    ba: bytearray
    t: tuple
    d = cython.declare(dict)
    s: set
    fs: frozenset
    price: cython.double
    pub = cython.declare(list, visibility='public')
    ro = cython.declare(str, visibility='readonly')
    po = cython.declare(object, visibility='public')

    def __init__(self, name, price):
        self.name = name
        self.tags = []
        self.price = price
        self.b = None
        self.ba = None
        self.t = None
        self.d = None
        self.s = None
        self.fs = None
        self.pub = None
        self.ro = None
        self.po = None

    def label(self) -> str:
        return self.name + "!"

    def put(self, attr, v):
        if attr == 'name':
            self.name = v
        elif attr == 'tags':
            self.tags = v
        elif attr == 'b':
            self.b = v
        elif attr == 'ba':
            self.ba = v
        elif attr == 't':
            self.t = v
        elif attr == 'd':
            self.d = v
        elif attr == 's':
            self.s = v
        elif attr == 'fs':
            self.fs = v
        elif attr == 'pub':
            self.pub = v
        elif attr == 'ro':
            self.ro = v
        elif attr == 'po':
            self.po = v

    def get(self):
        return (self.name, self.tags, self.b, self.ba, self.t, self.d, self.s, self.fs, self.price)

    def add(self, x):
        self.tags.append(x)
        return len(self.tags), len(self.name)

    def item(self, i: cython.Py_ssize_t):
        return self.tags[i]

    def total(self) -> cython.double:
        s: cython.double = 0.0
        for x in self.tags:
            s += x
        return s

    def keyed(self, k):
        return self.d[k] if k in self.d else None

    def grow(self, n: cython.int):
        i: cython.int
        for i in range(n):
            self.tags.append(i * 2)
        self.name += "+"
        self.t = (len(self.tags), self.name)
        return self.t

    def own(self):
        return (self.pub, self.ro, self.po)

    def sizes(self):
        return len(self.t), len(self.d), len(self.tags)


@cython.cclass
class Sub(Item):
    more: list

    def __init__(self, name):
        Item.__init__(self, name, 0.0)
        self.tags = [name]
        self.more = [self.tags]

    def both(self):
        return self.tags, self.more


def store_tags(it: Item, v):
    it.tags = v


def load_tags(it: Item):
    return it.tags


def new_item(name, price):
    it = Item(name, price)
    it.add(1)
    return it.get()
'''

# Cython 3.3.1's message for a store of a value of type `got` into a field
# typed `want` (`__Pyx_TypeTest` of a builtin: the type's `tp_name`).
WRONG = [
    ("name", lambda: 1, "Expected str, got int"),
    ("name", lambda: b"x", "Expected str, got bytes"),
    ("tags", lambda: (), "Expected list, got tuple"),
    ("tags", lambda: 3, "Expected list, got int"),
    ("b", lambda: "s", "Expected bytes, got str"),
    ("b", lambda: bytearray(), "Expected bytes, got bytearray"),
    ("ba", lambda: b"", "Expected bytearray, got bytes"),
    ("t", lambda: [], "Expected tuple, got list"),
    ("d", lambda: [], "Expected dict, got list"),
    ("d", lambda: collections.OrderedDict(), "Expected dict, got collections.OrderedDict"),
    ("s", lambda: frozenset(), "Expected set, got frozenset"),
    ("fs", lambda: set(), "Expected frozenset, got set"),
    ("pub", lambda: (1,), "Expected list, got tuple"),
    ("ro", lambda: 2.5, "Expected str, got float"),
]

GOOD = [
    ("name", "ok"), ("name", ""), ("tags", [1, 2]), ("b", b"xy"), ("ba", bytearray(b"z")),
    ("t", (1, "a")), ("d", {"k": 1}), ("s", {1, 2}), ("fs", frozenset({3})),
]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="builtin_fields")


def test_classes_compile(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    for cls in (m.native.Item, m.native.Sub):
        assert isinstance(cls.__dict__["get"] if "get" in cls.__dict__ else cls.__dict__["both"], types.MethodDescriptorType)
    for f in ("store_tags", "load_tags", "new_item"):
        m.assert_native(f)
    it = m.native.Item("a", 1.0)
    assert not hasattr(it, "__dict__")
    with pytest.raises(AttributeError):
        it.name  # private, as in Cython


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


def test_reads_and_methods_match_cpython(m):
    both(m, lambda M: M.Item("a", 1.0).get())
    both(m, lambda M: M.Item("abc", 2.0).label())
    both(m, lambda M: M.Item("", 0.0).add("x"))
    both(m, lambda M: M.new_item("q", 2.5))
    for attr, v in GOOD:
        def f(M, attr=attr, v=v):
            it = M.Item("a", 1.0)
            it.put(attr, v)
            return it.get()
        both(m, f)

    def filled(M):
        it = M.Item("n", 1.0)
        for x in (1.5, 2, -3):
            it.add(x)
        return it.total(), it.item(0), it.item(-1), it.add(7), it.get()
    both(m, filled)
    for i in (0, 2, 3, -4, 10**6):
        def at(M, i=i):
            it = M.Item("n", 1.0)
            it.put("tags", [10, 20, 30])
            return it.item(i)
        both(m, at)
    both(m, lambda M: M.Item("g", 0.0).grow(5))
    both(m, lambda M: M.Item("g", 0.0).grow(0))

    def keyed(M):
        it = M.Item("n", 1.0)
        it.put("d", {1: "one"})
        return it.keyed(1), it.keyed(2)
    both(m, keyed)
    for t, d in [((1, 2, 3), {}), ((), {1: 2}), (None, {}), ((1,), None)]:
        def sizes(M, t=t, d=d):
            it = M.Item("n", 1.0)
            it.put("t", t)
            it.put("d", d)
            return it.sizes()
        both(m, sizes)
    both(m, lambda M: M.Sub("s").both())
    both(m, lambda M: M.Sub("s").add(1))


def test_none_fields_raise_as_python(m):
    # Every field starts as None (Cython's; a plain class has none).
    assert m.native.Item.__new__(m.native.Item).get() == (None,) * 8 + (0.0,)
    # Using one raises Python's own errors.
    for attr, call in [("tags", lambda it: it.add(1)), ("tags", lambda it: it.item(0)), ("tags", lambda it: it.total()),
                       ("name", lambda it: it.label()), ("name", lambda it: it.grow(1)), ("d", lambda it: it.keyed(1))]:
        def f(M, attr=attr, call=call):
            it = M.Item("x", 1.0)
            it.put(attr, None)
            return call(it)
        assert both(m, f)[0] in ("AttributeError", "TypeError")
    # A field set to None reads None.
    it = m.native.Item("x", 1.0)
    for attr, _ in GOOD:
        it.put(attr, None)
    assert it.get() == (None,) * 8 + (1.0,)


def test_stores_check_the_exact_type_as_cython(m):
    class S(str):
        pass

    class L(list):
        pass

    class D(dict):
        pass

    subclassed = [("name", lambda: S("q"), "Expected str, got S"), ("tags", lambda: L(), "Expected list, got L"),
                  ("d", lambda: D(), "Expected dict, got D")]
    for attr, make, msg in WRONG + subclassed:
        it = m.native.Item("keep", 1.0)
        it.put(attr, ["kept"] if attr in ("tags", "pub") else None)
        before = it.get() + it.own()
        with pytest.raises(TypeError) as e:
            it.put(attr, make())
        assert str(e.value) == msg, (attr, msg)
        assert it.get() + it.own() == before  # a refused store changes nothing
        # CPython (the shim) checks nothing: the store is made.
        p = m.py.Item("keep", 1.0)
        p.put(attr, make())
    # Through a variable typed as the class, and the subclass's fields.
    it = m.native.Item("a", 1.0)
    with pytest.raises(TypeError, match="^Expected list, got tuple$"):
        m.native.store_tags(it, (1,))
    with pytest.raises(TypeError, match="^Expected list, got L$"):
        m.native.store_tags(m.native.Sub("s"), L())
    m.native.store_tags(it, [5])
    assert m.native.load_tags(it) == [5]
    m.native.store_tags(it, None)
    assert m.native.load_tags(it) is None
    both(m, lambda M: M.store_tags(None, []))
    both(m, lambda M: M.load_tags(None))


def test_public_and_readonly_fields(m):
    it = m.native.Item("a", 1.0)
    assert (it.pub, it.ro, it.po) == (None, None, None)
    it.pub = [1]
    assert it.pub == [1] and it.own()[0] is it.pub
    for bad, msg in [((1,), "Expected list, got tuple"), ("s", "Expected list, got str")]:
        with pytest.raises(TypeError) as e:
            it.pub = bad
        assert str(e.value) == msg
    assert it.pub == [1]
    del it.pub
    assert it.pub is None
    it.pub = None
    assert it.pub is None
    # A public `object` field takes anything; `del` stores None (Cython's).
    for v in (5, "s", None, it):
        it.po = v
        assert it.po is v and it.own()[2] is v
    del it.po
    assert it.po is None
    it.po = None
    # Readonly: Python cannot write it, compiled code can (checked).
    it.put("ro", "r")
    assert it.ro == "r"
    with pytest.raises(AttributeError):
        it.ro = "x"
    with pytest.raises(AttributeError):
        del it.ro
    # A Python subclass sees the same attributes.

    class P(m.native.Item):
        pass
    p = P("a", 1.0)
    p.pub = [2]
    assert p.own()[0] == [2]


def test_pickle_round_trip(m):
    it = m.native.Item("n", 2.5)
    it.add(1)
    it.put("d", {"k": [1]})
    it.put("t", (1, "x"))
    it.put("fs", frozenset({1}))
    it.pub = [3]
    it.po = ("any", 1)
    back = pickle.loads(pickle.dumps(it))
    assert type(back) is m.native.Item
    assert back.get() == it.get() and back.own() == it.own()
    s = m.native.Sub("s")
    back = pickle.loads(pickle.dumps(s))
    assert back.both() == s.both()
    # The state's stores are checked as any store (Cython's setstate).
    fresh = m.native.Item.__new__(m.native.Item)
    state = list(it.__reduce__()[2])
    names = sorted(["name", "tags", "b", "ba", "t", "d", "s", "fs", "price", "pub", "ro", "po"])
    state[names.index("tags")] = ("not", "a list")
    with pytest.raises(TypeError, match="^Expected list, got tuple$"):
        fresh.__setstate__(tuple(state))
    # And in CPython (the shim's plain class pickles by __dict__).
    both(m, lambda M: pickle.loads(pickle.dumps(M.Item("p", 1.0))).get())


def test_cycles_through_a_list_field_are_collected(m):
    class Payload:
        pass

    gc.collect()
    p = Payload()
    alive = weakref.ref(p)
    it = m.native.Item("c", 1.0)
    it.add(it)
    it.add(p)
    del it, p
    assert alive() is not None  # only the collector frees a cycle
    gc.collect()
    assert alive() is None

    def cycle():
        x = m.native.Sub("c")
        x.add(x)
        x.pub = [x]
        x.po = {"self": x}
    for _ in range(50):
        cycle()
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(LEAK_CALLS):
        cycle()
    gc.collect()
    assert sys.getallocatedblocks() - before < LEAK_CALLS // 10


def test_reference_counts(m):
    v, w = [1], [2]
    before = (sys.getrefcount(v), sys.getrefcount(w))
    it = m.native.Item("r", 1.0)
    it.put("tags", v)
    assert sys.getrefcount(v) == before[0] + 1
    it.put("tags", w)
    assert (sys.getrefcount(v), sys.getrefcount(w)) == (before[0], before[1] + 1)
    attempt(it.put, "tags", (1,))
    assert sys.getrefcount(w) == before[1] + 1
    it.put("tags", [])
    assert sys.getrefcount(w) == before[1]
    x = object()
    rc = sys.getrefcount(x)
    it.add(x)
    it.add(x)
    assert sys.getrefcount(x) == rc + 2
    del it
    assert (sys.getrefcount(v), sys.getrefcount(w), sys.getrefcount(x)) == (before[0], before[1], rc)


def test_no_leaks(m):
    I = m.native.Item
    it = I("a", 1.0)
    assert growth(lambda: I("a", 1.0).get()) < LEAK_CALLS // 10
    assert growth(lambda: I("a", 1.0).grow(3)) < LEAK_CALLS // 10
    assert growth(lambda: it.put("d", {"x": 1})) < LEAK_CALLS // 10
    assert growth(lambda: attempt(it.put, "tags", (1,))) < LEAK_CALLS // 10
    assert growth(lambda: attempt(it.put, "name", 3)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(I.__new__(I).add, 1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(m.native.store_tags, it, "s")) < LEAK_CALLS // 10

    def public():
        it.pub = [1]
        attempt(setattr, it, "pub", (1,))
        del it.pub
        it.po = "x"
        del it.po
    assert growth(public) < LEAK_CALLS // 10
    assert growth(lambda: pickle.loads(pickle.dumps(I("p", 2.0)))) < LEAK_CALLS // 10
    assert growth(lambda: m.native.Sub("s").both()) < LEAK_CALLS // 10


PUBLIC_CLASS = '''
import cython

@cython.cclass
class Node:
    v: cython.int

@cython.cclass
class H:
    n = cython.declare(Node, visibility='public')

    def get(self):
        return self.n
'''


def test_public_cclass_field(pyc):
    # Cython 3.3.1 on the same source: the setter's "Cannot convert", del None.
    m = pyc.pair(PUBLIC_CLASS, stem="public_cclass_field")
    assert "left to Python" not in m.build.stderr, m.build.stderr
    h = m.native.H()
    assert h.n is None
    n = m.native.Node()
    h.n = n
    assert h.n is n and h.get() is n
    with pytest.raises(TypeError) as e:
        h.n = 3
    assert str(e.value) == "Cannot convert int to %s.Node" % m.native.__name__
    assert h.n is n
    del h.n
    assert h.n is None and h.get() is None
    assert growth(lambda: attempt(setattr, h, "n", 3)) < LEAK_CALLS // 10


LEFT = '''
import cython

@cython.cclass
class Typed:
    xs: complex

    def __init__(self):
        self.xs = 1j

def f():
    return Typed().xs
'''


def test_other_typed_fields_stay_python_with_the_reason(pyc):
    b = pyc.build(LEFT, stem="builtin_left")
    assert b.ok, b.describe()
    assert "class `Typed` left to Python" in b.stderr
    assert "attribute `xs` is `complex`" in b.stderr


def test_len_of_str_field_in_place(m):
    # `len(self.name)` reads an exact str's length in place (any kind:
    # ASCII, Latin-1, UCS-2, UCS-4); None raises len()'s TypeError.
    for name in ("", "a", "abc" * 100, "h\xe9llo", "\u65e5\u672c", "\U0001F600" * 3, "x\U0001F600\xe9" * 50):
        both(m, lambda M, name=name: M.Item(name, 0.0).add(1))

    def on_none(M):
        it = M.Item("n", 0.0)
        it.put("name", None)
        return it.add(1)
    both(m, on_none)
