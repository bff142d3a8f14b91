"""Float kernels with PEP 484 types; decorators from ``pyc_aot.cython``.

Under plain CPython this needs nothing but the installed ``pyc_aot`` package.
"""
import math

from pyc_aot import cython


def circle_area(r: float) -> float:
    """Area of a circle of radius r."""
    return math.pi * r * r


@cython.cfunc
@cython.inline
def _chord(r: float, angle: float) -> float:
    return 2.0 * r * math.sin(angle / 2.0)


def polygon_perimeter(sides: int, r: float) -> float:
    """Perimeter of a regular polygon with ``sides`` vertices on a circle of radius r."""
    if sides < 3:
        raise ValueError("a polygon has at least 3 sides")
    return sides * _chord(r, 2.0 * math.pi / sides)


def integrate_sin(a: float, b: float, n: int) -> float:
    """Midpoint-rule integral of sin over [a, b] with n panels."""
    h = (b - a) / n
    total = 0.0
    for i in range(n):
        total += math.sin(a + (i + 0.5) * h)
    return total * h
