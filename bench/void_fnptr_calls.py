#!/usr/bin/env python3
"""A call through a C function pointer to a void cfunc (issue 14), counted
by callgrind: the loop below, `f(x)` with `f` a `sink_t` (`except *`,
Cython 3's default for a void cfunc: the caller asks `PyErr_Occurred()`
after each call) or an `nsink_t` (`noexcept`) chosen at run time (so no
compiler can see which cfunc it holds), each cfunc adding to a module C
global, compiled by pyc-aot and by Cython 3.3.1 (`cythonize -i -3`,
CFLAGS=-O3), and run as plain Python with the shim. Instructions per
iteration from two runs (`per_iteration`: start-up and imports cancel out).

    CYTHONIZE=bench/.work/venv/bin/cythonize bench/.work/venv/bin/python bench/void_fnptr_calls.py
    # writes bench/void_fnptr_calls_results.md
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

PXD = "ctypedef void (*sink_t)(double)\nctypedef void (*nsink_t)(double) noexcept\n"

SOURCE = '''\
import cython
from cython.cimports.vfpbench_types import sink_t, nsink_t

total = cython.declare(cython.double, 0.0)


@cython.cfunc
def add(x: cython.double) -> cython.void:
    global total
    total += x


@cython.cfunc
def sub(x: cython.double) -> cython.void:
    global total
    total -= x


@cython.cfunc
@cython.exceptval(check=False)
def nadd(x: cython.double) -> cython.void:
    global total
    total += x


@cython.cfunc
@cython.exceptval(check=False)
def nsub(x: cython.double) -> cython.void:
    global total
    total -= x


def loop(n: cython.long, k: cython.int) -> cython.double:
    f: sink_t = add
    if k:
        f = sub
    i: cython.long
    for i in range(n):
        f(1.5)
    return total


def nloop(n: cython.long, k: cython.int) -> cython.double:
    f: nsink_t = nadd
    if k:
        f = nsub
    i: cython.long
    for i in range(n):
        f(1.5)
    return total
'''

RUN = "import sys; sys.path.insert(0, %r)\nfrom vfpbench import %s\n%s(%d, 0)\n"
LOOPS = [("loop", "`except *`"), ("nloop", "`noexcept`")]


def main():
    if not shutil.which("valgrind"):
        print("valgrind is not installed", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    cythonize = os.environ.get("CYTHONIZE") or os.path.join(HERE, ".work", "venv", "bin", "cythonize")
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as top:
        dirs = {k: os.path.join(top, k.replace(" ", "_")) for k in ("pyc-aot", "Cython", "CPython + shim")}
        for d in dirs.values():
            os.mkdir(d)
            with open(os.path.join(d, "vfpbench_types.pxd"), "w") as f:
                f.write(PXD)
            with open(os.path.join(d, "vfpbench.py"), "w") as f:
                f.write(SOURCE)
        subprocess.run([exe, "build", os.path.join(dirs["pyc-aot"], "vfpbench.py"), "-q", "--strict", "--python", py], check=True)
        subprocess.run([cythonize, "-i", "-3", "-q", "vfpbench.py"], cwd=dirs["Cython"], check=True, capture_output=True,
                       env=dict(os.environ, CFLAGS="-O3"))
        os.remove(os.path.join(dirs["Cython"], "vfpbench.py"))
        shutil.copy(os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py"), os.path.join(dirs["CPython + shim"], "cython.py"))
        for fn, _ in LOOPS:
            for name, d in dirs.items():
                n1, n2 = (2000, 12000) if name == "CPython + shim" else (100000, 1100000)
                v = per_iteration(py, lambda n: RUN % (d, fn, fn, n), n1, n2)
                rows.append((fn, name, v))
                print("%s %s: %.1f instructions per iteration" % (fn, name, v), file=sys.stderr)
    ver = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# A call through a C function pointer to a void cfunc (callgrind)",
        "",
        "Instructions per iteration of `f(1.5)` in a `for i in range(n)` loop of a `def`, `f` holding",
        "one of two void `@cython.cfunc`s (each `total += x` on a module C global) chosen at run time,",
        "so the call stays indirect: `f: sink_t` (`ctypedef void (*sink_t)(double)`, `except *`: the",
        "caller tests `PyErr_Occurred()` after each call) and `f: nsink_t` (`noexcept`). Two callgrind",
        "runs (100,000 and 1,100,000 iterations; 2,000 and 12,000 for CPython), the difference over the",
        "difference in iterations. Written by `bench/void_fnptr_calls.py`; counts do not depend on load.",
        "",
        "| pointer | build | instructions per iteration | vs pyc-aot |",
        "|---|---|---:|---:|",
    ]
    for fn, label in LOOPS:
        ours = next(v for f, n, v in rows if f == fn and n == "pyc-aot")
        for f, name, v in rows:
            if f == fn:
                lines.append("| %s | %s | %.1f | %.2fx |" % (label, name, v, v / ours))
    lines += [
        "",
        "- pyc-aot: `%s`, `--python %s`" % (ver or exe, py),
        "- Cython: `cythonize -i -3` with CFLAGS=-O3; CPython %d.%d.%d" % sys.version_info[:3],
        "- CPU: %s" % cpu_name(),
    ]
    with open(os.path.join(HERE, "void_fnptr_calls_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
