"""C functions a `.pxd` declares (issue 14, the C level): exception clauses
on extern functions (`except v`, `except? v`, `except *`, `noexcept` the
default in `cdef extern from` blocks, as in Cython 3), checked after each
direct call (with the GIL taken inside `nogil` code); and variadic C
functions (`...`: `printf`, `snprintf` from `cython.cimports.libc.stdio`),
their extra arguments promoted as C promotes them. The C functions here set
Python exceptions through the C-API, as C helpers written for Python do.
Results are compared with what the C code and Cython 3.3.1 give; no leaks on
either path; bad declarations and calls are located errors."""

import subprocess
import sys
import sysconfig
import textwrap
import traceback

import pytest

from conftest import growth, import_extension, run_compiler

CE_C = r"""
#include <Python.h>
int checked_div(int a, int b) {
    if (b == 0) { PyErr_SetString(PyExc_ZeroDivisionError, "c division by zero"); return -1; }
    return a / b;
}
int maybe(int a) {
    if (a < -5) { PyErr_SetString(PyExc_ValueError, "negative"); return -1; }
    return a;
}
double dmaybe(double a) {
    if (a < -5) { PyErr_SetString(PyExc_ValueError, "dnegative"); return -1.0; }
    return a * 2;
}
void star(int a) {
    if (a) PyErr_Format(PyExc_KeyError, "star %d", a);
}
long long zero_err(long long a) {
    if (a == 7) { PyErr_SetString(PyExc_OverflowError, "seven"); return 0; }
    return a;
}
int plain(int a) { return a; }
int strict_plain(int a) { return a; }
int (*strict_hook)(int) = strict_plain;
int gil_maybe(int a) {
    if (a < 0) {
        PyGILState_STATE s = PyGILState_Ensure();
        PyErr_SetString(PyExc_ValueError, "from nogil");
        PyGILState_Release(s);
        return -1;
    }
    return a + 1;
}
void gil_star(int a) {
    if (a) {
        PyGILState_STATE s = PyGILState_Ensure();
        PyErr_SetString(PyExc_RuntimeError, "star from nogil");
        PyGILState_Release(s);
    }
}
"""

CE_PXD = """\
cdef extern from "ce.h":
    int checked_div(int a, int b) except -1
    int maybe(int a) except? -1
    double dmaybe(double a) except? -1.0
    void star(int a) except *
    long long zero_err(long long a) except? 0
    int plain(int a)
    int strict_plain(int a) except -1
    int (*strict_hook)(int a) except -1

cdef extern from "ce.h" nogil:
    int gil_maybe(int a) except? -1
    void gil_star(int a) except *
"""

SOURCE = '''\
import cython
from cython.cimports.ce import checked_div, maybe, dmaybe, star, zero_err, plain, strict_plain, strict_hook, gil_maybe, gil_star


def div(a: cython.int, b: cython.int) -> cython.int:
    return checked_div(a, b)


def may(a: cython.int) -> cython.int:
    return maybe(a)


def dmay(a: cython.double) -> cython.double:
    return dmaybe(a)


def starred(a: cython.int) -> cython.int:
    star(a)
    return 1


def zero(a: cython.longlong) -> cython.longlong:
    return zero_err(a)


def noexc(a: cython.int) -> cython.int:
    return plain(a)


def strict(a: cython.int) -> cython.int:
    return strict_plain(a)


def hooked(a: cython.int) -> cython.int:
    return strict_hook(a)


def in_loop(n: cython.int) -> cython.int:
    total: cython.int = 0
    i: cython.int
    for i in range(n, -1, -1):
        total += maybe(i - 6) + 1
    return total


def caught(a: cython.int) -> str:
    try:
        maybe(a)
    except ValueError as e:
        return "caught " + str(e)
    return "none"


def released(a: cython.int) -> cython.int:
    r: cython.int
    with cython.nogil:
        r = gil_maybe(a)
    return r


def released_star(a: cython.int) -> cython.int:
    with cython.nogil:
        gil_star(a)
    return 2


def interpreted(a):
    return may(a)
'''


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    d = tmp_path_factory.mktemp("extern_except")
    (d / "ce.h").write_text("")
    (d / "ce.c").write_text(CE_C)
    (d / "ce.pxd").write_text(CE_PXD)
    (d / "m_except.py").write_text(SOURCE)
    inc = sysconfig.get_paths()["include"]
    b = run_compiler(d / "m_except.py", outdir=d / "out", args=[str(d / "ce.c"), "-I", inc])
    assert b.ok, b.describe()
    assert b.counts()[1] == 0, b.describe()
    return import_extension("m_except", b.so)


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:  # noqa: BLE001
        return (type(e).__name__, str(e))


CASES = [
    ("div", (7, 2), ("ok", 3)),
    ("div", (1, 0), ("ZeroDivisionError", "c division by zero")),
    ("div", (-3, 1), ("ok", -3)),
    ("may", (5,), ("ok", 5)),
    ("may", (0,), ("ok", 0)),
    ("may", (-9,), ("ValueError", "negative")),
    # The error value with no exception set is a value under `except?`.
    ("may", (-1,), ("ok", -1)),
    ("dmay", (2.0,), ("ok", 4.0)),
    ("dmay", (-5.5,), ("ValueError", "dnegative")),
    ("dmay", (-0.5,), ("ok", -1.0)),
    ("starred", (0,), ("ok", 1)),
    ("starred", (3,), ("KeyError", "'star 3'")),
    ("zero", (0,), ("ok", 0)),
    ("zero", (7,), ("OverflowError", "seven")),
    ("zero", (-5,), ("ok", -5)),
    # `noexcept` (no clause in an extern block): -1 is just a value.
    ("noexc", (-1,), ("ok", -1)),
    ("strict", (4,), ("ok", 4)),
    ("in_loop", (3,), ("ValueError", "negative")),
    ("caught", (-9,), ("ok", "caught negative")),
    ("caught", (-2,), ("ok", "none")),
    ("caught", (2,), ("ok", "none")),
    ("released", (4,), ("ok", 5)),
    ("released", (-4,), ("ValueError", "from nogil")),
    ("released_star", (0,), ("ok", 2)),
    ("released_star", (1,), ("RuntimeError", "star from nogil")),
    ("interpreted", (-9,), ("ValueError", "negative")),
    ("interpreted", (-3,), ("ok", -3)),
]


@pytest.mark.parametrize("name, args, want", CASES, ids=["%s%r" % (n, a) for n, a, _ in CASES])
def test_exception_clauses(mod, name, args, want):
    assert outcome(getattr(mod, name), *args) == want


def test_error_value_without_exception(mod):
    # `except? -1`: -1 with nothing set is a result. `except -1`: -1 is an
    # error whatever C set, so a -1 without an exception is CPython's
    # SystemError, as in Cython 3.3.1 ("... returned NULL without setting
    # an exception").
    assert mod.noexc(-1) == -1 and mod.may(-1) == -1
    with pytest.raises(SystemError):
        mod.strict(-1)
    # The same through a function pointer of an `except -1` type.
    assert mod.hooked(5) == 5
    with pytest.raises(SystemError):
        mod.hooked(-1)


def test_traceback_names_the_call(mod):
    try:
        mod.div(1, 0)
    except ZeroDivisionError as e:
        last = traceback.extract_tb(e.__traceback__)[-1]
    assert last.filename.endswith("m_except.py") and last.lineno == 6 and last.name == "div"
    try:
        mod.released_star(1)
    except RuntimeError as e:
        last = traceback.extract_tb(e.__traceback__)[-1]
    assert last.lineno == 63 and last.name == "released_star"


def test_no_leaks(mod):
    def both():
        for f, a in ((mod.div, (1, 0)), (mod.may, (-9,)), (mod.starred, (2,)), (mod.released, (-1,)), (mod.div, (6, 3)),
                     (mod.in_loop, (5,)), (mod.caught, (-9,)), (mod.released_star, (1,))):
            try:
                f(*a)
            except Exception:  # noqa: BLE001
                pass
    assert growth(both) <= 5


BAD_PXD = [
    ("    int f(int a) except -1.5\n", 2, "an exception value pyc-aot does not read"),
    ("    void f(int a) except -1\n", 2, "an exception value for a function returning void"),
    ("    char *f(int a) except? 0\n", 2, "an exception value for a function returning char*"),
    ("    int f(int a) except +\n", 2, "C++ exception clauses (`except +`) in a .pxd are not supported yet"),
    ("    int f(int a) except? x\n", 2, "an exception value pyc-aot does not read"),
    ("    int f(int a) noexcept except -1\n", 2, "a second exception clause"),
    ("    int f(...)\n", 2, "`...` without a parameter before it"),
    ("    int f(int a, ..., int b)\n", 2, "expected `)`"),
    ("    ctypedef int (*f_t)(int a, ...) noexcept\n", 2, "variadic function pointer types (`...`) in a .pxd are not supported yet"),
]


@pytest.mark.parametrize("decl, line, message", BAD_PXD, ids=[str(i) for i in range(len(BAD_PXD))])
def test_bad_declarations_are_located_errors(tmp_path, decl, line, message):
    (tmp_path / "bad_h.pxd").write_text('cdef extern from "bad.h":\n' + decl)
    (tmp_path / "bad.py").write_text("import cython\nfrom cython.cimports.bad_h import f\n")
    b = run_compiler(tmp_path / "bad.py", outdir=tmp_path / "out")
    assert not b.ok, b.describe()
    assert message in b.stderr, b.stderr
    assert "bad_h.pxd:%d:" % line in b.stderr, b.stderr


# Variadic calls ------------------------------------------------------------

PRINTF = '''\
import cython
from cython.cimports.libc.stdio import printf, fprintf, snprintf, puts, fflush, stdout, stderr
from cython.cimports.libc.stdlib import malloc, free


def show(n: cython.int, x: cython.double):
    i: cython.int
    ll: cython.longlong = -123456789012345
    f: cython.float = 1.5
    s: cython.short = -3
    b: cython.bint = True
    for i in range(n):
        printf(b"i=%d x=%.3f ll=%lld s=%s f=%g h=%d b=%d c=%c\\n", i, x * i, ll, b"str", f, s, b, 65 + i)
    printf("%d %d %d %d %d %d %d %d %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %s %ld\\n",
           1, 2, 3, 4, 5, 6, 7, 8, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, "end", -(2 ** 40))
    r: cython.int = printf(b"%s\\n", b"done")
    puts(b"puts")
    fflush(stdout)
    fprintf(stderr, b"err %d %.2f\\n", -7, 0.25)
    fflush(stderr)
    return r


def formatted(i: cython.int, x: cython.double) -> str:
    p: cython.p_char = cython.cast(cython.p_char, malloc(100))
    n: cython.int = snprintf(p, 100, b"<%+d|%8.3f|%x>", i, x, i)
    s: str = ""
    k: cython.int
    for k in range(n):
        s += chr(p[k])
    free(p)
    return s
'''


@pytest.fixture(scope="module")
def printf_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("varargs")
    (d / "m_printf.py").write_text(PRINTF)
    b = run_compiler(d / "m_printf.py", outdir=d)
    assert b.ok, b.describe()
    assert b.counts() == (2, 0), b.describe()
    return d


def test_printf_writes_c_stdout(printf_dir):
    code = "import m_printf, sys\nr = m_printf.show(3, 0.5)\nprint('py', r)\n"
    p = subprocess.run([sys.executable, "-c", code], cwd=printf_dir, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "i=0 x=0.000 ll=-123456789012345 s=str f=1.5 h=-3 b=1 c=A",
        "i=1 x=0.500 ll=-123456789012345 s=str f=1.5 h=-3 b=1 c=B",
        "i=2 x=1.000 ll=-123456789012345 s=str f=1.5 h=-3 b=1 c=C",
        "1 2 3 4 5 6 7 8 1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 9.0 10.0 end -1099511627776",
        "done",
        "puts",
        "py 5",
    ]
    assert p.stderr == "err -7 0.25\n"


def test_snprintf_into_c_memory(printf_dir):
    sys.path.insert(0, str(printf_dir))
    try:
        import m_printf
    finally:
        sys.path.pop(0)
    for i, x in ((5, 2.0), (-12, -3.14159), (0, 1e6), (2**31 - 1, 0.0005)):
        assert m_printf.formatted(i, x) == "<%+d|%8.3f|%x>" % (i, x, i & 0xFFFFFFFF)
    assert growth(lambda: m_printf.formatted(3, 1.5)) <= 5


# A function holding objects stays Python with the reason (`--strict`
# makes it an error at its `def`); a typed one is an error at the call.
BAD_CALLS = [
    ("def f(x):\n    printf(b'%d', x)\n", 4, "argument 2 of the variadic C function `printf` is a Python object"),
    ("def f(x: cython.int):\n    printf(b'%s', [x])\n", 5, "argument 2 of the variadic C function `printf` is a Python object"),
    ("def f(x: cython.int):\n    printf()\n", 5, "the C function `printf` takes at least 1 argument (0 given)"),
    ("def f(x: cython.int):\n    printf(b'%d', x, c=1)\n", 5, "it calls the C function `printf` with keyword arguments"),
]


@pytest.mark.parametrize("body, line, message", BAD_CALLS, ids=[str(i) for i in range(len(BAD_CALLS))])
def test_bad_variadic_calls_are_located_errors(tmp_path, body, line, message):
    head = "import cython\nfrom cython.cimports.libc.stdio import printf\n\n"
    (tmp_path / "bad.py").write_text(head + body)
    b = run_compiler(tmp_path / "bad.py", outdir=tmp_path / "out", args=["--strict"])
    assert not b.ok, b.describe()
    assert message in b.stderr, b.stderr
    assert "bad.py:%d:" % line in b.stderr, b.stderr
