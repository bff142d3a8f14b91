"""Float reductions whose terms divide (tests/programs/reductions.py): the two
unrolled trips' terms are computed before either is added, their float work on
2-lane vectors. Compared bit for bit with the same source under CPython, over
lengths around the unroll width, strided and reversed views, negative indices,
and every way a term can raise."""

import numpy as np
import pytest

from conftest import INT64_MAX, INT64_MIN

LENGTHS = list(range(0, 12)) + [31, 64, 101]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("reductions")


def mv(*args):
    """Arrays as memoryviews, so the CPython run sees Python floats and ints
    (NumPy scalars divide and round by NumPy's rules, not Python's)."""
    return tuple(memoryview(a) if isinstance(a, np.ndarray) else a for a in args)


def test_program_all_native(m):
    assert m.build.counts()[1] == 0, m.build.stderr


def test_weighted_rows_bit_identical(m):
    rng = np.random.default_rng(5)
    cases = []
    for n in LENGTHS:
        u = rng.standard_normal(n)
        for i in (0, 1, 7, 499):
            cases.append(mv(u, i))
    m.assert_same("weighted_row", cases)
    strided = []
    for n in LENGTHS:
        base = rng.standard_normal(2 * n + 1)
        strided += [mv(base[::2], 3), mv(base[::-1], 0), mv(base[:n], 2)]
    m.assert_same("weighted_strided", strided)


def test_special_values_and_signed_zeros(m):
    specials = np.array([0.75, -0.0, 0.0, np.inf, -np.inf, np.nan, 1e-310, 0.5000000000000001, 1e308, -1e308, 3.0])
    cases = []
    for n in range(len(specials) + 1):
        for shift in range(3):
            a = np.roll(specials, shift)[:n].copy()
            b = np.roll(specials, shift + 1)[:n].copy()
            cases.append(mv(a, b, n))
    m.assert_same("quotients", cases)


def test_index_errors_after_earlier_terms(m):
    rng = np.random.default_rng(6)
    cases = []
    for la in range(0, 7):
        for lb in range(0, 7):
            for n in range(0, 8):
                cases.append(mv(rng.standard_normal(la), rng.standard_normal(lb), n))
    m.assert_same("quotients", cases, loose_types=(IndexError,))


def test_wraparound_indices(m):
    rng = np.random.default_rng(7)
    cases = []
    for n in (1, 2, 3, 5, 8):
        a = rng.standard_normal(n) + 3.0
        for lo in range(-n - 2, n + 1):
            for hi in range(lo, n + 3):
                cases.append(mv(a, lo, hi))
    m.assert_same("from_the_end", cases, loose_types=(IndexError,))


def test_raising_terms_keep_their_order(m):
    # Trip i+1's terms are evaluated before trip i's sum is formed: which
    # exception wins must still be the scalar loop's.
    cases = []
    for n in range(0, 7):
        for zero_at in [None] + list(range(n)):
            for short in (None, "a", "b", "c"):
                a = np.arange(1.0, n + 1.0)
                b = np.arange(n, dtype=np.int64) * 5 - 7
                c = np.full(n, 3, dtype=np.int64)
                if zero_at is not None:
                    c[zero_at] = 0
                if short == "a":
                    a = a[: max(0, n - 1)]
                elif short == "b":
                    b = b[: max(0, n - 2)]
                elif short == "c":
                    c = c[: max(0, n - 1)]
                cases.append(mv(a, b, c, n))
    m.assert_same("checked_terms", cases, loose_types=(IndexError,))
    a = np.array([1.0, 2.0, 4.0])
    b = np.array([3, 3, 3], dtype=np.int64)
    m.assert_values("checked_terms", [
        ((a, b, np.array([3, 0, 3], dtype=np.int64), 3), (ZeroDivisionError, "integer division or modulo by zero")),
        ((a, b, np.array([3, 3], dtype=np.int64), 3), (IndexError, "Out of bounds on buffer access (axis 0)")),
        ((a, b, np.array([3, 3, 3], dtype=np.int64), 3), 1.0 + 0.5 + 0.25),
    ])


def test_float32_terms(m):
    rng = np.random.default_rng(8)
    m.assert_same("float32_terms", [mv(rng.standard_normal(n).astype(np.float32), n) for n in LENGTHS])


def test_counters_near_the_ends_of_their_range(m):
    ns = [0, 5, 9, 10, 11, 1000, INT64_MAX, INT64_MAX - 1, INT64_MAX - 2, INT64_MIN + 9, INT64_MIN + 10]
    m.assert_same("counted", [(n, 1.5) for n in ns])
    ns32 = [0, 9, 2 ** 31 - 1, 2 ** 31 - 2, -(2 ** 31) + 9, -(2 ** 31) + 12]
    m.assert_same("counted_int", [(n, -2.5) for n in ns32])


def test_unbound_accumulator_raises_first(m):
    m.assert_same("maybe_unbound", [mv(np.ones(k), n) for k in (0, 1, 3, 200) for n in (0, 1, 3, 101, 150)],
                  loose_types=(IndexError,))
