"""Newton's method raising a custom exception, caught in a loop: the
square roots (and cube roots) of many numbers, the ones that do not
converge counted instead of failing the whole run. Every function
compiles natively (`try`/`except`, `raise` of a class from the module)."""

import cython


class NoConvergence(ArithmeticError):
    """Newton's iteration did not settle within its step budget."""


def newton_root(a: cython.double, k: cython.int, steps: cython.int) -> cython.double:
    """The k-th root of a (k >= 2) by Newton's method, or NoConvergence."""
    if k < 2:
        raise ValueError("k must be at least 2")
    x: cython.double = a if a > 1.0 else 1.0
    i: cython.int
    for i in range(steps):
        # `**` raises OverflowError past the largest double, as in Python.
        nxt: cython.double = x - (x ** k - a) / (k * x ** (k - 1))
        if abs(nxt - x) <= 1e-12 * abs(nxt):
            return nxt
        x = nxt
    raise NoConvergence("no convergence for %r after %d steps" % (a, steps))


def roots(values, k: cython.int, steps: cython.int):
    """The k-th roots of `values` (the message where Newton's method gave
    up, None where a power overflowed), and how many failed."""
    out = []
    failed: cython.int = 0
    for v in values:
        try:
            out.append(newton_root(v, k, steps))
        except NoConvergence as e:
            failed += 1
            out.append(str(e))
        except (ZeroDivisionError, OverflowError):
            failed += 1
            out.append(None)
    return out, failed


def total_of_roots(n: cython.int, k: cython.int, steps: cython.int) -> cython.double:
    """The sum of the k-th roots of 0.5, 1.5, …, n - 0.5 that converge."""
    total: cython.double = 0.0
    i: cython.int
    for i in range(n):
        try:
            total += newton_root(i + 0.5, k, steps)
        except NoConvergence:
            pass
        finally:
            total += 0.0
    return total


if __name__ == "__main__":
    rs, failed = roots([2.0, 9.0, 1e150, 1e300, 0.25], 2, 60)
    print("roots", rs, "failed", failed)
    print("total_of_roots(1000, 3, 40) =", total_of_roots(1000, 3, 40))
