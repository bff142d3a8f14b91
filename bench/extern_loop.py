#!/usr/bin/env python3
"""A loop calling an extern C function (issue 14's leftover), counted by
callgrind: `for i in range(n): s += f(i)` in a `def`, `f` a C function of
the module's own C source declared in a `.pxd` with each exception clause
(`except? -1`, `except -1`, none: `noexcept`), compiled by pyc-aot and by
Cython 3.3.1 (setuptools with the C source, CFLAGS=-O3; the C function in
its own object, so neither compiler sees its body). Instructions per trip
from two runs (`per_iteration`: start-up and imports cancel out), the C
function's own instructions (2 or 4) included.

    PYC_AOT_BIN=target/release/pyc-aot bench/.work/venv/bin/python bench/extern_loop.py
    # writes bench/extern_loop_results.md (NO_WRITE=1: print only)
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from callgrind import per_iteration  # noqa: E402
from run import cpu_name  # noqa: E402

C_SOURCE = r"""
#include <Python.h>
int fq(int a) {
    if (a < -5) { PyErr_SetString(PyExc_ValueError, "negative"); return -1; }
    return a;
}
int fs(int a) {
    if (a < -5) { PyErr_SetString(PyExc_ValueError, "negative"); return -1; }
    return a;
}
int fn(int a) { return a; }
"""

PXD = """\
cdef extern from "elc.h":
    int fq(int a) except? -1
    int fs(int a) except -1
    int fn(int a)
"""

LOOP = '''

def loop_%s(n: cython.int) -> cython.long:
    s: cython.long = 0
    i: cython.int
    for i in range(n):
        s += %s(i)
    return s
'''

CLAUSES = [("q", "fq", "`except? -1`"), ("s", "fs", "`except -1`"), ("n", "fn", "`noexcept`")]
SOURCE = "import cython\nfrom cython.cimports.elc import fq, fs, fn\n" + "".join(LOOP % (k, f) for k, f, _ in CLAUSES)

SETUP = """\
from setuptools import setup, Extension
from Cython.Build import cythonize
setup(ext_modules=cythonize([Extension("elbench", ["elbench.py", "elc.c"])], language_level=3, quiet=True))
"""

RUN = "import sys; sys.path.insert(0, %r)\nfrom elbench import loop_%s\nloop_%s(%d)\n"


def main():
    if not shutil.which("valgrind"):
        print("valgrind is not installed", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    cython_py = os.environ.get("CYTHON_PYTHON") or os.path.join(HERE, ".work", "venv", "bin", "python")
    py = sys.executable
    inc = sysconfig.get_paths()["include"]
    results = {}
    with tempfile.TemporaryDirectory() as top:
        dirs = {k: os.path.join(top, k) for k in ("pyc-aot", "Cython")}
        for d in dirs.values():
            os.mkdir(d)
            for name, text in (("elc.c", C_SOURCE), ("elc.h", ""), ("elc.pxd", PXD), ("elbench.py", SOURCE)):
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
        d = dirs["pyc-aot"]
        subprocess.run([exe, "build", os.path.join(d, "elbench.py"), os.path.join(d, "elc.c"), "-I", inc, "-I", d,
                        "-q", "--strict", "--python", py], check=True)
        d = dirs["Cython"]
        with open(os.path.join(d, "setup.py"), "w") as f:
            f.write(SETUP)
        subprocess.run([cython_py, "setup.py", "build_ext", "--inplace", "-q"], cwd=d, check=True, capture_output=True,
                       env=dict(os.environ, CFLAGS="-O3"))
        os.remove(os.path.join(d, "elbench.py"))
        for name, d in dirs.items():
            for k, _, _ in CLAUSES:
                v = per_iteration(py, lambda n: RUN % (d, k, k, n), 100000, 1100000)
                results[(name, k)] = v
                print("%s loop_%s: %.2f instructions per trip" % (name, k, v), file=sys.stderr)
    ver = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# A loop calling an extern C function (callgrind)",
        "",
        "Instructions per trip of `for i in range(n): s += f(i)` in a `def` (`s: cython.long`,",
        "`i: cython.int`), `f` a C function of the module's C source declared in a `.pxd` with the",
        "clause below; the C function's own instructions included (2 for `fn`, 4 for `fq`/`fs`).",
        "Two callgrind runs (100,000 and 1,100,000 trips), the difference over the difference in",
        "trips. Written by `bench/extern_loop.py`; counts do not depend on load.",
        "",
        "| clause | pyc-aot | Cython | pyc-aot / Cython |",
        "|---|---:|---:|---:|",
    ]
    for k, _, clause in CLAUSES:
        ours, theirs = results[("pyc-aot", k)], results[("Cython", k)]
        lines.append("| %s | %.1f | %.1f | %.2fx |" % (clause, ours, theirs, ours / theirs))
    lines += [
        "",
        "- pyc-aot: `%s`, `--python %s`" % (ver or exe, py),
        "- Cython: setuptools `cythonize` with CFLAGS=-O3; CPython %d.%d.%d" % sys.version_info[:3],
        "- CPU: %s" % cpu_name(),
    ]
    text = "\n".join(lines) + "\n"
    if os.environ.get("NO_WRITE"):
        print(text)
    else:
        with open(os.path.join(HERE, "extern_loop_results.md"), "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
