"""Integer and float loops in Cython's pure-Python mode (``import cython``).

The file compiles unchanged with Cython too; under plain CPython it needs a
``cython`` module: Cython's own, or pyc-aot's stand-in ``pyc_aot.cython``.
"""
import cython


def harmonic(n: cython.int) -> cython.double:
    """Return 1 + 1/2 + ... + 1/n."""
    i: cython.int
    s: cython.double = 0.0
    for i in range(1, n + 1):
        s += 1.0 / i
    return s


def gcd(a: cython.long, b: cython.long) -> cython.long:
    """Greatest common divisor (always >= 0), Euclid's algorithm."""
    while b != 0:
        a, b = b, a % b
    return abs(a)


@cython.cfunc
def _steps(n: cython.long) -> cython.int:
    steps: cython.int = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@cython.ccall
def collatz_steps(n: cython.long) -> cython.int:
    """Number of Collatz steps from n down to 1."""
    if n < 1:
        raise ValueError("n must be positive")
    return _steps(n)


def longest_collatz(limit: cython.long) -> cython.long:
    """The start below ``limit`` with the longest Collatz sequence."""
    best: cython.long = 1
    best_steps: cython.int = 0
    n: cython.long
    for n in range(1, limit):
        s: cython.int = _steps(n)
        if s > best_steps:
            best, best_steps = n, s
    return best
