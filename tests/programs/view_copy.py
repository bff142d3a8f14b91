"""Copies between memoryviews: `dst[...] = src`, `dst[a:b] = src`, rows and
columns, overlapping views of one buffer."""
import cython


def copy_all(dst: cython.double[:], src: cython.double[:]):
    dst[:] = src


def copy_ellipsis(dst: cython.double[:, :], src: cython.double[:, :]):
    dst[...] = src


def copy_part(dst: cython.double[:], src: cython.double[:], lo: cython.Py_ssize_t, hi: cython.Py_ssize_t):
    dst[lo:hi] = src


def shift_right(a: cython.int[:], k: cython.Py_ssize_t):
    a[k:] = a[:a.shape[0] - k]


def shift_left(a: cython.int[:], k: cython.Py_ssize_t):
    a[:a.shape[0] - k] = a[k:]


def set_row(m: cython.double[:, :], i: cython.Py_ssize_t, row: cython.double[:]):
    m[i, :] = row


def set_column(m: cython.double[:, :], j: cython.Py_ssize_t, col: cython.double[:]):
    m[:, j] = col


def flip_in_place(m: cython.double[:, :]):
    m[...] = m[::-1, ::-1]


def copy3(dst: cython.float[:, :, :], src: cython.float[:, :, :]):
    dst[...] = src


def copy_bytes(dst: cython.uchar[::1], src: cython.uchar[:]):
    dst[:] = src


def copy_local(src: cython.long[:], dst: cython.long[:]) -> cython.long:
    # A copy into a C array through its view, then a sum: nothing escapes.
    buf: cython.long[8]
    n: cython.Py_ssize_t = src.shape[0]
    buf[:n] = src
    dst[:n] = buf[:n]
    t: cython.long = 0
    i: cython.Py_ssize_t
    for i in range(n):
        t += buf[i]
    return t
