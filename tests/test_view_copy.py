"""`dst[...] = src` between memoryviews (tests/programs/view_copy.py): every
layout and overlap against NumPy's assignment (which reads the source as if
through a temporary), shape mismatches, read-only targets, leaks, and the
compile-time errors for mismatched element types or dimension counts."""

import gc
import sys

import numpy as np
import pytest

from conftest import run_compiler


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("view_copy")


def test_program_all_native(m):
    assert m.build.counts()[1] == 0, m.build.stderr


SLICES = [slice(None), slice(None, None, 2), slice(None, None, -1), slice(1, None, 3)]


def test_copies_match_numpy_for_every_layout(m):
    # Elements of the target's buffer outside the view must stay untouched.
    rng = np.random.default_rng(1)
    for n in (0, 1, 2, 5, 16):
        for ds in SLICES:
            for ss in SLICES:
                base = np.full(3 * n + 2, -1.0)
                src = rng.standard_normal(3 * n + 2)[ss][:n]
                exp = base.copy()
                exp[ds][:n] = src
                m.fn("copy_all")(base[ds][:n], src)
                assert base.tolist() == exp.tolist(), (n, ds, ss)


def test_overlapping_copies_read_the_source_first(m):
    for n in range(0, 12):
        for k in range(0, n + 1):
            a = np.arange(n, dtype=np.intc)
            exp = a.copy()
            exp[k:] = exp[:n - k].copy()
            m.fn("shift_right")(a, k)
            assert a.tolist() == exp.tolist(), (n, k)
            a = np.arange(n, dtype=np.intc)
            exp = a.copy()
            exp[:n - k] = exp[k:].copy()
            m.fn("shift_left")(a, k)
            assert a.tolist() == exp.tolist(), (n, k)
    for shape in ((1, 1), (2, 3), (4, 4), (5, 2)):
        x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
        for v in (x.copy(), np.asfortranarray(x), x.copy()[:, ::-1]):
            exp = v[::-1, ::-1].copy()
            m.fn("flip_in_place")(v)
            assert v.tolist() == exp.tolist()
    s = np.arange(10.0)
    m.fn("copy_all")(s[::2], s[1::2])
    assert s.tolist() == [1, 1, 3, 3, 5, 5, 7, 7, 9, 9]
    s = np.arange(10.0)
    m.fn("copy_all")(s[2:7], s[0:5])
    assert s.tolist() == [0, 1, 0, 1, 2, 3, 4, 7, 8, 9]


def test_rows_columns_parts_and_three_dimensions(m):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 5))
    for mat in (a.copy(), np.asfortranarray(a)):
        exp = mat.copy()
        exp[2, :] = np.arange(5.0)
        m.fn("set_row")(mat, 2, np.arange(5.0))
        exp[:, -1] = np.arange(4.0)[::-1]
        m.fn("set_column")(mat, -1, np.arange(4.0)[::-1])
        assert mat.tolist() == exp.tolist()
    d = np.zeros(10)
    m.fn("copy_part")(d, np.ones(4), 3, 7)
    assert d.tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 0, 0]
    m.fn("copy_part")(d, np.ones(0), 5, 5)
    t = rng.standard_normal((3, 4, 5)).astype(np.float32)
    for src in (t, t[:, ::-1, :], np.asfortranarray(t), t.transpose(0, 1, 2).copy()[::1, ::1, ::-1]):
        out = np.zeros((3, 4, 5), dtype=np.float32)
        m.fn("copy3")(out, src)
        assert out.tobytes() == np.ascontiguousarray(src).tobytes()
    out = bytearray(5)
    m.fn("copy_bytes")(out, b"hello")
    assert out == b"hello"
    m.fn("copy_bytes")(out, memoryview(b"abcdefghij")[::2])
    assert out == b"acegi"


def test_copies_through_c_arrays(m):
    src = np.arange(1, 7, dtype=np.int64)
    dst = np.zeros(6, dtype=np.int64)
    assert m.fn("copy_local")(src, dst) == 21
    assert dst.tolist() == src.tolist()


def test_shape_mismatch_raises_and_writes_nothing(m):
    d = np.full(3, 7.0)
    with pytest.raises(ValueError, match=r"^got differing extents in dimension 0 \(got 3 and 4\)$"):
        m.fn("copy_all")(d, np.zeros(4))
    assert d.tolist() == [7.0, 7.0, 7.0]
    d2 = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"^got differing extents in dimension 1 \(got 3 and 2\)$"):
        m.fn("copy_ellipsis")(d2, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"dimension 0"):
        m.fn("set_column")(np.zeros((3, 3)), 0, np.zeros(2))


def test_targets_must_be_writable_sources_need_not(m):
    ro = np.zeros(3)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        m.fn("copy_all")(ro, np.zeros(3))
    d = np.zeros(3)
    m.fn("copy_all")(d, ro)
    m.fn("copy_bytes")(bytearray(3), b"xyz")


def test_no_leaks_on_success_or_failure(m):
    d, s, bad = np.zeros(5), np.arange(5.0), np.zeros(4)
    refs = [sys.getrefcount(x) for x in (d, s, bad)]
    for _ in range(300):
        m.fn("copy_all")(d, s)
        with pytest.raises(ValueError):
            m.fn("copy_all")(d, bad)
        m.fn("flip_in_place")(d.reshape(1, 5))
    gc.collect()
    assert [sys.getrefcount(x) for x in (d, s, bad)] == refs
    d.resize(6, refcheck=True)  # raises if a buffer export is still held


@pytest.mark.parametrize("body, message", [
    ("    a[:] = b\n", "cannot copy a memoryview of float into one of double"),
    ("    a[0] = c\n", "expects double, got double[:, :]"),
    ("    a[:] = c\n", "cannot copy a 2-dimensional memoryview into a 1-dimensional slice"),
])
def test_mismatches_are_compile_errors(tmp_path, body, message):
    src = tmp_path / "bad_copy.py"
    src.write_text("import cython\n\n\ndef f(a: cython.double[:], b: cython.float[:], c: cython.double[:, :]):\n" + body)
    out = run_compiler(src, tmp_path)
    assert not out.ok
    assert "bad_copy.py:5:" in out.stderr and message in out.stderr, out.stderr
    assert not list(tmp_path.glob("*.so"))
