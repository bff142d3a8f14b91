"""The ``%%pyc_aot`` cell magic in IPython's InteractiveShell: compiled
names land in the namespace, a second run is served from the cache,
``--annotate`` renders the report, errors name the cell's line. Skipped,
saying why, when IPython is missing (runtime/run_tests.sh installs it)."""
import os

import pytest

IPython = pytest.importorskip("IPython", reason="IPython is not installed (pip install ipython)")

CELL = """import cython

def fib(n: cython.int) -> cython.double:
    a: cython.double = 0.0
    b: cython.double = 1.0
    i: cython.int
    for i in range(n):
        a, b = a + b, a
    return a

def _private(x: cython.int) -> cython.int:
    return x
"""


@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "pyc_aot")
    yield sh
    for name in ("fib", "cython"):
        sh.user_ns.pop(name, None)


def test_cell_names_land_in_the_namespace_and_are_compiled(shell):
    shell.run_cell_magic("pyc_aot", "", CELL)
    fib = shell.user_ns["fib"]
    assert fib(10) == 55.0
    assert type(fib).__name__ == "builtin_function_or_method"
    assert "_private" not in shell.user_ns


def test_a_second_run_comes_from_the_cache(shell):
    from pyc_aot import magic

    shell.run_cell_magic("pyc_aot", "--target native", CELL + "\n# again\n")
    built = [f for f in os.listdir(magic.cache_dir()) if f.endswith(".so")]
    assert len(built) == 1
    mtime = os.stat(os.path.join(magic.cache_dir(), built[0])).st_mtime_ns
    shell.run_cell_magic("pyc_aot", "--target native", CELL + "\n# again\n")
    assert os.stat(os.path.join(magic.cache_dir(), built[0])).st_mtime_ns == mtime
    assert oct(os.stat(magic.cache_dir()).st_mode & 0o777) == "0o700"


def test_annotate_renders_the_report_inline(shell):
    out = shell.run_cell_magic("pyc_aot", "--annotate", CELL + "\n# annotated\n")
    page = out.data
    assert page.startswith("<div><iframe srcdoc=")
    assert "Machine code" in page and "Cranelift IR" in page
    assert shell.user_ns["fib"](5) == 5.0


def test_errors_name_the_line(shell):
    from pyc_aot import CompileError

    with pytest.raises(CompileError) as err:
        shell.run_cell_magic("pyc_aot", "", "import cython\n\ndef f(:\n    pass\n")
    assert err.value.locations and err.value.locations[0].line == 3
