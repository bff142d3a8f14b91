"""`cython.parallel.prange` on real threads (issue 15), against CPython
running the same file (where the shim's prange is a serial range): integer
results identical; float sums within a relative 1e-12 of the serial sum,
and identical to it on one thread; empty and one-trip ranges; the first
error of any thread raised once after the loop, without leaks;
`OMP_NUM_THREADS`, `num_threads` and `threadid()`."""

import array
import sys

import pytest

from conftest import run_compiler, run_python

np = pytest.importorskip("numpy")


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("prange")


def test_float_sum(m):
    rng = np.random.default_rng(15)
    for n in (0, 1, 2, 3, 1000, 100_001):
        a = rng.standard_normal(n)
        serial = m.py.psum(a)
        assert m.native.psum(a) == pytest.approx(serial, rel=1e-12, abs=1e-12)
        # One thread adds in the serial order.
        assert m.native.psum_threads(a, 1) == serial
        for t in (2, 3, 7):
            assert m.native.psum_threads(a, t) == pytest.approx(serial, rel=1e-12, abs=1e-12)
    whole = np.arange(100_000.0)
    assert m.native.psum(whole) == m.py.psum(whole)


def test_integer_reductions_identical(m):
    m.assert_same("isum", [(0, 1000, 1), (0, 0, 1), (5, 6, 1), (7, 3, 1), (1000, -7, -3), (-50, 51, 4), (0, 10, 0)])
    m.assert_same("isum_dynamic", [(0, 1), (1, 1), (1000, 1), (1000, 7), (1000, 0), (999, 10_000)])
    m.assert_same("iprod_guided", [(1,), (2,), (40,), (62,)])
    m.assert_same("static_chunks", [(0, 2), (1, 2), (100, 1), (100, 2), (101, 3), (100, 0)])


def test_private_and_lastprivate(m):
    for n in (0, 1, 5, 1001):
        a = np.arange(float(n))
        b1, b2 = np.zeros(n), np.zeros(n)
        assert m.native.square(a, b1) == m.py.square(a, b2)
        assert (b1 == b2).all()


def test_error_in_the_1000th_trip_raised_once(m):
    m.assert_same("fails", [(999,), (1000,), (5000,), (0,)])
    with pytest.raises(ValueError, match="iteration 1000") as e:
        m.native.fails(100_000)
    assert e.value.__context__ is None and e.value.__cause__ is None
    a = np.arange(10.0)
    assert m.native.indexes(a, 10) == 45.0 and m.native.indexes(a, 0) == 0.0
    with pytest.raises(IndexError, match="Out of bounds on buffer access"):
        m.native.indexes(a, 11)
    m.assert_same("calls", [(100, 0), (100, -1), (100, -50), (0, -5)])
    m.assert_same("overflow", [(0,), (1,), (2,), (3,)])


def test_recursion_in_threads(m):
    m.assert_same("deep", [(0, 5), (4, 100), (3, 0)])
    with pytest.raises(RecursionError):
        m.native.deep(4, 10 ** 7)
    assert m.native.deep(4, 10) == 40


def test_view_callee_beside_prange(m):
    a = np.arange(1.0, 6.0)
    assert m.native.with_view_callee(a) == m.py.with_view_callee(a) == 16.0


def test_errors_leak_nothing(m):
    a = np.arange(10.0)
    def run():
        for _ in range(200):
            for f, args in ((m.native.fails, (5000,)), (m.native.indexes, (a, 11)), (m.native.calls, (1000, -3))):
                try:
                    f(*args)
                except (ValueError, IndexError):
                    pass
    run()
    before = sys.getallocatedblocks()
    run()
    assert sys.getallocatedblocks() - before < 50


def test_threads_and_threadid(m):
    out = np.zeros(100, dtype=np.intc)
    assert m.native.thread_ids(out, 2) == 0
    # Static schedule: thread 0 takes the first half, thread 1 the second.
    assert list(out) == [0] * 50 + [1] * 50
    m.native.thread_ids(out, 1)
    assert not out.any()


def test_omp_num_threads_honoured(m, tmp_path):
    code = (
        "import numpy as np, importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location({m.native.__name__!r}, {m.native.__file__!r})\n"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
        "out = np.zeros(64, dtype=np.intc); mod.thread_ids(out, 0)\n"
        "print(sorted(set(out.tolist())))\n"
    )
    for threads, seen in (("1", "[0]"), ("2", "[0, 1]"), ("4", "[0, 1, 2, 3]")):
        r = run_python(code, cwd=tmp_path, env_extra={"OMP_NUM_THREADS": threads})
        assert r.returncode == 0 and r.stdout.strip() == seen, r.stderr


def test_with_the_gil_held_it_runs_serially(m):
    m.assert_same("serial_with_gil", [(0,), (10,)])


READS_REDUCTION = '''
import cython
from cython.parallel import prange


def f(n: cython.long) -> cython.long:
    s: cython.long = 0
    t: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True):
        s += i
        t = s
    return s + t
'''


def test_reading_a_reduction_is_an_error(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(READS_REDUCTION)
    b = run_compiler(path, tmp_path)
    assert b.returncode == 1, b.stderr
    assert "the reduction variable `s` is read inside the prange loop" in b.stderr and "bad.py:10" in b.stderr, b.stderr
