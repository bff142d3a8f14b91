"""Mandelbrot escape counts written into a 2-D int32 array (one per pixel).

Pixel (y, x) of an H x W image samples c = (x0 + x*(x1-x0)/W) + i*(y0 + y*(y1-y0)/H).
Reference: the same loop in plain Python (bit-identical counts), and a
vectorised NumPy version.
"""
import cython


@cython.cfunc
@cython.inline
def escape_time(cr: cython.double, ci: cython.double, max_iter: cython.int) -> cython.int:
    """Iterations of z -> z*z + c before |z|^2 > 4, capped at max_iter."""
    zr: cython.double = 0.0
    zi: cython.double = 0.0
    zr2: cython.double = 0.0
    zi2: cython.double = 0.0
    n: cython.int = 0
    while n < max_iter and zr2 + zi2 <= 4.0:
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        zr2 = zr * zr
        zi2 = zi * zi
        n += 1
    return n


@cython.boundscheck(False)
@cython.wraparound(False)
def mandelbrot(counts: cython.int[:, ::1], x0: cython.double, x1: cython.double,
               y0: cython.double, y1: cython.double, max_iter: cython.int):
    """Fill counts[y, x] with the escape time of each pixel."""
    h: cython.Py_ssize_t = counts.shape[0]
    w: cython.Py_ssize_t = counts.shape[1]
    dx: cython.double = (x1 - x0) / w if w > 0 else 0.0
    dy: cython.double = (y1 - y0) / h if h > 0 else 0.0
    x: cython.Py_ssize_t
    y: cython.Py_ssize_t
    ci: cython.double
    for y in range(h):
        ci = y0 + y * dy
        for x in range(w):
            counts[y, x] = escape_time(x0 + x * dx, ci, max_iter)


@cython.boundscheck(False)
@cython.wraparound(False)
def total(counts: cython.int[:, ::1]) -> cython.long:
    """Sum of all counts (a checksum of the image)."""
    s: cython.long = 0
    y: cython.Py_ssize_t
    x: cython.Py_ssize_t
    for y in range(counts.shape[0]):
        for x in range(counts.shape[1]):
            s += counts[y, x]
    return s
