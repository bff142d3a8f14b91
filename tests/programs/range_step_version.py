import cython


def sum_step(a: cython.double[:], lo: cython.Py_ssize_t, s: cython.Py_ssize_t) -> cython.double:
    i: cython.Py_ssize_t
    t: cython.double = 0.0
    for i in range(lo, a.shape[0], s):
        t += a[i]
    return t


def last_step(n: cython.int, s: cython.int) -> cython.longlong:
    # A narrow variable: its range cut where the type ends, as serially.
    i: cython.int = -1
    k: cython.int = 0
    for i in range(n - 5, n, s):
        k += 1
    return cython.cast(cython.longlong, i) * 1000 + k


def broke(n: cython.Py_ssize_t, s: cython.Py_ssize_t, at: cython.Py_ssize_t) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    r: cython.Py_ssize_t = -1
    for i in range(0, n, s):
        if i >= at:
            r = i
            break
    else:
        r = -2
    return r


def stored(a: cython.long[:], s: cython.Py_ssize_t) -> cython.long:
    i: cython.Py_ssize_t
    for i in range(0, a.shape[0], s):
        a[i] = a[i] * 2 + i
    t: cython.long = 0
    for i in range(a.shape[0]):
        t = t * 3 + a[i]
    return t


def step_changed(n: cython.Py_ssize_t, s: cython.Py_ssize_t) -> cython.Py_ssize_t:
    # The range is evaluated once: changing the step inside changes nothing.
    i: cython.Py_ssize_t
    c: cython.Py_ssize_t = 0
    for i in range(0, n, s):
        s = 5
        c += i
    return c * 100 + s
