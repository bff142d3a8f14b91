#!/usr/bin/env python3
"""Functions over Python objects, counted by callgrind (independent of
load): instructions per call under CPython, compiled by pyc-aot (one binary
or several side by side, a before/after comparison) and by Cython 3.3.1
(`cythonize -i -3`, `CFLAGS=-O3`), all from the same source in
bench/objects_src/.

    bench/.work/venv/bin/python bench/objects.py                  # target/release/pyc-aot
    bench/.work/venv/bin/python bench/objects.py --bin OLD --bin NEW
    bench/.work/venv/bin/python bench/objects.py --write          # also bench/objects_results.md

Run it with the Cython venv's Python (bench/.work/venv, made by bench/run.py):
Cython's module must be built for the interpreter that runs it. Each
implementation runs `for _ in repeat(None, n): call()` for two values of n
in two callgrind runs (a fixed hash seed; not `-S`: the plain source imports `cython`); the difference
divided by the difference of n is one call. Every implementation's result is
first checked against CPython's.
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
SRC = os.path.join(HERE, "objects_src")
EXAMPLES = os.path.join(ROOT, "examples")
sys.path.insert(0, HERE)
from callgrind import callgrind_total  # noqa: E402
from run import cpu_name  # noqa: E402

WORDS = ("the quick brown fox jumps over a lazy dog while seven wizards box and "
         "judge my vow as five boxing wizards jump quickly past the sphinx of black quartz")
# name, module, set-up (module imported as `m`), call, (n1, n2)
PROGRAMS = [
    ("primes(300)", "primes", "", "m.primes(300)", (2, 12)),
    ("word_count(2000 words)", "word_count",
     "text = ' '.join(%r.split()[k * 7 %% 29] for k in range(2000))" % WORDS, "m.word_count(text)", (2, 12)),
    # Nested functions and lambdas (native bodies since branch nest).
    ("sorted(10k tuples, key=lambda)", "closures", "rows = [(i, (i * 7919) % 10007) for i in range(10000)]",
     "m.sort_pairs(rows)", (1, 3)),
    ("closure called 1000x in a loop", "closures", "", "m.closure_loop(1000)", (2, 12)),
    ("1000 closures made and called", "closures", "", "m.make_and_call(1000)", (2, 12)),
    ("nonlocal counter, 1000 calls", "closures", "", "m.counter_calls(1000)", (2, 12)),
    # The examples (examples/<module>.py).
    ("julia(40x40, 100 steps)", "julia",
     "w = 40\nzs = [complex(-1.8 + 3.6 * (k % w) / w, 1.8 - 3.6 * (k // w) / w) for k in range(w * w)]\n"
     "cs = [complex(-0.62772, -0.42193)] * len(zs)", "m.calculate_z_serial_purepython(100, zs, cs)", (1, 3)),
    ("wordfreq top_words(SAMPLE x 5)", "wordfreq", "text = '\\n'.join([m.SAMPLE] * 5)", "m.top_words(text, 10)", (2, 12)),
    ("kmeans(500 x 3, k=4, 5 steps)", "kmeans", "data = m.blobs(500, 4, 3, 7)", "m.kmeans(data, 4, 5)", (1, 5)),
    ("newton roots(200 values, 10 steps: 143 raised and caught)", "newton", "vals = [0.5 + i * 0.37 for i in range(200)]",
     "m.roots(vals, 3, 10)", (2, 12)),
]

SCRIPT = """import sys
sys.path.insert(0, {dir!r})
import {mod} as m
from itertools import repeat
{setup}
def run(n):
    for _ in repeat(None, n):
        {call}
run({n})
"""

CHECK = """import sys
sys.path.insert(0, {dir!r})
import {mod} as m
{setup}
print(repr({call}))
print(getattr(m, '__file__', ''))
"""


def ir_total(py, moddir, mod, setup, call, n):
    script = SCRIPT.format(dir=moddir, mod=mod, setup=setup, call=call, n=n)
    # One OpenBLAS thread: NumPy's idle BLAS threads spin for a while after
    # each call, and what that adds to the count depends on the machine's load.
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return callgrind_total([py, "-c", script], env=env)


def result_of(py, moddir, mod, setup, call):
    out = subprocess.run([py, "-c", CHECK.format(dir=moddir, mod=mod, setup=setup, call=call)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return out[0], out[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", action="append", help="a pyc-aot binary (repeatable; default target/release/pyc-aot)")
    ap.add_argument("--only", help="comma-separated substrings of program names")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--no-cython", action="store_true")
    ap.add_argument("--write", action="store_true", help="write bench/objects_results.md")
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    bins = args.bin or [os.path.join(ROOT, "target", "release", "pyc-aot")]
    cythonize = os.path.join(os.path.dirname(args.python), "cythonize")
    use_cython = not args.no_cython and os.access(cythonize, os.X_OK)
    if not use_cython and not args.no_cython:
        print("no cythonize next to %s: the Cython column is skipped" % args.python, file=sys.stderr)
    programs = [p for p in PROGRAMS if not args.only or any(s in p[0] for s in args.only.split(","))]
    impls = ["CPython"] + ["pyc-aot" if len(bins) == 1 else "pyc-aot %d" % (i + 1) for i in range(len(bins))]
    impls += ["Cython"] if use_cython else []
    rows = []
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
        for k, (name, mod, setup, call, (n1, n2)) in enumerate(programs):
            src = os.path.join(SRC, mod + ".py")
            if not os.path.exists(src):
                src = os.path.join(EXAMPLES, mod + ".py")
            dirs = []
            d = os.path.join(work, "cpython-%d-%s" % (k, mod))
            os.makedirs(d)
            shutil.copy(src, d)
            dirs.append(d)
            for i, exe in enumerate(bins):
                d = os.path.join(work, "pyc%d-%d-%s" % (i, k, mod))
                subprocess.run([exe, "build", src, "-o", d, "-q", "--python", args.python], check=True, env=env)
                dirs.append(d)
            if use_cython:
                d = os.path.join(work, "cython-%d-%s" % (k, mod))
                os.makedirs(d)
                shutil.copy(src, d)
                subprocess.run([cythonize, "-i", "-3", "-q", mod + ".py"], cwd=d, check=True,
                               env=dict(env, CFLAGS="-O3"), capture_output=True)
                os.remove(os.path.join(d, mod + ".py"))
                dirs.append(d)
            expect, _ = result_of(args.python, dirs[0], mod, setup, call)
            counts = []
            for impl, d in zip(impls, dirs):
                got, where = result_of(args.python, d, mod, setup, call)
                if got != expect:
                    raise SystemExit("%s: %s returned a different result than CPython" % (name, impl))
                if impl != "CPython" and where.endswith(".py"):
                    raise SystemExit("%s: %s imported the source %s, not a built module" % (name, impl, where))
                hi = ir_total(args.python, d, mod, setup, call, n2)
                lo = ir_total(args.python, d, mod, setup, call, n1)
                counts.append((hi - lo) / (n2 - n1))
            rows.append((name, counts))
            print("%-24s %s" % (name, "  ".join("%s %.0f" % (i, c) for i, c in zip(impls, counts))), file=sys.stderr)
    head = "| program | " + " | ".join(impls) + " | " + " | ".join("%s / CPython" % i for i in impls[1:]) + " |"
    lines = [head, "|---|" + "---:|" * (2 * len(impls) - 1)]
    for name, counts in rows:
        lines.append("| %s | %s | %s |" % (name, " | ".join("%.0f" % c for c in counts),
                                           " | ".join("%.3f" % (c / counts[0]) for c in counts[1:])))
    table = "\n".join(lines)
    print(table)
    if args.write:
        ver = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True).stdout.strip()
        notes = ["- pyc-aot %d: `%s`" % (i + 1, b) for i, b in enumerate(bins)] if len(bins) > 1 else []
        with open(os.path.join(HERE, "objects_results.md"), "w") as f:
            f.write("# Functions over objects: instructions per call (callgrind)\n\n"
                    "Written by `bench/objects.py` (CPython %s; Cython 3.3.1 `cythonize -i -3`, `CFLAGS=-O3`;\n"
                    "sources in `bench/objects_src/` and `examples/`). Callgrind counts do not depend on the machine's load.\n\n"
                    "%s\n\n%s- CPU: %s\n" % (ver, table, "\n".join(notes) + ("\n" if notes else ""), cpu_name()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
