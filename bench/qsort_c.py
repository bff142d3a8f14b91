#!/usr/bin/env python3
"""examples/qsort_c.py (C's qsort over a malloc'ed array of doubles with a
`@cython.cfunc` comparator; the shim's qsort calls it with pointer objects),
timed by `example_timing.compare`: pyc-aot, Cython and CPython with the shim
on the same file.

    .venv/bin/python bench/qsort_c.py     # writes bench/qsort_c_results.md
    .venv/bin/python bench/qsort_c.py --wall 50   # interleaved runs, printed
"""
import sys

from example_timing import main

if __name__ == "__main__":
    sys.exit(main('qsort_c', 'm.checksum(200000, 3)', 'qsort with a cfunc comparator', "200000 doubles made, sorted by glibc's qsort calling the comparator, checked, summed; result %s"))
