"""pyc_aot.install(): compile on first import, load from the cache after."""
import json
import os
import subprocess
import sys
import time

import pytest

import pyc_aot
from conftest import EXAMPLES, py, run
from test_api import BAD

SUFFIX = pyc_aot.EXTENSION_SUFFIX

SQUARE = "import cython\n\n\ndef f(x: cython.int) -> cython.int:\n    return x * x\n"
TRIPLE = "import cython\n\n\ndef f(x: cython.int) -> cython.int:\n    return 3 * x\n"
UNTYPED = "def f(x):\n    return x + 1\n"


def importing(directory, module, call="f(7)", install="", env=None, check=True):
    """Import `module` from `directory` in a new interpreter with the hook on;
    returns what happened as a dict."""
    code = f"""
import json, sys, warnings
sys.path.insert(0, {str(directory)!r})
import pyc_aot
hook = pyc_aot.install({install})
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import {module} as m
print(json.dumps({{
    "file": m.__file__, "compiled": hook.compiled, "cached": hook.cached, "fallbacks": hook.fallbacks,
    "warnings": [str(w.message) for w in caught], "categories": [w.category.__name__ for w in caught],
    "result": repr(m.{call}),
    "reports": {{name: r.compiled for name, r in hook.reports.items()}},
}}))
"""
    p = py(code, env=env, check=check)
    return json.loads(p.stdout) if p.returncode == 0 else p


def cache_files(directory, stem):
    return sorted((directory / "__pycache__").glob(f"{stem}.pyc-aot-*{SUFFIX}"))


def test_first_import_compiles_second_loads_from_cache_edit_recompiles(tmp_path):
    (tmp_path / "sq.py").write_text(SQUARE)
    first = importing(tmp_path, "sq")
    assert first["file"].endswith(SUFFIX) and "__pycache__" in first["file"]
    assert first["compiled"] == ["sq"] and first["cached"] == [] and first["warnings"] == []
    assert first["result"] == "49" and first["reports"] == {"sq": ["f"]}
    [entry] = cache_files(tmp_path, "sq")
    assert str(entry) == first["file"]
    stamp = entry.stat().st_mtime_ns

    second = importing(tmp_path, "sq")
    assert second["compiled"] == [] and second["cached"] == ["sq"]
    assert second["file"] == first["file"] and entry.stat().st_mtime_ns == stamp
    assert second["result"] == "49"

    (tmp_path / "sq.py").write_text(TRIPLE)
    third = importing(tmp_path, "sq")
    assert third["compiled"] == ["sq"] and third["result"] == "21"
    assert third["file"] != first["file"]
    assert cache_files(tmp_path, "sq") == [tmp_path / "__pycache__" / os.path.basename(third["file"])], \
        "the stale entry is removed"


def test_opt_in_by_name_path_and_typed_source(tmp_path):
    (tmp_path / "typed_mod.py").write_text(SQUARE)
    (tmp_path / "plain_mod.py").write_text(UNTYPED)
    # Default: only modules whose source imports cython / pyc_aot.
    assert importing(tmp_path, "plain_mod")["file"].endswith(".py")
    assert importing(tmp_path, "typed_mod")["file"].endswith(SUFFIX)
    # By name: only the named modules (patterns allowed).
    (tmp_path / "other_typed.py").write_text(SQUARE.replace("import cython", "from pyc_aot import cython"))
    assert importing(tmp_path, "other_typed", install="modules=['plain_*']")["file"].endswith(".py")
    r = importing(tmp_path, "plain_mod", install="modules=['plain_*']")
    assert r["file"].endswith(SUFFIX) and r["result"] == "8"
    # By path pattern or directory.
    sub = tmp_path / "kernels"
    sub.mkdir()
    (sub / "untyped_kernel.py").write_text(UNTYPED)
    assert importing(sub, "untyped_kernel", install="paths=['*/kernels/*.py']")["file"].endswith(SUFFIX)
    (sub / "untyped_two.py").write_text(UNTYPED)
    assert importing(sub, "untyped_two", install=f"paths=[{str(sub)!r}]")["file"].endswith(SUFFIX)
    (tmp_path / "untyped_three.py").write_text(UNTYPED)
    assert importing(tmp_path, "untyped_three", install=f"paths=[{str(sub)!r}]")["file"].endswith(".py")


def test_packages_submodules_and_pyc_aot_spelling(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pyc_aot import cython\nVALUE = 1\n")
    (pkg / "mod.py").write_text(SQUARE.replace("import cython", "from pyc_aot import cython"))
    r = importing(tmp_path, "pkg.mod")
    assert r["file"].endswith(SUFFIX) and r["compiled"] == ["pkg.mod"] and r["result"] == "49"
    p = py(f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import pyc_aot; pyc_aot.install(); import pkg, pkg.mod;"
           "print(pkg.__file__, pkg.mod.__name__, pkg.mod.f.__module__)")
    init, name, fmodule = p.stdout.split()
    assert init.endswith("__init__.py") and name == fmodule == "pkg.mod"


def test_type_error_falls_back_with_one_warning_and_strict_raises(tmp_path):
    (tmp_path / "broken.py").write_text(BAD)
    r = importing(tmp_path, "broken", call="f.__name__")
    assert r["file"] == str(tmp_path / "broken.py"), "imported as plain Python"
    assert r["fallbacks"] == ["broken"] and r["compiled"] == []
    assert r["result"] == repr("f")  # ran as Python: `import cython` got the stand-in
    assert r["categories"] == ["CompileWarning"]
    [message] = r["warnings"]
    assert "could not compile module 'broken'" in message
    assert "5:12" in message and "unsupported operand type(s) for +" in message
    assert not cache_files(tmp_path, "broken")

    p = importing(tmp_path, "broken", install="strict=True", check=False)
    assert p.returncode != 0
    assert "pyc_aot._errors.CompileError" in p.stderr and "unsupported operand type(s) for +" in p.stderr
    code = f"""
import sys; sys.path.insert(0, {str(tmp_path)!r})
import pyc_aot
pyc_aot.install(strict=True)
try:
    import broken
except pyc_aot.CompileError as e:
    print(e.file, e.line, e.column)
"""
    assert py(code).stdout.split() == [str(tmp_path / "broken.py"), "5", "12"]


def test_two_processes_importing_a_new_module_at_once(tmp_path):
    for round_ in range(3):
        name = f"race{round_}"
        (tmp_path / f"{name}.py").write_text(SQUARE)
        start = time.time() + 0.5
        code = f"""
import json, sys, time
sys.path.insert(0, {str(tmp_path)!r})
import pyc_aot
hook = pyc_aot.install()
time.sleep(max(0.0, {start} - time.time()))
import {name} as m
assert m.__file__.endswith({SUFFIX!r}) and m.f(9) == 81
print(json.dumps(hook.compiled + hook.cached))
"""
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (out, err) in zip(procs, outs):
            assert p.returncode == 0, err
            assert json.loads(out) == [name]
        assert len(cache_files(tmp_path, name)) == 1
        assert not [f for f in (tmp_path / "__pycache__").iterdir() if f.name.startswith(".")], "no scratch left"


def test_uninstall_and_cache_dir_and_unwritable_pycache(tmp_path):
    (tmp_path / "a_mod.py").write_text(SQUARE)
    (tmp_path / "b_mod.py").write_text(SQUARE.replace("import cython", "from pyc_aot import cython"))
    code = f"""
import sys; sys.path.insert(0, {str(tmp_path)!r})
import pyc_aot
hook = pyc_aot.install()
import a_mod
assert pyc_aot.uninstall() is True and pyc_aot.uninstall() is False
assert hook not in sys.meta_path
import b_mod
print(a_mod.__file__, b_mod.__file__)
"""
    a, b = py(code).stdout.split()
    assert a.endswith(SUFFIX) and b.endswith("b_mod.py")

    cache = tmp_path / "cache"
    r = importing(tmp_path, "b_mod", install=f"cache_dir={str(cache)!r}")
    assert r["file"].startswith(str(cache)) and r["compiled"] == ["b_mod"]
    assert importing(tmp_path, "b_mod", install=f"cache_dir={str(cache)!r}")["cached"] == ["b_mod"]

    # __pycache__ that cannot be a directory: the user cache dir is used instead.
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "__pycache__").write_text("not a directory")
    (ro / "c_mod.py").write_text(SQUARE)
    xdg = tmp_path / "xdg"
    r = importing(ro, "c_mod", env={"XDG_CACHE_HOME": str(xdg)})
    assert r["file"].startswith(str(xdg / "pyc-aot" / "imports")) and r["result"] == "49"

    # Told not to write bytecode: the source tree is left alone, the user cache is used.
    (tmp_path / "d_mod.py").write_text(SQUARE)
    r = importing(tmp_path, "d_mod", env={"XDG_CACHE_HOME": str(xdg), "PYTHONDONTWRITEBYTECODE": "1"})
    assert r["file"].startswith(str(xdg / "pyc-aot" / "imports")) and r["compiled"] == ["d_mod"]
    assert not cache_files(tmp_path, "d_mod")
    r = importing(tmp_path, "d_mod", env={"XDG_CACHE_HOME": str(xdg), "PYTHONDONTWRITEBYTECODE": "1"})
    assert r["cached"] == ["d_mod"]


def test_target_is_part_of_the_key_and_bad_targets_fail_early(tmp_path):
    (tmp_path / "t_mod.py").write_text(SQUARE)
    native = importing(tmp_path, "t_mod")
    base = importing(tmp_path, "t_mod", install="target='x86-64'")
    assert base["compiled"] == ["t_mod"] and base["file"] != native["file"]
    p = py("import pyc_aot; pyc_aot.install(target='nope')", check=False)
    assert p.returncode != 0 and "unknown target `nope`" in p.stderr


def test_import_hook_example(tmp_path):
    for f in ["import_hook.py", "fib.py", "primes.py", "mandelbrot.py"]:
        (tmp_path / f).write_bytes((EXAMPLES / f).read_bytes())
    first = run([sys.executable, tmp_path / "import_hook.py"]).stdout
    assert "compiled ['fib', 'mandelbrot', 'primes'], from cache nothing" in first
    assert first.count(" extension ") == 3
    assert "fib(90) = 2.880067194370816e+18" in first and "primes below 100000: 9592" in first
    assert "mandelbrot(200, 200, 100) = 842053" in first
    second = run([sys.executable, tmp_path / "import_hook.py"]).stdout
    assert "compiled nothing, from cache ['fib', 'mandelbrot', 'primes']" in second


def test_typed_source_detection():
    from pyc_aot.importer import imports_typing_vocabulary as typed

    for src in [b"import cython\n", b"x = 1\nimport cython as c\n", b"from cython.cimports.libc.math import sqrt\n",
                b"from pyc_aot import cython\n", b"if True:\n    import cython\n", b"import pyc_aot\n",
                b"import cython, math\n", b"from cython import int as cint\r\n"]:
        assert typed(src), src
    for src in [b"import cythonize\n", b"# import cython\n", b"x = 'import cython'\n", b"import cython_utils\n",
                b"from pyc_aot_extra import x\n", b"import math\n"]:
        assert not typed(src), src


PARTLY = "import cython\n\n\ndef f(x: cython.int) -> cython.int:\n    return x * x\n\n\ndef g(x):\n    f'{(yield x)}'\n"


@pytest.mark.parametrize("how", ["env", "install"])
def test_verbose_says_what_was_compiled_and_what_stayed_python(tmp_path, how):
    (tmp_path / "partly.py").write_text(PARTLY)
    (tmp_path / "broken.py").write_text(BAD)
    env, install = ({"PYC_AOT_VERBOSE": "1"}, "") if how == "env" else ({}, "verbose=True")
    code = (f"import sys, warnings; sys.path.insert(0, {str(tmp_path)!r}); warnings.simplefilter('ignore')\n"
            f"import pyc_aot; pyc_aot.install({install})\nimport partly, broken\nprint(partly.f(3))")
    p = py(code, env=env)
    assert p.stdout == "9\n"
    lines = p.stderr.splitlines()
    assert any(l.startswith(f"pyc-aot: partly: compiled {tmp_path / 'partly.py'} in ")
               and l.endswith(": 1 function native (f), 1 left to Python") for l in lines), p.stderr
    assert "pyc-aot: partly: `g` (line 9) stays Python: it uses `yield` inside an f-string (its earlier fields are formatted before the `yield` runs)" in lines, p.stderr
    [failed] = [l for l in lines if l.startswith("pyc-aot: broken: stays Python: it did not compile: ")]
    assert "broken.py:5:12: " in failed and "unsupported operand type(s) for +" in failed

    again = py(code, env=env)
    assert f"pyc-aot: partly: loaded from the cache (" in again.stderr
    # Quiet by default, and with PYC_AOT_VERBOSE=0.
    assert "pyc-aot:" not in py(code.replace(install, ""), env={"PYC_AOT_VERBOSE": "0"}).stderr
