"""C's `qsort` sorting a `malloc`ed array of doubles with a `@cython.cfunc`
comparator, the way Cython's users sort C arrays.

qsort calls the comparator from C through a function pointer
`int (*)(const void*, const void*) noexcept nogil` (libc/stdlib.pxd), so
the cfunc is declared `@cython.exceptval(check=False)` (Cython's
`noexcept`) and `@cython.nogil`, with `const void*` parameters spelt
`cython.pointer(cython.const[cython.void])`; it casts them back to
`double*`. Compiled, `qsort` is glibc's and the comparator a C function;
run as Python (with the `cython` shim), the shim's `qsort` calls the same
comparator with pointer objects and gives the same numbers.

    pyc-aot build qsort_c.py
    python -c "import qsort_c; print(qsort_c.checksum(1000, 7))"
"""
import cython
from cython.cimports.libc.stdlib import malloc, free, qsort


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def ascending(a: cython.pointer(cython.const[cython.void]), b: cython.pointer(cython.const[cython.void])) -> cython.int:
    x: cython.double = cython.cast(cython.p_double, a)[0]
    y: cython.double = cython.cast(cython.p_double, b)[0]
    return (x > y) - (x < y)


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def descending(a: cython.pointer(cython.const[cython.void]), b: cython.pointer(cython.const[cython.void])) -> cython.int:
    return ascending(b, a)


@cython.cfunc
def random_doubles(n: cython.int, seed: cython.long) -> cython.p_double:
    """`n` doubles in [0, 1) from a linear congruential generator (C's
    classic constants, modulo 2**31 - 1, which fits a C int: Cython would
    make 2**31 a Python int and this loop Python arithmetic), in a new
    block the caller frees."""
    p: cython.p_double = cython.cast(cython.p_double, malloc(max(n, 1) * cython.sizeof(cython.double)))
    if not p:
        raise MemoryError()
    i: cython.int
    for i in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483647
        p[i] = seed / 2147483647.0
    return p


def checksum(n: cython.int, seed: cython.long) -> cython.double:
    """Sorts `n` pseudo-random doubles ascending with `qsort`, then returns
    the sum of each value times its position (1-based), or -1.0 when the
    result is out of order."""
    if n < 0:
        raise ValueError("n must not be negative")
    p: cython.p_double = random_doubles(n, seed)
    qsort(p, n, cython.sizeof(cython.double), ascending)
    total: cython.double = 0.0
    i: cython.int
    for i in range(n):
        if i > 0 and p[i - 1] > p[i]:
            free(p)
            return -1.0
        total += p[i] * (i + 1)
    free(p)
    return total


def largest(n: cython.int, seed: cython.long, k: cython.int):
    """The `k` largest of `n` pseudo-random doubles, largest first (sorted
    descending with `qsort`)."""
    if n < 0 or k < 0:
        raise ValueError("n and k must not be negative")
    p: cython.p_double = random_doubles(n, seed)
    qsort(p, n, cython.sizeof(cython.double), descending)
    out = []
    i: cython.int
    for i in range(min(n, k)):
        out.append(p[i])
    free(p)
    return out
