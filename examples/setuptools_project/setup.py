"""Build: python setup.py build_ext --inplace   (or: pip install --no-build-isolation .)

Each typed module becomes an extension module next to its .py file; the .py
files stay in the package, so an uncompiled checkout still works.
"""
from setuptools import setup

from pyc_aot.setuptools import aot_extensions, build_ext

setup(
    name="aotdemo",
    version="0.1.0",
    description="pyc-aot example: a package with two compiled modules",
    packages=["aotdemo"],
    # target: default x86-64 (any x86-64 CPU, right for wheels); override with
    # PYC_AOT_TARGET=native or aot_extensions(..., target="x86-64-v3").
    ext_modules=aot_extensions(["aotdemo/kernels.py", "aotdemo/geometry.py"]),
    cmdclass={"build_ext": build_ext},
    install_requires=["pyc-aot"],
    zip_safe=False,
)
