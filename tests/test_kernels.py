"""Realistic numeric kernels: compiled results bit-identical to CPython."""

import pytest

from conftest import INT64_MAX, INT64_MIN


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("kernels")


def test_mandelbrot(m):
    m.assert_same("mandel_count", [(0, 10), (1, 10), (17, 50), (40, 100)])


def test_float_loops_no_reassociation(m):
    m.assert_same("kahan_sum", [(0,), (1,), (1000,), (100000,)])
    m.assert_same("naive_sum", [(0,), (10,), (12345,)])
    m.assert_same("simpson", [(0.0, 3.141592653589793, 100), (1.0, 2.0, 1000), (0.0, 0.0, 2)])
    m.assert_same("newton_sqrt", [(0.0,), (2.0,), (1e300,), (1e-300,), (12345.678,)])
    m.assert_same("horner", [(0.0,), (0.5,), (-1.5,), (3.0,), (float("nan"),)])
    m.assert_same("logistic", [(3.9, 0.5, 1000), (2.5, 0.1, 100), (4.0, 0.3, 10000)])
    m.assert_same("nbody_energy", [(0,), (10,), (2000,)])


def test_integer_kernels(m):
    m.assert_same("count_primes", [(0,), (2,), (100,), (5000,)])
    m.assert_same("popcount", [(0,), (1,), (255,), (-1,), (INT64_MAX,), (INT64_MIN,), (0x5555,)])
    m.assert_same("digit_sum", [(0,), (9,), (12345,), (-987,), (INT64_MAX,), (INT64_MIN + 1,)])
    m.assert_same("power_mod", [(2, 10, 1000), (3, 200, 1000003), (7, 0, 13), (-3, 5, 7),
                                (123456789, 987654321, 1000000007), (5, 3, 0)])
    m.assert_same("isqrt_newton", [(0,), (1,), (15,), (16,), (10 ** 18,), (2 ** 62,)])
    m.assert_same("ackermann", [(0, 0), (1, 5), (2, 3), (3, 3)])
    m.assert_same("binomial", [(10, 3), (60, 30), (5, -1), (5, 7), (0, 0), (61, 30), (67, 33)])
    m.assert_same("xorshift", [(1, 10), (2463534242, 1000), (0, 5)])
    m.assert_values("c_int_checksum", [((n,), sum((i * 7) % 13 - i // 3 for i in range(n)))
                                       for n in (0, 1, 100, 10000)])


def test_literals(m):
    m.assert_same("literals", [()])
    m.assert_same("int_literals", [()])


def test_most_negative_int_literal(m):
    # -9223372036854775808 is -(2**63): the value fits in 64 bits.
    m.assert_same("min_int_literal", [()])


def test_many_arguments(m):
    m.assert_same("many_args", [tuple([1, 2.5, -3, 4.25, 5, -6.5, 7, 8.0, -9, 1e10, 11, -0.0, True, 14]),
                                tuple([0, 0.0] * 6 + [False, 0]),
                                tuple([2 ** 40, float("inf")] * 6 + [True, -1])])
    m.assert_same("call_many_c", [(0.0,), (1.5,), (-2.25,), (1e300,)])


def test_many_arguments_by_keyword(m):
    kw = dict(a=1, b=2.5, c=-3, d=4.25, e=5, f=-6.5, g=7, h=8.0, i=-9, j=1e10, k=11, l=-0.0,
              m=True, n=14)
    assert m.native.many_args(**kw) == m.py.many_args(**kw)
    rev = dict(reversed(list(kw.items())))
    assert m.native.many_args(**rev) == m.py.many_args(**rev)
