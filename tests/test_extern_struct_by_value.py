"""C structs and unions passed by value to and from extern C functions
(issue 14): tests/programs/struct_by_value.py calls sv_structs.c's functions
with small all-double, all-int, mixed, two-float, three-float structs, a
24-byte (MEMORY) struct, a pointer field, nested structs (40 bytes), a
padded struct, unions, more structs than registers, results of each kind,
nested calls `f(g(a))`, a field of a result, and a loop in `nogil` code.
The shim cannot run C, so results are compared with values computed here
(the aarch64 cross check compares the same calls between targets). Also:
`except *` on a struct result, no leaks, and located errors for what is not
supported."""

import math
import shutil
import struct
import sysconfig
import textwrap
from pathlib import Path

import pytest

from conftest import growth, import_extension, run_compiler

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    d = tmp_path_factory.mktemp("struct_by_value")
    for f in ("struct_by_value.py", "sv_structs.c", "sv_structs.h", "sv_structs.pxd"):
        shutil.copy(PROGRAMS / f, d / f)
    b = run_compiler(d / "struct_by_value.py", outdir=d / "out", args=[str(d / "sv_structs.c")])
    assert b.ok, b.describe()
    assert b.counts()[1] == 0, b.describe()
    return import_extension("struct_by_value", b.so)


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def _many(k):
    a, b, c, d = (k, k + 1), (k + 2, k + 3), (k + 4, k + 5), (k + 6, k + 7)
    first = a[0] + 2 * a[1] + 3 * b[0] + 4 * b[1] + 5 * c[0] + 6 * c[1] + 7 * d[0] + 8 * d[1]
    first += 9 * (k + 8) + 10 * (k + 9) + 11 * (k + 10) + 12 * (k + 11)
    return (first, 28.0 + 100 * a[0] + 1000 * a[1] + 10000 * k)


def _many_ints(k):
    pairs = [(k, 1), (k + 1, 2), (k + 2, 3), (k, 1), (k + 1, 2), (k + 2, 3), (k, 1)]
    mi = sum((i + 1) * p[0] for i, p in enumerate(pairs)) + 1000 * sum(p[1] for p in pairs)
    return (mi, 15 + 10 * k + 200 * k + 7000, 15 + (k * 10.0 + 0.5) * 10 + 7000, 28 + 10 * k + 200 * k + 9000)


CASES = [
    ("add2", (1.5, 2, -3, 4.25), (-1.5, 6.25)),
    ("add2", (0.0, -0.0, 1e308, 1e308), (1e308, 1e308)),
    ("dot_of_sum", (1.5, -2), 2 * 1.5 * 1.5 + 2 * 4.0),
    ("sum_field", (1.5, -2), -8.0),
    ("as_dict", (1.5, -2), {"x": 3.0, "y": -4.0}),
    ("to_object", (1.5, -2), {"x": 3.0, "y": -4.0}),
    ("built", (3.0,), 9.0),
    ("via_cfunc", (1, 2), (2.0, 4.0)),
    ("ints", (-7, 12), (12, -7, 12 * 1000 - 7)),
    ("ints", (2**31 - 1, -2**31), (-2**31, 2**31 - 1, -2**31 * 1000 + 2**31 - 1)),
    ("mixes", (-3, 2.5), (-3, 2.5, -27.5, 2.5, -3)),
    ("floats", (1.25, -0.5), (2.5, -1.0, 249.0)),
    ("floats", (0.1, 3.3), (f32(f32(0.1) * 2), f32(f32(3.3) * 2), f32(f32(0.1) * 2) * 100 + f32(f32(3.3) * 2))),
    ("tri", (1.5, 2.25, -3), (3.0, 4.5, -6.0)),
    ("crossed", (1, 2, 3, 4, 5, 6), (-3.0, 6.0, -3.0, 0.0, 32.0)),
    ("bigs", (1, -2, 1 << 40), (2, -4, 2 << 40)),
    ("spans", (5,), (15.0, 15.0, 4, 1.5)),
    ("spans", (1,), (0.0, 0.0, 0, 1.5)),
    ("stepped", (1, 2, 4, -2, 41), (3.0, 1.0, 4.0, -2.0, 42)),
    ("smalls", (-5, 30000), (-5, 30000, -470000)),
    ("smalls", (127, -32768), (127, -32768, 12700000 - 32768)),
    ("unions", (-2.5,), (-2.5, -2.5, True)),
    ("unions", (math.inf,), (math.inf, math.inf, True)),
    ("words", (1.5,), (1.5, True)),
    ("many", (0.5,), _many(0.5)),
    ("many", (-3.0,), _many(-3.0)),
    ("many_ints", (3,), _many_ints(3)),
    ("many_ints", (-11,), _many_ints(-11)),
    ("loop_dot", (10,), sum((1.5 + i) * 0.5 - 2.0 for i in range(10))),
    ("loop_dot", (0,), 0.0),
]


@pytest.mark.parametrize("name, args, want", CASES, ids=["%s%r" % (n, a) for n, a, _ in CASES])
def test_struct_by_value(mod, name, args, want):
    assert getattr(mod, name)(*args) == want


def test_argument_errors_as_python(mod):
    # A wrong argument is the wrapper's TypeError, before any C runs.
    with pytest.raises(TypeError):
        mod.add2(1.0, "x", 2.0, 3.0)
    with pytest.raises(TypeError):
        mod.ints(1)


def test_no_leaks(mod):
    def calls():
        mod.add2(1.5, 2, -3, 4.25)
        mod.as_dict(1.0, 2.0)
        mod.to_object(1.0, 2.0)
        mod.stepped(1, 2, 4, -2, 41)
        mod.many(0.5)
        mod.many_ints(3)
        mod.unions(1.0)
        try:
            mod.add2(1.0, None, 2.0, 3.0)
        except TypeError:
            pass
    assert growth(calls) <= 5


RAISING_C = r"""
#include <Python.h>
#include <math.h>
typedef struct { double x, y; } v2;
v2 vnorm(v2 a) {
    v2 r = {0, 0};
    if (a.x == 0 && a.y == 0) { PyErr_SetString(PyExc_ZeroDivisionError, "zero vector"); return r; }
    double n = sqrt(a.x * a.x + a.y * a.y);
    r.x = a.x / n; r.y = a.y / n;
    return r;
}
"""

RAISING_PXD = """\
cdef extern from "vn.h":
    ctypedef struct v2:
        double x
        double y
    v2 vnorm(v2 a) except *
"""

RAISING = """\
import cython
from cython.cimports.vn import v2, vnorm


def normed(x: cython.double, y: cython.double) -> tuple:
    a: v2 = v2(x=x, y=y)
    r: v2 = vnorm(a)
    return (r.x, r.y)


def caught(x: cython.double) -> str:
    a: v2 = v2(x=x, y=0.0)
    r: v2
    try:
        r = vnorm(a)
    except ZeroDivisionError as e:
        return "caught " + str(e)
    return "ok %r" % r.x
"""


def test_except_star_struct_result(tmp_path):
    (tmp_path / "vn.h").write_text("")
    (tmp_path / "vn.c").write_text(RAISING_C)
    (tmp_path / "vn.pxd").write_text(RAISING_PXD)
    (tmp_path / "m_vn.py").write_text(RAISING)
    inc = sysconfig.get_paths()["include"]
    b = run_compiler(tmp_path / "m_vn.py", outdir=tmp_path / "out", args=[str(tmp_path / "vn.c"), "-I", inc])
    assert b.ok, b.describe()
    assert b.counts() == (2, 0), b.describe()
    m = import_extension("m_vn", b.so)
    assert m.normed(3, 4) == (0.6, 0.8)
    with pytest.raises(ZeroDivisionError, match="zero vector"):
        m.normed(0, 0)
    assert m.caught(0.0) == "caught zero vector"
    assert m.caught(-2.0) == "ok -1.0"

    def both():
        m.normed(3, 4)
        m.caught(0.0)
    assert growth(both) <= 5


BAD_PXD = [
    ("    S f(S a) except -1\n", 5, "a function returning a struct cannot have an exception value"),
    ("    S f(S a) except? 0\n", 5, "a function returning a struct cannot have an exception value"),
    ("    S g\n", 5, "the struct `S` by value is not supported here yet"),
    ("    void f(void (*cb)(S s))\n", 5, "the struct `S` by value is not supported here yet"),
    ("    ctypedef S (*op_t)(S a) noexcept\n", 5, "the struct `S` by value is not supported here yet"),
    ("    S f(S a, ...)\n", 5, "variadic functions passing structs by value in a .pxd are not supported yet"),
]


@pytest.mark.parametrize("decl, line, message", BAD_PXD, ids=[str(i) for i in range(len(BAD_PXD))])
def test_bad_declarations_are_located_errors(tmp_path, decl, line, message):
    head = 'cdef extern from "bad.h":\n    ctypedef struct S:\n        int a\n        double b\n'
    (tmp_path / "bad_h.pxd").write_text(head + decl)
    (tmp_path / "bad.py").write_text("import cython\nfrom cython.cimports.bad_h import S\n")
    b = run_compiler(tmp_path / "bad.py", outdir=tmp_path / "out")
    assert not b.ok, b.describe()
    assert message in b.stderr, b.stderr
    assert "bad_h.pxd:%d:" % line in b.stderr, b.stderr


CALL_ERRORS = """\
import cython
from cython.cimports.sv_structs import vec2, vadd, vdot, mk_mixed


def arity(x: cython.double) -> cython.double:
    a: vec2 = vec2(x=x, y=x)
    return vdot(a)


def gil(x: cython.double) -> cython.double:
    a: vec2 = vec2(x=x, y=x)
    r: vec2
    with cython.nogil:
        r = vadd(a, a)
    return r.x


def conditional(x: cython.double) -> cython.double:
    a: vec2 = vec2(x=x, y=x)
    return vdot(a, a) if x > 0 else vadd(a, a).x


def fine(x: cython.double) -> cython.double:
    return mk_mixed(2, x).w
"""


def test_call_errors_and_fallbacks(tmp_path):
    for f in ("sv_structs.c", "sv_structs.h", "sv_structs.pxd"):
        shutil.copy(PROGRAMS / f, tmp_path / f)
    (tmp_path / "calls.py").write_text(CALL_ERRORS)
    b = run_compiler(tmp_path / "calls.py", outdir=tmp_path / "out", args=[str(tmp_path / "sv_structs.c")])
    assert not b.ok
    assert "calls.py:7:" in b.stderr and "the C function `vdot` takes 2 arguments (1 given)" in b.stderr, b.stderr
    (tmp_path / "calls.py").write_text(CALL_ERRORS.replace("return vdot(a)", "return vdot(a, a)"))
    b = run_compiler(tmp_path / "calls.py", outdir=tmp_path / "out", args=[str(tmp_path / "sv_structs.c")])
    assert not b.ok
    assert "calls.py:14:" in b.stderr and "the C function `vadd` needs the GIL, but is called without it" in b.stderr, b.stderr
    (tmp_path / "calls.py").write_text(CALL_ERRORS.replace("return vdot(a)", "return vdot(a, a)").replace("with cython.nogil:\n        r", "if True:\n        r"))
    b = run_compiler(tmp_path / "calls.py", outdir=tmp_path / "out", args=[str(tmp_path / "sv_structs.c")])
    assert b.ok, b.describe()
    # A struct result inside a conditional expression stays Python, saying why.
    assert "`conditional` left to Python" in b.stderr and "inside an expression" in b.stderr, b.stderr
    m = import_extension("calls", b.so)
    assert m.fine(2.5) == 2.5 and m.arity(2.0) == 8.0 and m.gil(1.5) == 3.0
    # Interpreted code has no C functions to call (not bound natively: a
    # struct passes from compiled code only).
    with pytest.raises(NameError):
        m.conditional(2.0)


def test_same_answers_as_repro_in_cython_style(tmp_path):
    # The example: typedef'd structs, a struct result assigned to
    # a declared local, a result passed on.
    (tmp_path / "vec.h").write_text("typedef struct { double x; double y; } vec2;\ntypedef struct { int a; int b; } ipair;\n"
                                    "vec2 vadd(vec2 a, vec2 b);\ndouble vdot(vec2 a, vec2 b);\nipair iswap(ipair p);\n")
    (tmp_path / "vec.c").write_text('#include "vec.h"\nvec2 vadd(vec2 a, vec2 b){ vec2 r = {a.x+b.x, a.y+b.y}; return r; }\n'
                                    "double vdot(vec2 a, vec2 b){ return a.x*b.x + a.y*b.y; }\n"
                                    "ipair iswap(ipair p){ ipair r = {p.b, p.a}; return r; }\n")
    (tmp_path / "vmod.pxd").write_text(textwrap.dedent("""\
        cdef extern from "vec.h":
            ctypedef struct vec2:
                double x
                double y
            ctypedef struct ipair:
                int a
                int b
            vec2 vadd(vec2 a, vec2 b)
            double vdot(vec2 a, vec2 b)
            ipair iswap(ipair p)
        """))
    (tmp_path / "vmod.py").write_text(textwrap.dedent("""\
        import cython
        from cython.cimports.vmod import vec2, vadd, vdot, ipair, iswap

        def f(x: cython.double, y: cython.double) -> cython.double:
            a: vec2
            a.x = x; a.y = y
            b: vec2 = vadd(a, a)
            return vdot(b, a)

        def g(a: cython.int, b: cython.int) -> tuple:
            p: ipair
            p.a = a; p.b = b
            q: ipair = iswap(p)
            return (q.a, q.b)
        """))
    b = run_compiler(tmp_path / "vmod.py", outdir=tmp_path / "out", args=[str(tmp_path / "vec.c")])
    assert b.ok, b.describe()
    assert b.counts() == (2, 0), b.describe()
    m = import_extension("vmod", b.so)
    # Cython 3.3.1 on these files: f(1.5, 2.0) == 12.5, g(3, 4) == (4, 3).
    assert m.f(1.5, 2.0) == 12.5 and m.g(3, 4) == (4, 3)
