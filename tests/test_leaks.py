"""Error paths must not leak: every compiled construct that can raise is
called many times, on its success path and on its error path, and neither
the interpreter's allocated blocks nor the arguments' reference counts may
grow. The slow paths that call back into Python (`round(x, n)`, true
division of ints beyond 2**53) are also run with an allocation made to fail
(`_testcapi.set_nomemory`) between their two boxed temporaries."""

import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

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

N = LEAK_CALLS


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="leaks")


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


def test_any_failing_allocation_leaks_nothing(m):
    """The outlined slow paths (MIR bodies: box, box, call, unbox) release
    what they made whichever of their allocations fails."""
    testcapi = pytest.importorskip("_testcapi")
    n = m.native
    keep = [float(i) + 0.25 for i in range(1000)]
    a, b = 2 ** 60 + 7, 2 ** 59 + 3
    for f, args in ((n.tdiv, (a, b)), (n.rnd, (2.675, 1000))):
        refs = [sys.getrefcount(x) for x in args]
        for start in range(1, 6):
            def under_nomemory():
                testcapi.set_nomemory(start, start + 1)   # only allocation `start` fails
                try:
                    f(*args)
                except MemoryError:
                    pass
                finally:
                    testcapi.remove_mem_hooks()
            grown = growth(under_nomemory)
            assert grown < N // 10, "%s%r, allocation %d failing: %d blocks more" % (f.__name__, args, start, grown)
        assert [sys.getrefcount(x) for x in args] == refs, "%s changed its arguments' refcounts" % f.__name__
    del keep


WRAPPERS = '''
import cython


def scalars(n: cython.int, x: float, flag: cython.bint, u: cython.uint) -> cython.double:
    return n + x + flag + u


def views(a: cython.double[:], b: cython.double[::1]) -> cython.double:
    b[0] = a[0]
    return a[0]


def maybe(a: cython.double[:] = None, k: int = 1) -> cython.double:
    return k
'''


class NoTruth:
    def __bool__(self):
        raise ValueError("no truth value")


@pytest.fixture(scope="module")
def w(pyc):
    return pyc.pair(WRAPPERS, stem="wrapper_leaks")


def test_no_wrapper_error_path_leaks(w):
    """Every way a wrapper can refuse its arguments (the MIR passes release
    the binder's tuple and the buffers acquired before the failure)."""
    import array
    n = w.native
    for name in ("scalars", "views", "maybe"):
        w.assert_native(name)
    good = array.array("d", [1.0, 2.0])
    out = array.array("d", [0.0, 0.0])
    ints = array.array("i", [1, 2])
    flat = memoryview(bytearray(16)).cast("d")
    two_d = memoryview(bytearray(32)).cast("d", (2, 2))
    readonly = memoryview(bytes(16)).cast("d")
    strided = memoryview(bytearray(32)).cast("d")[::2]
    failing = [
        (n.scalars, ("x", 1.0, True, 1), {}),           # wrong type
        (n.scalars, (2 ** 40, 1.0, True, 1), {}),       # overflow
        (n.scalars, (1, "x", True, 1), {}),
        (n.scalars, (1, 1.0, NoTruth(), 1), {}),
        (n.scalars, (1, 1.0, True, -1), {}),            # negative unsigned
        (n.scalars, (1, 1.0, True), {}),                # binder TypeError
        (n.scalars, (1, 1.0, True, 1), {"z": 1}),
        (n.scalars, (1,), {"x": "x", "flag": 1, "u": 1}),  # binder path, then unboxing fails
        (n.views, (ints, out), {}),                     # bad buffer format
        (n.views, (good, ints), {}),                    # ... of the second, the first released
        (n.views, (two_d, out), {}),                    # wrong ndim
        (n.views, (good, readonly), {}),                # read-only buffer for a written view
        (n.views, (None, out), {}),                     # None where not allowed
        (n.views, (good, None), {}),
        (n.views, (good, strided), {}),                 # not C-contiguous
        (n.views, (good,), {"b": strided}),             # the same through the binder
        (n.maybe, (ints,), {}),
        (n.maybe, (None,), {"k": "x"}),
    ]
    for f, args, kw in failing:
        with pytest.raises((TypeError, ValueError, OverflowError, BufferError)):
            f(*args, **kw)
        own = [a for a in list(args) + list(kw.values()) if sys.getrefcount(a) < 100]
        refs = [sys.getrefcount(a) for a in own]
        grown = growth(lambda: attempt(f, *args, **kw))
        assert grown < N // 10, "%s%r %r: %d blocks more after %d calls" % (f.__name__, args, kw, grown, N)
        assert [sys.getrefcount(a) for a in own] == refs, "%s%r changed its arguments' refcounts" % (f.__name__, args)
    # No buffer is still exported: arrays can grow again.
    for arr in (good, out, ints):
        arr.append(0.0 if arr.typecode == "d" else 0)
        arr.pop()
    flat.release()
    assert n.views(good, out) == 1.0 and n.maybe() == 1.0 and n.maybe(None, k=3) == 3.0
