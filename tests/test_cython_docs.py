"""Cython's own pure-Python-mode documentation examples, compiled.

Every ``docs/examples/**.py`` of Cython's source distribution that runs as
plain Python must build with pyc-aot and behave the same compiled (issue 9).

Where they come from: the Cython sdist from PyPI (``pip download
--no-binary :all:``), cached under the user's cache directory; nothing of it
is copied into this repository.  Without network the tests are skipped with
a message saying so.

The selection rule: an example is selected when importing it under CPython,
with the shim as ``cython`` and its own directory on ``sys.path``, succeeds.
Examples that fail that way are not pure-Python-mode files (they use
``cython`` without importing it, cimport C libraries or ``.pxd`` modules the
shadow module cannot provide either, are ``setup.py`` scripts, …).

What is compared: the module's output while importing, its module-level
values (numbers, strings and containers of them) and the results (or
exceptions) of its top-level functions that take no parameters.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import SHIM, run_compiler

CYTHON_VERSION = "3.3.1"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pyc-aot" / "cython-docs"


def examples_root():
    root = CACHE / ("cython-%s" % CYTHON_VERSION) / "docs" / "examples"
    if root.is_dir():
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / ("cython-%s.tar.gz" % CYTHON_VERSION)
    if not sdist.exists():
        p = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:",
                            "--no-deps", "-d", str(CACHE), "cython==%s" % CYTHON_VERSION],
                           capture_output=True, text=True)
        if p.returncode != 0 or not sdist.exists():
            return None
    prefix = "cython-%s/docs/examples/" % CYTHON_VERSION
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()]
        tar.extractall(CACHE, members=members)
    return root


ROOT = examples_root()
ALL = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")) if ROOT else []

# Imports the example named argv[2] from directory argv[1] (plain, or the
# compiled module found first on sys.path) and prints what it observed as JSON.
OBSERVE = r'''
import contextlib, importlib, io, json, sys, types
sys.path[:0] = sys.argv[1].split("|")
name = sys.argv[2]


def plain(v, depth=0):
    if v is None or isinstance(v, (bool, int, float, str, bytes)):
        return True
    if isinstance(v, (list, tuple)) and depth < 2 and len(v) < 100:
        return all(plain(x, depth + 1) for x in v)
    return False


def outcome(f):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            r = f()
        return [out.getvalue(), repr(r) if plain(r) else type(r).__name__]
    except Exception as e:
        return [out.getvalue(), "raise %s: %s" % (type(e).__name__, e)]


seen = {}
seen["import"] = outcome(lambda: importlib.import_module(name))
m = sys.modules.get(name)
if m is not None:
    for k in sorted(vars(m)):
        v = getattr(m, k)
        if k.startswith("_") or isinstance(v, types.ModuleType):
            continue
        if plain(v):
            seen["value " + k] = repr(v)
        elif callable(v) and not isinstance(v, type):
            try:
                import inspect
                params = inspect.signature(v).parameters
            except (TypeError, ValueError):
                continue
            if not params:
                seen["call %s()" % k] = outcome(v)
print(json.dumps(seen))
'''


def observe(path, name, env_extra=None):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    p = subprocess.run([sys.executable, "-c", OBSERVE, "|".join(map(str, path)), name],
                       capture_output=True, text=True, env=env, cwd=path[0], timeout=1800)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def shim_path(tmp_path_factory):
    d = tmp_path_factory.mktemp("docshim")
    shutil.copy(SHIM, d / "cython.py")
    return d


def runs_as_plain_python(src, shim_path):
    code = "import sys; sys.path[:0] = [%r, %r]; import %s" % (str(src.parent), str(shim_path), src.stem)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=str(src.parent), env=env, timeout=1800)
    return p.returncode == 0


def test_examples_are_available():
    if ROOT is None:
        pytest.skip("the Cython %s sdist could not be downloaded from PyPI (offline?)" % CYTHON_VERSION)
    assert len(ALL) > 100, ALL


@pytest.mark.parametrize("example", ALL or ["(no examples: PyPI unreachable)"])
def test_cython_doc_example(example, shim_path, tmp_path):
    if ROOT is None:
        pytest.skip("the Cython %s sdist could not be downloaded from PyPI (offline?)" % CYTHON_VERSION)
    src = ROOT / example
    if not src.stem.isidentifier():
        pytest.skip("not importable as a module")
    if not runs_as_plain_python(src, shim_path):
        pytest.skip("does not run as plain Python (selection rule)")
    # A private copy of the example's directory: examples import siblings.
    work = tmp_path / "src"
    shutil.copytree(src.parent, work)
    b = run_compiler(work / src.name, tmp_path / "out")
    assert b.ok, b.describe()
    native, left = b.counts()
    print("%s: %d native, %d left to Python%s" % (example, native, left,
                                                  " (fully native)" if native and not left else ""))
    expected = observe([work, shim_path], src.stem)
    got = observe([tmp_path / "out", work, shim_path], src.stem)
    assert got.get("import") is not None
    bad = ["  %s: CPython %r, compiled %r" % (k, expected.get(k), got.get(k))
           for k in sorted(set(expected) | set(got)) if expected.get(k) != got.get(k)]
    assert not bad, "compiled module differs:\n" + "\n".join(bad)


def test_selection_keeps_the_pure_mode_examples(shim_path):
    # Guards the selection rule: a shim that broke plain runs would
    # otherwise turn every example into a skip.
    if ROOT is None:
        pytest.skip("the Cython %s sdist could not be downloaded from PyPI (offline?)" % CYTHON_VERSION)
    for example in ["tutorial/pure/exceptval_syntax.py", "tutorial/pure/py_cimport.py",
                    "tutorial/profiling_tutorial/calc_pi_2.py", "userguide/numpy_tutorial/compute_typed.py",
                    "userguide/numpy_tutorial/compute_memview.py", "userguide/memoryviews/copy.py"]:
        assert runs_as_plain_python(ROOT / example, shim_path), example
