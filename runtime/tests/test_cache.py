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
