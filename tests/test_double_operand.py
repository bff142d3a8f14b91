"""`(C double) op object` for `+ - * /` (mir/build/body/number.rs
`double_binary`): on the two doubles when the object is an exact float or
an exact int (`PyLong_AsDouble`'s value and OverflowError, as float's own
operators take an int), with no float made for the C side; otherwise the C side boxed and the
operator's C-API call. Results, exception types and messages as CPython's,
whichever side the double is on; no leaks on either path."""

import pytest

from conftest import LEAK_CALLS, attempt, growth

SOURCE = '''
import cython


def mul_l(x: cython.double, k):
    return x * k


def mul_r(x: cython.double, k):
    return k * x


def add_l(x: cython.double, k):
    return x + k


def sub_r(x: cython.double, k):
    return k - x


def div_l(x: cython.double, k):
    return x / k


def div_r(x: cython.double, k):
    return k / x


def iadd(x: cython.double, k):
    k += x
    return k


@cython.cclass
class V:
    x: cython.double

    def __init__(self, x: cython.double):
        self.x = x

    def scaled(self, k):
        return self.x * k


def field(v: V, k):
    return v.scaled(k)
'''


class RMul:
    def __rmul__(self, other):
        return ("rmul", other)

    def __mul__(self, other):
        return ("mul", other)

    def __radd__(self, other):
        return ("radd", other)


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="double_operand")


OTHERS = [2.5, -0.0, 0.0, 3, -7, True, 2 ** 80, 1 + 2j, "s", None, [1], RMul(),
          float("inf"), float("nan"), 1e308, 0, 2 ** 53 + 1, -(2 ** 63), 2 ** 1100, -(2 ** 1100)]
XS = [1.5, 0.0, -0.0, -3.25, 1e308, float("inf")]


@pytest.mark.parametrize("name", ["mul_l", "mul_r", "add_l", "sub_r", "div_l", "div_r", "iadd"])
def test_same_as_python(m, name):
    cases = [(x, k) for x in XS for k in OTHERS if not isinstance(k, RMul)]
    m.assert_same(name, cases, exact=True)


def test_reflected(m):
    r = RMul()
    assert m.native.mul_l(1.5, r) == ("rmul", 1.5)
    assert m.native.mul_r(1.5, r) == ("mul", 1.5)
    assert m.native.add_l(2.0, r) == ("radd", 2.0)


def test_float_subclass(m):
    class F(float):
        def __mul__(self, o):
            return "F.mul"

        def __rmul__(self, o):
            return "F.rmul"
    assert m.native.mul_l(2.0, F(3.0)) == m.py.mul_l(2.0, F(3.0)) == "F.rmul"
    assert m.native.mul_r(2.0, F(3.0)) == m.py.mul_r(2.0, F(3.0)) == "F.mul"


def test_int_subclass(m):
    # Not an exact int: the operator's call, where float's own takes it
    # first (an int subclass is no float subclass).
    class I(int):
        def __rmul__(self, o):
            return "I.rmul"

        def __float__(self):
            return 100.0
    assert m.native.mul_l(2.0, I(3)) == m.py.mul_l(2.0, I(3)) == 6.0
    assert m.native.add_l(2.0, I(3)) == m.py.add_l(2.0, I(3)) == 5.0


def test_field(m):
    assert m.native.field(m.native.V(1.5), 2.0) == 3.0
    assert m.native.field(m.native.V(1.5), 2) == 3.0
    with pytest.raises(TypeError, match="can't multiply sequence by non-int of type 'float'"):
        m.native.field(m.native.V(1.5), "ab")


def test_no_leaks(m):
    n = m.native
    limit = LEAK_CALLS // 10
    assert growth(lambda: n.mul_l(1.5, 2.5)) < limit
    assert growth(lambda: n.mul_r(1.5, 3)) < limit
    assert growth(lambda: n.div_l(1.5, 2.5)) < limit
    assert growth(lambda: attempt(n.div_l, 1.5, 0.0)) < limit
    assert growth(lambda: attempt(n.div_r, 0.0, 2.5)) < limit
    assert growth(lambda: attempt(n.mul_l, 1.5, None)) < limit
    assert growth(lambda: n.iadd(1.5, 2.5)) < limit
    assert growth(lambda: n.iadd(1.5, 7)) < limit
    assert growth(lambda: n.add_l(1.5, 2 ** 70)) < limit
    assert growth(lambda: attempt(n.add_l, 1.5, 2 ** 1100)) < limit
    assert growth(lambda: attempt(n.div_l, 1.5, 0)) < limit
    v = n.V(2.0)
    assert growth(lambda: v.scaled(0.5)) < limit
