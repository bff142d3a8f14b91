#!/usr/bin/env python3
"""examples/particles_override.py (particles as a `@cython.cclass` whose `step`
cfunc is overridden in a subclass and called through the class table), timed by
`example_timing.compare`: pyc-aot, Cython and CPython with the shim on the
same file.

    .venv/bin/python bench/particles_override.py     # writes bench/particles_override_results.md
    .venv/bin/python bench/particles_override.py --wall 30   # interleaved runs, printed
"""
import sys

from example_timing import main

if __name__ == "__main__":
    sys.exit(main('particles_override', 'm.simulate(1000, 1000, 0.001)', 'Particles with an overridden cfunc step', '1000 particles (a third of them Charged), 1000 steps, each a table call; result %s'))
