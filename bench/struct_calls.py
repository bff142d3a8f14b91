#!/usr/bin/env python3
"""Where a struct meets Python objects (issue 14): callgrind instructions per
call of `norm2(p: Point)` given a dict and of `make() -> Point` returning
one, and of `total(t: tuple[cython.int, cython.double])` given a tuple,
compiled by pyc-aot and by Cython (the Cython in bench/.work/venv).

    python3 bench/struct_calls.py         # writes bench/struct_calls_results.md

Each call runs N1 and N2 times in a loop (`for _ in repeat(None, n)`) in two
callgrind runs; the difference over N2 - N1 is one iteration (the call plus
the loop's own bytecodes and the argument's construction, the same for both
compilers).
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from callgrind import per_iteration  # noqa: E402

N1, N2 = 20000, 120000
SOURCE = '''
import cython

Point = cython.struct(x=cython.double, y=cython.double)


def norm2(p: Point) -> cython.double:
    return p.x * p.x + p.y * p.y


def make() -> Point:
    p: Point = Point(x=1.0, y=2.0)
    return p


def total(t: tuple[cython.int, cython.double]) -> cython.double:
    return t[0] + t[1]
'''
CALLS = {"norm2": "f(d)", "make": "f()", "total": "f(t)"}
LOOP = ("import sys; sys.path.insert(0, %r)\nfrom struct_calls_mod import %s as f\nfrom itertools import repeat\n"
        "def run(n, f=f, d={'x': 3.0, 'y': 4.0}, t=(1, 2.5)):\n    for _ in repeat(None, n):\n        %s\nrun(%d)\n")


def per_call(py, moddir, fn):
    return per_iteration(py, lambda n: LOOP % (moddir, fn, CALLS[fn], n), N1, N2)


def main():
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    cy_py = os.path.join(HERE, ".work", "venv", "bin", "python")
    with tempfile.TemporaryDirectory() as d:
        ours, theirs = os.path.join(d, "ours"), os.path.join(d, "cython")
        for sub in (ours, theirs):
            os.makedirs(sub)
            with open(os.path.join(sub, "struct_calls_mod.py"), "w") as f:
                f.write(SOURCE)
        subprocess.run([exe, "build", os.path.join(ours, "struct_calls_mod.py"), "-o", ours, "-q", "--python", cy_py], check=True)
        subprocess.run([cy_py, "-m", "cython", "-3", "struct_calls_mod.py"], cwd=theirs, check=True, capture_output=True)
        inc, suffix = subprocess.run([cy_py, "-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
                                      "print(sysconfig.get_config_var('EXT_SUFFIX'))"], capture_output=True, text=True, check=True).stdout.split()
        subprocess.run([os.environ.get("CC", "cc"), "-O3", "-shared", "-fPIC", "-I" + inc, "struct_calls_mod.c",
                        "-o", "struct_calls_mod" + suffix], cwd=theirs, check=True)
        ver = subprocess.run([cy_py, "-c", "import sys, Cython; print('%d.%d.%d' % sys.version_info[:3], Cython.__version__)"],
                             capture_output=True, text=True, check=True).stdout.split()
        lines = [
            "# Structs and ctuples meeting Python objects (callgrind)",
            "",
            "Instructions per iteration of `for _ in repeat(None, n): <call>` (the call, the",
            "conversions on both sides and the loop's own bytecodes, the same for both), from two",
            "callgrind runs of %d and %d iterations; `d = {'x': 3.0, 'y': 4.0}`, `t = (1, 2.5)`." % (N1, N2),
            "Written by `python3 bench/struct_calls.py`; callgrind counts do not depend on the load.",
            "",
            "| call | pyc-aot | Cython | pyc-aot / Cython |",
            "|---|---:|---:|---:|",
        ]
        for fn in CALLS:
            a, b = per_call(cy_py, ours, fn), per_call(cy_py, theirs, fn)
            lines.append("| `%s` | %.0f | %.0f | %.2f |" % (CALLS[fn].replace("f", fn, 1), a, b, a / b))
        lines += ["", "CPython %s; Cython %s (`-O3`)." % (ver[0], ver[1])]
        with open(os.path.join(HERE, "struct_calls_results.md"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
