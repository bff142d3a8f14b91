"""fib with plain PEP 484 annotations: `int` argument, `float` result.

The locals `a`, `b` and `i` carry no annotation: their types are inferred
from their assignments (float, float, and int from `range`).
"""


def fib(n: int) -> float:
    """Return the n-th Fibonacci number as a float."""
    a = 0.0
    b = 1.0
    for i in range(n):
        a, b = a + b, a
    return a


if __name__ == "__main__":
    print(f"fib(90) = {fib(90)!r}")
