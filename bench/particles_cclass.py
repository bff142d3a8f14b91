#!/usr/bin/env python3
"""examples/particles_cclass.py (particles as a `@cython.cclass` whose `step`
method integrates C double fields in place), timed by
`example_timing.compare`: pyc-aot, Cython and CPython with the shim on the
same file.

    .venv/bin/python bench/particles_cclass.py     # writes bench/particles_cclass_results.md
"""
import sys

from example_timing import compare

if __name__ == "__main__":
    sys.exit(compare('particles_cclass', 'm.simulate(1000, 1000, 0.001)', 'Particles as an extension type', '1000 particles, 1000 steps; result %s'))
