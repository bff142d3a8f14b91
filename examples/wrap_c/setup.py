"""Builds wrap_fib with pyc-aot: `python setup.py build_ext --inplace`.

The C source goes beside the Python module in `sources`, as with Cython's
`Extension`; cfib.pxd is found beside wrap_fib.py."""
from setuptools import setup

from pyc_aot.setuptools import Extension, build_ext

setup(
    name="wrap_fib",
    ext_modules=[Extension("wrap_fib", sources=["wrap_fib.py", "cfib.c"])],
    cmdclass={"build_ext": build_ext},
)
