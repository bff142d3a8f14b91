#!/usr/bin/env python3
"""examples/vec2_cclass.py (a 2-D vector `@cython.cclass` whose operators
are special methods in type slots, used in a hot loop that allocates a few
vectors per step), timed by `example_timing.compare`: pyc-aot, Cython and
CPython with the shim on the same file.

    .venv/bin/python bench/vec2_cclass.py     # writes bench/vec2_cclass_results.md
"""
import sys

from example_timing import compare

if __name__ == "__main__":
    sys.exit(compare('vec2_cclass', 'm.orbit(1000000,0.0001)', 'A 2-D vector extension type with operators', '1000000 leapfrog steps; result %s'))
