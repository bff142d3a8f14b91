"""The math module with CPython's error behaviour (core functions)."""
import math


def m_sqrt(x: float) -> float:
    return math.sqrt(x)


def m_exp(x: float) -> float:
    return math.exp(x)


def m_log(x: float) -> float:
    return math.log(x)


def m_sin(x: float) -> float:
    return math.sin(x)


def m_cos(x: float) -> float:
    return math.cos(x)


def m_tan(x: float) -> float:
    return math.tan(x)


def m_atan(x: float) -> float:
    return math.atan(x)


def m_atan2(y: float, x: float) -> float:
    return math.atan2(y, x)


def m_fabs(x: float) -> float:
    return math.fabs(x)


def m_floor(x: float) -> int:
    return math.floor(x)


def m_ceil(x: float) -> int:
    return math.ceil(x)


def m_pow(x: float, y: float) -> float:
    return math.pow(x, y)


def m_hypot(x: float, y: float) -> float:
    return math.hypot(x, y)


def m_pi() -> float:
    return math.pi


def m_e() -> float:
    return math.e


def m_sqrt_int(a: int) -> float:
    return math.sqrt(a)


def m_floor_int(a: int) -> int:
    return math.floor(a)


def m_expr(x: float) -> float:
    return math.sqrt(x * x + 1.0) * math.cos(x) + math.exp(-x * x)
