"""`# pyc-aot: associative_math=True` (tests/programs/associative.py): float
sums over contiguous views run as vector partial sums. Results are compared
with exact sums (not bit for bit: reassociation is what the directive
allows), exceptions with the in-order run; and the directive's spelling is
checked."""

import math

import numpy as np
import pytest

from conftest import run_compiler


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("associative")


def test_program_all_native(m):
    assert m.build.counts()[1] == 0, m.build.stderr


def test_sums_are_close_to_exact(m):
    rng = np.random.default_rng(4)
    for n in list(range(0, 20)) + [101, 4096, 100003]:
        a, b = rng.standard_normal(n), rng.standard_normal(n)
        exact = math.fsum((a * b).tolist())
        got = m.fn("dot")(a, b)
        assert abs(got - exact) <= 1e-12 * max(1.0, math.fsum(abs(a * b).tolist())), n
        x = rng.standard_normal(n).astype(np.float32)
        assert abs(m.fn("total32")(x) - math.fsum(x.tolist())) <= 1e-4 * max(1.0, n), n
    # Integers below 2**53 add exactly in any order.
    ints = np.arange(1000, dtype=np.float64)
    assert m.fn("dot")(ints, ints) == float(sum(i * i for i in range(1000)))


def test_exceptions_match_the_in_order_loop(m):
    mat = np.arange(40.0).reshape(4, 10)
    args = [(mat, r, n) for r in (-5, -1, 0, 3, 4) for n in (0, 3, 8, 10, 11)]
    m.assert_same("row_sum", [(memoryview(a), r, n) for a, r, n in args], loose_types=(IndexError,))
    with pytest.raises(ValueError, match="C-contiguous"):
        m.fn("dot")(np.zeros(6)[::2], np.zeros(3))


def test_directive_spelling(tmp_path):
    body = "import cython\n\n\ndef f(x: float) -> float:\n    return x\n"
    for header, ok, text in [("# pyc-aot: associative_math=False\n", True, ""),
                             # a comment CPython ignores must not fail the build (issue 9)
                             ("# pyc-aot: associative_math=maybe\n", True, "directive `associative_math` takes True or False"),
                             ("# cython: boundscheck\n", True, "malformed cython directive `boundscheck` is ignored"),
                             ("# pyc-aot: fast=True\n", True, "unknown pyc-aot directive `fast` is ignored"),
                             ("# cython: associative_math=True\n", True, "unknown cython directive `associative_math` is ignored")]:
        src = tmp_path / "d.py"
        src.write_text(header + body)
        out = run_compiler(src, tmp_path)
        assert out.ok == ok, out.stderr
        assert text in out.stderr, out.stderr
