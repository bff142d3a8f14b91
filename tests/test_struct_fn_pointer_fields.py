"""Function pointer fields of `cython.struct` types (issue 14): a struct
local's field (`o.fn = add; o.fn(x, y)`), and a struct in C memory
(`ops[i].fn = add`, `ops[i].fn(t, 2.0)` over a `malloc`ed or `calloc`ed
array: an 8-byte pointer slot at C's offset). A cfunc's name stored is its
C entry's address, checked against the field's signature as any
function pointer assignment; a NULL slot compares equal to `cython.NULL`.
A struct holding one does not convert to a Python object (Cython's
"Cannot convert"): that function stays Python, saying so. Differential
against the same file run as plain Python (the shim's structs and
`malloc`), and no leaks."""

import sysconfig

import pytest

from conftest import assert_same_outcomes, compiled_and_plain, growth, import_extension, run_compiler

PXD = "ctypedef double (*binop_t)(double, double) noexcept\nctypedef int (*intop_t)(int) noexcept\n"

SOURCE = '''\
import cython
from cython.cimports.sfops import binop_t
from cython.cimports.libc.stdlib import malloc, calloc, free

Op = cython.struct(name=cython.int, fn=binop_t, weight=cython.double)


@cython.cfunc
@cython.exceptval(check=False)
def add(a: cython.double, b: cython.double) -> cython.double:
    return a + b


@cython.cfunc
@cython.exceptval(check=False)
def mul(a: cython.double, b: cython.double) -> cython.double:
    return a * b


def local_struct(x: cython.double, y: cython.double) -> cython.double:
    o: Op = Op(name=0, fn=mul, weight=0.5)
    o.name = 1
    r0 = o.fn(x, y)
    o.fn = add
    r = o.fn(x, y)
    return (r0 + r) * o.weight + o.name


def in_memory(n: cython.int, x: cython.double) -> cython.double:
    ops: cython.pointer(Op) = cython.cast(cython.pointer(Op), malloc(n * cython.sizeof(Op)))
    i: cython.int
    for i in range(n):
        ops[i].name = i
        ops[i].weight = i * 0.25
        if i % 2:
            ops[i].fn = add
        else:
            ops[i].fn = mul
    t: cython.double = x
    for i in range(n):
        t = ops[i].fn(t, 2.0) + ops[i].weight
    free(ops)
    return t


def copied_out(n: cython.int, x: cython.double) -> cython.double:
    ops: cython.pointer(Op) = cython.cast(cython.pointer(Op), malloc(n * cython.sizeof(Op)))
    i: cython.int
    for i in range(n):
        ops[i].fn = add
    f: binop_t = ops[0].fn if n > 0 else mul
    free(ops)
    return f(x, x)


def unset_is_null(n: cython.int) -> cython.int:
    ops: cython.pointer(Op) = cython.cast(cython.pointer(Op), calloc(n, cython.sizeof(Op)))
    ops[n - 1].fn = add
    k: cython.int = 0
    i: cython.int
    for i in range(n):
        if ops[i].fn == cython.NULL:
            k += 1
    free(ops)
    return k
'''

CASES = [
    ("local_struct", [(2.0, 3.0), (-1.0, 0.0), (float("inf"), 1.0)]),
    ("in_memory", [(5, 1.0), (0, 1.0), (1, -3.0), (9, 0.5)]),
    ("copied_out", [(3, 2.5), (0, 2.5)]),
    ("unset_is_null", [(1,), (4,)]),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return compiled_and_plain(tmp_path_factory.mktemp("sffn"), "sffn", SOURCE, {"sfops.pxd": PXD})


@pytest.mark.parametrize("name, argss", CASES, ids=[c[0] for c in CASES])
def test_matches_plain_python(pair, name, argss):
    assert_same_outcomes(*pair, name, argss)


def test_no_leaks(pair):
    _, nat = pair
    assert growth(lambda: nat.in_memory(7, 1.0) + nat.local_struct(1.0, 2.0)) < 50


def _build(tmp_path, body):
    (tmp_path / "sfops.pxd").write_text(PXD)
    src = tmp_path / "sfbad.py"
    src.write_text(SOURCE.split("def local_struct")[0] + body)
    return run_compiler(src, outdir=tmp_path / "out")


def test_a_cfunc_of_another_signature_is_a_located_error(tmp_path):
    b = _build(tmp_path, """\
@cython.cfunc
@cython.exceptval(check=False)
def inc(a: cython.int) -> cython.int:
    return a + 1


def bad(n: cython.int):
    ops: cython.pointer(Op) = cython.cast(cython.pointer(Op), malloc(n * cython.sizeof(Op)))
    ops[0].fn = inc
    free(ops)
""")
    assert not b.ok, b.describe()
    assert "sfbad.py:28" in b.stderr and "`inc` (line 22) has the signature int (int), but `ops[0].fn` needs double (*)(double, double) noexcept" in b.stderr, b.stderr


def test_a_struct_with_one_stays_python_when_converted(tmp_path):
    b = _build(tmp_path, """\
def as_object():
    o: Op = Op(name=3, fn=add, weight=1.0)
    return o
""")
    assert b.ok, b.describe()
    assert "`as_object` left to Python" in b.stderr and "the field `fn` of `Op` is no C number" in b.stderr, b.stderr


POPS_PXD = """\
ctypedef double (*binop_t)(double, double) noexcept
cdef struct Op:
    int name
    binop_t fn
    double (*unary)(double) noexcept
    double weight
"""

PXD_SOURCE = '''\
import cython
from cython.cimports.pops import Op, binop_t
from cython.cimports.libc.stdlib import malloc, free


@cython.cfunc
@cython.exceptval(check=False)
def add(a: cython.double, b: cython.double) -> cython.double:
    return a + b


@cython.cfunc
@cython.exceptval(check=False)
def neg(a: cython.double) -> cython.double:
    return -a


def run(n: cython.int, x: cython.double) -> cython.double:
    ops: cython.pointer(Op) = cython.cast(cython.pointer(Op), malloc(n * cython.sizeof(Op)))
    i: cython.int
    for i in range(n):
        ops[i].fn = add
        ops[i].unary = neg
        ops[i].weight = i
    t: cython.double = x
    for i in range(n):
        t = ops[i].unary(ops[i].fn(t, ops[i].weight))
    free(ops)
    return t


def local(x: cython.double) -> cython.double:
    o: Op
    o.fn = add
    o.unary = neg
    return o.unary(o.fn(x, 1.0))


def size() -> cython.Py_ssize_t:
    return cython.sizeof(Op)
'''


def test_pxd_struct_fields_typed_and_spelt_in_place(tmp_path):
    # A `.pxd` struct's field of a `ctypedef`'d pointer type and one spelt
    # in place (`double (*unary)(double) noexcept`), in C memory and in a
    # struct local; C's layout (int, padding, three 8-byte fields).
    (tmp_path / "pops.pxd").write_text(POPS_PXD)
    (tmp_path / "pf.py").write_text(PXD_SOURCE)
    b = run_compiler(tmp_path / "pf.py", outdir=tmp_path / "out", args=["--strict"])
    assert b.ok and b.counts()[1] == 0, b.describe()
    m = import_extension("pf", tmp_path / "out" / ("pf" + sysconfig.get_config_var("EXT_SUFFIX")))
    # t = -(t + i) for i = 0..n-1, from x.
    def want(n, x):
        for i in range(n):
            x = -(x + i)
        return x
    for n, x in [(0, 1.5), (1, 2.0), (4, 1.0), (7, -3.25)]:
        assert m.run(n, x) == want(n, x), (n, x)
    assert m.local(2.0) == -3.0 and m.local(-1.0) == 0.0
    assert m.size() == 32
