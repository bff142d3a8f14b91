#!/usr/bin/env python3
"""examples/tree_cclass.py (a binary search tree and a linked list of
`@cython.cclass` nodes whose children are typed fields: built and walked,
allocation-heavy), timed by `example_timing.compare`: pyc-aot, Cython and
CPython with the shim on the same file.

    .venv/bin/python bench/tree_cclass.py     # writes bench/tree_cclass_results.md
"""
import sys

from example_timing import compare

if __name__ == "__main__":
    sys.exit(compare('tree_cclass', 'm.build_and_walk(20000,20)', 'A tree and a linked list of extension-type nodes', '20 rounds of 20000 inserts, walks and list nodes; result %s'))
