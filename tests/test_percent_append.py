"""`%` formatting of C values joined in place and `list.append` on a local
that always holds a list (issue 12): results and exceptions against CPython,
no leaks."""

import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("percent_append")


@pytest.mark.parametrize("name", ["message", "fallbacks", "wrong_count", "collect", "append_in_try"])
def test_native(m, name):
    m.assert_native(name)


def test_message(m):
    cases = [(1.5, 3, True, 1 + 2j), (-0.0, -7, False, complex(float("nan"), 1)), (float("inf"), 2 ** 31 - 1, True, 0j),
             (1e300, 0, False, -1j), (0.1, -2 ** 31, True, 2.5 + 0j)]
    m.assert_same("message", cases, exact=True)


def test_fallbacks_and_errors(m):
    m.assert_same("fallbacks", [(1, 5, 2.7), ("a", -3, -2.7), ((1, 2), 0, 0.0), (None, 10 ** 4, 1e10)], exact=True)
    m.assert_same("wrong_count", [(1,), (0,)], exact=True)


def test_collect(m):
    m.assert_same("collect", [(0, [1]), (3, ["x"]), (5, []), (2, None)], exact=True)
    m.assert_same("append_in_try", [([1, 0, 3, 0],), ([],), ([5, "a"],)], exact=True)


def test_no_leak(m):
    # Fewer blocks than calls: nothing is kept per call (the suite's rule).
    f, g = m.native.collect, m.native.message
    bad, items = [], [1, 0, 2]
    refs = [sys.getrefcount(bad), sys.getrefcount(items)]
    for call in (lambda: f(20, [1]), lambda: m.native.append_in_try(items), lambda: g(0.5, 3, True, 1j),
                 lambda: attempt(m.native.wrong_count, 1), lambda: attempt(f, 3, bad)):
        assert growth(call) < LEAK_CALLS // 10
    assert [sys.getrefcount(bad), sys.getrefcount(items)] == refs
