"""Compile-time values for small arguments of self-recursive integer functions
(tests/programs/folding.py): every function, over arguments around and past
its base case, against CPython; C-division results against C's rules."""

import pytest

from conftest import INT64_MAX, INT64_MIN

ARGS = [(n,) for n in list(range(-8, 24)) + [INT64_MIN, INT64_MIN + 1]]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("folding")


def test_program_all_native(m):
    assert m.build.counts()[1] == 0, m.build.stderr


@pytest.mark.parametrize("name", ["rfib", "rfib_le", "trib", "floors"])
def test_results_match_cpython(m, name):
    m.assert_same(name, [a for a in ARGS if a[0] < 24 and a[0] > -100] + [(-10**6,)])


def test_overflow_past_the_folded_arguments(m):
    m.assert_same("grows", [(n,) for n in range(-3, 8)])
    m.assert_values("grows", [((2,), 28000000000000), ((3,), OverflowError)])


def test_c_int_wraps_like_c(m):
    def c_wraps(n):
        if n < 1:
            return 30000
        v = (c_wraps(n - 1) * 100003 + n) & 0xFFFFFFFF
        return v - (1 << 32) if v >= 1 << 31 else v
    m.assert_values("wraps", [((n,), c_wraps(n)) for n in range(-3, 12)])


def test_c_division_truncates(m):
    def c_div(a, b):
        q = abs(a) // abs(b)
        return q if (a < 0) == (b < 0) else -q

    def c_truncs(n):
        if n < -3:
            return -n
        a, b = c_truncs(n - 2), c_truncs(n - 1)
        return c_div(a, -3) + (b - c_div(b, -5) * -5)
    m.assert_values("truncs", [((n,), c_truncs(n)) for n in range(-8, 14)])


def test_loops_in_the_body(m):
    m.assert_same("loops", [(n,) for n in range(-3, 30)])


def test_too_slow_to_fold_still_right(m):
    m.assert_same("slow", [(n,) for n in range(-2, 5)])


def test_raising_arguments_are_not_folded(m):
    m.assert_same("guarded", [(n,) for n in range(-3, 8)])
    m.assert_values("guarded", [((1,), 1), ((2,), (ValueError, "two")), ((5,), (ValueError, "two"))])


def test_unsigned_narrow(m):
    def c_bits(n):
        if n < 2:
            return n
        return (c_bits(n - 1) * 3 + c_bits(n - 2)) & 0xFF
    m.assert_values("bits", [((n,), c_bits(n)) for n in range(0, 16)])


def test_folded_values_appear_in_the_hir(pyc, tmp_path):
    from conftest import run_compiler, PROGRAMS
    out = run_compiler(PROGRAMS / "folding.py", tmp_path, ["--emit", "hir"])
    assert out.ok, out.describe()
    hir = out.stdout
    fn = lambda name: hir.split("fn %s(" % name, 1)[1].split("\nfn ", 1)[0]
    assert "(n:int Lt 6:int)" in fn("rfib") and "5:int" in fn("rfib")
    assert "(n:int Lt 3:int)" in fn("grows")          # 1 and 2 folded, 3 overflows
    assert "(n:int Lt 2:int)" in fn("guarded")        # 0 and 1 folded, 2 raises
    assert "Lt 5:cython.int" in fn("wraps")           # 1 … 4 folded, wrapped as C ints
    assert "Lt 5:int" not in fn("slow") and "Lt 2:int" not in fn("slow")
