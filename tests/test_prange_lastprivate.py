"""Cython's lastprivate rule in `prange` (docs/semantics.md, "Parallelism"):
a C number the body assigns holds, after the loop, its value in the
sequentially last trip, whatever the schedule and the thread count (1 and 2
threads, `num_threads` and `OMP_NUM_THREADS`, static/dynamic/guided,
chunks, empty and one-trip ranges, negative steps, `break`, `return`, an
error raised with `%` formatting inside `with cython.gil:`). Against
CPython running the same file (the shim's prange is a serial range).
Reading such a local before the trip assigns it (`total = total + i`) is
a located compile-time error."""

import pytest

from conftest import run_compiler, run_python

np = pytest.importorskip("numpy")


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("prange_lastprivate")


RANGES = [(0, 10, 1), (0, 0, 1), (5, 6, 1), (0, 1001, 1), (3, 1000, 7), (100, -100, -3), (10, 0, -1), (0, 7, 2), (-5, 5, 3), (7, 3, 1)]


def test_static(m):
    m.assert_same("lp_static", [r + (nt,) for r in RANGES for nt in (1, 2, 3, 0)])
    m.assert_same("lp_static_chunk", [(n, nt, c) for n in (0, 1, 2, 10, 1001) for nt in (1, 2, 3) for c in (1, 3, 1000)])
    m.assert_same("lp_narrow", [(n, nt) for n in (0, 1, 999, 5000) for nt in (1, 2)])


def test_dynamic_and_guided(m):
    for name in ("lp_dynamic", "lp_guided"):
        m.assert_same(name, [(n, nt, c) for n in (0, 1, 2, 17, 1001, 20_000) for nt in (1, 2, 4) for c in (0, 1, 5)])


def test_omp_num_threads(m, tmp_path):
    assert m.native.lp_default_threads(1000) == m.py.lp_default_threads(1000) == (999, 6993)
    assert m.native.lp_default_threads(0) == (-1, -5)
    code = (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location({m.native.__name__!r}, {m.native.__file__!r})\n"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
        "print(([mod.lp_default_threads(n) for n in (0, 1, 2, 3, 1001)], mod.lp_static(0, 1001, 1, 0), mod.lp_dynamic(1001, 0, 1)))\n"
    )
    want = str(([m.py.lp_default_threads(n) for n in (0, 1, 2, 3, 1001)], m.py.lp_static(0, 1001, 1, 0), m.py.lp_dynamic(1001, 0, 1)))
    for threads in ("1", "2", "3"):
        r = run_python(code, cwd=tmp_path, env_extra={"OMP_NUM_THREADS": threads})
        assert r.returncode == 0 and r.stdout.strip() == want, r.stderr


def test_break_and_return(m):
    # Only one trip leaves, so its values are the loop's, with any number of threads.
    m.assert_same("lp_break", [(n, nt, at) for n in (0, 1, 100, 1001) for nt in (1, 2, 3) for at in (-1, 0, 37, 99, 500, 1000)])
    m.assert_same("lp_break_dynamic", [(n, nt, at) for n in (0, 1, 100) for nt in (1, 2) for at in (-1, 0, 37, 99)])
    m.assert_same("lp_return", [(n, nt, at) for n in (0, 1, 100) for nt in (1, 2) for at in (-1, 0, 37, 99)])


def test_with_reductions_inner_loops_and_views(m):
    m.assert_same("lp_with_reduction", [(n, nt) for n in (0, 1, 2, 1001) for nt in (1, 2)])
    m.assert_same("lp_inner_loop", [(n, nt) for n in (0, 1, 2, 3, 4, 5, 1001, 1002) for nt in (1, 2)])
    m.assert_same("lp_read_after_assignment", [(n, nt) for n in (0, 1, 1001) for nt in (1, 2)])
    for n in (0, 1, 5, 1001):
        for nt in (1, 2):
            a, b = np.arange(float(n)), np.arange(float(n))
            assert m.native.lp_view(a, nt) == m.py.lp_view(b, nt)
            assert (a == b).all()


def test_assigned_on_some_trips(m):
    # One thread: the serial loop's value.
    m.assert_same("lp_conditional", [(n, 1) for n in (0, 1, 6, 8, 10, 15, 1000)])
    # When the last trip assigns it, the serial value with any team.
    for n in (1, 8, 15, 1001):
        assert m.native.lp_conditional(n, 2) == m.py.lp_conditional(n, 2)
    # Otherwise the copy of the thread that ran the last trip, as in Cython:
    # with two threads, trips 3..5 of range(6) assign nothing, so the value
    # before the loop.
    assert m.native.lp_conditional(6, 2) == (5, -5)
    assert m.py.lp_conditional(6, 2) == (5, 0)


def test_an_error_is_raised_once(m):
    cases = [(n, nt, at) for n in (0, 1, 2000) for nt in (1, 2) for at in (-1, 0, 1000, 1999)]
    m.assert_same("lp_fails", cases)
    m.assert_same("lp_fails_formatted", cases)
    with pytest.raises(ValueError, match="^bad trip 1000$"):
        m.native.lp_fails_formatted(2000, 2, 1000)


BAD = '''
import cython
from cython.parallel import prange


def f(n: cython.long) -> cython.long:
    total: cython.long = 0
    i: cython.long
    for i in prange(n, nogil=True):
        {stmt}
    return total
'''


@pytest.mark.parametrize("stmt, hint", [
    ("total = total + i", "write `total += ...` to make `total` a reduction"),
    ("total = i * total", "assign `total` earlier in the trip"),
    ("if i > 3:\n            total = 1\n        total = total + 1", None),
])
def test_reading_a_private_before_the_trip_assigns_it_is_an_error(tmp_path, stmt, hint):
    path = tmp_path / "bad.py"
    path.write_text(BAD.replace("{stmt}", stmt))
    b = run_compiler(path, tmp_path)
    if hint is None:
        # Assigned on some path first: the thread's copy (Cython's rule), no error.
        assert b.returncode == 0, b.stderr
        return
    assert b.returncode == 1, b.stderr
    assert "`total` is read in the prange body before the trip assigns it" in b.stderr, b.stderr
    assert "bad.py:10" in b.stderr and hint in b.stderr, b.stderr
