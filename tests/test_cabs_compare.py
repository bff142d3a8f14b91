"""abs(z) of a C double complex compared with a constant (tests/programs/
cabs_compare.py): decided by re*re + im*im away from the constant, by
hypot near it; the same truth values as plain Python for values on both
sides of the constant, at it, one unit in the last place from it, with
zeros, infinities, NaNs and huge parts (OverflowError from abs() kept),
and no leak."""
import math
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

N = LEAK_CALLS
INF, NAN = float("inf"), float("nan")

NAMES = ["lt", "le", "gt", "ge", "eq", "ne", "const_left", "const_left_le", "huge", "tiny", "negative",
         "chain", "branch", "escape"]
CONSTANTS = [2.0, 2.5, 0.1, 5.0, 1.0, 3.3, 1e-5, 1e200, 1e-200]


def near(k):
    """Complex values whose magnitude is k, or a few ulps around it."""
    out = []
    for x in (k, math.nextafter(k, 0), math.nextafter(k, INF), k * (1 - 2 ** -21), k * (1 + 2 ** -21),
              k * (1 - 2 ** -19), k * (1 + 2 ** -19), k * 0.5, k * 2):
        out += [complex(x, 0), complex(0, -x), complex(x * 0.6, x * 0.8), complex(-x * 0.8, x * 0.6),
                complex(x / math.sqrt(2), x / math.sqrt(2))]
    return out


VALUES = ([0j, complex(-0.0, -0.0), 3 + 4j, 1 + 1j, complex(INF, 0), complex(0, -INF), complex(INF, NAN),
           complex(NAN, 1), complex(NAN, NAN), 1e308 + 1e308j, 1e200 + 1e200j, 1e-200j, 5e-324j,
           complex(1e-320, -1e-320), 1e154 + 1e154j]
          + [z for k in CONSTANTS for z in near(k)])


@pytest.fixture(scope="module")
def m(pyc):
    p = pyc.pair("cabs_compare", args=("--strict",))
    assert "left to Python" not in p.build.stderr, p.build.stderr
    return p


@pytest.mark.parametrize("name", NAMES)
def test_native(m, name):
    m.assert_native(name)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "escape"])
def test_same_truth(m, name):
    m.assert_same(name, [(z,) for z in VALUES], exact=True)


def test_overflow_kept(m):
    for name in ("lt", "ge", "ne", "chain", "branch"):
        with pytest.raises(OverflowError, match="^absolute value too large$"):
            getattr(m.native, name)(1.5e308 + 1.5e308j)


def test_escape_counts(m):
    c = complex(-0.62772, -0.42193)
    w = 24
    zs = [complex(-1.8 + 3.6 * (k % w) / w, 1.8 - 3.6 * (k // w) / w) for k in range(w * w)]
    m.assert_same("escape", [(z, c, 100) for z in zs], exact=True)
    m.assert_same("escape", [(1.5e308 + 1.5e308j, 0j, 3), (2 + 0j, 0j, 5), (complex(NAN, 0), 0j, 5)], exact=True)


def test_no_leak(m):
    f = m.native
    assert growth(lambda: f.lt(1 + 1j)) < N // 10
    assert growth(lambda: f.escape(0.1 + 0.2j, -0.5j, 50)) < N // 10
    assert growth(lambda: attempt(f.lt, 1.5e308 + 1.5e308j)) < N // 10
    assert growth(lambda: attempt(f.escape, 1.5e308 + 1.5e308j, 0j, 3)) < N // 10
