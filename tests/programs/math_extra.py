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


def m_remainder(x: float, y: float) -> float:
    return math.remainder(x, y)


def m_nextafter(x: float, y: float) -> float:
    return math.nextafter(x, y)


def m_ulp(x: float) -> float:
    return math.ulp(x)


def m_ldexp(x: float, i: int) -> float:
    return math.ldexp(x, i)


def m_isclose(a: float, b: float) -> bool:
    return math.isclose(a, b)


def m_isclose_tol(a: float, b: float, r: float, t: float) -> bool:
    return math.isclose(a, b, rel_tol=r, abs_tol=t)


def m_gcd(a: int, b: int) -> int:
    return math.gcd(a, b)


def m_gcd_many(a: int, b: int, c: int) -> int:
    return math.gcd(a, b, c) + math.gcd()


def m_lcm(a: int, b: int) -> int:
    return math.lcm(a, b)


def m_lcm_many(a: int, b: int, c: int) -> int:
    return math.lcm(a, b, c) + math.lcm() - 1


def m_gcd1(a: int) -> int:
    return math.gcd(a)


def m_lcm1(a: int) -> int:
    return math.lcm(a)


def m_isqrt(n: int) -> int:
    return math.isqrt(n)


def m_factorial(n: int) -> int:
    return math.factorial(n)


def m_comb(n: int, k: int) -> int:
    return math.comb(n, k)


def m_perm(n: int, k: int) -> int:
    return math.perm(n, k)


def m_perm1(n: int) -> int:
    return math.perm(n)
