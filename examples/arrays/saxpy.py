"""SAXPY (double precision): y <- a*x + y, in place, and into a separate output.

Reference: `y += a * x` / `out[:] = a * x + y` in NumPy (one multiply and one
add per element, rounded the same way, so results are bit-identical).
"""
import cython


@cython.boundscheck(False)
@cython.wraparound(False)
def saxpy(a: cython.double, x: cython.double[::1], y: cython.double[::1]):
    """y[i] = a * x[i] + y[i] for every i (y is overwritten)."""
    i: cython.Py_ssize_t
    if x.shape[0] != y.shape[0]:
        raise ValueError("saxpy: x and y differ in length")
    for i in range(y.shape[0]):
        y[i] = a * x[i] + y[i]


@cython.boundscheck(False)
@cython.wraparound(False)
def axpy_out(a: cython.double, x: cython.double[:], y: cython.double[:], out: cython.double[:]):
    """out[i] = a * x[i] + y[i]; works on strided views too (e.g. x[::2])."""
    i: cython.Py_ssize_t
    n: cython.Py_ssize_t = out.shape[0]
    if x.shape[0] != n or y.shape[0] != n:
        raise ValueError("axpy_out: lengths differ")
    for i in range(n):
        out[i] = a * x[i] + y[i]
