"""Control flow on PEP 484 types."""


def collatz(n: int) -> int:
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def classify(x: int) -> int:
    if x < 0:
        return -1
    elif x == 0:
        return 0
    elif x < 10:
        return 1
    else:
        return 2


def classify_f(x: float) -> int:
    r = 0
    if x < 0.0:
        r = -1
    elif x > 0.0:
        r = 1
    elif x == 0.0:
        r = 0
    else:
        r = 99
    return r


def range1(n: int) -> int:
    t = 0
    for i in range(n):
        t += i
    return t


def range2(a: int, b: int) -> int:
    t = 0
    for i in range(a, b):
        t = (t * 7 + i) % 1000003
    return t


def range3(a: int, b: int, s: int) -> int:
    t = 0
    for i in range(a, b, s):
        t = (t * 7 + i) % 1000003
    return t


def range_count(a: int, b: int, s: int) -> int:
    c = 0
    for i in range(a, b, s):
        c += 1
    return c


def range_step1_trace(a: int, b: int) -> int:
    # Constant steps are unrolled: both trips and the rest must stop exactly at b.
    last = -12345
    c = 0
    for i in range(a, b):
        last = i
        c += 1
    return last ^ c


def range_step3_trace(a: int, b: int) -> int:
    last = -12345
    c = 0
    for i in range(a, b, 3):
        last = i
        c += 1
    return last ^ c


def range_neg_literal(n: int) -> int:
    t = 0
    for i in range(n, -1, -1):
        t = t * 3 + i
    return t


def range_last(a: int, b: int, s: int) -> int:
    last = -12345
    for i in range(a, b, s):
        last = i
    return last


def last_i(n: int) -> int:
    for i in range(n):
        pass
    return i


def for_else(n: int, stop: int) -> int:
    for i in range(n):
        if i == stop:
            break
    else:
        return -1
    return i


def while_else(n: int, stop: int) -> int:
    i = 0
    while i < n:
        if i == stop:
            break
        i += 1
    else:
        return -1 - i
    return i


def continue_loops(n: int) -> int:
    t = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        t += i
    j = 0
    while j < n:
        j += 1
        if j % 2:
            continue
        t -= j
    return t


def nested(n: int) -> int:
    t = 0
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            if (i + j) % 3 == 0:
                continue
            t += i * j
        else:
            t += 1000
    return t


def modify_loop_var(n: int) -> int:
    t = 0
    for i in range(n):
        i += 10
        t += i
    return t


def modify_bound(n: int) -> int:
    t = 0
    for i in range(n):
        n -= 1
        t += n
    return t


def asserts(x: int) -> int:
    if x > 0:
        pass
    assert x != 3, "x must not be 3"
    assert x != 4
    assert x < 100, "too big: limit is 100"
    return x


def raises(x: int) -> int:
    if x < 0:
        raise ValueError("negative input")
    if x == 0:
        raise ZeroDivisionError("zero!")
    if x == 1:
        raise OverflowError("one")
    if x == 2:
        raise TypeError("two")
    if x == 3:
        raise RuntimeError("three")
    if x == 4:
        raise IndexError("four")
    if x == 5:
        raise KeyError("five")
    if x == 6:
        raise ArithmeticError("six")
    if x == 7:
        raise ValueError
    if x == 8:
        raise NotImplementedError("eight")
    if x == 9:
        raise ValueError()
    return x


def unbound(flag: bool) -> int:
    if flag:
        y = 1
    return y


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def rotate3(a: int, b: int, c: int) -> int:
    a, b, c = c, a, b
    return a * 100 + b * 10 + c


def swap_float(x: float, y: float) -> float:
    x, y = y, x
    return x - 2.0 * y


def isqrt_loop(n: int) -> int:
    i = 0
    while True:
        if i * i > n:
            return i - 1
        i += 1


def while_one(n: int) -> int:
    k = 0
    while 1:
        k += 1
        if k >= n:
            break
    return k


def bool_param(flag: bool, a: int) -> int:
    return a if flag else -a


def ternary_chain(x: int) -> int:
    return 1 if x > 10 else (2 if x > 5 else 3)


def aug_int(a: int, b: int) -> int:
    x = a
    x += b
    x -= 1
    x *= 3
    x //= 2
    x %= 1000
    x <<= 2
    x >>= 1
    x &= 0xFFFF
    x |= 1
    x ^= 5
    x **= 2
    return x


def aug_float(x: float, y: float) -> float:
    z = x
    z += y
    z -= 0.5
    z *= 2.0
    z /= 3.0
    z **= 2.0
    z %= 7.0
    z //= 0.25
    return z


def gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def sum_floats(n: int) -> float:
    s = 0.0
    for i in range(n):
        s += 1.0 / (i + 1)
    return s


def early_exit_nested(n: int) -> int:
    for i in range(n):
        for j in range(n):
            if i * j == 12:
                return i * 100 + j
    return -1


def empty_body_loops(n: int) -> int:
    i = 0
    while i < n:
        i += 1
    for _ in range(n):
        pass
    return i


def local_reassigned(a: int) -> int:
    x = a
    if x > 5:
        x = x * 2
    else:
        x = -x
    y = x
    x = 7
    return x + y


def chained_assign(n: int) -> int:
    a = b = n * 2
    a += 1
    return a * 100 + b


def falls_off_end(x: int) -> int:
    if x > 0:
        return 1


def unbound_twice(flag: bool) -> int:
    if flag:
        y = 1
    z = y
    return z + y


def unbound_in_loop(n: int) -> int:
    total = 0
    for i in range(n):
        if i % 3 == 2:
            total += last
        if i == 3:
            last = i
    return total


def unbound_after_while(n: int) -> int:
    while n > 0:
        w = n
        n -= 1
    return w
