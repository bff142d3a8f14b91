"""Dot product of two float64 vectors, plus the Euclidean norm built on it.

Reference: numpy.dot (the same left-to-right sum order as `sum(x*y for ...)`).
"""
import cython


@cython.boundscheck(False)
@cython.wraparound(False)
def dot(a: cython.double[:], b: cython.double[:]) -> cython.double:
    """sum(a[i] * b[i]) for i in range(len(a)), summed left to right."""
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    if b.shape[0] != a.shape[0]:
        raise ValueError("dot: vectors differ in length")
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


def norm(a: cython.double[:]) -> cython.double:
    """Euclidean norm, sqrt(dot(a, a))."""
    return dot(a, a) ** 0.5
