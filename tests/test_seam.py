"""The seam between native and interpreted code in one compiled module:
interpreted functions must behave as they do under CPython with the shim
(issue 9, items 1, 2, 5, 6, 7)."""

import pytest

from conftest import run_compiler

PRIMES = '''
import cython


def primes(nb_primes: cython.int):
    i: cython.int
    p: cython.int[1000]

    if nb_primes > 1000:
        nb_primes = 1000

    if not cython.compiled:  # Only if regular Python is running
        p = [0] * 1000       # Make p work almost like a C array

    len_p: cython.int = 0
    n: cython.int = 2
    while len_p < nb_primes:
        for i in p[:len_p]:
            if n % i == 0:
                break
        else:
            p[len_p] = n
            len_p += 1
        n += 1
    result_as_list = [prime for prime in p[:len_p]]
    return result_as_list


def interpreted_sees():
    f"{(yield cython.compiled)}"


def native_sees() -> cython.bint:
    return cython.compiled
'''


def test_interpreted_code_sees_compiled_false(pyc):
    # Cython's tutorial `primes` stays Python (it builds a list) and takes
    # the `not cython.compiled` branch, as under CPython.
    m = pyc.pair(PRIMES, stem="primes")
    m.assert_same("primes", [(0,), (1,), (10,), (25,)], native=False)
    assert next(m.native.interpreted_sees()) is False
    m.assert_values("native_sees", [((), True)])


CLIP = '''
import cython


@cython.cfunc
def clip(a: cython.int, min_value: cython.int, max_value: cython.int) -> cython.int:
    return min(max(a, min_value), max_value)


@cython.cfunc
@cython.exceptval(-1)
def checked(a: cython.int) -> cython.int:
    if a < 0:
        raise ValueError("negative")
    return a


def compute(values, a: cython.int):
    out = []
    for v in values:
        out.append(clip(v, 2, 10) * a)
    return out


def call_checked(v):
    return checked(v)


def call_by_keyword(v):
    return clip(v, max_value=4, min_value=1)
'''


def test_interpreted_code_calls_native_cfunc(pyc):
    # Cython's NumPy tutorial: `compute` stays Python (untyped argument) and
    # calls the cfunc `clip`, which is native.
    m = pyc.pair(CLIP, stem="clip")
    m.assert_native("clip")
    m.assert_same("compute", [([0, 5, 20, -3], 3), ([], 1)], native=False)
    m.assert_same("call_checked", [(4,), (-1,)], native=False)
    m.assert_same("call_by_keyword", [(0,), (3,), (9,)], native=False)


FALL_OFF = '''
def never_loops():
    while 1 == 0:
        return False


def first_big(n: int):
    for i in range(n):
        if i > 2:
            return i


def maybe(x: float):
    if x > 0.0:
        return x * 2.0


def loops_forever_until_return(n: int):
    while True:
        if n > 3:
            return n
        n += 1


def both_branches(x: int):
    if x > 0:
        return 1
    else:
        return 2
'''


def test_inferred_return_includes_none_of_falling_off_the_end(pyc):
    m = pyc.pair(FALL_OFF, stem="falloff")
    m.assert_same("never_loops", [()], native=False)
    m.assert_same("first_big", [(0,), (2,), (3,), (10,)], native=False)
    m.assert_same("maybe", [(1.5,), (-1.0,), (0.0,)], native=False)
    # every path returns: still native
    m.assert_same("loops_forever_until_return", [(0,), (7,)])
    m.assert_same("both_branches", [(0,), (5,)])


# Files CPython runs must build: what pyc-aot does not understand stays
# Python (item 5).  Each was a build error before.
RUNS_IN_CPYTHON = {
    "test_decorators": ('''
import cython


@cython.test_assert_path_exists("//ForFromStatNode")
@cython.test_fail_if_path_exists("//ForInStatNode")
def f(n: int) -> int:
    return n + 1
''', "f", [(1,), (-5,)], True),
    "nogil_true": ('''
import cython


@cython.nogil(True)
@cython.cfunc
def g(n: cython.int) -> cython.int:
    return n + 1


def f(n: int) -> int:
    return g(n)
''', "f", [(1,), (41,)], True),
    "fused_locals": ('''
import cython


@cython.locals(x=cython.floating)
def f(x):
    return x * 2
''', "f", [(1.5,), (3,)], False),
    "future_annotations": ('''
from __future__ import annotations


def f(x: Unknown) -> int:
    return 1


def g(x: int) -> Unknown:
    return x
''', "g", [(1,), (2,)], False),
    "generator": ('''
def gen(n: int):
    for i in range(n):
        [(yield i)]


def f(n: int) -> int:
    return len(list(gen(n)))
''', "f", [(0,), (4,)], False),
    "range_four_args": ('''
def f(n: int) -> int:
    s = 0
    if n > 0:
        for i in range(1, 2, 3, 4):
            s += i
    return s
''', "f", [(0,), (1,)], False),
    "none_valued": ('''
def nothing(x: int) -> None:
    pass


def f(x: int):
    y = nothing(x)
    return y is None


def g(x: int) -> int:
    return


def h(x: int) -> None:
    return x
''', "f", [(0,)], False),
}


@pytest.mark.parametrize("case", list(RUNS_IN_CPYTHON))
def test_files_cpython_runs_build(pyc, case):
    src, name, args, native = RUNS_IN_CPYTHON[case]
    m = pyc.pair(src, stem=case)
    m.assert_same(name, args, native=native)
    for other in ("g", "h"):
        if hasattr(m.py, other) and callable(getattr(m.py, other)):
            m.assert_same(other, [(0,), (3,)], native=False)


CLASSES = '''import cython


def f(x: int) -> int:
    return x + 1


@cython.cclass
class A:
    x: cython.int

    def __init__(self, x: cython.int):
        self.x = x

    @cython.nogil
    def get(self) -> cython.int:
        return self.x


class B:
    pass


def use(x: int):
    return A(x).get()
'''


def test_classes_and_methods_are_reported_as_left_to_python(tmp_path):
    src = tmp_path / "classes.py"
    src.write_text(CLASSES)
    b = run_compiler(src, tmp_path / "out")
    assert b.ok, b.describe()
    # f and `use` (A through the module's globals) native; A, A.__init__ and
    # A.get stay Python. B is a plain class without methods: its body runs as
    # Python by design (plain classes' methods compile), nothing is left.
    assert b.counts() == (2, 3), b.stdout
    for line, what in [(9, "class `A` left to Python: `@cython.cclass`"),
                       (12, "method `A.__init__` left to Python"),
                       (16, "method `A.get` left to Python")]:
        assert what in b.stderr, b.stderr
        assert "classes.py:%d:" % line in b.stderr, b.stderr
    assert "`B`" not in b.stderr, b.stderr
    strict = run_compiler(src, tmp_path / "strict", ["--strict"])
    assert strict.returncode == 1
    assert "error: class `A` left to Python" in strict.stderr, strict.stderr


def test_class_module_matches_cpython(pyc):
    m = pyc.pair(CLASSES, stem="classes")
    m.assert_same("use", [(3,), (-7,)], native=False)


LIBC = '''
import math
from cython.cimports.libc.math import (sqrt, floor as c_floor, atan2, fmin, fma, isnan,
                                       log, pow, exp, sin, hypot, frexp, M_PI)
from cython.cimports.libc.math import cos


def typed(x: float) -> float:
    return sqrt(x) + c_floor(x)


def interpreted(name, *args):
    return globals()[name](*args)
'''

LIBC_ARGS = [(-4.0,), (0.0,), (-0.0,), (2.5,), (1e308,), (float("inf"),), (float("-inf"),),
             (float("nan"),), (3,), (-7,), (True,)]


def test_c_library_functions_are_native_for_interpreted_code(pyc):
    # Interpreted code calls C's sqrt at the cost of a builtin (math.sqrt),
    # not through a Python-level emulation, with the same C semantics.
    import types
    m = pyc.pair(LIBC, stem="libcbind")
    for name in ("sqrt", "c_floor", "atan2", "fmin", "fma", "isnan", "log", "pow", "exp", "sin",
                 "hypot", "cos"):
        assert isinstance(getattr(m.native, name), types.BuiltinFunctionType), name
    assert isinstance(m.native.frexp, types.FunctionType)  # returns a tuple: the shim's
    for name in ("sqrt", "c_floor", "isnan", "log", "exp", "sin", "cos", "frexp"):
        m.assert_same("interpreted", [(name,) + a for a in LIBC_ARGS] + [(name, "4"), (name, None)],
                      native=False)
    for name in ("atan2", "fmin", "pow", "hypot"):
        m.assert_same("interpreted", [(name, a, b) for (a,) in LIBC_ARGS for (b,) in LIBC_ARGS[:5]],
                      native=False)
    m.assert_same("interpreted", [("fma", 2.0, 3.0, 1.0), ("fma", 0.1, 10.0, -1.0)], native=False)
    assert m.native.M_PI == m.py.M_PI
    m.assert_same("typed", [(4.0,), (-1.0,), (2.5,)])
    assert m.native.sqrt(x=9.0) == 3.0


MORE_RUNS_IN_CPYTHON = '''
import math
import cython
from cython.parallel import prange

FLAG = False


@cython.boundscheck(FLAG)
def flagged(n: int) -> int:
    return n * 2


def unknown_math(x: float) -> float:
    if x > 100.0:
        return math.no_such_function(x)
    return x


def big_array(n: int) -> int:
    a: cython.int[300000]
    if not cython.compiled:
        a = [0] * 300000
    a[n] = n
    return a[n] + 1


def prange_kw(n: int) -> int:
    s: int = 0
    for i in prange(n, use_threads_if=n > 10):
        s += i
    return s
'''


def test_more_files_cpython_runs_build(pyc):
    m = pyc.pair(MORE_RUNS_IN_CPYTHON, stem="more_runs")
    m.assert_same("flagged", [(3,)], native=False)
    m.assert_same("unknown_math", [(1.0,), (200.0,)], native=False)
    m.assert_same("big_array", [(0,), (299999,)], native=False)
    m.assert_same("prange_kw", [(0,), (20,)], native=False)
