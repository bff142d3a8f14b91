"""A matrix product on every core: blocks of rows of the result are shared
out among the threads with `cython.parallel.prange`; the same loop serially.

    pyc-aot build examples/matmul_prange.py
    python -c "import numpy as np, matmul_prange as m; a = np.random.rand(500, 500); c = np.zeros((500, 500)); m.matmul(a, a, c, 0); print(abs(c - a @ a).max())"

The kernel is blocked over `k`: a block of 8 rows of the result is
computed 64 rows of `b` at a time, so that block of `b` (64 x p
doubles: 200 KB for p = 400) stays in one core's L2 while it serves all
8 rows, instead of every row streaming all of `b` from the cache the
cores share.

`matmul_tiled` is the same product tuned further, as one would for two
cores that share their last cache (`tile_rows`): the block of 64 rows of
`b` is also cut into 256 columns (a 128 KB tile, inside one core's L2 for
any width of `b`), and blocks of 16 rows of the result are shared out
among the threads, so each tile serves 16 rows before the next.

Each element of the result still adds its products in the order of `k`
(the blocks of `k` in increasing order, `k` increasing in each), in
whichever thread computes its row, so the product is the same, bit for
bit, for any number of threads and the same as plain Python's. (NumPy's
`@` adds in another order: it agrees to about 1e-15 relative.)
"""
import cython
from cython.parallel import prange


@cython.cfunc
@cython.nogil
@cython.exceptval(check=False)
def rows(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1], r: cython.Py_ssize_t, rend: cython.Py_ssize_t) -> cython.void:
    """Rows `r` to `rend` of c = a @ b, 64 rows of `b` at a time (a literal
    step: Cython iterates a Python `range` for any other, which needs the GIL)."""
    m: cython.Py_ssize_t = a.shape[1]
    p: cython.Py_ssize_t = b.shape[1]
    d: cython.Py_ssize_t
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    dend: cython.Py_ssize_t
    aik: cython.double
    for i in range(r, rend):
        for j in range(p):
            c[i, j] = 0.0
    for d in range(0, m, 64):
        dend = min(d + 64, m)
        for i in range(r, rend):
            for k in range(d, dend):
                aik = a[i, k]
                for j in range(p):
                    c[i, j] += aik * b[k, j]


def matmul(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1], threads: cython.int) -> None:
    """c = a @ b, blocks of 8 rows of c on `threads` threads (0: OpenMP's default)."""
    n: cython.Py_ssize_t = a.shape[0]
    if b.shape[0] != a.shape[1] or c.shape[0] != n or c.shape[1] != b.shape[1]:
        raise ValueError("matmul: shapes do not match")
    r: cython.Py_ssize_t
    for r in prange(0, n, 8, nogil=True, num_threads=threads):
        rows(a, b, c, r, min(r + 8, n))


@cython.cfunc
@cython.nogil
@cython.exceptval(check=False)
def tile_rows(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1], r: cython.Py_ssize_t, rend: cython.Py_ssize_t) -> cython.void:
    """Rows `r` to `rend` of c = a @ b, tuned for two cores sharing a cache:
    64 rows of `b` at a time, and of those 256 columns at a time (a tile of
    64 x 256 doubles, 128 KB, well inside one core's L2 whatever the width
    of `b`), which serves every row of the block before the next tile."""
    m: cython.Py_ssize_t = a.shape[1]
    p: cython.Py_ssize_t = b.shape[1]
    d: cython.Py_ssize_t
    e: cython.Py_ssize_t
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    dend: cython.Py_ssize_t
    eend: cython.Py_ssize_t
    aik: cython.double
    for i in range(r, rend):
        for j in range(p):
            c[i, j] = 0.0
    for d in range(0, m, 64):
        dend = min(d + 64, m)
        for e in range(0, p, 256):
            eend = min(e + 256, p)
            for i in range(r, rend):
                for k in range(d, dend):
                    aik = a[i, k]
                    for j in range(e, eend):
                        c[i, j] += aik * b[k, j]


def matmul_tiled(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1], threads: cython.int) -> None:
    """c = a @ b with `tile_rows`, blocks of 16 rows of c on `threads` threads (0: OpenMP's default)."""
    n: cython.Py_ssize_t = a.shape[0]
    if b.shape[0] != a.shape[1] or c.shape[0] != n or c.shape[1] != b.shape[1]:
        raise ValueError("matmul: shapes do not match")
    r: cython.Py_ssize_t
    for r in prange(0, n, 16, nogil=True, num_threads=threads):
        tile_rows(a, b, c, r, min(r + 16, n))


def matmul_tiled_serial(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1]) -> None:
    """The same tiled product, one block of rows after another."""
    n: cython.Py_ssize_t = a.shape[0]
    if b.shape[0] != a.shape[1] or c.shape[0] != n or c.shape[1] != b.shape[1]:
        raise ValueError("matmul: shapes do not match")
    r: cython.Py_ssize_t
    for r in range(0, n, 16):
        tile_rows(a, b, c, r, min(r + 16, n))


def matmul_serial(a: cython.double[:, ::1], b: cython.double[:, ::1], c: cython.double[:, ::1]) -> None:
    """The same product, one block of rows after another."""
    n: cython.Py_ssize_t = a.shape[0]
    if b.shape[0] != a.shape[1] or c.shape[0] != n or c.shape[1] != b.shape[1]:
        raise ValueError("matmul: shapes do not match")
    r: cython.Py_ssize_t
    for r in range(0, n, 8):
        rows(a, b, c, r, min(r + 8, n))


if __name__ == "__main__":
    from array import array

    def matrix(rows, cols, values):
        return memoryview(array("d", values)).cast("B").cast("d", (rows, cols))

    a = matrix(3, 4, [0.5 * v - 1.0 for v in range(12)])
    b = matrix(4, 2, [1.0 / (v + 1) for v in range(8)])
    c = matrix(3, 2, [0.0] * 6)
    matmul(a, b, c, 2)
    print("a @ b =", c.tolist())
    matmul_tiled(a, b, c, 2)
    print("tiled =", c.tolist())
