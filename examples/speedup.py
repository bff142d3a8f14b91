#!/usr/bin/env python3
"""Build examples/fib.py with pyc-aot and compare it with the plain Python source.

    python3 examples/speedup.py              # build into a temp dir, then time
    python3 examples/speedup.py --so PATH    # time an already-built module
    python3 examples/speedup.py --pyc-aot /path/to/pyc-aot

Prints the per-call time of fib(90) (a 90-step float loop) and fib(0) (pure
call overhead) for the compiled module and for the same file run by CPython,
and the speed-up.
"""
from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIB_PY = os.path.join(HERE, "fib.py")
SHIM = os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py")


def ensure_cython() -> bool:
    """fib.py does `import cython`: use Cython if installed, else pyc-aot's shim."""
    try:
        import cython  # noqa: F401
        return True
    except ImportError:
        pass
    if not os.path.exists(SHIM):
        return False
    load("cython", SHIM, importlib.machinery.SourceFileLoader)
    return True


def find_compiler(explicit: str | None) -> str | None:
    for cand in (explicit, os.environ.get("PYC_AOT"),
                 os.path.join(ROOT, "target", "release", "pyc-aot"), shutil.which("pyc-aot")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def load(name: str, path: str, loader_cls):
    loader = loader_cls(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def per_call(fn, arg: int, repeats: int = 7) -> float:
    """Best per-call time in seconds, timeit-style (min of several repeats)."""
    timer = timeit.Timer(f"f({arg})", globals={"f": fn})
    number, _ = timer.autorange()
    number = max(number, 1) * 2
    return min(timer.repeat(repeat=repeats, number=number)) / number


def fmt(seconds: float) -> str:
    if seconds < 1e-6:
        return f"{seconds * 1e9:8.1f} ns"
    return f"{seconds * 1e6:8.2f} µs"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pyc-aot", help="compiler binary (default: $PYC_AOT, target/release/pyc-aot, PATH)")
    ap.add_argument("--so", help="use this already-built fib extension module instead of building")
    ap.add_argument("--target", help="pass --target to pyc-aot (default: the compiler's own default)")
    opts = ap.parse_args()

    if not ensure_cython():
        print("error: `import cython` fails, so fib.py cannot run as plain Python.\n"
              "       See examples/README.md: install Cython (pip install cython) or put\n"
              "       pyc-aot's cython shim on PYTHONPATH.", file=sys.stderr)
        return 2

    tmp = None
    so = opts.so
    if so is None:
        compiler = find_compiler(opts.pyc_aot)
        if compiler is None:
            print("error: pyc-aot not found; build it with `cargo build --release -p pyc-aot`\n"
                  "       or pass --pyc-aot PATH / set PYC_AOT.", file=sys.stderr)
            return 2
        tmp = tempfile.mkdtemp(prefix="pyc-aot-speedup-")
        cmd = [compiler, "build", FIB_PY, "-o", tmp]
        if opts.target:
            cmd += ["--target", opts.target]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print("$ " + " ".join(cmd))
        print(proc.stdout.rstrip())
        so = os.path.join(tmp, "fib" + sysconfig.get_config_var("EXT_SUFFIX"))
        if proc.returncode != 0 or not os.path.exists(so):
            print(f"error: pyc-aot failed (exit {proc.returncode})", file=sys.stderr)
            return 1

    try:
        compiled = load("fib", so, importlib.machinery.ExtensionFileLoader)
        plain = load("fib_plain", FIB_PY, importlib.machinery.SourceFileLoader)

        for n in (0, 1, 2, 10, 90):
            got, want = compiled.fib(n), plain.fib(n)
            if got != want:
                print(f"error: compiled fib({n}) = {got!r}, Python says {want!r}", file=sys.stderr)
                return 1

        print()
        print(f"{'per call':<10}{'CPython':>12}{'pyc-aot':>12}{'speed-up':>11}")
        for n in (90, 0):
            t_py = per_call(plain.fib, n)
            t_native = per_call(compiled.fib, n)
            print(f"{f'fib({n})':<10}{fmt(t_py):>12}{fmt(t_native):>12}{t_py / t_native:>10.1f}×")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
