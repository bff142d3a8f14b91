#!/usr/bin/env python3
"""examples/richards.py (pyperformance's richards copied as it is: untyped,
plain classes whose methods compile to the module's binding function type),
timed by `example_timing.compare`: pyc-aot, Cython 3.3.1 (`cythonize -3` on
the same .py) and CPython.

    .venv/bin/python bench/richards.py     # writes bench/richards_results.md
"""
import sys

from example_timing import compare

if __name__ == "__main__":
    sys.exit(compare('richards', 'm.Richards().run(10)', 'pyperformance richards, untyped',
                     "ten runs of the scheduler, each checking its own hold and packet counts; result %s"))
