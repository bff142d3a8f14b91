"""The shim against Cython 3's own pure-Python-mode shadow module
(``Cython.Shadow``): the same public names, and the same behaviour for what
interpreted code does with them (issue 9, item 4).

Cython comes from PyPI: the installed one if importable, else one installed
once with pip into the user's cache directory.  Without it (offline) the
test is skipped with a message saying why."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHIM

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pyc-aot" / "cython-shadow"


def cython_path():
    """A sys.path entry holding Cython (None: this interpreter has it)."""
    probe = "import Cython.Shadow"
    if subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0:
        return None
    if not (CACHE / "Cython" / "Shadow.py").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                            "--target", str(CACHE), "cython>=3"], capture_output=True, text=True)
        if p.returncode != 0:
            pytest.skip("Cython is not installed and pip could not install it "
                        "(offline?): %s" % p.stderr.strip()[-300:])
    return CACHE


# Evaluated with `c` bound to each module; `f` is a plain function.
BEHAVIOURS = [
    "c.compiled",
    "c.int(3.7)", "c.double(2)", "c.bint(5)", "c.Py_ssize_t(7.9)", "c.longlong(-2.5)",
    "c.cast(c.int, 3.9)", "c.cast(c.double, 1)", "c.cast(int, '5')",
    "c.typeof(1)", "c.typeof(ArithmeticError())", "c.typeof([])", "c.typeof(c.int(3))",
    "c.cdiv(-7, 2)", "c.cdiv(7, -2)", "c.cmod(-7, 2)", "c.cmod(7, -2)",
    "c.cdiv(-7.5, 2.0)", "c.cmod(-7.5, 2.0)", "c.cdiv(1, 0)", "c.cmod(1.0, 0.0)",
    "c.p_int([1, 2])[1]", "c.p_double([1])[0]", "c.p_int() == None", "c.p_int(0) == None",
    "c.p_int([1]) == None", "c.p_int([1])[-1]", "c.NULL == None", "c.address(5)[0]",
    "c.pointer(c.int)([3.5])[0]", "c.pointer[c.int]([2])[0]", "c.pp_const_char() == None",
    "c.declare(c.int, 5)", "c.declare(c.double, 2)",
    "c.struct(x=c.int, y=c.double)(x=1, y=2).y", "c.union(a=c.int, b=c.double)(b=3).b",
    "c.union(a=c.int, b=c.double)(a=1, b=2)",
    "c.fused_type(c.py_int, c.py_float) is c.py_float", "c.fused_type()",
    "repr(c.int)", "repr(c.double[:])", "repr(c.int[:, ::1])", "repr(c.float[::1, :])",
    "repr(c.typedef(c.int, 'myint'))", "c.typedef(c.int, 'myint')(3.5)",
    "repr(c.const[c.int])", "repr(c.const_char)", "repr(c.const(c.double))",
    "repr(c.py_int)", "repr(c.longlong)", "repr(c.ulong)",
    "c.int[:, :, :].ndim", "c.double[::1].is_c_contig", "c.int[:1]",
    "c.cfunc(f) is f", "c.ccall(f) is f", "c.cclass(f) is f", "c.inline(f) is f",
    "c.locals(x=c.int)(f) is f", "c.returns(c.int)(f) is f", "c.exceptval(-1)(f) is f",
    "c.exceptval(-1, check=False)(f) is f", "c.boundscheck(False)(f) is f",
    "c.nogil(f) is f", "c.nogil(True)(f) is f", "c.with_gil(f) is f", "c.final(f) is f",
    "c.test_assert_path_exists('//A')(f) is f", "c.test_fail_if_path_exists('//A')(f) is f",
    "c.optimize.use_switch(False)(f) is f", "c.warn.undeclared(True)(f) is f",
    "c.overflowcheck.fold(False)(f) is f", "c.overflowcheck(True)(f) is f",
    "c.embedsignature.format('c')(f) is f", "c.binding(True)(f) is f",
    "c.critical_section(f)(2)", "c.likely(3)", "c.unlikely(0)", "c.ufunc(f) is f",
    "c.dataclasses.dataclass is __import__('dataclasses').dataclass",
    "c.dataclasses.field is __import__('dataclasses').field",
    "list(c.parallel.prange(5)) if hasattr(c, 'parallel') else list(sys.modules['cython.parallel'].prange(5))",
    "list(sys.modules['cython.parallel'].prange(1, 7, 2))",
    "sys.modules['cython.parallel'].threadid()",
    "sys.modules['cython.cimports.libc.math'].sqrt(4.0)",
    "c.Optional[int] == __import__('typing').Optional[int]",
    "c.TYPE_CHECKING", "c.annotations is __import__('__future__').annotations",
    "c.int_types", "c.float_types", "c.complex_types", "c.other_types", "c.to_repr('longlong')",
    "c.type_ordering == [c.py_int, c.py_long, c.py_float, c.py_complex]",
    "[x for x in [1] if (lambda m: (m.__enter__(), m.__exit__(None, None, None)))(c.nogil)]",
    "(lambda l: (l.acquire(), l.locked(), l.release(), l.locked()))(c.pymutex())",
    "c.floating[:].ndim", "c.numeric is not c.integral",
]

# Where the shim deliberately differs from the shadow module, and why.
ALLOWED = {
    # The C size, as compiled code has it: the shadow module says 1 for all.
    "c.sizeof(c.int)": (1, 4),
    # libc.math keeps C semantics (a double, nan instead of ValueError), as
    # the compiled code has them; the shadow module hands out Python's math.
    "sys.modules['cython.cimports'].libc.math.floor(2.5)": (2, 2.0),
    "sys.modules['cython.cimports.libc.math'].sqrt(-1.0) == 0 or 'nan'": ("raise ValueError", "'nan'"),
    # declare(T) without a value: the shadow module gives None, the shim
    # the type's zero, so that `x = declare(int); x += 1` runs interpreted.
    "c.declare(c.int)": (None, 0),
}

SCRIPT = r'''
import json, sys, importlib.util
which = sys.argv[1]
if which == "shadow":
    import Cython.Shadow as c
else:
    spec = importlib.util.spec_from_file_location("cython", sys.argv[2])
    c = importlib.util.module_from_spec(spec)
    sys.modules["cython"] = c
    spec.loader.exec_module(c)
def f(x=1):
    return x
out = {"names": sorted(n for n in dir(c) if not n.startswith("_"))}
for e in json.loads(sys.argv[3]):
    try:
        out[e] = repr(eval(e))
    except Exception as ex:
        out[e] = "raise " + type(ex).__name__
print(json.dumps(out))
'''


def run(which, path):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    exprs = BEHAVIOURS + list(ALLOWED)
    p = subprocess.run([sys.executable, "-c", SCRIPT, which, str(SHIM), json.dumps(exprs)],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.fixture(scope="module")
def both():
    path = cython_path()
    return run("shadow", path), run("shim", None)


def test_shim_has_every_public_name_of_the_shadow_module(both):
    shadow, shim = both
    missing = sorted(set(shadow["names"]) - set(shim["names"]))
    assert not missing, "the shim lacks: %s" % ", ".join(missing)


def test_shim_behaves_like_the_shadow_module(both):
    shadow, shim = both
    bad = ["  %s: shadow %s, shim %s" % (e, shadow[e], shim[e])
           for e in BEHAVIOURS if shadow[e] != shim[e]]
    assert not bad, "%d of %d differ:\n%s" % (len(bad), len(BEHAVIOURS), "\n".join(bad))


def test_documented_differences(both):
    shadow, shim = both
    for e, (want_shadow, want_shim) in ALLOWED.items():
        show = lambda v: v if isinstance(v, str) and v.startswith(("raise ", "'")) else repr(v)
        assert (shadow[e], shim[e]) == (show(want_shadow), show(want_shim)), e
