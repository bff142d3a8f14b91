"""`with cython.nogil:` and `@cython.nogil` (issue 15): results and errors
as CPython running the same file, the GIL really released (another Python
thread runs meanwhile), errors raised inside nogil code set with the GIL
taken, and Cython's compile-time errors for code that needs the GIL."""

import threading
import time

import pytest

from conftest import run_compiler


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("nogil")


def test_results_and_errors_as_python(m):
    m.assert_same("spin", [(0,), (1,), (10,), (1000,)])
    m.assert_same("fails", [(3,), (13,), (5,), (-4,)])
    m.assert_same("loops", [(0,), (1,), (5,), (7,), (100,)])
    m.assert_same("early", [(5,), (1,), (3,)])
    m.assert_same("recurse", [(0,), (10,), (500,)])
    m.assert_same("assert_in", [(3,), (99,), (100,), (-7,)])


def test_views_inside_nogil(m):
    import array
    for f in (m.native, m.py):
        a, b = array.array("d", [0.0] * 4), array.array("d", [1.0, 2.0, 3.0, 4.0])
        assert f.fill(a, b, 2) == 6.0 and list(a) == [1.0, 2.0, 6.0, 4.0]
        with pytest.raises(IndexError):
            f.fill(a, b, 9)
    # A memoryview copy checks the extents (array.array's slice assignment would resize).
    with pytest.raises(ValueError):
        m.native.fill(array.array("d", [0.0] * 3), array.array("d", [1.0] * 4), 0)


def test_callee_with_views_releasing_the_gil(m):
    np = pytest.importorskip("numpy")
    for a in (np.arange(5.0), np.zeros(0), np.arange(7.0)[::2]):
        assert m.native.total_plus_one(a) == m.py.total_plus_one(a)


def test_deep_recursion_without_the_gil(m):
    with pytest.raises(RecursionError):
        m.native.recurse(10 ** 7)
    assert m.native.recurse(100) == 100


def test_the_gil_is_released(m):
    # While a thread runs `spin` natively, this thread's Python code runs.
    th = threading.Thread(target=m.native.spin, args=(400_000_000,))
    th.start()
    time.sleep(0.05)
    s = 0
    for i in range(10_000):
        s += i
    ran_meanwhile = th.is_alive()
    th.join()
    assert ran_meanwhile


def test_two_threads_raising(m):
    errors = []

    def run():
        for _ in range(2000):
            try:
                m.native.fails(13)
            except ValueError as e:
                errors.append(str(e))

    ths = [threading.Thread(target=run) for _ in range(2)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    assert errors == ["thirteen"] * 4000


NEEDS_GIL = '''
import cython


@cython.cfunc
def g(n: cython.int) -> cython.int:
    return n + 1


def f(n: cython.int) -> cython.int:
    with cython.nogil:
        n = g(n)
    return n
'''

TWICE = '''
import cython


def f(n: cython.int) -> cython.int:
    with cython.nogil:
        with cython.nogil:
            n += 1
    return n
'''


@pytest.mark.parametrize("src,message,hint", [
    (NEEDS_GIL, "`g` needs the GIL, but is called without it", "decorate `g` with `@cython.nogil`"),
    (TWICE, "trying to release the GIL while it was previously released", "remove this `with cython.nogil:`"),
])
def test_gil_errors_at_compile_time(tmp_path, src, message, hint):
    path = tmp_path / "bad.py"
    path.write_text(src)
    b = run_compiler(path, tmp_path)
    assert b.returncode == 1, b.stderr
    assert message in b.stderr and hint in b.stderr and "bad.py:" in b.stderr, b.stderr
