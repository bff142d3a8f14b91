"""Escape-time Mandelbrot over the rows of an image on every core, with
`cython.parallel.prange(..., schedule='dynamic')`, and the same loop serially.

    pyc-aot build examples/mandelbrot_prange.py
    python -c "import numpy as np, mandelbrot_prange as m; img = np.zeros((600, 800), np.intc); print(m.mandelbrot(img, 200, 0))"

Rows near the set take many more iterations than rows far from it, so the
rows are dealt to the threads one at a time as each finishes (`dynamic`)
rather than in equal blocks. Every pixel is computed as in the serial loop,
so the image and the total are the same whatever the number of threads, and
the same as plain Python's.
"""
import cython
from cython.parallel import prange


@cython.cfunc
@cython.inline
@cython.nogil
@cython.exceptval(check=False)
def escape_time(cr: cython.double, ci: cython.double, max_iter: cython.int) -> cython.int:
    """Iterations of z -> z*z + c before |z| > 2, capped at max_iter."""
    zr: cython.double = 0.0
    zi: cython.double = 0.0
    n: cython.int = 0
    while n < max_iter and zr * zr + zi * zi <= 4.0:
        zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
        n += 1
    return n


def mandelbrot(out: cython.int[:, ::1], max_iter: cython.int, threads: cython.int) -> cython.long:
    """Escape times of [-2, 1] x [-1.5, 1.5] into `out` (rows x columns), on
    `threads` threads (0: OpenMP's default); their sum."""
    h: cython.Py_ssize_t = out.shape[0]
    w: cython.Py_ssize_t = out.shape[1]
    total: cython.long = 0
    y: cython.Py_ssize_t
    x: cython.Py_ssize_t
    n: cython.int
    ci: cython.double
    for y in prange(h, nogil=True, schedule='dynamic', num_threads=threads):
        ci = -1.5 + 3.0 * y / h
        for x in range(w):
            n = escape_time(-2.0 + 3.0 * x / w, ci, max_iter)
            out[y, x] = n
            total += n
    return total


def mandelbrot_serial(out: cython.int[:, ::1], max_iter: cython.int) -> cython.long:
    """The same image, one row after another."""
    h: cython.Py_ssize_t = out.shape[0]
    w: cython.Py_ssize_t = out.shape[1]
    total: cython.long = 0
    y: cython.Py_ssize_t
    x: cython.Py_ssize_t
    n: cython.int
    ci: cython.double
    for y in range(h):
        ci = -1.5 + 3.0 * y / h
        for x in range(w):
            n = escape_time(-2.0 + 3.0 * x / w, ci, max_iter)
            out[y, x] = n
            total += n
    return total


if __name__ == "__main__":
    from array import array

    h, w = 30, 40
    img = memoryview(array("i", bytes(4 * h * w))).cast("B").cast("i", (h, w))
    print(f"mandelbrot 40 x 30, 50 iterations: total {mandelbrot(img, 50, 2)}")
    print("\n".join("".join(" .:-=+*#%@"[min(img[y, x] // 5, 9)] for x in range(w)) for y in range(0, h, 2)))
