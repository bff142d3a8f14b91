"""Special methods of extension types (issue 13) in type slots, Cython 3's
semantics (`__add__` called with the instance first, `__radd__` when it is
the right operand, NotImplemented otherwise), and fields typed as a cclass
(`left: Tree`): results, exception types and messages as CPython running
the same source; refcounts and leaks on the slot paths and error paths;
cycles through typed fields collected."""

import gc
import sys
import types
from pathlib import Path

import pytest

from conftest import LEAK_CALLS, attempt, growth

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("cclass_special", args=("--strict",))


def test_classes_are_native_with_slots(m):
    for cls in ("Vec", "Key", "Ordered", "Bag", "Counter", "BadLen", "Tree"):
        assert "class `%s` left to Python" % cls not in m.build.stderr, m.build.stderr
        assert isinstance(getattr(m.native, cls), type)
    V = m.native.Vec
    # The slots' wrappers, as for Cython's types: not Python functions.
    assert isinstance(V.__dict__["__add__"], types.WrapperDescriptorType)
    assert isinstance(V.__dict__["__radd__"], types.WrapperDescriptorType)
    assert isinstance(V.__dict__["pair"], types.MethodDescriptorType)
    assert not hasattr(V(1.0, 2.0), "__dict__")


def test_operators_match_cpython(m):
    m.assert_same("vec_ops", [(1.0, 2.0, 3.0, 4.0), (0.0, 0.0, -1.5, 2.5), (1e308, 1e308, 1e308, -1e308),
                              (float("nan"), 0.0, 1.0, float("inf"))], exact=True)
    m.assert_same("vec_div", [(3.0, 2), (3.0, 2.0), (-7.5, 4), (3.0, 0), (3.0, 0.0), (1.0, float("inf"))], exact=True)


def test_not_implemented_and_reflected_operands(m):
    # NotImplemented from __add__ falls back to the other operand, then to
    # CPython's TypeError with its text.
    m.assert_same("vec_errors", [(1,), (2.5,), ("s",), (None,), ([1],), (True,)], exact=True)
    m.assert_same("vec_compare_other", [(1,), (None,), ("x",)], exact=True)
    V = m.native.Vec
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+: '.*Vec' and 'int'"):
        V(1.0, 2.0) + 1
    assert (3 + V(1.0, 2.0)).pair() == (4.0, 5.0)
    assert V(1.0, 2.0).__add__(1) is NotImplemented
    assert V(1.0, 2.0).__radd__(1).pair() == (2.0, 3.0)


def test_isinstance_exact_type_first_matches_cpython(m):
    # `isinstance(x, C)` tests the exact type first, then the builtin
    # (subclasses such as bool of int, a Python subclass of the cclass).
    m.assert_same("obj_abs", [(-3,), (-2.5,), ("s",), (None,), (True,), (-2**70,), (float("nan"),)], exact=True)
    m.assert_same("kinds", [(1,), (True,), (1.5,), ("s",), (None,), (2**70,)], exact=True)
    m.assert_same("kind_of", [(1, int), (True, int), (1, 2), (1, (int, str)), (1, "int"), (None, type(None))], exact=True)
    for mod in (m.native, m.py):
        class Sub(mod.Vec):
            pass

        class F(float):
            pass
        assert mod.kinds(Sub(1.0, 2.0)) == (True, False, False, True, False)
        assert mod.kinds(mod.Vec(1.0, 2.0)) == (True, False, False, True, False)
        assert mod.kinds(F(2.0)) == (False, True, False, True, False)


def test_compare_and_hash_match_cpython(m):
    m.assert_same("key_ops", [(1, 2), (2, 2), (-1, -2), (0, -1), (2**62, 2**62)], exact=True)
    m.assert_same("ordered_ops", [(1, 2), (2, 2), (-5, 3)], exact=True)
    # __eq__ without __hash__: unhashable, as in Python.
    with pytest.raises(TypeError, match="unhashable type"):
        hash(m.native.Vec(1.0, 2.0))
    assert m.native.Vec.__hash__ is None
    assert hash(m.native.Key(-1)) == -2
    m.assert_same("bad_hash", [(5,), (-1,), (2**62,), (2**64 + 3,), ("s",), (1.5,), (True,)], exact=True)


def test_containers_call_iter_match_cpython(m):
    m.assert_same("bag_ops", [(4, 2), (3, 7), (1, 0), (2, "a"), (0, 0)], exact=True)
    m.assert_same("counter_ops", [(0,), (1,), (5,)], exact=True)
    m.assert_same("bad_len", [(3,), (0,), (-1,), ("x",), (2**70,), (True,)], exact=True)
    # No __delitem__: a Python class's slot raises AttributeError (Cython's
    # NotImplementedError differs; CPython running the source is the reference).
    for mod in (m.native, m.py):
        with pytest.raises(AttributeError, match="__delitem__"):
            del mod.Bag(2)[0]
    b = m.native.Bag(3)
    with pytest.raises(TypeError):
        b()
    with pytest.raises(TypeError):
        b(1, c=2)


def test_typed_fields_match_cpython(m):
    m.assert_same("tree_ops", [([5, 3, 8, 1, 4, 9],), ([1],), ([3, 3, 3],), (list(range(50, 0, -3)),)], exact=True)
    m.assert_same("tree_leftmost", [(5, 3, 1), (5, 3, 7), (1, 2, 3)], exact=True)
    t = m.native.Tree(1)
    # Private fields, None by default; a store of the wrong type raises
    # Cython's TypeError.
    assert not hasattr(t, "left")
    src = m.build.src.read_text()
    assert "left: 'Tree'" in src


def test_typed_field_store_checks_type(pyc):
    src = '''
import cython

@cython.cclass
class N:
    nxt: 'N'
    v: cython.int

    def __init__(self, v: cython.int):
        self.v = v
        self.nxt = None

    def link(self, other):
        self.nxt = other
        return self.nxt is other

def link(a, b):
    n = N(a)
    return n.link(b)

@cython.cclass
class M:
    v: cython.int

def cross(k: cython.int):
    n: N = N(1)
    n.nxt = N(k)
    same: N = n.nxt
    other: M = n.nxt
    return same.v

def chain(k: cython.int) -> cython.int:
    head: N = N(0)
    for i in range(1, k):
        n: N = N(i)
        n.nxt = head
        head = n
    s: cython.int = 0
    p: N = head
    while p is not None:
        s += p.v
        p = p.nxt
    return s
'''
    m = pyc.pair(src, args=("--strict",), stem="typedfield")
    assert m.native.link(1, None) is True
    assert m.native.link(1, m.native.N(2)) is True
    with pytest.raises(TypeError, match=r"Cannot convert int to typedfield_\d+\.N"):
        m.native.link(1, 5)
    m.assert_same("chain", [(1,), (2,), (100,)], exact=True)
    # A field typed as N read into a variable typed as N needs no check;
    # into one typed as M it is checked.
    with pytest.raises(TypeError, match=r"Cannot convert typedfield_\d+\.N to typedfield_\d+\.M"):
        m.native.cross(3)
    assert growth(lambda: attempt(m.native.cross, 3)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(m.native.link, 1, 5)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.chain(50)) < LEAK_CALLS // 10


def test_cycles_through_typed_fields_are_collected(m):
    m.assert_same("cycle", [(1,), (2,), (10,)], exact=True)
    # Each call leaves a ring of nodes that only the GC frees (tp_traverse
    # and tp_clear over the typed fields).
    assert growth(lambda: m.native.cycle(5)) < LEAK_CALLS // 10
    gc.disable()
    try:
        gc.collect()
        before = sys.getallocatedblocks()
        for _ in range(200):
            m.native.cycle(5)
        grown = sys.getallocatedblocks() - before
        assert grown > 500, grown
        gc.collect()
        assert sys.getallocatedblocks() - before < 50
    finally:
        gc.enable()


def test_refcounts_and_leaks(m):
    V = m.native.Vec
    u, v = V(1.0, 2.0), V(3.0, 4.0)
    ru, rv = sys.getrefcount(u), sys.getrefcount(v)
    for _ in range(1000):
        u + v
        u - v
        -u
        +u
        u == v
        u != v
        abs(u)
        attempt(lambda: u + 1)
        attempt(lambda: "s" * u)
        1 + u
    assert (sys.getrefcount(u), sys.getrefcount(v)) == (ru, rv)
    assert growth(lambda: m.native.vec_ops(1.0, 2.0, 3.0, 4.0)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.vec_errors("s")) < LEAK_CALLS // 10
    assert growth(lambda: attempt(m.native.vec_div, 1.0, 0)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.key_ops(1, 2)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.bag_ops(4, 9)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.bad_len(-1)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.bad_hash("s")) < LEAK_CALLS // 10
    assert growth(lambda: m.native.tree_ops([5, 3, 8, 1])) < LEAK_CALLS // 10
    assert growth(lambda: m.native.tree_leftmost(5, 3, 7)) < LEAK_CALLS // 10


@pytest.mark.parametrize("example, call", [("vec2_cclass", ("orbit", [(0, 0.01), (1000, 0.001)])),
                                           ("tree_cclass", ("build_and_walk", [(1, 1), (300, 2)]))])
def test_examples_match_cpython(pyc, example, call):
    src = (EXAMPLES / (example + ".py")).read_text()
    m = pyc.pair(src, args=("--strict",), stem=example)
    name, args = call
    m.assert_same(name, args, exact=True)
    assert growth(lambda: getattr(m.native, name)(*args[-1])) < LEAK_CALLS // 10


def test_special_method_without_slot_stays_python(pyc):
    src = '''
import cython

@cython.cclass
class P:
    x: cython.double

    def __init__(self, x: cython.double):
        self.x = x

    def __pow__(self, other):
        return P(self.x ** other)

    def get(self):
        return self.x

def powered(x: cython.double, k):
    return (P(x) ** k).get()
'''
    m = pyc.pair(src, stem="powstays")
    assert "class `P` left to Python" in m.build.stderr
    assert "special method `__pow__` is not compiled yet" in m.build.stderr
    m.assert_same("powered", [(2.0, 3), (2.0, 0.5)], native=False, exact=True)
