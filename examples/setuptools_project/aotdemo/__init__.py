"""A small package whose two modules are compiled by pyc-aot (see setup.py)."""

from .geometry import circle_area, integrate_sin, polygon_perimeter
from .kernels import collatz_steps, gcd, harmonic, longest_collatz

__all__ = ["circle_area", "collatz_steps", "gcd", "harmonic", "integrate_sin", "longest_collatz", "polygon_perimeter"]
