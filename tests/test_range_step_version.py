"""A `range` loop whose step is a C integer local runs in two versions
(`opt/versioning.rs`, `runtime_steps`): step 1 as the constant-step loop,
any other step as written. Both against CPython running the same file:
every step (1, others, negative, zero's ValueError), bounds checks,
narrow variables cut where their type ends, `break`/`else`, stores."""

import re

import pytest

np = pytest.importorskip("numpy")

STEPS = [1, 2, 3, 7, -1, -2, 0, 1000, -1000]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("range_step_version")


def reference_sum(xs, lo, s):
    t = 0.0
    for i in range(lo, len(xs), s):
        t += xs[i]
    return t


def test_sum_step(m):
    m.assert_native("sum_step")
    a = np.arange(50, dtype=np.float64) * 0.5
    views = [(a, (0, 3, -4, 49, 50, 60)), (a[:0], (0, 1)), (a[::3], (0, 2, -1))]
    for v, starts in views:
        xs = [float(x) for x in v]
        for lo in starts:
            for s in STEPS:
                try:
                    want = reference_sum(xs, lo, s)
                except ValueError:
                    with pytest.raises(ValueError, match="range\\(\\) arg 3 must not be zero"):
                        m.native.sum_step(v, lo, s)
                    continue
                except IndexError:
                    with pytest.raises(IndexError, match="Out of bounds on buffer access"):
                        m.native.sum_step(v, lo, s)
                    continue
                got = m.native.sum_step(v, lo, s)
                assert got == want and type(got) is float, (lo, s, got, want)


def test_narrow(m):
    m.assert_same("last_step", [(n, s) for n in (0, 10, 2**31 - 1, -2**31 + 10) for s in STEPS])


def test_break_else(m):
    m.assert_same("broke", [(n, s, at) for n in (0, 1, 10) for s in (1, 2, 3, -1, 0) for at in (0, 5, 20)])


def test_stores(m):
    for s in STEPS:
        got, want = np.arange(20, dtype=np.int64), np.arange(20, dtype=np.int64)
        m.assert_native("stored")
        try:
            r = m.native.stored(got, s)
        except ValueError as e:
            with pytest.raises(ValueError, match=re.escape(str(e))):
                m.py.stored(want, s)
            continue
        assert r == m.py.stored(want, s) and list(got) == list(want), s


def test_range_evaluated_once(m):
    m.assert_same("step_changed", [(n, s) for n in (0, 1, 10) for s in (1, 2, -1, 0)])
