"""Shared helpers for the pyc_aot package tests (run by runtime/run_tests.sh,
in a venv where ./runtime is installed)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PROJECT = EXAMPLES / "setuptools_project"
SHIM = REPO / "compiler" / "src" / "shim" / "cython_shim.py"


def run(cmd, cwd=None, env=None, check=True, timeout=600, input=None):
    """Run a command; on an unexpected exit status fail with its output."""
    full_env = dict(os.environ)
    full_env.pop("PYTHONPATH", None)
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)  # the import hook caches in __pycache__ unless it is set
    if env:
        full_env.update(env)
    p = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, input=input
    )
    if check is True and p.returncode != 0 or check not in (True, False) and p.returncode != check:
        pytest.fail(
            f"{' '.join(map(str, cmd))} exited {p.returncode}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}",
            pytrace=False,
        )
    return p


def py(code, cwd=None, env=None, check=True, python=None):
    """Run Python code in a fresh interpreter (default: the one running the tests)."""
    return run([python or sys.executable, "-c", code], cwd=cwd, env=env, check=check)


@pytest.fixture
def project(tmp_path):
    """A fresh copy of examples/setuptools_project, without build products."""
    dest = tmp_path / "project"
    shutil.copytree(
        PROJECT, dest, ignore=shutil.ignore_patterns("build", "*.so", "*.egg-info", "__pycache__", ".pytest_cache")
    )
    return dest


@pytest.fixture
def shim_dir(tmp_path):
    """A directory holding the stand-in as ``cython.py``, for plain-Python runs."""
    d = tmp_path / "shim"
    d.mkdir()
    shutil.copy(SHIM, d / "cython.py")
    return d
