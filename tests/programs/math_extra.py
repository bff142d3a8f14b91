"""The math module with CPython's error behaviour (more functions)."""
import math


def m_log2(x: float) -> float:
    return math.log2(x)


def m_log10(x: float) -> float:
    return math.log10(x)


def m_log1p(x: float) -> float:
    return math.log1p(x)


def m_expm1(x: float) -> float:
    return math.expm1(x)


def m_asin(x: float) -> float:
    return math.asin(x)


def m_acos(x: float) -> float:
    return math.acos(x)


def m_sinh(x: float) -> float:
    return math.sinh(x)


def m_cosh(x: float) -> float:
    return math.cosh(x)


def m_tanh(x: float) -> float:
    return math.tanh(x)


def m_asinh(x: float) -> float:
    return math.asinh(x)


def m_acosh(x: float) -> float:
    return math.acosh(x)


def m_atanh(x: float) -> float:
    return math.atanh(x)


def m_trunc(x: float) -> int:
    return math.trunc(x)


def m_fmod(x: float, y: float) -> float:
    return math.fmod(x, y)


def m_copysign(x: float, y: float) -> float:
    return math.copysign(x, y)


def m_isnan(x: float) -> bool:
    return math.isnan(x)


def m_isinf(x: float) -> bool:
    return math.isinf(x)


def m_isfinite(x: float) -> bool:
    return math.isfinite(x)


def m_erf(x: float) -> float:
    return math.erf(x)


def m_erfc(x: float) -> float:
    return math.erfc(x)


def m_degrees(x: float) -> float:
    return math.degrees(x)


def m_radians(x: float) -> float:
    return math.radians(x)


def m_log_base(x: float, b: float) -> float:
    return math.log(x, b)


def m_tau() -> float:
    return math.tau


def m_inf() -> float:
    return math.inf


def m_nan() -> float:
    return math.nan
