#!/usr/bin/env python3
"""Calls into extension types that pyc-aot makes natively since session 15,
each in a hot loop, counted by callgrind: pyc-aot vs Cython (`cythonize -i
-3`, CFLAGS=-O3) vs CPython (the same file with the shim as `cython`).
Instructions per iteration from two runs of N1 and N2 iterations (start-up
and imports cancel out): a `@staticmethod` and a `@classmethod` called on
the class, a `@staticmethod` on a typed receiver, construction with
keywords, construction of a class with `__cinit__`, a `@cython.ccall`
method on `cython.cast(Acc, xs[i])`, construction and a ccall that
omit object arguments with defaults, construction of a class whose
`__cinit__` takes the arguments, a method appending to a `list` field, and
interpreted code reading and writing public and readonly fields.

    bench/.work/venv/bin/python bench/cclass_calls.py   # writes bench/cclass_calls_results.md
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
SHIM = os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py")
N1, N2 = 20000, 120000

SRC = '''
import cython


@cython.cclass
class Vec2:
    x: cython.double
    y: cython.double

    def __init__(self, x: cython.double = 0.0, y: cython.double = 0.0):
        self.x = x
        self.y = y

    @staticmethod
    def scale(a: cython.double) -> cython.double:
        return a * 2.0

    @classmethod
    def offset(cls, a: cython.double) -> cython.double:
        return a + 1.0


@cython.cclass
class Counted:
    n: cython.int
    v: cython.double

    def __cinit__(self):
        self.n = 1

    def __init__(self, v: cython.double):
        self.v = v


@cython.cclass
class Acc:
    total: cython.double

    def __init__(self):
        self.total = 0.0

    @cython.ccall
    def add(self, v: cython.double) -> cython.double:
        self.total += v
        return self.total


@cython.cclass
class Opt:
    v: cython.double
    data: object

    def __init__(self, v: cython.double, data=None):
        self.v = v
        self.data = data

    @cython.ccall
    def pick(self, d=None, k=()) -> cython.double:
        return self.v if d is None else 0.0


@cython.cclass
class Pair:
    a: cython.double
    b: cython.double

    def __cinit__(self, a, b):
        self.a = a

    def __init__(self, a: cython.double, b: cython.double):
        self.b = b


@cython.cclass
class Bag:
    name: str
    tags: list

    def __init__(self, name):
        self.name = name
        self.tags = []

    def push(self, v: cython.double) -> cython.Py_ssize_t:
        self.tags.append(v)
        return len(self.tags) + len(self.name)


@cython.cclass
class Pub:
    x = cython.declare(cython.double, visibility='public')
    n = cython.declare(cython.int, visibility='readonly')


def new_cinit_args(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    p: Pair
    for i in range(n):
        p = Pair(t, 2.0)
        t += p.b
    return t


def bag_push(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    b: Bag = Bag("bag")
    for i in range(n):
        t += b.push(1.0)
    return t


def new_default(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    o: Opt
    for i in range(n):
        o = Opt(1.0)
        t += o.v
    return t


def ccall_default(o: Opt, n: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(n):
        t += o.pick()
    return t


def static_on_class(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(n):
        t += Vec2.scale(i)
    return t


def class_on_class(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(n):
        t += Vec2.offset(i)
    return t


def static_on_receiver(v: Vec2, n: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(n):
        t += v.scale(i)
    return t


def new_keywords(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    p: Vec2
    for i in range(n):
        p = Vec2(x=1.0, y=2.0)
        t += p.y
    return t


def new_cinit(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    c: Counted
    for i in range(n):
        c = Counted(1.0)
        t += c.v
    return t


def ccall_on_cast(xs: list, n: cython.int) -> cython.double:
    t: cython.double = 0.0
    for i in range(n):
        t += cython.cast(Acc, xs[0]).add(1.0)
    return t
'''

CASES = [
    ("`Vec2.scale(i)` (`@staticmethod`)", "m.static_on_class(%d)"),
    ("`Vec2.offset(i)` (`@classmethod`)", "m.class_on_class(%d)"),
    ("`v.scale(i)`, `v: Vec2` (`@staticmethod`)", "m.static_on_receiver(m.Vec2(), %d)"),
    ("`Vec2(x=1.0, y=2.0)`", "m.new_keywords(%d)"),
    ("`Counted(1.0)` (`__cinit__`)", "m.new_cinit(%d)"),
    ("`cython.cast(Acc, xs[0]).add(1.0)` (`@ccall`)", "m.ccall_on_cast([m.Acc()], %d)"),
    ("`Opt(1.0)` (`__init__(self, v, data=None)`)", "m.new_default(%d)"),
    ("`o.pick()`, `o: Opt` (`@ccall`, `d=None, k=()` omitted)", "m.ccall_default(m.Opt(1.0), %d)"),
    ("`Pair(t, 2.0)` (`__cinit__(self, a, b)`)", "m.new_cinit_args(%d)"),
    ("`b.push(1.0)`, `b: Bag` (`self.tags.append(v)`, `len` of a `list` and a `str` field)", "m.bag_push(%d)"),
    ("`p.x; p.x; p.x; p.n; p.x = 2.0` in Python (public `double` `x`, readonly `int` `n`)",
     "from itertools import repeat\ndef run(p, n):\n    for _ in repeat(None, n):\n        p.x; p.x; p.x; p.n; p.x = 2.0\nrun(m.Pub(), %d)"),
]

RUN = "import sys; sys.path.insert(0, %r)\nimport bench_cclass_calls as m\n%s\n"


def per_iteration(moddir, call):
    return callgrind_per_iteration(VENV_PY, lambda n: RUN % (moddir, call % n), N1, N2)


def main():
    if not os.path.exists(VENV_PY) or not shutil.which("valgrind"):
        print("needs bench/.work/venv with Cython and valgrind", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        ours, theirs, plain = os.path.join(d, "pyc"), os.path.join(d, "cy"), os.path.join(d, "py")
        for dest in (ours, theirs, plain):
            os.mkdir(dest)
            with open(os.path.join(dest, "bench_cclass_calls.py"), "w") as f:
                f.write(SRC)
        shutil.copy(SHIM, os.path.join(plain, "cython.py"))
        subprocess.run([exe, "build", "bench_cclass_calls.py", "-q", "--python", VENV_PY], cwd=ours, check=True)
        cythonize = os.path.join(os.path.dirname(VENV_PY), "cythonize")
        subprocess.run([cythonize, "-i", "-3", "-q", "bench_cclass_calls.py"], cwd=theirs, check=True, capture_output=True,
                       env=dict(os.environ, CFLAGS="-O3"))
        for what, call in CASES:
            a, b, c = per_iteration(ours, call), per_iteration(theirs, call), per_iteration(plain, call)
            rows.append((what, a, b, c))
            print("%s: pyc-aot %.1f, Cython %.1f, CPython %.1f" % (what, a, b, c), file=sys.stderr)
    cy = subprocess.run([VENV_PY, "-c", "import Cython; print(Cython.__version__)"], capture_output=True, text=True).stdout.strip()
    pyver = subprocess.run([VENV_PY, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Static and class methods, construction and ccalls on other receivers (callgrind)",
        "",
        "Instructions per loop iteration (`t += ...` into a C double), from two callgrind runs of",
        "%d and %d iterations. Written by `bench/.work/venv/bin/python bench/cclass_calls.py`." % (N1, N2),
        "",
        "| loop body | pyc-aot | Cython | CPython | vs Cython | vs CPython |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for what, a, b, c in rows:
        lines.append("| %s | %.1f | %.1f | %.1f | %.2f | %.3f |" % (what, a, b, c, a / b, a / c))
    lines += ["", "CPU: %s; CPython %s; Cython %s (CFLAGS=-O3)." % (cpu_name(), pyver, cy), ""]
    with open(os.path.join(HERE, "cclass_calls_results.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
