"""Array kernels over typed memoryviews (Cython pure-Python mode).

Compiled by pyc-aot and also run unchanged as plain Python (with memoryview
or NumPy arguments) by tests/test_memoryview.py.  Every function here must be
compiled natively.
"""
import cython


# --- reductions ------------------------------------------------------------

def dot(a: cython.double[:], b: cython.double[:]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


@cython.boundscheck(False)
@cython.wraparound(False)
def dot_fast(a: cython.double[::1], b: cython.double[::1]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


def sum_long(a: cython.long[:]) -> cython.long:
    s: cython.long = 0
    i: cython.Py_ssize_t
    for i in range(len(a)):
        s += a[i]
    return s


def sum_int_backwards(a: cython.int[:]) -> cython.long:
    """Walks the array with negative indices only."""
    s: cython.long = 0
    k: cython.Py_ssize_t
    for k in range(1, a.shape[0] + 1):
        s = s * 3 + a[-k]
    return s


def sum2(a: cython.double[:, :]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i, j]
    return s


def sum3(a: cython.longlong[:, :, :]) -> cython.longlong:
    s: cython.longlong = 0
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            for k in range(a.shape[2]):
                s = s * 7 + a[i, j, k]
    return s


def count_true(a: cython.bint[:]) -> cython.Py_ssize_t:
    n: cython.Py_ssize_t = 0
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        if a[i]:
            n += 1
    return n


def argmax(a: cython.float[:]) -> cython.Py_ssize_t:
    best: cython.Py_ssize_t = -1
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        if best < 0 or a[i] > a[best]:
            best = i
    return best


# --- in place ---------------------------------------------------------------

def saxpy(alpha: cython.double, x: cython.double[:], y: cython.double[:]):
    i: cython.Py_ssize_t
    for i in range(x.shape[0]):
        y[i] = alpha * x[i] + y[i]


def saxpy_aug(alpha: cython.double, x: cython.double[:], y: cython.double[:]):
    i: cython.Py_ssize_t
    for i in range(x.shape[0]):
        y[i] += alpha * x[i]


@cython.boundscheck(False)
@cython.wraparound(False)
def saxpy_f32(alpha: cython.float, x: cython.float[::1], y: cython.float[::1]):
    i: cython.Py_ssize_t
    for i in range(x.shape[0]):
        y[i] = alpha * x[i] + y[i]


def axpby(x: cython.double[::1], y: cython.double[::1], out: cython.double[::1]):
    i: cython.Py_ssize_t
    for i in range(x.shape[0]):
        out[i] = x[i] * 2.0 + y[i] * 0.5


def copy_f32(src: cython.float[::1], dst: cython.float[::1]):
    i: cython.Py_ssize_t
    for i in range(src.shape[0]):
        dst[i] = src[i] * 1.5


def reverse_inplace(a: cython.short[:]):
    i: cython.Py_ssize_t
    t: cython.short
    n: cython.Py_ssize_t = a.shape[0]
    for i in range(n // 2):
        t = a[i]
        a[i] = a[-1 - i]
        a[-1 - i] = t


def scale_rows(a: cython.double[:, :], f: cython.double[:]):
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            a[i, j] *= f[i]


def fill3(a: cython.int[:, :, ::1]):
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            for k in range(a.shape[2]):
                a[i, j, k] = i * 100 + j * 10 + k


def matmul(a: cython.double[:, :], b: cython.double[:, :], out: cython.double[:, ::1]):
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    s: cython.double
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            s = 0.0
            for k in range(a.shape[1]):
                s += a[i, k] * b[k, j]
            out[i, j] = s


@cython.boundscheck(False)
@cython.wraparound(False)
def matmul_fast(a: cython.double[:, ::1], b: cython.double[:, ::1], out: cython.double[:, ::1]):
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    k: cython.Py_ssize_t
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            out[i, j] = 0.0
        for k in range(a.shape[1]):
            for j in range(b.shape[1]):
                out[i, j] += a[i, k] * b[k, j]


def histogram(data: cython.int[:], counts: cython.long[::1],
              lo: cython.int, width: cython.int) -> cython.Py_ssize_t:
    """counts[b] += 1 for each value in bin b = (v - lo) // width; returns
    how many values fell outside the bins."""
    outside: cython.Py_ssize_t = 0
    i: cython.Py_ssize_t
    b: cython.long
    for i in range(data.shape[0]):
        b = (data[i] - lo) // width
        if b < 0 or b >= counts.shape[0]:
            outside += 1
        else:
            counts[b] += 1
    return outside


def histogram_u8(data: cython.uchar[:], counts: cython.uint[::1]):
    i: cython.Py_ssize_t
    for i in range(len(data)):
        counts[data[i]] += 1


def stencil(img: cython.double[:, ::1], out: cython.double[:, ::1]):
    """5-point average on the interior; the border of out is left alone."""
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in range(1, img.shape[0] - 1):
        for j in range(1, img.shape[1] - 1):
            out[i, j] = (img[i - 1, j] + img[i + 1, j] + img[i, j - 1]
                         + img[i, j + 1] + img[i, j]) * 0.2


def stencil_strided(img: cython.double[:, :], out: cython.double[:, :]):
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in range(1, img.shape[0] - 1):
        for j in range(1, img.shape[1] - 1):
            out[i, j] = (img[i - 1, j] + img[i + 1, j] + img[i, j - 1]
                         + img[i, j + 1] + img[i, j]) * 0.2


# --- passing views between compiled functions --------------------------------

def _row_dot(a: cython.double[:, :], i: cython.Py_ssize_t, x: cython.double[:]) -> cython.double:
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(a.shape[1]):
        s += a[i, j] * x[j]
    return s


def matvec(a: cython.double[:, ::1], x: cython.double[:], y: cython.double[:]):
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        y[i] = _row_dot(a, i, x)


def _bump(c: cython.long[:]) -> cython.Py_ssize_t:
    c[0] += 1
    return c[0]


def aug_index_once(a: cython.double[:, :], c: cython.long[:]):
    """The index expressions of an augmented store run exactly once."""
    a[_bump(c), _bump(c)] += 10.0


# --- attributes ---------------------------------------------------------------

def shape_code(a: cython.double[:, :, :]) -> cython.Py_ssize_t:
    return (a.ndim * 1000000 + a.shape[0] * 10000 + a.shape[1] * 100 + a.shape[2]
            + len(a) * 100000000)


def strides_code(a: cython.double[:, :, :]) -> cython.Py_ssize_t:
    return a.strides[0] * 1000000 + a.strides[1] * 1000 + a.strides[2]
