"""Naive doubly-recursive Fibonacci in plain PEP 484 style.

No ``import cython`` needed: ``int`` is compiled as a 64-bit signed integer
whose overflow raises OverflowError instead of giving a wrong answer, and the
recursive calls go straight to the native entry point.
"""


def rfib(n: int) -> int:
    """Return the n-th Fibonacci number, computed recursively."""
    if n < 2:
        return n
    return rfib(n - 1) + rfib(n - 2)


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    print(f"rfib({n}) = {rfib(n)}")
