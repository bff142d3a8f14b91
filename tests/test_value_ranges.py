"""Checked `int` arithmetic whose operands' value ranges keep the result in
64 bits runs without an overflow check (`opt/facts.rs`, `NoOverflow`):
bints converted to `int` (`(x > y) - (x < y)`, Cython's C `int`
comparator idiom), narrower C integers, constants, and sums, differences and
products of them. Compiled vs. plain CPython at the edges of every operand's
type; the operations a range does not bound still raise OverflowError
beyond 64 bits; the HIR shows which operations lost their check."""

from conftest import INT64_MAX, INT64_MIN, INTS, grid, run_compiler

SOURCE = '''
import cython


def cmp3(x: float, y: float) -> int:
    return (x > y) - (x < y)


def bints(a: int, b: int, c: int, d: int) -> int:
    return (a > b) + (c > d) * 3 - (a == c) * 7


def narrow(a: cython.int, b: cython.int) -> int:
    return int(a) * int(b) + int(a)


def bint_times_int(a: cython.int, b: cython.short, x: int) -> int:
    return (a < b) * x


def unbounded(a: int, b: int) -> int:
    return (a > b) + a


def unbounded_product(a: cython.int, x: int) -> int:
    return int(a) * x
'''

I32 = [-(2 ** 31), -(2 ** 31) + 1, -2, -1, 0, 1, 2, 2 ** 31 - 2, 2 ** 31 - 1]
I16 = [-(2 ** 15), -1, 0, 1, 2 ** 15 - 1]
FLOATS = [float("-inf"), -1.5, -0.0, 0.0, 1e-300, 2.0, float("inf"), float("nan")]


def _pair(pyc):
    return pyc.pair(SOURCE, stem="value_ranges")


def test_bounded_arithmetic_matches_cpython(pyc):
    m = _pair(pyc)
    m.assert_same("cmp3", grid(FLOATS, FLOATS))
    small = [INT64_MIN, -1, 0, 1, INT64_MAX]
    m.assert_same("bints", [(a, b, c, d) for a in small for b in small for c in small for d in (0, INT64_MAX)])
    m.assert_same("narrow", grid(I32, I32))
    m.assert_same("bint_times_int", [(a, b, x) for a in I32[::2] for b in I16 for x in INTS])


def test_unbounded_arithmetic_still_overflows(pyc):
    m = _pair(pyc)
    # Past 64 bits the compiled `int` raises OverflowError (conftest's expected outcome).
    m.assert_same("unbounded", grid(INTS, INTS))
    m.assert_same("unbounded_product", grid(I32, INTS))
    for f, args in [("unbounded", (INT64_MAX, 0)), ("unbounded_product", (2, INT64_MAX))]:
        try:
            getattr(m.native, f)(*args)
        except OverflowError:
            pass
        else:
            raise AssertionError("%s%r did not overflow" % (f, args))


def test_which_operations_lose_their_check(tmp_path):
    src = tmp_path / "ranges_hir.py"
    src.write_text(SOURCE)
    b = run_compiler(src, args=["--emit", "hir"])
    assert b.ok, b.describe()
    body = {}
    for block in b.stdout.split("\n\n"):
        lines = [l for l in block.strip().splitlines() if not l.lstrip().startswith("local ")]
        if lines:
            body[lines[0].split("(")[0].split()[-1]] = "\n".join(lines[1:])
    assert "Sub_no_overflow" in body["cmp3"] and "Sub(" not in body["cmp3"]
    assert body["bints"].count("_no_overflow") == 4
    assert body["narrow"].count("_no_overflow") == 2
    assert "Mul_no_overflow" in body["bint_times_int"]
    assert "no_overflow" not in body["unbounded"] and "Add(" in body["unbounded"]
    assert "no_overflow" not in body["unbounded_product"] and "Mul(" in body["unbounded_product"]
