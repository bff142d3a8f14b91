"""abs, min, max, int(), float(), bool(), round()."""


def abs_i(a: int) -> int:
    return abs(a)


def abs_f(x: float) -> float:
    return abs(x)


def min2_i(a: int, b: int) -> int:
    return min(a, b)


def max2_i(a: int, b: int) -> int:
    return max(a, b)


def min3_i(a: int, b: int, c: int) -> int:
    return min(a, b, c)


def max3_i(a: int, b: int, c: int) -> int:
    return max(a, b, c)


def min2_f(x: float, y: float) -> float:
    return min(x, y)


def max2_f(x: float, y: float) -> float:
    return max(x, y)


def min3_f(x: float, y: float, z: float) -> float:
    return min(x, y, z)


def max3_f(x: float, y: float, z: float) -> float:
    return max(x, y, z)


def int_f(x: float) -> int:
    return int(x)


def int_i(a: int) -> int:
    return int(a)


def int_b(p: bool) -> int:
    return int(p)


def float_i(a: int) -> float:
    return float(a)


def float_f(x: float) -> float:
    return float(x)


def bool_i(a: int) -> bool:
    return bool(a)


def bool_f(x: float) -> bool:
    return bool(x)


def round_f(x: float) -> int:
    return round(x)


def round_i(a: int) -> int:
    return round(a)


def int_float_roundtrip(a: int) -> int:
    return int(float(a))


def clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(x, hi))


def abs_diff(a: int, b: int) -> int:
    return abs(a - b)


def round_nd(x: float, n: int) -> float:
    return round(x, n)


def round2(x: float) -> float:
    return round(x, 2)


def pow_ii(a: int, b: int) -> int:
    return pow(a, b)


def pow_ff(x: float, y: float) -> float:
    return pow(x, y)
