#!/usr/bin/env python3
"""examples/nbody_lists.py (pyperformance's n-body as it is: untyped, the
bodies lists and tuples of Python floats, `advance` unpacking each pair
through nested tuple/list targets), timed by `example_timing.compare`:
pyc-aot, Cython and CPython with the shim on the same file.

    .venv/bin/python bench/nbody_lists.py     # writes bench/nbody_lists_results.md
"""
import sys

from example_timing import compare

if __name__ == "__main__":
    sys.exit(compare('nbody_lists', 'm.simulate(20000)', "pyperformance's n-body over lists (untyped)", "5 bodies, 20000 steps of 0.01; energies %s"))
