#!/usr/bin/env python3
"""Instructions per call of the example kernels, counted by callgrind, for one
pyc-aot binary or for several side by side (a before/after comparison of a
change on a shared, noisy machine).

    .venv/bin/python bench/kernels.py                         # target/release/pyc-aot
    .venv/bin/python bench/kernels.py --bin OLD --bin NEW     # ratio NEW/OLD per kernel
    .venv/bin/python bench/kernels.py --only fib,dot --write  # also write bench/kernels_results.md

Each kernel's module is built by each binary (target native) and called in a
loop `for _ in repeat(None, n): call()` for two values of n in two callgrind
runs; the difference divided by the difference of n is the cost of one call.
`fib` counts the whole process (`python -S`, a fixed hash seed: the
interpreter's own work per call is part of the call overhead). The kernels
that need NumPy count only inside the module's wrappers (`--toggle-collect`,
the module linked without `-s` so callgrind sees their names): NumPy's import
alone varies between runs by more than a kernel call costs. Needs NumPy
for the array kernels (the project's .venv has it); without it they are
skipped, saying so.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EX = os.path.join(ROOT, "examples")
ARR = os.path.join(EX, "arrays")
sys.path.insert(0, HERE)
from callgrind import callgrind_total  # noqa: E402

# A C compiler that drops the linker's `-s`, so the module keeps its symbols.
KEEP_SYMBOLS = """#!/usr/bin/env bash
args=()
for a in "$@"; do [ "$a" = -s ] || args+=("$a"); done
exec ${REAL_CC:-cc} "${args[@]}"
"""

# name, source file, set-up code (module imported as `m`), call, (n1, n2)
KERNELS = [
    ("fib(0)", os.path.join(EX, "fib.py"), "", "m.fib(0)", (20000, 120000)),
    ("fib(90)", os.path.join(EX, "fib.py"), "", "m.fib(90)", (20000, 120000)),
    ("rfib(25)", os.path.join(EX, "rfib.py"), "", "m.rfib(25)", (20, 120)),
    ("integrate_f", os.path.join(EX, "integrate.py"), "", "m.integrate_f(0.0, 2.0, 2000)", (20, 120)),
    ("mandelbrot", os.path.join(EX, "mandelbrot.py"), "", "m.mandelbrot(40, 30, 60)", (5, 25)),
    ("dot", os.path.join(ARR, "dot.py"), "a = np.linspace(0, 1, 4000); b = a[::-1].copy()",
     "m.dot(a, b)", (20, 120)),
    ("dot strided", os.path.join(ARR, "dot.py"), "a = np.linspace(0, 1, 8000)[::2]; b = a.copy()",
     "m.dot(a, b)", (20, 120)),
    ("saxpy", os.path.join(ARR, "saxpy.py"), "x = np.linspace(0, 1, 4000); y = x.copy()",
     "m.saxpy(1.5, x, y)", (20, 120)),
    ("matmul", os.path.join(ARR, "matmul.py"),
     "a = np.random.default_rng(1).random((32, 32)); b = a.T.copy(); c = np.zeros((32, 32))",
     "m.matmul(a, b, c)", (5, 25)),
    ("matmul i-k-j", os.path.join(ARR, "matmul.py"),
     "a = np.random.default_rng(1).random((32, 32)); b = a.T.copy(); c = np.zeros((32, 32))",
     "m.matmul_ikj(a, b, c)", (5, 25)),
    ("mandelbrot2d", os.path.join(ARR, "mandelbrot2d.py"), "c = np.zeros((24, 32), dtype=np.int32)",
     "m.mandelbrot(c, -2.0, 1.0, -1.0, 1.0, 50)", (5, 25)),
    ("spectral norm", os.path.join(ARR, "spectral_norm.py"),
     "u = np.ones(60); v = np.zeros(60); t = np.zeros(60)",
     "u.fill(1.0); m.spectral_norm(u, v, t, 2)", (5, 25)),
    ("nbody", os.path.join(ARR, "nbody.py"),
     "r = np.random.default_rng(2); p = r.random((5, 3)); v = r.random((5, 3)); ms = r.random(5) + 1",
     "m.advance(p, v, ms, 0.001, 20)", (5, 25)),
    ("convolve2d", os.path.join(ARR, "convolve.py"),
     "i = np.random.default_rng(3).random((40, 40)); k = np.ones((3, 3)) / 9; o = np.zeros((38, 38))",
     "m.convolve2d(i, k, o)", (5, 25)),
    ("histogram", os.path.join(ARR, "histogram.py"),
     "vals = np.random.default_rng(4).integers(0, 100, 4000); cnt = np.zeros(10, dtype=np.int64)",
     "m.histogram(vals, 0, 100, cnt)", (20, 120)),
    ("heat", os.path.join(ARR, "heat.py"), "u = np.linspace(0, 1, 2000); t = np.zeros(2000)",
     "m.diffuse(u, t, 0.1, 5)", (5, 25)),
]

SCRIPT = """import sys
sys.path.insert(0, {dir!r})
try:
    import numpy as np
except ImportError:
    np = None
import {mod} as m
from itertools import repeat
{setup}
def run(n):
    for _ in repeat(None, n):
        {call}
run({n})
"""


def ir_total(py, moddir, mod, setup, call, n):
    script = SCRIPT.format(dir=moddir, mod=mod, setup=setup, call=call, n=n)
    if "np." in setup:
        args = ["--toggle-collect=pyc_aot_wrap*", py, "-c", script]
    else:
        args = [py, "-S", "-c", script.replace("import numpy as np", "raise ImportError")]
    # A fixed hash seed: start-up otherwise differs between runs.
    return callgrind_total(args, env=dict(os.environ, PYTHONHASHSEED="0"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", action="append", help="a pyc-aot binary (repeatable; default target/release/pyc-aot)")
    ap.add_argument("--only", help="comma-separated substrings of kernel names")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--write", action="store_true", help="write bench/kernels_results.md")
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    bins = args.bin or [os.path.join(ROOT, "target", "release", "pyc-aot")]
    has_numpy = subprocess.run([args.python, "-c", "import numpy"], capture_output=True).returncode == 0
    kernels = [k for k in KERNELS if not args.only or any(s in k[0] for s in args.only.split(","))]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        cc = os.path.join(work, "cc-keep-symbols")
        with open(cc, "w") as f:
            f.write(KEEP_SYMBOLS)
        os.chmod(cc, 0o755)
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"), CC=cc,
                   REAL_CC=os.environ.get("CC", "cc"))
        for name, src, setup, call, (n1, n2) in kernels:
            if "np." in setup and not has_numpy:
                print("%s: skipped (no NumPy for %s)" % (name, args.python), file=sys.stderr)
                continue
            mod = os.path.splitext(os.path.basename(src))[0]
            counts = []
            for i, exe in enumerate(bins):
                d = os.path.join(work, "b%d" % i)
                if not os.path.exists(os.path.join(d, mod + ".built")):
                    os.makedirs(d, exist_ok=True)
                    subprocess.run([exe, "build", src, "-o", d, "-q", "--python", args.python],
                                   check=True, env=env)
                    open(os.path.join(d, mod + ".built"), "w").close()
                hi = ir_total(args.python, d, mod, setup, call, n2)
                lo = ir_total(args.python, d, mod, setup, call, n1)
                counts.append((hi - lo) / (n2 - n1))
            rows.append((name, counts))
            print("%-14s %s" % (name, "  ".join("%12.0f" % c for c in counts))
                  + ("  ratio %.4f" % (counts[-1] / counts[0]) if len(counts) > 1 else ""), file=sys.stderr)
    head = "| kernel | " + " | ".join("`%s`" % b for b in bins) + (" | last / first |" if len(bins) > 1 else " |")
    lines = [head, "|---|" + "---:|" * (len(bins) + (len(bins) > 1))]
    for name, counts in rows:
        cells = " | ".join("%.0f" % c for c in counts)
        ratio = " | %.4f" % (counts[-1] / counts[0]) if len(counts) > 1 else ""
        lines.append("| %s | %s%s |" % (name, cells, ratio))
    table = "\n".join(lines)
    print(table)
    if args.write:
        with open(os.path.join(HERE, "kernels_results.md"), "w") as f:
            f.write("# Instructions per call (callgrind)\n\nWritten by `bench/kernels.py` with %s.\n\n%s\n"
                    % (os.path.basename(args.python), table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
