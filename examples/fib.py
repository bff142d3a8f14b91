import cython


def fib(n: cython.int) -> cython.double:
    """Return the n-th Fibonacci number as a float."""
    i: cython.int
    a: cython.double = 0.0
    b: cython.double = 1.0
    for i in range(n):
        a, b = a + b, a
    return a
