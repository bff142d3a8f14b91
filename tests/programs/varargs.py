"""Variadic C calls: snprintf into C memory, read back (pyc-aot tests)."""
import cython
from cython.cimports.libc.stdio import snprintf
from cython.cimports.libc.stdlib import malloc, free


@cython.cfunc
def text(p: cython.p_char, n: cython.int) -> str:
    s: str = ""
    i: cython.int
    for i in range(n):
        s += chr(p[i])
    return s


def formatted(i: cython.int, x: cython.double, ll: cython.longlong, f: cython.float, c: cython.short) -> str:
    p: cython.p_char = cython.cast(cython.p_char, malloc(200))
    n: cython.int = snprintf(p, 200, b"%d|%.4f|%lld|%s|%g|%hd|%u|%c", i, x, ll, b"mid", f, c, i, 66)
    r: str = text(p, n)
    free(p)
    return r


def many(k: cython.int) -> str:
    p: cython.p_char = cython.cast(cython.p_char, malloc(400))
    n: cython.int = snprintf(p, 400, "%d %d %d %d %d %d %d %d %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %s %ld",
                             k, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7,
                             k * 1.0, k * 2.0, k * 3.0, k * 4.0, k * 5.0, k * 6.0, k * 7.0, k * 8.0, k * 9.0, k * 10.0, "end", k * 1000000000000)
    r: str = text(p, n)
    free(p)
    return r


def looped(n: cython.int) -> str:
    p: cython.p_char = cython.cast(cython.p_char, malloc(64))
    out: str = ""
    i: cython.int
    for i in range(n):
        k: cython.int = snprintf(p, 64, b"[%d:%.2e]", -i, i * 0.5)
        out += text(p, k)
    free(p)
    return out
