"""`with cython.nogil:` / `with cython.gil:` and `@cython.nogil` functions:
the GIL released around typed code and put back on every way out."""
import cython


@cython.nogil
@cython.cfunc
def work(n: cython.long) -> cython.double:
    s: cython.double = 0.0
    i: cython.long
    for i in range(n):
        s += (i % 7) * 0.5
    return s


@cython.nogil
@cython.cfunc
def checked(n: cython.long) -> cython.long:
    if n == 13:
        raise ValueError("thirteen")
    return n * 2


@cython.nogil
@cython.cfunc
def depth(n: cython.long) -> cython.long:
    if n <= 0:
        return 0
    d: cython.long = depth(n - 1)
    if d < 0:
        return d
    return d + 1


def spin(n: cython.long) -> cython.double:
    r: cython.double
    with cython.nogil:
        r = work(n)
    return r


def fails(n: cython.long) -> cython.long:
    r: cython.long = 0
    with cython.nogil:
        r = checked(n)
        r = r // (n - 5)
    return r


def loops(n: cython.long) -> cython.long:
    k: cython.long = 0
    i: cython.long
    for i in range(n):
        with cython.nogil:
            if i == 7:
                break
            if i % 3 == 1:
                continue
            k += i
            with cython.gil:
                k += 100
                if k > 10000:
                    raise OverflowError("too big")
    return k


def early(n: cython.long) -> cython.long:
    with cython.nogil:
        if n > 2:
            return n
    return -1


def recurse(n: cython.long) -> cython.long:
    r: cython.long
    with cython.nogil:
        r = depth(n)
    return r


def fill(a: cython.double[:], b: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    with cython.nogil:
        a[:] = b
        a[i] = 2.0 * a[i]
    return a[i]


def assert_in(n: cython.int) -> cython.int:
    with cython.nogil:
        assert n < 100, "n is too large"
        n = n * n
    return n


@cython.cfunc
def total(a: cython.double[:]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    with cython.nogil:
        for i in range(a.shape[0]):
            s += a[i]
    return s


def total_plus_one(a: cython.double[:]) -> cython.double:
    return total(a) + 1.0
