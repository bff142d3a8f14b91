"""pyc_aot.compile / compile_object / CompileError / the cython stand-in."""
import importlib.machinery
import pickle
import sys

import pytest

import pyc_aot
from conftest import REPO, SHIM, py

FIB = REPO / "examples" / "fib.py"

BAD = 'import cython\n\n\ndef f(x: cython.double) -> cython.double:\n    return x + "a"\n'
PARTIAL = (
    "import cython\n\n\ndef f(x: cython.double) -> cython.double:\n    return x * 2.0\n\n\n"
    "def g(xs): f'{(yield len(xs))}'\n"
)


def test_compile_returns_path_and_report(tmp_path):
    path, report = pyc_aot.compile(FIB, output_dir=tmp_path)
    assert path == tmp_path / ("fib" + importlib.machinery.EXTENSION_SUFFIXES[0])
    assert path.is_file() and report.path == path
    assert report.compiled == ["fib"] and report.native_functions == 1
    assert report.left_to_python == []
    assert report.elapsed_ms > 0
    assert report.summary().startswith(f"wrote {path} (1 function native, 0 left to Python) in ")
    out = py(f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import fib; print(fib.__file__, fib.fib(90))")
    file, value = out.stdout.split()
    assert file == str(path) and float(value) == 2.880067194370816e18


def test_report_lists_functions_left_to_python(tmp_path):
    src = tmp_path / "partial.py"
    src.write_text(PARTIAL)
    path, report = pyc_aot.compile(src, target="x86-64")
    assert path == tmp_path / ("partial" + pyc_aot.EXTENSION_SUFFIX)
    assert report.compiled == ["f"]
    [left] = report.left_to_python
    assert (left.function, left.line) == ("g", 8)
    assert "yield" in left.reason
    assert "function `g` left to Python" in report.warnings
    out = py(f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import partial; print(partial.f(2.5), list(partial.g([1, 2])))")
    assert out.stdout.split() == ["5.0", "[2]"]


def test_strict_makes_fallback_an_error(tmp_path):
    src = tmp_path / "partial.py"
    src.write_text(PARTIAL)
    with pytest.raises(pyc_aot.CompileError) as info:
        pyc_aot.compile(src, strict=True)
    err = info.value
    assert (err.file, err.line, err.column) == (str(src), 8, 16)
    assert "left to Python" in err.message
    assert not list(tmp_path.glob("*.so")), "a failed build leaves no file behind"


def test_compile_error_carries_location_and_rendered_message(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text(BAD)
    with pytest.raises(pyc_aot.CompileError) as info:
        pyc_aot.compile(src)
    err = info.value
    assert (err.file, err.line, err.column) == (str(src), 5, 12)
    assert err.message == "unsupported operand type(s) for +: 'float' and 'str'"
    assert err.locations == [pyc_aot.ErrorLocation(str(src), 5, 12, err.message)]
    assert "error: unsupported operand" in err.rendered and 'return x + "a"' in err.rendered
    assert str(err) == err.rendered.rstrip("\n")
    assert isinstance(err, Exception)
    again = pickle.loads(pickle.dumps(err))
    assert (again.file, again.line, again.column, again.rendered) == (err.file, err.line, err.column, err.rendered)
    assert not list(tmp_path.glob("*.so"))


def test_errors_without_a_location(tmp_path):
    with pytest.raises(pyc_aot.CompileError) as info:
        pyc_aot.compile(tmp_path / "missing.py")
    assert info.value.file is None and info.value.line is None
    assert "cannot read" in info.value.message
    with pytest.raises(pyc_aot.CompileError, match="unknown target `skylake-avx`; did you mean .*skylake-avx512"):
        pyc_aot.compile(FIB, target="skylake-avx", output_dir=tmp_path)
    bad_name = tmp_path / "not-a-module.py"
    bad_name.write_text("x = 1\n")
    with pytest.raises(pyc_aot.CompileError, match="must be a Python identifier"):
        pyc_aot.compile(bad_name)


def test_emit_listings():
    for emit, needle in [("hir", "fn fib"), ("mir", "def wrapper of fib"), ("clif", "function"), ("asm", "ret")]:
        path, report = pyc_aot.compile(FIB, emit=emit)
        assert path is None
        assert needle in report.listing, emit
    with pytest.raises(ValueError, match="emit must be one of"):
        pyc_aot.compile(FIB, emit="llvm")


def test_compile_object_gives_an_unlinked_pic_object():
    res = pyc_aot.compile_object(FIB, target="x86-64")
    assert res.object[:4] == b"\x7fELF"
    assert res.object[16:18] == b"\x01\x00", "ET_REL: a relocatable object"
    assert b"PyInit_fib" in res.object
    assert (res.module, res.ext_suffix, res.libraries) == ("fib", pyc_aot.EXTENSION_SUFFIX, ["m"])
    assert res.report.compiled == ["fib"] and res.report.path is None


def test_targets_and_native_id():
    names = [name for name, _ in pyc_aot.targets()]
    assert names[:2] == ["native", "x86-64"] and "skylake-avx512" in names
    features = dict(pyc_aot.targets())
    assert "has_avx2" in features["x86-64-v3"] and features["x86-64"] == []


def test_compiles_for_another_interpreter_by_name(tmp_path):
    # python= names the interpreter to build for; its facts come from running it.
    path, _ = pyc_aot.compile(FIB, output_dir=tmp_path, python=sys.executable)
    assert path.name == "fib" + pyc_aot.EXTENSION_SUFFIX
    with pytest.raises(pyc_aot.CompileError, match="cannot run the Python interpreter"):
        pyc_aot.compile(FIB, output_dir=tmp_path, python="/nonexistent/python9")


def test_compile_releases_the_gil(tmp_path):
    # Four builds on four threads: all succeed (each runs on its own compiler thread).
    from concurrent.futures import ThreadPoolExecutor

    names = ["fib", "primes", "mandelbrot", "pi"]
    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(lambda n: pyc_aot.compile(REPO / "examples" / f"{n}.py", output_dir=tmp_path / n), names))
    assert [p.name.split(".")[0] for p, _ in results] == names


def test_cython_stand_in_is_the_compilers_shim():
    """pyc_aot/cython.py is compiler/src/shim/cython_shim.py (a symlink in the
    source tree, a copy in the wheel): the stand-in and what compiled modules
    embed never differ."""
    import pyc_aot.cython as shim

    in_tree = REPO / "runtime" / "python" / "pyc_aot" / "cython.py"
    assert in_tree.read_bytes() == SHIM.read_bytes(), \
        "restore the link: ln -sf ../../../compiler/src/shim/cython_shim.py runtime/python/pyc_aot/cython.py"
    with open(shim.__file__, "rb") as f:
        assert f.read() == SHIM.read_bytes(), "the installed package is stale: pip install ./runtime"


def test_cython_stand_in_names():
    from pyc_aot import cython

    assert cython.compiled is False
    for name in ["int", "long", "longlong", "short", "char", "uint", "ulong", "Py_ssize_t", "size_t", "float",
                 "double", "bint", "cfunc", "ccall", "locals", "returns", "inline", "boundscheck", "wraparound",
                 "cdivision", "exceptval", "declare", "overflowcheck", "cimports"]:
        assert hasattr(cython, name), name
    assert cython.int(3.7) == 3
    assert cython.declare(cython.double, 1.5) == 1.5

    @cython.cfunc
    @cython.locals(n=cython.int)
    def twice(n):
        return 2 * n

    assert twice(4) == 8


def test_target_lists_build_fat_modules(tmp_path):
    path, _ = pyc_aot.compile(FIB, target="x86-64,x86-64-v3", output_dir=tmp_path)
    out = py(f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import fib; print(fib.fib(90))")
    assert float(out.stdout) == 2.880067194370816e18
    ids = pyc_aot._native.target_id("x86-64,x86-64-v3").split(";")
    assert [i.split(":")[0] for i in ids] == ["x86-64", "x86-64-v3"] and "has_avx2" in ids[1]
