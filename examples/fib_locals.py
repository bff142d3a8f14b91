"""fib typed the older Cython way: `@cython.locals(...)` instead of annotations.

`fib_declare` does the same with `cython.declare(...)` in the body.
"""
import cython


@cython.locals(n=cython.int, i=cython.int, a=cython.double, b=cython.double)
def fib(n) -> cython.double:
    """Return the n-th Fibonacci number as a float."""
    a = 0.0
    b = 1.0
    for i in range(n):
        a, b = a + b, a
    return a


def fib_declare(n: cython.int) -> cython.double:
    """Same as fib, with the locals typed by cython.declare."""
    i = cython.declare(cython.int)
    a = cython.declare(cython.double, 0.0)
    b = cython.declare(cython.double, 1.0)
    for i in range(n):
        a, b = a + b, a
    return a


if __name__ == "__main__":
    print(f"fib(90) = {fib(90)!r}")
    print(f"fib_declare(90) = {fib_declare(90)!r}")
