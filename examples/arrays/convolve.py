"""Two image kernels over 2-D arrays.

`convolve2d`: 2-D convolution in "valid" mode (no padding), the kernel flipped
as in scipy.signal.convolve2d(image, kernel, mode="valid").

`compute`: the function of Cython's "Working with NumPy" tutorial,
result = clip(array_1, 2, 10) * a + array_2 * b + c on int arrays, with the
output allocated by the caller instead of inside the function.

Reference: NumPy slices summed in the same order (bit-identical), and
`np.clip(array_1, 2, 10) * a + array_2 * b + c`.
"""
import cython


@cython.boundscheck(False)
@cython.wraparound(False)
def convolve2d(image: cython.double[:, ::1], kernel: cython.double[:, ::1],
               out: cython.double[:, ::1]):
    """out[i, j] = sum over (u, v) of kernel[u, v] * image[i + kh-1-u, j + kw-1-v];
    u outer, v inner, each output summed in that order.  out must be
    (H - kh + 1) x (W - kw + 1)."""
    kh: cython.Py_ssize_t = kernel.shape[0]
    kw: cython.Py_ssize_t = kernel.shape[1]
    oh: cython.Py_ssize_t = out.shape[0]
    ow: cython.Py_ssize_t = out.shape[1]
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    u: cython.Py_ssize_t
    v: cython.Py_ssize_t
    s: cython.double
    if kh == 0 or kw == 0:
        raise ValueError("convolve2d: empty kernel")
    if oh != image.shape[0] - kh + 1 or ow != image.shape[1] - kw + 1:
        raise ValueError("convolve2d: out has the wrong shape")
    for i in range(oh):
        for j in range(ow):
            s = 0.0
            for u in range(kh):
                for v in range(kw):
                    s += kernel[u, v] * image[i + kh - 1 - u, j + kw - 1 - v]
            out[i, j] = s


@cython.cfunc
@cython.inline
def clip(a: cython.int, min_value: cython.int, max_value: cython.int) -> cython.int:
    return min(max(a, min_value), max_value)


@cython.boundscheck(False)
@cython.wraparound(False)
def compute(array_1: cython.int[:, ::1], array_2: cython.int[:, ::1],
            a: cython.int, b: cython.int, c: cython.int, result: cython.int[:, ::1]):
    """result = clip(array_1, 2, 10) * a + array_2 * b + c (all int32)."""
    x_max: cython.Py_ssize_t = array_1.shape[0]
    y_max: cython.Py_ssize_t = array_1.shape[1]
    x: cython.Py_ssize_t
    y: cython.Py_ssize_t
    tmp: cython.int
    assert array_1.shape[0] == array_2.shape[0] and array_1.shape[1] == array_2.shape[1]
    if result.shape[0] != x_max or result.shape[1] != y_max:
        raise ValueError("compute: result has the wrong shape")
    for x in range(x_max):
        for y in range(y_max):
            tmp = clip(array_1[x, y], 2, 10)
            tmp = tmp * a + array_2[x, y] * b
            result[x, y] = tmp + c
