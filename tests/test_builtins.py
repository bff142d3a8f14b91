"""abs, min, max, int(), float(), bool(), round() against CPython."""

import pytest

from conftest import FLOATS, INF, INT64_MAX, INT64_MIN, INTS, NAN, grid

ROUND_FLOATS = FLOATS + [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999999999999994,
                         4503599627370497.0, 2.0 ** 62, 2.0 ** 63, -(2.0 ** 63), 1e19,
                         9.223372036854775e18, -9.223372036854776e18]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("builtins_")


def test_abs(m):
    m.assert_same("abs_i", [(a,) for a in INTS])   # abs(-2**63) overflows (documented)
    m.assert_same("abs_f", [(x,) for x in FLOATS])
    m.assert_same("abs_diff", grid(INTS[:10], INTS[:10]))


@pytest.mark.parametrize("fname", ["min2_i", "max2_i"])
def test_min_max_int(m, fname):
    m.assert_same(fname, grid(INTS, INTS))


@pytest.mark.parametrize("fname", ["min3_i", "max3_i"])
def test_min_max3_int(m, fname):
    v = [-2, 0, 3, INT64_MIN, INT64_MAX]
    m.assert_same(fname, grid(v, v, v))


@pytest.mark.parametrize("fname", ["min2_f", "max2_f"])
def test_min_max_float_nan_and_signed_zero(m, fname):
    # Python's min/max keep the first of equal/unordered operands:
    # min(nan, 1.0) is nan, min(1.0, nan) is 1.0, min(0.0, -0.0) is 0.0.
    m.assert_same(fname, grid(FLOATS, FLOATS))


@pytest.mark.parametrize("fname", ["min3_f", "max3_f"])
def test_min_max3_float(m, fname):
    v = [-0.0, 0.0, 1.5, NAN, -INF]
    m.assert_same(fname, grid(v, v, v))


def test_clamp(m):
    m.assert_same("clamp", grid([-5.0, 0.5, 7.0, NAN], [0.0, NAN], [1.0, 10.0]))


def test_int_of_float(m):
    # int(nan) ValueError, int(inf) OverflowError, int(1e300) beyond 64 bits
    # OverflowError (documented)
    m.assert_same("int_f", [(x,) for x in ROUND_FLOATS])
    m.assert_values("int_f", [((NAN,), (ValueError, "cannot convert float NaN to integer")),
                              ((INF,), (OverflowError, "cannot convert float infinity to integer")),
                              ((-2.9,), -2), ((-(2.0 ** 63),), INT64_MIN)])


def test_int_float_bool_conversions(m):
    m.assert_same("int_i", [(a,) for a in INTS])
    m.assert_same("int_b", [(True,), (False,)])
    m.assert_same("float_i", [(a,) for a in INTS])
    m.assert_same("float_f", [(x,) for x in FLOATS])
    m.assert_same("bool_i", [(a,) for a in INTS])
    m.assert_same("bool_f", [(x,) for x in FLOATS])
    m.assert_values("bool_f", [((NAN,), True), ((-0.0,), False)])
    m.assert_same("int_float_roundtrip", [(a,) for a in INTS])


def test_round(m):
    # ties to even; round(inf) OverflowError, round(nan) ValueError
    m.assert_same("round_f", [(x,) for x in ROUND_FLOATS])
    m.assert_values("round_f", [((2.5,), 2), ((3.5,), 4), ((-0.5,), 0), ((0.49999999999999994,), 0)])
    m.assert_same("round_i", [(a,) for a in INTS])


def test_round_ndigits(m):
    vals = [0.125, 0.375, 2.675, -2.675, 1.005, 123456.789, -0.0, 0.0, 1e300, -1e-300,
            INF, -INF, NAN, 5e-324, 0.5, 1.5, 2.5, 1234.5]
    m.assert_same("round_nd", grid(vals, [-400, -3, -1, 0, 1, 2, 3, 10, 400]))
    m.assert_same("round2", [(x,) for x in vals])


def test_pow_builtin(m):
    m.assert_same("pow_ii", grid([-3, -1, 0, 1, 2, 10], [0, 1, 2, 5, 40]))
    m.assert_same("pow_ff", grid([0.0, -0.0, 2.0, -2.0, 0.5, INF, NAN], [0.0, -1.0, 0.5, 3.0, -INF]),
                  loose_types=(OverflowError,))
