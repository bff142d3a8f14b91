"""Realistic numeric kernels, compiled vs. CPython bit for bit."""
import math

import cython


def mandel_count(n: int, max_iter: int) -> int:
    total = 0
    for j in range(n):
        for i in range(n):
            cr = -2.0 + 2.5 * i / n
            ci = -1.25 + 2.5 * j / n
            zr = 0.0
            zi = 0.0
            k = 0
            while k < max_iter and zr * zr + zi * zi <= 4.0:
                zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
                k += 1
            total += k
    return total


def kahan_sum(n: int) -> float:
    # No reassociation or contraction allowed: the compensation must survive.
    s = 0.0
    c = 0.0
    for i in range(1, n + 1):
        y = 1.0 / (i * i) - c
        t = s + y
        c = (t - s) - y
        s = t
    return s


def naive_sum(n: int) -> float:
    s = 0.0
    for i in range(1, n + 1):
        s += 0.1 * i
    return s


def simpson(a: float, b: float, n: int) -> float:
    h = (b - a) / n
    s = math.sin(a) + math.sin(b)
    for i in range(1, n):
        x = a + i * h
        if i % 2:
            s += 4.0 * math.sin(x)
        else:
            s += 2.0 * math.sin(x)
    return s * h / 3.0


def newton_sqrt(x: float) -> float:
    if x == 0.0:
        return 0.0
    g = x
    for _ in range(60):
        g = 0.5 * (g + x / g)
    return g


def count_primes(n: int) -> int:
    count = 0
    for k in range(2, n):
        d = 2
        prime = True
        while d * d <= k:
            if k % d == 0:
                prime = False
                break
            d += 1
        if prime:
            count += 1
    return count


def popcount(x: int) -> int:
    c = 0
    x &= 0x7FFFFFFFFFFFFFFF
    while x:
        x &= x - 1
        c += 1
    return c


def digit_sum(x: int) -> int:
    s = 0
    if x < 0:
        x = -x
    while x > 0:
        s += x % 10
        x //= 10
    return s


def horner(x: float) -> float:
    coeffs0 = 1.0
    r = 0.0
    for k in range(10, -1, -1):
        r = r * x + (k + coeffs0) / (k + 2)
    return r


def logistic(r: float, x: float, n: int) -> float:
    for _ in range(n):
        x = r * x * (1.0 - x)
    return x


def power_mod(b: int, e: int, m: int) -> int:
    result = 1
    b %= m
    while e > 0:
        if e & 1:
            result = result * b % m
        b = b * b % m
        e >>= 1
    return result


def isqrt_newton(n: int) -> int:
    if n < 2:
        return n
    x = n
    y = (x + 1) // 2
    while y < x:
        x = y
        y = (x + n // x) // 2
    return x


def ackermann(m: int, n: int) -> int:
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


def binomial(n: int, k: int) -> int:
    if k < 0 or k > n:
        return 0
    r = 1
    for i in range(min(k, n - k)):
        r = r * (n - i) // (i + 1)
    return r


def xorshift(seed: int, n: int) -> int:
    x = seed & 0xFFFFFFFF
    for _ in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
    return x


def c_int_checksum(n: cython.int) -> cython.long:
    acc: cython.long = 0
    i: cython.int
    for i in range(n):
        acc += (i * 7) % 13 - (i // 3)
    return acc


def nbody_energy(steps: int) -> float:
    x1, y1, vx1, vy1 = 0.0, 0.0, 0.0, 0.0
    x2, y2, vx2, vy2 = 1.0, 0.0, 0.0, 1.0
    dt = 0.001
    for _ in range(steps):
        dx = x2 - x1
        dy = y2 - y1
        d2 = dx * dx + dy * dy
        inv = 1.0 / (d2 * math.sqrt(d2))
        vx1 += dx * inv * dt
        vy1 += dy * inv * dt
        vx2 -= dx * inv * dt
        vy2 -= dy * inv * dt
        x1 += vx1 * dt
        y1 += vy1 * dt
        x2 += vx2 * dt
        y2 += vy2 * dt
    dx = x2 - x1
    dy = y2 - y1
    return 0.5 * (vx1 * vx1 + vy1 * vy1 + vx2 * vx2 + vy2 * vy2) - 1.0 / math.sqrt(dx * dx + dy * dy)


def literals() -> float:
    return 0.1 + 0.2 + 1e-320 + 1_000.5 + 0x10 + 0o17 + 0b101 + 1e308 * 10 - 1e308 * 10 * 0


def int_literals() -> int:
    return 9223372036854775807 + (-9223372036854775807 - 1) + 0xFF + 0o17 + 0b101 + 1_000_000


def min_int_literal() -> int:
    return -9223372036854775808


def many_args(a: int, b: float, c: int, d: float, e: int, f: float, g: int, h: float,
              i: int, j: float, k: int, l: float, m: bool, n: int) -> float:
    return (a * 1.0 + b * 2.0 + c * 3.0 + d * 4.0 + e * 5.0 + f * 6.0 + g * 7.0 + h * 8.0
            + i * 9.0 + j * 10.0 + k * 11.0 + l * 12.0 + m * 13.0 + n * 14.0)


@cython.cfunc
def many_c(a: cython.int, b: cython.double, c: cython.longlong, d: cython.float,
           e: cython.short, f: cython.double, g: cython.uint, h: cython.double,
           i: cython.int, j: cython.double, k: cython.long, l: cython.double) -> cython.double:
    return (a * 1.0 + b * 2.0 + c * 3.0 + d * 4.0 + e * 5.0 + f * 6.0 + g * 7.0 + h * 8.0
            + i * 9.0 + j * 10.0 + k * 11.0 + l * 12.0)


def call_many_c(x: float) -> float:
    return many_c(1, x, 3, 0.5, -5, x * 2.0, 7, 8.5, -9, 10.25, 11, x)
