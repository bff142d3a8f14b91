"""A matrix product on every core: the rows of the result are shared out
among the threads with `cython.parallel.prange`; the same loop serially.

    pyc-aot build examples/matmul_prange.py
    python -c "import numpy as np, matmul_prange as m; a = np.random.rand(500, 500); c = np.zeros((500, 500)); m.matmul(a, a, c, 0); print(abs(c - a @ a).max())"

Each element of the result adds its products in the order of `k`, in
whichever thread computes its row, so the product is the same, bit for bit,
for any number of threads and the same as plain Python's. (NumPy's `@`
adds in another order: it agrees to about 1e-15 relative.)
"""
import cython
from cython.parallel import prange


def matmul(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1], threads: cython.int) -> None:
    """c = a @ b, the rows of c on `threads` threads (0: OpenMP's default)."""
    n: cython.Py_ssize_t = a.shape[0]
    m: cython.Py_ssize_t = a.shape[1]
    p: cython.Py_ssize_t = b.shape[1]
    if b.shape[0] != m or c.shape[0] != n or c.shape[1] != p:
        raise ValueError("matmul: shapes do not match")
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    aik: cython.double
    for i in prange(n, nogil=True, num_threads=threads):
        for j in range(p):
            c[i, j] = 0.0
        for k in range(m):
            aik = a[i, k]
            for j in range(p):
                c[i, j] += aik * b[k, j]


def matmul_serial(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1]) -> None:
    """The same product, one row after another."""
    n: cython.Py_ssize_t = a.shape[0]
    m: cython.Py_ssize_t = a.shape[1]
    p: cython.Py_ssize_t = b.shape[1]
    if b.shape[0] != m or c.shape[0] != n or c.shape[1] != p:
        raise ValueError("matmul: shapes do not match")
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    aik: cython.double
    for i in range(n):
        for j in range(p):
            c[i, j] = 0.0
        for k in range(m):
            aik = a[i, k]
            for j in range(p):
                c[i, j] += aik * b[k, j]


if __name__ == "__main__":
    from array import array

    def matrix(rows, cols, values):
        return memoryview(array("d", values)).cast("B").cast("d", (rows, cols))

    a = matrix(3, 4, [0.5 * v - 1.0 for v in range(12)])
    b = matrix(4, 2, [1.0 / (v + 1) for v in range(8)])
    c = matrix(3, 2, [0.0] * 6)
    matmul(a, b, c, 2)
    print("a @ b =", c.tolist())
