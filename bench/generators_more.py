#!/usr/bin/env python3
"""Generators beyond plain suspension (issue 12): a generator-expression
pipeline (`sum(1 for _ in filter(pred, (x * x for x in data)))`: the inner
genexpr a native generator of its own, `filter` driving it through
`tp_iternext`) and a generator with `try`/`finally` yielding 10^4 items,
drained by a `for` loop. Untyped source, compiled as it is; callgrind
instructions of one `bench()` (1 and 3 calls in two runs, the difference
halved, `PYTHONHASHSEED=0`), pyc-aot against Cython 3.3.1 (`cythonize -3`,
`CFLAGS=-O3`) and CPython.

    bench/.work/venv/bin/python bench/generators_more.py   # writes bench/generators_more_results.md
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
def pred(y):
    return y % 3


def pipeline(data):
    return sum(1 for _ in filter(pred, (x * x for x in data)))


def guarded(n, log):
    try:
        for i in range(n):
            yield i
    finally:
        log.append(n)


def drain(n):
    log = []
    total = 0
    for v in guarded(n, log):
        total += v
    return total, log


def bench():
    data = list(range(10000))
    return pipeline(data), drain(10000)
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
            with open(os.path.join(d, "gens_more.py"), "w") as f:
                f.write(SOURCE)
        build = subprocess.run([exe, "build", "gens_more.py", "--python", py], cwd=dirs["pyc-aot"], check=True,
                               env=env, capture_output=True, text=True)
        if "left to Python" in build.stderr:
            raise SystemExit(build.stderr)
        cythonize = os.path.join(os.path.dirname(py), "cythonize")
        subprocess.run([cythonize, "-i", "-3", "-q", "gens_more.py"], cwd=dirs["Cython 3.3.1"], check=True,
                       env=dict(env, CFLAGS="-O3"), capture_output=True)
        for k in ("pyc-aot", "Cython 3.3.1"):
            os.remove(os.path.join(dirs[k], "gens_more.py"))
        expect, _ = result_of(py, dirs["CPython"], "gens_more", "", CALL)
        rows = []
        for name, d in dirs.items():
            got, where = result_of(py, d, "gens_more", "", CALL)
            if got != expect or (name != "CPython" and where.endswith(".py")):
                raise SystemExit("%s: result %s from %s, CPython's %s" % (name, got, where, expect))
            hi = ir_total(py, d, "gens_more", "", CALL, N2)
            lo = ir_total(py, d, "gens_more", "", CALL, N1)
            rows.append((name, (hi - lo) / (N2 - N1)))
            print("%-14s %.2f M" % (name, rows[-1][1] / 1e6), file=sys.stderr)
    pyver = subprocess.run([py, "-c", "import sys; print(sys.version.split()[0])"],
                           capture_output=True, text=True).stdout.strip()
    base = rows[0][1]
    lines = ["# Generators: a genexpr pipeline and a try/finally generator (`bench/generators_more.py`)", "",
             "Instructions (callgrind, `PYTHONHASHSEED=0`, one `bench()`: %d and %d calls in two runs," % (N1, N2),
             "the difference divided by %d; CPython %s; result %s):" % (N2 - N1, pyver, expect), "",
             "| build | instructions a call | speed-up over CPython |", "|---|---:|---:|"]
    for name, n in rows:
        lines.append("| %s | %.2f M | %.2fx |" % (name, n / 1e6, base / n))
    with open(os.path.join(HERE, "generators_more_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
