#!/usr/bin/env python3
"""Build and import times of the pyc_aot Python package, against Cython.

1. Cold ``python setup.py build_ext --inplace`` of examples/setuptools_project
   (two typed modules) with pyc-aot's ``build_ext``, against the same two
   sources built by Cython (``cythonize`` + gcc) — the sources are identical
   except that ``from pyc_aot import cython`` reads ``import cython`` for
   Cython. Each build starts from a fresh copy of the project (no build/
   directory, no module) and is timed as a whole process, interpreter start
   included.
2. Import of a typed module through the compile-on-import hook with a warm
   cache (``pyc_aot.install(); import fib``), against importing the same
   ``.py`` file as plain Python (bytecode cached in ``__pycache__``, its
   ``import cython`` answered by pyc-aot's stand-in), and against importing
   the extension module built ahead of time. Each import is timed inside a
   fresh interpreter; the table gives the median over many interpreters.

Everything runs in bench/.work/build_ext_venv (Cython, setuptools, wheel,
maturin from PyPI, and ./runtime installed from the working tree):

    python3 bench/build_ext_bench.py              # full run
    python3 bench/build_ext_bench.py --quick      # fewer repeats
    python3 bench/build_ext_bench.py --no-install # reuse the installed pyc_aot
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
PROJECT = os.path.join(ROOT, "examples", "setuptools_project")
FIB = os.path.join(ROOT, "examples", "fib.py")
SHIM = os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py")
VENV = os.path.join(BENCH, ".work", "build_ext_venv")
VPY = os.path.join(VENV, "bin", "python")
SOURCES = ["aotdemo/kernels.py", "aotdemo/geometry.py"]

CYTHON_SETUP = """\
from setuptools import setup
from Cython.Build import cythonize

setup(
    name="aotdemo",
    packages=["aotdemo"],
    ext_modules=cythonize({sources!r}, language_level=3, quiet=True),
)
"""

CHECK = """\
import importlib.machinery, json, math
import aotdemo.kernels as k, aotdemo.geometry as g
suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
assert k.__file__.endswith(suffix) and g.__file__.endswith(suffix), (k.__file__, g.__file__)
print(json.dumps([k.harmonic(1000), k.gcd(-12, 18), k.collatz_steps(27), k.longest_collatz(10000),
                  g.circle_area(2.0), g.polygon_perimeter(6, 1.0), g.integrate_sin(0.0, math.pi, 1000)]))
"""

TIMED_IMPORT = """\
import sys, time
sys.path.insert(0, {dir!r})
{setup}
t0 = time.perf_counter()
import fib
t1 = time.perf_counter()
assert fib.__file__.endswith({expect!r}), fib.__file__
assert fib.fib(90) == 2.880067194370816e18
print((t1 - t0) * 1e6, (t0 - T_START) * 1e6)
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(cmd, cwd=None, env=None) -> subprocess.CompletedProcess:
    full = dict(os.environ)
    full.pop("PYTHONPATH", None)
    full.pop("PYTHONDONTWRITEBYTECODE", None)  # "plain .py" means with its bytecode cached
    full["PATH"] = os.path.join(VENV, "bin") + os.pathsep + full.get("PATH", "")
    if env:
        full.update(env)
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=full, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def ensure_venv(install: bool) -> None:
    if not os.path.exists(VPY):
        log(f"creating {VENV}")
        run([sys.executable, "-m", "venv", VENV])
    probe = subprocess.run([VPY, "-c", "import Cython, setuptools, wheel, maturin"], capture_output=True)
    if probe.returncode != 0:
        log("installing Cython, setuptools, wheel, maturin from PyPI")
        run([VPY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade",
             "Cython", "setuptools", "wheel", "maturin>=1.9,<2"])
    has = subprocess.run([VPY, "-c", "import pyc_aot"], capture_output=True).returncode == 0
    if install or not has:
        log("installing ./runtime (maturin, release build)")
        run([VPY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-build-isolation",
             "--no-deps", "--force-reinstall", os.path.join(ROOT, "runtime")])


def fresh_copy(dest: str, for_cython: bool) -> str:
    shutil.copytree(PROJECT, dest, ignore=shutil.ignore_patterns("build", "*.so", "*.egg-info", "__pycache__", "tests"))
    if for_cython:
        with open(os.path.join(dest, "setup.py"), "w") as f:
            f.write(CYTHON_SETUP.format(sources=SOURCES))
        for rel in SOURCES:
            path = os.path.join(dest, rel)
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace("from pyc_aot import cython", "import cython"))
    return dest


def time_build(tmp: str, tool: str, repeats: int) -> tuple[list[float], str]:
    times, results = [], None
    for i in range(repeats):
        d = fresh_copy(os.path.join(tmp, f"{tool}-{i}"), for_cython=(tool == "Cython"))
        t0 = time.perf_counter()
        run([VPY, "setup.py", "build_ext", "--inplace"], cwd=d)
        times.append(time.perf_counter() - t0)
        out = run([VPY, "-c", CHECK], cwd=d).stdout.strip()
        if results is not None and out != results:
            raise SystemExit(f"{tool}: results differ between builds")
        results = out
        log(f"  {tool} build {i + 1}/{repeats}: {times[-1]:.3f} s")
    return times, results


def time_floor(repeats: int) -> list[float]:
    """What every setup.py run pays before building: the interpreter and setuptools."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run([VPY, "-c", "from setuptools import setup; from setuptools.command.build_ext import build_ext"])
        times.append(time.perf_counter() - t0)
    return times


def time_imports(tmp: str, repeats: int) -> dict[str, list[float]]:
    """Median import time of fib in fresh interpreters, three ways."""
    plain = os.path.join(tmp, "plain")
    hooked = os.path.join(tmp, "hooked")
    aot = os.path.join(tmp, "aot")
    for d in (plain, hooked, aot):
        os.makedirs(d)
        shutil.copy(FIB, d)
    shutil.copy(SHIM, os.path.join(plain, "cython.py"))  # `import cython` for plain Python
    run([VPY, "-m", "pyc_aot", "build", "fib.py", "-q"], cwd=aot)
    os.remove(os.path.join(aot, "fib.py"))
    suffix = run([VPY, "-c", "import pyc_aot; print(pyc_aot.EXTENSION_SUFFIX)"]).stdout.strip()
    cases = {
        "plain .py (bytecode cached)": (plain, "", ".py"),
        "hook, warm cache": (hooked, "import pyc_aot\npyc_aot.install()", suffix),
        "extension built ahead of time": (aot, "", suffix),
    }
    # Warm up: write bytecode caches and the hook's compiled module.
    for d, setup, expect in cases.values():
        for _ in range(2):
            run([VPY, "-c", "import time; T_START = time.perf_counter()\n" + TIMED_IMPORT.format(dir=d, setup=setup, expect=expect)])
    out: dict[str, list[float]] = {name: [] for name in cases}
    setup_cost: list[float] = []
    for _ in range(repeats):  # interleaved, so drift hits every case alike
        for name, (d, setup, expect) in cases.items():
            code = "import time; T_START = time.perf_counter()\n" + TIMED_IMPORT.format(dir=d, setup=setup, expect=expect)
            us, before = map(float, run([VPY, "-c", code]).stdout.split())
            out[name].append(us)
            if setup:
                setup_cost.append(before)
    out["`import pyc_aot; install()` itself"] = setup_cost
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--no-install", action="store_true", help="do not reinstall ./runtime into the venv")
    args = ap.parse_args()
    builds = 2 if args.quick else 3
    imports = 15 if args.quick else 40

    ensure_venv(install=not args.no_install)
    versions = run([VPY, "-c", "import Cython, setuptools, pyc_aot, sys; "
                    "print(sys.version.split()[0], Cython.__version__, setuptools.__version__, pyc_aot.__version__)"]
                   ).stdout.split()
    with tempfile.TemporaryDirectory(prefix="pyc-aot-build-ext-bench-") as tmp:
        log("cold build_ext --inplace, pyc-aot")
        ours, ours_results = time_build(tmp, "pyc-aot", builds)
        log("cold build_ext --inplace, Cython")
        theirs, their_results = time_build(tmp, "Cython", builds)
        same = json.loads(ours_results) == json.loads(their_results)
        floor = time_floor(max(builds, 5))
        log("imports")
        imp = time_imports(tmp, imports)

    cores = os.cpu_count()
    print(f"# build_ext and import times ({platform.machine()}, {cores} cores, CPython {versions[0]}, "
          f"Cython {versions[1]}, setuptools {versions[2]}, pyc-aot {versions[3]})\n")
    print(f"Cold `python setup.py build_ext --inplace` of examples/setuptools_project "
          f"({len(SOURCES)} modules), whole process; min and median of {builds}:\n")
    base = min(floor)
    print("| builder | min | median | vs pyc-aot | min above the floor | vs pyc-aot |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, t in [("pyc-aot", ours), ("Cython", theirs)]:
        print(f"| {name} | {min(t):.3f} s | {statistics.median(t):.3f} s | {min(t) / min(ours):.1f}× "
              f"| {min(t) - base:.3f} s | {(min(t) - base) / (min(ours) - base):.1f}× |")
    print(f"\nThe floor, paid by both: starting Python and importing setuptools' build_ext, "
          f"{base:.3f} s (min of {len(floor)}).")
    print(f"\nBoth builds compute the same results: {'yes' if same else 'NO'}.\n")
    print(f"Import of examples/fib.py in a fresh interpreter (the `import` statement only); "
          f"median and min of {imports} interpreters:\n")
    print("| import | median | min |")
    print("|---|---:|---:|")
    for name, t in imp.items():
        print(f"| {name} | {statistics.median(t):.0f} µs | {min(t):.0f} µs |")


if __name__ == "__main__":
    main()
