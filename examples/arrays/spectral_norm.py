"""Spectral norm of the infinite matrix A[i, j] = 1 / ((i+j)(i+j+1)/2 + i + 1),
truncated to n x n, by the power method (the Benchmarks Game program).

The caller allocates three float64 vectors of length n:

    u = np.ones(n); v = np.empty(n); tmp = np.empty(n)
    spectral_norm(u, v, tmp, 10)          # 1.274224... for n >= 100

Reference: the same loops over Python lists (bit-identical), and
`sqrt(max eigenvalue of A.T @ A)` from NumPy (allclose, for large n).
"""
import cython
from cython.cimports.libc.math import sqrt


@cython.cfunc
@cython.inline
@cython.cdivision(True)
def eval_a(i: cython.Py_ssize_t, j: cython.Py_ssize_t) -> cython.double:
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


@cython.cfunc
@cython.boundscheck(False)
@cython.wraparound(False)
def a_times_u(u: cython.double[::1], out: cython.double[::1]) -> cython.void:
    """out = A @ u"""
    n: cython.Py_ssize_t = u.shape[0]
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    s: cython.double
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += eval_a(i, j) * u[j]
        out[i] = s


@cython.cfunc
@cython.boundscheck(False)
@cython.wraparound(False)
def at_times_u(u: cython.double[::1], out: cython.double[::1]) -> cython.void:
    """out = A.T @ u"""
    n: cython.Py_ssize_t = u.shape[0]
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    s: cython.double
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += eval_a(j, i) * u[j]
        out[i] = s


@cython.cfunc
def ata_times_u(u: cython.double[::1], out: cython.double[::1],
                tmp: cython.double[::1]) -> cython.void:
    """out = A.T @ (A @ u)"""
    a_times_u(u, tmp)
    at_times_u(tmp, out)


@cython.boundscheck(False)
@cython.wraparound(False)
def spectral_norm(u: cython.double[::1], v: cython.double[::1],
                  tmp: cython.double[::1], iterations: cython.int) -> cython.double:
    """Run `iterations` rounds of v = AtA u, u = AtA v starting from u (which is
    overwritten), and return sqrt(u.v / v.v)."""
    n: cython.Py_ssize_t = u.shape[0]
    i: cython.Py_ssize_t
    k: cython.int
    vbv: cython.double = 0.0
    vv: cython.double = 0.0
    if v.shape[0] != n or tmp.shape[0] != n:
        raise ValueError("spectral_norm: u, v and tmp must have the same length")
    if n == 0:
        return 0.0
    for k in range(iterations):
        ata_times_u(u, v, tmp)
        ata_times_u(v, u, tmp)
    for i in range(n):
        vbv += u[i] * v[i]
        vv += v[i] * v[i]
    return sqrt(vbv / vv)
