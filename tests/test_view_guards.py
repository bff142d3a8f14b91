"""Loops versioned on invariant indices in bounds (`opt::guards`): an
innermost `range` loop indexing an axis with a local it does not assign (the
row `i` of `a[i, j]` in a loop over `j`, also through the hidden index
locals of `v[c, j] += x`) tests `0 <= i < shape` once before the loop and
runs a version without that check, or else the loop as written. Each
function is compared with the same source run by CPython on NumPy arrays:
results, what was stored before an IndexError (the same trip raises it),
negative rows that still wrap, rows past the end, empty views, loops that
never run, and leaks on the normal and the error path."""

import numpy as np
import pytest

from conftest import attempt, growth, run_compiler

SRC = '''
import cython


def dist(a: cython.double[:, :], i: cython.Py_ssize_t, b: cython.double[:, ::1], c: cython.Py_ssize_t,
         n: cython.Py_ssize_t) -> cython.double:
    # Two invariant rows, of two views; j may pass the end of either.
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(n):
        diff: cython.double = a[i, j] - b[c, j]
        s += diff * diff
    return float(s)


def trace(out: cython.double[::1], a: cython.double[:, :], i: cython.Py_ssize_t, n: cython.Py_ssize_t):
    # A store before the row's read: the trip that raises stores first.
    j: cython.Py_ssize_t
    for j in range(n):
        out[j] = 1.0 + j
        out[j] += a[i, j]


def add_rows(sums: cython.double[:, ::1], c: cython.Py_ssize_t, a: cython.double[:, :], i: cython.Py_ssize_t,
             d: cython.Py_ssize_t):
    # `v[c, j] += x`: the row read through a hidden copy of c.
    j: cython.Py_ssize_t
    for j in range(d):
        sums[c, j] += a[i, j]


def nested(a: cython.double[:, :], rows: cython.Py_ssize_t, cols: cython.Py_ssize_t) -> cython.double:
    # The row is the outer loop's variable, rows may pass the end.
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in range(rows):
        for j in range(cols):
            s += a[i, j] * (j + 1)
    return float(s)


def moved(a: cython.double[:, :], i: cython.Py_ssize_t, n: cython.Py_ssize_t) -> cython.double:
    # The row changes in the loop: no guard, checked every trip.
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(n):
        s += a[i, j]
        i += 1
    return float(s)


def columns(a: cython.double[:, :], j: cython.Py_ssize_t, n: cython.Py_ssize_t) -> cython.double:
    # An invariant last axis, the loop over the first.
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(n):
        s += a[i, j]
    return float(s)
'''

OUT = "Out of bounds on buffer access (axis %d)"


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="view_guards")


def test_all_native(m):
    assert m.build.counts()[1] == 0, m.build.stderr


def test_plans(tmp_path):
    src = tmp_path / "guards.py"
    src.write_text(SRC)
    out = run_compiler(src, tmp_path, ["--emit", "hir"])
    assert out.ok, out.describe()
    fn = lambda name: out.stdout.split("fn %s(" % name, 1)[1].split("\nfn ", 1)[0]
    assert "versioned on i in axis 0 of a, c in axis 0 of b" in fn("dist")
    assert "versioned on c in axis 0 of sums, i in axis 0 of a" in fn("add_rows")
    assert "versioned on j in axis 1 of a" in fn("columns")
    assert "versioned on i" not in fn("moved")


def test_rows(m):
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(8.0).reshape(2, 4) * 0.5
    z = np.zeros((0, 4))
    cases = [(a, i, b, c, n) for i in (-4, -3, -1, 0, 2, 3) for c in (-3, -2, 0, 1, 2) for n in (0, 1, 3, 4, 5)]
    cases += [(z, 0, b, 0, 0), (z, 0, b, 0, 1), (a, 0, np.zeros((0, 4)), 0, 1), (a, -1, np.zeros((0, 4)), -1, 0)]
    m.assert_same("dist", cases, loose_types=(IndexError,))
    m.assert_values("dist", [((a, 3, b, 0, 1), (IndexError, OUT % 0)), ((a, 0, b, 2, 2), (IndexError, OUT % 0)),
                             ((a, -4, b, 0, 0), 0.0), ((a, 0, b, 0, 5), (IndexError, OUT % 1)),
                             ((z, 0, b, 0, 1), (IndexError, OUT % 0)), ((a, -1, b, -1, 4), 183.5)])


def test_same_trip(m):
    a = np.arange(12.0).reshape(3, 4)
    for i in (-4, -3, -1, 0, 2, 3, 7):
        for n in (0, 1, 2, 3, 4, 5, 6):
            for size in (n, 6):
                py_o, nat_o = np.zeros(size), np.zeros(size)
                p = attempt(m.py.trace, py_o, a, i, n)
                r = attempt(m.fn("trace"), nat_o, a, i, n)
                assert p == r, (i, n, size, p, r)
                assert py_o.tolist() == nat_o.tolist(), (i, n, size)
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        m.fn("trace")(np.zeros(3), a, 3, 3)


def test_hidden_indices(m):
    a = np.arange(12.0).reshape(3, 4)
    for c in (-3, -2, -1, 0, 1, 2):
        for d in (0, 1, 3, 4, 5):
            for i in (-4, -1, 0, 2, 3):
                py_s, nat_s = np.zeros((2, 4)), np.zeros((2, 4))
                p = attempt(m.py.add_rows, py_s, c, a, i, d)
                r = attempt(m.fn("add_rows"), nat_s, c, a, i, d)
                assert p == r, (c, d, i, p, r)
                assert py_s.tolist() == nat_s.tolist(), (c, d, i)
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        m.fn("add_rows")(np.zeros((2, 4)), 2, a, 0, 1)
    empty = np.zeros((0, 4))
    assert attempt(m.fn("add_rows"), empty, 0, a, 0, 0) == attempt(m.py.add_rows, empty, 0, a, 0, 0)
    assert attempt(m.fn("add_rows"), empty, 0, a, 0, 1) == attempt(m.py.add_rows, empty, 0, a, 0, 1)


def test_outer_variable_and_unguarded(m):
    a = np.arange(12.0).reshape(3, 4)
    m.assert_same("nested", [(a, r, c) for r in (0, 1, 3, 4, 5) for c in (0, 1, 4, 5)], loose_types=(IndexError,))
    m.assert_same("moved", [(a, i, n) for i in (-5, -3, -1, 0, 1, 2, 3) for n in (0, 1, 2, 3, 4)],
                  loose_types=(IndexError,))
    m.assert_same("columns", [(a, j, n) for j in (-5, -4, -1, 0, 3, 4) for n in (0, 1, 3, 4)],
                  loose_types=(IndexError,))
    m.assert_values("columns", [((a, 4, 1), (IndexError, OUT % 1)), ((a, -1, 3), 21.0)])


def test_no_leaks(m):
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(8.0).reshape(2, 4)
    f, g = m.fn("dist"), m.fn("add_rows")
    s = np.zeros((2, 4))
    assert growth(lambda: (f(a, 1, b, 1, 4), g(s, 1, a, 2, 4))) < 50
    assert growth(lambda: (attempt(f, a, 3, b, 0, 2), attempt(f, a, 0, b, 0, 5), attempt(g, s, 2, a, 0, 1))) < 50
