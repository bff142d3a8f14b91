#!/usr/bin/env python3
"""Array kernels: pyc-aot vs Cython vs gcc -O3 -march=native C, in one run.

Kernels (sources in examples/arrays/, C in bench/c_arrays/):

    dot            dot(a, b), 1M float64                 examples/arrays/dot.py
    saxpy          y = a*x + y in place, 1M float64      examples/arrays/saxpy.py
    matmul         naive i-j-k, 256 x 256 float64        examples/arrays/matmul.py
    matmul i-k-j   the same product, i-k-j loop order    (extra row: the vectorisable variant)
    mandelbrot     400 x 400 int32 counts, max_iter 100  examples/arrays/mandelbrot2d.py
    spectral norm  n = 500, 10 power iterations          examples/arrays/spectral_norm.py

pyc-aot builds each example with `pyc-aot build --strict` (target native);
Cython cythonizes the same .py file (its directives are in the decorators)
with CFLAGS=-O3 in bench/.work/venv (created as bench/run.py does); the C column
is bench/c_arrays/<kernel>.c built with `cc -O3 -march=native -shared -fPIC`
and called through ctypes on the NumPy buffers.  A second C build adds
`-ffp-contract=off`: gcc contracts a*b + c into FMA under -march=native, which
rounds differently; without contraction the C does the same arithmetic as
the Python source and must agree bit for bit.

Results are checked before anything is timed.  Timing: `timeit` per call,
repeats interleaved across implementations, minimum kept.  Needs NumPy, so run
it with the project's venv:

    .venv/bin/python bench/arrays.py            # ~1-2 minutes; writes bench/arrays_results.md
    .venv/bin/python bench/arrays.py --quick
"""
from __future__ import annotations

import argparse
import ctypes
import datetime
import os
import platform
import shutil
import sys
import tempfile
import time
import timeit

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
import run as _run  # noqa: E402  (helpers only; bench/run.py's main() is not executed)

# NumPy's OpenBLAS threads spin after use and would take a core from the
# kernels being timed (this machine has two); no kernel here calls BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
try:
    import numpy as np
except ImportError:  # pragma: no cover
    sys.exit("bench/arrays.py needs NumPy: run it with .venv/bin/python (or pip install numpy)")

SRC = os.path.join(ROOT, "examples", "arrays")
C_SRC = os.path.join(BENCH, "c_arrays")
MODULES = ["dot", "saxpy", "matmul", "mandelbrot2d", "spectral_norm"]
C_KERNELS = ["dot", "saxpy", "matmul", "mandelbrot", "spectral_norm"]
IMPLS = ("pyc-aot", "Cython", "C", "C nofma")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# builds
# --------------------------------------------------------------------------

def build_pyc_aot(exe: str, outdir: str) -> tuple[dict, list[str]]:
    mods, errors = {}, []
    for m in MODULES:
        so, _, out = _run.build_pyc_aot(exe, os.path.join(SRC, m + ".py"), outdir, ["--strict"])
        if so is None:
            errors.append(f"pyc-aot build of {m}.py failed:\n{out}")
            continue
        mods[m] = _run.load_extension(m, so)
    return mods, errors


def build_cython(outdir: str) -> tuple[dict, list[str]]:
    err = _run.ensure_cython_venv()
    if err:
        return {}, [f"Cython unavailable: {err}"]
    sos, _, out = _run.build_cython([os.path.join(SRC, m + ".py") for m in MODULES], outdir)
    mods, errors = {}, []
    if out:
        errors.append(out)
    for m in MODULES:
        if m in sos:
            mods[m] = _run.load_extension(m, sos[m])
        else:
            errors.append(f"Cython build of {m}.py produced no module")
    return mods, errors


def build_c(outdir: str, extra: list[str]) -> tuple[dict, list[str]]:
    cc = os.environ.get("CC", "cc")
    libs, errors = {}, []
    for k in C_KERNELS:
        so = os.path.join(outdir, f"{k}{'_nofma' if extra else ''}.so")
        cmd = [cc, "-O3", "-march=native", *extra, "-shared", "-fPIC",
               os.path.join(C_SRC, k + ".c"), "-o", so, "-lm"]
        r = _run.run(cmd)
        if r.returncode != 0:
            errors.append(f"$ {' '.join(cmd)}\n{r.stdout}")
            continue
        libs[k] = ctypes.CDLL(so)
    return libs, errors


def c_functions(libs: dict) -> dict:
    """ctypes callables with the signatures of bench/c_arrays/*.c."""
    P, L, D, I = ctypes.c_void_p, ctypes.c_long, ctypes.c_double, ctypes.c_int
    sig = {
        "dot": ("dot", [P, P, L], D),
        "saxpy": ("saxpy", [D, P, P, L], None),
        "matmul": ("matmul", [P, P, P, L, L, L], None),
        "mandelbrot": ("mandelbrot", [P, L, L, D, D, D, D, I], None),
        "spectral_norm": ("spectral_norm", [P, P, P, L, I], D),
    }
    out = {}
    for k, lib in libs.items():
        name, args, res = sig[k]
        f = getattr(lib, name)
        f.argtypes, f.restype = args, res
        f._pyc_lib = lib
        out[k] = f
    return out


def c_matmul_ikj(matmul):
    """matmul_ikj from the library that holds the ctypes function `matmul`."""
    f = matmul._pyc_lib.matmul_ikj
    f.argtypes, f.restype = matmul.argtypes, None
    return f


def ptr(a) -> int:
    return a.ctypes.data


# --------------------------------------------------------------------------
# kernels: inputs, one callable per implementation, result check
# --------------------------------------------------------------------------

def same_bits(x, y) -> bool:
    x, y = np.asarray(x), np.asarray(y)
    return x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()


def max_rel_err(x, y) -> float:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-300)))


def setup_kernels(py: dict, cy: dict, cf: dict, cf_nofma: dict, rng):
    """Return [(label, {impl: timed callable}, {impl: result}, reference, exact_ref, note)]."""
    kernels = []

    def avail(impl, modname, cname):
        if impl == "pyc-aot":
            return py.get(modname)
        if impl == "Cython":
            return cy.get(modname)
        return (cf if impl == "C" else cf_nofma).get(cname)

    # dot -----------------------------------------------------------------
    n = 1_000_000
    a, b = rng.random(n), rng.random(n)
    ref = float(np.cumsum(a * b)[-1])  # sequential left-to-right sum, the loop's order
    calls, results = {}, {}
    for impl in IMPLS:
        f = avail(impl, "dot", "dot")
        if f is None:
            continue
        if impl in ("pyc-aot", "Cython"):
            g = f.dot
            calls[impl] = lambda g=g: g(a, b)
        else:
            pa, pb = ptr(a), ptr(b)  # a, b stay alive: module-level in this function
            calls[impl] = lambda f=f, pa=pa, pb=pb: f(pa, pb, n)
        results[impl] = calls[impl]()
    kernels.append(("dot, 1M float64", calls, results, ref, True))

    # saxpy ---------------------------------------------------------------
    x, y0, alpha = rng.random(n), rng.random(n), 1.0001
    ref = alpha * x + y0
    calls, results = {}, {}
    for impl in IMPLS:
        f = avail(impl, "saxpy", "saxpy")
        if f is None:
            continue
        y = y0.copy()
        if impl in ("pyc-aot", "Cython"):
            g = f.saxpy
            calls[impl] = lambda g=g, y=y: g(alpha, x, y)
        else:
            px, py_ = ptr(x), ptr(y)
            calls[impl] = lambda f=f, px=px, py_=py_, keep=y: f(alpha, px, py_, n)
        calls[impl]()
        results[impl] = y.copy()
    kernels.append(("saxpy, 1M float64, in place", calls, results, ref, True))

    # matmul --------------------------------------------------------------
    m = 256
    A, B = rng.random((m, m)), rng.random((m, m))
    ref = A @ B
    calls, results = {}, {}
    for impl in IMPLS:
        f = avail(impl, "matmul", "matmul")
        if f is None:
            continue
        C = np.zeros((m, m))
        if impl in ("pyc-aot", "Cython"):
            g = f.matmul
            calls[impl] = lambda g=g, C=C: g(A, B, C)
        else:
            pA, pB, pC = ptr(A), ptr(B), ptr(C)
            calls[impl] = lambda f=f, pA=pA, pB=pB, pC=pC, keep=C: f(pA, pB, pC, m, m, m)
        calls[impl]()
        results[impl] = C.copy()
    kernels.append(("matmul 256×256 (naive i-j-k)", calls, results, ref, False))

    # matmul, i-k-j order (not in the list: the vectorisable variant) --
    calls, results = {}, {}
    for impl in IMPLS:
        f = avail(impl, "matmul", "matmul")
        if f is None:
            continue
        C = np.zeros((m, m))
        if impl in ("pyc-aot", "Cython"):
            g = f.matmul_ikj
            calls[impl] = lambda g=g, C=C: g(A, B, C)
        else:
            g = c_matmul_ikj(f)
            pA, pB, pC = ptr(A), ptr(B), ptr(C)
            calls[impl] = lambda g=g, pA=pA, pB=pB, pC=pC, keep=C: g(pA, pB, pC, m, m, m)
        calls[impl]()
        results[impl] = C.copy()
    kernels.append(("matmul 256×256, i-k-j order (extra)", calls, results, ref, False))

    # mandelbrot ----------------------------------------------------------
    h = w = 400
    x0, x1, y0_, y1, it = -2.0, 1.0, -1.5, 1.5, 100
    ref = mandelbrot_numpy(h, w, x0, x1, y0_, y1, it)
    calls, results = {}, {}
    for impl in IMPLS:
        f = avail(impl, "mandelbrot2d", "mandelbrot")
        if f is None:
            continue
        counts = np.zeros((h, w), dtype=np.int32)
        if impl in ("pyc-aot", "Cython"):
            g = f.mandelbrot
            calls[impl] = lambda g=g, counts=counts: g(counts, x0, x1, y0_, y1, it)
        else:
            pc = ptr(counts)
            calls[impl] = lambda f=f, pc=pc, keep=counts: f(pc, h, w, x0, x1, y0_, y1, it)
        calls[impl]()
        results[impl] = counts.copy()
    kernels.append(("Mandelbrot 400×400, max_iter 100", calls, results, ref, True))

    # spectral norm -------------------------------------------------------
    sn = 500
    ref = spectral_norm_numpy(sn, 10)
    calls, results = {}, {}
    for impl in IMPLS:
        f = avail(impl, "spectral_norm", "spectral_norm")
        if f is None:
            continue
        u, v, tmp = np.ones(sn), np.empty(sn), np.empty(sn)
        if impl in ("pyc-aot", "Cython"):
            g = f.spectral_norm

            def call(g=g, u=u, v=v, tmp=tmp):
                u.fill(1.0)
                return g(u, v, tmp, 10)
        else:
            pu, pv, pt = ptr(u), ptr(v), ptr(tmp)

            def call(f=f, u=u, pu=pu, pv=pv, pt=pt, keep=(v, tmp)):
                u.fill(1.0)
                return f(pu, pv, pt, sn, 10)
        calls[impl] = call
        results[impl] = call()
    kernels.append((f"spectral norm, n={sn}", calls, results, ref, False))
    return kernels


def mandelbrot_numpy(h, w, x0, x1, y0, y1, max_iter):
    """The same recurrence, element-wise in NumPy (same operations, same order)."""
    dx = (x1 - x0) / w
    dy = (y1 - y0) / h
    cr = x0 + np.arange(w, dtype=np.float64) * dx
    ci = y0 + np.arange(h, dtype=np.float64) * dy
    cr, ci = np.broadcast_to(cr, (h, w)), np.broadcast_to(ci[:, None], (h, w))
    zr = np.zeros((h, w)); zi = np.zeros((h, w)); zr2 = np.zeros((h, w)); zi2 = np.zeros((h, w))
    n = np.zeros((h, w), dtype=np.int32)
    for _ in range(max_iter):
        live = zr2 + zi2 <= 4.0
        if not live.any():
            break
        zi = np.where(live, 2.0 * zr * zi + ci, zi)
        zr = np.where(live, zr2 - zi2 + cr, zr)
        zr2 = np.where(live, zr * zr, zr2)
        zi2 = np.where(live, zi * zi, zi2)
        n += live
    return n


def spectral_norm_numpy(n, iterations):
    i = np.arange(n, dtype=np.int64)[:, None]
    j = np.arange(n, dtype=np.int64)[None, :]
    A = 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)
    u = np.ones(n)
    for _ in range(iterations):
        v = A.T @ (A @ u)
        u = A.T @ (A @ v)
    return float(np.sqrt(u @ v / (v @ v)))


def check(results: dict, ref, exact_ref: bool) -> tuple[str, list[str]]:
    """One cell of the 'results' column, and failures.

    pyc-aot must match the reference bit for bit when the reference does the
    same operations in the same order (exact_ref), else be allclose (1e-12);
    Cython and C without FMA contraction must match pyc-aot bit for bit; C with
    -march=native (FMA) is reported by its largest relative difference."""
    failures, parts = [], []
    base = results.get("pyc-aot")
    if base is None:
        return "n/a", ["pyc-aot produced no result"]
    if exact_ref:
        ok = same_bits(base, ref)
        parts.append("= reference (bit-identical)" if ok else "≠ reference")
    else:
        err = max_rel_err(base, ref)
        ok = err <= 1e-12
        parts.append(f"≈ NumPy (rel. err {err:.0e})")
    if not ok:
        failures.append("pyc-aot does not match the reference")
    for impl, label in (("Cython", "Cython"), ("C nofma", "C no-FMA")):
        if impl in results:
            if same_bits(results[impl], base):
                parts.append(f"= {label}")
            else:
                parts.append(f"≠ {label} (WRONG)")
                failures.append(f"{impl} differs from pyc-aot")
    if "C" in results:
        c = np.asarray(results["C"])
        if same_bits(c, base):
            parts.append("= C")
        elif c.dtype.kind in "iu":
            diff = int(np.count_nonzero(c != np.asarray(base)))
            parts.append(f"C (FMA): {diff} of {c.size} counts differ")
            if diff > c.size // 100:
                failures.append("C differs from pyc-aot in more than 1% of the counts")
        else:
            err = max_rel_err(c, base)
            parts.append(f"C (FMA): rel. diff {err:.0e}")
            if err > 1e-9:
                failures.append("C differs from pyc-aot by more than 1e-9")
    return ", ".join(parts), failures


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def bench(calls: dict, repeats: int, target: float) -> dict:
    timers, numbers, best = {}, {}, {}
    for impl, fn in calls.items():
        timers[impl] = timeit.Timer("f()", globals={"f": fn})
        numbers[impl] = _run.calibrate(timers[impl], target)
        best[impl] = float("inf")
    for _ in range(repeats):
        for impl, timer in timers.items():
            best[impl] = min(best[impl], timer.timeit(numbers[impl]) / numbers[impl])
    return best


def ratio(a, b) -> str:
    return _run.fmt_ratio(a, b)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pyc-aot", help="path of the pyc-aot binary")
    ap.add_argument("--quick", action="store_true", help="3 repeats of ~0.05 s instead of 15 of ~0.1 s")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--target-time", type=float, default=None)
    ap.add_argument("--output", default=os.path.join(BENCH, "arrays_results.md"))
    opts = ap.parse_args()
    repeats = opts.repeats or (3 if opts.quick else 15)
    target = opts.target_time or (0.05 if opts.quick else 0.1)
    t_start = time.perf_counter()

    exe = _run.find_pyc_aot(opts.pyc_aot)
    if exe is None:
        log("bench/arrays.py: pyc-aot binary not found (cargo build --release -p pyc-aot)")
        return 2
    workdir = os.path.join(_run.WORK, "builds")
    os.makedirs(workdir, exist_ok=True)
    out_py = tempfile.mkdtemp(prefix="arrays-pyc-aot-", dir=workdir)
    out_cy = tempfile.mkdtemp(prefix="arrays-cython-", dir=workdir)
    out_c = tempfile.mkdtemp(prefix="arrays-c-", dir=workdir)

    log("bench/arrays.py: building (pyc-aot, Cython, C) ...")
    py, e1 = build_pyc_aot(exe, out_py)
    cy, e2 = build_cython(out_cy)
    cl, e3 = build_c(out_c, [])
    cl_nofma, e4 = build_c(out_c, ["-ffp-contract=off"])
    build_errors = e1 + e2 + e3 + e4
    for e in build_errors:
        log(e)
    cf, cf_nofma = c_functions(cl), c_functions(cl_nofma)

    rng = np.random.default_rng(20240611)
    kernels = setup_kernels(py, cy, cf, cf_nofma, rng)

    rows, failures = [], []
    for label, calls, results, ref, exact in kernels:
        cell, fails = check(results, ref, exact)
        failures += [f"{label}: {f}" for f in fails]
        log(f"bench/arrays.py: timing {label} ...")
        best = bench(calls, repeats, target)
        rows.append((label, best, cell, bool(fails)))

    cyver = "n/a"
    r = _run.run([_run.VENV_PY, "-c", "import Cython; print(Cython.__version__)"])
    if r.returncode == 0:
        cyver = r.stdout.strip()
    ccver = _run.run([os.environ.get("CC", "cc"), "--version"]).stdout.splitlines()[0]
    cpu = _run.cpu_name()
    pyc_ver = _run.run([exe, "--version"]).stdout.strip() or exe

    hdr = ("| kernel | pyc-aot | Cython -O3 | gcc -O3 -march=native | gcc … -ffp-contract=off "
           "| pyc-aot ÷ Cython | pyc-aot ÷ gcc | pyc-aot ÷ gcc no-FMA | results |")
    lines = [hdr, "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for label, best, cell, bad in rows:
        g = best.get
        lines.append(
            f"| {label} | {_run.fmt_time(g('pyc-aot'))} | {_run.fmt_time(g('Cython'))} | "
            f"{_run.fmt_time(g('C'))} | {_run.fmt_time(g('C nofma'))} | "
            f"{ratio(g('pyc-aot'), g('Cython'))} | {ratio(g('pyc-aot'), g('C'))} | "
            f"{ratio(g('pyc-aot'), g('C nofma'))} | {cell}{' **(WRONG)**' if bad else ''} |")
    table = "\n".join(lines)
    elapsed = time.perf_counter() - t_start

    report = [
        "# Array kernels: pyc-aot vs Cython vs gcc C",
        "",
        f"Generated by `bench/arrays.py` on {datetime.date.today().isoformat()} "
        f"({elapsed:.0f} s). Per-call time, minimum of {repeats} interleaved repeats of ~{target} s; "
        "ratios are pyc-aot ÷ other (below 1.00× pyc-aot is faster).",
        "",
        table,
        "",
        "## Setup",
        "",
        f"- machine: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; NumPy {np.__version__}",
        f"- pyc-aot: `{os.path.relpath(exe, ROOT)}` ({pyc_ver}), `pyc-aot build --strict` (target native)",
        f"- Cython {cyver}: `cythonize -i -3` on the same `examples/arrays/*.py`, CFLAGS=-O3 (no -march), "
        "same directives (in the decorators)",
        f"- C: `bench/c_arrays/*.c`, {ccver}, `cc -O3 -march=native -shared -fPIC`, called through "
        "ctypes with the NumPy buffers' addresses (ctypes' call overhead, ~1 µs, is included, as the "
        "buffer acquisition is for pyc-aot and Cython); the no-FMA column adds `-ffp-contract=off`",
        "- saxpy runs in place on the same array on every call; spectral norm resets u to ones "
        "(`u.fill(1.0)`, ~0.1 µs) on every call in every column",
        "- results: checked before timing. The dot reference is `np.cumsum(a*b)[-1]` (the loop's "
        "order), saxpy's `a*x + y`, Mandelbrot's an element-wise NumPy version of the same recurrence; "
        "matmul and spectral norm are compared with NumPy's `A @ B` / power method (allclose 1e-12). "
        "Cython and no-FMA C must equal pyc-aot bit for bit; C with -march=native contracts "
        "multiply-adds into FMA, so its largest difference is shown",
    ]
    if failures:
        report += ["", "## Failures", ""] + [f"- {f}" for f in failures]
    if build_errors:
        report += ["", "## Build problems", ""] + ["```\n" + e.strip() + "\n```" for e in build_errors]
    text = "\n".join(report) + "\n"
    print(table)
    with open(opts.output, "w") as fh:
        fh.write(text)
    log(f"bench/arrays.py: wrote {os.path.relpath(opts.output, ROOT)} in {elapsed:.0f} s")
    for d in (out_py, out_cy, out_c):
        shutil.rmtree(d, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
