"""Builds wrap_fib with pyc-aot: `python setup.py build_ext --inplace`.

As with Cython, the C source goes beside the Python module in the
Extension's `sources`; cfib.pxd is found beside wrap_fib.py and cfib.h
beside cfib.c (`include_dirs=`, `libraries=`, `library_dirs=` work as for
any extension)."""
from setuptools import Extension, setup

from pyc_aot.setuptools import build_ext

setup(
    name="wrap_fib",
    ext_modules=[Extension("wrap_fib", sources=["wrap_fib.py", "cfib.c"])],
    cmdclass={"build_ext": build_ext},
)
