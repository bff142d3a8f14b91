"""The corners of Cython's `prange` variable rules (docs/semantics.md,
"Parallelism"), against CPython running the same file (the shim's prange is
a serial range), with 1 and 2 threads, empty and one-trip ranges:

- a local first assigned in the loop, read after a loop that ran no trip,
  raises UnboundLocalError as in Python (Cython reads an uninitialised C
  variable); one that trips ran without assigning reads zero;
- `prange(start, stop, step)` with a run-time step, negative too; a zero
  step raises Python's ValueError (Cython's C code calls abort());
- a pointer the body assigns is lastprivate, as a C number;
- a local a `prange` inside a `parallel()` block assigns, read after the
  block, leaves the function to Python (Cython gives it the last trip's
  value: the serial result);
- no leaks, on the error path too."""

import sys

import pytest

from conftest import growth

np = pytest.importorskip("numpy")


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("prange_rules")


THREADS = (1, 2)


def test_zero_trip_reads_are_unbound(m):
    for name in ("zero_trip", "zero_trip_int", "zero_trip_var"):
        m.assert_same(name, [(n, t) for n in (0, 1, 2, 17, 1000) for t in THREADS])
    with pytest.raises(UnboundLocalError, match="'v'"):
        m.native.zero_trip(0, 2)


def test_trips_that_never_assign(m):
    # Python raises; the compiled loop's local is bound by the trips with the storage's zero.
    assert m.native.never_assigned(5) == 0
    with pytest.raises(UnboundLocalError):
        m.py.never_assigned(5)
    with pytest.raises(UnboundLocalError):
        m.native.never_assigned(0)


RANGES = [(0, 10, 3), (10, 0, -3), (5, 5, 1), (5, 5, -1), (5, 6, 1), (6, 5, -1), (-7, 20, 4), (20, -7, -4), (0, 1000, 7),
          (1000, 0, -7), (3, 3, -2), (0, 10, 100), (10, 0, -100), (-5, 5, 1), (2 ** 20, 2 ** 20 + 50, 9),
          (0, 10, 0), (10, 0, 0), (0, 0, 0)]


def test_run_time_step(m):
    cases = [r + (t,) for r in RANGES for t in THREADS]
    m.assert_same("stepped", cases)
    m.assert_same("stepped_last", cases)
    with pytest.raises(ValueError, match="^range\\(\\) arg 3 must not be zero$"):
        m.native.stepped(0, 10, 0, 2)


def test_run_time_step_narrow(m):
    cases = [(a, b, s, t) for (a, b, s) in [(0, 10, 3), (10, 0, -3), (0, 0, 1), (0, 1, 1), (1, 0, -1), (-100, 100, 7),
                                             (100, -100, -7), (2 ** 31 - 10, 2 ** 31 - 1, 4), (-2 ** 31 + 10, -2 ** 31, -4), (0, 5, 0)]
             for t in THREADS]
    m.assert_same("stepped_narrow", cases)


def test_run_time_step_view(m):
    for n in (0, 1, 2, 10, 1001):
        a = np.arange(float(n))
        for s in (1, 2, 3, -1, -2, -5, 1000, -1000):
            for t in THREADS:
                assert m.native.stepped_view(a, s, t) == m.py.stepped_view(a, s, t), (n, s, t)
    with pytest.raises(ValueError, match="must not be zero"):
        m.native.stepped_view(np.arange(3.0), 0, 2)


def test_pointer_lastprivate(m):
    for n in (0, 1, 2, 7, 1000):
        a = np.arange(n) * 1.5
        # (The shim's pointer reads give numpy floats.)
        for t in THREADS:
            assert m.native.ptr_last(a, t) == float(m.py.ptr_last(a, t)), (n, t)
        # One thread: the serial loop's; the last trip assigns when n is odd.
        assert m.native.ptr_last_some(a, 1) == float(m.py.ptr_last_some(a, 1)), n
        if n % 2 == 1:
            assert m.native.ptr_last_some(a, 2) == float(m.py.ptr_last_some(a, 2)), n


def test_parallel_block_lastprivate_stays_python(m):
    for name in ("in_block", "in_block_var"):
        assert isinstance(getattr(m.native, name), type(lambda: 0)), name
        reason = m.fallback_reason(name)
        assert "outside a `with cython.parallel.parallel():` block whose `prange` assigns it" in reason, reason
        m.assert_same(name, [(n, t) for n in (0, 1, 2, 10, 11) for t in THREADS], native=False)
    m.assert_native("in_block_unread")
    for n in (0, 1, 2, 10, 1001):
        a = np.arange(float(n))
        for t in THREADS:
            assert m.native.in_block_unread(a, t) == m.py.in_block_unread(a, t)


def test_no_leaks(m):
    a = np.arange(100.0)
    arr = np.arange(50.0)
    assert growth(lambda: m.native.stepped(-7, 200, 3, 2)) < 50
    assert growth(lambda: m.native.stepped_last(200, -7, -3, 2)) < 50

    def failing():
        try:
            m.native.stepped(0, 10, 0, 2)
        except ValueError:
            pass
        try:
            m.native.zero_trip(0, 2)
        except UnboundLocalError:
            pass
    assert growth(failing) < 50
    assert growth(lambda: m.native.ptr_last(arr, 2)) < 50
    assert growth(lambda: m.native.stepped_view(a, -3, 2)) < 50
    before = sys.getrefcount(a), sys.getrefcount(arr)
    for _ in range(100):
        m.native.stepped_view(a, 2, 2)
        m.native.ptr_last(arr, 2)
    assert (sys.getrefcount(a), sys.getrefcount(arr)) == before
