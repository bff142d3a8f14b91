"""C `double complex` (`complex`, `cython.doublecomplex`): locals,
parameters, results, arithmetic as CPython computes it."""
import cython


def ident(z: complex) -> complex:
    return z


def add(a: complex, b: complex) -> complex:
    return a + b


def sub(a: complex, b: complex) -> complex:
    return a - b


def mul(a: complex, b: complex) -> complex:
    return a * b


def div(a: complex, b: complex) -> complex:
    return a / b


def mixed(a: complex, x: cython.double, n: cython.int) -> tuple:
    return (a + x, x + a, a - x, x - a, a * x, x * a, a / x, x / a, a + n, n * a, a - 1, 2 * a, a / 2)


def unary(a: complex) -> tuple:
    return (-a, +a, not a, bool(a))


def compare(a: complex, b: complex) -> tuple:
    return (a == b, a != b, a == 1, a != 1.5, 2j == a)


def absz(a: complex) -> cython.double:
    return abs(a)


def parts(a: cython.doublecomplex) -> tuple:
    c: complex = a.conjugate()
    return (a.real, a.imag, c, c.real, c.imag)


def build(x: cython.double, y: cython.double) -> complex:
    return complex(x, y)


def build_int(n: cython.int) -> complex:
    return complex(n) + complex(n, n)


def literals() -> list:
    return [1j, 2 + 3j, -3j, 2 - 3j, 1j * 1j, 0j, -0j, 1.5e300j]


def boxed(a: complex) -> list:
    out: list = [a, (a, a * 2)]
    out.append(a)
    out.append(f"{a}|{a:.3f}|{a!r}")
    out.append(str(a))
    return out


def from_object(o) -> complex:
    z: complex = o
    return z


def sum_list(items: list) -> complex:
    s: complex = 0
    z: complex
    for x in items:
        z = x
        s = s + z
    return s


def power(a: complex) -> complex:
    return a ** 2


def inferred(a: complex, b: complex):
    c = a * b - a
    return c


@cython.cfunc
def sq(z: complex) -> complex:
    return z * z


def calls_cfunc(z: complex) -> complex:
    return sq(z) + sq(z + 1)


def julia(z: complex, c: complex, maxiter: cython.int) -> cython.int:
    n: cython.int = 0
    while n < maxiter and abs(z) < 2:
        z = z * z + c
        n += 1
    return n
