"""Cython's variable rules for `prange` in the corners (docs/semantics.md,
"Parallelism"): a local first assigned in the loop and read after a loop
that ran no trip, a run-time step (negative, zero), lastprivate pointers,
and a `prange` inside a `parallel()` block whose assigned local is read
after the block. Run as plain Python by the tests too (the shim's prange is
a serial range)."""
import cython
from cython.parallel import prange, parallel


def zero_trip(n: cython.Py_ssize_t, t: cython.int) -> cython.double:
    i: cython.Py_ssize_t
    v: cython.double
    for i in prange(n, nogil=True, num_threads=t):
        v = i * 2.0
    return v


def zero_trip_int(n: cython.Py_ssize_t, t: cython.int) -> cython.long:
    i: cython.Py_ssize_t
    v: cython.long
    for i in prange(n, nogil=True, num_threads=t, schedule='dynamic'):
        v = i * 3 - 1
    return v


def zero_trip_var(n: cython.Py_ssize_t, t: cython.int) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    for i in prange(n, nogil=True, num_threads=t):
        pass
    return i


def never_assigned(n: cython.Py_ssize_t) -> cython.long:
    """Trips ran, none assigned `v` (one thread): the storage's zero."""
    i: cython.Py_ssize_t
    v: cython.long
    for i in prange(n, nogil=True, num_threads=1):
        if i < 0:
            v = i
    return v


def stepped(a: cython.Py_ssize_t, b: cython.Py_ssize_t, s: cython.Py_ssize_t, t: cython.int) -> cython.long:
    i: cython.Py_ssize_t
    total: cython.long = 0
    for i in prange(a, b, s, nogil=True, num_threads=t):
        total += i * i + 1
    return total


def stepped_last(a: cython.Py_ssize_t, b: cython.Py_ssize_t, s: cython.Py_ssize_t, t: cython.int):
    i: cython.Py_ssize_t = -99
    sq: cython.long = -1
    for i in prange(a, b, s, nogil=True, num_threads=t, schedule='guided'):
        sq = i * i
    return i, sq


def stepped_narrow(a: cython.int, b: cython.int, s: cython.int, t: cython.int):
    i: cython.int = 5
    total: cython.long = 0
    for i in prange(a, b, s, nogil=True, num_threads=t, schedule='dynamic', chunksize=3):
        total += i
    return i, total


def stepped_view(a: cython.double[:], s: cython.Py_ssize_t, t: cython.int) -> cython.double:
    i: cython.Py_ssize_t
    total: cython.double = 0.0
    start: cython.Py_ssize_t = 0 if s > 0 else a.shape[0] - 1
    stop: cython.Py_ssize_t = a.shape[0] if s > 0 else -1
    for i in prange(start, stop, s, nogil=True, num_threads=t):
        total += a[i]
    return total


def ptr_last(a: cython.double[::1], t: cython.int) -> cython.double:
    i: cython.Py_ssize_t
    p: cython.p_double = cython.NULL
    for i in prange(a.shape[0], nogil=True, num_threads=t):
        p = cython.address(a[i])
    if p == cython.NULL:
        return -1.0
    return p[0]


def ptr_last_some(a: cython.double[::1], t: cython.int) -> cython.double:
    """Assigned on the even trips only: with one thread the serial loop's."""
    i: cython.Py_ssize_t
    p: cython.p_double = cython.NULL
    for i in prange(a.shape[0], nogil=True, num_threads=t, schedule='static', chunksize=2):
        if i % 2 == 0:
            p = cython.address(a[i])
    if p == cython.NULL:
        return -1.0
    return p[0]


def in_block(n: cython.Py_ssize_t, t: cython.int) -> cython.double:
    """The loop's local read after the block: the function stays Python."""
    i: cython.Py_ssize_t
    v: cython.double = -1.0
    with cython.nogil, parallel(num_threads=t):
        for i in prange(n):
            v = i * 2.0
    return v


def in_block_var(n: cython.Py_ssize_t, t: cython.int) -> cython.Py_ssize_t:
    """The block's loop variable read after it: the function stays Python."""
    i: cython.Py_ssize_t = -7
    with cython.nogil, parallel(num_threads=t):
        for i in prange(n):
            pass
    return i


def in_block_unread(a: cython.double[:], t: cython.int) -> cython.double:
    """The loop's locals read only inside the block: compiled."""
    i: cython.Py_ssize_t
    v: cython.double
    total: cython.double = 0.0
    with cython.nogil, parallel(num_threads=t):
        for i in prange(a.shape[0]):
            v = a[i] * 2.0
            total += v
    return total
