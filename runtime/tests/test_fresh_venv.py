"""A fresh venv: `pip install ./runtime` (as the README says), then the three
entry points on examples/fib.py, and the example project built in place and
installed into site-packages."""
import shutil
import sys

import pytest

import pyc_aot
from conftest import EXAMPLES, REPO, run
from test_setuptools import CHECK

SUFFIX = pyc_aot.EXTENSION_SUFFIX
FIB_CHECK = "import fib; assert fib.__file__.endswith({!r}), fib.__file__; print(fib.fib(90))".format(SUFFIX)


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("fresh")
    run([sys.executable, "-m", "venv", root / "venv"])
    python = root / "venv" / "bin" / "python"
    # Exactly the README's line: a normal, build-isolated install of ./runtime.
    run([python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", REPO / "runtime"], timeout=900)
    return python


@pytest.fixture
def fib_dir(tmp_path):
    shutil.copy(EXAMPLES / "fib.py", tmp_path / "fib.py")
    return tmp_path


def test_cli_entry_points(venv, fib_dir):
    run([venv.with_name("pyc-aot"), "build", "fib.py", "-o", "cli"], cwd=fib_dir)
    run([venv, "-m", "pyc_aot", "build", "fib.py", "-o", "module", "--target", "x86-64-v3"], cwd=fib_dir)
    for d in ["cli", "module"]:
        out = run([venv, "-c", FIB_CHECK], cwd=fib_dir / d).stdout
        assert float(out) == 2.880067194370816e18


def test_compile_api(venv, fib_dir):
    code = "import pyc_aot; p, r = pyc_aot.compile('fib.py', output_dir='api'); print(p.name, r.compiled)"
    assert run([venv, "-c", code], cwd=fib_dir).stdout.split() == ["fib" + SUFFIX, "['fib']"]
    assert float(run([venv, "-c", FIB_CHECK], cwd=fib_dir / "api").stdout) == 2.880067194370816e18


def test_setuptools_entry_point_on_fib(venv, fib_dir):
    (fib_dir / "setup.py").write_text(
        "from setuptools import setup\n"
        "from pyc_aot.setuptools import aot_extensions, build_ext\n"
        "setup(name='fibdemo', ext_modules=aot_extensions(['fib.py']), cmdclass={'build_ext': build_ext})\n"
    )
    run([venv, "setup.py", "build_ext", "--inplace"], cwd=fib_dir)
    assert float(run([venv, "-c", FIB_CHECK], cwd=fib_dir).stdout) == 2.880067194370816e18


def test_import_hook_entry_point_on_fib(venv, fib_dir):
    code = "import pyc_aot; hook = pyc_aot.install(); " + FIB_CHECK + "; print(hook.compiled, hook.cached)"
    first = run([venv, "-c", code], cwd=fib_dir).stdout.splitlines()
    assert float(first[0]) == 2.880067194370816e18 and first[1] == "['fib'] []"
    second = run([venv, "-c", code], cwd=fib_dir).stdout.splitlines()
    assert second[1] == "[] ['fib']"


def test_example_project_build_ext_inplace(venv, project):
    run([venv, "setup.py", "build_ext", "--inplace"], cwd=project)
    run([venv, "-c", CHECK], cwd=project)
    # The project's own tests, run on the modules just built.
    out = run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "tests"], cwd=project).stdout
    assert "aotdemo modules are compiled" in out and "4 passed" in out


def test_example_project_pip_install_and_import_from_site_packages(venv, project, tmp_path):
    # --no-build-isolation: the build needs pyc_aot, which is not on PyPI; and then `wheel`.
    run([venv, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "wheel"])
    run([venv, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-build-isolation", project])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run([venv, "-c", CHECK], cwd=elsewhere).stdout
    assert "site-packages/aotdemo/kernels" in out
    run([venv, "-m", "pip", "uninstall", "--yes", "--quiet", "aotdemo"])
