"""Structs, unions, opaque structs, pointers and function pointers declared
in a `.pxd` (issue 14): cimported into a module, structs are the module's
struct types (locals, pointers into C memory, conversions to and from
dicts), C functions taking and returning pointers are called directly, and
a `@cfunc` is passed where a C function takes a function pointer. The module
cimports C, so it cannot run as plain Python: expected values are computed
here. What a `.pxd` still may not say is a located error."""

import subprocess
import sys
import textwrap

import pytest

from conftest import run_compiler

PTS_H = 'typedef struct { double x; double y; } Point;\ntypedef struct Node { int value; struct Node *next; } Node;\ntypedef struct { Point a; Point b; int tag; } Segment;\ntypedef union { long long i; double d; } Word;\ntypedef struct Handle Handle;\ntypedef unsigned short u16;\ndouble norm2(const Point *p);\nvoid scale(Point *p, double k);\nPoint *make_points(int n);\nvoid free_points(Point *p);\ndouble sum_doubles(const double *xs, int n);\nvoid fill(double *xs, int n, double v);\nint list_sum(const Node *head);\nHandle *handle_new(int v);\nint handle_get(const Handle *h);\nvoid handle_free(Handle *h);\ndouble seg_len2(const Segment *s);\nextern double *shared;\nvoid **twice_void(void **p);\n'

PTS_C = '#include <stdlib.h>\n#include "pts.h"\nstruct Handle { int v; };\ndouble norm2(const Point *p) { return p->x * p->x + p->y * p->y; }\nvoid scale(Point *p, double k) { p->x *= k; p->y *= k; }\nPoint *make_points(int n) { Point *p = malloc(sizeof(Point) * (n > 0 ? n : 1)); for (int i = 0; i < n; i++) { p[i].x = i; p[i].y = i + 0.5; } return p; }\nvoid free_points(Point *p) { free(p); }\ndouble sum_doubles(const double *xs, int n) { double s = 0; for (int i = 0; i < n; i++) s += xs[i]; return s; }\nvoid fill(double *xs, int n, double v) { for (int i = 0; i < n; i++) xs[i] = v + i; }\nint list_sum(const Node *head) { int s = 0; for (; head; head = head->next) s += head->value; return s; }\nHandle *handle_new(int v) { Handle *h = malloc(sizeof *h); h->v = v; return h; }\nint handle_get(const Handle *h) { return h->v; }\nvoid handle_free(Handle *h) { free(h); }\ndouble seg_len2(const Segment *s) { double dx = s->b.x - s->a.x, dy = s->b.y - s->a.y; return dx * dx + dy * dy + s->tag; }\nstatic double store[4] = {1.0, 2.0, 3.0, 4.0};\ndouble *shared = store;\nvoid **twice_void(void **p) { return p; }\n'

PTS_PXD = 'cdef extern from "pts.h" nogil:\n    ctypedef struct Point:\n        double x\n        double y\n    ctypedef struct Node:\n        int value\n        Node *next\n    ctypedef struct Segment:\n        Point a, b\n        int tag\n    ctypedef union Word:\n        long long i\n        double d\n    ctypedef struct Handle\n    ctypedef unsigned short u16\n    double norm2(const Point *p)\n    void scale(Point *p, double k)\n    Point *make_points(int n)\n    void free_points(Point *p)\n    double sum_doubles(const double *xs, int n)\n    void fill(double *xs, int n, double v)\n    int list_sum(const Node *head)\n    Handle *handle_new(int v)\n    int handle_get(const Handle *h)\n    void handle_free(Handle *h)\n    double seg_len2(const Segment *s)\n    double *shared\n    void **twice_void(void **p)\n'

M_PY = 'import cython\nfrom cython.cimports.libc.stdlib import malloc, free\nfrom cython.cimports.pts import (Point, Node, Segment, Word, Handle, u16, norm2, scale, make_points,\n    free_points, sum_doubles, fill, list_sum, handle_new, handle_get, handle_free, seg_len2, shared)\n\n\ndef norms(n: cython.int, k: cython.double) -> cython.double:\n    ps: cython.pointer(Point) = make_points(n)\n    i: cython.int\n    total: cython.double = 0.0\n    for i in range(n):\n        scale(ps + i, k)\n        total += norm2(ps + i) + ps[i].x\n    free_points(ps)\n    return total\n\n\ndef local_point(x: cython.double, y: cython.double) -> cython.double:\n    p: Point\n    p.x = x\n    p.y = y\n    return p.x * 10 + p.y\n\n\ndef from_dict(p: Point) -> cython.double:\n    return p.x - p.y\n\n\ndef to_dict(x: cython.double) -> dict:\n    p: Point = Point(x=x, y=2 * x)\n    return p\n\n\ndef linked(n: cython.int) -> cython.int:\n    head: cython.pointer(Node) = cython.NULL\n    node: cython.pointer(Node)\n    i: cython.int\n    for i in range(n):\n        node = cython.cast(cython.pointer(Node), malloc(cython.sizeof(Node)))\n        node.value = i * i\n        node.next = head\n        head = node\n    s: cython.int = list_sum(head)\n    while head != cython.NULL:\n        node = head.next\n        free(head)\n        head = node\n    return s\n\n\ndef handles(v: cython.int) -> cython.int:\n    h: cython.pointer(Handle) = handle_new(v)\n    r: cython.int = handle_get(h)\n    handle_free(h)\n    return r\n\n\ndef doubles(n: cython.int) -> cython.double:\n    xs: cython.p_double = cython.cast(cython.p_double, malloc(n * cython.sizeof(cython.double) + 8))\n    fill(xs, n, 0.5)\n    s: cython.double = sum_doubles(xs, n)\n    free(xs)\n    return s\n\n\ndef segments(t: cython.int) -> cython.double:\n    sg: cython.pointer(Segment) = cython.cast(cython.pointer(Segment), malloc(cython.sizeof(Segment)))\n    sg.a.x = 1.0\n    sg.a.y = 2.0\n    sg.b.x = 4.0\n    sg.b.y = 6.0\n    sg.tag = t\n    r: cython.double = seg_len2(sg)\n    free(sg)\n    return r\n\n\ndef word(x: cython.double) -> cython.longlong:\n    w: Word\n    w.d = x\n    return w.i\n\n\ndef narrow(x: u16) -> u16:\n    return x + 1\n\n\ndef shared_sum() -> cython.double:\n    return shared[0] + shared[3]\n\n\ndef sizes() -> tuple:\n    return (cython.sizeof(Point), cython.sizeof(Node), cython.sizeof(Segment), cython.sizeof(Word))\n\n\ndef local_segment(t: cython.int) -> cython.double:\n    s: Segment\n    s.a.x = 1.0\n    s.a.y = 2.0\n    s.b = Point(x=4.0, y=6.0)\n    s.tag = t\n    return (s.b.x - s.a.x) * (s.b.y - s.a.y) + s.tag\n\n\ndef interpreted(p: Point, n: u16):\n    return [p, n]\n\n\nAT_IMPORT = (Point(x=1.0, y=2.0).y, cython.sizeof(u16), cython.cast(u16, 70000), Word(d=0.5).d)\n'


def run_py(code, cwd):
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("pxd_structs")
    for name, text in {"pts.h": PTS_H, "pts.c": PTS_C, "pts.pxd": PTS_PXD, "m.py": M_PY}.items():
        (d / name).write_text(text)
    b = run_compiler(d / "m.py", args=[str(d / "pts.c")])
    assert b.ok, b.describe()
    return d, b


def test_functions_using_pxd_structs_are_native(built):
    _, b = built
    report = b.stderr + b.stdout
    # Every function, `segments` and `sizes` (a struct holding structs in C memory) too.
    assert "14 functions native, 0 left to Python" in report, report


def test_a_pxd_struct_holding_structs_in_c_memory(built):
    # `sg.a.x` at C's offset of `a` in `Segment` plus `x`'s in `Point`: the
    # C function reads what the compiled code wrote.
    d, _ = built
    out = run_py("""
        import m
        print(repr(m.segments(0)), repr(m.segments(-5)), m.sizes())
    """, d).split("\n")
    assert out[0] == "25.0 20.0 (16, 16, 40, 8)"


def test_pointers_to_pxd_structs_cross_c_calls(built):
    d, _ = built
    out = run_py("""
        import m
        for n, k in ((0, 2.0), (1, -1.0), (5, 2.0), (100, 0.5)):
            print(repr(m.norms(n, k)))
        print(m.linked(0), m.linked(1), m.linked(10), m.linked(1000))
        print(m.handles(42), m.handles(-7), m.handles(0))
        print(repr(m.doubles(0)), repr(m.doubles(4)), repr(m.doubles(1000)))
        print(repr(m.shared_sum()))
    """, d).split("\n")

    def norms(n, k):
        total = 0.0
        for i in range(n):
            x, y = i * k, (i + 0.5) * k
            total += (x * x + y * y) + x
        return total
    assert out[:4] == [repr(norms(n, k)) for n, k in ((0, 2.0), (1, -1.0), (5, 2.0), (100, 0.5))]
    square_sum = lambda n: sum(i * i for i in range(n)) % 2**32
    to_int32 = lambda v: v - 2**32 if v >= 2**31 else v
    assert out[4].split() == [str(to_int32(square_sum(n))) for n in (0, 1, 10, 1000)]
    assert out[5].split() == ["42", "-7", "0"]
    assert out[6].split() == [repr(float(sum(0.5 + i for i in range(n)))) for n in (0, 4, 1000)]
    assert out[7] == "5.0"


def test_pxd_structs_as_locals_parameters_and_dicts(built):
    d, _ = built
    out = run_py("""
        import struct
        import m
        print(repr(m.local_point(1.5, 2.5)), repr(m.local_point(-0.0, float("inf"))))
        print(repr(m.from_dict({"x": 3, "y": 1.0})), m.to_dict(1.5), m.to_dict(-2.0))
        print(m.word(1.0) == struct.unpack("<q", struct.pack("<d", 1.0))[0], m.word(-2.5) == struct.unpack("<q", struct.pack("<d", -2.5))[0])
        print(m.narrow(65535), m.narrow(7), m.narrow(0))
        print(repr(m.local_segment(3)), repr(m.local_segment(-10)))
        print(m.interpreted({"x": 1, "y": 2}, 3), m.interpreted({"x": 1.5, "y": -2, "z": 0}, 65535))
        print(m.AT_IMPORT)
        for bad in ({"x": 1.0}, [1.0, 2.0], {"x": "a", "y": 1.0}, None):
            try:
                m.from_dict(bad)
            except Exception as e:
                print(type(e).__name__, e)
        try:
            m.narrow(-1)
        except Exception as e:
            print(type(e).__name__, e)
    """, d).split("\n")
    assert out[0] == "17.5 inf"
    assert out[1] == "2.0 {'x': 1.5, 'y': 3.0} {'x': -2.0, 'y': -4.0}"
    assert out[2] == "True True"
    assert out[3] == "0 8 1"
    assert out[4] == "15.0 2.0"
    # A struct parameter meets objects as a dict of its converted fields (Cython's rule).
    assert out[5] == "[{'x': 1.0, 'y': 2.0}, 3] [{'x': 1.5, 'y': -2.0}, 65535]"
    assert out[6] == "(2.0, 2, 70000, 0.5)"
    assert out[7] == "ValueError No value specified for struct attribute 'y'"
    # Cython 3.3.1's messages, word for word.
    assert out[8] == "TypeError list indices must be integers or slices, not str"
    assert out[9].startswith("TypeError must be real number, not str"), out[9]
    assert out[10] == "TypeError Expected a mapping, got NoneType"
    assert out[11].startswith("OverflowError"), out[11]


def test_a_struct_in_a_display_is_converted(tmp_path):
    # A struct local or parameter inside a list, set or dict display (not
    # only a tuple) is the dict of its fields, as Cython makes it.
    (tmp_path / "m.py").write_text(textwrap.dedent("""
        import cython

        Point = cython.struct(x=cython.double, y=cython.double)

        def in_list(p: Point):
            return [p, p.x]

        def in_dict(p: Point):
            q: Point = p
            q.y = 5
            return {"p": p, "q": q}

        def as_value(p: Point):
            return {1: p}[1]
    """))
    b = run_compiler(tmp_path / "m.py", args=["--strict"])
    assert b.ok, b.describe()
    out = run_py("""
        import m
        print(m.in_list({"x": 1, "y": 2}))
        print(m.in_dict({"x": 1, "y": 2}))
        print(m.as_value({"x": 3, "y": 4}))
    """, tmp_path).split("\n")
    assert out[:3] == ["[{'x': 1.0, 'y': 2.0}, 1.0]", "{'p': {'x': 1.0, 'y': 2.0}, 'q': {'x': 1.0, 'y': 5.0}}", "{'x': 3.0, 'y': 4.0}"]


PY_F = "import cython\nfrom cython.cimports.lib import f\n\ndef g(x: cython.int) -> cython.int:\n    return f(x)\n"


@pytest.mark.parametrize("pxd, where, message", [
    ('cdef extern from "lib.h":\n    ctypedef struct H\n    int f(H h)\n', "lib.pxd:3:11", "`H` is an opaque struct: only pointers to it can be declared"),
    # By value only as an extern function's parameter or result (tests/test_extern_struct_by_value.py).
    ('cdef extern from "lib.h":\n    ctypedef struct P:\n        int x\n    int f(int x)\n    P v\n', "lib.pxd:5:5", "the struct `P` by value is not supported here yet"),
    ('cdef extern from "lib.h":\n    int f(int **x)\n', "lib.pxd:2:15", "pointers to pointers (other than `void**`) in a .pxd are not supported yet"),
    ('cdef struct P:\n    int x[4]\n', "lib.pxd:2:10", "array fields in a .pxd are not supported yet"),
    ('cdef struct P:\n    int *a, *b\n', "lib.pxd:2:13", "declare each pointer field on a line of its own"),
    ('cdef struct P:\n    P inner\n', "lib.pxd:2:5", "`P` cannot hold itself"),
    ('cdef struct P:\n    int x\n    double x\n', "lib.pxd:3:12", "`P` has two fields named `x`"),
    ('cdef struct P: int x\n', "lib.pxd:1:16", "a struct's fields go on indented lines of their own"),
    ('cdef struct P:\n    pass\n', "lib.pxd:1:13", "`P` has no fields"),
    ('cdef struct P:\n    bint *b\n', "lib.pxd:2:10", "pointers to bint in a .pxd are not supported yet"),
    ('cdef extern from "lib.h":\n    int f(int x)\n    void (*get(int n))(int)\n', "lib.pxd:3:10", "function pointer results and `cdef` function pointer variables (declare a `ctypedef` of the pointer type) in a .pxd are not supported yet"),
    ('cdef extern from "lib.h":\n    int f(int x)\n    void g(int (*cb)(int) except +)\n', "lib.pxd:3:34", "C++ exception clauses (`except +`) in a .pxd are not supported yet"),
])
def test_what_a_pxd_may_not_say_is_located(tmp_path, pxd, where, message):
    (tmp_path / "m.py").write_text(PY_F)
    (tmp_path / "lib.pxd").write_text(pxd)
    b = run_compiler(tmp_path / "m.py")
    assert b.returncode == 1, b.describe()
    assert message in b.stderr and where in b.stderr, b.stderr
    assert not b.so.exists()


OPS_H = 'typedef double (*unary)(double);\ntypedef struct { int key; double w; } Item;\ndouble integrate(unary f, double a, double b, int n);\ndouble apply_twice(double (*f)(double), double x);\nint count_if(const int *xs, int n, int (*pred)(int));\ndouble fold_items(const Item *items, int n, double (*step)(double, const Item *));\n'

OPS_C = '#include <stddef.h>\n#include "ops.h"\ndouble integrate(unary f, double a, double b, int n) {\n    if (f == NULL) return -1.0;\n    double dx = (b - a) / n, s = 0.0;\n    for (int i = 0; i < n; i++) s += f(a + (i + 0.5) * dx) * dx;\n    return s;\n}\ndouble apply_twice(double (*f)(double), double x) { return f(f(x)); }\nint count_if(const int *xs, int n, int (*pred)(int)) { int c = 0; for (int i = 0; i < n; i++) c += pred(xs[i]) != 0; return c; }\ndouble fold_items(const Item *items, int n, double (*step)(double, const Item *)) { double acc = 0; for (int i = 0; i < n; i++) acc = step(acc, items + i); return acc; }\n'

OPS_PXD = 'cdef extern from "ops.h":\n    ctypedef double (*unary)(double) noexcept nogil\n    ctypedef struct Item:\n        int key\n        double w\n    double integrate(unary f, double a, double b, int n) nogil\n    double apply_twice(double (*f)(double) noexcept, double x)\n    int count_if(const int *xs, int n, int (*pred)(int) noexcept nogil)\n    double fold_items(const Item *items, int n, double (*step)(double, const Item *) noexcept)\n'

OPS_PY = 'import cython\nfrom cython.cimports.libc.stdlib import malloc, free\nfrom cython.cimports.ops import unary, Item, integrate, apply_twice, count_if, fold_items\n\n\n@cython.cfunc\n@cython.exceptval(check=False)\n@cython.nogil\ndef square(x: cython.double) -> cython.double:\n    return x * x\n\n\n@cython.cfunc\n@cython.exceptval(check=False)\ndef halve(x: cython.double) -> cython.double:\n    return x / 2\n\n\n@cython.cfunc\n@cython.exceptval(check=False)\n@cython.nogil\ndef is_even(v: cython.int) -> cython.int:\n    return v % 2 == 0\n\n\n@cython.cfunc\n@cython.exceptval(check=False)\ndef weigh(acc: cython.double, it: cython.pointer(Item)) -> cython.double:\n    return acc + it.key * it.w\n\n\ndef area(n: cython.int) -> cython.double:\n    return integrate(square, 0.0, 1.0, n)\n\n\ndef area_nogil(n: cython.int) -> cython.double:\n    r: cython.double\n    with cython.nogil:\n        r = integrate(square, 0.0, 3.0, n)\n    return r\n\n\ndef null_area() -> cython.double:\n    return integrate(cython.NULL, 0.0, 1.0, 10)\n\n\ndef quarter(x: cython.double) -> cython.double:\n    return apply_twice(halve, x)\n\n\ndef evens(n: cython.int) -> cython.int:\n    xs: cython.p_int = cython.cast(cython.p_int, malloc(n * cython.sizeof(cython.int) + 4))\n    i: cython.int\n    for i in range(n):\n        xs[i] = i * 3\n    c: cython.int = count_if(xs, n, is_even)\n    free(xs)\n    return c\n\n\ndef folded(n: cython.int) -> cython.double:\n    items: cython.pointer(Item) = cython.cast(cython.pointer(Item), malloc(n * cython.sizeof(Item) + 16))\n    i: cython.int\n    for i in range(n):\n        items[i].key = i\n        items[i].w = 0.5\n    r: cython.double = fold_items(items, n, weigh)\n    free(items)\n    return r\n'


def build_ops(d, py=OPS_PY):
    for name, text in {"ops.h": OPS_H, "ops.c": OPS_C, "ops.pxd": OPS_PXD, "m.py": py}.items():
        (d / name).write_text(text)
    return run_compiler(d / "m.py", args=[str(d / "ops.c")])


def test_cfuncs_passed_as_function_pointers(tmp_path):
    b = build_ops(tmp_path)
    assert b.ok, b.describe()
    assert "10 functions native, 0 left to Python" in b.stdout + b.stderr
    out = run_py("""
        import m
        print(repr(m.area(1000)), repr(m.area_nogil(3)), m.null_area())
        print(m.quarter(10.0), m.quarter(-3.0), m.evens(10), m.evens(0), m.folded(5))
    """, tmp_path).split("\n")
    dx, s = (1.0 - 0.0) / 1000, 0.0
    for i in range(1000):  # the C loop's order (not sum(), which compensates on 3.12+)
        x = 0.0 + (i + 0.5) * dx
        s += x * x * dx
    assert out[0] == "%r 8.75 -1.0" % s
    assert out[1] == "2.5 -0.75 5 0 5.0"


@pytest.mark.parametrize("callback, message", [
    ("pyfunc", "`pyfunc` (line 6) is a Python function (`def`): `integrate` needs a C function pointer, double (*)(double) noexcept nogil"),
    ("raising", "`raising` (line 11) is `except? -1`, but `integrate` calls it from C, which cannot check for an exception"),
    ("gil_needed", "`gil_needed` (line 17) needs the GIL, but `integrate` takes a `nogil` function pointer"),
    ("two_args", "`two_args` (line 24) has the signature double (double, double), but `integrate` needs double (*)(double) noexcept nogil"),
])
def test_wrong_callbacks_are_located_errors(tmp_path, callback, message):
    py = textwrap.dedent("""\
        import cython
        from cython.cimports.ops import integrate



        def pyfunc(x: cython.double) -> cython.double:
            return x


        @cython.cfunc
        def raising(x: cython.double) -> cython.double:
            return x


        @cython.cfunc
        @cython.exceptval(check=False)
        def gil_needed(x: cython.double) -> cython.double:
            return x


        @cython.cfunc
        @cython.exceptval(check=False)
        @cython.nogil
        def two_args(x: cython.double, y: cython.double) -> cython.double:
            return x

        def use() -> cython.double:
            return integrate(CALLBACK, 0.0, 1.0, 4)
    """).replace("CALLBACK", callback)
    b = build_ops(tmp_path, py)
    assert b.returncode == 1, b.describe()
    assert message in b.stderr and "m.py:28:" in b.stderr, b.stderr


FN_POINTER_LOCAL = 'import cython\nfrom cython.cimports.fns import unary\n\n\n@cython.cfunc\n@cython.nogil\n@cython.exceptval(check=False)\ndef square(x: cython.double) -> cython.double:\n    return x * x\n\n\n@cython.cfunc\n@cython.nogil\n@cython.exceptval(check=False)\ndef half(x: cython.double) -> cython.double:\n    return x * 0.5\n\n\ndef apply(x: cython.double, which: cython.int) -> cython.double:\n    f: unary = cython.NULL\n    if which == 1:\n        f = square\n    elif which == 2:\n        f = half\n    r: cython.double = -1.0\n    if f:\n        r = f(x)\n    return r\n'


def test_a_function_pointer_local_is_native(tmp_path):
    # `f: unary` (a `.pxd` `ctypedef double (*unary)(double) noexcept nogil`)
    # is a C function pointer local (tests/test_function_pointers.py has the rest).
    (tmp_path / "fns.pxd").write_text("ctypedef double (*unary)(double) noexcept nogil\n")
    (tmp_path / "fp.py").write_text(FN_POINTER_LOCAL)
    b = run_compiler(tmp_path / "fp.py", args=["--strict"])
    assert b.ok, b.describe()
    report = b.stderr + b.stdout
    assert "3 functions native, 0 left to Python" in report, report
    out = run_py("""
        import fp
        print(fp.apply(3.0, 0), fp.apply(3.0, 1), fp.apply(3.0, 2))
    """, tmp_path)
    assert out.split() == ["-1.0", "9.0", "1.5"]  # Cython 3.3.1's
