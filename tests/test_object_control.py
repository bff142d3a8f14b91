"""Exceptions in compiled code (issue 12): `raise` of any exception object,
`raise … from …`, a bare `raise`, `try`/`except`/`else`/`finally`
(`return`/`break`/`continue` crossing a `finally`), compared with CPython
running the same source: the exception's type, message and arguments, its
`__cause__`, `__context__` and `__suppress_context__`, the traceback's
`.py` lines, `sys.exc_info()` inside and after a clause; and no leak on
the normal or the error path. The example `examples/newton.py` too."""

import sys
import traceback
from pathlib import Path

import pytest

from conftest import LEAK_CALLS, attempt, growth

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("object_control")


NAMES = ["raise_class", "raise_instance", "raise_from", "raise_from_none", "raise_from_class", "raise_any",
         "raise_cause", "bare_raise", "raise_builtin_msg", "divide", "count_failures", "exc_info_inside",
         "context_chain", "reraise", "reraise_named", "name_unbound", "maybe_unbound", "finally_overrides",
         "finally_order", "finally_on_error", "nested", "error_in_else", "error_in_finally", "bare_except",
         "unmatched", "loop_catch", "return_in_except", "convert_error", "break_in_except",
         "continue_in_finally_loop", "typed_try", "catch_everything", "catch_with", "typed_finally", "nested_loops", "deep", "fstring_plain", "fstring_mixed", "fstring_conversions",
         "fstring_nested", "fstring_literals", "fstring_spec", "fstring_in_raise", "comp_squares", "comp_set", "comp_pairs",
         "comp_dict", "comp_scope", "comp_first_iterable_outside", "comp_nested", "comp_join", "comp_list_of_gen",
         "comp_tuple_of_gen", "comp_sorted_gen", "comp_typed", "comp_in_try", "value_or", "value_and", "value_if",
         "value_chain", "value_in_loop", "value_typed_cond"]


@pytest.mark.parametrize("name", NAMES)
def test_native(m, name):
    m.assert_native(name)


def describe(module, name, *args):
    """What a call gives: its value, or its exception as CPython shows it
    (classes by name: each module has its own `Fail`)."""
    try:
        return ("ok", repr(getattr(module, name)(*args)))
    except BaseException as e:  # noqa: BLE001 - every exception is compared
        # A comprehension's own frame (CPython 3.9-3.11; 3.12 inlines them,
        # as compiled code does) is left out.
        lines = [(f.name, f.lineno) for f in traceback.extract_tb(e.__traceback__)
                 if f.filename != __file__ and not f.name.startswith("<")]
        return ("raised", type(e).__name__, str(e), repr(e.args), type(e.__cause__).__name__,
                type(e.__context__).__name__, e.__suppress_context__, lines)


class Formatted:
    def __repr__(self):
        return "Formatted()"

    def __format__(self, spec):
        return "fmt[%s]" % spec


class BadRepr:
    def __repr__(self):
        raise RuntimeError("no repr")

    def __str__(self):
        return "bad"


class BadBool:
    def __bool__(self):
        raise ValueError("no truth")


class BadFormat:
    def __format__(self, spec):
        return 5


CASES = [
    ("raise_class", 1), ("raise_class", -1), ("raise_instance", 3), ("raise_from", 5), ("raise_from_none", 2),
    ("raise_from_class", 4), ("raise_any", 3), ("raise_any", None), ("raise_any", ValueError),
    ("raise_any", KeyError("k")), ("raise_any", int), ("raise_cause", 1, 2), ("raise_cause", 1, None),
    ("raise_cause", 1, TypeError("t")), ("bare_raise",), ("raise_builtin_msg", [1]),
    ("divide", 1, 2), ("divide", 1, 0), ("divide", 1.5, 0.0), ("divide", "a", 1), ("divide", None, 0),
    ("count_failures", [1, -2, 3, "x"]), ("count_failures", []), ("count_failures", None),
    ("exc_info_inside", 1), ("context_chain", 1), ("reraise", 0), ("reraise", 1), ("reraise", "a"),
    ("reraise_named", 5), ("reraise_named", 0), ("name_unbound", 1), ("maybe_unbound", 0), ("maybe_unbound", 5),
    ("finally_overrides", 1), ("finally_order", 5), ("finally_order", 0), ("finally_on_error", "x"),
    ("nested", 0), ("nested", 1), ("nested", 2), ("error_in_else", 1), ("error_in_else", "s"),
    ("error_in_finally", "q"), ("bare_except", 0), ("bare_except", 2), ("bare_except", None),
    ("unmatched", 0), ("unmatched", 3), ("handler_restores", 0), ("loop_catch", 10), ("loop_catch", 0),
    ("return_in_except", 1), ("convert_error", "z"), ("break_in_except", [1, 2, 0, 4]),
    ("break_in_except", [5, "a"]), ("continue_in_finally_loop", 7), ("typed_try", 7, 2), ("typed_try", 7, 0),
    ("typed_try", -7, 2), ("catch_everything", int, "x"), ("catch_everything", abs, -3),
    ("catch_with", ZeroDivisionError, 0), ("catch_with", ArithmeticError, 0), ("catch_with", KeyError, 0),
    ("catch_with", (KeyError, ZeroDivisionError), 0), ("catch_with", (), 0), ("catch_with", 5, 0), ("catch_with", int, 0),
    ("catch_with", (KeyError, "x"), 0), ("catch_with", (ZeroDivisionError, 5), 0), ("catch_with", 5, 1),
    ("catch_with", ((KeyError, ZeroDivisionError),), 0), ("typed_finally", 10), ("typed_finally", 0),
    ("nested_loops", [1, 0, 2]), ("nested_loops", []), ("nested_loops", [3, "a"]), ("deep", 3), ("deep", 0),
    ("fstring_plain", 1), ("fstring_plain", "s"), ("fstring_plain", None), ("fstring_plain", 1.5), ("fstring_plain", Formatted()),
    ("fstring_mixed", "ab", 42, 3.14159), ("fstring_mixed", None, -1, float("nan")), ("fstring_mixed", Formatted(), 0, -0.0),
    ("fstring_conversions", "\u00e9\n"), ("fstring_conversions", [1]), ("fstring_conversions", Formatted()),
    ("fstring_conversions", BadRepr()), ("fstring_nested", 3.14159, 10, 3), ("fstring_nested", 2, "x", 1),
    ("fstring_nested", "abc", 5, 2), ("fstring_nested", Formatted(), 1, 2), ("fstring_literals",), ("fstring_spec", 3),
    ("fstring_spec", Formatted()), ("fstring_spec", BadFormat()), ("fstring_in_raise", -1.5), ("fstring_in_raise", 10 ** 7),
    ("fstring_in_raise", "s"),
    ("comp_squares", [1, 2, 3]), ("comp_squares", []), ("comp_squares", None), ("comp_squares", [1, "a"]),
    ("comp_squares", "ab"), ("comp_set", 20), ("comp_set", 0), ("comp_pairs", [1, 2], [2, 3]), ("comp_pairs", [1], 5),
    ("comp_dict", {1: 2, "a": "b", 0: 1}), ("comp_dict", {(): 1}), ("comp_dict", {"k": None}), ("comp_scope", 9),
    ("comp_first_iterable_outside", [4, 5]), ("comp_first_iterable_outside", 3), ("comp_nested", [[1, 2], [3]]),
    ("comp_nested", [[1], 2]), ("comp_join", ["a", "bc"]), ("comp_join", ["a", 1]), ("comp_join", []),
    ("comp_list_of_gen", 4), ("comp_list_of_gen", -1), ("comp_tuple_of_gen", [0, 1, "", 2]), ("comp_sorted_gen", [7, 3, 12]),
    ("comp_sorted_gen", [1, "x"]), ("comp_typed", 5), ("comp_in_try", [1, 2]), ("comp_in_try", [1, 0]),
    ("value_or", 0, [1]), ("value_or", "x", None), ("value_or", BadBool(), 1), ("value_and", 0, [1]), ("value_and", "x", None),
    ("value_and", BadBool(), 1), ("value_if", 1, "a", "b"), ("value_if", [], "a", "b"), ("value_if", BadBool(), "a", "b"),
    ("value_chain", 1, 0, "c", 3), ("value_chain", 1, 2, "c", 3), ("value_chain", 0, 2, None, 3), ("value_chain", 0, 2, [], 0),
    ("value_in_loop", ["", None, "a", 0, [1]]), ("value_in_loop", [BadBool()]), ("value_typed_cond", 1, "a"),
    ("value_typed_cond", -1, "a"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_same_as_cpython(m, case):
    name, *args = case
    # A fresh exception instance for each run (raising one adds to its traceback).
    fresh = lambda: [type(a)(*a.args) if isinstance(a, BaseException) else a for a in args]
    assert describe(m.native, name, *fresh()) == describe(m.py, name, *fresh())


def test_tracebacks_keep_py_lines(m):
    """A frame's entry is added once, where the exception is raised in it;
    a bare `raise` adds none, `raise e` one more; the lines are the source's."""
    src = Path(m.build.src).read_text().splitlines()
    for name, args, wanted in [("reraise", (0,), ["y = 1 // x"]),
                               ("reraise_named", (5,), ["raise e", "return [1, 2][x]"]),
                               ("context_chain", (1,), ['raise ValueError("second")']),
                               ("error_in_finally", ("q",), ["y = {}[x]"])]:
        try:
            getattr(m.native, name)(*args)
        except Exception as e:  # noqa: BLE001
            tb = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__]
        else:
            pytest.fail("%s did not raise" % name)
        assert [src[f.lineno - 1].strip() for f in tb] == wanted, name
        assert all(f.name == name for f in tb)


def test_exc_info_restored_for_the_caller(m):
    """A clause leaves the caller's handled exception as it found it."""
    try:
        raise KeyError("caller's")
    except KeyError as outer:
        assert m.native.divide(1, 0) == -1
        assert m.native.handler_restores(0) == ("outer", 0)
        assert sys.exc_info()[1] is outer
        # A bare raise in a compiled function called from an except clause
        # raises the caller's exception again, as in Python.
        with pytest.raises(KeyError) as info:
            m.native.bare_raise()
        assert info.value is outer
    assert sys.exc_info() == (None, None, None)


def test_exception_classes_are_the_modules(m):
    """`Fail` is the module's own class: catchable from outside, subclass kept."""
    with pytest.raises(m.native.Fail):
        m.native.raise_class(1)
    with pytest.raises(m.native.Sub) as info:
        m.native.raise_instance(3)
    assert info.value.args == ("bad value", 3)


N = LEAK_CALLS


@pytest.mark.parametrize("name,args", [
    ("raise_class", (1,)), ("raise_instance", (3,)), ("raise_from", (5,)), ("raise_cause", ("a", KeyError("b"))),
    ("raise_any", (object(),)), ("bare_raise", ()), ("divide", (1, 0)), ("divide", ("a", 1)),
    ("count_failures", ([1, -2, 3, "x"] * 3,)), ("exc_info_inside", ([1],)), ("context_chain", ("x",)),
    ("reraise", (0,)), ("reraise_named", (9,)), ("name_unbound", ("v",)), ("maybe_unbound", (0,)),
    ("finally_overrides", ([2],)), ("finally_order", (6,)), ("finally_on_error", ("x",)), ("nested", (1,)),
    ("error_in_else", (1,)), ("error_in_finally", ("q",)), ("bare_except", (None,)), ("unmatched", (0,)),
    ("handler_restores", ("h",)), ("loop_catch", (12,)), ("return_in_except", ([3],)), ("convert_error", ("z",)),
    ("break_in_except", ([1, 0, 2],)), ("continue_in_finally_loop", (9,)), ("typed_try", (1, 0)),
    ("catch_everything", (int, "x")), ("catch_with", ((KeyError, "x"), 0)), ("catch_with", ((KeyError, ArithmeticError), 0)),
    ("typed_finally", (9,)), ("nested_loops", ([2, 0, 1],)), ("deep", (20,)), ("fstring_mixed", ("ab", 4, 1.5)),
    ("fstring_conversions", (BadRepr(),)), ("fstring_nested", (2.5, "x", 1)), ("fstring_spec", (BadFormat(),)),
    ("fstring_in_raise", (-2,)), ("comp_pairs", ([1, 2, 3], [3, 4])), ("comp_pairs", ([1], 5)), ("comp_dict", ({"a": 1, "b": None},)),
    ("comp_nested", ([[1], 2],)), ("comp_join", (["a", 1],)), ("comp_sorted_gen", ([3, "x"],)), ("comp_in_try", ([1, 0],)),
    ("comp_scope", ("s",)), ("value_or", ("", [1])), ("value_or", (BadBool(), 1)), ("value_if", ([], "a", [2])),
    ("value_chain", (0, 2, [], 5)), ("value_in_loop", (["", [1], BadBool()],)),
])
def test_no_leak_and_arguments_keep_their_refcounts(m, name, args):
    f = getattr(m.native, name)
    own = [a for a in args if not (a is None or type(a) is int and -5 <= a <= 256)]
    refs = [sys.getrefcount(a) for a in own]
    grown = growth(lambda: attempt(f, *args))
    assert grown < N // 10, "%s: %d blocks more after %d calls" % (name, grown, N)
    assert [sys.getrefcount(a) for a in own] == refs
    assert sys.exc_info() == (None, None, None)


def test_newton_example(pyc):
    """examples/newton.py: a custom exception raised and caught in a loop."""
    p = pyc.pair((ROOT / "examples" / "newton.py").read_text())
    for name in ("newton_root", "roots", "total_of_roots"):
        p.assert_native(name)
    values = [2.0, 9.0, 1e150, 1e300, 0.25, 0.0, -4.0, float("nan"), float("inf")]
    for k, steps in [(2, 60), (3, 40), (2, 3), (5, 100)]:
        assert describe(p.native, "roots", values, k, steps) == describe(p.py, "roots", values, k, steps)
    # A str for a `double` parameter: TypeError both ways (the compiled call
    # converts it on entry, with Cython's message, and Python fails later).
    assert describe(p.native, "roots", [1.0, "x"], 2, 5)[:2] == describe(p.py, "roots", [1.0, "x"], 2, 5)[:2] == ("raised", "TypeError")
    for args in [(1000, 3, 40), (50, 2, 5), (0, 2, 5), (10, 1, 5)]:
        assert describe(p.native, "total_of_roots", *args) == describe(p.py, "total_of_roots", *args)
    assert describe(p.native, "newton_root", 1e100, 3, 3) == describe(p.py, "newton_root", 1e100, 3, 3)
    grown = growth(lambda: p.native.roots([2.0, 1e150, 1e300], 2, 60))
    assert grown < N // 10
