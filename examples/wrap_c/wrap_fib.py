# distutils: sources = cfib.c
"""High Performance Python's `wrap_fib`: a Python-visible `fib` calling the
C function `cfib` that cfib.pxd declares (Cython's pure-Python mode)."""
import cython
from cython.cimports.cfib import cfib


def fib(n: cython.int) -> cython.double:
    return cfib(n)
