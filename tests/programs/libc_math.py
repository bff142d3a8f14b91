"""C math through cimport: C (IEEE) semantics, never raises."""
import cython
from cython.cimports.libc.math import (sqrt, sin, cos, tan, asin, acos, atan, atan2,
                                       sinh, cosh, tanh, asinh, acosh, atanh, exp, exp2,
                                       expm1, log, log2, log10, log1p, pow, fabs, floor,
                                       ceil, trunc, round, fmod, fmin, fmax, hypot,
                                       copysign, cbrt, erf, erfc, tgamma, lgamma, isnan,
                                       isinf, isfinite, M_PI, M_E, INFINITY, NAN, HUGE_VAL)


def c_sqrt(x: cython.double) -> cython.double:
    return sqrt(x)


def c_sin(x: cython.double) -> cython.double:
    return sin(x)


def c_cos(x: cython.double) -> cython.double:
    return cos(x)


def c_tan(x: cython.double) -> cython.double:
    return tan(x)


def c_asin(x: cython.double) -> cython.double:
    return asin(x)


def c_acos(x: cython.double) -> cython.double:
    return acos(x)


def c_atan(x: cython.double) -> cython.double:
    return atan(x)


def c_sinh(x: cython.double) -> cython.double:
    return sinh(x)


def c_cosh(x: cython.double) -> cython.double:
    return cosh(x)


def c_tanh(x: cython.double) -> cython.double:
    return tanh(x)


def c_asinh(x: cython.double) -> cython.double:
    return asinh(x)


def c_acosh(x: cython.double) -> cython.double:
    return acosh(x)


def c_atanh(x: cython.double) -> cython.double:
    return atanh(x)


def c_exp(x: cython.double) -> cython.double:
    return exp(x)


def c_exp2(x: cython.double) -> cython.double:
    return exp2(x)


def c_expm1(x: cython.double) -> cython.double:
    return expm1(x)


def c_log(x: cython.double) -> cython.double:
    return log(x)


def c_log2(x: cython.double) -> cython.double:
    return log2(x)


def c_log10(x: cython.double) -> cython.double:
    return log10(x)


def c_log1p(x: cython.double) -> cython.double:
    return log1p(x)


def c_fabs(x: cython.double) -> cython.double:
    return fabs(x)


def c_floor(x: cython.double) -> cython.double:
    return floor(x)


def c_ceil(x: cython.double) -> cython.double:
    return ceil(x)


def c_trunc(x: cython.double) -> cython.double:
    return trunc(x)


def c_round(x: cython.double) -> cython.double:
    return round(x)


def c_cbrt(x: cython.double) -> cython.double:
    return cbrt(x)


def c_erf(x: cython.double) -> cython.double:
    return erf(x)


def c_erfc(x: cython.double) -> cython.double:
    return erfc(x)


def c_tgamma(x: cython.double) -> cython.double:
    return tgamma(x)


def c_lgamma(x: cython.double) -> cython.double:
    return lgamma(x)


def c_atan2(y: cython.double, x: cython.double) -> cython.double:
    return atan2(y, x)


def c_pow(x: cython.double, y: cython.double) -> cython.double:
    return pow(x, y)


def c_fmod(x: cython.double, y: cython.double) -> cython.double:
    return fmod(x, y)


def c_fmin(x: cython.double, y: cython.double) -> cython.double:
    return fmin(x, y)


def c_fmax(x: cython.double, y: cython.double) -> cython.double:
    return fmax(x, y)


def c_hypot(x: cython.double, y: cython.double) -> cython.double:
    return hypot(x, y)


def c_copysign(x: cython.double, y: cython.double) -> cython.double:
    return copysign(x, y)


def c_isnan(x: cython.double) -> cython.bint:
    return isnan(x)


def c_isinf(x: cython.double) -> cython.bint:
    return isinf(x)


def c_isfinite(x: cython.double) -> cython.bint:
    return isfinite(x)


def c_consts() -> cython.double:
    return M_PI * 1000.0 + M_E


def c_inf() -> cython.double:
    return INFINITY


def c_huge() -> cython.double:
    return -HUGE_VAL


def c_nan() -> cython.double:
    return NAN


def c_norm(x: cython.double, y: cython.double) -> cython.double:
    return sqrt(x * x + y * y)
