#!/usr/bin/env bash
# The project's single test command: Rust unit tests, release build, then the
# end-to-end differential pytest suite in a local venv (.venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo test --workspace --release
cargo build --release

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
if ! .venv/bin/python -c 'import pytest, numpy' 2>/dev/null; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check pytest numpy
fi

export PYC_AOT_BIN="${PYC_AOT_BIN:-$PWD/target/release/pyc-aot}"
.venv/bin/python -m pytest tests examples/arrays -q "$@"

# The Python package: maturin build, setuptools hook, import hook.
bash runtime/run_tests.sh
