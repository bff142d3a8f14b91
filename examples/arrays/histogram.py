"""Counting over integer arrays.

`bincount(values, counts)`: counts[v] += 1 for every v in values (like
`np.bincount(values, minlength=len(counts))`); a value outside
[0, len(counts)) raises ValueError and leaves counts partly updated.

`histogram(values, lo, hi, counts)`: equal-width bins over [lo, hi); value v
goes to bin (v - lo) * nbins // (hi - lo); values outside [lo, hi) are not
counted; returns how many were counted.

Reference: np.bincount, and the same bin formula in NumPy.
"""
import cython


@cython.boundscheck(False)
@cython.wraparound(False)
def bincount(values: cython.int[:], counts: cython.long[::1]):
    nbins: cython.Py_ssize_t = counts.shape[0]
    i: cython.Py_ssize_t
    v: cython.int
    for i in range(values.shape[0]):
        v = values[i]
        if v < 0 or v >= nbins:
            raise ValueError("bincount: value out of range")
        counts[v] += 1


@cython.boundscheck(False)
@cython.wraparound(False)
def histogram(values: cython.long[:], lo: cython.long, hi: cython.long,
              counts: cython.long[::1]) -> cython.Py_ssize_t:
    nbins: cython.Py_ssize_t = counts.shape[0]
    width: cython.long = hi - lo
    i: cython.Py_ssize_t
    v: cython.long
    counted: cython.Py_ssize_t = 0
    if width <= 0 or nbins == 0:
        raise ValueError("histogram: need lo < hi and at least one bin")
    for i in range(values.shape[0]):
        v = values[i]
        if v >= lo and v < hi:
            counts[(v - lo) * nbins // width] += 1
            counted += 1
    return counted
