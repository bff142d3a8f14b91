"""Text and exceptions on the hot paths of object code: C numbers formatted
from their C values (`f"{n}"`, `%d`, `%r`/`str` of a double: no int or
float object made), f-string parts joined in place, `str(x)` as
`PyObject_Str` while `str` is the builtin, `except E` of an `E` matched
without a call, and the traceback entries of errors caught in compiled
loops (every caught error starts its own count of entries): results,
exceptions and traceback lines against CPython, no leaks."""

import math
import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth

INTS = [0, 1, -1, 9, 10, -10, 99, 100, 12345, 2 ** 31 - 1, -2 ** 31, 10 ** 18, -(10 ** 18) + 1, 2 ** 63 - 1, -2 ** 63]
DOUBLES = [0.0, -0.0, 1.0, 0.1, -2.5, 1e16, 1e-7, 1e300, 5e-324, 123456789.125, math.inf, -math.inf, math.nan]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("number_text")


@pytest.mark.parametrize("name", ["texts", "message", "py_int_text", "fails", "catch_many", "raise_through", "str_of", "joined", "match_kinds"])
def test_native(m, name):
    m.assert_native(name)


def test_texts(m):
    cases = []
    for k, n in enumerate(INTS):
        for j, x in enumerate(DOUBLES):
            u = [0, 1, 4294967295, 10][(k + j) % 4]
            c = [-128, 127, 0, -1][(k * j) % 4]
            i = [0, -7, 2 ** 31 - 1, -2 ** 31][j % 4]
            cases.append((n, x, u, c, 0.5 if k % 2 else -1.25, i))
    m.assert_same("texts", cases, exact=True)
    # A float argument is rounded to C float first, in both.
    assert m.native.texts(0, 0.0, 0, 0, 0.1, 0).split("|")[4] == "0.10000000149011612"


def test_message_and_wrong_types(m):
    m.assert_same("message", [(x, s) for x in DOUBLES for s in (0, 10, -3, 2 ** 31 - 1)], exact=True)
    # Typed parameters convert on entry (Cython's errors; plain Python has none).
    for args, exc in ((("1.5", 3), TypeError), ((1.5, None), TypeError), ((1.5, 2 ** 40), OverflowError)):
        with pytest.raises(exc):
            m.native.message(*args)
    m.assert_same("py_int_text", [(0,), (-1,), (2 ** 63 - 1,), (-2 ** 63,), (10 ** 9,)])


def test_tracebacks_of_caught_errors(m):
    # More than the 1000 entries one error may collect were added in all:
    # each caught error still gets both frames, and the lines are right.
    expected = m.py.catch_many(5)
    assert expected[0] == ["catch_many", "fails"]
    for n in (5, 2500, 5):
        assert m.native.catch_many(n)[0] == expected[0]
        assert m.native.catch_many(n)[1] == expected[1]
    assert m.native.catch_many(2500)[2] == "bad 2499"


def formatted_error(f, depth):
    try:
        f(depth)
    except KeyError:
        return [ln for ln in traceback.format_exc().splitlines() if not set(ln.strip()) <= set("^~")]
    raise AssertionError("no KeyError")


def test_deep_traceback(m):
    for depth in (0, 3, 50):
        plain = [ln.replace("number_text_py", "number_text") for ln in formatted_error(m.py.raise_through, depth)]
        assert formatted_error(m.native.raise_through, depth) == plain


def test_str_call(m):
    values = [5, -2.5, "abc", "", None, (1, "x"), b"b", m.py.Loud(), m.py.Text("t"), 10 ** 30]
    m.assert_same("str_of", [(v,) for v in values], exact=True)


def test_str_rebound(m):
    # `str` rebound in the module, then in builtins: the call follows it.
    import builtins
    m.native.str = lambda x: "module's"
    try:
        assert m.native.str_of(1) == "module's"
    finally:
        del m.native.str
    saved = builtins.str
    builtins.str = lambda x: "builtins'"
    try:
        got = m.native.str_of(1)
    finally:
        builtins.str = saved
    assert got == "builtins'"
    assert m.native.str_of(1) == "1"


def test_joined(m):
    parts = ["", "a", "é", "日本", "😀", "x" * 300, 7, None, 2.5, m.py.Text("t")]
    m.assert_same("joined", [(a, b, n) for a in parts for b in parts for n in (0, -12)], exact=True)


def test_match_kinds(m):
    m.assert_same("match_kinds", [(k,) for k in range(4)], exact=True)


def test_no_leak(m):
    nat = m.native
    for call in (lambda: nat.texts(-12345, 2.5, 7, -3, 0.5, 42), lambda: nat.message(1e300, -5),
                 lambda: nat.catch_many(30), lambda: attempt(nat.raise_through, 20), lambda: attempt(nat.message, "x", 1),
                 lambda: nat.str_of(2.5), lambda: nat.str_of(m.py.Loud()), lambda: nat.joined("é", 3, 4),
                 lambda: nat.joined("a", "b", 5), lambda: nat.match_kinds(1), lambda: nat.match_kinds(3)):
        assert growth(call) < LEAK_CALLS // 10
