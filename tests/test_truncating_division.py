"""Signed C-integer `//` and `%` that `opt/facts.rs` proves need no Python
sign fix-up are C's truncating division (`NoOverflow`): both operands
`>= 0` by their value ranges (range variables counting from 0, products of
them that fit, constants), or a remainder whose only reader compares it
with zero. The zero test stays, with CPython's messages. Compiled vs. plain
CPython with negative operands, zero divisors and the integer types' edges;
the HIR shows which operations became truncating and which did not."""

from conftest import INT64_MAX, INT64_MIN, INTS, call, grid, growth, run_compiler

SOURCE = '''
import cython


def squares(n: cython.int) -> cython.long:
    total: cython.long = 0
    i: cython.int
    for i in range(n):
        total += cython.cast(cython.long, i) * i % 1009 + i // 7 + i % 64
    return total


def by_range_divisor(n: cython.int, m: cython.int) -> cython.long:
    total: cython.long = 0
    i: cython.int
    j: cython.int
    for i in range(n):
        for j in range(1, m):
            total += i % j * 1000 + i // j
    return total


def by_zero_divisor(n: cython.int, m: cython.int, floor: cython.bint) -> cython.long:
    total: cython.long = 0
    i: cython.int
    j: cython.int
    for i in range(n):
        for j in range(m):
            if floor:
                total += i // j
            else:
                total += i % j
    return total


def divides(a: cython.long, k: cython.long) -> cython.bint:
    return a % k == 0


def not_divides(a: cython.long, k: cython.long) -> cython.bint:
    return 0 != a % k


def if_remainder(a: cython.int, k: cython.int) -> cython.int:
    if a % k:
        return 1
    return 0


def count_multiples(n: cython.int, k: cython.int) -> cython.int:
    c: cython.int = 0
    i: cython.int
    for i in range(-n, n):
        if i % k == 0:
            c += 1
    return c


def remainder(a: cython.long, k: cython.long) -> cython.long:
    return a % k


def remainder_is_one(a: cython.long, k: cython.long) -> cython.bint:
    return a % k == 1


def quotient(a: cython.long, k: cython.long) -> cython.long:
    return a // k


def by_constants(a: cython.long) -> cython.long:
    return (a % 1009) * 1000003 + (a % 8) * 1009 + (a % 1)


def floor_by_constants(a: cython.long) -> cython.long:
    return a // 1009 + a // 8


def narrow_by_constants(a: cython.int) -> cython.int:
    return a % 13 * 100 + a // 13 % 97
'''

SMALL = [-9, -7, -1, 0, 1, 2, 7, 13, 64, 1000]


def _pair(pyc):
    return pyc.pair(SOURCE, stem="truncating_division")


def test_nonnegative_operands_match_cpython(pyc):
    m = _pair(pyc)
    m.assert_same("squares", [0, 1, 5, 64, 1009, 5000, -3])
    m.assert_same("by_range_divisor", grid([0, 1, 17, 200], [0, 1, 2, 9, 40]))


def test_zero_divisor_raises_cpythons_error(pyc):
    m = _pair(pyc)
    m.assert_same("by_zero_divisor", grid([0, 1, 5], [0, 1, 3], [True, False]))
    for floor in (True, False):
        n = call(m.native.by_zero_divisor, (3, 2, floor))
        assert not n.ok and n.exc_type is ZeroDivisionError, n


def test_remainder_compared_with_zero_matches_cpython(pyc):
    m = _pair(pyc)
    longs = INTS + [INT64_MIN + 3, -1009, 1009]
    divisors = [INT64_MIN, -7, -2, -1, 0, 1, 2, 3, 7, 1009, INT64_MAX]
    for f in ("divides", "not_divides", "remainder", "remainder_is_one", "quotient"):
        m.assert_same(f, grid(longs, divisors))
    i32 = [-(2 ** 31), -(2 ** 31) + 1, -13, -1, 0, 1, 13, 2 ** 31 - 1]
    m.assert_same("if_remainder", grid(i32, [-(2 ** 31), -3, -1, 0, 1, 3, 2 ** 31 - 1]))
    m.assert_same("count_multiples", grid([0, 1, 10, 100], [-7, -1, 0, 1, 3]))


def test_constant_divisors_match_cpython(pyc):
    m = _pair(pyc)
    longs = INTS + [INT64_MIN + 3, -1009, 1009, -8, 8]
    m.assert_same("by_constants", [(a,) for a in longs if abs(a) < 2 ** 40] + [(-(2 ** 40),), (2 ** 40,)])
    m.assert_same("floor_by_constants", [(a,) for a in longs])
    m.assert_same("narrow_by_constants", [(a,) for a in [-(2 ** 31), -(2 ** 31) + 1, -14, -13, -12, -1, 0, 1, 12, 13, 2 ** 31 - 1]])


def test_no_leaks(pyc):
    nat = _pair(pyc).native
    assert growth(lambda: (nat.squares(100), nat.divides(-9, 3), call(nat.divides, (1, 0)),
                           call(nat.by_zero_divisor, (3, 2, True)))) < 50


def test_which_divisions_truncate(tmp_path):
    src = tmp_path / "truncating_hir.py"
    src.write_text(SOURCE)
    b = run_compiler(src, args=["--emit", "hir"])
    assert b.ok, b.describe()
    body = {}
    for block in b.stdout.split("\n\n"):
        lines = [l for l in block.strip().splitlines() if not l.lstrip().startswith("local ")]
        if lines:
            body[lines[0].split("(")[0].split()[-1]] = "\n".join(lines[1:])
    assert body["squares"].count("Mod_no_overflow") == 2 and "FloorDiv_no_overflow" in body["squares"]
    assert "Mod(" not in body["squares"] and "FloorDiv(" not in body["squares"]
    assert "Mod_no_overflow" in body["by_range_divisor"] and "FloorDiv_no_overflow" in body["by_range_divisor"]
    for f in ("by_zero_divisor", "divides", "not_divides", "if_remainder", "count_multiples"):
        assert "Mod_no_overflow" in body[f], f
    # Values read as numbers keep Python's sign rule.
    for f in ("remainder", "remainder_is_one", "quotient", "by_constants", "floor_by_constants"):
        assert "_no_overflow" not in body[f], f
    assert "Mod(" in body["remainder"] and "FloorDiv(" in body["quotient"]
