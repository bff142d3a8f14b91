"""The caches: damaged entries are rebuilt, entries others could have
written are never loaded, and reload gives the new code."""
import os
import sys

import pyc_aot
from conftest import py, run

SUFFIX = pyc_aot.EXTENSION_SUFFIX
SQUARE = "import cython\n\n\ndef f(x: cython.int) -> cython.int:\n    return x * x\n"


def test_a_truncated_marshal_cache_entry_is_re_created(tmp_path):
    """The shim's code, compiled by the interpreter and cached in the user
    cache, is embedded in every module: a damaged entry must not be."""
    (tmp_path / "sq.py").write_text(SQUARE)
    xdg = tmp_path / "xdg"
    env = {"XDG_CACHE_HOME": str(xdg)}
    build = [sys.executable, "-m", "pyc_aot", "build", tmp_path / "sq.py", "-o", tmp_path]
    run(build, env=env)
    [entry] = (xdg / "pyc-aot").glob("code-*.marshal.z")
    whole = entry.read_bytes()
    for damaged in [whole[: len(whole) // 2], b"", b"garbage"]:
        entry.write_bytes(damaged)
        run(build, env=env)
        p = py(f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import sq; print(sq.f(7), sq.__file__)")
        out, file = p.stdout.split()
        assert out == "49" and file.endswith(SUFFIX)
        assert entry.read_bytes() == whole, "the entry is re-created"


# -- the import cache ---------------------------------------------------------

import json
import shutil
import stat
import subprocess
import tempfile

import pytest

from test_import_hook import cache_files, importing

EVIL = """import cython
open({marker!r}, "w").write("planted code ran")


def f(x: cython.int) -> cython.int:
    return -1
"""
NOBODY = 65534
as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="needs root, to act as a second user")


def entry_path(origin, cache_dir=None, env=None):
    """Where the hook of a new interpreter looks first for `origin`'s module."""
    code = f"""
from pyc_aot.importer import AotFinder
import os
finder = AotFinder(cache_dir={None if cache_dir is None else str(cache_dir)!r})
origin = {str(origin)!r}
key = finder.key(origin, open(origin, "rb").read())
stem = os.path.splitext(os.path.basename(origin))[0]
print(os.path.join(finder._cache_dirs(origin)[0], f"{{stem}}.pyc-aot-{{key}}{SUFFIX}"))
"""
    return py(code, env=env).stdout.strip()


def planted_module(directory, marker):
    """A sealed module, as the hook writes them, whose import writes `marker`."""
    src = directory / "evil_src" / "sq.py"
    src.parent.mkdir()
    src.write_text(EVIL.format(marker=str(marker)))
    built, _ = pyc_aot.compile(src, output_dir=src.parent)
    from pyc_aot.importer import _seal

    _seal(str(built))
    os.chmod(built, 0o644)
    return built


@pytest.mark.parametrize("damage", ["half", "empty", "garbage", "flipped"])
def test_a_damaged_entry_is_compiled_again(tmp_path, damage):
    (tmp_path / "sq.py").write_text(SQUARE)
    assert importing(tmp_path, "sq")["compiled"] == ["sq"]
    [entry] = cache_files(tmp_path, "sq")
    whole = entry.read_bytes()
    entry.write_bytes({"half": whole[: len(whole) // 2], "empty": b"", "garbage": b"\x7fELF garbage" * 100,
                       "flipped": whole[:100] + bytes([whole[100] ^ 1]) + whole[101:]}[damage])
    # In a new interpreter: loading a truncated module would die of SIGBUS.
    r = importing(tmp_path, "sq")
    assert r["compiled"] == ["sq"] and r["result"] == "49" and r["warnings"] == []
    assert cache_files(tmp_path, "sq") == [entry] and entry.read_bytes() == whole
    assert importing(tmp_path, "sq")["cached"] == ["sq"]


def test_a_pycache_others_can_write_is_refused(tmp_path):
    """Mode bits alone (no second user needed): a world-writable __pycache__
    holding a well-formed entry under the expected name."""
    (tmp_path / "sq.py").write_text(SQUARE)
    marker = tmp_path / "marker"
    evil = planted_module(tmp_path, marker)
    xdg = tmp_path / "xdg"
    env = {"XDG_CACHE_HOME": str(xdg)}
    entry = entry_path(tmp_path / "sq.py", env=env)
    pycache = tmp_path / "__pycache__"
    assert os.path.dirname(entry) == str(pycache)
    pycache.mkdir()
    shutil.copy(evil, entry)
    pycache.chmod(0o777)
    r = importing(tmp_path, "sq", env=env)
    assert not marker.exists(), "the planted module was loaded"
    assert r["result"] == "49" and r["compiled"] == ["sq"]
    assert r["file"].startswith(str(xdg / "pyc-aot" / "imports"))
    assert r["categories"] == ["CacheWarning"]
    assert str(pycache) in r["warnings"][0] and "writable by others (mode 777)" in r["warnings"][0]
    # The user cache is private, every level the hook created.
    for d in [xdg / "pyc-aot", xdg / "pyc-aot" / "imports", os.path.dirname(r["file"])]:
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, d
    # A group-writable __pycache__ with no entry for the module (umask 002):
    # skipped for the user cache without a warning.
    (tmp_path / "cube.py").write_text(SQUARE.replace("x * x", "x * x * x"))
    pycache.chmod(0o775)
    r = importing(tmp_path, "cube", env=env)
    assert r["result"] == "343" and r["warnings"] == [] and r["file"].startswith(str(xdg))
    # A group-writable entry in a private directory is not loaded either; it is replaced.
    pycache.chmod(0o755)
    os.chmod(entry, 0o664)
    r = importing(tmp_path, "sq", env={"XDG_CACHE_HOME": str(tmp_path / "xdg2")})
    assert not marker.exists() and r["result"] == "49" and r["compiled"] == ["sq"]
    assert r["categories"] == ["CacheWarning"] and "writable by its group (mode 664)" in r["warnings"][0]
    assert r["file"] == entry and stat.S_IMODE(os.stat(entry).st_mode) == 0o755


@pytest.fixture
def public_dir():
    """A directory a second user can reach (pytest's tmp_path is 0700)."""
    d = tempfile.mkdtemp(prefix="pyc-aot-test-")
    os.chmod(d, 0o755)
    yield __import__("pathlib").Path(d)
    shutil.rmtree(d, ignore_errors=True)


@as_root
def test_a_module_planted_by_another_user_in_a_shared_cache_is_not_loaded(public_dir):
    """The attack of issue 10: `nobody` plants a module, sealed as the hook
    seals them, under the expected name in a shared (1777) cache directory;
    root imports with that cache."""
    src_dir = public_dir / "project"
    src_dir.mkdir()
    (src_dir / "sq.py").write_text(SQUARE)
    marker = public_dir / "marker"
    evil = planted_module(public_dir, marker)
    shared = public_dir / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    entry = entry_path(src_dir / "sq.py", cache_dir=shared)
    subprocess.run(["sh", "-c", 'mkdir "$(dirname "$1")" && cp "$2" "$1"', "sh", entry, str(evil)],
                   user=NOBODY, check=True)
    assert os.stat(entry).st_uid == NOBODY

    r = importing(src_dir, "sq", install=f"cache_dir={str(shared)!r}")
    assert not marker.exists(), "attacker code ran as root"
    assert r["result"] == "49" and r["compiled"] == ["sq"]
    assert r["categories"] == ["CacheWarning"]
    assert f"owned by uid {NOBODY}, not by you (uid 0)" in r["warnings"][0]
    assert os.path.dirname(entry) in r["warnings"][0]
    assert not r["file"].startswith(str(shared)), "compiled into a private directory"


@as_root
def test_a_symlink_planted_by_another_user_in_a_shared_cache_is_not_followed(public_dir):
    """`nobody` creates the per-source directory of a shared (1777) cache as
    a symlink to a private directory of root's: the target passes the
    owner and mode checks, but the link is nobody's to re-point at will."""
    src_dir = public_dir / "project"
    src_dir.mkdir()
    (src_dir / "sq.py").write_text(SQUARE)
    private = public_dir / "roots"
    private.mkdir(mode=0o700)
    shared = public_dir / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    entry = entry_path(src_dir / "sq.py", cache_dir=shared)
    link = os.path.dirname(entry)
    subprocess.run(["ln", "-s", str(private), link], user=NOBODY, check=True)
    assert os.lstat(link).st_uid == NOBODY and os.stat(link).st_uid == 0

    r = importing(src_dir, "sq", install=f"cache_dir={str(shared)!r}")
    assert r["result"] == "49" and r["compiled"] == ["sq"]
    assert r["categories"] == ["CacheWarning"]
    assert link in r["warnings"][0]
    assert f"symbolic link owned by uid {NOBODY}, not by you (uid 0) or root" in r["warnings"][0]
    assert not r["file"].startswith(str(shared)), "compiled into a private directory"
    assert os.listdir(private) == [], "nothing written through the link"


@as_root
def test_a_symlink_of_ones_own_to_a_private_cache_directory_is_used(public_dir):
    src_dir = public_dir / "project"
    src_dir.mkdir()
    (src_dir / "sq.py").write_text(SQUARE)
    private = public_dir / "roots"
    private.mkdir(mode=0o700)
    shared = public_dir / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    entry = entry_path(src_dir / "sq.py", cache_dir=shared)
    os.symlink(private, os.path.dirname(entry))
    install = f"cache_dir={str(shared)!r}"
    first = importing(src_dir, "sq", install=install)
    assert first["result"] == "49" and first["compiled"] == ["sq"] and first["warnings"] == []
    assert first["file"] == entry and os.listdir(private) == [os.path.basename(entry)]
    second = importing(src_dir, "sq", install=install)
    assert second["cached"] == ["sq"] and second["file"] == entry and second["warnings"] == []
    # Its target must still pass: a link of ours to a directory others can write is refused.
    private.chmod(0o777)
    third = importing(src_dir, "sq", install=install)
    assert third["compiled"] == ["sq"] and third["categories"] == ["CacheWarning"]
    assert "writable by others (mode 777)" in third["warnings"][0]
    assert not third["file"].startswith(str(shared))


@as_root
def test_an_entry_owned_by_another_user_is_not_loaded(tmp_path):
    (tmp_path / "sq.py").write_text(SQUARE)
    marker = tmp_path / "marker"
    evil = planted_module(tmp_path, marker)
    entry = entry_path(tmp_path / "sq.py")
    os.makedirs(os.path.dirname(entry))
    shutil.copy(evil, entry)
    os.chown(entry, NOBODY, NOBODY)
    r = importing(tmp_path, "sq")
    assert not marker.exists() and r["result"] == "49" and r["compiled"] == ["sq"]
    assert r["categories"] == ["CacheWarning"] and f"owned by uid {NOBODY}" in r["warnings"][0]
    assert r["file"] == entry and os.stat(entry).st_uid == 0, "replaced by our own build"


def test_reload_after_an_edit_gives_the_new_code(tmp_path):
    (tmp_path / "sq.py").write_text(SQUARE)
    code = f"""
import importlib, json, sys
sys.path.insert(0, {str(tmp_path)!r})
import pyc_aot
hook = pyc_aot.install()
import sq
m, f, file = sq, sq.f, sq.__file__
before = sq.f(7)
open({str(tmp_path / "sq.py")!r}, "w").write({TRIPLE_PLUS!r})
importlib.invalidate_caches()
again = importlib.reload(sq)
out = {{"before": before, "after": sq.f(7), "g": sq.g(2), "same": again is m and sys.modules["sq"] is m,
        "old_f": f(7), "new_file": sq.__file__ != file and sq.__file__.endswith({SUFFIX!r}),
        "compiled": hook.compiled, "native": type(sq.f).__name__}}
importlib.reload(sq)  # unchanged source: loads the same build again
out["unchanged"] = sq.f(7)
print(json.dumps(out))
"""
    r = json.loads(py(code).stdout)
    assert r == {"before": 49, "after": 21, "g": 3, "same": True, "old_f": 49, "new_file": True,
                 "compiled": ["sq", "sq"], "native": "builtin_function_or_method", "unchanged": 21}


TRIPLE_PLUS = ("import cython\n\n\ndef f(x: cython.int) -> cython.int:\n    return 3 * x\n\n\n"
               "def g(x: cython.int) -> cython.int:\n    return x + 1\n")


def test_reload_from_plain_python_to_compiled(tmp_path):
    """A module that failed to compile (imported as Python) and compiles after the edit."""
    (tmp_path / "sq.py").write_text(SQUARE.replace("return x * x", 'return x + "a"'))
    code = f"""
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {str(tmp_path)!r})
import pyc_aot
pyc_aot.install()
import sq
before = sq.__file__
open({str(tmp_path / "sq.py")!r}, "w").write({SQUARE!r})
importlib.invalidate_caches()
importlib.reload(sq)
print(json.dumps([before.endswith(".py"), sq.__file__.endswith({SUFFIX!r}), sq.f(7), type(sq.f).__name__]))
"""
    assert json.loads(py(code).stdout) == [True, True, 49, "builtin_function_or_method"]
