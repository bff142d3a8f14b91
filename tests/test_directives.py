"""Directives and decorators: cdivision (decorator and comment), overflowcheck,
locals, returns, declare, exceptval, cfunc/ccall/inline, no-op directives."""

import pytest

INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1

CDIV = '''
import cython


@cython.cdivision(True)
def cdiv_int(a: cython.int, b: cython.int) -> cython.int:
    return a // b


@cython.cdivision(True)
def cmod_int(a: cython.int, b: cython.int) -> cython.int:
    return a % b


@cython.cdivision(True)
def cdiv_long(a: cython.long, b: cython.long) -> cython.long:
    return a // b


@cython.cdivision(True)
def cmod_long(a: cython.long, b: cython.long) -> cython.long:
    return a % b


def pydiv_int(a: cython.int, b: cython.int) -> cython.int:
    return a // b


@cython.cdivision(False)
def pymod_int(a: cython.int, b: cython.int) -> cython.int:
    return a % b
'''

CDIV_FLOAT = '''
import cython


@cython.cdivision(True)
def cmod_double(x: cython.double, y: cython.double) -> cython.double:
    return x % y


@cython.cdivision(True)
def cdiv_double(x: cython.double, y: cython.double) -> cython.double:
    return x / y


def pydiv_double(x: cython.double, y: cython.double) -> cython.double:
    return x / y
'''

CDIV_COMMENT = '''# cython: cdivision=True
import cython


def cdiv(a: cython.int, b: cython.int) -> cython.int:
    return a // b


def cmod(a: cython.int, b: cython.int) -> cython.int:
    return a % b


@cython.cdivision(False)
def pydiv(a: cython.int, b: cython.int) -> cython.int:
    return a // b
'''

OVERFLOW = '''
import cython


@cython.overflowcheck(True)
def oc_add(a: cython.int, b: cython.int) -> cython.int:
    return a + b


@cython.overflowcheck(True)
def oc_mul(a: cython.longlong, b: cython.longlong) -> cython.longlong:
    return a * b


@cython.overflowcheck(True)
def oc_sub_uint(a: cython.uint, b: cython.uint) -> cython.uint:
    return a - b


def no_oc_add(a: cython.int, b: cython.int) -> cython.int:
    return a + b
'''

LOCALS = '''
import cython


@cython.locals(a=cython.int, b=cython.double)
def loc_params(a, b):
    return a * b


@cython.locals(s=cython.int, i=cython.int)
def loc_wrap(n: cython.int) -> cython.int:
    s = 2147483647
    for i in range(n):
        s += 1
    return s


@cython.returns(cython.int)
@cython.locals(a=cython.int)
def ret_int(a):
    return a + 1


@cython.returns(cython.double)
@cython.locals(a=cython.double)
def ret_double(a):
    return a / 2


def decl(n: cython.int) -> cython.int:
    x = cython.declare(cython.int, 2147483647)
    x += n
    return x


def decl_double(n: int) -> float:
    y = cython.declare(cython.double, 1.5)
    return y * n


def annotated_local(n: cython.int) -> cython.int:
    x: cython.short = 32767
    x += n
    return x
'''

FUNCS = '''
import cython


@cython.cfunc
@cython.exceptval(-1, check=True)
def helper(x: cython.int) -> cython.int:
    if x < 0:
        raise ValueError("negative")
    return x * 2


@cython.cfunc
@cython.exceptval(-1)
def ident(x: cython.int) -> cython.int:
    return x


@cython.cfunc
@cython.inline
def sq(x: cython.double) -> cython.double:
    return x * x


@cython.cfunc
def hyp(a: cython.double, b: cython.double) -> cython.double:
    return sq(a) + sq(b)


@cython.cfunc
def raiser(x: cython.int) -> cython.int:
    if x > 5:
        raise OverflowError("too big")
    return x


@cython.cfunc
def raiser_double(x: cython.double) -> cython.double:
    if x < 0.0:
        raise ValueError("negative double")
    return x


def use_raisers(x: cython.int) -> cython.double:
    return raiser(x) + raiser_double(x - 1.0)


@cython.ccall
def use(x: cython.int) -> cython.int:
    return helper(x) + 1


@cython.ccall
def use_ident(x: cython.int) -> cython.int:
    return ident(x)


def use_sq(x: float) -> float:
    return sq(x) + 1.0


def call_chain(a: float, b: float) -> float:
    return hyp(a, b)


@cython.boundscheck(False)
@cython.wraparound(False)
@cython.initializedcheck(False)
@cython.nonecheck(False)
@cython.infer_types(True)
@cython.profile(False)
@cython.cpow(True)
def many_directives(a: int) -> int:
    return a + 1


@cython.inline
def inline_def(a: int) -> int:
    return a * 3


@cython.final
@cython.ccall
def final_ccall(a: int) -> int:
    return a - 1
'''


@pytest.fixture(scope="module")
def cdiv(pyc):
    return pyc.pair(CDIV, stem="cdiv")


def test_cdivision_truncates(cdiv):
    cases = [(-7, 2), (7, -2), (-7, -2), (7, 2), (0, -5), (INT_MIN, 2), (INT_MAX, -3)]
    trunc_div = lambda a, b: abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    c_mod = lambda a, b: a - b * trunc_div(a, b)
    for f in ("cdiv_int", "cdiv_long"):
        cdiv.assert_values(f, [((a, b), trunc_div(a, b)) for a, b in cases])
    for f in ("cmod_int", "cmod_long"):
        cdiv.assert_values(f, [((a, b), c_mod(a, b)) for a, b in cases])


def test_without_cdivision_python_semantics(cdiv):
    cdiv.assert_values("pydiv_int", [((-7, 2), -4), ((7, -2), -4), ((7, 0), ZeroDivisionError)])
    cdiv.assert_values("pymod_int", [((-7, 2), 1), ((7, -2), -1), ((7, 0), ZeroDivisionError)])


def test_cdivision_float_modulo_is_fmod(pyc):
    m = pyc.pair(CDIV_FLOAT, stem="cdivf")
    m.assert_values("cmod_double", [((-7.0, 2.0), -1.0), ((7.0, -2.0), 1.0), ((7.5, 2.0), 1.5)])


def test_cdivision_float_division_by_zero_is_ieee(pyc):
    m = pyc.pair(CDIV_FLOAT, stem="cdivf")
    m.assert_values("cdiv_double", [((1.0, 0.0), float("inf")), ((-1.0, 0.0), float("-inf")),
                                    ((1.0, 4.0), 0.25)])
    m.assert_values("pydiv_double", [((1.0, 0.0), ZeroDivisionError), ((1.0, 4.0), 0.25)])


def test_comment_directive(pyc):
    m = pyc.pair(CDIV_COMMENT, stem="cdivcomment")
    m.assert_values("cdiv", [((-7, 2), -3), ((7, -2), -3)])
    m.assert_values("cmod", [((-7, 2), -1), ((7, -2), 1)])
    m.assert_values("pydiv", [((-7, 2), -4)])


def test_overflowcheck(pyc):
    m = pyc.pair(OVERFLOW, stem="ovf")
    m.assert_values("oc_add", [((INT_MAX, 1), OverflowError), ((INT_MIN, -1), OverflowError),
                               ((5, 6), 11), ((INT_MAX, -1), INT_MAX - 1)])
    m.assert_values("oc_mul", [((2 ** 62, 2), OverflowError), ((-(2 ** 62), 2), -(2 ** 63)),
                               ((3, -7), -21)])
    m.assert_values("oc_sub_uint", [((0, 1), OverflowError), ((5, 3), 2)])
    m.assert_values("no_oc_add", [((INT_MAX, 1), INT_MIN)])


@pytest.fixture(scope="module")
def loc(pyc):
    return pyc.pair(LOCALS, stem="locals")


def test_locals_types_parameters(loc):
    loc.assert_same("loc_params", [(3, 2.5), (-4, 0.5), (0, -1.0)])
    loc.assert_values("loc_params", [((3, 2.5), 7.5), (("x", 1.0), TypeError),
                                     ((2 ** 31, 1.0), OverflowError)])


def test_locals_types_local_variables(loc):
    loc.assert_values("loc_wrap", [((0,), INT_MAX), ((1,), INT_MIN), ((3,), INT_MIN + 2)])


def test_returns(loc):
    loc.assert_values("ret_int", [((5,), 6), ((INT_MAX,), INT_MIN)])
    loc.assert_same("ret_double", [(3,), (-1,), (0,)])
    loc.assert_values("ret_double", [((3,), 1.5)])


def test_declare(loc):
    loc.assert_values("decl", [((0,), INT_MAX), ((1,), INT_MIN)])
    loc.assert_same("decl_double", [(0,), (3,), (-2,)])
    loc.assert_values("annotated_local", [((0,), 32767), ((1,), -32768)])


@pytest.fixture(scope="module")
def funcs(pyc):
    return pyc.pair(FUNCS, stem="funcs")


def test_cfunc_and_ccall_are_native_and_callable_from_python(funcs):
    # Unlike Cython, a cfunc stays visible in the module dict: the module's
    # interpreted code calls it as under CPython + the shim (issue 9).
    for name in ("helper", "ident", "sq", "hyp", "use", "use_ident", "final_ccall"):
        funcs.assert_native(name)
    funcs.assert_same("sq", [(3.0,), (-0.5,)])
    funcs.assert_same("hyp", [(3.0, 4.0)])


def test_exceptval_propagates_exceptions(funcs):
    funcs.assert_same("use", [(-3,), (0,), (4,)])
    funcs.assert_values("use", [((-3,), (ValueError, "negative")), ((4,), 9)])
    # -1 returned normally by an exceptval(-1) function is not an error
    funcs.assert_values("use_ident", [((-1,), -1), ((7,), 7)])


def test_inline_cfunc_calls(funcs):
    funcs.assert_same("use_sq", [(0.0,), (-1.5,), (1e200,), (float("nan"),)])
    funcs.assert_same("call_chain", [(3.0, 4.0), (-0.0, 0.0)])


def test_noop_directives_and_inline_final(funcs):
    funcs.assert_same("many_directives", [(0,), (-5,), (2 ** 63 - 1,)])
    funcs.assert_same("inline_def", [(0,), (7,)])
    funcs.assert_same("final_ccall", [(0,), (7,)])


def test_cfunc_exceptions_propagate_without_exceptval(funcs):
    funcs.assert_same("use_raisers", [(0,), (1,), (3,), (6,)])
    funcs.assert_values("use_raisers", [((6,), (OverflowError, "too big")),
                                        ((0,), (ValueError, "negative double")), ((3,), 5.0)])
