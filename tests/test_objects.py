"""Python objects in compiled code (issue 12): untyped parameters and locals
are objects, passed borrowed to native functions and returned as new
references; results, exceptions and tracebacks match CPython, and nothing
leaks on the normal or the error path."""

import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("objects")


class Thing:
    pass


def values():
    return [None, 0, -1, 2 ** 100, -(2 ** 200), 1.5, float("nan"), float("inf"), "", "text",
            b"", (), [], {}, set(), Thing(), Thing, len, True, False]


NAMES = ["ident", "pick", "rebind", "returns_none", "bare_return", "maybe_bound", "in_loop",
         "calls", "calls_twice", "keyword_only"]


@pytest.mark.parametrize("name", NAMES)
def test_native(m, name):
    m.assert_native(name)


def test_objects_pass_through_unchanged(m):
    for v in values():
        assert m.native.ident(v) is v
        assert m.native.rebind(0, v) == 0 or m.native.rebind(v, 0) is v
        assert m.native.calls_twice(v) is v
        assert m.native.calls(v, 1) is v
    m.assert_same("ident", [(v,) for v in values()] + [(), (1, 2)], exact=True)
    m.assert_same("pick", [(a, b, c) for a in values()[:4] for b in values()[-4:] for c in (True, False, 0, 2, None, [])]
                  + [(1, 2, "x"), (1, 2, 2.5)], exact=True)
    m.assert_same("rebind", [(a, b) for a in values()[:6] for b in values()[-6:]], exact=True)
    m.assert_same("returns_none", [(v,) for v in values()], exact=True)
    m.assert_same("bare_return", [(v, s) for v in values() for s in (True, False)], exact=True)
    m.assert_same("in_loop", [(v, n) for v in values()[:5] for n in (0, 1, 3, -1)] + [(1, "x")], exact=True)
    m.assert_same("calls", [(a, b) for a in values()[:5] for b in values()[-5:]], exact=True)
    m.assert_same("keyword_only", [(1,), (1, 2)], kwargs={"b": "kw"}, exact=True)
    m.assert_same("keyword_only", [(1,), (1, 2)], exact=True)


def test_unbound_object_local(m):
    m.assert_same("maybe_bound", [(True, v) for v in values()] + [(False, 1), (False, None)], exact=True)
    try:
        m.native.maybe_bound(False, 1)
    except UnboundLocalError:
        entries = traceback.extract_tb(sys.exc_info()[2])
    last = entries[-1]
    assert last.filename.endswith(".py") and last.name == "maybe_bound"
    assert last.line.strip() == "return z"


N = LEAK_CALLS


@pytest.mark.parametrize("name, args", [
    ("ident", (Thing(),)), ("pick", (Thing(), Thing(), True)), ("pick", (Thing(), Thing(), [])),
    ("pick", (Thing(), Thing(), "bad")), ("rebind", (Thing(), Thing())), ("returns_none", (Thing(),)),
    ("bare_return", (Thing(), True)), ("bare_return", (Thing(), False)),
    ("maybe_bound", (True, Thing())), ("maybe_bound", (False, Thing())),
    ("in_loop", (Thing(), 5)), ("in_loop", (Thing(), 2 ** 31)), ("calls", (Thing(), Thing())),
    ("calls_twice", (Thing(),)), ("ident", (Thing(), Thing())),
])
def test_no_leak_and_arguments_keep_their_refcounts(m, name, args):
    f = getattr(m.native, name)
    refs = [sys.getrefcount(a) for a in args]
    grown = growth(lambda: attempt(f, *args))
    assert grown < N // 10, "%s: %d blocks more after %d calls" % (name, grown, N)
    assert [sys.getrefcount(a) for a in args] == refs
