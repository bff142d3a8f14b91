"""A sum over a `double[:]` on every core with `cython.parallel.prange`, and
the same loop serially.

    pyc-aot build examples/prange_sum.py
    python -c "import numpy as np, prange_sum as m; a = np.random.rand(10**7); print(m.parallel_sum(a), m.serial_sum(a))"

Each thread adds its block of the array in order; the blocks' sums are then
added in thread order, so the result can differ from the serial sum in the
last bits (docs/semantics.md); with `num_threads=1` it is the serial sum.
`OMP_NUM_THREADS` sets the default number of threads.
"""
import cython
from cython.parallel import prange


def parallel_sum(a: cython.double[:]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True):
        s += a[i]
    return s


def parallel_sum_on(a: cython.double[:], threads: cython.int) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=threads):
        s += a[i]
    return s


def serial_sum(a: cython.double[:]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        s += a[i]
    return s
