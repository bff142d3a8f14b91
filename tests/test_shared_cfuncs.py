"""Cfuncs shared between modules (issue 14), as Cython shares them: the
defining module's own `.pxd` declares `cdef double helper(double x)`, and
its build exports the cfunc (its C entry, in a capsule named by the C
pointer type, in the module's `__pyx_capi__`); another module's
`from cython.cimports.alib import helper` calls it through a C variable
its exec fills from there, with the exception clause checked after each
call. Differential against both files run as plain Python (the importer's
cimport written as `from alib import …`: under Cython's shadow module, as
under our shim, `cython.cimports.alib` is no Python module), located errors for a
declaration the definition contradicts, and the import-time errors of a
module built without its `.pxd` or against another signature."""

import subprocess
import sys
import sysconfig

import pytest

from conftest import assert_same_outcomes, growth, import_extension, import_source, run_compiler

EXT = sysconfig.get_config_var("EXT_SUFFIX")

PXD = """\
cdef double helper(double x)
cdef int checked(int n) except? -1
cdef int quiet(int n) noexcept nogil
"""

ALIB = '''\
import cython


@cython.cfunc
def helper(x: cython.double) -> cython.double:
    if x < 0:
        raise ValueError(f"negative: {x}")
    return x * 2.0 + 1.0


@cython.cfunc
@cython.exceptval(-1)
def checked(n: cython.int) -> cython.int:
    if n > 100:
        raise OverflowError("too big")
    return n + 1


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def quiet(n: cython.int) -> cython.int:
    return n * 3
'''

BUSER = '''\
import cython
from cython.cimports.alib import helper, checked, quiet


def use(x: cython.double) -> cython.double:
    return helper(x) + helper(1.0)


def count(n: cython.int) -> cython.int:
    t: cython.int = 0
    i: cython.int
    for i in range(n):
        t += checked(i)
    return t


def without_gil(n: cython.int) -> cython.int:
    r: cython.int
    with cython.nogil:
        r = quiet(n)
    return r


def caught(x: cython.double):
    try:
        return helper(x)
    except ValueError as e:
        return str(e)


def interpreted(x):
    return eval("helper(x) + checked(2)", globals(), {"x": x})
'''

CASES = [
    ("use", [(2.0,), (0.0,), (-1.0,), (float("inf"),), (float("nan"),)]),
    ("count", [(0,), (5,), (101,), (102,), (-3,)]),
    ("without_gil", [(0,), (7,), (-4,)]),
    ("caught", [(3.0,), (-2.5,)]),
    ("interpreted", [(1.5,), (-1.0,)]),
]


def build(d, name, strict=True):
    b = run_compiler(d / (name + ".py"), outdir=d, args=["--strict"] if strict else [])
    assert b.ok, b.describe()
    return b


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("shared")
    (d / "alib.pxd").write_text(PXD)
    (d / "alib.py").write_text(ALIB)
    (d / "buser.py").write_text(BUSER)
    build(d, "alib")
    b = build(d, "buser", strict=False)
    assert "`interpreted` left to Python" in b.stderr, b.stderr
    assert b.counts() == (4, 1), b.describe()
    plain = tmp_path_factory.mktemp("shared_plain")
    for f in ("alib.pxd", "alib.py"):
        (plain / f).write_text((d / f).read_text())
    (plain / "buser.py").write_text(BUSER.replace("from cython.cimports.alib import", "from alib import"))
    sys.path.insert(0, str(d))
    try:
        import_extension("alib", d / ("alib" + EXT))
        nat = import_extension("buser", d / ("buser" + EXT))
    finally:
        sys.path.remove(str(d))
    # The plain pair runs in a subprocess: its `alib` is another module of that name.
    return d, plain, nat


@pytest.mark.parametrize("name, argss", CASES, ids=[c[0] for c in CASES])
def test_matches_plain_python(pair, name, argss):
    d, plain, nat = pair
    sys.path.insert(0, str(plain))
    saved = {k: sys.modules.pop(k) for k in ("alib",) if k in sys.modules}
    try:
        py = import_source("buser_py", plain / "buser.py")
        assert_same_outcomes(py, nat, name, argss)
    finally:
        sys.path.remove(str(plain))
        sys.modules.pop("alib", None)
        sys.modules.update(saved)


def test_exports_a_capsule_per_declared_cfunc(pair):
    alib = sys.modules["alib"]
    assert sorted(alib.__pyx_capi__) == ["checked", "helper", "quiet"]
    assert '"double (double)"' in repr(alib.__pyx_capi__["helper"])


def test_traceback_names_both_modules(pair):
    _, _, nat = pair
    with pytest.raises(ValueError, match="negative: -1.0") as info:
        nat.use(-1.0)
    seen = [(t.path.name if hasattr(t, "path") else str(t.frame.code.path).rsplit("/", 1)[-1], t.name) for t in info.traceback]
    assert ("alib.py", "helper") in seen and ("buser.py", "use") in seen, seen


def test_no_leaks(pair):
    _, _, nat = pair

    def loop():
        nat.use(2.0)
        nat.caught(-1.0)
        try:
            nat.count(102)
        except OverflowError:
            pass

    assert growth(loop) < 50


def _fresh(tmp_path, pxd=PXD, alib=ALIB):
    (tmp_path / "alib.pxd").write_text(pxd)
    (tmp_path / "alib.py").write_text(alib)
    (tmp_path / "buser.py").write_text(BUSER)
    return tmp_path


def _import_error(d):
    code = "import sys; sys.path.insert(0, %r)\ntry:\n    import buser\nexcept Exception as e:\n    print(type(e).__name__, e)\n" % str(d)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.strip()


def test_a_definition_the_pxd_contradicts_is_a_located_error(tmp_path):
    d = _fresh(tmp_path, alib=ALIB.replace("def helper(x: cython.double)", "def helper(x: cython.float)"))
    b = run_compiler(d / "alib.py", outdir=d)
    assert not b.ok
    assert "alib.py:5" in b.stderr and "`helper` is declared `double helper(double) except? -1` in alib.pxd (line 1), but it is defined `double helper(float) except? -1`" in b.stderr, b.stderr


def test_a_declared_cfunc_left_to_python_is_an_error(tmp_path):
    d = _fresh(tmp_path, alib=ALIB.replace("    return x * 2.0 + 1.0", "    return x * 2.0 + 1.0 if [] else 0.0\n    yield 1"))
    b = run_compiler(d / "alib.py", outdir=d)
    assert not b.ok and "`helper` is declared" in b.stderr and "but it stays Python" in b.stderr, b.stderr


def test_a_cfunc_is_known_by_its_binding_not_the_attribute_name(tmp_path):
    # `@x.cfunc` of an object of the module's own is no cfunc: the declared
    # `def` is not shared (a warning), and it runs as written; `import
    # cython as c; @c.cfunc` is `@cython.cfunc`, exported.
    other = tmp_path / "other"
    other.mkdir()
    (other / "clib.pxd").write_text("cdef double helper(double x)\n")
    (other / "clib.py").write_text(
        "import cython\n\n\nclass Registry:\n    def cfunc(self, f):\n        return f\n\n\nx = Registry()\n\n\n"
        "@x.cfunc\ndef helper(v: cython.double) -> cython.double:\n    return v * 2.0\n")
    b = run_compiler(other / "clib.py", outdir=other)
    assert b.ok, b.describe()
    assert "clib.py:13" in b.stderr and "but it is not a `@cython.cfunc`: not shared with other modules" in b.stderr, b.stderr
    code = "import sys; sys.path.insert(0, %r)\nimport clib\nprint(hasattr(clib, '__pyx_capi__'), clib.helper(2.0))\n"
    out = subprocess.run([sys.executable, "-c", code % str(other)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False 4.0", out.stdout + out.stderr
    aliased = tmp_path / "aliased"
    aliased.mkdir()
    (aliased / "clib.pxd").write_text("cdef double helper(double x)\n")
    (aliased / "clib.py").write_text("import cython as c\n\n\n@c.cfunc\ndef helper(v: c.double) -> c.double:\n    return v * 2.0\n")
    b = run_compiler(aliased / "clib.py", outdir=aliased, args=["--strict"])
    assert b.ok and "not shared" not in b.stderr, b.describe()
    code = "import sys; sys.path.insert(0, %r)\nimport clib\nprint(sorted(clib.__pyx_capi__))\n"
    out = subprocess.run([sys.executable, "-c", code % str(aliased)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "['helper']", out.stdout + out.stderr


def test_a_module_built_without_its_pxd_is_an_import_error(tmp_path):
    d = _fresh(tmp_path)
    (d / "alib.pxd").rename(d / "alib.pxd.away")
    build(d, "alib")
    (d / "alib.pxd.away").rename(d / "alib.pxd")
    build(d, "buser", strict=False)
    assert _import_error(d) == "ImportError alib does not export expected C function helper (build it with its alib.pxd)"


def test_a_changed_signature_is_a_type_error_at_import(tmp_path):
    d = _fresh(tmp_path)
    build(d, "alib")
    (d / "alib.pxd").write_text(PXD.replace("cdef double helper(double x)", "cdef double helper(float x)"))
    (d / "buser.py").write_text(BUSER.replace("helper(1.0)", "helper(1.5)"))
    build(d, "buser", strict=False)
    assert _import_error(d) == "TypeError C function alib.helper has wrong signature (expected double (float)): rebuild the modules that cimport it"


def test_a_plain_def_declared_in_the_pxd_is_not_shared_with_a_warning(tmp_path):
    # Cython's augmenting `.pxd` would make `def cube(x)` the cfunc it
    # declares; pyc-aot compiles the `def` as written and says so.
    (tmp_path / "volume.pxd").write_text("cdef float cube(float x)\n")
    (tmp_path / "volume.py").write_text("def cube(x):\n    return x * x * x\n")
    b = run_compiler(tmp_path / "volume.py", outdir=tmp_path)
    assert b.ok, b.describe()
    assert "volume.py:1" in b.stderr and "`cube` is declared `float cube(float) except? -1` in volume.pxd (line 1), but it is not a `@cython.cfunc`: not shared with other modules" in b.stderr, b.stderr
