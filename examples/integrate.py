"""The numerical integration example from Cython's pure-Python-mode tutorial.

``f`` is a ``@cython.cfunc``: compiled code calls it natively and it is not
exported to Python.  ``integrate_f`` is an ordinary ``def`` that Python can
call.
"""
import cython


@cython.cfunc
def f(x: cython.double) -> cython.double:
    return x ** 2 - x


def integrate_f(a: cython.double, b: cython.double, N: cython.int) -> cython.double:
    """Integrate f(x) = x**2 - x over [a, b] with N left rectangles."""
    i: cython.int
    s: cython.double = 0.0
    dx: cython.double = (b - a) / N
    for i in range(N):
        s += f(a + i * dx)
    return s * dx


if __name__ == "__main__":
    # The exact integral of x**2 - x over [0, 1] is -1/6.
    result = integrate_f(0.0, 1.0, 10_000)
    print(f"integrate_f(0.0, 1.0, 10000) = {result!r}  (exact: {-1 / 6!r})")
