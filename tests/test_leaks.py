"""Error paths must not leak: every compiled construct that can raise is
called many times, on its success path and on its error path, and neither
the interpreter's allocated blocks nor the arguments' reference counts may
grow. The slow paths that call back into Python (`round(x, n)`, true
division of ints beyond 2**53) are also run with an allocation made to fail
(`_testcapi.set_nomemory`) between their two boxed temporaries."""

import gc
import sys

import pytest

SOURCE = '''
import math
import cython


def tdiv(a: int, b: int) -> float:
    return a / b


def rnd(x: float, n: int) -> float:
    return round(x, n)


def fdiv(a: int, b: int) -> int:
    return a // b


def fmod(a: float, b: float) -> float:
    return a % b


def add(a: int, b: int) -> int:
    return a + b


def root(x: float) -> float:
    return math.sqrt(x)


def to_int(x: float) -> int:
    return int(x)


def small(n: cython.int) -> cython.int:
    return n


def check(n: int) -> int:
    assert n > 0, "not positive"
    return n


def raise_it(n: int) -> int:
    if n < 0:
        raise ValueError("negative")
    return n


def at(a: cython.double[:], i: int) -> float:
    return a[i]


def kw(a: int, b: int = 2, *, c: int = 3) -> int:
    return a + b + c
'''

N = 2000


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="leaks")


def growth(fn):
    """Allocated blocks gained by N more calls of ``fn`` (after a warm-up)."""
    for _ in range(50):
        fn()
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(N):
        fn()
    gc.collect()
    return sys.getallocatedblocks() - before


def attempt(f, *args, **kw):
    try:
        return f(*args, **kw)
    except Exception:  # noqa: BLE001 - the error path is what we exercise
        return None


def cases(n):
    import array
    big = 2 ** 60 + 7
    view = array.array("d", [1.0, 2.0, 3.0])
    return {
        "tdiv": [(n.tdiv, (big, 3)), (n.tdiv, (big, 0)), (n.tdiv, (2 ** 62, -(2 ** 61)))],
        "rnd": [(n.rnd, (2.675, 2)), (n.rnd, (1e300, -400)), (n.rnd, (float("inf"), 1000))],
        "fdiv": [(n.fdiv, (big, 3)), (n.fdiv, (big, 0)), (n.fdiv, (-(2 ** 63), -1))],
        "fmod": [(n.fmod, (5.5, 2.0)), (n.fmod, (5.5, 0.0))],
        "add": [(n.add, (big, 1)), (n.add, (2 ** 63 - 1, 1)), (n.add, ("x", 1)), (n.add, (2 ** 70, 1))],
        "root": [(n.root, (2.0,)), (n.root, (-1.0,)), (n.root, ("x",))],
        "to_int": [(n.to_int, (2.5,)), (n.to_int, (float("nan"),)), (n.to_int, (float("inf"),))],
        "small": [(n.small, (5,)), (n.small, (2 ** 40,)), (n.small, (2 ** 70,))],
        "check": [(n.check, (1,)), (n.check, (-1,))],
        "raise_it": [(n.raise_it, (1,)), (n.raise_it, (-1,))],
        "at": [(n.at, (view, 1)), (n.at, (view, 7)), (n.at, (view, -9)), (n.at, ([1.0], 0))],
        "kw": [(n.kw, (1,)), (n.kw, (1, 2)), (n.kw, (1,), {"c": 5}), (n.kw, (1,), {"d": 5}), (n.kw, ())],
    }


NAMES = ["tdiv", "rnd", "fdiv", "fmod", "add", "root", "to_int", "small", "check", "raise_it", "at", "kw"]


@pytest.mark.parametrize("name", NAMES)
def test_no_leak_on_any_path(m, name):
    n = m.native
    m.assert_native(name)
    for case in cases(n)[name]:
        f, args = case[0], case[1]
        kw = case[2] if len(case) > 2 else {}
        # Shared constants (small ints, deep-frozen objects) are counted by
        # everyone; the other arguments are this test's alone.
        own = [a for a in args if sys.getrefcount(a) < 100]
        refs = [sys.getrefcount(a) for a in own]
        grown = growth(lambda: attempt(f, *args, **kw))
        assert grown < N // 10, "%s%r: %d blocks more after %d calls" % (name, args, grown, N)
        assert [sys.getrefcount(a) for a in own] == refs, "%s%r changed its arguments' refcounts" % (name, args)


def test_second_allocation_failing_leaks_nothing(m):
    """round(x, n) and huge-int `/` box two temporaries; when the second
    allocation fails the first must be dropped (it leaked before)."""
    testcapi = pytest.importorskip("_testcapi")
    n = m.native
    m.assert_native("tdiv")
    m.assert_native("rnd")
    # Keep the float free list empty, so the first box of `round` is a real
    # allocation (the one set_nomemory lets through) and its leak would show.
    keep = [float(i) + 0.25 for i in range(1000)]

    def under_nomemory(f, *args):
        testcapi.set_nomemory(1, 2)      # only the 2nd allocation fails
        try:
            f(*args)
        except MemoryError:
            pass
        finally:
            testcapi.remove_mem_hooks()

    leaks = {}
    for f, args in ((n.tdiv, (2 ** 60 + 7, 2 ** 59 + 3)), (n.rnd, (2.675, 1000))):
        leaks[f.__name__] = growth(lambda: under_nomemory(f, *args))
    assert all(g < N // 10 for g in leaks.values()), "blocks more after %d calls: %r" % (N, leaks)
    del keep
