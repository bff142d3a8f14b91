"""Indices proven `>= 0` (`opt::facts`: a `range` loop variable with a
constant start `>= 0` and a positive constant step, or a local assigned one,
such as the hidden indices of `v[i, j] += x`) skip the wrap-around but keep
the bounds check; and an unrolled loop's last trip (step 1, or a narrow loop
variable) runs once with no test after it. Each function is compared with
the same source run by CPython on NumPy arrays: results, IndexError where an
index passes the end (Cython's message checked separately), negative indices
that still wrap, empty arrays, NaN, every trip count around the unrolling,
and leaks on the normal and the error path."""

import math

import numpy as np
import pytest

from conftest import attempt, growth

SRC = '''
import cython


def row_sum(a: cython.double[:, :], i: cython.Py_ssize_t, n: cython.Py_ssize_t) -> cython.double:
    # j is never negative but may pass the end of a's axis 1.
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(n):
        s += a[i, j]
    return float(s)


def strided_sum(a: cython.double[:], start: cython.Py_ssize_t, n: cython.Py_ssize_t) -> cython.double:
    # A constant start >= 0 and step 3, a narrow loop variable.
    s: cython.double = 0.0
    j: cython.int
    for j in range(2, n, 3):
        s += a[j]
    return float(s)


def from_end(a: cython.double[:], n: cython.Py_ssize_t) -> cython.double:
    # A variable start: negative indices still wrap.
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(-n, 0):
        s += a[j]
    return float(s)


def shifted(a: cython.double[:], n: cython.Py_ssize_t, k: cython.Py_ssize_t) -> cython.double:
    # The loop variable reassigned in the body: no fact, the index wraps.
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(n):
        j = j - k
        s += a[j]
    return float(s)


def add_rows(sums: cython.double[:, ::1], c: cython.Py_ssize_t, a: cython.double[:, :], i: cython.Py_ssize_t, d: cython.Py_ssize_t):
    # `v[c, j] += x`: the hidden index locals copy j (>= 0) and c (any sign).
    j: cython.Py_ssize_t
    for j in range(d):
        sums[c, j] += a[i, j]


def count_up(counts: cython.Py_ssize_t[::1], n: cython.Py_ssize_t) -> cython.Py_ssize_t:
    # Every trip count around the unrolled loop: the last trip, then the
    # loop variable's final value and the else clause.
    j: cython.Py_ssize_t = -7
    t: cython.Py_ssize_t = 0
    for j in range(n):
        counts[j] += 1
        t += j
    else:
        t += 1000
    return t * 100 + j


def count_narrow(n: cython.int) -> cython.longlong:
    j: cython.short = -7
    t: cython.longlong = 0
    for j in range(n):
        t += j
    return t * 100 + j


def count_step(n: cython.Py_ssize_t) -> cython.Py_ssize_t:
    j: cython.Py_ssize_t = -7
    t: cython.Py_ssize_t = 0
    for j in range(1, n, 2):
        t += j
    return t * 100 + j
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="view_nonneg")


def test_all_native(m):
    assert m.build.counts()[1] == 0, m.build.stderr


def test_row_sum(m):
    a = np.arange(12.0).reshape(3, 4)
    z = np.zeros((0, 4))
    cases = [(a, i, n) for i in (-4, -3, -1, 0, 2, 3) for n in (0, 1, 3, 4, 5)] + [(z, 0, 0), (z, 0, 1)]
    m.assert_same("row_sum", cases, loose_types=(IndexError,))
    out = "Out of bounds on buffer access (axis %d)"
    m.assert_values("row_sum", [((a, 0, 5), (IndexError, out % 1)), ((a, 3, 1), (IndexError, out % 0)),
                                ((a, -1, 4), 38.0), ((z, 0, 1), (IndexError, out % 0))])
    b = a.copy()
    b[1, 2] = math.nan
    assert math.isnan(m.fn("row_sum")(b, 1, 4))
    assert m.fn("row_sum")(b, 1, 2) == 9.0


def test_strided_and_wrapping(m):
    a = np.arange(10.0) * 1.5
    e = np.zeros(0)
    m.assert_same("strided_sum", [(a, 0, n) for n in range(0, 14)] + [(e, 0, 0), (e, 0, 3)], loose_types=(IndexError,))
    m.assert_same("from_end", [(a, n) for n in range(0, 12)] + [(e, 0), (e, 1)], loose_types=(IndexError,))
    m.assert_same("shifted", [(a, n, k) for n in (0, 1, 4, 10) for k in (-1, 0, 3, 10, 11)], loose_types=(IndexError,))
    m.assert_values("strided_sum", [((a, 0, 12), (IndexError, "Out of bounds on buffer access (axis 0)"))])
    m.assert_values("from_end", [((a, 11), (IndexError, "Out of bounds on buffer access (axis 0)"))])


def test_aug_assign_indices(m):
    a = np.arange(12.0).reshape(3, 4)
    for c in (-2, -1, 0, 1, 2):
        for d in (0, 3, 4, 5):
            for i in (-1, 0, 2, 3):
                py_s, nat_s = np.zeros((2, 4)), np.zeros((2, 4))
                p = attempt(m.py.add_rows, py_s, c, a, i, d)
                n = attempt(m.fn("add_rows"), nat_s, c, a, i, d)
                assert p == n, (c, d, i, p, n)
                assert py_s.tolist() == nat_s.tolist(), (c, d, i)
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 1\)$"):
        m.fn("add_rows")(np.zeros((2, 4)), 0, np.zeros((3, 5)), 0, 5)
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        m.fn("add_rows")(np.zeros((2, 4)), 2, a, 0, 1)


def test_trip_counts(m):
    for n in range(0, 9):
        for size in (n, n + 1, max(n - 1, 0)):
            py_c, nat_c = np.zeros(size, dtype=np.intp), np.zeros(size, dtype=np.intp)
            p = attempt(m.py.count_up, py_c, n)
            r = attempt(m.fn("count_up"), nat_c, n)
            assert p == r, (n, size, p, r)
            assert py_c.tolist() == nat_c.tolist(), (n, size)
    m.assert_same("count_narrow", list(range(-2, 12)) + [32767])
    m.assert_same("count_step", list(range(-2, 12)))
    # A narrow loop variable's range cut where the type ends: OverflowError on leaving it.
    with pytest.raises(OverflowError):
        m.fn("count_narrow")(32769)


def test_no_leaks(m):
    a = np.arange(12.0).reshape(3, 4)
    f, g = m.fn("row_sum"), m.fn("add_rows")
    s = np.zeros((2, 4))
    assert growth(lambda: (f(a, 1, 4), g(s, 1, a, 2, 4))) < 50
    assert growth(lambda: (attempt(f, a, 1, 5), attempt(g, s, 1, a, 2, 5), attempt(g, s, 2, a, 0, 1))) < 50
