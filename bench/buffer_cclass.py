#!/usr/bin/env python3
"""examples/buffer_cclass.py (a growable vector of doubles, a
`@cython.cclass` exporting its `malloc`ed memory through
`__getbuffer__`/`__releasebuffer__`), timed by `example_timing.compare`:
`sweep` takes a `double[:]` view of the vector (the export) and runs
`total` and `dot` over it, 50 times; pyc-aot, Cython and CPython with the
shim on the same file (run as Python, the functions read the items through
`len`/`[]`).

    .venv/bin/python bench/buffer_cclass.py     # writes bench/buffer_cclass_results.md
"""
import sys

from example_timing import compare

if __name__ == "__main__":
    sys.exit(compare('buffer_cclass', 'm.sweep(m.ramp(200000),50)', 'A cclass exporting a buffer viewed as `double[:]`',
                     '50 views of a 200,000-item vector, each summed and dotted with itself; result %s'))
