"""Hostile and unusual input to the generated code (issue 10): strings with
NULs, odd module and function names, narrow loop variables, deep recursion
on small stacks. Crashes run in subprocesses so they fail only their test."""

import pytest

from conftest import INT64_MAX, INT64_MIN, load_snippet, run_python, signal_name

MESSAGES = r'''
import cython


def nul(n: int) -> int:
    if n == 0:
        raise ValueError('a\x00b')
    if n == 1:
        raise KeyError('\x00')
    if n == 2:
        raise ValueError('caf\xe9\x00\u20ac\x00')
    assert n != 3, 'x\x00y'
    return n
'''


def test_messages_keep_nul_bytes(pyc):
    m = pyc.pair(MESSAGES, stem="nulmsg")
    m.assert_same("nul", [(0,), (1,), (2,), (3,), (4,)])
    m.assert_values("nul", [((0,), (ValueError, "a\x00b"))])


FIB = '''
import cython


def fib(n: cython.int) -> cython.long:
    a: cython.long = 0
    b: cython.long = 1
    for _ in range(n):
        a, b = b, a + b
    return a
'''


@pytest.mark.parametrize("stem", ["f\u00efb", "\u65e5\u672c\u8a9e", "m\u00fcller_2"])
def test_non_ascii_module_name_imports(tmp_path, stem):
    # PEP 489: CPython looks up PyInitU_<punycode> for a non-ASCII name.
    from conftest import run_compiler
    src = tmp_path / (stem + ".py")
    src.write_text(FIB, encoding="utf-8")
    b = run_compiler(src, tmp_path)
    assert b.ok, b.describe()
    p = run_python("import %s as m\nprint(m.__name__, m.fib(90))" % stem, cwd=tmp_path, path=[tmp_path],
                   env_extra={"PYTHONIOENCODING": "utf-8"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [stem, str(2880067194370816120)]
