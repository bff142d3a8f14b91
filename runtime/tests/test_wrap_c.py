"""Wrapping C through the package (issue 14): examples/wrap_c built by
`python setup.py build_ext --inplace` (a plain `Extension` of the `.py` and
the C source), by `pyc_aot.compile(..., sources=...)`, and by the import
hook from the `# distutils: sources = cfib.c` comment, which rebuilds when
the C source or the `.pxd` changes."""
import shutil
import sys

import pyc_aot
from conftest import EXAMPLES, py, run

SUFFIX = pyc_aot.EXTENSION_SUFFIX
FILES = ["cfib.h", "cfib.c", "cfib.pxd", "wrap_fib.py", "setup.py"]
CHECK = "import wrap_fib; assert wrap_fib.__file__.endswith({!r}), wrap_fib.__file__; print(repr(wrap_fib.fib(90)))".format(SUFFIX)


def example(tmp_path):
    for f in FILES:
        shutil.copy(EXAMPLES / "wrap_c" / f, tmp_path / f)
    return tmp_path


def test_setup_py_build_ext_inplace(tmp_path):
    d = example(tmp_path)
    p = run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=d)
    assert "pyc-aot: compiled wrap_fib.py" in p.stdout + p.stderr
    assert py(CHECK, cwd=d).stdout.strip() == "2.880067194370816e+18"
    p = run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=d)
    assert "(up-to-date)" in p.stdout + p.stderr
    # Editing the .pxd (or the C source) rebuilds.
    (d / "cfib.pxd").write_text((d / "cfib.pxd").read_text() + "    int unused_here(int x)\n")
    p = run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=d)
    assert "pyc-aot: compiled wrap_fib.py" in p.stdout + p.stderr


def test_compile_with_c_sources(tmp_path):
    d = example(tmp_path)
    path, report = pyc_aot.compile(d / "wrap_fib.py", sources=[d / "cfib.c"])
    assert report.compiled == ["fib"] and str(path).endswith(SUFFIX)
    assert py(CHECK, cwd=d).stdout.strip() == "2.880067194370816e+18"


HOOK = """
import sys
sys.path.insert(0, {d!r})
import pyc_aot
hook = pyc_aot.install()
import wrap_fib
print(hook.compiled, hook.cached, repr(wrap_fib.fib(90)), wrap_fib.__file__.endswith({suffix!r}))
"""


def test_import_hook_reads_the_distutils_comment_and_rebuilds_on_c_edits(tmp_path):
    d = example(tmp_path)
    code = HOOK.format(d=str(d), suffix=SUFFIX)
    assert py(code).stdout.split() == ["['wrap_fib']", "[]", "2.880067194370816e+18", "True"]
    assert py(code).stdout.split() == ["[]", "['wrap_fib']", "2.880067194370816e+18", "True"]
    # A C source edit is a new build, whose result shows it.
    (d / "cfib.c").write_text((d / "cfib.c").read_text().replace("return a;", "return 2 * a;"))
    assert py(code).stdout.split() == ["['wrap_fib']", "[]", "5.760134388741632e+18", "True"]


def test_the_python_cli_takes_c_sources(tmp_path):
    d = example(tmp_path)
    p = run([sys.executable, "-m", "pyc_aot", "build", "wrap_fib.py", "cfib.c", "-I", "."], cwd=d)
    assert "1 function native" in p.stdout
    assert py(CHECK, cwd=d).stdout.strip() == "2.880067194370816e+18"


def test_a_missing_c_symbol_is_named(tmp_path):
    d = example(tmp_path)
    (d / "other.c").write_text("int other(void) { return 1; }\n")
    (d / "wrap_fib.py").write_text((d / "wrap_fib.py").read_text().replace("sources = cfib.c", "sources = other.c"))
    # The import hook's build names it (and the module stays Python, whose cimport fails).
    p = py(HOOK.format(d=str(d), suffix=SUFFIX), check=False)
    assert "the C symbol `cfib` declared in a .pxd is not defined" in p.stderr, p.stderr
    # setuptools links with its own compiler; the build loads the result to name it.
    (d / "setup.py").write_text((d / "setup.py").read_text().replace('"cfib.c"', '"other.c"'))
    p = run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=d, check=False)
    assert p.returncode != 0 and "the C symbol `cfib` declared in a .pxd is not defined" in p.stdout + p.stderr
    assert not list(d.glob("wrap_fib*" + SUFFIX)) and not list((d / "build").rglob("wrap_fib*" + SUFFIX))
