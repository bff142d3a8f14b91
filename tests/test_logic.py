"""and/or value semantics and short-circuit, not, truthiness (NaN is true),
chained comparisons, exact int/float comparisons, and the documented
int/float mixing rules."""

import pytest

from conftest import FLOATS, INF, INT64_MAX, INT64_MIN, INTS, NAN, grid

TRI = [-2, -1, 0, 1, 2]
MIXED_INTS = INTS + [2 ** 53, 2 ** 53 + 2, 2 ** 63 - 512, 2 ** 63 - 1024, -(2 ** 63) + 1024]
MIXED_FLOATS = FLOATS + [2.0 ** 53, 2.0 ** 63, 9.223372036854775e18, -9.223372036854775e18,
                         2.0 ** 31, 1e19, -1e19, 0.9999999999999999]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("logic")


def test_and_or_ints_return_operands(m):
    m.assert_same("and_ii", grid(TRI + [INT64_MIN], TRI + [INT64_MAX]))
    m.assert_same("or_ii", grid(TRI + [INT64_MIN], TRI + [INT64_MAX]))
    m.assert_same("and3", grid(TRI, TRI, TRI))
    m.assert_same("or_and", grid(TRI, TRI, TRI))


def test_and_or_floats_nan_is_true(m):
    vals = [0.0, -0.0, 1.5, NAN, -INF, 5e-324]
    m.assert_same("and_ff", grid(vals, vals))
    m.assert_same("or_ff", grid(vals, vals))


def test_and_or_bools(m):
    m.assert_same("and_bb", grid([True, False], [True, False]))
    m.assert_same("or_bb", grid([True, False], [True, False]))
    m.assert_same("not_b", [(True,), (False,)])


def test_not_and_truthiness(m):
    m.assert_same("not_i", [(a,) for a in INTS])
    m.assert_same("not_f", [(x,) for x in FLOATS])
    m.assert_same("if_float", [(x,) for x in FLOATS])
    m.assert_values("not_f", [((NAN,), False), ((-0.0,), True)])
    m.assert_same("while_int_truth", [(a,) for a in [0, 1, 2, 255, 2 ** 40, INT64_MAX]])


def test_short_circuit(m):
    m.assert_same("short_and", grid([0, 5, -9, 100], [0, 2, -3]))
    m.assert_same("short_or", [(a,) for a in [0, 1, 3, 4, -1, -20]])
    m.assert_same("short_ternary", [(a,) for a in [0, 1, 3, -7]])
    m.assert_same("cond_and_in_if", grid([-10, -1, 0, 1, 4], [-1, 0, 1]))


def test_chained_comparisons(m):
    m.assert_same("chain_lt", grid(TRI, TRI, TRI))
    m.assert_same("chain_mixed", grid(TRI, TRI, TRI))
    m.assert_same("chain_long", grid(TRI, TRI, TRI))
    fv = [-INF, -1.0, -0.0, 0.0, 2.5, INF, NAN]
    m.assert_same("chain_f", grid(fv, fv, fv))


def test_chained_comparison_short_circuit_and_errors(m):
    m.assert_same("chain_short", grid([0, -3, 1, 4], [0, 3, 7, -8]))
    m.assert_same("chain_eval", grid([0, 5, 50, -5], [0, 1, 2, -1]))


@pytest.mark.parametrize("fname", ["eq_if", "ne_if", "lt_if", "le_if"])
def test_exact_int_float_comparisons(m, fname):
    # e.g. 2**53 + 1 == 2.0**53 is False; 2**63 - 1 < 2.0**63 is True.
    m.assert_same(fname, grid(MIXED_INTS, MIXED_FLOATS))


@pytest.mark.parametrize("fname", ["gt_fi", "ge_fi"])
def test_exact_float_int_comparisons(m, fname):
    m.assert_same(fname, grid(MIXED_FLOATS, MIXED_INTS))


def test_exact_comparison_spot_checks(m):
    m.assert_values("eq_if", [((2 ** 53 + 1, 2.0 ** 53), False), ((INT64_MAX, 2.0 ** 63), False),
                              ((2 ** 53, 2.0 ** 53), True)])
    m.assert_values("lt_if", [((INT64_MAX, 2.0 ** 63), True), ((2 ** 53 + 1, 2.0 ** 53), False)])


@pytest.mark.parametrize("fname", ["eq_ff", "lt_ff", "ne_ff"])
def test_float_comparisons(m, fname):
    m.assert_same(fname, grid(FLOATS, FLOATS))


def test_int_comparisons(m):
    m.assert_same("cmp_ii", grid(INTS, INTS))


def test_bool_arithmetic_gives_int(m):
    m.assert_same("bool_arith", grid([True, False], [True, False]))


def test_documented_int_float_mixing_gives_float(m):
    # Documented difference: these produce a float where CPython may keep the int.
    m.assert_values("max_if", [((3, 2.5), 3.0), ((1, 2.5), 2.5), ((-1, -0.5), -0.5)])
    m.assert_values("min_fi", [((2.5, 3), 2.5), ((2.5, 1), 1.0)])
    m.assert_values("or_if", [((3, 2.5), 3.0), ((0, 2.5), 2.5)])
    m.assert_values("and_if", [((3, 2.5), 2.5), ((0, 2.5), 0.0)])
    m.assert_values("cond_if", [((True, 7, 2.5), 7.0), ((False, 7, 2.5), 2.5)])
    m.assert_values("mixed_local", [((False,), 1.0), ((True,), 2.5)])
