"""Statements on objects compiled natively (issue 12), compared with CPython
running the same source: `with` on any context manager (PEP 343: special
methods looked up on the type, `__exit__` with the exception or with
None three times, its truth value suppressing, on `return`/`break`/
`continue` too; each version's message for a missing `__enter__` or
`__exit__`), `:=` (also from inside comprehensions), `sum`/`min`/`max` of
generator expressions, `assert` with any message, `del` of names, tuples
and slices, slice assignment, unpacking into items and attributes, tuple
targets in comprehensions, starred assignment from literal tuples; and no
leak on the normal or the error path."""

import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("object_stmt")


NAMES = ["with_plain", "with_as", "with_value", "with_raise", "with_return", "with_loop", "with_while", "with_nested",
         "with_nested_exit_raises", "with_enter_raises", "with_exit_raises", "with_unpack", "with_target_item", "with_any",
         "with_catch", "with_in_except", "with_suppress_then_value", "with_empty", "with_typed",
         "walrus_if", "walrus_while", "walrus_comp", "walrus_comp_last", "walrus_unbound", "walrus_twice", "walrus_value",
         "gen_sum", "gen_sum_start", "gen_sum_floats", "gen_min", "gen_max_key", "gen_min_default", "gen_max_nested",
         "assert_msg", "assert_obj_msg", "assert_lazy", "del_local", "del_then_read", "del_twice", "del_param", "del_maybe",
         "del_tuple", "del_slice", "del_slice_step", "set_slice", "set_slice_step", "set_slice_open", "aug_slice",
         "get_slice_step", "unpack_items", "unpack_attrs", "unpack_mixed", "unpack_swap", "unpack_attr_swap", "for_attr",
         "for_item", "comp_pairs", "comp_dict_items", "comp_nested_pattern", "comp_star", "comp_two_levels",
         "comp_pattern_scope", "comp_set_pairs", "comp_gen_pairs", "star_literal", "star_middle", "star_empty",
         "star_too_few"]


@pytest.mark.parametrize("name", NAMES)
def test_native(m, name):
    m.assert_native(name)


def describe(module, name, *args):
    """A call's value (made of plain data), or its exception as CPython shows
    it (classes by name: each module has its own), with the traceback's lines."""
    try:
        value = getattr(module, name)(*args)
        # An instance of the module's own classes: by class name.
        return ("ok", type(value).__name__ if type(value).__module__ == module.__name__ else repr(value))
    except BaseException as e:  # noqa: BLE001 - every exception is compared
        # A compiled method's frame is named by its qualified name.
        lines = [(f.name.rpartition(".")[2], f.lineno) for f in traceback.extract_tb(e.__traceback__)
                 if f.filename != __file__ and not f.name.startswith("<")]
        if sys.version_info < (3, 10):
            # 3.9 gives a failing `__exit__` call the line of the body's last
            # statement run, compiled code the `with` line (as 3.10+ do).
            lines = [name for name, _ in lines]
        return ("raised", type(e).__name__, str(e), repr(e.args), type(e.__cause__).__name__,
                type(e.__context__).__name__, e.__suppress_context__, lines)


def both(m, name, make_args):
    """`name` called in each module on arguments made fresh for it (context
    managers of that module's classes, new lists), compared."""
    got = describe(m.native, name, *make_args(m.native))
    want = describe(m.py, name, *make_args(m.py))
    assert got == want, "%s: compiled %r, CPython %r" % (name, got, want)


WITH_CASES = [
    ("with_plain", lambda M: (M.Log([]),)),
    ("with_plain", lambda M: (M.Log([], exit_raises=True),)),
    ("with_plain", lambda M: (M.Log([], enter_raises=True),)),
    ("with_as", lambda M: (M.Log([]),)),
    ("with_value", lambda M: (M.Log([], value=(1, 2)),)),
    ("with_raise", lambda M: (M.Log([]), KeyError("k"))),
    ("with_raise", lambda M: (M.Log([], suppress=True), KeyError("k"))),
    ("with_raise", lambda M: (M.Log([], suppress=1), ValueError)),
    ("with_raise", lambda M: (M.Log([], suppress=0), ValueError)),
    ("with_raise", lambda M: (M.Log([], suppress=""), M.Fail("f"))),
    ("with_raise", lambda M: (M.Log([], suppress=[1]), StopIteration)),
    ("with_raise", lambda M: (M.Log([], exit_raises=True), KeyError("inner"))),
    ("with_raise", lambda M: (M.Static(), KeyError("s"))),
    ("with_raise", lambda M: (M.Static(), ValueError("s"))),
    ("with_return", lambda M: (M.Log([]), 1)),
    ("with_return", lambda M: (M.Log([]), 0)),
    ("with_return", lambda M: (M.Log([], exit_raises=True), 1)),
    ("with_loop", lambda M: ([], 6)),
    ("with_loop", lambda M: ([], 2)),
    ("with_while", lambda M: ([], 4)),
    ("with_nested", lambda M: ([], None)),
    ("with_nested", lambda M: ([], "a")),
    ("with_nested", lambda M: ([], "b")),
    ("with_nested_exit_raises", lambda M: ([],)),
    ("with_enter_raises", lambda M: ([],)),
    ("with_exit_raises", lambda M: ([], 0)),
    ("with_exit_raises", lambda M: ([], 1)),
    ("with_unpack", lambda M: ([], (1, 2))),
    ("with_unpack", lambda M: ([], (1, 2, 3))),
    ("with_unpack", lambda M: ([], 5)),
    ("with_target_item", lambda M: ([], {})),
    ("with_target_item", lambda M: ([], ())),
    ("with_any", lambda M: (M.NoEnter(),)),
    ("with_any", lambda M: (M.NoExit(),)),
    ("with_any", lambda M: (M.Neither(),)),
    ("with_any", lambda M: (M.InstanceOnly(),)),
    ("with_any", lambda M: (5,)),
    ("with_any", lambda M: (None,)),
    ("with_any", lambda M: (M.Static(),)),
    ("with_any", lambda M: (M.Empty(),)),
    ("with_any", lambda M: (open(__file__),)),
    ("with_catch", lambda M: (M.Log([]),)),
    ("with_catch", lambda M: (M.Log([], suppress=True),)),
    ("with_in_except", lambda M: ([],)),
    ("with_suppress_then_value", lambda M: ([], [1, 0, 2, "x", 5])),
    ("with_empty", lambda M: (M.Empty(), 3)),
    ("with_typed", lambda M: ([], 21)),
]


@pytest.mark.parametrize("case", range(len(WITH_CASES)))
def test_with_same_as_cpython(m, case):
    name, make = WITH_CASES[case]
    # The log the context manager writes is part of the result: compare it too.
    def run(M):
        args = make(M)
        out = describe(M, name, *args)
        logs = [a.log for a in args if isinstance(a, M.Log)] + [a for a in args if isinstance(a, list)]
        for a in args:
            if hasattr(a, "close"):
                a.close()
        return out, logs
    assert run(m.native) == run(m.py)


def test_with_plain_callables(m):
    """`__exit__ = print`, a builtin without `__get__`: called unbound, with
    the three values only, as the interpreter calls it."""
    import io
    import contextlib
    for M in (m.native, m.py):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert M.with_any(M.Plain()) == "plain"
        assert buf.getvalue() == "None None None\n"


def test_missing_methods_messages(m):
    """Each version's own error for a manager lacking `__enter__`/`__exit__`."""
    for cm in (m.native.NoEnter(), m.native.NoExit(), m.native.Neither(), 5):
        got = describe(m.native, "with_any", cm)
        try:
            with cm:
                pass
        except (AttributeError, TypeError) as e:
            want = (type(e).__name__, str(e))
        assert got[1:3] == want
    if sys.version_info >= (3, 11):
        assert describe(m.native, "with_any", 5)[1:3] == ("TypeError", "'int' object does not support the context manager protocol")
    else:
        assert describe(m.native, "with_any", 5)[1:3] == ("AttributeError", "__enter__")


def test_with_exc_info_in_exit(m):
    """`__exit__` sees the exception as being handled; after the statement
    nothing is handled."""
    log = []
    assert describe(m.native, "with_raise", m.native.Log(log, suppress=True), KeyError("k"))[0] == "ok"
    assert log[-1] == ("exit", "cm", "KeyError", "'k'", True, True)
    assert sys.exc_info() == (None, None, None)


def test_with_context_chain(m):
    """An exception `__exit__` raises has the body's as its context."""
    for M in (m.native, m.py):
        with pytest.raises(M.Fail) as info:
            M.with_exit_raises([], 1)
        assert type(info.value.__context__) is ValueError


def test_with_releases_the_manager(m):
    """The manager, its bound methods and the value: released once done."""
    cm = m.native.Empty()
    before = sys.getrefcount(cm)
    assert m.native.with_empty(cm, 10) == 10
    assert m.native.with_any(cm) is cm
    assert sys.getrefcount(cm) == before


CASES = [
    ("walrus_if", [([1, 2, 3],), ([],), ("ab",), (5,)]),
    ("walrus_while", [([1, 2, 0, 3],), ([],), (5,)]),
    ("walrus_comp", [([0, 1, 2, 3],), ([5],), ([],), ("ab",)]),
    ("walrus_comp_last", [([1, 5, 2],), ([1],), ([],)]),
    ("walrus_unbound", [(0,), (1,), ("",), ("a",)]),
    ("walrus_twice", [(1, 2), ("a", "b"), ([1], None)]),
    ("walrus_value", [(1,), (None,)]),
    ("gen_sum", [([1, 2, 3],), ([],), ([1.5, 2],), (["a"],), (5,), ([10**30, 1],)]),
    ("gen_sum_start", [([1, 2], 10), ([[1], [2]], []), ([1], "s"), ([], 0.5)]),
    ("gen_sum_floats", [([1, 2, 3, 1e16, -1e16],), ([0.1] * 10,), ([],)]),
    ("gen_min", [([3, 1, 2],), ([],), ([1, "a"],), ("bca",)]),
    ("gen_max_key", [(["a", "ccc", "bb"],), ([],), ([1, 2],)]),
    ("gen_min_default", [([0, 3, 2], None), ([0, 0], "d"), ([], 7), ([1, "a"], 0)]),
    ("gen_max_nested", [([1, 2, 3],), ([],), (["a", "b"],)]),
    ("assert_msg", [(1,), (0,), ("",), ([],), (None,)]),
    ("assert_obj_msg", [(1, "m"), (-1, "m"), (-1, None), (-1, ("a", 1)), (-1, KeyError("k")), ("x", 1)]),
    ("assert_lazy", [(1, []), (0, [])]),
    ("del_local", [(1,), ("a",)]),
    ("del_then_read", [(1,)]),
    ("del_twice", [(1,)]),
    ("del_param", [(1,)]),
    ("del_maybe", [(1, 0), (1, 1)]),
    ("del_tuple", [({"a": 1, "b": 2, "c": 3}, 0), ({"a": 1}, 0), ({}, 1)]),
    ("del_slice", [([1, 2, 3, 4], 1, 3), ([1, 2], None, 1), ([1, 2], "a", 1), ((1, 2), 0, 1), ({1: 2}, 0, 1),
                   (bytearray(b"abcd"), -3, None)]),
    ("del_slice_step", [([1, 2, 3, 4, 5], 2), ([1, 2, 3], -1), ([1, 2, 3], 0)]),
    ("set_slice", [([1, 2, 3, 4], 1, 3, [9]), ([1, 2], 0, 0, "ab"), ([1, 2], 0, 1, 5), ((1,), 0, 1, [2]), ([1, 2], 1.5, 2, [])]),
    ("set_slice_step", [([1, 2, 3, 4], [7, 8]), ([1, 2, 3], [7, 8]), ([1, 2, 3], "ab")]),
    ("set_slice_open", [([1, 2, 3], [4, 5]), ([], [])]),
    ("aug_slice", [([1, 2, 3, 4], [9]), ([1], 5), ("abcd", "x")]),
    ("get_slice_step", [([1, 2, 3, 4, 5], 0, None, 2), ("abcdef", -1, 0, -2), ([1], 0, 1, 0)]),
    ("unpack_items", [([0, 0], (1, 2)), ([0], (1, 2)), ([0, 0], (1,)), ((), (1, 2)), ([0, 0], 5)]),
    ("unpack_attrs", [((1, 2),), ([3, 4],), ((1, 2, 3),), ("ab",)]),
    ("unpack_mixed", [([0, 0, 0], (1, (2, 3), 4)), ([0, 0, 0], (1, (2, 3))), ([0, 0, 0], (1, (2, 3), 4, 5)), ([0], (1, 2))]),
    ("unpack_swap", [([1, 2],), ([1],)]),
    ("unpack_attr_swap", [()]),
    ("for_attr", [([1, 2, 3],), ([],), (5,)]),
    ("for_item", [([1, 2],), ("xy",)]),
    ("comp_pairs", [([(1, 2), (3, 4)],), ([(1, 2, 3)],), ([1],), ("ab",)]),
    ("comp_dict_items", [({"a": 1, "b": 2},), ({},)]),
    ("comp_nested_pattern", [([((1, 2), 3), ((4, 5), 6)],), ([((1,), 3)],)]),
    ("comp_star", [([(1, 2, 3), (4,)],), ([()],)]),
    ("comp_two_levels", [([(1, [1, 2]), (10, [3])],), ([(1, 2)],)]),
    ("comp_pattern_scope", [([(1, 2), (3, 4)],)]),
    ("comp_set_pairs", [([(1, 2), (2, 1), (3, 3)],)]),
    ("comp_gen_pairs", [([(1, 2), (5, 1)],)]),
    ("star_literal", [()]),
    ("star_middle", [()]),
    ("star_empty", [()]),
    ("star_too_few", [()]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_same_as_cpython(m, case):
    name, args_list = CASES[case]
    for args in args_list:
        # Mutable arguments are copied: both calls must see the same input.
        import copy
        a1, a2 = copy.deepcopy(args), copy.deepcopy(args)
        assert describe(m.native, name, *a1) == describe(m.py, name, *a2), (name, args)
        assert repr(a1) == repr(a2), (name, args)


N = LEAK_CALLS


LEAKS = [
    ("with_plain", lambda M: (M.Log([]),)),
    ("with_raise", lambda M: (M.Log([], suppress=True), KeyError)),
    ("with_raise", lambda M: (M.Log([]), KeyError)),
    ("with_raise", lambda M: (M.Log([], exit_raises=True), KeyError)),
    ("with_return", lambda M: (M.Log([]), 1)),
    ("with_loop", lambda M: ([], 6)),
    ("with_nested", lambda M: ([], "b")),
    ("with_nested_exit_raises", lambda M: ([],)),
    ("with_enter_raises", lambda M: ([],)),
    ("with_unpack", lambda M: ([], (1, 2, 3))),
    ("with_any", lambda M: (M.NoExit(),)),
    ("with_any", lambda M: (M.Neither(),)),
    ("with_any", lambda M: (M.Static(),)),
    ("with_suppress_then_value", lambda M: ([], [1, 0, "x"])),
    ("walrus_comp", lambda M: ([0, 1, 2, 3],)),
    ("walrus_twice", lambda M: ("a", "b")),
    ("walrus_unbound", lambda M: (0,)),
    ("gen_sum", lambda M: ([1, 2, 3],)),
    ("gen_sum", lambda M: (["a"],)),
    ("gen_min_default", lambda M: ([], 7)),
    ("gen_max_key", lambda M: ([1, 2],)),
    ("assert_obj_msg", lambda M: (-1, "m")),
    ("del_then_read", lambda M: (1,)),
    ("del_maybe", lambda M: ("x", 1)),
    ("del_tuple", lambda M: ({"a": 1}, 0)),
    ("del_slice", lambda M: ([1, 2, 3, 4], 1, 3)),
    ("set_slice", lambda M: ([1, 2, 3, 4], 1, 3, [9])),
    ("set_slice", lambda M: ([1, 2], 0, 1, 5)),
    ("aug_slice", lambda M: ([1, 2, 3, 4], [9])),
    ("unpack_mixed", lambda M: ([0, 0, 0], (1, (2, 3), 4))),
    ("unpack_mixed", lambda M: ([0, 0, 0], (1, (2, 3)))),
    ("for_attr", lambda M: ([1, 2, 3],)),
    ("comp_pairs", lambda M: ([(1, 2), (3, 4)],)),
    ("comp_pairs", lambda M: ([(1, 2, 3)],)),
    ("comp_star", lambda M: ([(1, 2, 3), (4,)],)),
    ("star_middle", lambda M: ()),
    ("star_too_few", lambda M: ()),
]


@pytest.mark.parametrize("case", range(len(LEAKS)))
def test_no_leak_and_arguments_keep_their_refcounts(m, case):
    name, make = LEAKS[case]
    f = getattr(m.native, name)
    args = make(m.native)
    # (An exception instance raised again keeps growing its traceback, in
    # Python too: the cases raise classes.)
    own = [a for a in args if not (a is None or type(a) is int and -5 <= a <= 256)]
    refs = [sys.getrefcount(a) for a in own]

    def once():
        # Logs and mutated lists start afresh each call, so only a leak grows.
        for a in args:
            if isinstance(a, m.native.Log):
                a.log.clear()
        return attempt(f, *[a.copy() if isinstance(a, (list, dict)) else a for a in args])

    grown = growth(once)
    assert grown < N // 10, "%s: %d blocks more after %d calls" % (name, grown, N)
    assert [sys.getrefcount(a) for a in own] == refs
    assert sys.exc_info() == (None, None, None)
