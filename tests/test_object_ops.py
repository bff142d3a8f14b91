"""Operations on Python objects in compiled code (issue 12, step 2):
constant objects, boxing and unboxing, operators, comparisons, `is`, `in`,
truth values and augmented assignment, compared with CPython running the
same source over many inputs (results and exceptions exactly), and no leak
on the normal or the error path."""

import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("object_ops")


class Thing:
    def __add__(self, other):
        return ("add", other)

    def __radd__(self, other):
        return ("radd", other)

    def __matmul__(self, other):
        return ("matmul", other)

    def __eq__(self, other):
        return "eq?"

    def __lt__(self, other):
        raise ValueError("no order")

    def __bool__(self):
        raise RuntimeError("no truth")


NUMBERS = [0, 1, -1, 2, -3, 7, 2 ** 62, -(2 ** 63), 2 ** 64 + 1, -(2 ** 100), 0.0, -0.0, 1.5, -2.5,
           float("nan"), float("inf"), -float("inf"), True, False]
OTHERS = [None, "", "ab", b"xy", (), (1, 2), [], [1, "a"], {}, {1: 2}, {3}, Thing()]
VALUES = NUMBERS + OTHERS

NAMES = ["consts", "same_const", "add", "binary", "unary", "mixed_int", "mixed_float", "mixed_bool",
         "compare", "branch", "compare_c", "truth", "and_or", "countdown", "identity", "membership",
         "inplace", "inplace_ops", "total", "boxed_local", "pass_boxed", "unbox_double", "unbox_int",
         "unbox_longlong", "unbox_bint", "strings", "get_attr", "set_attr", "get_item", "set_item", "call",
         "methods", "displays", "length", "sum_items", "squares", "call_each", "item_at", "item_at_u64",
         "keywords", "sort_by", "in_range", "chained", "iter_total", "iter_find", "iter_typed", "word_counts",
         "iter_nested", "slices", "range_of_objects", "chain_calls", "chain_once", "chain_objects", "item_of_call",
         "item_of_binop", "store_made"]


@pytest.mark.parametrize("name", NAMES)
def test_native(m, name):
    m.assert_native(name)


def pairs(a_values, b_values):
    return [(a, b) for a in a_values for b in b_values]


def test_constants(m):
    m.assert_same("consts", [(k,) for k in range(9)], exact=True)
    for k in (2, 3, 4, 6):
        # The same object every call: made once, when the module ran.
        assert m.native.consts(k) is m.native.consts(k)
    m.assert_same("same_const", [(0,), (1,)], exact=True)


def test_binary_operators(m):
    m.assert_same("add", pairs(VALUES, VALUES), exact=True)
    small = [0, 1, -1, 3, -7, 2 ** 64 + 1, 0.0, 1.5, -2.5, float("nan"), True, None, "ab", [1], (2,), {3}, Thing()]
    # No huge powers or shifts: CPython would compute them for ages too.
    huge = lambda b, k: k in (5, 6) and isinstance(b, int) and abs(b) > 64
    m.assert_same("binary", [(a, b, k) for a in small for b in small for k in range(12) if not huge(b, k)], exact=True)


def test_unary_and_mixed(m):
    m.assert_same("unary", [(a, k) for a in VALUES for k in range(4)], exact=True)
    m.assert_same("mixed_int", pairs(VALUES, [0, 1, -5, 2 ** 31 - 1, -(2 ** 31)]), exact=True)
    m.assert_same("mixed_float", pairs(VALUES, [1.0, -0.0, 0.0, 2.5, float("inf"), float("nan")]), exact=True)
    m.assert_same("mixed_bool", pairs(VALUES, [True, False]), exact=True)
    m.assert_same("strings", pairs(["", "ab", [1], (), 3, None], [0, 1, 3, -1]), exact=True)


def test_chains_with_computed_operands(m):
    seqs = [[], [1], (1, 2), "ab", "abc", None, 3]
    m.assert_same("chain_calls", [(n, a, b) for n in [0, 1, 2, 2.0, None] for a in seqs for b in seqs], exact=True)
    lists = [(1, 2), (0,), (5,), (2.5,), (None,), (), (Thing(),), ("a",)]
    m.assert_same("chain_once", [(v, lo, hi) for v in lists for lo in [0, 1, None] for hi in [2, 4, "x"]], exact=True)
    small = [0, 1, 2.5, None, "a", Thing()]
    m.assert_same("chain_objects", [(a, b, c, d) for a in small for b in small for c in small for d in [0, 2]], exact=True)


def test_items_of_computed_objects(m):
    m.assert_same("item_of_call", [(n, k) for n in [0, 1, 5, -2, 2.5, None] for k in [0, 3, -1, 9, "x"]], exact=True)
    m.assert_same("item_of_binop", [(a, b, i) for a in [[1], "a", (2,), 1, None] for b in [[3, 4], "bc", (5,), 2]
                                    for i in [0, 1, -1, 7, slice(None, None, -1), "k"]], exact=True)


class ListSub(list):
    def __getitem__(self, k):
        return ("sub", k)

    def __setitem__(self, k, v):
        list.__setitem__(self, 0, ("set", k, v))


class IntSub(int):
    pass


SMALL_KEYS = [0, 1, 2, 3, -1, -3, -4, True, False, 2 ** 30 - 1, 2 ** 30, -(2 ** 30), 2 ** 62, IntSub(1), 1.0,
              slice(1, None), None, "a"]


def test_items_by_small_int_keys(m):
    # Exact lists and tuples by exact one-digit ints are read in place; every
    # other pairing is CPython's own subscript.
    containers = [[5, 6, 7], (8, 9), ListSub([1, 2, 3]), {0: "a", -1: "b", True: "t"}, range(5), "xyz",
                  bytearray(b"ab"), [], ()]
    m.assert_same("get_item", pairs(containers, SMALL_KEYS), exact=True)
    makers = [lambda: [1, 2, 3], lambda: ListSub([1, 2]), dict, lambda: (1, 2), bytearray, list]
    m.assert_same("store_made", [(f, k, x) for f in makers for k in SMALL_KEYS for x in ["v", 300]], exact=True)


def test_comparisons(m):
    m.assert_same("compare", [(a, b, k) for a in VALUES for b in VALUES for k in range(6)], exact=True)
    m.assert_same("branch", pairs(VALUES, VALUES), exact=True)
    small = [0, 1, -1, 2.5, float("nan"), None, "a", Thing()]
    m.assert_same("in_range", [(a, b, c) for a in small for b in small for c in small], exact=True)
    m.assert_same("chained", pairs([0, 3, 2.5, 10, -1, None, "a"], [0, 5]), exact=True)
    m.assert_same("compare_c", pairs(VALUES, [0, 1, -1, 2 ** 62, -(2 ** 63)]), exact=True)
    m.assert_same("identity", pairs(VALUES, VALUES) + [(x, x) for x in VALUES], exact=True)
    m.assert_same("membership", pairs(VALUES, OTHERS + [range(3), "a", "xab"]), exact=True)


def test_truth_values(m):
    m.assert_same("truth", [(v,) for v in VALUES], exact=True)
    m.assert_same("and_or", pairs(VALUES, VALUES), exact=True)
    m.assert_same("countdown", [(v,) for v in [0, 1, 5, 3.0, True, False, None, "x", -0.0, []]], exact=True)


def test_augmented_assignment(m):
    m.assert_same("inplace", pairs(VALUES, VALUES), exact=True)
    small = [0, 3, -2, 2 ** 70, 1.5, True, "ab", [1], {2}, None]
    m.assert_same("inplace_ops", [(a, b, k) for a in small for b in small for k in range(11)
                                  if not (k in (5, 6) and isinstance(b, int) and abs(b) > 64)], exact=True)
    # A list is extended in place, as `+=` does in Python.
    v = [1]
    assert m.native.inplace(v, [2]) is v and v == [1, 2]


def test_boxing(m):
    m.assert_same("total", pairs(VALUES, [0, 1, 4]), exact=True)
    m.assert_same("boxed_local", pairs(VALUES, [0, 1, -1]), exact=True)
    m.assert_same("pass_boxed", pairs([0, 5, -(2 ** 31)], [0.5, -0.0, float("inf")]), exact=True)


def test_unboxing_with_cpython_errors(m):
    # Typed locals convert as Cython does (the interpreted shim does not).
    f = m.native
    assert f.unbox_double(2) == 2.5 and f.unbox_double(True) == 1.5 and f.unbox_double(-1.5) == -1.0
    assert f.unbox_int(21) == 42 and f.unbox_int(-(2 ** 31)) == 0
    assert f.unbox_longlong(2 ** 63 - 1) == 2 ** 63 - 2
    assert f.unbox_bint([]) is False and f.unbox_bint([0]) is True and f.unbox_bint(0.0) is False
    for fn, arg, exc, msg in [
        (f.unbox_double, "x", TypeError, "must be real number, not str"),
        (f.unbox_double, None, TypeError, "must be real number, not NoneType"),
        (f.unbox_double, 2 ** 2000, OverflowError, "int too large to convert to float"),
        (f.unbox_int, 2 ** 31, OverflowError, None),
        (f.unbox_int, 1.5, TypeError, None),
        (f.unbox_int, "3", TypeError, None),
        (f.unbox_longlong, 2 ** 63, OverflowError, None),
        (f.unbox_bint, Thing(), RuntimeError, "no truth"),
    ]:
        with pytest.raises(exc) as info:
            fn(arg)
        if msg is not None:
            assert str(info.value) == msg


class Slots:
    __slots__ = ("x",)


def test_attributes_and_items(m):
    m.assert_same("get_attr", [(v,) for v in VALUES + [1j, Slots()]], exact=True)
    m.assert_same("set_attr", [(v, w) for v in [Thing(), Slots(), 1, "a", None] for w in [1, "v", None]], exact=True)
    m.assert_same("get_item", pairs([{1: 2, "a": None}, [5, 6, 7], (8,), "xyz", None, 3], [0, 1, -1, "a", 2 ** 70, 1.5, None]),
                  exact=True)
    m.assert_same("set_item", [(d, k, 3) for d in [{}, [0, 1], (0,), "ab", None] for k in [0, -1, 5, "a", None]], exact=True)
    # The stored-into container is the caller's own.
    d = {}
    assert m.native.set_item(d, "k", 7) is d and d == {"k": 7}


class MyList(list):
    def __getitem__(self, i):
        return ("mine", i)


def test_items_by_c_integers(m):
    # Lists and tuples read in place when the index is in range (negative
    # ones wrapped once); everything else, and every miss, as CPython does.
    containers = [[10, 20, 30], (1, "b"), [], (), "xyz", {0: "zero", -1: "m"}, MyList([1]), range(5), b"ab", None, 3]
    indices = [0, 1, 2, 3, -1, -2, -3, -4, 2 ** 62, -(2 ** 63), 2 ** 63 - 1]
    m.assert_same("item_at", pairs(containers, indices), exact=True)
    m.assert_same("item_at_u64", pairs(containers, [0, 1, 2 ** 64 - 1, 2 ** 63]), exact=True)
    v = [object()]
    assert m.native.item_at(v, 0) is v[0] and m.native.item_at(v, -1) is v[0]


def test_slices_and_ranges_of_objects(m):
    m.assert_same("slices", [(v, a, b) for v in ["abcdef", [1, 2, 3, 4], (5, 6), range(9), None, 3, {1: 2}]
                             for a in [0, 1, -2, None, 2 ** 70, "x"] for b in [0, 2, -1]], exact=True)
    m.assert_same("range_of_objects", [(n,) for n in [0, 5, -3, 2 ** 64 + 3 - 2 ** 64, True, 2.5, None, "x"]], exact=True)


def test_calls(m):
    def three(a, b):
        return (a, b, 3)
    m.assert_same("call", pairs([max, min, three, divmod, 3, None, str], [0, 5, "a", None]), exact=True)
    m.assert_same("methods", [("  ab ",), ("x",), (3,), (None,)], exact=True)

    def kw(a, b=0, c=1):
        return (a, b, c)

    def kw_only(a, *, b):
        return (a, b)
    m.assert_same("keywords", pairs([kw, kw_only, dict, max, None], [1, "x"]), exact=True)
    m.assert_same("sort_by", [([3, -5, 1],), ([],), (["a"],), (None,)], exact=True)
    m.assert_same("call_each", [([abs, float], -2), ([], 1), ([abs, "x"], 1), (None, 1), ([lambda v: 1 / v], 0)], exact=True)


def test_displays_and_len(m):
    m.assert_same("displays", pairs(["x", 1, None, 2 ** 70, (1,)], [2.0, -0.0]) + [([], 1.0)], exact=True)
    m.assert_same("length", [(v,) for v in OTHERS + [range(7), 3, 2.5]], exact=True)
    m.assert_same("sum_items", [([1.5, 2, 3],), ((),), ([1, "a"],), ("ab",), (None,), ([2 ** 70, 1.0],)], exact=True)
    m.assert_same("squares", [(n,) for n in (0, 1, 5, -1)], exact=True)


def failing_iter():
    yield 1
    raise ValueError("boom")


def test_for_over_iterators(m):
    iterables = [[1, 2, 3], (), range(5), "abc", {1: 2, 3: 4}, {5}, [1, "a"], [2 ** 70, 1.5], 5, None, [[1]]]
    m.assert_same("iter_total", [(v,) for v in iterables], exact=True)
    m.assert_same("iter_find", pairs(iterables, [1, 3, "b", None]), exact=True)
    # A C double total (Cython's), each item unboxed.
    assert [m.native.iter_typed(v) for v in ([1, 2.5], [], (True, 2 ** 40))] == [3.5, 0.0, 2.0 ** 40 + 1]
    m.assert_same("word_counts", [("a b a c b a",), ("",), (" x  y x ",), (None,), (3,)], exact=True)
    m.assert_same("iter_nested", [([[1, -2], [3], []],), ([],), ([[1], 2],), ([["ab"]],)], exact=True)
    # An iterator's own exception passes through, with the same message.
    for f in (m.py.iter_total, m.native.iter_total):
        with pytest.raises(ValueError, match="boom"):
            f(failing_iter())
    with pytest.raises(TypeError, match="must be real number, not str"):
        m.native.iter_typed(["x"])


N = LEAK_CALLS


@pytest.mark.parametrize("name, args", [
    ("consts", (2,)), ("consts", (4,)), ("add", (Thing(), 1)), ("add", (1, "a")), ("add", (2 ** 70, 2 ** 70)),
    ("binary", (2 ** 70, 3, 5)), ("binary", (1, 0, 3)), ("binary", ([1], 2, 1)), ("unary", (Thing(), 0)),
    ("unary", (2 ** 70, 0)), ("mixed_int", (2 ** 70, 3)), ("mixed_int", ("a", 2)), ("mixed_float", (None, 1.0)),
    ("compare", (Thing(), 1, 2)), ("compare", (2 ** 70, 1.5, 0)), ("branch", (Thing(), Thing())),
    ("branch", ("a", "b")), ("truth", (Thing(),)), ("and_or", ([], Thing())), ("countdown", (40,)),
    ("identity", (None, [])), ("membership", (1, [2 ** 70, 1])), ("membership", (1, 5)),
    ("inplace", ([1], [2])), ("inplace", (2 ** 70, 1.5)), ("inplace_ops", (2 ** 70, 3, 5)),
    ("inplace_ops", ("a", None, 0)), ("total", (2 ** 70, 5)), ("total", ("a", 3)), ("boxed_local", (Thing(), 3)),
    ("pass_boxed", (3, 0.5)), ("unbox_double", ("x",)), ("unbox_int", (2 ** 40,)), ("unbox_bint", (Thing(),)),
    ("strings", ("ab", 3)), ("strings", (None, 3)), ("get_attr", (1.5,)), ("get_attr", ("x",)),
    ("set_attr", (Thing(), [1])), ("set_attr", (Slots(), Thing())), ("set_attr", (1, [1])), ("get_item", ({"a": [1]}, "a")),
    ("get_item", ({}, "a")), ("set_item", ({}, "k", 3)), ("set_item", (None, "k", 3)), ("call", (max, [1])),
    ("call", (None, [1])), ("keywords", (dict, [1])), ("keywords", (max, [1])), ("sort_by", ([3, -5, 1],)), ("in_range", (Thing(), 1, 2)), ("iter_total", ([2 ** 70] * 5,)), ("slices", ([Thing()] * 4, 1, 3)), ("slices", ("abc", "x", 1)),
    ("range_of_objects", (10,)), ("range_of_objects", (2.5,)),
    ("iter_total", ([1, "a"],)), ("iter_find", ([Thing(), 3], 3)), ("iter_find", ([Thing()], 3)), ("iter_typed", (["x"],)),
    ("word_counts", ("a b a",)), ("iter_nested", ([[1, -2], [Thing()]],)), ("iter_nested", ([[1], 2],)), ("in_range", (0, 2 ** 70, 2 ** 71)), ("methods", (" ab ",)), ("methods", (None,)), ("displays", (Thing(), 1.5)),
    ("displays", ([], -1.0)), ("length", ([1],)), ("length", (3,)), ("sum_items", ([1.0, 2.0],)),
    ("sum_items", ([1.0, "a"],)), ("squares", (10,)), ("item_at", ([Thing()], 0)), ("item_at", ([Thing()], 5)),
    ("item_at", ((Thing(),), -1)), ("item_at", ({1: Thing()}, 1)), ("item_at", (None, 1)), ("call_each", ([abs, float], -2)), ("call_each", ([abs, "x"], 1)),
    ("chain_calls", (2, [1, 2], "ab")), ("chain_calls", (2, [1, 2], None)), ("chain_objects", (0, 1, 2.5, 0)),
    ("chain_objects", (0, "a", 1, 0)), ("item_of_call", (6, 2)), ("item_of_call", (6, 9)), ("item_of_binop", ([1], [Thing()], -1)),
    ("item_of_binop", ([1], [2], "k")), ("get_item", ([Thing(), 2], -2)), ("get_item", ((Thing(),), 3)),
    ("store_made", (list, 0, Thing())), ("store_made", (ListSub, 0, Thing())), ("get_item", (ListSub([Thing()]), 0)),
])
def test_no_leak_and_arguments_keep_their_refcounts(m, name, args):
    f = getattr(m.native, name)
    # None and small ints are shared by the whole interpreter: their counts move anyway.
    own = [a for a in args if not (a is None or type(a) is int and -5 <= a <= 256)]
    refs = [sys.getrefcount(a) for a in own]
    grown = growth(lambda: attempt(f, *args))
    assert grown < N // 10, "%s: %d blocks more after %d calls" % (name, grown, N)
    if not name.startswith("set_"):
        # (A store keeps a reference to the stored value, as it should.)
        assert [sys.getrefcount(a) for a in own] == refs
