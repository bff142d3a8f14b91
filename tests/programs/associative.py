# pyc-aot: associative_math=True
"""Float sums under `# pyc-aot: associative_math=True`: split into vector
partial sums (different rounding), same exceptions as the in-order loop."""
import cython


@cython.boundscheck(False)
@cython.wraparound(False)
def dot(a: cython.double[::1], b: cython.double[::1]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


def total32(a: cython.float[::1]) -> cython.float:
    s: cython.float = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    return s


def row_sum(m: cython.double[:, ::1], r: cython.Py_ssize_t, n: cython.Py_ssize_t) -> cython.double:
    # Bounds checked: a bad row or n past the row raises IndexError.
    s: cython.double = 1.0
    for j in range(n):
        s += m[r, j] * 2.0
    return s
