"""Control flow: if/elif/else, while, for-range (all forms), break/continue,
for-else/while-else, return, pass, assert, raise, unbound locals, tuple
assignment and swaps, augmented assignment."""

import pytest

from conftest import FLOATS, INT64_MAX, INT64_MIN, INTS, grid

SMALL = list(range(-6, 7))


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("control")


def test_while_if_else(m):
    m.assert_same("collatz", [(n,) for n in list(range(1, 40)) + [27, 97, 871, 2 ** 40 + 1]])


def test_if_elif_else(m):
    m.assert_same("classify", [(x,) for x in INTS + list(range(-2, 15))])
    m.assert_same("classify_f", [(x,) for x in FLOATS])


def test_range_one_and_two_args(m):
    m.assert_same("range1", [(n,) for n in [-5, -1, 0, 1, 2, 10, 1000]])
    m.assert_same("range2", grid(range(-8, 9, 2), range(-8, 9, 3)))


def test_range_with_runtime_steps(m):
    steps = [-5, -3, -2, -1, 1, 2, 3, 7]
    m.assert_same("range3", grid(range(-10, 11, 3), range(-10, 11, 4), steps))
    m.assert_same("range_last", grid(range(-10, 11, 5), range(-10, 11, 5), steps))


def test_range_step_zero(m):
    m.assert_same("range3", [(0, 10, 0), (5, 5, 0), (0, -1, 0)])
    m.assert_values("range3", [((0, 10, 0), (ValueError, "range() arg 3 must not be zero"))])


def test_empty_ranges(m):
    m.assert_same("range_count", [(0, 0, 1), (5, 0, 1), (0, 5, -1), (3, 3, -2), (-1, -5, 2)])
    m.assert_values("range_count", [((5, 0, 1), 0), ((0, 5, -1), 0)])


def test_range_near_int64_limits(m):
    # The loop counter must not overflow past the end of the range.
    cases = [(INT64_MAX - 4, INT64_MAX - 1, 2), (INT64_MAX - 2, INT64_MAX, 1),
             (INT64_MIN + 3, INT64_MIN, -2), (INT64_MIN + 1, INT64_MIN, -1),
             (0, INT64_MAX, 2 ** 62), (INT64_MIN, INT64_MAX, 2 ** 62),
             (INT64_MAX, INT64_MIN, -(2 ** 62)), (INT64_MIN, INT64_MAX, INT64_MAX),
             (INT64_MAX, INT64_MIN, INT64_MIN), (INT64_MAX - 1, INT64_MAX, INT64_MAX),
             (-5, 5, INT64_MAX), (5, -5, INT64_MIN)]
    m.assert_same("range_count", cases)
    m.assert_same("range_last", cases)


def test_unrolled_constant_step_ranges_near_limits(m):
    ends = [0, 1, 2, 3, 4, 7]
    cases = [(a, b) for a in range(-3, 9) for b in range(-3, 9)]
    cases += [(INT64_MAX - d, INT64_MAX - e) for d in ends for e in ends]
    cases += [(INT64_MIN + d, INT64_MIN + e) for d in ends for e in ends]
    cases += [(INT64_MIN, INT64_MIN + 5), (INT64_MAX - 5, INT64_MAX)]
    m.assert_same("range_step1_trace", cases)
    m.assert_same("range_step3_trace", cases)


def test_range_negative_literal_step(m):
    m.assert_same("range_neg_literal", [(n,) for n in [-3, -1, 0, 1, 5, 20]])


def test_loop_variable_after_loop_and_unbound(m):
    # for n <= 0 the loop never binds i: UnboundLocalError with CPython's message
    m.assert_same("last_i", [(n,) for n in [-2, 0, 1, 5]])
    m.assert_same("unbound", [(True,), (False,)])
    m.assert_same("unbound_twice", [(True,), (False,)])
    m.assert_same("unbound_in_loop", [(n,) for n in range(0, 9)])
    m.assert_same("unbound_after_while", [(n,) for n in [-1, 0, 1, 4]])
    for name in ("unbound", "unbound_twice", "unbound_in_loop", "unbound_after_while"):
        m.assert_native(name)


def test_for_else_and_while_else(m):
    m.assert_same("for_else", grid(range(0, 6), range(-1, 7)))
    m.assert_same("while_else", grid(range(0, 6), range(-1, 7)))


def test_break_continue(m):
    m.assert_same("continue_loops", [(n,) for n in range(0, 20)])
    m.assert_same("nested", [(n,) for n in range(0, 12)])
    m.assert_same("early_exit_nested", [(n,) for n in range(0, 10)])
    m.assert_same("while_one", [(n,) for n in [-1, 0, 1, 2, 50]])
    m.assert_same("isqrt_loop", [(n,) for n in [0, 1, 2, 3, 4, 15, 16, 17, 10 ** 6]])


def test_range_evaluated_once_and_loop_var_rebinding(m):
    m.assert_same("modify_loop_var", [(n,) for n in range(0, 8)])
    m.assert_same("modify_bound", [(n,) for n in range(-2, 8)])
    m.assert_same("empty_body_loops", [(n,) for n in [-1, 0, 3]])


def test_assert(m):
    m.assert_same("asserts", [(x,) for x in [-1, 0, 1, 2, 3, 4, 5, 99, 100, 1000]])
    m.assert_values("asserts", [((3,), (AssertionError, "x must not be 3")),
                                ((4,), (AssertionError, "")), ((5,), 5)])


def test_raise_builtin_exceptions(m):
    m.assert_same("raises", [(x,) for x in range(-1, 11)])


def test_tuple_assignment_and_swaps(m):
    m.assert_same("fib", [(n,) for n in [0, 1, 2, 10, 50, 91]])
    # fib(92) fits in 64 bits but the loop's last `a + b` (fib(93)) does not:
    # an intermediate beyond 64 bits raises (documented difference).
    m.assert_values("fib", [((92,), OverflowError), ((93,), OverflowError)])
    m.assert_same("rotate3", grid(range(0, 10, 3), range(0, 10, 4), range(0, 10, 5)))
    m.assert_same("swap_float", grid(FLOATS[:10], FLOATS[8:]))
    m.assert_same("gcd", grid([0, 1, 12, -18, 35, 2 ** 40, INT64_MAX], [0, 1, 8, -30, 49, 2 ** 20]))


def test_conditional_expressions(m):
    m.assert_same("bool_param", grid([True, False], [0, 5, -7, INT64_MIN]))
    m.assert_same("ternary_chain", [(x,) for x in range(0, 15)])


def test_augmented_assignment(m):
    m.assert_same("aug_int", grid(SMALL + [1000, -999], SMALL))
    m.assert_same("aug_float", grid(FLOATS, [0.0, -1.5, 2.0, 1e300]))


def test_float_accumulation(m):
    m.assert_same("sum_floats", [(n,) for n in [0, 1, 10, 1000]])


def test_local_reassignment(m):
    m.assert_same("local_reassigned", [(a,) for a in [-3, 0, 5, 6, 100]])


def test_chained_assignment(m):
    m.assert_same("chained_assign", [(0,), (3,), (-7,)])


def test_falling_off_the_end_of_a_typed_function(m):
    # Documented difference: CPython returns None; compiled raises TypeError
    # naming the function (the native return type has no None).
    m.assert_values("falls_off_end", [((5,), 1)])
    with pytest.raises(TypeError, match="falls_off_end"):
        m.native.falls_off_end(-1)


def test_assert_still_checked_under_python_O(m):
    from conftest import load_snippet, run_python
    code = load_snippet(m.build.so, m.native.__name__) + (
        "try:\n    m.asserts(3)\n    print('NOT RAISED')\n"
        "except AssertionError as e:\n    print('RAISED', e)\n")
    p = run_python(code, flags=["-O"])
    assert p.returncode == 0, p.stderr
    assert "RAISED x must not be 3" in p.stdout, p.stdout
