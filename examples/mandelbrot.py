"""Escape-time Mandelbrot over a width x height grid, using only scalars.

Returns the sum of the iteration counts over the grid, a single number that
changes if any pixel changes.
"""
import cython


@cython.cfunc
@cython.inline
def escape_time(cr: cython.double, ci: cython.double, max_iter: cython.int) -> cython.int:
    """Iterations of z -> z*z + c before |z| > 2, capped at max_iter."""
    zr: cython.double = 0.0
    zi: cython.double = 0.0
    n: cython.int = 0
    while n < max_iter and zr * zr + zi * zi <= 4.0:
        zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
        n += 1
    return n


def mandelbrot(width: cython.int, height: cython.int, max_iter: cython.int) -> cython.long:
    """Sum of escape times over [-2, 1] x [-1.5, 1.5] sampled on a width x height grid."""
    x: cython.int
    y: cython.int
    cr: cython.double
    ci: cython.double
    total: cython.long = 0
    for y in range(height):
        ci = -1.5 + 3.0 * y / height
        for x in range(width):
            cr = -2.0 + 3.0 * x / width
            total += escape_time(cr, ci, max_iter)
    return total


if __name__ == "__main__":
    print(f"mandelbrot(200, 200, 100) = {mandelbrot(200, 200, 100)}")
