"""and/or/not value semantics, chained and mixed comparisons."""


def and_ii(a: int, b: int) -> int:
    return a and b


def or_ii(a: int, b: int) -> int:
    return a or b


def and_ff(x: float, y: float) -> float:
    return x and y


def or_ff(x: float, y: float) -> float:
    return x or y


def and_bb(p: bool, q: bool) -> bool:
    return p and q


def or_bb(p: bool, q: bool) -> bool:
    return p or q


def and3(a: int, b: int, c: int) -> int:
    return a and b and c


def or_and(a: int, b: int, c: int) -> int:
    return a or b and c


def not_i(a: int) -> bool:
    return not a


def not_f(x: float) -> bool:
    return not x


def not_b(p: bool) -> bool:
    return not p


def if_float(x: float) -> int:
    if x:
        return 1
    return 0


def while_int_truth(a: int) -> int:
    n = 0
    while a:
        a = a // 2
        n += 1
    return n


def short_and(a: int, b: int) -> bool:
    return b != 0 and a // b > 1


def short_or(a: int) -> bool:
    return a == 0 or 10 // a > 2


def short_ternary(a: int) -> int:
    return 100 // a if a != 0 else -1


def cond_and_in_if(a: int, b: int) -> int:
    if a > 0 and b > 0 or a < -5:
        return 1
    elif not (a or b):
        return 2
    return 3


def chain_lt(a: int, b: int, c: int) -> bool:
    return a < b < c


def chain_mixed(a: int, b: int, c: int) -> bool:
    return a <= b == c


def chain_long(a: int, b: int, c: int) -> bool:
    return a < b > c != a


def chain_f(x: float, y: float, z: float) -> bool:
    return x < y <= z


def chain_short(a: int, b: int) -> bool:
    return a > 0 < b // a


def chain_eval(a: int, b: int) -> bool:
    return 0 < a // b < 10


def eq_if(a: int, x: float) -> bool:
    return a == x


def ne_if(a: int, x: float) -> bool:
    return a != x


def lt_if(a: int, x: float) -> bool:
    return a < x


def le_if(a: int, x: float) -> bool:
    return a <= x


def gt_fi(x: float, a: int) -> bool:
    return x > a


def ge_fi(x: float, a: int) -> bool:
    return x >= a


def eq_ff(x: float, y: float) -> bool:
    return x == y


def lt_ff(x: float, y: float) -> bool:
    return x < y


def ne_ff(x: float, y: float) -> bool:
    return x != y


def cmp_ii(a: int, b: int) -> int:
    r = 0
    if a < b:
        r += 1
    if a <= b:
        r += 2
    if a == b:
        r += 4
    if a != b:
        r += 8
    if a > b:
        r += 16
    if a >= b:
        r += 32
    return r


def bool_arith(p: bool, q: bool) -> int:
    return p + q * 2


def max_if(a: int, x: float):
    return max(a, x)


def min_fi(x: float, a: int):
    return min(x, a)


def or_if(a: int, x: float):
    return a or x


def and_if(a: int, x: float):
    return a and x


def cond_if(c: bool, a: int, x: float):
    return a if c else x


def mixed_local(c: bool):
    y = 1
    if c:
        y = 2.5
    return y
