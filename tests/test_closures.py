"""Closures, nested functions and lambdas in compiled functions (issue 12):
captured variables live in cells (late binding, `nonlocal` writes, loops
sharing one cell), nested `def`s and `lambda`s are real Python functions
made where they run (defaults per function object, decorators, names,
`__closure__`), every error CPython's own; results against CPython, and
no leaks on normal or error paths."""

import sys
import types

import pytest

from conftest import LEAK_CALLS, attempt, growth

NATIVE = ["count", "accumulator", "late_binding", "rebound_after", "early_defaults", "three_deep",
          "sort_keys", "decorated", "names", "closure_cells", "unbound_free", "unbound_own",
          "inner_arguments", "per_object_defaults", "kwdefaults_and_annotations", "recursive_inner",
          "param_captured", "closure_raises", "make_counter", "gen_inside", "failing_def", "scaled", "sorted_rows",
          "make_adder_chain", "inner_walrus_and_with"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("closures")


@pytest.mark.parametrize("name", NATIVE)
def test_compiled(m, name):
    m.assert_native(name)


def test_differential(m):
    m.assert_same("count", [(0, 0), (0, 3), (5, 1), (2 ** 70, 2), (1.5, 2), ("a", 1)], native=True, exact=True)
    m.assert_same("accumulator", [([],), ([1, 2],), ("abc",)], exact=True)
    m.assert_same("late_binding", [0, 1, 3], exact=True)
    m.assert_same("rebound_after", [4, "s", None], exact=True)
    m.assert_same("early_defaults", [0, 3], exact=True)
    m.assert_same("three_deep", [1, -5, 2.5, "x"], exact=True)
    m.assert_same("sort_keys", [([(2, "a"), (1, "b"), (2, "0")], 0), ([(2, "a"), (1, "b")], 1), ([(1,)], 3)], exact=True)
    m.assert_same("decorated", [3, -1, "ab"], exact=True)
    m.assert_same("closure_cells", [7, None, [1]], exact=True)
    m.assert_same("per_object_defaults", [0, 1, 3], exact=True)
    m.assert_same("kwdefaults_and_annotations", [1.5, None], exact=True)
    m.assert_same("recursive_inner", [0, 1, 10, 15], exact=True)
    m.assert_same("param_captured", [(1,), (2, 5), ("a", "b")], exact=True)
    m.assert_same("closure_raises", [1, 0, -1], exact=True)
    m.assert_same("gen_inside", [0, 4], exact=True)
    m.assert_same("sorted_rows", [([[3, 1, 2], []], 1), ([[3, 1, 2]], -1), ([[1, "a"]], 1)], exact=True)
    m.assert_same("make_adder_chain", [0, 3], exact=True)
    m.assert_same("inner_walrus_and_with", [([],), ([1, 2, 3],), ([0],), (["ab"],)], exact=True)
    m.assert_same("captured_walrus", [([],), ([1, 2],)], native=False, exact=True)
    m.assert_same("captured_with", [1, None], native=False, exact=True)
    m.assert_same("failing_def", [0, 2, "s"], exact=True)
    # `k` is a C double, as in Cython: the closure sees it converted.
    m.assert_values("scaled", [(([1, 2.5], 2), ([2.0, 5.0], 2.0)), (([], -1.5), ([], -1.5)),
                               (([1], "x"), (TypeError, "must be real number, not str"))])


def test_names_and_qualnames(m):
    m.assert_same("names", [()], exact=True)
    inner, inner_q, lam, lam_q, same_module, defaults, first = m.native.names()
    assert (inner, inner_q, lam, lam_q) == ("inner", "names.<locals>.inner", "<lambda>", "names.<locals>.<lambda>")
    assert same_module and defaults is None
    inc = m.native.make_counter(1)
    # A native body: the module's function type (test_nested_native.py).
    assert type(inc).__name__ == "pyc_aot_function", m.fallback_reason("make_counter.<locals>.inc")
    assert inc.__qualname__ == "make_counter.<locals>.inc" and inc.__module__ == m.native.__name__
    assert inc.__code__.co_filename == m.py.make_counter(1).__code__.co_filename
    assert inc.__code__.co_firstlineno == m.py.make_counter(1).__code__.co_firstlineno
    assert type(m.native.Box.__dict__["adder"]).__name__ == "pyc_aot_function", m.fallback_reason("Box.adder")
    add = m.native.Box(2).adder()
    assert add.__qualname__ == "Box.adder.<locals>.add" and add(3) == 5


def test_closure_cells(m):
    inc = m.native.make_counter(10)
    (cell,) = inc.__closure__
    assert type(cell).__name__ == "cell" and inc.__code__.co_freevars == ("c",)
    assert cell.cell_contents == 10
    assert inc() == 11 and cell.cell_contents == 11
    cell.cell_contents = 100
    assert inc() == 101
    assert m.native.closure_cells(3) == m.py.closure_cells(3)


def test_late_binding_and_nonlocal(m):
    assert m.native.late_binding(3) == [102, 102, 102]
    assert m.native.rebound_after(4) == (4, 8)
    assert m.native.three_deep(1) == m.py.three_deep(1)


def test_errors_are_cpythons(m):
    # Each version's own messages: the interpreted module says what they are.
    m.assert_same("unbound_free", [()], exact=True)
    m.assert_same("unbound_own", [()], exact=True)
    if sys.version_info >= (3, 11):
        assert m.native.unbound_free()[0] == (
            "NameError", "cannot access free variable 'later' where it is not associated with a value in enclosing scope")
        assert m.native.unbound_own()[:2] == (
            "UnboundLocalError", "cannot access local variable 'later' where it is not associated with a value")
    else:
        assert m.native.unbound_free()[0] == ("NameError", "free variable 'later' referenced before assignment in enclosing scope")
        assert m.native.unbound_own()[:2] == ("UnboundLocalError", "local variable 'later' referenced before assignment")
    m.assert_same("inner_arguments", [0, 1, 2, 3], exact=True)
    with pytest.raises(TypeError) as e:
        m.native.inner_arguments(0)
    assert "missing 1 required keyword-only argument: 'c'" in str(e.value)
    with pytest.raises(ValueError, match="negative: -2"):
        m.native.closure_raises(-2)


def test_tracebacks_point_at_the_source(m):
    import traceback
    try:
        m.native.closure_raises(-1)
    except ValueError as e:
        frames = traceback.extract_tb(e.__traceback__)
    inner = [f for f in frames if f.name == "check"]
    assert inner and inner[0].filename.endswith(".py"), frames
    assert inner[0].line == 'raise ValueError("negative: %d" % x)'


def test_what_stays_python_is_reported(m):
    err = m.build.stderr
    assert "function `comp_lambdas` left to Python: it makes a lambda using the comprehension's variable `i`" in err
    assert "function `awaits_inside` left to Python: a nested function uses `await`" in err
    assert isinstance(m.native.comp_lambdas, types.FunctionType)
    assert m.native.comp_lambdas(3) == [2, 2, 2]
    assert isinstance(m.native.awaits_inside, types.FunctionType)
    assert "function `typed_rebound` left to Python: a nested function captures `n`, which is declared cython.int" in err
    assert m.native.typed_rebound(1) == 2
    assert "function `captured_walrus` left to Python: a nested function captures `n`, which is bound by `:=` here" in err
    assert "function `captured_with` left to Python: a nested function captures `got`, which is bound by `with … as` here" in err


def test_no_leaks(m):
    nat = m.native
    inc = nat.make_counter(0)
    assert growth(lambda: nat.count(0, 3)) < LEAK_CALLS // 10
    assert growth(lambda: inc()) < LEAK_CALLS // 10
    assert growth(lambda: nat.late_binding(3)) < LEAK_CALLS // 10
    assert growth(lambda: nat.decorated(2)) < LEAK_CALLS // 10
    assert growth(lambda: nat.kwdefaults_and_annotations(1.0)) < LEAK_CALLS // 10
    assert growth(lambda: nat.three_deep(1)) < LEAK_CALLS // 10
    assert growth(lambda: nat.sort_keys([(2, "a"), (1, "b")], 0)) < LEAK_CALLS // 10
    # Error paths: an empty cell read, a raising closure, bad arguments.
    assert growth(lambda: nat.unbound_own()) < LEAK_CALLS // 10
    assert growth(lambda: nat.unbound_free()) < LEAK_CALLS // 10
    assert growth(lambda: attempt(nat.closure_raises, -1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(nat.inner_arguments, 3)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(nat.sort_keys, [(1,)], 3)) < LEAK_CALLS // 10
    assert growth(lambda: nat.failing_def(0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(nat.failing_def, "s")) < LEAK_CALLS // 10
