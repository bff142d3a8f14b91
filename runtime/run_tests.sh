#!/usr/bin/env bash
# Tests of the `pyc_aot` Python package: builds ./runtime with maturin into a
# local venv (runtime/.venv), then runs runtime/tests with pytest (a fresh venv
# with `pip install ./runtime`, setuptools builds of the example project, the
# import hook, plain-Python vs compiled runs of every example).
# Needs: a Rust toolchain, Python 3 (3.11 tested) with pip and venv, gcc, and
# PyPI for maturin/pytest/setuptools/wheel/build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
unset PYTHONPATH

PY="${PYTHON:-python3}"
VENV="$PWD/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
export PATH="$VENV/bin:$PATH"
pip_install() { python -m pip install --quiet --disable-pip-version-check "$@"; }
if ! python -c 'import maturin, pytest, setuptools, wheel, build' 2>/dev/null; then
    pip_install --upgrade "maturin>=1.9,<2" pytest setuptools wheel build
fi
# The notebook magic's tests run it in IPython's InteractiveShell.
if ! python -c 'import IPython' 2>/dev/null; then
    pip_install ipython
fi

# examples/kmeans.py (compared plain vs compiled) imports NumPy.
if ! python -c 'import numpy' 2>/dev/null; then
    pip_install numpy
fi

# The working tree's package, built by maturin into the workspace's target/.
pip_install --no-build-isolation --no-deps --force-reinstall .

exec python -m pytest tests -q -p no:cacheprovider "$@"
