"""`prange` forms beyond a 64-bit loop variable with one `+=`: narrow loop
variables (and ranges they cannot follow), the other reduction operators,
reductions in narrow and float32 types."""
import cython
from cython.parallel import prange


def narrow_sum(n: cython.int, t: cython.int) -> cython.long:
    s: cython.long = 0
    i: cython.int
    for i in prange(n, nogil=True, num_threads=t):
        s += i * 3 % 11
    return s


def narrow_last(start: cython.long, stop: cython.long, step: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.short = -1
    for i in prange(start, stop, step, nogil=True, num_threads=2):
        s += i
    return s * 100000 + i


def narrow_unsigned(n: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.uchar = 7
    for i in prange(n, nogil=True, num_threads=2, schedule='dynamic', chunksize=5):
        s += i
    return s * 1000 + i


def narrow_views(a: cython.double[:], b: cython.double[:]) -> cython.int:
    i: cython.int = -1
    for i in prange(a.shape[0], nogil=True):
        b[i] = a[i] * 2.0
    return i


def minus(n: cython.long, t: cython.int) -> cython.long:
    s: cython.long = 1000
    i: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        s -= i % 5
    return s


def mixed_plus_minus(n: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True, num_threads=2):
        if i % 3 == 0:
            s -= i
        else:
            s += 2 * i
    return s


def bits(n: cython.long, t: cython.int) -> cython.long:
    a: cython.long = -1
    o: cython.long = 0
    x: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        a &= ~(1 << (i % 40)) | (i % 3)
    for i in prange(n, nogil=True, num_threads=t):
        o |= 1 << (i % 50)
    for i in prange(n, nogil=True, num_threads=t):
        x ^= i * 2654435761 % 1000003
    return (a ^ o) + x


def narrow_add(n: cython.long, t: cython.int) -> cython.int:
    s: cython.int = 0
    i: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        s += i * 1000003
    return s


def narrow_mul(n: cython.long, t: cython.int) -> cython.uint:
    p: cython.uint = 1
    i: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        p *= i * 2 + 1
    return p


def narrow_and(n: cython.long, t: cython.int) -> cython.uchar:
    c: cython.uchar = 255
    i: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        c &= 255 - (i % 7)
    return c


def float32_sum(a: cython.float[:], t: cython.int) -> cython.float:
    s: cython.float = 0.0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=t):
        s += a[i]
    return s


def float_minus(a: cython.double[:], t: cython.int) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=t):
        s -= a[i]
    return s


def float_prod(a: cython.double[:], t: cython.int) -> cython.double:
    p: cython.double = 1.0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=t):
        p *= a[i]
    return p


def narrow_fails(n: cython.int) -> cython.long:
    s: cython.long = 0
    i: cython.int
    for i in prange(n, nogil=True, num_threads=2):
        if i == 999:
            raise ValueError("iteration 1000")
        s -= i
    return s


def stats(a: cython.double[:], t: cython.int) -> cython.double:
    s: cython.double = 0.0
    q: cython.double = 0.0
    neg: cython.long = 0
    m: cython.long = -1
    x: cython.int = 0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=t):
        s += a[i]
        q += a[i] * a[i]
        if a[i] < 0:
            neg += 1
        m &= ~(i % 64)
        x ^= i
    return s + q * 1000 + neg * 1000000 + m * 1e9 + x * 1e12


def counts(n: cython.long, t: cython.int) -> cython.long:
    evens: cython.long = 0
    odds: cython.long = 0
    p: cython.long = 1
    i: cython.int
    for i in prange(n, nogil=True, num_threads=t, schedule='dynamic', chunksize=7):
        if i % 2 == 0:
            evens += 1
        else:
            odds -= 1
        if i < 20:
            p *= 2
    return evens * 1000000 + odds * 1000 + p


def two_fail(n: cython.long) -> cython.long:
    s: cython.long = 0
    c: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True, num_threads=2):
        if i == 999:
            raise ValueError("iteration 1000")
        s += i
        c += 1
    return s + c


def find(a: cython.double[:], x: cython.double, t: cython.int) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=t):
        if a[i] == x:
            return i
    return -1


def find_narrow(a: cython.double[:], x: cython.double) -> cython.double:
    i: cython.int
    for i in prange(a.shape[0], nogil=True, schedule='dynamic', chunksize=3):
        if a[i] == x:
            return a[i] * 2.0
    return -1.0


def break_at(n: cython.long, k: cython.long, t: cython.int) -> cython.long:
    s: cython.long = 0
    i: cython.long = -7
    for i in prange(n, nogil=True, num_threads=t):
        if i == k:
            break
        s += i
    return s * 1000000 + i


def last_before_break(n: cython.long, k: cython.long, t: cython.int) -> cython.long:
    i: cython.long = -7
    j: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        for j in range(3):
            if j == 5:
                break
        if i == k:
            break
    return i


def skip_some(n: cython.long, t: cython.int) -> cython.long:
    s: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        if i % 3 == 1:
            continue
        s += i
    return s


def fill_until(a: cython.double[:], k: cython.Py_ssize_t) -> None:
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=1):
        if i == k:
            return
        a[i] = 1.0


def any_negative(a: cython.double[:]) -> cython.bint:
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True):
        if a[i] < 0:
            return True
    return False


def leave_or_fail(n: cython.long, k: cython.long) -> cython.long:
    i: cython.long
    for i in prange(n, nogil=True, num_threads=2):
        if i == 999:
            raise ValueError("iteration 1000")
        if i == k:
            return i * 10
    return -1


def with_else(n: cython.long, t: cython.int) -> cython.long:
    s: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        s += i
    else:
        s += 1000000
    return s


def return_or_else(a: cython.double[:], x: cython.double) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    r: cython.Py_ssize_t = 0
    for i in prange(a.shape[0], nogil=True):
        if a[i] == x:
            return i
    else:
        r = -1
    return r * 2


def threads_if(out: cython.int[:], flag: cython.bint) -> cython.long:
    i: cython.Py_ssize_t
    s: cython.long = 0
    for i in prange(out.shape[0], nogil=True, use_threads_if=flag, num_threads=2):
        out[i] = cython.parallel.threadid()
        s += i
    return s


def row_sums(a: cython.double[:, :], out: cython.double[:], t: cython.int, bad: cython.Py_ssize_t) -> cython.long:
    # Copies of a shape and a stride, read in the body (which reads the view's parts instead).
    n: cython.Py_ssize_t = a.shape[0]
    m: cython.Py_ssize_t = a.shape[1]
    st: cython.Py_ssize_t = a.strides[0]
    c: cython.long = 0
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in prange(n, nogil=True, num_threads=t):
        if i == bad:
            raise ValueError("row 1000")
        out[i] = 0.0
        for j in range(m):
            out[i] += a[i, j]
        c += st + m
    return c


def row_sums_cut(a: cython.double[:, :], out: cython.double[:], k: cython.Py_ssize_t) -> cython.Py_ssize_t:
    # `m` assigned twice: the body reads the local, whichever value it holds.
    m: cython.Py_ssize_t = a.shape[1]
    if m > k:
        m = k
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=2):
        out[i] = 0.0
        for j in range(m):
            out[i] += a[i, j]
    return m


def break_else(n: cython.long, k: cython.long, t: cython.int) -> cython.long:
    # `else:` with a `break`: the clause runs unless a trip broke.
    i: cython.long = -7
    r: cython.long = 0
    for i in prange(n, nogil=True, num_threads=t):
        if i == 999 and k == -1:
            raise ValueError("iteration 1000")
        if i == k:
            break
    else:
        r = 1000000
    return r + i


def inner_break_else(n: cython.long, t: cython.int) -> cython.long:
    # A `break` of an inner loop does not skip the prange's `else:`.
    s: cython.long = 0
    i: cython.long
    j: cython.long
    for i in prange(n, nogil=True, num_threads=t):
        for j in range(10):
            if j == 3:
                break
        s += j
        if i == n + 5:
            break
    else:
        s += 1000000
    return s
