#!/usr/bin/env python3
"""`prange` on this machine's cores against the same loop compiled serially
(one run, best of N calls each, ratios), and a `nogil` function called from
two Python threads against one call.

    .venv/bin/python bench/prange.py [--bin target/release/pyc-aot] [--write]

Kernels: examples/prange_sum.py (a sum over a double[:], memory-bound) and a
compute-bound sum (a division and a square root per element). Wall-clock
times on a shared machine: the load average is printed with them, since
other processes on the same cores take from the parallel runs first.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

HEAVY = '''
import cython
from cython.parallel import prange


def heavy_parallel(a: cython.double[:], threads: cython.int) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in prange(a.shape[0], nogil=True, num_threads=threads):
        s += a[i] * a[i] / (1.0 + a[i]) + a[i] ** 0.5
    return s


def heavy_serial(a: cython.double[:]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(a.shape[0]):
        s += a[i] * a[i] / (1.0 + a[i]) + a[i] ** 0.5
    return s


@cython.nogil
@cython.cfunc
def _spin(n: cython.long) -> cython.double:
    s: cython.double = 0.0
    i: cython.long
    for i in range(n):
        s += (i % 7) * 0.5
    return s


def spin(n: cython.long) -> cython.double:
    r: cython.double
    with cython.nogil:
        r = _spin(n)
    return r
'''


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def build(binary, src, out):
    subprocess.run([binary, "build", src, "-o", out], check=True, capture_output=True)
    stem = os.path.splitext(os.path.basename(src))[0]
    so = next(f for f in os.listdir(out) if f.startswith(stem + ".") and f.endswith(".so"))
    return load(os.path.join(out, so), stem)


def best(f, *args, n=15):
    b = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f(*args)
        b = min(b, time.perf_counter() - t)
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "pyc-aot"))
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    import numpy as np
    cores = os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        ps = build(args.bin, os.path.join(ROOT, "examples", "prange_sum.py"), tmp)
        heavy_src = os.path.join(tmp, "prange_heavy.py")
        with open(heavy_src, "w") as f:
            f.write(HEAVY)
        hv = build(args.bin, heavy_src, tmp)
        a = np.random.default_rng(15).random(10 ** 7)
        b = a[: 10 ** 6].copy()
        rows = []
        s = best(ps.serial_sum, a)
        rows.append(("sum of 10^7 doubles (prange_sum.py)", s, best(ps.parallel_sum_on, a, 1), best(ps.parallel_sum_on, a, cores)))
        s = best(hv.heavy_serial, b)
        rows.append(("division + sqrt per element, 10^6 doubles", s, best(hv.heavy_parallel, b, 1), best(hv.heavy_parallel, b, cores)))
        n = 50_000_000
        one = best(hv.spin, n, n=5)

        def two():
            ts = [threading.Thread(target=hv.spin, args=(n,)) for _ in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        both = best(two, n=5)
    load_avg = os.getloadavg()[0]
    lines = [f"`prange` on {cores} cores, load average {load_avg:.2f} when measured (best of 15 calls; one run)", "",
             f"| kernel | serial `range` | `prange`, 1 thread | `prange`, {cores} threads | serial / {cores} threads |", "|---|---|---|---|---|"]
    for name, s, p1, pn in rows:
        lines.append(f"| {name} | {s * 1e3:.2f} ms | {p1 * 1e3:.2f} ms | {pn * 1e3:.2f} ms | {s / pn:.2f}x |")
    lines += ["", f"`nogil` function from Python threads: one call {one * 1e3:.1f} ms, two threads at once {both * 1e3:.1f} ms ({both / one:.2f}x one call's time)"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        with open(os.path.join(HERE, "prange_results.md"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
