"""Wrapping C (issue 14): `.pxd` extern declarations cimported with
`from cython.cimports.<mod> import name`, C sources and libraries linked into
the module (`pyc-aot build m.py lib.c -I -L -l`), and the errors for what
is wrong or not supported yet, each naming its file and line."""

import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, run_compiler

WRAP_C = ROOT / "examples" / "wrap_c"


def run_py(code, cwd):
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def write(d, files):
    for name, text in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(textwrap.dedent(text))


def test_the_books_wrap_fib(tmp_path):
    for f in ("cfib.h", "cfib.c", "cfib.pxd", "wrap_fib.py"):
        shutil.copy(WRAP_C / f, tmp_path / f)
    b = run_compiler(tmp_path / "wrap_fib.py", args=[str(tmp_path / "cfib.c")])
    assert b.ok, b.describe()
    assert b.counts() == (1, 0), b.describe()
    out = run_py("""
        import wrap_fib
        print(repr(wrap_fib.fib(90)), wrap_fib.fib(0), wrap_fib.fib(n=10), wrap_fib.cfib(10))
        try:
            wrap_fib.fib(2.5)
        except TypeError as e:
            print('TypeError')
    """, tmp_path)
    assert out.split() == ["2.880067194370816e+18", "0.0", "55.0", "55.0", "TypeError"]


LIB_C = """
    #include "lib.h"
    int counter = 3;
    const double scale = 2.5;
    int from_schar(signed char c) { return c; }
    unsigned from_uchar(unsigned char c) { return c; }
    int from_short(short s) { return s; }
    unsigned from_ushort(unsigned short s) { return s; }
    unsigned long long mix(long long a, unsigned b, unsigned long c, size_t d, long e) { return (unsigned long long)(a + b + c + d + e); }
    Py_ssize_t neg(Py_ssize_t x) { return -x; }
    float halve(float x) { return x / 2; }
    int is_pos(int x) { return x > 0 ? 7 : 0; }
    int not_(int b) { return !b; }
    void bump(int by) { counter += by; }
    char low(char c) { return (char)(c | 0x20); }
"""
LIB_H = """
    #include <stddef.h>
    typedef long Py_ssize_t;
    extern int counter;
    extern const double scale;
"""
LIB_PXD = """
    # C scalar types of every width and sign, enums, variables, ctypedefs.
    cdef extern from "lib.h":
        int from_schar(signed char c)
        unsigned from_uchar(unsigned char c)
        int from_short(short s)
        unsigned int from_ushort(unsigned short s)
        unsigned long long mix(long long a, unsigned b, unsigned long c, size_t d, long e)
        ctypedef Py_ssize_t index_t
        index_t neg(index_t x) nogil
        float halve(float x)
        bint is_pos(int x)
        int not_(bint b)
        void bump(int by)
        char low(char c)
        int counter
        const double scale
        enum: RED = 1, GREEN = 4
        enum Mode:
            FAST = -2
            SLOW = FAST

    cdef enum Shade:
        LIGHT
        DARK
"""
LIB_PY = """
    import cython
    from cython.cimports.lib import (from_schar, from_uchar, from_short, from_ushort, mix, neg, halve,
                                     is_pos, not_, bump, low, counter, scale, RED, GREEN, SLOW, DARK)
    from cython.cimports import lib as L

    def narrow(x: cython.int) -> cython.longlong:
        a: cython.longlong = from_schar(x)
        b: cython.longlong = from_uchar(x)
        c: cython.longlong = from_short(x)
        d: cython.longlong = from_ushort(x)
        return a + 1000 * b + 10**6 * c + 10**9 * d

    def wide(a: cython.longlong) -> cython.ulonglong:
        return mix(a, 1, 2, 3, 4)

    def floats(x: cython.float) -> cython.float:
        return halve(x)

    def truth_native(x: cython.int) -> cython.bint:
        return is_pos(x) and not not_(x)

    def counting(by: cython.int) -> cython.int:
        bump(by)
        return counter

    def consts() -> cython.double:
        return scale * (RED + GREEN + SLOW + DARK)

    def module_attr(x: cython.Py_ssize_t) -> cython.Py_ssize_t:
        return L.neg(x)

    def released(x: cython.Py_ssize_t) -> cython.Py_ssize_t:
        with cython.nogil:
            x = neg(x)
        return x

    def char_of(c: cython.char) -> cython.char:
        return low(c)

    def interpreted(x):
        # Left to Python (it makes a list): calls the natively bound C function.
        return [neg(x), RED, GREEN]

    AT_IMPORT = neg(5) + DARK
"""


def build_lib(tmp_path, args=()):
    write(tmp_path, {"lib.c": LIB_C, "lib.h": LIB_H, "lib.pxd": LIB_PXD, "m.py": LIB_PY})
    return run_compiler(tmp_path / "m.py", args=[str(tmp_path / "lib.c"), *args])


def test_scalar_types_enums_variables_and_interpreted_callers(tmp_path):
    b = build_lib(tmp_path)
    assert b.ok, b.describe()
    out = run_py("""
        import m
        print(m.narrow(-5), m.narrow(250), m.narrow(70000))
        print(m.wide(-10), m.wide(2**62))
        print(m.floats(3.0), m.floats(1e-45))
        print(m.truth_native(3), m.truth_native(-3), m.is_pos(5), m.is_pos(0), m.not_(True), m.not_(False))
        print(m.counting(4), m.counting(-1))
        print(m.consts(), m.module_attr(7), m.released(-8), m.char_of(65))
        print(m.interpreted(3), m.AT_IMPORT, m.RED, m.DARK)
    """, tmp_path)
    lines = out.splitlines()
    sc = lambda x: (x + 128) % 256 - 128
    s16 = lambda x: (x + 2**15) % 2**16 - 2**15
    narrow = lambda x: sc(x) + 1000 * (x % 256) + 10**6 * s16(x) + 10**9 * (x % 2**16)
    assert lines[0].split() == [str(narrow(x)) for x in (-5, 250, 70000)]
    assert lines[1].split() == [str(-10 + 10), str(2**62 + 10)]
    assert lines[2].split() == ["1.5", "0.0"]
    assert lines[3].split() == ["True", "False", "True", "False", "0", "1"]
    assert lines[4].split() == ["7", "6"]
    assert lines[5].split() == [str(2.5 * (1 + 4 - 2 + 1)), "-7", "8", "97"]
    assert lines[6] == "[-3, 1, 4] -4 1 1"


def test_pxd_on_the_include_path_and_a_static_library(tmp_path):
    inc, libdir = tmp_path / "inc", tmp_path / "libs"
    inc.mkdir()
    libdir.mkdir()
    write(tmp_path, {
        "inc/twice.pxd": 'cdef extern from "twice.h":\n    long twice(long x)\n',
        "inc/twice.h": "long twice(long x);\n",
        "twice.c": "long twice(long x) { return 2 * x; }\n",
        "m.py": "import cython\nfrom cython.cimports.twice import twice as t\n\ndef f(x: cython.long) -> cython.long:\n    return t(x) + 1\n",
    })
    subprocess.run(["cc", "-O2", "-fPIC", "-c", "twice.c", "-o", "twice.o"], cwd=tmp_path, check=True)
    subprocess.run(["ar", "rcs", str(libdir / "libtwice.a"), "twice.o"], cwd=tmp_path, check=True)
    b = run_compiler(tmp_path / "m.py", args=["-I", str(inc), "-L", str(libdir), "-l", "twice"])
    assert b.ok, b.describe()
    assert run_py("import m; print(m.f(20), m.t(4))", tmp_path).split() == ["41", "8"]


PY_F = "import cython\nfrom cython.cimports.lib import f\n\ndef g(x: cython.int) -> cython.int:\n    return f(x)\n"


@pytest.mark.parametrize("pxd, where, message", [
    ('cdef extern from "lib.h":\n    int f(int x\n    int g()\n', "lib.pxd:3:", "expected"),
    ('cdef extern from "lib.h":\n    quad f(int x)\n', "lib.pxd:2:5", "unknown type `quad`"),
    ('cdef extern from "lib.h":\n    int f(int *x)\n', "m.py:5:14", "cannot convert cython.int to int* for `x`"),
    ('cdef extern from "lib.h":\n    int f(int x)\n    int a[4]\n', "lib.pxd:3:10", "C arrays in a .pxd are not supported yet"),
    ('cdef extern from "lib.h":\n    int g(int x)\n', "m.py:2:33", "`f` is not declared in lib.pxd"),
    (None, "m.py:2:1", "cannot find lib.pxd for `cython.cimports.lib`"),
])
def test_bad_declarations_are_located(tmp_path, pxd, where, message):
    (tmp_path / "m.py").write_text(PY_F)
    if pxd is not None:
        (tmp_path / "lib.pxd").write_text(pxd)
    b = run_compiler(tmp_path / "m.py")
    assert b.returncode == 1, b.describe()
    assert message in b.stderr and where in b.stderr, b.stderr
    assert not b.so.exists()


@pytest.mark.parametrize("body, message", [
    ("    return f(x, x)\n", "the C function `f` takes 1 argument (2 given)"),
    ("    return f(1.5)\n", "cannot implicitly convert double to cython.int for `x`"),
    ("    with cython.nogil:\n        x = f(x)\n    return x\n", "the C function `f` needs the GIL, but is called without it"),
])
def test_bad_calls_are_errors(tmp_path, body, message):
    (tmp_path / "lib.pxd").write_text('cdef extern from "lib.h":\n    int f(int x)\n')
    (tmp_path / "m.py").write_text(PY_F.rsplit("    return", 1)[0] + body)
    b = run_compiler(tmp_path / "m.py")
    assert b.returncode == 1 and message in b.stderr and "m.py:" in b.stderr, b.describe()


def test_c_compile_errors_and_missing_symbols_name_their_file_and_symbol(tmp_path):
    (tmp_path / "lib.pxd").write_text('cdef extern from "lib.h":\n    int f(int x)\n    int h\n')
    (tmp_path / "m.py").write_text(PY_F.replace("import f", "import f, h") + "\ndef k() -> cython.int:\n    return h\n")
    (tmp_path / "bad.c").write_text("int f(int x) { return x +; }\n")
    b = run_compiler(tmp_path / "m.py", args=[str(tmp_path / "bad.c")])
    assert b.returncode == 1 and "compiling" in b.stderr and "bad.c:1:" in b.stderr, b.describe()
    (tmp_path / "other.c").write_text("int other(void) { return 1; }\n")
    b = run_compiler(tmp_path / "m.py", args=[str(tmp_path / "other.c")])
    assert b.returncode == 1, b.describe()
    assert "the C symbols `f`, `h` declared in a .pxd are not defined" in b.stderr, b.stderr
    assert not b.so.exists()
    b = run_compiler(tmp_path / "m.py", args=[str(tmp_path / "missing.c")])
    assert b.returncode == 1 and "cannot find the C source" in b.stderr, b.describe()


def test_dotted_and_module_cimports(tmp_path):
    write(tmp_path, {
        "pkg/ops.pxd": 'cdef extern from *:\n    int add3(int a, int b, int c) nogil\n    enum: TEN = 10\n',
        "ops.c": "int add3(int a, int b, int c) { return a + b + c; }\n",
        "m.py": """
            import cython
            from cython.cimports.pkg.ops import add3, TEN
            import cython.cimports.pkg.ops as o
            from cython.cimports.pkg import ops

            def f(x: cython.int) -> cython.int:
                with cython.nogil:
                    x = add3(x, o.add3(1, 2, 3), ops.TEN)
                return x + TEN
        """,
    })
    b = run_compiler(tmp_path / "m.py", args=[str(tmp_path / "ops.c")])
    assert b.ok and b.counts() == (1, 0), b.describe()
    assert run_py("import m; print(m.f(1), m.add3(1, 1, 1), m.TEN)", tmp_path).split() == ["27", "3", "10"]


def test_nogil_c_functions_in_a_prange_body(tmp_path):
    write(tmp_path, {
        "sq.pxd": 'cdef extern from "sq.h" nogil:\n    double sq(double x)\n',
        "sq.h": "double sq(double x);\n",
        "sq.c": '#include "sq.h"\ndouble sq(double x) { return x * x; }\n',
        "m.py": """
            import cython
            from cython.parallel import prange
            from cython.cimports.sq import sq

            def total(n: cython.Py_ssize_t) -> cython.double:
                s: cython.double = 0.0
                i: cython.Py_ssize_t
                for i in prange(n, nogil=True):
                    s += sq(i)
                return s
        """,
    })
    b = run_compiler(tmp_path / "m.py", args=[str(tmp_path / "sq.c")])
    assert b.ok and b.counts() == (1, 0), b.describe()
    assert run_py("import m; print(m.total(1000))", tmp_path).strip() == repr(float(sum(i * i for i in range(1000))))


def test_a_many_module_build_rebuilds_when_a_pxd_changes(tmp_path):
    # libm is linked into every module: a .pxd may declare its functions.
    write(tmp_path, {
        "src/cm.pxd": 'cdef extern from "math.h" nogil:\n    double erf(double x)\n',
        "src/a.py": "import cython\nfrom cython.cimports.cm import erf\n\ndef f(x: cython.double) -> cython.double:\n    return erf(x)\n",
        "src/b.py": "def g(x: int) -> int:\n    return x + 1\n",
    })
    b = run_compiler(tmp_path / "src")
    assert b.ok and "2 built" in b.stdout, b.describe()
    assert run_py("import a; print(a.f(0.5))", tmp_path / "src").strip() == repr(__import__("math").erf(0.5))
    b = run_compiler(tmp_path / "src")
    assert b.ok and "2 up to date" in b.stdout, b.describe()
    (tmp_path / "src" / "cm.pxd").write_text('cdef extern from "math.h" nogil:\n    double erf(double x)\n    double erfc(double x)\n')
    b = run_compiler(tmp_path / "src")
    assert b.ok and "1 built, 1 up to date" in b.stdout, b.describe()
