"""Compile on import: typed modules become extension modules the first time
they are imported, and load from the cache after that.

    pip install ./runtime          # from the repository root, once
    python3 examples/import_hook.py

The first run compiles fib.py, primes.py and mandelbrot.py into
examples/__pycache__/ (a few milliseconds each); later runs load them from
there without compiling. Edit one of them and it is recompiled.
"""
import time

import pyc_aot

hook = pyc_aot.install()  # every module whose source imports cython / pyc_aot; target "native"
# pyc_aot.install(modules=["fib", "primes"])        # or by name (fnmatch patterns)
# pyc_aot.install(paths=["*/examples/*.py"])        # or by path pattern

start = time.perf_counter()
import fib  # noqa: E402
import mandelbrot  # noqa: E402
import primes  # noqa: E402

elapsed_ms = (time.perf_counter() - start) * 1e3

for module in (fib, primes, mandelbrot):
    kind = "extension" if module.__file__.endswith(pyc_aot.EXTENSION_SUFFIX) else "plain Python"
    print(f"{module.__name__:<11} {kind:<12} {module.__file__}")
print(f"imported in {elapsed_ms:.0f} ms: compiled {hook.compiled or 'nothing'}, from cache {hook.cached or 'nothing'}")

print(f"fib(90) = {fib.fib(90)}")
print(f"primes below 100000: {primes.count_primes(100_000)}")
print(f"mandelbrot(200, 200, 100) = {mandelbrot.mandelbrot(200, 200, 100)}")

pyc_aot.uninstall()
