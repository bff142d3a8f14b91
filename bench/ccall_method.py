#!/usr/bin/env python3
"""A `@cython.ccall` method called in a hot loop on a typed receiver, and a
`@cython.cfunc` method in the same loop, counted by callgrind: pyc-aot vs
Cython (`cythonize -i -3`, CFLAGS=-O3) on the same file. Instructions per
iteration from two runs of N1 and N2 iterations (start-up and imports
cancel out). The receiver is an exact instance (no override possible), and
for the ccall also an instance of a Python subclass that overrides the
method, and of one that does not (Python's lookup both ways).

    bench/.work/venv/bin/python bench/ccall_method.py   # writes bench/ccall_method_results.md
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from callgrind import per_iteration as callgrind_per_iteration  # noqa: E402
from run import cpu_name  # noqa: E402

VENV_PY = os.path.join(HERE, ".work", "venv", "bin", "python")
N1, N2 = 20000, 220000

SRC = '''
import cython


@cython.cclass
class Acc:
    total: cython.double

    def __init__(self):
        self.total = 0.0

    @cython.ccall
    def add(self, v: cython.double) -> cython.double:
        self.total += v
        return self.total

    @cython.cfunc
    def add_c(self, v: cython.double) -> cython.double:
        self.total += v
        return self.total


def ccall_loop(a: Acc, n: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(n):
        t += a.add(1.0)
    return t


def cfunc_loop(a: Acc, n: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(n):
        t += a.add_c(1.0)
    return t
'''

CASES = [
    ("ccall, exact instance", "m.ccall_loop(m.Acc(), %d)"),
    ("cfunc, exact instance", "m.cfunc_loop(m.Acc(), %d)"),
    ("ccall, Python subclass overriding it", "m.ccall_loop(Over(), %d)"),
    ("ccall, Python subclass not overriding it", "m.ccall_loop(Keep(), %d)"),
]

RUN = ("import sys; sys.path.insert(0, %r)\nimport bench_ccall as m\n"
       "class Over(m.Acc):\n    def add(self, v):\n        return v\n"
       "class Keep(m.Acc):\n    pass\n"
       "%s\n")


def per_iteration(moddir, call):
    return callgrind_per_iteration(VENV_PY, lambda n: RUN % (moddir, call % n), N1, N2)


def main():
    if not os.path.exists(VENV_PY) or not shutil.which("valgrind"):
        print("needs bench/.work/venv with Cython and valgrind", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        ours, theirs = os.path.join(d, "pyc"), os.path.join(d, "cy")
        for dest in (ours, theirs):
            os.mkdir(dest)
            with open(os.path.join(dest, "bench_ccall.py"), "w") as f:
                f.write(SRC)
        subprocess.run([exe, "build", "bench_ccall.py", "-q", "--python", VENV_PY], cwd=ours, check=True)
        cythonize = os.path.join(os.path.dirname(VENV_PY), "cythonize")
        subprocess.run([cythonize, "-i", "-3", "-q", "bench_ccall.py"], cwd=theirs, check=True, capture_output=True,
                       env=dict(os.environ, CFLAGS="-O3"))
        for what, call in CASES:
            a, b = per_iteration(ours, call), per_iteration(theirs, call)
            rows.append((what, a, b))
            print("%s: pyc-aot %.1f, Cython %.1f" % (what, a, b), file=sys.stderr)
    cy = subprocess.run([VENV_PY, "-c", "import Cython; print(Cython.__version__)"], capture_output=True, text=True).stdout.strip()
    pyver = subprocess.run([VENV_PY, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# A ccall method in a hot loop (callgrind)",
        "",
        "Instructions per iteration of `t += a.add(1.0)` (`a: Acc` typed, `add` a `@cython.ccall`",
        "or `@cython.cfunc` method adding to a C double field), from two callgrind runs of",
        "%d and %d iterations. Written by `bench/.work/venv/bin/python bench/ccall_method.py`." % (N1, N2),
        "",
        "| receiver | pyc-aot | Cython | ratio |",
        "|---|---:|---:|---:|",
    ]
    for what, a, b in rows:
        lines.append("| %s | %.1f | %.1f | %.2f |" % (what, a, b, a / b))
    lines += ["", "CPU: %s; CPython %s; Cython %s (CFLAGS=-O3)." % (cpu_name(), pyver, cy), ""]
    with open(os.path.join(HERE, "ccall_method_results.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
