"""Cython's lastprivate rule in `prange`: a C number the body assigns holds,
after the loop, the value of the sequentially last trip (the thread that
ran it keeps its copy), for every schedule; after a `break`, the values of
the trip that broke; unchanged when the range is empty."""
import cython
from cython.parallel import prange


def lp_static(start: cython.Py_ssize_t, stop: cython.Py_ssize_t, step: cython.Py_ssize_t, nt: cython.int):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    y: cython.double = -1.5
    z: cython.int = -7
    for i in prange(start, stop, step, nogil=True, num_threads=nt):
        x = i * 2 + 1
        y = i * 0.5
        z = i % 5
    return i, x, y, z


def lp_static_chunk(n: cython.Py_ssize_t, nt: cython.int, chunk: cython.Py_ssize_t):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    f: cython.float = 2.5
    for i in prange(n, nogil=True, num_threads=nt, schedule='static', chunksize=chunk):
        x = i * i
        f = i + 0.25
    return i, x, f


def lp_dynamic(n: cython.Py_ssize_t, nt: cython.int, chunk: cython.Py_ssize_t):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    u: cython.uchar = 3
    for i in prange(n, nogil=True, num_threads=nt, schedule='dynamic', chunksize=chunk):
        x = 3 * i - 1
        u = i % 256
    return i, x, u


def lp_guided(n: cython.Py_ssize_t, nt: cython.int, chunk: cython.Py_ssize_t):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    y: cython.double = 0.0
    for i in prange(n, nogil=True, num_threads=nt, schedule='guided', chunksize=chunk):
        x = i + 100
        y = x * 0.25
    return i, x, y


def lp_default_threads(n: cython.Py_ssize_t):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    for i in prange(n, nogil=True):
        x = i * 7
    return i, x


def lp_narrow(n: cython.int, nt: cython.int):
    i: cython.int = -1
    x: cython.short = -5
    for i in prange(n, nogil=True, num_threads=nt):
        x = i % 1000
    return i, x


def lp_break(n: cython.Py_ssize_t, nt: cython.int, at: cython.Py_ssize_t):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    y: cython.double = -1.0
    s: cython.Py_ssize_t = 0
    for i in prange(n, nogil=True, num_threads=nt):
        x = i * 3
        if i == at:
            y = x + 0.5
            break
        y = i * 1.0
        s += 1
    return i, x, y


def lp_break_dynamic(n: cython.Py_ssize_t, nt: cython.int, at: cython.Py_ssize_t):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    for i in prange(n, nogil=True, num_threads=nt, schedule='dynamic', chunksize=3):
        x = i * 3
        if i == at:
            break
    return i, x


def lp_return(n: cython.Py_ssize_t, nt: cython.int, at: cython.Py_ssize_t) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    for i in prange(n, nogil=True, num_threads=nt):
        x = i * 3
        if i == at:
            return x + 1
    return x


def lp_with_reduction(n: cython.Py_ssize_t, nt: cython.int):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    s: cython.Py_ssize_t = 0
    t: cython.double = 0.0
    for i in prange(n, nogil=True, num_threads=nt):
        x = i * 2
        s += x
        t += x * 0.5
    return i, x, s, t


def lp_inner_loop(n: cython.Py_ssize_t, nt: cython.int):
    i: cython.Py_ssize_t = -1
    j: cython.Py_ssize_t = -1
    y: cython.Py_ssize_t = -5
    w: cython.Py_ssize_t = 0
    for i in prange(n, nogil=True, num_threads=nt):
        w = 0
        for j in range(i % 4):
            y = i * 10 + j
            w = w + j
    return i, j, y, w


def lp_read_after_assignment(n: cython.Py_ssize_t, nt: cython.int):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    for i in prange(n, nogil=True, num_threads=nt):
        x = i
        x = x * x + 1
    return i, x


def lp_conditional(n: cython.Py_ssize_t, nt: cython.int):
    # Assigned on some trips only: the copy of the thread that ran the last
    # trip (its last assignment, or the value before the loop).
    i: cython.Py_ssize_t = -1
    last: cython.Py_ssize_t = -5
    for i in prange(n, nogil=True, num_threads=nt):
        if i % 7 == 0:
            last = i
    return i, last


def lp_view(a: cython.double[:], nt: cython.int):
    i: cython.Py_ssize_t = -1
    v: cython.double = -1.0
    for i in prange(a.shape[0], nogil=True, num_threads=nt):
        v = a[i] * 2.0
        a[i] = v
    return i, v


def lp_fails(n: cython.Py_ssize_t, nt: cython.int, at: cython.Py_ssize_t):
    i: cython.Py_ssize_t = -1
    x: cython.Py_ssize_t = -5
    for i in prange(n, nogil=True, num_threads=nt):
        x = i
        if i == at:
            with cython.gil:
                raise ValueError("trip %d of %d" % (i, n))


def lp_fails_formatted(n: cython.Py_ssize_t, nt: cython.int, at: cython.Py_ssize_t):
    # A `%` of one C number inside `with cython.gil:` compiles (the one-item tuple's formatting).
    i: cython.Py_ssize_t = -1
    x: cython.double = -5.0
    for i in prange(n, nogil=True, num_threads=nt, schedule='dynamic'):
        x = i * 0.5
        if i == at:
            with cython.gil:
                raise ValueError("bad trip %d" % i)
    return i, x
    return i, x
