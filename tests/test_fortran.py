"""Fortran-ordered memoryviews (tests/programs/fortran.py) against NumPy:
layouts accepted and refused with Cython's message, indexing and writes in
2 and 3 dimensions, negative indices and bounds checks, columns as
contiguous views, passing to a view of any layout, and the type errors."""

import numpy as np
import pytest

from conftest import run_compiler


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("fortran")


def test_program_all_native(m):
    assert m.build.counts()[1] == 0, m.build.stderr


def test_column_sums_match_numpy(m):
    rng = np.random.default_rng(3)
    for shape in ((1, 1), (3, 4), (4, 1), (1, 5), (7, 3), (0, 3), (3, 0)):
        a = np.asfortranarray(rng.standard_normal(shape))
        out = np.full(shape[1], np.nan)
        m.fn("col_sums")(a, out)
        exp = [float(sum(a[:, j].tolist())) for j in range(shape[1])]
        assert out.tolist() == exp


def test_c_ordered_and_strided_buffers_are_refused(m):
    for bad in (np.zeros((3, 4)), np.asfortranarray(np.zeros((4, 6)))[::2, :],
                np.asfortranarray(np.zeros((4, 6)))[:, ::2].copy(order="C")):
        with pytest.raises(ValueError, match="^ndarray is not Fortran contiguous$"):
            m.fn("col_sums")(bad, np.zeros(bad.shape[1]))
    # One row or one column is both C- and Fortran-contiguous.
    m.fn("col_sums")(np.zeros((1, 4)), np.zeros(4))
    m.fn("col_sums")(np.zeros((4, 1)), np.zeros(1))
    with pytest.raises(ValueError, match="^Buffer has wrong number of dimensions"):
        m.fn("col_sums")(np.zeros(3), np.zeros(3))


def test_three_dimensional_writes(m):
    for shape in ((2, 3, 4), (1, 1, 1), (5, 1, 2)):
        t = np.asfortranarray(np.full(shape, -1, dtype=np.intc))
        m.fn("fill_index")(t)
        i, j, k = np.indices(shape)
        assert (t == i * 100 + j * 10 + k).all()
    with pytest.raises(ValueError, match="Fortran"):
        m.fn("fill_index")(np.zeros((2, 3, 4), dtype=np.intc))


def test_columns_and_any_layout(m):
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    for j in range(-4, 4):
        assert m.fn("column_total")(a, j) == float(a[:, j].sum())
    with pytest.raises(IndexError):
        m.fn("column_total")(a, 4)
    assert m.fn("last_element")(a) == 11.0


def test_indexing_negative_and_out_of_bounds(m):
    a = np.asfortranarray(np.arange(20, dtype=np.float32).reshape(4, 5))
    for i in range(-4, 4):
        for j in range(-5, 5):
            assert m.fn("get")(a, i, j) == a[i, j]
    for i, j in ((4, 0), (0, 5), (-5, 0), (0, -6)):
        with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis [01]\)$"):
            m.fn("get")(a, i, j)


@pytest.mark.parametrize("src, message", [
    ("def f(m: cython.double[:, ::1, :]):\n    pass\n", "a memoryview axis is `:`, or `::1` on the first or the last axis"),
    ("def f(m: cython.double[::1, ::1]):\n    pass\n", "a memoryview axis is `:`, or `::1` on the first or the last axis"),
    ("@cython.cfunc\ndef g(m: cython.double[::1, :]) -> cython.double:\n    return m[0, 0]\n\n\n"
     "def f(m: cython.double[:, :]) -> cython.double:\n    return g(m)\n", "expects double[::1, :], got double[:, :]"),
])
def test_layout_errors_at_compile_time(tmp_path, src, message):
    path = tmp_path / "bad_layout.py"
    path.write_text("import cython\n\n\n" + src)
    out = run_compiler(path, tmp_path)
    assert not out.ok
    assert "bad_layout.py:" in out.stderr and message in out.stderr, out.stderr
