#!/usr/bin/env python3
"""`prange` on this machine's cores against the same loop compiled serially
and against Cython with OpenMP (`-fopenmp`) on the same `.py` files (one
run, best of N calls each, ratios), and a `nogil` function called from two
Python threads against one call.

    .venv/bin/python bench/prange.py [--bin target/release/pyc-aot] [--no-cython] [--callgrind] [--write]
                                     [--only mandelbrot] [--rounds 5]

`--only WORD` times the kernels whose name holds WORD (and builds only
their files); `--rounds R` times each kernel R times, pyc-aot's and
Cython's calls taken in turn, and prints every round's row.

Kernels: examples/prange_sum.py (a sum over a double[:], memory-bound), a
compute-bound sum (a division and a square root per element),
examples/mandelbrot_prange.py (rows, `schedule='dynamic'`) and
examples/matmul_prange.py (rows of the product: the k-blocked kernel and
the tiled one, `matmul_tiled`). Wall-clock times on a
shared machine: the load average is printed with them, since other
processes on the same cores take from the parallel runs first. Cython comes
from bench/.work/venv (created by bench/run.py's way, from PyPI), each file
cythonized with CFLAGS="-O3 -fopenmp". `--callgrind` also counts the
instructions of one call of each kernel on small inputs, serial against
`prange` on one thread (load cannot change those).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLES = os.path.join(ROOT, "examples")

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
@cython.exceptval(check=False)
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


def so_of(out, stem):
    return os.path.join(out, next(f for f in os.listdir(out) if f.startswith(stem + ".") and f.endswith(".so")))


def build(binary, src, out):
    subprocess.run([binary, "build", src, "-o", out], check=True, capture_output=True)
    stem = os.path.splitext(os.path.basename(src))[0]
    return load(so_of(out, stem), stem)


def build_cython(srcs, out):
    """Each source cythonized and compiled with OpenMP, as Cython's docs say; {stem: module}."""
    sys.path.insert(0, HERE)
    import run  # bench/run.py: its Cython venv

    err = run.ensure_cython_venv()
    if err:
        raise RuntimeError(err)
    os.makedirs(out, exist_ok=True)
    for s in srcs:
        shutil.copy(s, out)
    names = [os.path.basename(s) for s in srcs]
    env = dict(os.environ, CFLAGS="-O3 -fopenmp", LDFLAGS="-fopenmp")
    r = subprocess.run([os.path.join(run.VENV, "bin", "cythonize"), "-i", "-3", "-q", *names], cwd=out, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("cythonize failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])
    return {os.path.splitext(n)[0]: load(so_of(out, os.path.splitext(n)[0]), os.path.splitext(n)[0]) for n in names}


def best(f, *args, n=15):
    b = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f(*args)
        b = min(b, time.perf_counter() - t)
    return b


# The module each kernel of `kernels` calls, in its order.
KERNEL_FILES = ["prange_sum", "prange_heavy", "mandelbrot_prange", "matmul_prange", "matmul_prange", "matmul_prange"]


def kernels(mods, np, small=False):
    """(name, serial call, prange call with a thread count, calls to time) per kernel
    (a module not in `mods` is only named: its kernels are not called)."""
    ps, hv, mb, mm = (mods.get(s) for s in ("prange_sum", "prange_heavy", "mandelbrot_prange", "matmul_prange"))
    rng = np.random.default_rng(15)
    a = rng.random(10 ** 5 if small else 10 ** 7)
    b = a[: 10 ** 5 if small else 10 ** 6].copy()
    img = np.zeros((60, 80) if small else (600, 800), dtype=np.intc)
    it = 100 if small else 200
    m = rng.random((60, 60) if small else (400, 400))
    c = np.zeros_like(m)
    # The same product with `b` (320 KB) inside one core's L2 (512 KB here):
    # at 400x400 every row streams `b` (1.28 MB) from the L3 both cores share.
    m2 = rng.random((30, 30) if small else (200, 200))
    c2 = np.zeros_like(m2)
    return [
        ("sum of %s doubles (prange_sum.py)" % ("10^5" if small else "10^7"), lambda: ps.serial_sum(a), lambda t: ps.parallel_sum_on(a, t), 15),
        ("division + sqrt per element, %s doubles" % ("10^5" if small else "10^6"), lambda: hv.heavy_serial(b), lambda t: hv.heavy_parallel(b, t), 15),
        ("Mandelbrot %dx%d, %d iterations, dynamic rows (mandelbrot_prange.py)" % (img.shape[1], img.shape[0], it),
         lambda: mb.mandelbrot_serial(img, it), lambda t: mb.mandelbrot(img, it, t), 7),
        ("matrix product %dx%d (matmul_prange.py)" % m.shape, lambda: mm.matmul_serial(m, m, c), lambda t: mm.matmul(m, m, c, t), 7),
        ("matrix product %dx%d, the second matrix inside one core's L2 (matmul_prange.py)" % m2.shape, lambda: mm.matmul_serial(m2, m2, c2), lambda t: mm.matmul(m2, m2, c2, t), 25),
        # Tiles of 64 x 256 of `b`, blocks of 16 rows of `c` (matmul_tiled).
        ("matrix product %dx%d, tiled (matmul_prange.py's matmul_tiled)" % m.shape, lambda: mm.matmul_tiled_serial(m, m, c), lambda t: mm.matmul_tiled(m, m, c, t), 7),
    ]


CALLGRIND = """
import sys, importlib.util
import numpy as np
sys.path.insert(0, {here!r})
from prange import kernels
def load(stem):
    spec = importlib.util.spec_from_file_location(stem, {sos!r}[stem])
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m
k = kernels({{s: load(s) for s in {sos!r}}}, np, small=True)[{k}]
f = k[1] if {serial} else (lambda: k[2](1))
for _ in range({n}):
    f()
"""


def instructions(sos, k, serial, n):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        code = CALLGRIND.format(here=HERE, sos=sos, k=k, serial=serial, n=n)
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, sys.executable, "-c", code],
                       check=True, capture_output=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        with open(out) as f:
            for line in f:
                m = re.match(r"(?:summary|totals):\s+(\d+)", line)
                if m:
                    return int(m.group(1))
    raise RuntimeError("no totals in callgrind output")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "pyc-aot"))
    ap.add_argument("--no-cython", action="store_true")
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--only", default="", help="only the kernels whose name holds this word (e.g. mandelbrot)")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    import numpy as np
    cores = os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        heavy_src = os.path.join(tmp, "src", "prange_heavy.py")
        os.makedirs(os.path.dirname(heavy_src))
        with open(heavy_src, "w") as f:
            f.write(HEAVY)
        srcs = [os.path.join(EXAMPLES, n + ".py") for n in ("prange_sum", "mandelbrot_prange", "matmul_prange")] + [heavy_src]
        names = [k[0] for k in kernels({}, np)]
        chosen = [i for i, name in enumerate(names) if args.only.lower() in name.lower()]
        if not chosen:
            sys.exit(f"no kernel's name holds {args.only!r}: " + "; ".join(names))
        needed = {KERNEL_FILES[i] for i in chosen}
        srcs = [s for s in srcs if os.path.splitext(os.path.basename(s))[0] in needed | {"prange_heavy"}]
        ours = {}
        for src in srcs:
            stem = os.path.splitext(os.path.basename(src))[0]
            ours[stem] = build(args.bin, src, os.path.join(tmp, "pyc"))
        cy = None if args.no_cython else build_cython(srcs, os.path.join(tmp, "cython"))
        rows = []
        cy_kernels = kernels(cy, np) if cy else None
        for i, (name, serial, par, n) in enumerate(kernels(ours, np)):
            if i not in chosen:
                continue
            for r in range(args.rounds):
                row = [name if args.rounds == 1 else f"{name}, round {r + 1}", best(serial, n=n), best(par, 1, n=n), best(par, cores, n=n)]
                if cy_kernels:
                    _, cserial, cpar, _ = cy_kernels[i]
                    row += [best(cserial, n=n), best(cpar, cores, n=n)]
                rows.append(row)
        hv = ours["prange_heavy"]
        spins = 50_000_000
        one = best(hv.spin, spins, n=5)

        def two():
            ts = [threading.Thread(target=hv.spin, args=(spins,)) for _ in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        both = best(two, n=5)
        counts = []
        if args.callgrind:
            sos = {stem: so_of(os.path.join(tmp, "pyc"), stem) for stem in ours}
            for k, (name, *_rest) in enumerate(kernels(ours, np, small=True)):
                if k not in chosen:
                    continue
                per = [(instructions(sos, k, s, 11) - instructions(sos, k, s, 1)) / 10 for s in (True, False)]
                counts.append((name, *per))
    load_avg = os.getloadavg()[0]
    lines = [f"`prange` on {cores} cores, load average {load_avg:.2f} when measured (best of 15 or 7 calls; one run)", ""]
    head = f"| kernel | serial `range` | `prange`, 1 thread | `prange`, {cores} threads | serial / {cores} threads |"
    rule = "|---|---|---|---|---|"
    if rows and len(rows[0]) > 4:
        head += f" Cython -fopenmp serial | Cython `prange`, {cores} threads | Cython / pyc-aot, {cores} threads |"
        rule += "---|---|---|"
    lines += [head, rule]
    for row in rows:
        name, s, p1, pn = row[:4]
        line = f"| {name} | {s * 1e3:.2f} ms | {p1 * 1e3:.2f} ms | {pn * 1e3:.2f} ms | {s / pn:.2f}x |"
        if len(row) > 4:
            cs, cn = row[4:]
            line += f" {cs * 1e3:.2f} ms | {cn * 1e3:.2f} ms | {cn / pn:.2f}x |"
        lines.append(line)
    lines += ["", f"`nogil` function from Python threads: one call {one * 1e3:.1f} ms, two threads at once {both * 1e3:.1f} ms ({both / one:.2f}x one call's time)"]
    if counts:
        lines += ["", "Instructions per call (callgrind, small inputs, `OMP_NUM_THREADS=1`):", "",
                  "| kernel | serial `range` | `prange`, 1 thread | ratio |", "|---|---|---|---|"]
        for name, s, p in counts:
            lines.append(f"| {name} | {s:,.0f} | {p:,.0f} | {p / s:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        with open(os.path.join(HERE, "prange_results.md"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
