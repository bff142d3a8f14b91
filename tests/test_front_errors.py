"""Bad options and bad environments are reported, never built or run blind
(issue 10, item 19)."""

import os
import subprocess
import sys

import pytest

from conftest import compiler_path, run_compiler

FIB = "import cython\n\ndef fib(n: cython.int) -> cython.double:\n    return n * 1.0\n"


@pytest.mark.parametrize("target", ["", ",", " , ", "x86-64,", "x86-64,,haswell"])
def test_empty_target_is_an_error(tmp_path, target):
    src = tmp_path / "fib.py"
    src.write_text(FIB)
    b = run_compiler(src, tmp_path, args=["--target", target])
    assert b.returncode == 1 and "empty" in b.stderr, b.stderr
    assert not b.so.exists()


HIDE_CPUINFO = """
import builtins, sys
real_open = builtins.open
def fake_open(path, *a, **k):
    if path == '/proc/cpuinfo':
        if sys.argv[1] == 'unreadable':
            raise PermissionError(13, 'Permission denied')
        return real_open('/dev/null', *a, **k)
    return real_open(path, *a, **k)
builtins.open = fake_open
try:
    import fib
except ImportError as e:
    print('ImportError:', e)
else:
    print('imported', fib.fib(3))
"""


@pytest.mark.parametrize("how", ["unreadable", "empty"])
@pytest.mark.parametrize("target", ["x86-64", "x86-64-v2"])
def test_unknown_cpu_features_refuse_a_non_baseline_module(tmp_path, how, target):
    src = tmp_path / "fib.py"
    src.write_text(FIB)
    b = run_compiler(src, tmp_path, args=["--target", target])
    assert b.returncode == 0, b.stderr
    p = subprocess.run([sys.executable, "-c", HIDE_CPUINFO, how], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    if target == "x86-64":
        assert p.stdout.strip() == "imported 3.0"
    else:
        assert p.stdout.startswith("ImportError: fib was compiled for x86-64-v2"), p.stdout
        assert ("cannot read /proc/cpuinfo" if how == "unreadable" else "lists no CPU flags") in p.stdout


def test_float_default_for_an_int_parameter_is_a_compile_error(tmp_path):
    """Item 17: Cython rejects it; compiled, every `f()` raised TypeError."""
    src = tmp_path / "dflt.py"
    src.write_text("import cython\n\ndef f(n: cython.int = 1.5) -> cython.int:\n    return n\n")
    b = run_compiler(src, tmp_path)
    assert b.returncode == 1 and not b.so.exists()
    assert "error: the default of `n` is a float, but the parameter is cython.int" in b.stderr
    assert "dflt.py:3:23" in b.stderr, b.stderr


def test_defaults_that_convert_still_compile(tmp_path):
    src = tmp_path / "dflt_ok.py"
    src.write_text("import cython\n\ndef h(x: cython.double = 1, b: cython.bint = 0.5, k: int = True) -> cython.double:\n"
                   "    return x + b + k\n")
    b = run_compiler(src, tmp_path)
    assert b.returncode == 0 and "1 function native" in b.stdout, b.stderr
    p = subprocess.run([sys.executable, "-c", "import dflt_ok; print(dflt_ok.h())"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert p.stdout.strip() == "3.0", p.stderr
