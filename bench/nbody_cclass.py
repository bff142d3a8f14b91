#!/usr/bin/env python3
"""examples/nbody_cclass.py (pyperformance's n-body with each body a
`@cython.cclass` of C doubles, kept in a list, `advance` looping over the
pairs through variables typed as the class), timed by
`example_timing.compare`: pyc-aot, Cython and CPython with the shim on the
same file.

    .venv/bin/python bench/nbody_cclass.py     # writes bench/nbody_cclass_results.md
"""
import sys

from example_timing import compare

if __name__ == "__main__":
    sys.exit(compare('nbody_cclass', 'm.simulate(100000)', 'n-body with an extension type `Body`', '5 bodies, 100000 steps of 0.01; energies %s'))
