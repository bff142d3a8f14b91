"""abs() of a C double complex compared with a constant: every comparison
operator, the constant on either side, constants that are not exact
squares, and a chain (which takes the general path)."""
import cython


def lt(z: complex) -> cython.bint:
    return abs(z) < 2


def le(z: complex) -> cython.bint:
    return abs(z) <= 2.5


def gt(z: complex) -> cython.bint:
    return abs(z) > 0.1


def ge(z: complex) -> cython.bint:
    return abs(z) >= 5


def eq(z: complex) -> cython.bint:
    return abs(z) == 5


def ne(z: complex) -> cython.bint:
    return abs(z) != 1.0


def const_left(z: complex) -> cython.bint:
    return 3.3 > abs(z)


def const_left_le(z: complex) -> cython.bint:
    return 1e-5 <= abs(z)


def huge(z: complex) -> cython.bint:
    return abs(z) < 1e200


def tiny(z: complex) -> cython.bint:
    return abs(z) < 1e-200


def negative(z: complex) -> cython.bint:
    return abs(z) > -1.0


def chain(z: complex) -> cython.bint:
    return 1 < abs(z) < 2


def branch(z: complex) -> cython.int:
    if abs(z) < 2:
        return 1
    return 0


def escape(z: complex, c: complex, maxiter: cython.int) -> cython.int:
    n: cython.int = 0
    while n < maxiter and abs(z) < 2:
        z = z * z + c
        n += 1
    return n
