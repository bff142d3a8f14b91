"""The annotate report from the package: ``pyc_aot.annotate``, ``python -m
pyc_aot annotate`` / ``build --annotate``, and setuptools' ``annotate=True``
(the report's contents and its browser tests are in tests/test_annotate.py)."""
import sys

import pytest

import pyc_aot
from conftest import EXAMPLES, run
from test_setuptools import build_ext


def test_annotate_writes_the_report_beside_the_source(tmp_path):
    src = tmp_path / "fib.py"
    src.write_text((EXAMPLES / "fib.py").read_text())
    written = pyc_aot.annotate(src)
    assert written == str(tmp_path / "fib.html")
    page = (tmp_path / "fib.html").read_text()
    assert "1 function native, 0 left to Python" in page and "Machine code" in page


def test_annotate_errors_are_compile_errors_with_the_line(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\ndef f(:\n    pass\n")
    with pytest.raises(pyc_aot.CompileError) as err:
        pyc_aot.annotate(bad)
    assert err.value.locations[0].line == 2
    with pytest.raises(pyc_aot.CompileError, match="cannot write the annotate report"):
        pyc_aot.annotate(EXAMPLES / "fib.py", output=tmp_path / "no" / "dir" / "fib.html")


def test_the_cli_annotates_and_builds_with_annotate(tmp_path):
    src = tmp_path / "fib.py"
    src.write_text((EXAMPLES / "fib.py").read_text())
    out = run([sys.executable, "-m", "pyc_aot", "annotate", src, "-o", tmp_path / "r.html"]).stdout
    assert "wrote" in out and (tmp_path / "r.html").is_file()
    run([sys.executable, "-m", "pyc_aot", "build", src, "--annotate"])
    assert (tmp_path / "fib.html").is_file()


def test_setuptools_annotate_true_writes_each_report(project):
    setup = project / "setup.py"
    setup.write_text(setup.read_text().replace(
        'aot_extensions(["aotdemo/kernels.py", "aotdemo/geometry.py"])',
        'aot_extensions(["aotdemo/kernels.py", "aotdemo/geometry.py"], annotate=True)',
    ))
    p = build_ext(project)
    assert "wrote the annotate report" in p.stdout + p.stderr
    for m in ("kernels", "geometry"):
        page = (project / "aotdemo" / (m + ".html")).read_text()
        assert "<title>pyc-aot: aotdemo/%s.py</title>" % m in page
