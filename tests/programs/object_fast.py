"""The int fast paths on objects (issue 12): comparisons and +, -, *, //,
% of an object with a C int or an int constant, tested where an exact
one-digit int takes the fast path and everything else the C-API call."""
import cython


def cond_const(x):
    out = []
    if x == 0:
        out.append("eq0")
    if x != 3:
        out.append("ne3")
    if x < -2:
        out.append("lt-2")
    if x <= 7:
        out.append("le7")
    if x > 1:
        out.append("gt1")
    if x >= -2147483647:
        out.append("ge-max")
    if 5 < x:
        out.append("5<")
    if 2147483647 == x:
        out.append("max==")
    if x < 2147483648:
        out.append("lt2**31")
    return out


def cond_c(x, n: cython.int):
    out = []
    if x == n:
        out.append("eq")
    if x != n:
        out.append("ne")
    if n < x:
        out.append("n<x")
    if x >= n:
        out.append("x>=n")
    if x <= n:
        out.append("x<=n")
    if n > x:
        out.append("n>x")
    return out


def cond_uint(x, n: cython.uint):
    if x == n:
        return "eq"
    if x < n:
        return "lt"
    return "other"


def while_countdown(x):
    steps = 0
    while x > 0:
        x = x - 1
        steps += 1
    return steps, x


def not_and_or(x, n: cython.int):
    if not x == n:
        if x < 10:
            return "a"
        if x == 100:
            return "b"
        return "c"
    return "no"


def arith_const(x, k: cython.int):
    if k == 0:
        return x + 1
    if k == 1:
        return x - 5
    if k == 2:
        return 3 - x
    if k == 3:
        return x * -7
    if k == 4:
        return x // 4
    if k == 5:
        return 100 // x
    if k == 6:
        return x % 3
    if k == 7:
        return -7 % x
    if k == 8:
        return x % -3
    if k == 9:
        return x // 0
    if k == 10:
        return x % 0
    if k == 11:
        return x + 2147483647
    if k == 12:
        return x * 2147483647
    if k == 13:
        return -2147483647 // x
    return x - -2147483647


def arith_c(x, n: cython.int, k: cython.int):
    if k == 0:
        return x + n
    if k == 1:
        return n - x
    if k == 2:
        return x * n
    if k == 3:
        return x // n
    if k == 4:
        return n // x
    if k == 5:
        return x % n
    if k == 6:
        return n % x
    return x - n


def arith_uint(x, n: cython.uint, k: cython.int):
    if k == 0:
        return x + n
    if k == 1:
        return n % x
    return x // n


def arith_long(x, n: cython.long, k: cython.int):
    if k == 0:
        return x + n
    if k == 1:
        return n % x
    return x - n


def arith_short(x, n: cython.short):
    return (x + n, x * n)


def augmented(x, n: cython.int):
    x += n
    x -= 3
    x *= 2
    return x


def count_multiples(items, n: cython.int):
    c: cython.int = 0
    for i in items:
        if n % i == 0:
            c += 1
    return c


def primes(nb_primes: cython.int):
    p = []
    len_p: cython.int = 0
    n: cython.int = 2
    while len_p < nb_primes:
        for i in p[:len_p]:
            if n % i == 0:
                break
        else:
            p.append(n)
            len_p += 1
        n += 1
    return p


def fused(x, n: cython.int):
    out = []
    if x % 3 == 1:
        out.append("x%3==1")
    if 10 - x < 4:
        out.append("10-x<4")
    if x + n == 0:
        out.append("x+n==0")
    if 0 == x // n:
        out.append("0==x//n")
    if n % x != 2:
        out.append("n%x!=2")
    if -5 >= x * n:
        out.append("-5>=x*n")
    return out


def loop_rebind(p):
    out = []
    for x in p:
        p = [99]
        out.append(x)
    return out, p


def loop_grow(p):
    out = []
    for x in p:
        if len(p) < 8:
            p.append(x * 2)
        out.append(x)
    return out


def loop_shrink(p):
    out = []
    for x in p:
        p.pop()
        out.append(x)
    return out


def loop_clear(p):
    out = []
    for x in p:
        p.clear()
        out.append(x)
    return out


def loop_else(p, stop):
    for x in p:
        if x == stop:
            break
    else:
        return "no break"
    return x


def loop_nested(rows):
    total = 0
    for row in rows:
        for x in row:
            total += x
    return total
