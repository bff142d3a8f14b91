"""`prange` forms that used to run serially, now on the thread team:
narrow loop variables, the reductions `-=`, `&=`, `|=`, `^=` and `*=`/`+=`
in every numeric type, several reductions, `break`/`continue`/`return`, an
`else:` clause; `with cython.parallel.parallel():` blocks and the `prange`
loops sharing their team; the build report's note of a loop that runs
serially. Against CPython running the same file where C integers cannot
wrap and the thread order cannot show; against the serial loop's C
arithmetic (and one thread against two or more) where they do. Errors in
the 1000th trip, empty and one-trip ranges and `num_threads=1` for each."""

import sys
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("prange_forms")


def wrap(v, bits, signed):
    v &= (1 << bits) - 1
    return v - (1 << bits) if signed and v >> (bits - 1) else v


def test_narrow_loop_variables(m):
    m.assert_same("narrow_sum", [(0, 2), (1, 2), (1000, 2), (1000, 1), (1001, 3), (-5, 2)])
    m.assert_same("narrow_last", [(0, 100, 1), (5, 5, 1), (7, 6, 1), (0, 1, 1), (-300, 30000, 7), (100, -100, -3), (0, 10, 0)])
    m.assert_same("narrow_unsigned", [(0,), (1,), (256,)])
    for n in (0, 1, 5, 1001):
        a = np.arange(float(n))
        b1, b2 = np.zeros(n), np.zeros(n)
        assert m.native.narrow_views(a, b1) == m.py.narrow_views(a, b2)
        assert (b1 == b2).all()


def test_a_range_the_narrow_variable_cannot_follow(m):
    # As the serial loop: OverflowError after the trips the type can hold.
    with pytest.raises(OverflowError, match="past the range of its type cython.short"):
        m.native.narrow_last(0, 40000, 7)
    with pytest.raises(OverflowError, match="cython.unsignedchar"):
        m.native.narrow_unsigned(300)
    with pytest.raises(OverflowError):
        m.native.narrow_last(40000, 50000, 1)


def test_minus_and_bitwise_reductions(m):
    m.assert_same("minus", [(0, 2), (1, 2), (1000, 1), (1000, 2), (1000, 7)])
    m.assert_same("mixed_plus_minus", [(0,), (1,), (999,), (10_000,)])
    m.assert_same("bits", [(0, 2), (1, 2), (3, 1), (1000, 2), (1000, 3), (100_000, 2)])


def test_narrow_integer_reductions_wrap_as_the_serial_loop(m):
    for n in (0, 1, 2, 1000, 100_000):
        s = wrap(sum(i * 1000003 for i in range(n)), 32, True)
        p = 1
        for i in range(n):
            p = wrap(p * (i * 2 + 1), 32, False)
        c = 255
        for i in range(n):
            c &= 255 - (i % 7)
        for t in (1, 2, 3):
            assert (m.native.narrow_add(n, t), m.native.narrow_mul(n, t), m.native.narrow_and(n, t)) == (s, p, c), (n, t)


def test_float_reductions(m):
    rng = np.random.default_rng(15)
    for n in (0, 1, 2, 1000, 100_001):
        a = rng.standard_normal(n)
        for f in ("float_minus", "float_prod"):
            serial = getattr(m.py, f)(a, 1)
            assert getattr(m.native, f)(a, 1) == serial
            for t in (2, 3):
                assert getattr(m.native, f)(a, t) == pytest.approx(serial, rel=1e-12, abs=1e-12)
        a32 = a.astype(np.float32)
        one = m.native.float32_sum(a32, 1)
        acc = np.float32(0)
        for x in a32:
            acc = np.float32(acc + x)
        assert one == acc  # one thread adds in order, in float32
        for t in (2, 3):
            assert m.native.float32_sum(a32, t) == pytest.approx(one, rel=1e-4, abs=1e-3)


def test_error_in_the_1000th_trip_with_a_narrow_variable(m):
    m.assert_same("narrow_fails", [(999,), (0,), (1,)])
    with pytest.raises(ValueError, match="iteration 1000") as e:
        m.native.narrow_fails(100_000)
    assert e.value.__context__ is None


UNREDUCIBLE = '''
import cython
from cython.parallel import prange


def f(n: cython.long) -> cython.double:
    s: cython.double = 1.0
    i: cython.long
    for i in prange(n, nogil=True):
        s /= 2.0
    return s
'''

INCONSISTENT = '''
import cython
from cython.parallel import prange


def f(n: cython.long) -> cython.long:
    s: cython.long = 1
    i: cython.long
    for i in prange(n, nogil=True):
        s += i
        s *= 2
    return s
'''


@pytest.mark.parametrize("src, op", [(UNREDUCIBLE, "/"), (INCONSISTENT, "*")])
def test_an_update_no_reduction_combines_is_an_error(pyc, src, op):
    b = pyc.build(src)
    assert not b.ok
    assert f"`s` is updated in place with `{op}` inside the prange loop, which no reduction combines" in b.stderr, b.stderr
    assert ":9:" in b.stderr, b.stderr


def test_several_reductions(m):
    m.assert_same("counts", [(0, 2), (1, 2), (2, 1), (1000, 2), (1001, 3), (10_000, 7)])
    m.assert_same("two_fail", [(0,), (1,), (999,), (10,)])
    with pytest.raises(ValueError, match="iteration 1000"):
        m.native.two_fail(100_000)
    # Whole numbers: the float sums are exact in any order.
    for n in (0, 1, 2, 1000, 100_001):
        a = np.arange(n, dtype=float) - n // 3
        for t in (1, 2, 3):
            assert m.native.stats(a, t) == m.py.stats(a, t), (n, t)
    rng = np.random.default_rng(7)
    a = rng.standard_normal(100_001)
    assert m.native.stats(a, 1) == m.py.stats(a, 1)
    assert m.native.stats(a, 2) == pytest.approx(m.py.stats(a, 1), rel=1e-12)


def test_return_from_the_loop(m):
    for n in (0, 1, 2, 1000, 100_001):
        a = np.arange(float(n))
        for x in (0.0, 1.0, n - 1.0, n / 2 // 1, -5.0):
            for t in (1, 2, 3):
                assert m.native.find(a, x, t) == m.py.find(a, x, t), (n, x, t)
            assert m.native.find_narrow(a, x) == m.py.find_narrow(a, x), (n, x)
        b = np.ones(n)
        assert m.native.any_negative(b) is False
        if n:
            b[n // 2] = -1.0
            assert m.native.any_negative(b) is True
    for n, k in ((10, 3), (10, 20), (0, 0), (1, 0)):
        a1, a2 = np.zeros(n), np.zeros(n)
        assert m.native.fill_until(a1, k) is None and m.py.fill_until(a2, k) is None
        assert (a1 == a2).all()


def test_break_and_continue(m):
    # One thread runs the trips in order: the serial result.
    m.assert_same("break_at", [(0, 0, 1), (1, 0, 1), (1, 5, 1), (1000, 500, 1), (1000, 2000, 1)])
    m.assert_same("skip_some", [(0, 2), (1, 2), (1000, 2), (10_001, 3)])
    for n, k in ((1000, 500), (1000, 0), (1000, 999), (100_000, 77_777)):
        for t in (2, 3):
            # The trip that broke sets the loop variable; which others ran is
            # up to the threads, but every trip before the break's in its own
            # thread did, and none ran at k.
            assert m.native.break_at(n, k, t) % 1_000_000 == k
            assert m.native.last_before_break(n, k, t) == k
    # No break taken: the loop ran out, as serially.
    assert m.native.break_at(100, 200, 2) == m.py.break_at(100, 200, 2)
    assert m.native.last_before_break(100, 200, 2) == 99
    assert m.native.last_before_break(0, 200, 2) == -7


def test_an_exception_or_a_return(m):
    assert m.native.leave_or_fail(500, 10) == 100
    assert m.native.leave_or_fail(500, -1) == -1
    with pytest.raises(ValueError, match="iteration 1000"):
        m.native.leave_or_fail(100_000, -1)


SERIAL_LEAVE = '''
import cython
from cython.parallel import prange


def f(n: cython.long) -> cython.long:
    s: cython.long = 0
    i: cython.long
    j: cython.long
    for i in prange(n, nogil=True):
        for j in prange(3):
            s += j
        if i > 100:
            break
    return s
'''


def test_a_prange_that_runs_serially_says_so(pyc):
    b = pyc.build(SERIAL_LEAVE)
    assert b.ok, b.describe()
    assert "warning: this prange runs serially: it leaves the loop from a body holding another prange" in b.stderr, b.stderr
    assert ":10:" in b.stderr


def test_an_else_clause_without_break(m):
    m.assert_same("with_else", [(0, 2), (1, 2), (1000, 2), (1000, 1)])
    for n in (0, 1, 1000):
        a = np.arange(float(n))
        for x in (0.0, n - 1.0, -3.0):
            assert m.native.return_or_else(a, x) == m.py.return_or_else(a, x)


@pytest.fixture(scope="module")
def pb(pyc):
    return pyc.pair("parallel_block")


def test_parallel_block(pb):
    # One thread: what plain Python (the shim runs the block once) computes.
    pb.assert_same("threads", [(1,)])
    o1, o2 = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    assert pb.native.per_thread(o1, 1) == pb.py.per_thread(o2, 1)
    assert (o1 == o2).all()
    for t in (2, 3, 4):
        assert pb.native.threads(t) == t
        out = np.zeros(t, dtype=np.int64)
        assert pb.native.per_thread(out, t) == sum(499500 * (k + 1) for k in range(t))
        assert list(out) == [499500 * (k + 1) for k in range(t)]
        # A local assigned in the block is private: the function's own is unchanged.
        assert pb.native.private_after(t) == -1


def test_parallel_block_error_raised_once(pb):
    pb.assert_same("fails", [(1,)])
    for t in (2, 4):
        with pytest.raises(ValueError, match="the last thread") as e:
            pb.native.fails(t)
        assert e.value.__context__ is None


HOLDS_THE_GIL = '''
import cython
from cython.parallel import parallel


def f(t: cython.int) -> cython.long:
    n: cython.long = 0
    with parallel(num_threads=t):
        n += 1
    return n
'''

RETURN_INSIDE = '''
import cython
from cython.parallel import parallel, threadid


def f(n: cython.long) -> cython.long:
    with cython.nogil, parallel():
        if threadid() == n:
            return 1
    return 0
'''

RETURN_AN_OBJECT = '''
import cython
from cython.parallel import parallel, threadid


def f(n: cython.long):
    with cython.nogil, parallel():
        if threadid() == n:
            with cython.gil:
                return [n]
    return None
'''


def test_parallel_block_rules(pyc):
    b = pyc.build(HOLDS_THE_GIL)
    assert not b.ok and "cython.parallel.parallel() can only be used without the GIL" in b.stderr and ":8:" in b.stderr, b.stderr
    b = pyc.build(RETURN_INSIDE)
    assert b.ok and "left to Python" not in b.stderr, b.stderr
    b = pyc.build(RETURN_AN_OBJECT)
    assert b.ok and "it returns a value without a C type from a `with cython.parallel.parallel():` block" in b.stderr, b.stderr


def test_prange_shares_the_block_team(pb):
    for t in (1, 2, 3):
        for n in (0, 1, 1000):
            a, b = np.arange(float(n)), np.zeros(n)
            assert pb.native.shared_loop(a, b, t) == n * (n - 1) / 2
            assert (b == 2 * a).all()
            out = np.full(n, -1, dtype=np.intc)
            assert pb.native.shared_loop_dynamic(n, out, t) == n
            assert (out >= 0).all() and (out < t).all()
        out = np.full(90, -1, dtype=np.intc)
        pb.native.shared_static_ids(out, t)
        # Static: the block's threads take one block of trips each, in order.
        assert list(out) == [k * t // 90 for k in range(90)] or sorted(set(out.tolist())) == list(range(t)), out
    b1, b2 = np.zeros(5), np.zeros(5)
    assert pb.native.shared_loop(np.arange(5.0), b1, 1) == pb.py.shared_loop(np.arange(5.0), b2, 1)
    assert (b1 == b2).all()


def test_an_error_in_a_shared_loop_is_raised_once_after_the_block(pb):
    pb.assert_same("shared_loop_fails", [(0, 1), (999, 1), (5000, 1)])
    for t in (2, 3):
        assert pb.native.shared_loop_fails(999, t) == 999
        with pytest.raises(ValueError, match="iteration 1000") as e:
            pb.native.shared_loop_fails(100_000, t)
        assert e.value.__context__ is None


def test_a_block_reads_a_reduction_after_its_loop(pb):
    # Cython's tutorial `normalize`: every thread reads the loop's total.
    for n in (0, 1, 2, 1001):
        x0 = np.random.default_rng(n).standard_normal(n)
        x1, x2 = x0.copy(), x0.copy()
        assert pb.native.normalize(x1, 1) == pb.py.normalize(x2, 1)
        assert (x1 == x2).all() or n == 0
        for t in (2, 3):
            x3 = x0.copy()
            total = pb.native.normalize(x3, t)
            assert total == pytest.approx(pb.py.normalize(x0.copy(), 1), rel=1e-12)
            assert np.allclose(x3, x2, rtol=1e-12) and (n < 2 or abs(np.linalg.norm(x3) - 1) < 1e-12)
    for n in (0, 1, 1000):
        o1, o2 = np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64)
        want = pb.py.reduce_then_read(n, o2, 1)
        assert pb.native.reduce_then_read(n, o1, 1) == want and (o1 == o2).all()
        for t in (2, 3):
            out = np.zeros(4, dtype=np.int64)
            assert pb.native.reduce_then_read(n, out, t) == want
            assert list(out[:t]) == [want] * t


def test_a_block_cut_after_a_failing_loop(pb):
    pb.assert_same("reduce_then_fail", [(0, 1), (1, 1), (998, 1), (5000, 1)])
    for t in (2, 3):
        assert pb.native.reduce_then_fail(998, t) == pb.py.reduce_then_fail(998, 1)
        with pytest.raises(ValueError, match="iteration 1000") as e:
            pb.native.reduce_then_fail(100_000, t)
        assert e.value.__context__ is None


def test_a_private_read_across_the_cut_stays_python(pb):
    assert "private_across_the_cut" in pb.build.stderr and "reads the private `k`" in pb.build.stderr
    pb.assert_same("private_across_the_cut", [(0, 1), (10, 1)], native=False)


def break_continue_ref(n, stop_at, t):
    done, k = 0, -1
    for k in range(n):
        if k == stop_at:
            break
        if k % 3 == 1:
            continue
        done += t + 100
    return done * 1000 + k


def test_leaving_a_block(pb):
    for args in ((0, 5), (10, 5), (10, 100), (10, 0), (1, 0), (1, 1)):
        pb.assert_same("block_break_continue", [args + (1,)])
        for t in (2, 3):
            assert pb.native.block_break_continue(*args, t) == break_continue_ref(*args, t)
    pb.assert_same("block_mixed_exits", [(0, 1), (10, 1)])
    for t in (2, 3):
        # Thread 0 continues every time, the last thread breaks on the 4th: break wins.
        assert pb.native.block_mixed_exits(10, t) == 4003
        assert pb.native.block_mixed_exits(3, t) == 3002
    pb.assert_same("block_return", [(10, 0, 1), (10, -1, 1), (4, -1, 1), (0, 0, 1)])
    for t in (2, 3):
        assert pb.native.block_return(10, t - 1, t) == 50 + t - 1
        assert pb.native.block_return(10, -1, t) == 50
        assert pb.native.block_return(4, -1, t) == -1
    for t in (1, 2, 3):
        o = np.zeros(4, dtype=np.int64)
        assert pb.native.block_return_void(o, t) is None
        # The threads other than the first, which returned, ran the block to its end.
        assert list(o) == [0] + [1] * (t - 1) + [0] * (4 - t)


def test_leaving_and_failing_leak_nothing(m, pb):
    a = np.arange(1000.0)

    def run():
        for _ in range(200):
            m.native.find(a, 500.0, 2)
            m.native.break_at(1000, 300, 2)
            for f, args in ((m.native.leave_or_fail, (100_000, -1)), (pb.native.fails, (2,)), (pb.native.shared_loop_fails, (5000, 2)), (pb.native.reduce_then_fail, (5000, 2)), (pb.native.normalize, (a.copy(), 2)), (pb.native.block_return, (10, -1, 2)), (pb.native.block_break_continue, (10, 5, 2))):
                try:
                    f(*args)
                except ValueError:
                    pass
    run()
    before = sys.getallocatedblocks()
    run()
    assert sys.getallocatedblocks() - before < 50


def test_use_threads_if(m, pb):
    for flag in (False, True):
        out1, out2 = np.full(100, 7, dtype=np.intc), np.full(100, 7, dtype=np.intc)
        assert m.native.threads_if(out1, flag) == m.py.threads_if(out2, flag) == 4950
        assert sorted(set(out1.tolist())) == ([0, 1] if flag else [0])
    assert pb.native.block_threads_if(False) == pb.py.block_threads_if(False) == 1
    assert pb.native.block_threads_if(True) == 3


def test_shape_copies_read_in_the_body(m, tmp_path):
    # `m = a.shape[1]` before the loop: the outlined body reads a's part.
    rng = np.random.default_rng(21)
    for rows, cols in ((0, 3), (1, 1), (1, 0), (7, 5), (1000, 3), (2001, 4)):
        a = rng.standard_normal((rows, cols))
        for view in (a, a[:, ::2], np.asfortranarray(a)):
            for t in (1, 2, 3):
                o1, o2 = np.zeros(rows), np.zeros(rows)
                assert m.native.row_sums(view, o1, t, -1) == m.py.row_sums(view, o2, t, -1), (rows, cols, t)
                assert (o1 == o2).all()
            for k in (0, 2, 10):
                o1, o2 = np.zeros(rows), np.zeros(rows)
                assert m.native.row_sums_cut(view, o1, k) == m.py.row_sums_cut(view, o2, k)
                assert (o1 == o2).all()
    a = np.ones((5000, 3))
    m.assert_same("row_sums", [(a, np.zeros(5000), 2, 999), (a, np.zeros(5000), 1, 999), (a[:999], np.zeros(999), 2, 999)])
    with pytest.raises(ValueError, match="row 1000") as e:
        m.native.row_sums(a, np.zeros(5000), 2, 999)
    assert e.value.__context__ is None
    # None and a view of the wrong rank, as Cython refuses them (plain Python fails later, differently).
    with pytest.raises(TypeError, match="must not be None"):
        m.native.row_sums(None, np.zeros(3), 2, -1)
    with pytest.raises(ValueError, match="wrong number of dimensions"):
        m.native.row_sums(np.zeros(3), np.zeros(3), 2, -1)
    out = np.zeros(5000)

    def run():
        for _ in range(200):
            m.native.row_sums(a, out, 2, -1)
            try:
                m.native.row_sums(a, out, 2, 999)
            except ValueError:
                pass
    run()
    before = sys.getallocatedblocks()
    run()
    assert sys.getallocatedblocks() - before < 50
    assert sys.getrefcount(a) == sys.getrefcount(out)
    # The copies are no longer passed; `m` assigned twice still is.
    from conftest import run_compiler
    mir = run_compiler(Path(__file__).parent / "programs" / "prange_forms.py", tmp_path, ["--emit", "mir"])
    assert mir.ok, mir.describe()
    sig = lambda name: next(l for l in mir.stdout.splitlines() if l.startswith("def %s.prange0(" % name))
    assert " m: " not in sig("row_sums") and " st: " not in sig("row_sums") and "a.shape[1]" in sig("row_sums")
    assert " m: " in sig("row_sums_cut")


def test_else_with_break(m, tmp_path):
    args = [(n, k, t) for n in (0, 1, 2, 1000, 5000) for k in (-5, 0, 1, 999, 4999, 5000) for t in (1, 2, 3)]
    m.assert_same("break_else", args + [(5000, -1, 2), (999, -1, 2), (1000, -1, 1)])
    with pytest.raises(ValueError, match="iteration 1000") as e:
        m.native.break_else(100_000, -1, 2)
    assert e.value.__context__ is None
    m.assert_same("inner_break_else", [(n, t) for n in (0, 1, 1000, 10_001) for t in (1, 2, 3)])
    # On the team, not serially: the body is outlined.
    from conftest import run_compiler
    mir = run_compiler(Path(__file__).parent / "programs" / "prange_forms.py", tmp_path, ["--emit", "mir"])
    assert mir.ok, mir.describe()
    assert "def break_else.prange0(" in mir.stdout and "def inner_break_else.prange0(" in mir.stdout

    def run():
        for _ in range(200):
            m.native.break_else(1000, 500, 2)
            try:
                m.native.break_else(5000, -1, 2)
            except ValueError:
                pass
    run()
    before = sys.getallocatedblocks()
    run()
    assert sys.getallocatedblocks() - before < 50
