#!/usr/bin/env python3
"""examples/nqueens.py (pyperformance's nqueens copied as it is: untyped, its
hot part the generator function `permutations` and the generator
expressions `set(...)` consumes), measured two ways against CPython and
Cython 3.3.1 (`cythonize -3` on the same .py):

- callgrind instructions of one `bench_n_queens(8)` (independent of load:
  `for _ in repeat(None, n)` for two values of n, a fixed hash seed, the
  difference divided by the difference of n; `CFLAGS=-O3` for Cython), and
- wall-clock seconds by `example_timing.compare` (the best of three).

    bench/.work/venv/bin/python bench/nqueens.py     # writes bench/nqueens_results.md
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from example_timing import VENV_PY, compare  # noqa: E402
from objects import ir_total, result_of  # noqa: E402

CALL = "m.bench_n_queens(8)"
CHECK = "len(list(m.n_queens(8)))"
N1, N2 = 1, 3


def instructions(py, exe):
    """(build, instructions a call, speed-up over CPython) for CPython, pyc-aot, Cython."""
    src = os.path.join(ROOT, "examples", "nqueens.py")
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
        dirs = {k: os.path.join(work, k) for k in ("CPython", "pyc-aot", "Cython 3.3.1")}
        for d in dirs.values():
            os.makedirs(d)
            shutil.copy(src, d)
        subprocess.run([exe, "build", "nqueens.py", "-q", "--python", py], cwd=dirs["pyc-aot"], check=True, env=env)
        cythonize = os.path.join(os.path.dirname(py), "cythonize")
        subprocess.run([cythonize, "-i", "-3", "-q", "nqueens.py"], cwd=dirs["Cython 3.3.1"], check=True,
                       env=dict(env, CFLAGS="-O3"), capture_output=True)
        for k in ("pyc-aot", "Cython 3.3.1"):
            os.remove(os.path.join(dirs[k], "nqueens.py"))
        expect, _ = result_of(py, dirs["CPython"], "nqueens", "", CHECK)
        rows = []
        for build, d in dirs.items():
            got, where = result_of(py, d, "nqueens", "", CHECK)
            if got != expect or (build != "CPython" and where.endswith(".py")):
                raise SystemExit("%s: result %s from %s, CPython's %s" % (build, got, where, expect))
            hi = ir_total(py, d, "nqueens", "", CALL, N2)
            lo = ir_total(py, d, "nqueens", "", CALL, N1)
            rows.append((build, (hi - lo) / (N2 - N1)))
            print("%-14s %.1f M" % (build, rows[-1][1] / 1e6), file=sys.stderr)
    return expect, rows


def main():
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    py = VENV_PY if os.path.exists(VENV_PY) else sys.executable
    solutions, rows = instructions(py, exe)
    status = compare("nqueens", CALL, "pyperformance nqueens, untyped",
                     "all 40,320 permutations of 8 columns, keeping the solutions; result %s")
    if status:
        return status
    base = rows[0][1]
    pyver = subprocess.run([py, "-c", "import sys; print(sys.version.split()[0])"],
                           capture_output=True, text=True).stdout.strip()
    lines = ["", "Instructions (callgrind, `PYTHONHASHSEED=0`, one `bench_n_queens(8)`: %d and %d calls" % (N1, N2),
             "in two runs, the difference divided by %d; CPython %s; %s solutions):" % (N2 - N1, pyver, solutions),
             "", "| build | instructions a call | speed-up over CPython |", "|---|---:|---:|"]
    for build, n in rows:
        lines.append("| %s | %.1f M | %.2fx |" % (build, n / 1e6, base / n))
    path = os.path.join(HERE, "nqueens_results.md")
    with open(path, "a") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
