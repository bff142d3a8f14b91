"""Naive matrix multiply, C = A @ B, with the textbook i-j-k triple loop.

Reference: numpy's `A @ B` (allclose: BLAS sums in another order), and a
pure-Python triple loop in the same order (bit-identical).
"""
import cython


@cython.boundscheck(False)
@cython.wraparound(False)
def matmul(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1]):
    """c[i, j] = sum over k of a[i, k] * b[k, j], each sum left to right."""
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    s: cython.double
    n: cython.Py_ssize_t = a.shape[0]
    m: cython.Py_ssize_t = b.shape[1]
    p: cython.Py_ssize_t = a.shape[1]
    if b.shape[0] != p or c.shape[0] != n or c.shape[1] != m:
        raise ValueError("matmul: shapes do not match")
    for i in range(n):
        for j in range(m):
            s = 0.0
            for k in range(p):
                s += a[i, k] * b[k, j]
            c[i, j] = s


@cython.boundscheck(False)
@cython.wraparound(False)
def matmul_ikj(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1]):
    """The same product with the i-k-j loop order: the inner loop walks rows of
    b and c contiguously (element-wise, so it vectorises). c is overwritten."""
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    aik: cython.double
    n: cython.Py_ssize_t = a.shape[0]
    m: cython.Py_ssize_t = b.shape[1]
    p: cython.Py_ssize_t = a.shape[1]
    if b.shape[0] != p or c.shape[0] != n or c.shape[1] != m:
        raise ValueError("matmul_ikj: shapes do not match")
    for i in range(n):
        for j in range(m):
            c[i, j] = 0.0
        for k in range(p):
            aik = a[i, k]
            for j in range(m):
                c[i, j] += aik * b[k, j]
