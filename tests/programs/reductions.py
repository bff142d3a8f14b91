"""Float reductions `s += E(i)` whose terms divide: the compiler evaluates two
trips' terms before adding them (the divisions on a 2-lane vector), which
must give the scalar loop's result bit for bit and its exceptions in order."""
import cython


@cython.cfunc
@cython.inline
@cython.cdivision(True)
def weight(i: cython.Py_ssize_t, j: cython.Py_ssize_t) -> cython.double:
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


@cython.cfunc
@cython.cdivision(True)
def recip(x: cython.double) -> cython.double:
    return 1.0 / x


@cython.boundscheck(False)
@cython.wraparound(False)
def weighted_row(u: cython.double[::1], i: cython.Py_ssize_t) -> cython.double:
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(u.shape[0]):
        s += weight(i, j) * u[j]
    return s


def weighted_strided(u: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(u.shape[0]):
        s += weight(j, i) * u[j]
    return s


@cython.cdivision(True)
def quotients(a: cython.double[:], b: cython.double[:], n: cython.Py_ssize_t) -> cython.double:
    # Bounds checked: n past either view raises IndexError after the earlier terms.
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(n):
        s += a[i] / (b[i] - 0.5) - 1.0
    return s


@cython.cdivision(True)
def from_the_end(a: cython.double[:], lo: cython.Py_ssize_t, hi: cython.Py_ssize_t) -> cython.double:
    # Negative indices wrap around, so two trips' elements need not be adjacent.
    s: cython.double = 1.0
    i: cython.Py_ssize_t
    for i in range(lo, hi):
        s += 2.0 / a[i]
    return s


def checked_terms(a: cython.double[:], b: cython.long[:], c: cython.long[:], n: cython.Py_ssize_t) -> cython.double:
    # Leaves that raise: IndexError from any view, ZeroDivisionError from `//`.
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(n):
        s += recip(a[i]) * (b[i] // c[i])
    return s


def float32_terms(a: cython.float[:], n: cython.int) -> cython.double:
    s: cython.double = 0.0
    i: cython.int
    for i in range(n):
        s += recip(a[i] + 0.25)
    return s


@cython.cdivision(True)
def counted(n: cython.long, k: cython.double) -> cython.double:
    # Narrow and wide counters near the ends of their range.
    s: cython.double = 0.0
    i: cython.long
    for i in range(n - 9, n):
        s += k / (i + 0.5)
    return s


@cython.cdivision(True)
def counted_int(n: cython.int, k: cython.double) -> cython.double:
    s: cython.double = 0.0
    i: cython.int
    for i in range(n - 9, n):
        s += k / (i + 0.5)
    return s


@cython.cdivision(True)
def maybe_unbound(a: cython.double[:], n: cython.int) -> cython.double:
    # `s` is bound only for n > 100: the first `s += …` raises UnboundLocalError
    # before its term (here IndexError for a short `a`) is evaluated.
    i: cython.int
    if n > 100:
        s: cython.double = 0.0
    for i in range(n):
        s += 1.0 / a[i]
    return s
