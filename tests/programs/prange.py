"""`cython.parallel.prange` on a thread team: reductions, private and
shared locals, the lastprivate loop variable, schedules, errors."""
import cython
from cython.parallel import prange, threadid


def psum(a: cython.double[:]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True):
        s += a[i]
    return s


def psum_threads(a: cython.double[:], t: cython.int) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=t):
        s += a[i]
    return s


def isum(start: cython.long, stop: cython.long, step: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.long
    for i in prange(start, stop, step, nogil=True):
        s += i * i % 13
    return s


def isum_dynamic(n: cython.long, chunk: cython.long) -> cython.long:
    s: cython.long = 5
    i: cython.long
    for i in prange(n, nogil=True, schedule='dynamic', chunksize=chunk):
        s += i % 7
    return s


def iprod_guided(n: cython.long) -> cython.long:
    p: cython.long = 1
    i: cython.long
    for i in prange(1, n, nogil=True, schedule='guided'):
        p *= 1 + i % 2
    return p


def static_chunks(n: cython.long, t: cython.int) -> cython.long:
    s: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True, schedule='static', chunksize=3, num_threads=t):
        s += i
    return s


def square(a: cython.double[:], b: cython.double[:]) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t = -1
    t: cython.double
    for i in prange(a.shape[0], nogil=True):
        t = a[i] * 2.0
        b[i] = t * t
    return i


def fails(n: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True, num_threads=2):
        if i == 999:
            raise ValueError("iteration 1000")
        s += i
    return s


def overflow(n: cython.long) -> int:
    s: int = 2 ** 62
    i: cython.long
    for i in prange(n, nogil=True):
        s += 2 ** 61
    return s


def indexes(a: cython.double[:], k: cython.Py_ssize_t) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in prange(k, nogil=True):
        s += a[i]
    return s


def thread_ids(out: cython.int[:], t: cython.int) -> cython.int:
    i: cython.Py_ssize_t
    for i in prange(out.shape[0], nogil=True, num_threads=t):
        out[i] = threadid()
    return threadid()


@cython.nogil
@cython.cfunc
def halve(x: cython.long) -> cython.long:
    if x < 0:
        raise ValueError("negative")
    return x // 2


def calls(n: cython.long, off: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.long
    with cython.nogil:
        for i in prange(n):
            s += halve(i + off)
    return s


def serial_with_gil(n: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.long
    for i in prange(n):
        s += i
    return s


@cython.nogil
@cython.cfunc
def depth(n: cython.long) -> cython.long:
    if n <= 0:
        return 0
    d: cython.long = depth(n - 1)
    if d < 0:
        return d
    return d + 1


def deep(n: cython.long, k: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True, num_threads=2):
        s += depth(k)
    return s


@cython.cfunc
def first(a: cython.double[:]) -> cython.double:
    return a[0]


def with_view_callee(a: cython.double[:]) -> cython.double:
    s: cython.double = first(a)
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True):
        s += a[i]
    return s
