"""Reference counting in the wrappers: arguments, keyword arguments,
defaults, return values and error paths neither leak nor over-release."""

import gc
import sys
import tracemalloc

import pytest

SOURCE = '''
def scale(x: float, k: float = 2.0, shift: int = 0) -> float:
    return x * k + shift


def add(a: int, b: int) -> int:
    return a + b


def divide(a: int, b: int) -> int:
    return a // b


def ident_f(x: float) -> float:
    return x


def noargs() -> float:
    return 1.5
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="refcounts")


def calls(m):
    n = m.native
    big = 2 ** 40 + 12345
    x = 1234.5678 * 3.0

    def ok():
        n.scale(x)
        n.scale(x, x)
        n.scale(x, k=x)
        n.scale(x=x, shift=big - big + 3)
        n.add(big, big)
        n.ident_f(x)
        n.noargs()

    def errors():
        for f, a, kw in ((n.scale, (x,), {"bogus": x}), (n.scale, (x, x, 1, x), {}),
                         (n.scale, ("s",), {}), (n.divide, (big, 0), {}),
                         (n.add, (2 ** 70, big), {}), (n.scale, (x,), {"x": x}),
                         (n.add, (big,), {}), (n.add, (big, big * 2 ** 30), {})):
            try:
                f(*a, **kw)
            except (TypeError, ZeroDivisionError, OverflowError):
                pass
    return x, big, ok, errors


def test_arguments_refcounts_unchanged(m):
    x, big, ok, errors = calls(m)
    gc.collect()
    rx, rb = sys.getrefcount(x), sys.getrefcount(big)
    for _ in range(1000):
        ok()
        errors()
    gc.collect()
    assert sys.getrefcount(x) == rx, "float argument refcount drifted"
    assert sys.getrefcount(big) == rb, "int argument refcount drifted"


def test_return_values_are_owned_once(m):
    x = 9876.54321 * 7.0
    r = m.native.ident_f(x)
    # returning the argument itself or a new float: either way no extra refs
    assert sys.getrefcount(r) <= sys.getrefcount(x)
    r2 = m.native.add(2 ** 50, 3)
    assert sys.getrefcount(r2) == 2
    r3 = m.native.scale(x)
    assert sys.getrefcount(r3) == 2


def test_no_memory_growth(m):
    x, big, ok, errors = calls(m)
    for _ in range(200):   # warm up caches and free lists
        ok()
        errors()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(20000):
            ok()
            errors()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    # 20000 rounds of ~15 calls: leaking one object per call would be MBs
    assert grown < 200_000, "memory grew by %d bytes" % grown
