#!/usr/bin/env python3
"""examples/particles_c.py (a particle simulation over a malloc'ed C array of
structs), timed by `example_timing.compare`: pyc-aot, Cython and CPython
with the shim on the same file.

    .venv/bin/python bench/particles_c.py     # writes bench/particles_c_results.md
    .venv/bin/python bench/particles_c.py --wall 50   # interleaved runs, printed
"""
import sys

from example_timing import main

if __name__ == "__main__":
    sys.exit(main('particles_c', 'm.simulate(4096, 500, 0.01)', "A particle simulation over a malloc'ed C array of structs", '4096 particles, 500 steps; result %s'))
