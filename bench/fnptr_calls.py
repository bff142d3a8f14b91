#!/usr/bin/env python3
"""A call through a C function pointer (issue 14), counted by callgrind:
the loop below, `acc = f(acc, x)` with `f` a `binop_t` chosen at run time
(so no compiler can see which cfunc it holds), compiled by pyc-aot and by
Cython 3.3.1 (`cythonize -i -3`, CFLAGS=-O3), and run as plain Python with
the shim. Instructions per iteration from two runs (`per_iteration`:
start-up and imports cancel out).

    CYTHONIZE=bench/.work/venv/bin/cythonize bench/.work/venv/bin/python bench/fnptr_calls.py
    # writes bench/fnptr_calls_results.md
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

PXD = "ctypedef double (*binop_t)(double, double) noexcept\n"

SOURCE = '''\
import cython
from cython.cimports.fpbench_types import binop_t


@cython.cfunc
@cython.exceptval(check=False)
def add(a: cython.double, b: cython.double) -> cython.double:
    return a + b


@cython.cfunc
@cython.exceptval(check=False)
def sub(a: cython.double, b: cython.double) -> cython.double:
    return a - b


def loop(n: cython.long, k: cython.int) -> cython.double:
    f: binop_t = add
    if k:
        f = sub
    acc: cython.double = 0.0
    i: cython.long
    for i in range(n):
        acc = f(acc, 1.5)
    return acc
'''

RUN = "import sys; sys.path.insert(0, %r)\nfrom fpbench import loop\nloop(%d, 0)\n"


def main():
    if not shutil.which("valgrind"):
        print("valgrind is not installed", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    cythonize = os.environ.get("CYTHONIZE") or os.path.join(HERE, ".work", "venv", "bin", "cythonize")
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as top:
        dirs = {k: os.path.join(top, k) for k in ("pyc-aot", "Cython", "CPython + shim")}
        for d in dirs.values():
            os.mkdir(d)
            with open(os.path.join(d, "fpbench_types.pxd"), "w") as f:
                f.write(PXD)
            with open(os.path.join(d, "fpbench.py"), "w") as f:
                f.write(SOURCE)
        subprocess.run([exe, "build", os.path.join(dirs["pyc-aot"], "fpbench.py"), "-q", "--strict", "--python", py], check=True)
        subprocess.run([cythonize, "-i", "-3", "-q", "fpbench.py"], cwd=dirs["Cython"], check=True, capture_output=True,
                       env=dict(os.environ, CFLAGS="-O3"))
        os.remove(os.path.join(dirs["Cython"], "fpbench.py"))
        shutil.copy(os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py"), os.path.join(dirs["CPython + shim"], "cython.py"))
        for name, d in dirs.items():
            n1, n2 = (2000, 12000) if name == "CPython + shim" else (100000, 1100000)
            rows.append((name, per_iteration(py, lambda n: RUN % (d, n), n1, n2)))
            print("%s: %.1f instructions per iteration" % rows[-1], file=sys.stderr)
    ours = rows[0][1]
    ver = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# A call through a C function pointer (callgrind)",
        "",
        "Instructions per iteration of `acc = f(acc, 1.5)` in a `for i in range(n)` loop of a `def`,",
        "`f: binop_t` (`ctypedef double (*binop_t)(double, double) noexcept` in a `.pxd`) holding one",
        "of two `@cython.cfunc`s chosen at run time, so the call stays indirect. Two callgrind runs",
        "(100,000 and 1,100,000 iterations; 2,000 and 12,000 for CPython), the difference over the",
        "difference in iterations. Written by `bench/fnptr_calls.py`; counts do not depend on load.",
        "",
        "| build | instructions per iteration | vs pyc-aot |",
        "|---|---:|---:|",
    ]
    for name, v in rows:
        lines.append("| %s | %.1f | %.2fx |" % (name, v, v / ours))
    lines += [
        "",
        "- pyc-aot: `%s`, `--python %s`" % (ver or exe, py),
        "- Cython: `cythonize -i -3` with CFLAGS=-O3; CPython %d.%d.%d" % sys.version_info[:3],
        "- CPU: %s" % cpu_name(),
    ]
    with open(os.path.join(HERE, "fnptr_calls_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
