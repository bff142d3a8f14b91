"""C arrays set from list and tuple displays (issue 14)."""
import cython


def run(x: cython.double) -> cython.double:
    a: cython.double[3] = [x, 2.0, 3.0]
    m: cython.int[2][2] = [[1, 2], [3, 4]]
    b: cython.int[3] = (1, 2, 3)
    c: cython.double[2] = [1, 2]
    return a[0] + a[1] + a[2] + m[1][0] + b[2] + c[1]


def objs(o1: object, o2: object) -> cython.double:
    a: cython.double[2] = [o1, o2]
    return a[0] * 10 + a[1]


def ints(o1: object, n: cython.int) -> cython.long:
    a: cython.uchar[3] = [o1, n, 7]
    return a[0] * 10000 + a[1] * 100 + a[2]


def narrow(n: cython.int) -> cython.long:
    a: cython.uchar[2] = [n, n + 1]
    return a[0] * 1000 + a[1]


def declared(x: cython.double) -> cython.double:
    a = cython.declare(cython.double[3], [x, 2.0, 3.0])
    return a[0] * 100 + a[1] * 10 + a[2]


def fill(x: cython.double, y: cython.double) -> cython.double:
    a = cython.declare(cython.double[3])
    a[:] = [x, y, x + y]
    a[:] = (a[2], a[0], a[1])
    return a[0] * 100 + a[1] * 10 + a[2]


def reassigned(x: cython.double) -> cython.double:
    a: cython.double[2] = [1.0, 2.0]
    a = [x, a[0]]
    return a[0] * 10 + a[1]


def kept_on_error(o: object) -> cython.double:
    a: cython.double[2] = [1.0, 2.0]
    try:
        a[:] = [5.0, o]
    except TypeError:
        pass
    return a[0] * 10 + a[1]


def grid(k: cython.int) -> cython.long:
    m: cython.long[3][3] = [[k, k + 1, k + 2], (k * 10, k * 20, k * 30), [7, 8, 9]]
    t: cython.long = 0
    i: cython.int
    j: cython.int
    for i in range(3):
        for j in range(3):
            t = t * 7 + m[i][j]
    return t


def grid_store(k: cython.int) -> cython.long:
    m: cython.int[2][2] = [[1, 2], [3, 4]]
    m[1][0] = k
    m[0][1] += k * 3
    m[1][1] *= 2
    return m[0][0] * 1000000 + m[0][1] * 10000 + m[1][0] * 100 + m[1][1]


def in_loop(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    i: cython.int
    for i in range(n):
        a: cython.double[2] = [i, i * 0.5]
        t += a[0] + a[1]
    return t


def address_of(k: cython.int) -> cython.int:
    m: cython.int[2][2] = [[k, 2], [3, 4]]
    p: cython.p_int = cython.address(m[1][0])
    p[0] = 9
    return m[1][0] + m[0][0]


def cube(k: cython.int) -> cython.int:
    c: cython.int[2][2][2] = [[[1, 2], [3, 4]], [[5, 6], [7, k]]]
    c[0][1][1] += 100
    return c[1][1][1] * 1000 + c[0][1][1]
