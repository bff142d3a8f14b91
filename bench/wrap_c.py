#!/usr/bin/env python3
"""Call overhead of the book's `wrap_fib` (examples/wrap_c): instructions per
call of `fib(0)` and `fib(90)` through the wrapper, counted by callgrind,
built by pyc-aot (`pyc-aot build wrap_fib.py cfib.c`) and by Cython
(`cythonize -i -3 wrap_fib.py` with the same cfib.pxd and cfib.c, read from
the `# distutils: sources` comment). Both compile cfib.c with `CFLAGS=-O2`,
so `fib(90)` differs only by the wrapper.

    .venv/bin/python bench/wrap_c.py     # writes bench/wrap_c_results.md

Needs valgrind and bench/.work/venv with Cython (`python3 bench/run.py`
creates it, or `python3 -m venv bench/.work/venv && bench/.work/venv/bin/pip
install Cython setuptools`); the interpreter is that venv's.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from callgrind import per_iteration  # noqa: E402
from run import cpu_name  # noqa: E402

VENV_PY = os.path.join(HERE, ".work", "venv", "bin", "python")
FILES = ("cfib.h", "cfib.c", "cfib.pxd", "wrap_fib.py")
N1, N2 = 20000, 120000
LOOP = ("import sys; sys.path.insert(0, %r)\nfrom wrap_fib import fib\nfrom itertools import repeat\n"
        "def run(n, f=fib):\n    for _ in repeat(None, n):\n        f(%d)\nrun(%d)\n")


def per_call(py, moddir, arg):
    return per_iteration(py, lambda n: LOOP % (moddir, arg, n), N1, N2, env=dict(os.environ, PYTHONHASHSEED="0"))


def main():
    if not shutil.which("valgrind") or not os.path.exists(VENV_PY):
        print("needs valgrind and bench/.work/venv with Cython (see the docstring)", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    env = dict(os.environ, CFLAGS="-O2")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        ours, theirs = os.path.join(d, "pyc"), os.path.join(d, "cy")
        for dest in (ours, theirs):
            os.mkdir(dest)
            for f in FILES:
                shutil.copy(os.path.join(ROOT, "examples", "wrap_c", f), dest)
        subprocess.run([exe, "build", "wrap_fib.py", "cfib.c", "-q", "--python", VENV_PY], cwd=ours, env=env, check=True)
        cythonize = os.path.join(os.path.dirname(VENV_PY), "cythonize")
        subprocess.run([cythonize, "-i", "-3", "-q", "wrap_fib.py"], cwd=theirs, env=env, check=True, capture_output=True)
        for moddir in (ours, theirs):
            out = subprocess.run([VENV_PY, "-c", "import sys; sys.path.insert(0, %r); import wrap_fib; print(repr(wrap_fib.fib(90)))" % moddir],
                                 capture_output=True, text=True, check=True).stdout.strip()
            assert out == "2.880067194370816e+18", out
        for arg in (0, 90):
            a, b = per_call(VENV_PY, ours, arg), per_call(VENV_PY, theirs, arg)
            rows.append((arg, a, b))
            print("fib(%d): pyc-aot %.0f, Cython %.0f instructions per call" % (arg, a, b), file=sys.stderr)
    cy = subprocess.run([VENV_PY, "-c", "import Cython; print(Cython.__version__)"], capture_output=True, text=True).stdout.strip()
    ver = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    pyver = subprocess.run([VENV_PY, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Wrapping C: `wrap_fib` call overhead (callgrind)",
        "",
        "Instructions per iteration of `for _ in repeat(None, n): f(k)` with `f = wrap_fib.fib`",
        "(examples/wrap_c: `fib` calls the C function `cfib` that cfib.pxd declares), from two",
        "callgrind runs of %d and %d iterations. Written by `bench/wrap_c.py`; callgrind" % (N1, N2),
        "counts do not depend on the machine's load.",
        "",
        "| call | pyc-aot | Cython | pyc-aot − Cython |",
        "|---|---:|---:|---:|",
    ]
    for arg, a, b in rows:
        lines.append("| `fib(%d)` | %.0f | %.0f | %+.0f |" % (arg, a, b, a - b))
    lines += [
        "",
        "- pyc-aot: `%s`, `pyc-aot build wrap_fib.py cfib.c` (target native)" % (ver or exe),
        "- Cython %s: `cythonize -i -3 wrap_fib.py` (cfib.c from its `# distutils: sources` comment)" % cy,
        "- both: cfib.c compiled with `CFLAGS=-O2`; CPython %s; CPU: %s" % (pyver, cpu_name()),
    ]
    with open(os.path.join(HERE, "wrap_c_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
