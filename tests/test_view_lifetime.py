"""A memoryview local's buffer lives until the last read of the view,
including the reads of the inlined callees it is passed to (their data
pointer and shape are the caller's buffer's): when the view is the only
thing keeping its object alive, releasing the buffer before an inlined
callee's last read would free the data under it. Each function is compared
with plain Python; the same calls run again in a fresh interpreter under
PYTHONMALLOC=debug, where a read of freed memory shows as wrong sums; and
leaks are checked."""

import pytest

from conftest import attempt, growth, load_snippet, run_python

SRC = '''
import array
import cython


def total(v: cython.double[:]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(len(v)):
        s += v[i]
    return s


def total2(v: cython.double[:, :]) -> cython.double:
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            s += v[i, j]
    return s


def first_plus_total(v: cython.double[:]) -> cython.double:
    # A copy of the parameter in the callee: its reads hold the buffer too.
    w: cython.double[:] = v
    return w[0] + total(w[1:])


def make(n: cython.Py_ssize_t):
    return array.array("d", [1.0]) * n


def make2(n: cython.Py_ssize_t):
    # The memoryview object owns the only reference to the array.
    return memoryview(array.array("d", [1.0]) * (3 * n)).cast("B").cast("d", (n, 3))


def twice(n: cython.Py_ssize_t):
    v = make(n)
    a: cython.double[:] = v
    return (total(a), total(a))


def thrice(n: cython.Py_ssize_t):
    v = make(n)
    a: cython.double[:] = v
    return (total(a), total(a), total(a))


def in_loop(n: cython.Py_ssize_t, k: cython.Py_ssize_t) -> cython.double:
    a: cython.double[:] = make(n)
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(k):
        s += total(a)
    return s


def temporary(n: cython.Py_ssize_t):
    a: cython.double[:] = make(n)
    return (total(a), total(a))


def sliced(n: cython.Py_ssize_t):
    a: cython.double[:] = make(n)
    return (total(a[1:]), total(a[::2]))


def copied(n: cython.Py_ssize_t):
    a: cython.double[:] = make(n)
    return (first_plus_total(a), first_plus_total(a))


def from_obj(x):
    a: cython.double[:] = x
    return (total(a), total(a))


def two_d(n: cython.Py_ssize_t):
    a: cython.double[:, :] = make2(n)
    return (total2(a), total2(a))
'''

CASES = {
    "twice": [(1,), (3,), (100,), (5000,)],
    "thrice": [(1,), (3,), (100,), (5000,)],
    "in_loop": [(3, 1), (100, 3), (5000, 4)],
    "temporary": [(1,), (3,), (100,), (5000,)],
    "sliced": [(2,), (3,), (100,), (5000,)],
    "copied": [(2,), (3,), (100,), (5000,)],
    "two_d": [(1,), (3,), (100,), (2000,)],
}


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="view_lifetime")


@pytest.mark.parametrize("name", sorted(CASES))
def test_native(m, name):
    m.assert_native(name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same(m, name):
    m.assert_same(name, CASES[name])


def test_debug_allocator(m):
    """Freed memory is overwritten under PYTHONMALLOC=debug: every sum
    must still count the ones it was given."""
    code = load_snippet(str(m.build.so), m.build.src.stem) + (
        "for n in (3, 100, 5000):\n"
        "    assert m.twice(n) == (n, n), (n, m.twice(n))\n"
        "    assert m.thrice(n) == (n, n, n), (n, m.thrice(n))\n"
        "    assert m.temporary(n) == (n, n), (n, m.temporary(n))\n"
        "    assert m.in_loop(n, 3) == 3 * n, (n, m.in_loop(n, 3))\n"
        "    assert m.sliced(n) == (n - 1, (n + 1) // 2), (n, m.sliced(n))\n"
        "    assert m.copied(n) == (n, n), (n, m.copied(n))\n"
        "    assert m.two_d(n) == (3 * n, 3 * n), (n, m.two_d(n))\n"
        "print('ok')\n")
    r = run_python(code, env_extra={"PYTHONMALLOC": "debug"})
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_leak(m, name):
    # A reference or buffer kept per call would grow by thousands.
    f = m.fn(name)
    args = CASES[name][1]
    assert growth(lambda: attempt(f, *args)) < 50


def test_no_leak_error_path(m):
    # Plain Python takes no buffer, so the error is Cython's alone.
    f = m.fn("from_obj")
    with pytest.raises(TypeError):
        f("no buffer")
    assert growth(lambda: (attempt(f, "no buffer"), attempt(f, b"abc"))) < 50
