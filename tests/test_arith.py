"""Arithmetic, division/modulo/power semantics over grids of edge values,
compiled vs. plain CPython."""

import pytest

from conftest import FLOATS, INF, INT64_MAX, INT64_MIN, INTS, NAN, grid, load_snippet, run_python

# INT64_MIN // -1 and INT64_MIN % -1 trap (SIGFPE) in a naive x86 idiv:
# they are checked in a subprocess below, and kept out of in-process grids.
TRAPS = {(INT64_MIN, -1)}
IGRID = [p for p in grid(INTS, INTS) if p not in TRAPS]
FGRID = grid(FLOATS, FLOATS)
SMALL = list(range(-12, 13))


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("arith")


@pytest.mark.parametrize("fname", ["add", "sub", "mul", "band", "bor", "bxor"])
def test_int_binops(m, fname):
    m.assert_same(fname, IGRID)


def test_int_truediv_is_correctly_rounded(m):
    # CPython's int / int is correctly rounded even above 2**53
    # ((2**53 + 1) / 3 != float(2**53 + 1) / 3).
    m.assert_same("truediv", IGRID + [(2 ** 53 + 1, 3), (2 ** 62 + 1, 2 ** 31 - 1), (-(2 ** 53) - 3, 7)])


@pytest.mark.parametrize("fname", ["floordiv", "mod"])
def test_int_floordiv_mod_signs_and_zero(m, fname):
    m.assert_same(fname, IGRID + grid(SMALL, SMALL))


@pytest.mark.parametrize("fname", ["neg", "pos", "invert"])
def test_int_unary(m, fname):
    m.assert_same(fname, [(a,) for a in INTS])


def test_int_pow_nonnegative_exponents(m):
    exps = [0, 1, 2, 3, 5, 10, 31, 32, 62, 63, 64, 100, 2 ** 62, INT64_MAX]
    cases = [(a, b) for a, b in grid(INTS, exps) if abs(a) <= 1 or b <= 200]
    m.assert_same("ipow", cases + grid(SMALL, range(0, 20)))


def test_int_pow_extremes(m):
    m.assert_values("ipow", [
        ((-2, 63), INT64_MIN),          # fits exactly
        ((2, 63), OverflowError),
        ((-1, INT64_MAX), -1),          # must not loop 2**63 times
        ((1, INT64_MAX), 1),
        ((0, 0), 1),
        ((0, INT64_MAX), 0),
        ((3, 39), 3 ** 39),
        ((3, 40), OverflowError),
    ])


def test_int_pow_negative_runtime_exponent_is_valueerror(m):
    # Documented difference: CPython gives a float, pyc-aot raises ValueError.
    m.assert_values("ipow", [((2, -1), ValueError), ((1, -5), ValueError),
                             ((0, -1), ValueError), ((-3, -2), ValueError)])


def test_int_pow_negative_literal_gives_float(m):
    m.assert_same("pow_neg_literal", [(a,) for a in INTS[:12]] + [(0,)])


def test_int_pow_const_base(m):
    m.assert_same("pow_const_base", [(b,) for b in range(0, 45)])


@pytest.mark.parametrize("fname", ["lshift", "rshift"])
def test_shifts(m, fname):
    shifts = [0, 1, 2, 31, 32, 62, 63, 64, 65, 100, 1000, -1, -64, INT64_MIN]
    m.assert_same(fname, grid(INTS, shifts))


def test_shift_edge_values(m):
    m.assert_values("lshift", [((0, 100), 0), ((-1, 63), INT64_MIN), ((1, 63), OverflowError),
                               ((1, 62), 2 ** 62), ((3, -1), (ValueError, "negative shift count"))])
    m.assert_values("rshift", [((-1, 100), -1), ((INT64_MIN, 63), -1), ((INT64_MIN, 64), -1),
                               ((INT64_MAX, 64), 0), ((5, -1), (ValueError, "negative shift count"))])


@pytest.mark.parametrize("fname", ["fadd", "fsub", "fmul", "fdiv"])
def test_float_binops(m, fname):
    m.assert_same(fname, FGRID)


@pytest.mark.parametrize("fname", ["ffloordiv", "fmod"])
def test_float_floordiv_mod(m, fname):
    # e.g. 1.0 // 0.1 == 9.0, -1.0 // inf == -1.0, -1.0 % inf == inf,
    # -0.0 % 5.0 == 0.0, x % -0.0 raises 'float modulo'.
    extra = [(1.0, 0.1), (-1.0, 0.1), (0.3, 0.1), (7.0, -2.0), (-7.0, 2.0), (-7.0, -2.0),
             (1e308, 1e-308), (5.0, -INF), (-5.0, INF), (0.0, -3.0), (-0.0, -3.0)]
    m.assert_same(fname, FGRID + extra)


def test_float_pow(m):
    # OverflowError's message is CPython's odd "(34, 'Numerical result out of
    # range')": only the type is compared.  Results CPython would make complex
    # must raise ValueError (documented difference).
    extra = [(0.0, -1.0), (-0.0, -1.0), (-0.0, -3.0), (-8.0, 1.0 / 3.0), (-2.0, 0.5),
             (10.0, 400.0), (-10.0, 401.0), (2.0, -1100.0), (1.0, NAN), (NAN, 0.0)]
    m.assert_same("fpow", FGRID + extra, loose_types=(OverflowError,))


@pytest.mark.parametrize("fname", ["fneg", "fpos", "poly"])
def test_float_unary(m, fname):
    m.assert_same(fname, [(x,) for x in FLOATS])


@pytest.mark.parametrize("fname", ["mixed_add", "mixed_mul", "mixed_div", "mixed_mod"])
def test_mixed_int_float(m, fname):
    m.assert_same(fname, grid(INTS, FLOATS))


@pytest.mark.parametrize("fname", ["mixed_sub", "mixed_floordiv"])
def test_mixed_float_int(m, fname):
    m.assert_same(fname, grid(FLOATS, INTS))


def test_float_pow_int(m):
    m.assert_same("float_pow_int", grid(FLOATS, [0, 1, 2, 3, -1, -2, 63, -1075, 1025, INT64_MAX, INT64_MIN]),
                  loose_types=(OverflowError,))


def test_int_expressions(m):
    m.assert_same("int_expr", grid(INTS[:14], INTS[:14]))
    m.assert_same("precedence", grid(SMALL[::3], SMALL[::2], SMALL[::4]))


def test_float_args_accept_ints(m):
    # A float parameter converts an int argument to float, like Cython.
    m.assert_values("fadd", [((1, 2), 3.0), ((2 ** 53 + 1, 0.0), float(2 ** 53 + 1)),
                             ((True, 1.0), 2.0), ((2 ** 100, 0.0), float(2 ** 100)),
                             ((2 ** 1024, 0.0), OverflowError), (("1", 0.0), TypeError),
                             ((None, 0.0), TypeError)])


def test_int_args_out_of_int64_range(m):
    m.assert_values("add", [((2 ** 63, 0), OverflowError), ((-(2 ** 63) - 1, 0), OverflowError),
                            ((True, True), 2), ((2.0, 1), TypeError)])


@pytest.mark.parametrize("op,expect", [
    ("floordiv", OverflowError),   # 2**63 does not fit
    ("mod", 0),
])
def test_int64_min_by_minus_one_does_not_trap(pyc, m, op, expect):
    """INT64_MIN // -1 and % -1 must not crash the interpreter (SIGFPE)."""
    code = load_snippet(m.build.so, m.native.__name__) + (
        "try:\n"
        "    r = m.%s(%d, -1)\n"
        "    print('RESULT', type(r).__name__, r)\n"
        "except Exception as e:\n"
        "    print('RAISED', type(e).__name__)\n" % (op, INT64_MIN))
    p = run_python(code)
    assert p.returncode == 0, "crashed with %d: %s" % (p.returncode, p.stderr[-2000:])
    if isinstance(expect, type):
        assert "RAISED %s" % expect.__name__ in p.stdout, p.stdout
    else:
        assert "RESULT int %d" % expect in p.stdout, p.stdout


POW2_EDGES = sorted({s * (2 ** k + d) for k in range(0, 63) for d in (-1, 0, 1) for s in (1, -1)}
                    | {INT64_MAX, INT64_MIN, 0, -5, -6, 256, 257})


def test_int_boxing_unboxing_at_digit_boundaries(m):
    # 30-bit digits: 1, 2 and 3 digit values, negatives, small-int cache edges
    m.assert_same("pos", [(a,) for a in POW2_EDGES])
    m.assert_same("neg", [(a,) for a in POW2_EDGES])


def test_int_and_float_subclass_arguments(m):
    class I(int):
        pass

    class F(float):
        pass

    import enum

    class E(enum.IntEnum):
        A = 7

    m.assert_values("add", [((I(5), I(-2 ** 40)), 5 - 2 ** 40), ((E.A, 1), 8)])
    m.assert_values("fadd", [((F(1.5), F(-0.0)), 1.5), ((F(-0.0), -0.0), -0.0)])
    r = m.native.add(I(1), I(2))
    assert type(r) is int


# Strength reduction and algebraic shortcuts must keep CPython's results:
# x ** 2 raises OverflowError where x * x is inf, x ** 0.5 is not sqrt(x) for
# -0.0 and -inf, x * 0.0 is not 0.0 for inf/nan/negatives, x - x is nan for
# inf, x // 2 is not a plain shift for negative x, ...
@pytest.mark.parametrize("fname", ["fpow_lit2", "fpow_lit3", "fpow_lit_half", "fpow_lit_neg1",
                                   "fpow_lit0", "fpow_lit1", "fpow_lit_neg2", "mul_by_zero", "mul_by_two", "two_times",
                                   "add_zero", "sub_zero", "self_sub", "self_div", "self_eq",
                                   "double_neg", "float_div_const", "float_floordiv_const"])
def test_float_constant_folding_pitfalls(m, fname):
    m.assert_same(fname, [(x,) for x in FLOATS + [1e200, -1e200, 1e103, -1e103, 1e155, 2.0 ** 512]],
                  loose_types=(OverflowError,))


@pytest.mark.parametrize("fname", ["ipow_lit2", "ipow_lit3", "ipow_lit0", "int_self_sub",
                                   "int_mul_two", "int_div_two", "int_mod_two", "int_div_neg_pow2",
                                   "int_mod_pow2", "int_mod_neg_const", "int_div_const"])
def test_int_constant_operand_pitfalls(m, fname):
    m.assert_same(fname, [(a,) for a in POW2_EDGES + list(range(-20, 21))])


# `a + c` / `a - c` with a constant c test `a` against a bound instead of the
# sum's overflow flag: every constant's edges, against CPython (a result
# outside 64 bits is OverflowError).
CONSTS = [0, 1, -1, 7, -7, 2 ** 31, -(2 ** 31), 2 ** 62, -(2 ** 62), 2 ** 63 - 1, -(2 ** 63)]
CONST_SOURCE = "\n".join(
    "def add_%d(a: int) -> int:\n    return a + (%d)\n\n\ndef sub_%d(a: int) -> int:\n    return a - (%d)\n" % (k, c, k, c)
    for k, c in enumerate(CONSTS))


def test_int_plus_minus_constant_at_every_edge(pyc):
    m = pyc.pair(CONST_SOURCE, stem="int_consts")
    edges = sorted({v for c in CONSTS for d in (-1, 0, 1)
                    for v in (INT64_MAX - c + d, INT64_MIN - c + d, INT64_MAX + c + d, INT64_MIN + c + d, c + d)
                    if INT64_MIN <= v <= INT64_MAX})
    for k in range(len(CONSTS)):
        m.assert_same("add_%d" % k, [(v,) for v in edges])
        m.assert_same("sub_%d" % k, [(v,) for v in edges])
