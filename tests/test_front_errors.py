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


WIDE = """
def sub_literal(n: int) -> int:
    return n - 9223372036854775808

def add_power(n: int) -> int:
    return n + 2**63

def literal_minus(n: int) -> int:
    return 2**63 - n

def add_max_unsigned(n: int) -> int:
    return 18446744073709551615 + n

def folded(n: int) -> int:
    return n - 2**63 + (2**64 - 1) // 3 + (-7 // 2) * (7 % -3) + (1 << 62)

def mul_wide(n: int) -> int:
    return n * 2**63

def plus_min(n: int) -> int:
    return n + -2**63

def below_min(n: int) -> bool:
    return n > -2**63 - 1


def above_max(n: int) -> bool:
    return n < 9223372036854775808 and 2**64 != n
"""

EDGES = [(n,) for n in (-2**63, -2**63 + 1, -2**62, -5, -1, 0, 1, 5, 2**62, 2**63 - 1)]


def test_integer_literals_outside_int64_follow_the_exact_value(pyc):
    """Item 12: `n - 9223372036854775808` always raised OverflowError."""
    m = pyc.pair(WIDE)
    for name in ["sub_literal", "add_power", "literal_minus", "add_max_unsigned"]:
        m.assert_native(name)
        m.assert_same(name, EDGES)
    # Python's intermediate `n - 2**63` leaves int64 for n < 0, where a
    # compiled `int` raises (the documented difference).
    m.assert_native("folded")
    m.assert_same("folded", [a for a in EDGES if a[0] >= 0])
    m.assert_values("sub_literal", [((0,), -2**63), ((5,), -2**63 + 5), ((-1,), OverflowError)])
    m.assert_values("add_power", [((-1,), 2**63 - 1), ((0,), OverflowError)])
    assert "outside int64" in m.fallback_reason("mul_wide")
    m.assert_same("plus_min", EDGES)
    # A comparison with a literal outside int64 stays Python, which compares
    # exactly (it once folded, as C unsigned, to a silent False, then raised
    # OverflowError).
    for name in ["below_min", "above_max"]:
        assert "outside int64" in m.fallback_reason(name)
        m.assert_values(name, [(args, getattr(m.py, name)(*args)) for args in EDGES], native=False)
    m.assert_values("below_min", [((-2**63,), True)], native=False)
    m.assert_values("above_max", [((2**63 - 1,), True)], native=False)


def test_cast_of_a_number_to_a_memoryview_is_a_located_error(tmp_path):
    """Item 16: it leaked `a memoryview value Convert(…) reached the back end`."""
    src = tmp_path / "castv.py"
    src.write_text("import cython\n\ndef f(n: cython.int) -> cython.int:\n    x = cython.cast(cython.double[:], n)\n    return n\n")
    b = run_compiler(src, tmp_path)
    assert b.returncode == 1 and not b.so.exists()
    assert "cannot cast cython.int to the memoryview type double[:]" in b.stderr and "castv.py:4:9" in b.stderr, b.stderr
    assert "reached the back end" not in b.stderr


def test_cast_between_memoryview_types_stays_python(pyc):
    m = pyc.pair("import cython\n\ndef f(a: cython.double[:]) -> cython.double:\n"
                 "    x = cython.cast(cython.double[::1], a)\n    return x[0]\n")
    assert "memoryview" in m.fallback_reason("f")
