"""Fortran-ordered memoryviews `T[::1, :]`: column-major buffers only, the
first axis packed; columns are contiguous 1-D views."""
import cython


def col_sums(m: cython.double[::1, :], out: cython.double[:]):
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for j in range(m.shape[1]):
        s: cython.double = 0.0
        for i in range(m.shape[0]):
            s += m[i, j]
        out[j] = s


def fill_index(m: cython.int[::1, :, :]):
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            for k in range(m.shape[2]):
                m[i, j, k] = i * 100 + j * 10 + k


@cython.cfunc
def total(v: cython.double[::1]) -> cython.double:
    s: cython.double = 0.0
    for i in range(v.shape[0]):
        s += v[i]
    return s


def column_total(m: cython.double[::1, :], j: cython.Py_ssize_t) -> cython.double:
    # A column of a Fortran view is contiguous: it passes as `double[::1]`.
    return total(m[:, j])


@cython.cfunc
def any_layout(m: cython.double[:, :]) -> cython.double:
    return m[m.shape[0] - 1, m.shape[1] - 1]


def last_element(m: cython.double[::1, :]) -> cython.double:
    return any_layout(m)


def get(m: cython.float[::1, :], i: cython.Py_ssize_t, j: cython.Py_ssize_t) -> cython.float:
    return m[i, j]
