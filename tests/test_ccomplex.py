"""C `double complex` locals, parameters and results (tests/programs/
ccomplex.py): arithmetic bit for bit as CPython computes it (zeros of both
signs, infinities, NaNs, huge values), its errors (ZeroDivisionError,
OverflowError from abs()), conversions from objects as Cython makes them
(PyComplex_AsCComplex: ints, floats, `__complex__`, `__float__`,
`__index__`; TypeError otherwise), and no leak on the normal or error path."""
import math
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth, same_value

N = LEAK_CALLS
INF, NAN = float("inf"), float("nan")

VALUES = [0j, complex(-0.0, 0.0), complex(0.0, -0.0), complex(-0.0, -0.0), 1 + 2j, -3.5 + 0.25j,
          complex(INF, 0), complex(0, -INF), complex(INF, NAN), complex(NAN, 1), complex(NAN, NAN),
          1e308 + 1e308j, 5e-324j, complex(1e-320, -1e-320), 1e200 - 1e-200j, complex(3, 4)]


@pytest.fixture(scope="module")
def m(pyc):
    p = pyc.pair("ccomplex", args=("--strict",))
    assert "left to Python" not in p.build.stderr, p.build.stderr
    return p


NAMES = ["ident", "add", "sub", "mul", "div", "mixed", "unary", "compare", "absz", "parts", "build",
         "build_int", "literals", "boxed", "from_object", "sum_list", "power", "inferred", "calls_cfunc", "julia"]


@pytest.mark.parametrize("name", NAMES)
def test_native(m, name):
    m.assert_native(name)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "compare", "inferred"])
def test_binary_bit_for_bit(m, name):
    m.assert_same(name, [(a, b) for a in VALUES for b in VALUES], exact=True)


@pytest.mark.parametrize("name", ["ident", "unary", "absz", "parts", "boxed", "power", "calls_cfunc"])
def test_unary_bit_for_bit(m, name):
    m.assert_same(name, [(a,) for a in VALUES], exact=True)


def test_mixed_operands(m):
    m.assert_same("mixed", [(a, x, n) for a in VALUES[:12] for x in (1.5, -0.0, INF, 1e308) for n in (3, -7)], exact=True)
    # Division by a zero double or int is a complex division (the message is complex's).
    m.assert_same("mixed", [(1 + 1j, 0.0, 1), (0j, -0.0, 0)], exact=True)


def test_division_by_zero(m):
    for a in (1 + 1j, 0j, complex(NAN, NAN), complex(INF, 0)):
        for b in (0j, complex(-0.0, -0.0), complex(0.0, -0.0)):
            with pytest.raises(ZeroDivisionError, match="^complex division by zero$"):
                m.native.div(a, b)
    m.assert_same("div", [(1 + 1j, 0j), (2j, complex(-0.0, 0.0))], exact=True)


def test_abs_overflow(m):
    for z in (1.5e308 + 1.5e308j, complex(-1.7e308, 1e308)):
        with pytest.raises(OverflowError, match="^absolute value too large$"):
            m.native.absz(z)
    m.assert_same("absz", [(1e308 + 1e308j,), (1.5e308 - 1.5e308j,), (complex(INF, NAN),), (complex(NAN, -INF),)], exact=True)


def test_build_and_literals(m):
    m.assert_same("build", [(x, y) for x in (0.0, -0.0, 1.5, INF, NAN) for y in (0.0, -0.0, -2.5, INF)], exact=True)
    m.assert_same("build_int", [(0,), (-3,), (2 ** 31 - 1,)], exact=True)
    m.assert_same("literals", [()], exact=True)


def test_julia_counts(m):
    c = complex(-0.62772, -0.42193)
    m.assert_same("julia", [(z, c, k) for z in VALUES[:6] + [0.1 + 0.2j, 2j] for k in (0, 1, 300)], exact=True)
    m.assert_same("julia", [(1.5e308 + 1.5e308j, 0j, 3), (1e200j, 1e200j, 3)], exact=True)


class HasComplex:
    def __complex__(self):
        return 3 - 4j


class HasFloat:
    def __float__(self):
        return 2.5


class HasIndex:
    def __index__(self):
        return 7


class BadComplex:
    def __complex__(self):
        return "no"


def test_arguments_converted_as_cython(m):
    # Plain Python keeps the argument as it is; compiled code converts it
    # to a C double complex on entry, as Cython's PyComplex_AsCComplex does.
    for arg in (0, -5, 2 ** 60, 1.5, -0.0, True, HasComplex(), HasFloat(), HasIndex(), 3 + 0j):
        got = m.native.ident(arg)
        assert type(got) is complex and same_value(got, complex(arg)), (arg, got)
        assert same_value(m.native.from_object(arg), complex(arg))
    assert same_value(m.native.sum_list([1, 2.5, 3j, HasComplex()]), complex(1 + 2.5 + 3j + (3 - 4j)))


def test_wrong_types(m):
    for arg, msg in (("x", "must be real number, not str"), (None, "must be real number, not NoneType"),
                     ([1j], "must be real number, not list")):
        with pytest.raises(TypeError, match="^" + msg + "$"):
            m.native.ident(arg)
        with pytest.raises(TypeError, match="^" + msg + "$"):
            m.native.from_object(arg)
    with pytest.raises(TypeError, match="__complex__"):
        m.native.ident(BadComplex())
    with pytest.raises(OverflowError):
        m.native.ident(2 ** 1100)


def test_no_leak(m):
    f = m.native
    zs = [1 + 2j, 3j]
    refs = [sys.getrefcount(z) for z in zs]
    assert growth(lambda: f.boxed(1 + 2j)) < N // 10
    assert growth(lambda: f.mixed(1 + 2j, 0.5, 3)) < N // 10
    assert growth(lambda: f.sum_list(zs + [HasComplex()])) < N // 10
    assert growth(lambda: f.power(1 + 1j)) < N // 10
    assert growth(lambda: f.inferred(1 + 1j, 2j)) < N // 10
    assert growth(lambda: attempt(f.div, 1j, 0j)) < N // 10
    assert growth(lambda: attempt(f.absz, 1.5e308 + 1.5e308j)) < N // 10
    assert growth(lambda: attempt(f.ident, "x")) < N // 10
    assert growth(lambda: attempt(f.sum_list, [1j, "x"])) < N // 10
    assert growth(lambda: attempt(f.ident, BadComplex())) < N // 10
    assert [sys.getrefcount(z) for z in zs] == refs
    assert math.isnan(f.absz(complex(NAN, 1)))


PARALLEL = """
import cython
from cython.parallel import prange

def total(n: cython.int, c: complex) -> cython.double:
    s: cython.double = 0
    i: cython.int
    for i in prange(n, nogil=True):
        s += abs(c * i)
    return s
"""


def test_parallel_loops_stay_python(pyc):
    # A team's slots hold 8-byte values: a complex in a prange is left to
    # Python with its reason, and still gives Python's result.
    p = pyc.pair(PARALLEL)
    assert "C double complex `c` in a parallel loop" in p.build.stderr, p.build.stderr
    assert p.native.total(10, 1 + 1j) == p.py.total(10, 1 + 1j)
