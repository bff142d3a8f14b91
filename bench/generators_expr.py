#!/usr/bin/env python3
"""Generators with `yield` inside an expression (issue 12): PEP 342's
running average as a coroutine, `total = total + (yield average)`, sent
10^4 numbers (the `yield` hoisted out of the expression by
`frontend/typeck/yield_expr.rs`). Untyped source, compiled as it is; callgrind
instructions of one `bench()` (1 and 3 calls in two runs, the difference
halved, `PYTHONHASHSEED=0`), pyc-aot against Cython 3.3.1 (`cythonize -3`,
`CFLAGS=-O3`) and CPython.

    bench/.work/venv/bin/python bench/generators_expr.py   # writes bench/generators_expr_results.md
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from example_timing import VENV_PY  # noqa: E402
from objects import ir_total, result_of  # noqa: E402

SOURCE = '''
def averager():
    total = 0.0
    count = 0
    average = None
    while True:
        total = total + (yield average)
        count += 1
        average = total / count


def drive(n):
    g = averager()
    next(g)
    r = None
    for i in range(n):
        r = g.send(i)
    return r


def bench():
    return drive(10000)
'''
CALL = "m.bench()"
N1, N2 = 1, 3


def main():
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    py = VENV_PY if os.path.exists(VENV_PY) else sys.executable
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
        dirs = {k: os.path.join(work, k) for k in ("CPython", "pyc-aot", "Cython 3.3.1")}
        for d in dirs.values():
            os.makedirs(d)
            with open(os.path.join(d, "gens_expr.py"), "w") as f:
                f.write(SOURCE)
        build = subprocess.run([exe, "build", "gens_expr.py", "--python", py], cwd=dirs["pyc-aot"], check=True,
                               env=env, capture_output=True, text=True)
        if "left to Python" in build.stderr:
            raise SystemExit(build.stderr)
        cythonize = os.path.join(os.path.dirname(py), "cythonize")
        subprocess.run([cythonize, "-i", "-3", "-q", "gens_expr.py"], cwd=dirs["Cython 3.3.1"], check=True,
                       env=dict(env, CFLAGS="-O3"), capture_output=True)
        for k in ("pyc-aot", "Cython 3.3.1"):
            os.remove(os.path.join(dirs[k], "gens_expr.py"))
        expect, _ = result_of(py, dirs["CPython"], "gens_expr", "", CALL)
        rows = []
        for name, d in dirs.items():
            got, where = result_of(py, d, "gens_expr", "", CALL)
            if got != expect or (name != "CPython" and where.endswith(".py")):
                raise SystemExit("%s: result %s from %s, CPython's %s" % (name, got, where, expect))
            hi = ir_total(py, d, "gens_expr", "", CALL, N2)
            lo = ir_total(py, d, "gens_expr", "", CALL, N1)
            rows.append((name, (hi - lo) / (N2 - N1)))
            print("%-14s %.2f M" % (name, rows[-1][1] / 1e6), file=sys.stderr)
    pyver = subprocess.run([py, "-c", "import sys; print(sys.version.split()[0])"],
                           capture_output=True, text=True).stdout.strip()
    base = rows[0][1]
    lines = ["# Generators: `yield` inside an expression, a running-average coroutine (`bench/generators_expr.py`)", "",
             "Instructions (callgrind, `PYTHONHASHSEED=0`, one `bench()`: %d and %d calls in two runs," % (N1, N2),
             "the difference divided by %d; CPython %s; result %s):" % (N2 - N1, pyver, expect), "",
             "| build | instructions a call | speed-up over CPython |", "|---|---:|---:|"]
    for name, n in rows:
        lines.append("| %s | %.2f M | %.2fx |" % (name, n / 1e6, base / n))
    with open(os.path.join(HERE, "generators_expr_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
