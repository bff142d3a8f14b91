"""Arithmetic on PEP 484 int (64-bit, overflow raises) and float (double)."""


def add(a: int, b: int) -> int:
    return a + b


def sub(a: int, b: int) -> int:
    return a - b


def mul(a: int, b: int) -> int:
    return a * b


def truediv(a: int, b: int) -> float:
    return a / b


def floordiv(a: int, b: int) -> int:
    return a // b


def mod(a: int, b: int) -> int:
    return a % b


def neg(a: int) -> int:
    return -a


def pos(a: int) -> int:
    return +a


def invert(a: int) -> int:
    return ~a


def ipow(a: int, b: int) -> int:
    return a ** b


def pow_neg_literal(a: int) -> float:
    return a ** -2


def pow_const_base(b: int) -> int:
    return 3 ** b


def lshift(a: int, b: int) -> int:
    return a << b


def rshift(a: int, b: int) -> int:
    return a >> b


def band(a: int, b: int) -> int:
    return a & b


def bor(a: int, b: int) -> int:
    return a | b


def bxor(a: int, b: int) -> int:
    return a ^ b


def fadd(x: float, y: float) -> float:
    return x + y


def fsub(x: float, y: float) -> float:
    return x - y


def fmul(x: float, y: float) -> float:
    return x * y


def fdiv(x: float, y: float) -> float:
    return x / y


def ffloordiv(x: float, y: float) -> float:
    return x // y


def fmod(x: float, y: float) -> float:
    return x % y


def fpow(x: float, y: float) -> float:
    return x ** y


def fneg(x: float) -> float:
    return -x


def fpos(x: float) -> float:
    return +x


def mixed_add(a: int, x: float) -> float:
    return a + x


def mixed_sub(x: float, a: int) -> float:
    return x - a


def mixed_mul(a: int, x: float) -> float:
    return a * x


def mixed_div(a: int, x: float) -> float:
    return a / x


def mixed_floordiv(x: float, a: int) -> float:
    return x // a


def mixed_mod(a: int, x: float) -> float:
    return a % x


def float_pow_int(x: float, a: int) -> float:
    return x ** a


def poly(x: float) -> float:
    return 3.0 * x * x - 2.0 * x + 0.5


def int_expr(a: int, b: int) -> int:
    return (a * 3 + b) // 7 - (a - b) % 5


def precedence(a: int, b: int, c: int) -> int:
    return a + b * c - -a ** 2 // (c | 1) % 7


def fpow_lit2(x: float) -> float:
    return x ** 2


def fpow_lit3(x: float) -> float:
    return x ** 3


def fpow_lit_half(x: float) -> float:
    return x ** 0.5


def fpow_lit_neg1(x: float) -> float:
    return x ** -1


def fpow_lit0(x: float) -> float:
    return x ** 0


def fpow_lit1(x: float) -> float:
    return x ** 1.0


def fpow_lit_neg2(x: float) -> float:
    return x ** -2.0


def ipow_lit2(a: int) -> int:
    return a ** 2


def ipow_lit3(a: int) -> int:
    return a ** 3


def ipow_lit0(a: int) -> int:
    return a ** 0


def mul_by_zero(x: float) -> float:
    return x * 0.0


def mul_by_two(x: float) -> float:
    return x * 2.0


def two_times(x: float) -> float:
    return 2.0 * x


def add_zero(x: float) -> float:
    return x + 0.0


def sub_zero(x: float) -> float:
    return x - 0.0


def self_sub(x: float) -> float:
    return x - x


def self_div(x: float) -> float:
    return x / x


def self_eq(x: float) -> bool:
    return x == x


def double_neg(x: float) -> float:
    return -(-x)


def int_self_sub(a: int) -> int:
    return a - a


def int_mul_two(a: int) -> int:
    return a * 2


def int_div_two(a: int) -> int:
    return a // 2


def int_mod_two(a: int) -> int:
    return a % 2


def int_div_neg_pow2(a: int) -> int:
    return a // -8


def int_mod_pow2(a: int) -> int:
    return a % 16


def int_mod_neg_const(a: int) -> int:
    return a % -7


def int_div_const(a: int) -> int:
    return a // 7


def float_div_const(x: float) -> float:
    return x / 10.0


def float_floordiv_const(x: float) -> float:
    return x // 0.1
