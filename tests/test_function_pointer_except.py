"""Exception specifications of C function pointer types (issue 14): a
`.pxd`'s `ctypedef int (*q_t)(int) except? -1`, `except -1`, `except *`,
no clause (`except *` outside an extern block) and `noexcept`; a cfunc's
own specification read from its decorators as Cython reads them; which
cfunc a pointer may hold (Cython's rule, its refusals located errors); the
test after each call through a pointer (the value, then `PyErr_Occurred()`
for `except?`, always for `except *`, with the GIL taken in `nogil`
code); the C entry returning the exception value with the exception set.
Differential against the same file run as plain Python (the shim reads
the `.pxd`), against Cython 3.3.1's results, and no leaks on the error
paths."""

import sys

import pytest

from conftest import assert_same_outcomes, call, compiled_and_plain, growth, run_compiler

PXD = """\
ctypedef int (*q_t)(int) except? -1
ctypedef int (*v_t)(int) except -1
ctypedef double (*s_t)(double) except *
ctypedef double (*u_t)(double)
ctypedef int (*n_t)(int) noexcept
ctypedef int (*g_t)(int) except? -1 nogil
"""

SOURCE = '''\
import cython
from cython.cimports.fpxtypes import q_t, v_t, s_t, u_t, n_t, g_t


@cython.cfunc
def checked(n: cython.int) -> cython.int:
    if n < 0:
        raise ValueError(f"negative: {n}")
    if n == 99:
        return -1
    return n * 2


@cython.cfunc
@cython.exceptval(-1, check=False)
def strict(n: cython.int) -> cython.int:
    if n < 0:
        raise KeyError(n)
    return n + 1


@cython.cfunc
def half(x: cython.double) -> cython.double:
    if x < 0:
        raise ArithmeticError("half of a negative")
    if x == 1000:
        return -1.0
    return x / 2


@cython.cfunc
@cython.exceptval(check=False)
def quiet(n: cython.int) -> cython.int:
    if n < 0:
        raise ValueError("lost")
    return n


@cython.cfunc
@cython.nogil
def gchecked(n: cython.int) -> cython.int:
    if n < 0:
        with cython.gil:
            raise OverflowError("nogil negative")
    return n * 3


@cython.cfunc
def through(f: q_t, n: cython.int) -> cython.int:
    return f(n) + 1


@cython.cfunc
def choose(k: cython.int) -> q_t:
    if k == 0:
        return checked
    if k == 1:
        return strict
    return quiet


def run_q(n: cython.int):
    f: q_t = checked
    return f(n)


def run_v(n: cython.int):
    f: v_t = strict
    return f(n)


def run_s(x: cython.double):
    f: s_t = half
    return f(x)


def run_u(x: cython.double):
    f: u_t = half
    return f(x)


def run_two(n: cython.int):
    return through(checked, n) + through(strict, n)


def run_choose(k: cython.int, n: cython.int):
    f: q_t = choose(k)
    return f(n)


def run_widen(n: cython.int):
    a: v_t = strict
    b: q_t = a
    return b(n)


def run_caught(n: cython.int):
    f: q_t = checked
    try:
        return f(n)
    except ValueError as e:
        return str(e)


def run_loop(n: cython.int):
    f: s_t = half
    total: cython.double = 0
    i: cython.int
    for i in range(n, -3, -1):
        total += f(i)
    return total


def run_nogil(n: cython.int):
    f: g_t = gchecked
    r: cython.int
    with cython.nogil:
        r = f(n)
    return r


def run_quiet(n: cython.int):
    f: q_t = quiet
    return f(n)
'''

CASES = [
    ("run_q", [(3,), (-2,), (99,), (0,)]),
    ("run_v", [(4,), (-1,), (0,)]),
    ("run_s", [(3.0,), (-1.0,), (1000.0,), (float("nan"),), (float("inf"),)]),
    ("run_u", [(2.0,), (-5.0,), (1000.0,)]),
    ("run_two", [(5,), (-1,), (99,)]),
    ("run_choose", [(0, 3), (0, -3), (1, -3), (1, 3), (0, 99), (2, 4)]),
    ("run_widen", [(2,), (-2,)]),
    ("run_caught", [(-7,), (7,), (99,)]),
    ("run_loop", [(5,), (0,), (-3,)]),
    ("run_nogil", [(4,), (-4,), (0,)]),
    ("run_quiet", [(5,), (0,)]),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return compiled_and_plain(tmp_path_factory.mktemp("fpexc"), "fpexc", SOURCE, {"fpxtypes.pxd": PXD})


@pytest.mark.parametrize("name, argss", CASES, ids=[c[0] for c in CASES])
def test_matches_plain_python(pair, name, argss):
    assert_same_outcomes(*pair, name, argss)


def test_matches_cython(pair):
    # Cython 3.3.1 (`cythonize -i -3`) on the same two files: a -1 result
    # that is no error, the noexcept cfunc's exception written as
    # unraisable (and 0 returned) whatever pointer it is called through.
    _, nat = pair
    assert (nat.run_q(99), nat.run_s(1000.0), nat.run_two(99), nat.run_choose(0, 99)) == (-1, -1.0, 101, -1)
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append((type(u.exc_value), str(u.exc_value)))
    try:
        assert (nat.run_quiet(-5), nat.run_choose(2, -3)) == (0, 0)
    finally:
        sys.unraisablehook = old
    assert seen == [(ValueError, "lost"), (ValueError, "lost")]
    for f, args, exc, msg in [(nat.run_v, (-1,), KeyError, "-1"), (nat.run_nogil, (-4,), OverflowError, "nogil negative"),
                              (nat.run_loop, (5,), ArithmeticError, "half of a negative")]:
        with pytest.raises(exc) as e:
            f(*args)
        assert str(e.value) == msg


def test_the_raise_is_in_the_traceback(pair):
    _, nat = pair
    with pytest.raises(ValueError) as e:
        nat.run_two(-1)
    names = [t.name for t in e.traceback]
    assert "checked" in names and "run_two" in names, names


def test_no_leaks(pair):
    _, nat = pair
    for f, args in [(nat.run_q, (-2,)), (nat.run_v, (-1,)), (nat.run_s, (-1.0,)), (nat.run_two, (-1,)), (nat.run_nogil, (-4,)),
                    (nat.run_caught, (-7,)), (nat.run_q, (3,)), (nat.run_widen, (2,))]:
        assert growth(lambda: call(f, args)) < 50, f


BASE = '''\
import cython
from cython.cimports.fpxtypes import q_t, v_t, s_t, n_t


@cython.cfunc
def dflt(n: cython.int) -> cython.int:
    return n


@cython.cfunc
@cython.exceptval(-2)
def minus2(n: cython.int) -> cython.int:
    return n


@cython.cfunc
@cython.exceptval(-1, check=False)
def exact(n: cython.int) -> cython.int:
    return n


@cython.cfunc
def dbl(x: cython.double) -> cython.double:
    return x


def f(n: cython.int):
'''

PXD_MORE = "ctypedef double (*d1_t)(double) except? -1.0\n"

# What Cython 3.3.1 refuses ("Exception values are incompatible").
ERRORS = [
    ("    g: v_t = dflt\n    return g(n)\n", 28, "`dflt` (line 6) is `except? -1`, but `g` is int (*)(int) except -1: the exception values are incompatible"),
    ("    g: n_t = dflt\n    return g(n)\n", 28, "`dflt` (line 6) is `except? -1`, but `g` is int (*)(int) noexcept"),
    ("    g: n_t = exact\n    return g(n)\n", 28, "`exact` (line 18) is `except -1`, but `g` is int (*)(int) noexcept"),
    ("    g: q_t = minus2\n    return g(n)\n", 28, "`minus2` (line 12) is `except? -2`, but `g` is int (*)(int) except? -1"),
    ("    g: d1_t = dbl\n    return g(n)\n", 28, "`dbl` (line 23) is `except? -1`, but `g` is double (*)(double) except? -1.0"),
    ("    a: q_t = dflt\n    b: v_t = a\n    return b(n)\n", 29, "cannot assign int (*)(int) except? -1 to int (*)(int) except -1 for `b`"),
]


@pytest.mark.parametrize("body, line, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_incompatible_exception_values_are_located_errors(tmp_path, body, line, message):
    (tmp_path / "fpxtypes.pxd").write_text(PXD + PXD_MORE)
    src = BASE.replace("import q_t, v_t, s_t, n_t", "import q_t, v_t, s_t, n_t, d1_t") if "d1_t" in body else BASE
    (tmp_path / "bad.py").write_text(src + body)
    b = run_compiler(tmp_path / "bad.py", outdir=tmp_path / "out")
    assert not b.ok, b.describe()
    assert message in b.stderr, b.stderr
    assert "bad.py:%d:" % line in b.stderr, b.stderr


def test_what_cython_accepts_compiles(tmp_path):
    # `except? -1` takes noexcept, `except -1` and `except? -1` functions;
    # `except *` (and no clause) takes any.
    (tmp_path / "fpxtypes.pxd").write_text(PXD)
    body = "    a: q_t = exact\n    b: q_t = dflt\n    c: s_t = dbl\n    d: v_t = exact\n    return a(n) + b(n) + c(n) + d(n)\n"
    (tmp_path / "ok.py").write_text(BASE + body)
    b = run_compiler(tmp_path / "ok.py", outdir=tmp_path / "out", args=["--strict"])
    assert b.ok, b.describe()
