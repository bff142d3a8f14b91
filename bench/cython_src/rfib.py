"""rfib for the Cython column of the bench.

examples/rfib.py uses PEP 484 `int`, which Cython compiles as an arbitrary-size
Python int object (slow, boxed arithmetic).  A Cython user who wants speed
writes a C long, and `@cython.ccall` makes the recursive calls direct C calls,
so this is the fair Cython counterpart.
"""
import cython


@cython.ccall
def rfib(n: cython.long) -> cython.long:
    if n < 2:
        return n
    return rfib(n - 1) + rfib(n - 2)
