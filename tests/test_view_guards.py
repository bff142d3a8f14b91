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


def scale(out: cython.double[:], a: cython.double[:], n: cython.Py_ssize_t):
    # The loop variable indexes both; n tested once against each shape.
    j: cython.Py_ssize_t
    for j in range(n):
        out[j] = a[j] * 2.0 + 1.0


def other_shape(a: cython.double[:], b: cython.double[:, :]) -> cython.double:
    # The stop is another view's shape.
    s: cython.double = 0.0
    j: cython.Py_ssize_t
    for j in range(b.shape[1]):
        s += a[j] * b[0, j]
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
    for guard in ("i in axis 0 of a", "c in axis 0 of b", "j (by its stop) in axis 1 of a", "j (by its stop) in axis 1 of b"):
        assert guard in fn("dist"), guard
    for guard in ("c in axis 0 of sums", "i in axis 0 of a", "j (by its stop) in axis 1 of a"):
        assert guard in fn("add_rows"), guard
    assert "versioned on i (by its stop) in axis 0 of a, j in axis 1 of a" in fn("columns")
    assert "versioned on i" not in fn("moved")
    assert "j (by its stop) in axis 0 of out, j (by its stop) in axis 0 of a" in fn("scale")
    assert "j (by its stop) in axis 0 of a" in fn("other_shape")
    assert "j (by its stop) in axis 1 of sums" in fn("add_rows")


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


def test_by_stop(m):
    for n in range(-1, 9):
        for size_out in (0, 3, 5, 8):
            for size_a in (0, 4, 8):
                py_o, nat_o = np.zeros(size_out), np.zeros(size_out)
                a = np.arange(float(size_a))
                p = attempt(m.py.scale, py_o, a, n)
                r = attempt(m.fn("scale"), nat_o, a, n)
                assert p == r, (n, size_out, size_a, p, r)
                assert py_o.tolist() == nat_o.tolist(), (n, size_out, size_a)
    # Strided views take the same versions.
    big = np.zeros(16)
    py_o, nat_o = big[::2].copy(), big[::2].copy()
    v = np.arange(20.0)[::3]
    assert attempt(m.py.scale, py_o, v, 8) == attempt(m.fn("scale"), nat_o, v, 8)
    assert py_o.tolist() == nat_o.tolist()
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        m.fn("scale")(np.zeros(3), np.zeros(8), 4)
    b = np.arange(12.0).reshape(2, 6)
    m.assert_same("other_shape", [(np.arange(k * 1.0), b) for k in (0, 5, 6, 7)] + [(np.zeros(0), np.zeros((1, 0)))],
                  loose_types=(IndexError,))


def test_no_leaks(m):
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(8.0).reshape(2, 4)
    f, g = m.fn("dist"), m.fn("add_rows")
    s = np.zeros((2, 4))
    assert growth(lambda: (f(a, 1, b, 1, 4), g(s, 1, a, 2, 4))) < 50
    assert growth(lambda: (attempt(f, a, 3, b, 0, 2), attempt(f, a, 0, b, 0, 5), attempt(g, s, 2, a, 0, 1))) < 50
    h, o, x = m.fn("scale"), np.zeros(3), np.zeros(8)
    assert growth(lambda: (h(o, x, 3), attempt(h, o, x, 4))) < 50
