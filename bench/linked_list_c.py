#!/usr/bin/env python3
"""examples/linked_list_c.py (a linked list of malloc'ed C structs, handed
between cfuncs as `Node*`), timed by `example_timing.compare`: pyc-aot,
Cython and CPython with the shim on the same file.

    .venv/bin/python bench/linked_list_c.py     # writes bench/linked_list_c_results.md
    .venv/bin/python bench/linked_list_c.py --wall 50   # interleaved runs, printed
"""
import sys

from example_timing import main

if __name__ == "__main__":
    sys.exit(main('linked_list_c', 'm.checksum(200000, 3)', "A linked list of malloc'ed C structs", '200000 nodes pushed, reversed, thinned, walked, freed; result %s'))
