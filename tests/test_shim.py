"""The pure-Python ``cython`` shim (compiler/src/shim/cython_shim.py), in both
modes: executed like the compiler does (sys.modules untouched)
and imported as ``cython`` (compiled=False, cimports registered)."""

import math
import struct
import sys
import types

import pytest

from conftest import SHIM, run_python

INF, NAN = float("inf"), float("nan")

SCALARS = ["char", "schar", "uchar", "short", "ushort", "int", "uint", "long", "ulong",
           "longlong", "ulonglong", "Py_ssize_t", "size_t", "ssize_t", "Py_hash_t", "float",
           "double", "longdouble", "bint", "void", "int8_t", "int16_t", "int32_t", "int64_t",
           "uint8_t", "uint16_t", "uint32_t", "uint64_t"]
DECORATORS = ["cfunc", "ccall", "inline", "final", "nogil"]
FACTORIES = ["cdivision", "boundscheck", "wraparound", "overflowcheck", "initializedcheck",
             "nonecheck", "infer_types", "profile", "cpow", "c_api_binop_methods", "returns"]
LIBC = ["sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
        "asinh", "acosh", "atanh", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
        "pow", "fabs", "floor", "ceil", "trunc", "round", "fmod", "fmin", "fmax", "hypot",
        "copysign", "cbrt", "erf", "erfc", "tgamma", "lgamma", "isnan", "isinf", "isfinite"]


def exec_compiled_mode():
    mod = types.ModuleType("cython")
    mod.__dict__["__pyc_aot_compiled__"] = True
    mod.__dict__["__builtins__"] = __builtins__
    before = dict(sys.modules)
    exec(compile(SHIM.read_text(), str(SHIM), "exec"), mod.__dict__)
    after = dict(sys.modules)
    return mod, before, after


@pytest.fixture(scope="module")
def compiled_shim():
    return exec_compiled_mode()[0]


@pytest.fixture(scope="module")
def plain_shim():
    import cython
    return cython


@pytest.fixture(params=["compiled", "plain"])
def cy(request, compiled_shim, plain_shim):
    return compiled_shim if request.param == "compiled" else plain_shim


def bits(x):
    return struct.pack("<d", x)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or bits(a) == bits(b)
    return type(a) is type(b) and a == b


def test_compiled_mode_flag_and_sys_modules_untouched():
    mod, before, after = exec_compiled_mode()
    # the embedded shim is read only by interpreted code: compiled is False
    assert mod.compiled is False
    assert before.keys() == after.keys()
    assert all(before[k] is after[k] for k in before)


def test_plain_mode_flag_and_submodules(plain_shim):
    assert plain_shim.compiled is False
    for name in ("cython.cimports", "cython.cimports.libc", "cython.cimports.libc.math"):
        assert name in sys.modules
    from cython.cimports.libc.math import sqrt
    assert math.isnan(sqrt(-1.0))
    import cython.cimports.libc.math as cm
    assert cm is plain_shim.cimports.libc.math


def test_plain_mode_fresh_interpreter_cimport_first(shim_dir):
    p = run_python("from cython.cimports.libc.math import sqrt, M_PI\n"
                   "import cython\n"
                   "print(sqrt(4.0), cython.compiled, M_PI)\n", path=[shim_dir])
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["2.0", "False", repr(math.pi)]


def test_version(cy):
    assert isinstance(cy.__version__, str) and cy.__version__


@pytest.mark.parametrize("name", SCALARS)
def test_scalar_types_exist_and_subscript(cy, name):
    t = getattr(cy, name)
    assert callable(t)
    assert t[:] is not None
    assert t[:, ::1] is not None
    assert t[::1, :] is not None
    assert t[10] is not None
    assert t[4][4] is not None


def test_conversions(cy):
    assert cy.int(3.7) == 3 and type(cy.int(3.7)) is int
    assert cy.int(-3.7) == -3
    assert cy.double(2) == 2.0 and type(cy.double(2)) is float
    assert cy.float(1) == 1.0
    assert cy.bint(5) is True and cy.bint(0) is False
    assert cy.longlong(2 ** 40) == 2 ** 40
    assert cy.Py_ssize_t(7.9) == 7
    assert cy.int() == 0 and cy.double() == 0.0


def test_annotations_evaluate(cy):
    def f(a: cy.int, b: cy.double[:], c: cy.int[:, ::1], d: cy.int[1000],
          e: cy.double[4][4]) -> cy.bint:
        return True
    assert f(1, None, None, None, None) is True


def test_declare_cast_sizeof_typeof(cy):
    assert cy.declare(cy.int, 5) == 5
    assert cy.declare(cy.int, 5.9) == 5
    assert cy.declare(cy.double, 5) == 5.0 and type(cy.declare(cy.double, 5)) is float
    assert cy.declare(cy.int) == 0
    assert cy.declare(cy.double) == 0.0
    assert cy.declare(x=cy.int, y=cy.double) is None
    arr = cy.declare(cy.int[3])
    assert list(arr) == [0, 0, 0]
    assert cy.cast(cy.int, 3.9) == 3
    assert cy.cast(float, 3) == 3.0
    assert cy.sizeof(cy.int) == 4 and cy.sizeof(cy.double) == 8 and cy.sizeof(cy.char) == 1
    assert cy.typeof(1.5) == "float"


@pytest.mark.parametrize("name", DECORATORS)
def test_plain_decorators(cy, name):
    deco = getattr(cy, name)

    @deco
    def f(x):
        return x + 1
    assert f(1) == 2


@pytest.mark.parametrize("name", FACTORIES)
def test_decorator_factories_and_context_managers(cy, name):
    fac = getattr(cy, name)
    arg = cy.int if name == "returns" else False

    @fac(arg)
    def f(x):
        return x * 2
    assert f(3) == 6
    if name != "returns":
        with fac(False):
            pass

        @fac   # bare use is tolerated
        def g(x):
            return x
        assert g(5) == 5


def test_locals_exceptval(cy):
    @cy.locals(a=cy.int, b=cy.double)
    @cy.exceptval(-1, check=True)
    def f(a, b):
        return a + b
    assert f(1, 2.0) == 3.0

    @cy.exceptval(check=False)
    def g():
        return 7
    assert g() == 7


def test_gil_nogil_context_managers(cy):
    with cy.nogil:
        with cy.gil:
            pass
    with cy.nogil(True):
        pass
    with pytest.raises(ZeroDivisionError):
        with cy.nogil:
            1 // 0


@pytest.mark.parametrize("name", LIBC)
def test_libc_math_functions_exist(cy, name):
    assert callable(getattr(cy.cimports.libc.math, name))


def test_libc_math_constants(cy):
    cm = cy.cimports.libc.math
    assert cm.M_PI == math.pi and cm.M_E == math.e
    assert cm.INFINITY == INF and cm.HUGE_VAL == INF and math.isnan(cm.NAN)


@pytest.mark.parametrize("fname,args,want", [
    ("sqrt", (-1.0,), NAN), ("sqrt", (4,), 2.0), ("sqrt", (-0.0,), -0.0),
    ("log", (0.0,), -INF), ("log", (-0.0,), -INF), ("log", (-1.0,), NAN),
    ("log2", (0.0,), -INF), ("log10", (0.0,), -INF), ("log1p", (-1.0,), -INF),
    ("log1p", (-2.0,), NAN), ("exp", (1000.0,), INF), ("exp", (-1000.0,), 0.0),
    ("exp2", (1024.0,), INF), ("exp2", (3.0,), 8.0), ("expm1", (1000.0,), INF),
    ("sinh", (-1000.0,), -INF), ("cosh", (-1000.0,), INF), ("sin", (INF,), NAN),
    ("cos", (-INF,), NAN), ("tan", (INF,), NAN), ("asin", (2.0,), NAN), ("acos", (-2.0,), NAN),
    ("acosh", (0.5,), NAN), ("atanh", (1.0,), INF), ("atanh", (-1.0,), -INF),
    ("atanh", (2.0,), NAN), ("pow", (0.0, -1.0), INF), ("pow", (-0.0, -1.0), -INF),
    ("pow", (-0.0, -2.0), INF), ("pow", (-8.0, 1.0 / 3.0), NAN), ("pow", (10.0, 400.0), INF),
    ("pow", (-10.0, 401.0), -INF), ("pow", (2, 3), 8.0), ("pow", (NAN, 0.0), 1.0),
    ("fabs", (-0.0,), 0.0), ("floor", (-0.5,), -1.0), ("floor", (-0.0,), -0.0),
    ("floor", (2.7,), 2.0), ("floor", (INF,), INF), ("ceil", (-0.5,), -0.0),
    ("ceil", (2.1,), 3.0), ("trunc", (-2.7,), -2.0), ("trunc", (-0.5,), -0.0),
    ("round", (2.5,), 3.0), ("round", (-2.5,), -3.0), ("round", (0.5,), 1.0),
    ("round", (1.5,), 2.0), ("round", (0.49999999999999994,), 0.0), ("round", (-0.2,), -0.0),
    ("round", (4503599627370497.0,), 4503599627370497.0), ("round", (NAN,), NAN),
    ("fmod", (5.5, 0.0), NAN), ("fmod", (INF, 1.0), NAN), ("fmod", (-7.0, 2.0), -1.0),
    ("fmin", (NAN, 1.0), 1.0), ("fmin", (1.0, NAN), 1.0), ("fmax", (NAN, -1.0), -1.0),
    ("fmax", (2.0, 3.0), 3.0), ("hypot", (3.0, 4.0), 5.0), ("hypot", (INF, NAN), INF),
    ("copysign", (1.0, -0.0), -1.0), ("cbrt", (-8.0,), -2.0), ("cbrt", (0.0,), 0.0),
    ("tgamma", (0.0,), INF), ("tgamma", (-0.0,), -INF), ("tgamma", (-1.0,), NAN),
    ("tgamma", (5.0,), 24.0), ("tgamma", (200.0,), INF), ("lgamma", (0.0,), INF),
    ("lgamma", (-2.0,), INF), ("lgamma", (1.0,), 0.0), ("erf", (INF,), 1.0),
    ("erfc", (INF,), 0.0), ("atan2", (0.0, -0.0), math.pi),
])
def test_libc_math_c_semantics(cy, fname, args, want):
    got = getattr(cy.cimports.libc.math, fname)(*args)
    assert type(got) is float
    assert same(got, want), "%s%r = %r, want %r" % (fname, args, got, want)


@pytest.mark.parametrize("fname,arg,want", [
    ("isnan", NAN, True), ("isnan", 1.0, False), ("isinf", -INF, True), ("isinf", NAN, False),
    ("isfinite", 1.0, True), ("isfinite", INF, False), ("isfinite", NAN, False)])
def test_libc_classification_returns_bool(cy, fname, arg, want):
    got = getattr(cy.cimports.libc.math, fname)(arg)
    assert got is want


def test_libc_math_never_raises_on_floats(cy):
    vals = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 1e308, -1e308, 5e-324, INF, -INF, NAN, 710.0, -1000.0]
    cm = cy.cimports.libc.math
    two = {"atan2", "pow", "fmod", "fmin", "fmax", "hypot", "copysign"}
    for name in LIBC:
        f = getattr(cm, name)
        for x in vals:
            for y in (vals if name in two else [None]):
                args = (x,) if y is None else (x, y)
                r = f(*args)   # must not raise
                assert isinstance(r, (float, bool)), (name, args, r)


def test_libc_math_rejects_strings(cy):
    with pytest.raises(TypeError):
        cy.cimports.libc.math.sqrt("4")


def test_parallel_prange(cy):
    assert list(cy.parallel.prange(3)) == [0, 1, 2]
    assert list(cy.parallel.prange(1, 7, 2)) == [1, 3, 5]


def test_typed_file_runs_unchanged_under_plain_python(tmp_path, shim_dir):
    src = tmp_path / "typed_mod.py"
    src.write_text(
        "import cython\n"
        "from cython.cimports.libc.math import sqrt\n\n\n"
        "@cython.cfunc\n@cython.exceptval(-1)\n"
        "def sq(x: cython.int) -> cython.int:\n    return x * x\n\n\n"
        "@cython.ccall\n@cython.boundscheck(False)\n@cython.wraparound(False)\n"
        "@cython.locals(i=cython.int, s=cython.double)\n"
        "def f(n: cython.int) -> cython.double:\n"
        "    s = 0.0\n"
        "    a = cython.declare(cython.double[:], None)\n"
        "    buf = cython.declare(cython.int[4])\n"
        "    for i in range(n):\n"
        "        s += sqrt(sq(i))\n"
        "    with cython.nogil:\n"
        "        pass\n"
        "    return s + len(buf)\n")
    p = run_python("import sys; sys.path.insert(0, %r)\nimport typed_mod\nprint(typed_mod.f(4))\n"
                   % str(tmp_path), path=[shim_dir])
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "10.0"


def test_inline_source_and_compile_run_without_cython(tmp_path, shim_dir):
    # Without Cython installed, cython.inline() of a string runs the code as
    # a function body (names from keywords, then the caller's locals and
    # globals) and cython.compile() leaves the function as it is.
    script = tmp_path / "inl.py"
    script.write_text(
        "import sys\n"
        "sys.modules['Cython'] = None  # as if Cython were not installed\n"
        "import cython\n"
        "G = 10\n"
        "def f(x):\n"
        "    return cython.inline('''\n        y = x * 2\n        return y + G + k\n''', k=1)\n"
        "print(f(3), cython.inline('return a + b', a=1, b=2))\n"
        "def g(n):\n    return n + 1\n"
        "print(cython.compile(g) is g, cython.compile(g)(4))\n"
    )
    p = run_python(script.read_text(), cwd=tmp_path, path=[shim_dir])
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["17", "3", "True", "5"]
