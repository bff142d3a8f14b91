"""Operations on Python objects in compiled code: constant objects, boxing
and unboxing where C values meet objects, operators, comparisons, `is`,
`in`, truth values and augmented assignment (issue 12, step 2)."""

import cython


def consts(k: cython.int):
    if k == 0:
        return None
    if k == 1:
        return True
    if k == 2:
        return "text"
    if k == 3:
        return 1.5
    if k == 4:
        return 12345678901234567890123
    if k == 5:
        return -98765432109876543210
    if k == 6:
        return "\u00fcn\u00efc\u00f6d\u00e9 \U0001f600 'q' \\"
    if k == 7:
        return -0.0
    return 7


def same_const(k: cython.int):
    a = "text"
    b = "text"
    if k:
        b = 1.5
    return a is b


def add(a, b):
    return a + b


def binary(a, b, k: cython.int):
    if k == 0:
        return a - b
    if k == 1:
        return a * b
    if k == 2:
        return a / b
    if k == 3:
        return a // b
    if k == 4:
        return a % b
    if k == 5:
        return a ** b
    if k == 6:
        return a << b
    if k == 7:
        return a >> b
    if k == 8:
        return a & b
    if k == 9:
        return a | b
    if k == 10:
        return a ^ b
    return a @ b


def unary(a, k: cython.int):
    if k == 0:
        return -a
    if k == 1:
        return +a
    if k == 2:
        return ~a
    return not a


def mixed_int(a, n: cython.int):
    return a * n + 1


def mixed_float(a, x: cython.double):
    return x - a / x


def mixed_bool(a, t: cython.bint):
    return t + a


def compare(a, b, k: cython.int):
    if k == 0:
        return a == b
    if k == 1:
        return a != b
    if k == 2:
        return a < b
    if k == 3:
        return a <= b
    if k == 4:
        return a > b
    return a >= b


def branch(a, b):
    if a < b:
        return "lt"
    elif a == b:
        return "eq"
    return "gt"


def compare_c(a, n: cython.longlong):
    if n < a:
        return 1
    if a == n:
        return 2
    return 3


def truth(a):
    if a:
        return 1
    return 0


def and_or(a, b):
    if a and not b:
        return 1
    if a or b:
        return 2
    return 3


def countdown(a):
    n = 0
    while a:
        a -= 1
        n += 1
    return n


def identity(a, b):
    if a is b:
        return "same"
    if a is not None:
        return "not none"
    return "other"


def membership(a, b):
    if a in b:
        return 1
    if a not in b:
        return 2
    return 3


def inplace(a, b):
    a += b
    return a


def inplace_ops(a, b, k: cython.int):
    if k == 0:
        a -= b
    elif k == 1:
        a *= b
    elif k == 2:
        a /= b
    elif k == 3:
        a //= b
    elif k == 4:
        a %= b
    elif k == 5:
        a **= b
    elif k == 6:
        a <<= b
    elif k == 7:
        a >>= b
    elif k == 8:
        a &= b
    elif k == 9:
        a |= b
    else:
        a ^= b
    return a


def total(v, n: cython.int):
    s = 0
    i: cython.int
    for i in range(n):
        s = s + v * i
    return s


def boxed_local(a, n: cython.int):
    x = a
    if n > 0:
        x = n
    return x


def pass_boxed(n: cython.int, x: cython.double):
    return add(n, x)


def unbox_double(a) -> cython.double:
    x: cython.double = a
    return x + 0.5


def unbox_int(a) -> cython.int:
    n: cython.int = a
    return n * 2


def unbox_longlong(a):
    n: cython.longlong = a
    return n - 1


def unbox_bint(a):
    b: cython.bint = a
    return b


def strings(s, n: cython.int):
    return s * n + "!"


def get_attr(o):
    return o.real


def set_attr(o, v):
    o.x = v
    return o.x


def get_item(d, k):
    return d[k]


def set_item(d, k, v: cython.int):
    d[k] = v
    return d


def call(f, a):
    return f(a, 1)


def methods(s):
    return s.upper().strip()


def displays(a, b: cython.double):
    return (a, b), [a, b, 1], {a: b, "k": None}, (), [], {}, {a, b, a}


def length(v):
    n = len(v)
    return n * 2


def sum_items(v):
    s = 0.0
    i: cython.Py_ssize_t
    for i in range(len(v)):
        s += v[i]
    return s


def squares(n: cython.int):
    out = []
    i: cython.int
    for i in range(n):
        out.append(i * i)
    return out


def call_each(fs, x):
    total = 0
    i: cython.Py_ssize_t
    for i in range(len(fs)):
        total = total + fs[i](x)
    return total


def item_at(v, i: cython.Py_ssize_t):
    return v[i]


def item_at_u64(v, i: cython.ulonglong):
    return v[i]


def keywords(f, a):
    return f(a, b=2), f(a, c=a, b=None)


def sort_by(v):
    return sorted(v, key=abs, reverse=True)


def in_range(lo, x, hi):
    if lo <= x < hi:
        return "in"
    return "out"


def chained(x, n: cython.int):
    while 0 < x <= n:
        x = x - 1
    return x


def chain_calls(n, a, b):
    # nqueens' test: the middle operand a call, evaluated once.
    if n == len(a) == len(b):
        return "same"
    return "differ"


def chain_once(items, lo, hi):
    # The middle operand has an effect: it runs once, before the first link's
    # comparison, and the second link compares the same object.
    v = list(items)
    if lo < v.pop() <= hi:
        return v
    return ("out", v)


def chain_objects(a, b, c, d):
    if a < b + 1 < c * 2 != d:
        return True
    return False


def item_of_call(n, k):
    # pyperformance nqueens' `list(range(...))[::-1]`.
    return list(range(n))[::-1], list(range(n))[k]


def item_of_binop(a, b, i):
    return (a + b)[i]


def store_made(make, k, x):
    v = make()
    v[k] = x
    return v


def iter_total(v):
    s = 0
    for x in v:
        s += x
    return s


def iter_find(v, k):
    for x in v:
        if x == k:
            break
    else:
        return "none"
    return x


def iter_typed(v) -> cython.double:
    t: cython.double = 0
    x: cython.double
    for x in v:
        t += x
    return t


def word_counts(text):
    counts = {}
    for w in text.split():
        counts[w] = counts.get(w, 0) + 1
    return counts


def iter_nested(m):
    out = []
    for row in m:
        for x in row:
            if x < 0:
                continue
            out.append(x)
    return out


def slices(v, a, b: cython.int):
    return v[a:b], v[:b], v[a:], v[::2], v[a:b:-1], v[:]


def range_of_objects(n):
    s = 0
    for i in range(n):
        s += i
    return s
