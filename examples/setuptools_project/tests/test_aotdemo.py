"""Run with pytest from the project directory after building (or uncompiled,
with ``pyc_aot`` installed for the ``cython`` stand-ins)."""
import importlib.machinery
import math

import pytest

from aotdemo import geometry, kernels

COMPILED = all(m.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)) for m in (kernels, geometry))


def test_kernels():
    assert kernels.harmonic(1000) == pytest.approx(7.485470860550345, rel=1e-12)
    assert kernels.harmonic(0) == 0.0
    assert kernels.gcd(-12, 18) == 6
    assert kernels.gcd(0, 0) == 0
    assert kernels.collatz_steps(27) == 111
    assert kernels.longest_collatz(10000) == 6171
    with pytest.raises(ValueError, match="positive"):
        kernels.collatz_steps(0)


def test_geometry():
    assert geometry.circle_area(2.0) == 4.0 * math.pi
    assert geometry.polygon_perimeter(6, 1.0) == pytest.approx(6.0)
    assert geometry.integrate_sin(0.0, math.pi, 1000) == pytest.approx(2.0, abs=1e-5)
    with pytest.raises(ValueError):
        geometry.polygon_perimeter(2, 1.0)


def test_signatures_survive_compilation():
    import inspect

    assert list(inspect.signature(kernels.harmonic).parameters) == ["n"]
    assert kernels.harmonic.__doc__.startswith("Return 1 + 1/2")


def test_reports_mode(capsys):
    with capsys.disabled():
        print(f"\naotdemo modules are {'compiled' if COMPILED else 'plain Python'}")
