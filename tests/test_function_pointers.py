"""C function pointers (issue 14): a `.pxd`'s `ctypedef`'d function
pointer types (`ctypedef double (*binop_t)(double, double) noexcept`) as
locals, `@cython.cfunc` parameters and results and C variables; a cfunc's
name assigned to one (its C entry's address, the signature checked),
`cython.NULL`, comparisons (`==`, `!=`, `is`, with a cfunc's name), truth
values, casts through `void*`, a cclass's private field of the type, a
struct local's field, calls through them (C's convention, with the
GIL released too) and passing them on. Differential: the compiled module
against the same file run as plain Python with the shim (which reads the
`.pxd`'s `ctypedef` names); no leaks; what Cython refuses is a located
error naming both types."""

import sys

import pytest

from conftest import call, growth, import_extension, import_source, run_compiler, same_value

PXD = """\
ctypedef double (*binop_t)(double, double) noexcept
ctypedef int (*pred_t)(int) noexcept nogil
ctypedef long (*step_t)(long) noexcept
"""

SOURCE = '''\
import cython
from cython.cimports.fptypes import binop_t, pred_t, step_t


@cython.cfunc
@cython.exceptval(check=False)
def add(a: cython.double, b: cython.double) -> cython.double:
    return a + b


@cython.cfunc
@cython.exceptval(check=False)
def mul(a: cython.double, b: cython.double) -> cython.double:
    return a * b


@cython.cfunc
@cython.exceptval(check=False)
def hypot2(a: cython.double, b: cython.double) -> cython.double:
    return a * a + b * b


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def odd(n: cython.int) -> cython.int:
    return n % 2


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def small(n: cython.int) -> cython.int:
    return n < 5


@cython.cfunc
@cython.exceptval(check=False)
def collatz(n: cython.long) -> cython.long:
    if n % 2 == 0:
        return n // 2
    return 3 * n + 1


@cython.cfunc
def apply(f: binop_t, a: cython.double, b: cython.double) -> cython.double:
    return f(a, b)


@cython.cfunc
def pick(k: cython.int) -> binop_t:
    if k == 0:
        return add
    if k == 1:
        return mul
    if k == 2:
        return hypot2
    return cython.NULL


def run(x: cython.double) -> cython.double:
    f: binop_t = add
    if x < 0:
        f = mul
    return apply(f, x, 2.0)


def run_pick(k: cython.int, a: cython.double, b: cython.double) -> cython.double:
    f: binop_t = pick(k)
    if f == cython.NULL:
        return -1.0
    return f(a, b)


def direct(k: cython.int, a: cython.double) -> cython.double:
    return pick(k % 3)(a, a + 1)


def fold(xs: cython.double[:], k: cython.int) -> cython.double:
    f: binop_t = pick(k)
    if not f:
        raise ValueError("no operation")
    acc: cython.double = xs[0]
    i: cython.Py_ssize_t
    for i in range(1, xs.shape[0]):
        acc = f(acc, xs[i])
    return acc


def compare() -> tuple:
    f: binop_t = cython.NULL
    g: binop_t = add
    h: binop_t = pick(0)
    return (f == cython.NULL, g == cython.NULL, g == add, g == mul, g != f, g == h,
            not f, not g, f is cython.NULL, g is not cython.NULL, True if g else False)


def count(n: cython.int, which: cython.int) -> cython.int:
    p: pred_t = odd
    if which:
        p = small
    s: cython.int = 0
    i: cython.int
    with cython.nogil:
        for i in range(n):
            s += p(i)
    return s


def steps(n: cython.long) -> cython.long:
    f: step_t = collatz
    k: cython.long = 0
    while n != 1 and k < 1000:
        n = f(n)
        k += 1
    return k


def round_trip(x: cython.double) -> cython.double:
    f: binop_t = mul
    p: cython.p_void = f
    g: binop_t = cython.cast(binop_t, p)
    return g(x, 3) + cython.sizeof(binop_t)


@cython.cclass
class Calc:
    op: binop_t
    uses: cython.int

    def __init__(self, k: cython.int):
        self.op = pick(k)
        self.uses = 0

    def apply(self, a: cython.double, b: cython.double) -> cython.double:
        if self.op == cython.NULL:
            return -1.0
        self.uses += 1
        return self.op(a, b)

    def swap(self):
        if self.op == add:
            self.op = mul
        else:
            self.op = add


def use_calc(k: cython.int, a: cython.double) -> tuple:
    c: Calc = Calc(k)
    r1: cython.double = c.apply(a, 2.0)
    c.swap()
    r2: cython.double = c.op(a, 3.0)
    return r1, r2, c.apply(a, 4.0), c.uses


Op = cython.struct(f=binop_t, scale=cython.double)


def struct_op(k: cython.int, x: cython.double) -> cython.double:
    o = cython.declare(Op)
    o.f = pick(k % 3)
    o.scale = 0.5
    return o.f(x, 2.0) * o.scale


def table(x: cython.double) -> list:
    out = []
    k: cython.int
    for k in range(4):
        f: binop_t = pick(k)
        out.append(f(x, 2.0) if f != cython.NULL else None)
    return out
'''

NATIVE = ["add", "mul", "hypot2", "odd", "small", "collatz", "apply", "pick", "run", "run_pick", "direct", "fold",
          "compare", "count", "steps", "round_trip", "use_calc", "struct_op", "table"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("fnptr")
    (d / "fptypes.pxd").write_text(PXD)
    (d / "fnptr.py").write_text(SOURCE)
    b = run_compiler(d / "fnptr.py", outdir=d / "out", args=["--strict"])
    # `--strict`: nothing is left to Python (the cclass's methods and
    # pickling functions count among the native functions).
    assert b.ok and b.counts()[1] == 0 and b.counts()[0] > len(NATIVE), b.describe()
    import sysconfig
    nat = import_extension("fnptr", d / "out" / ("fnptr" + sysconfig.get_config_var("EXT_SUFFIX")))
    # The plain run finds `fptypes.pxd` on sys.path (the shim's `cython.cimports`).
    sys.path.insert(0, str(d))
    try:
        py = import_source("fnptr_py", d / "fnptr.py")
    finally:
        sys.path.remove(str(d))
    return py, nat


CASES = [
    ("run", [(3.0,), (-3.0,), (0.0,), (-0.0,), (1e308,), (float("inf"),), (float("nan"),), (2,), (None,), ("x",)]),
    ("run_pick", [(0, 1.5, 2.5), (1, 1.5, 2.5), (2, 3.0, 4.0), (3, 1.0, 1.0), (-1, 1.0, 1.0), (2, -0.0, 0.0), (1, "a", 1.0)]),
    ("direct", [(0, 1.0), (1, 2.5), (2, -3.0), (5, 0.5), (-4, 1.0)]),
    ("compare", [()]),
    ("count", [(0, 0), (10, 0), (11, 0), (11, 1), (100, 1), (-5, 0)]),
    ("steps", [(1,), (2,), (27,), (97,), (871,)]),
    ("round_trip", [(2.0,), (-0.5,)]),
    ("table", [(1.5,), (-2.0,)]),
    ("use_calc", [(0, 1.5), (1, 2.0), (2, -1.0), (3, 1.0), (-1, 0.5)]),
    ("struct_op", [(0, 1.5), (1, 2.0), (2, -1.0), (5, 3.0)]),
]


@pytest.mark.parametrize("name", NATIVE[8:])
def test_compiled_natively(pair, name):
    _, nat = pair
    assert type(getattr(nat, name)).__name__ in ("builtin_function_or_method", "cython_function_or_method", "pyc_aot_function"), name


def test_the_cclass_is_an_extension_type(pair):
    _, nat = pair
    assert "__dict__" not in nat.Calc.__dict__ and not hasattr(nat.Calc(0), "op")


@pytest.mark.parametrize("name, argss", CASES, ids=[c[0] for c in CASES])
def test_matches_plain_python(pair, name, argss):
    py, nat = pair
    for args in argss:
        want, got = call(getattr(py, name), args), call(getattr(nat, name), args)
        assert want.ok == got.ok, (name, args, want, got)
        if want.ok:
            assert same_value(want.value, got.value) or want.value == got.value, (name, args, want, got)
        else:
            assert want.exc_type is got.exc_type, (name, args, want, got)


def test_matches_cython(pair):
    # What Cython 3.3.1 gives for the same two files (`cythonize -i -3`).
    import array
    _, nat = pair
    assert (nat.run(3.0), nat.run(-3.0), nat.run_pick(2, 3.0, 4.0), nat.run_pick(3, 1, 1), nat.direct(5, 0.5)) == (5.0, -6.0, 25.0, -1.0, 2.5)
    assert nat.compare() == (True, False, True, False, True, True, True, False, True, True, True)
    assert (nat.count(100, 1), nat.steps(27), nat.round_trip(2.0), nat.use_calc(3, 1.0), nat.struct_op(5, 3.0)) == (5, 111, 14.0, (-1.0, 4.0, 5.0, 1), 6.5)
    assert nat.table(1.5) == [3.5, 3.0, 6.25, None]
    assert nat.fold(memoryview(array.array("d", [1, 2, 3, 4, -0.5])), 2) == 1373584.25


def test_fold_over_a_view(pair):
    import array
    py, nat = pair
    xs = memoryview(array.array("d", [1.0, 2.0, 3.0, 4.0, -0.5]))
    for k in range(4):
        want, got = call(py.fold, (xs, k)), call(nat.fold, (xs, k))
        assert want.ok == got.ok and (not want.ok or same_value(want.value, got.value)), (k, want, got)
        if not want.ok:
            assert want.exc_type is got.exc_type is ValueError and want.message == got.message == "no operation"


def test_no_leaks(pair):
    import array
    _, nat = pair
    xs = array.array("d", [1.0, 2.0, 3.0])
    before = sys.getrefcount(xs)
    assert growth(lambda: (nat.run(1.5), nat.run_pick(2, 1.0, 2.0), nat.table(1.0), nat.fold(xs, 1), nat.count(20, 1), nat.use_calc(1, 2.0))) < 50
    assert growth(lambda: call(nat.fold, (xs, 7))) < 50
    assert sys.getrefcount(xs) == before


BASE = '''\
import cython
from cython.cimports.fptypes import binop_t, pred_t


@cython.cfunc
@cython.exceptval(check=False)
def add(a: cython.double, b: cython.double) -> cython.double:
    return a + b


@cython.cfunc
def sub(a: cython.double, b: cython.double) -> cython.double:
    return a - b


@cython.cfunc
@cython.exceptval(check=False)
def iadd(a: cython.int, b: cython.int) -> cython.int:
    return a + b


def pyf(a, b):
    return a


def f(x: cython.double):
'''

ERRORS = [
    ("    g: binop_t = iadd\n    return g(x, 1.0)\n", 27,
     "`iadd` (line 18) has the signature int (int, int), but `g` needs double (*)(double, double) noexcept"),
    ("    g: binop_t = sub\n    return g(x, 1.0)\n", 27,
     "`sub` (line 12) is `except? -1`, but `g` is double (*)(double, double) noexcept: the exception values are incompatible (Cython's rule)"),
    ("    g: binop_t = pyf\n    return g(x, 1.0)\n", 27,
     "`pyf` (line 22) is a Python function (`def`): `g` needs a C function pointer, double (*)(double, double) noexcept"),
    ("    p: cython.p_void = cython.NULL\n    g: binop_t = p\n    return g(x, 1.0)\n", 28,
     "cannot assign void* to double (*)(double, double) noexcept for `g`"),
    ("    g: binop_t = None\n    return 1.0\n", 27, "cannot assign None to double (*)(double, double) noexcept for `g`"),
    ("    g: binop_t = add\n    h: pred_t = g\n    return 1.0\n", 28,
     "cannot assign double (*)(double, double) noexcept to int (*)(int) noexcept nogil for `h`"),
    ("    g: binop_t = add\n    return g(x)\n", 28, "the C function pointer takes 2 arguments (1 given)"),
    ("    g: binop_t = add\n    return g(a=x, b=x)\n", 28, "a call through a C function pointer (double (*)(double, double) noexcept) takes no keyword arguments"),
    ("    g: binop_t = add\n    with cython.nogil:\n        x = g(x, 1.0)\n    return x\n", 29,
     "a call through double (*)(double, double) noexcept needs the GIL, but is made without it"),
    ("    g: binop_t = add\n    return g + 1\n", 28, "a C function pointer (double (*)(double, double) noexcept) is neither a number nor a Python object"),
]


@pytest.mark.parametrize("body, line, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_bad_function_pointers_are_located_errors(tmp_path, body, line, message):
    (tmp_path / "fptypes.pxd").write_text(PXD)
    (tmp_path / "bad.py").write_text(BASE + body)
    b = run_compiler(tmp_path / "bad.py", outdir=tmp_path / "out")
    assert not b.ok, b.describe()
    assert message in b.stderr, b.stderr
    assert "bad.py:%d:" % line in b.stderr, b.stderr


FPC_H = "typedef double (*unary)(double);\nextern unary hook;\nvoid set_hook(unary f);\ndouble integrate(unary f, double a, double b, int n);\nunary pick_c(int k);\n"
FPC_C = ('#include <stddef.h>\n#include "fpc.h"\nunary hook = NULL;\nvoid set_hook(unary f) { hook = f; }\n'
         "double integrate(unary f, double a, double b, int n) {\n    if (f == NULL) return -1.0;\n"
         "    double dx = (b - a) / n, s = 0.0;\n    for (int i = 0; i < n; i++) s += f(a + (i + 0.5) * dx) * dx;\n    return s;\n}\n"
         "static double neg(double x) { return -x; }\nstatic double cube(double x) { return x * x * x; }\n"
         "unary pick_c(int k) { return k == 1 ? neg : k == 2 ? cube : NULL; }\n")
FPC_PXD = ('cdef extern from "fpc.h":\n    ctypedef double (*unary)(double) noexcept nogil\n    unary hook\n    void set_hook(unary f)\n'
           "    double integrate(unary f, double a, double b, int n) nogil\n    unary pick_c(int k)\n")
FPC_PY = '''\
import cython
from cython.cimports.fpc import unary, hook, set_hook, integrate, pick_c


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def square(x: cython.double) -> cython.double:
    return x * x


def area(n: cython.int, k: cython.int) -> cython.double:
    f: unary = square
    if k:
        f = pick_c(k)
    return integrate(f, 0.0, 1.0, n)


def call_c(k: cython.int, x: cython.double) -> cython.double:
    f: unary = pick_c(k)
    if f == cython.NULL:
        return -1.0
    return f(x)


def via_hook(x: cython.double) -> tuple:
    set_hook(square)
    a: cython.double = hook(x)
    same: cython.bint = hook == square
    set_hook(pick_c(1))
    return a, same, hook(x), hook == square
'''


def test_function_pointers_cross_c(tmp_path):
    # Pointers C returns are called from compiled code, a local passed back
    # to C, a C variable of the type called through. Expected values are
    # computed here (C runs only compiled).
    import subprocess
    import textwrap
    for name, text in {"fpc.h": FPC_H, "fpc.c": FPC_C, "fpc.pxd": FPC_PXD, "m.py": FPC_PY}.items():
        (tmp_path / name).write_text(text)
    b = run_compiler(tmp_path / "m.py", args=[str(tmp_path / "fpc.c"), "--strict"])
    assert b.ok, b.describe()
    code = textwrap.dedent("""
        import m
        print(repr(m.area(4, 0)), repr(m.area(4, 1)), repr(m.area(2, 2)), repr(m.area(3, 5)))
        print(repr(m.call_c(1, 2.5)), repr(m.call_c(2, 3.0)), repr(m.call_c(0, 1.0)))
        print(m.via_hook(3.0))
    """)
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr

    def integrate(f, a, b, n):
        dx, s = (b - a) / n, 0.0
        for i in range(n):
            s += f(a + (i + 0.5) * dx) * dx
        return s
    want = [
        " ".join(repr(v) for v in (integrate(lambda x: x * x, 0.0, 1.0, 4), integrate(lambda x: -x, 0.0, 1.0, 4),
                                   integrate(lambda x: x * x * x, 0.0, 1.0, 2), -1.0)),
        "-2.5 27.0 -1.0",
        "(9.0, True, -3.0, False)",
    ]
    assert p.stdout.split("\n")[:3] == want, p.stdout
