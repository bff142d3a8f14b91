"""Recursion between compiled functions; deep recursion raises RecursionError
instead of crashing (run in a subprocess so a crash fails only this test)."""

import pytest

from conftest import load_snippet, run_python, signal_name

SOURCE = '''
import cython


def rec(n: int) -> int:
    if n == 0:
        return 0
    return rec(n - 1) + 1


def rfib(n: int) -> int:
    if n < 2:
        return n
    return rfib(n - 1) + rfib(n - 2)


def is_even(n: int) -> bool:
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n: int) -> bool:
    if n == 0:
        return False
    return is_even(n - 1)


@cython.cfunc
def crec(n: cython.int) -> cython.int:
    if n == 0:
        return 0
    return crec(n - 1) + 1


@cython.ccall
def call_crec(n: cython.int) -> cython.int:
    return crec(n)


def frec(x: float, n: int) -> float:
    if n == 0:
        return x
    return frec(x * 1.0000001, n - 1)
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="recursion")


def test_recursion_results(m):
    m.assert_same("rec", [(0,), (1,), (300,)])
    m.assert_same("rfib", [(n,) for n in range(0, 21)])
    m.assert_same("is_even", [(n,) for n in (0, 1, 7, 100)])
    m.assert_same("is_odd", [(n,) for n in (0, 1, 7, 100)])
    m.assert_same("frec", [(1.0, 0), (1.0, 300)])
    m.assert_values("call_crec", [((0,), 0), ((300,), 300)])


DEEP = ("try:\n"
        "    r = m.{f}({n})\n"
        "    print('RESULT', r)\n"
        "except RecursionError:\n"
        "    print('RECURSIONERROR')\n"
        "print('AFTER', m.{f}(10))\n")


def run_deep(m, fname, n):
    code = load_snippet(m.build.so, m.native.__name__) + DEEP.format(f=fname, n=n)
    p = run_python(code)
    assert p.returncode == 0, "interpreter died (%s, exit %d): %s" % (
        signal_name(p.returncode), p.returncode, p.stderr[-2000:])
    want = "AFTER True" if fname == "is_even" else "AFTER 10"
    assert want in p.stdout, p.stdout
    return p.stdout


@pytest.mark.parametrize("fname", ["rec", "call_crec", "is_even"])
def test_very_deep_recursion_raises_recursionerror_without_crashing(m, fname):
    # 10**7 nested native calls cannot fit any C stack: RecursionError.
    out = run_deep(m, fname, 10 ** 7)
    assert "RECURSIONERROR" in out, out


@pytest.mark.parametrize("fname", ["rec", "call_crec", "is_even"])
def test_recursion_200000_does_not_crash(m, fname):
    # The contract: a recursive compiled function called with n=200000 must not
    # crash the interpreter. The guard measures C stack, not frames: with
    # inlining 200000 levels may fit (then the exact result comes back), or
    # RecursionError is raised; either way the interpreter goes on working.
    out = run_deep(m, fname, 200000)
    expected = {"rec": "RESULT 200000", "call_crec": "RESULT 200000", "is_even": "RESULT True"}[fname]
    assert "RECURSIONERROR" in out or expected in out, out
    assert "AFTER" in out, out
