#!/usr/bin/env python3
"""pyc-aot benchmark: CPython vs pyc-aot vs Cython vs a hand-written C extension.

One run measures every implementation side by side (interleaved repeats, min
of several) so the ratios are meaningful on a shared, noisy machine.  The
result is printed as a Markdown table and written to bench/results.md.

    python3 bench/run.py               # full run
    python3 bench/run.py --quick       # fewer/shorter repeats
    python3 bench/run.py --no-cython   # skip the Cython venv entirely

See bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime
import glob
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import timeit

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
EXAMPLES = os.path.join(ROOT, "examples")
WORK = os.path.join(BENCH, ".work")
VENV = os.path.join(WORK, "venv")
VENV_PY = os.path.join(VENV, "bin", "python")
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
REEXEC_MARK = "PYC_AOT_BENCH_REEXEC"

IMPLS = ("CPython", "pyc-aot", "Cython", "C ext")

# name, module stem, function, call arguments (as source text)
KERNELS = [
    ("`fib(0)` (call overhead)", "fib", "fib", "0"),
    ("`fib(90)` float loop", "fib", "fib", "90"),
    ("`rfib(25)` recursive int", "rfib", "rfib", "25"),
    ("`integrate_f(0.0, 1.0, 10000)`", "integrate", "integrate_f", "0.0, 1.0, 10000"),
    ("`mandelbrot(200, 200, 100)`", "mandelbrot", "mandelbrot", "200, 200, 100"),
]

# Sources compiled by Cython (pure Python mode, cythonized as-is).  rfib uses
# a C-long variant: examples/rfib.py's PEP 484 `int` is a Python object in
# Cython (see bench/cython_src/rfib.py).
CYTHON_SOURCES = {
    "fib": os.path.join(EXAMPLES, "fib.py"),
    "rfib": os.path.join(BENCH, "cython_src", "rfib.py"),
    "integrate": os.path.join(EXAMPLES, "integrate.py"),
    "mandelbrot": os.path.join(EXAMPLES, "mandelbrot.py"),
}
C_SOURCE = os.path.join(BENCH, "c_ext", "fastfib.c")


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


# --------------------------------------------------------------------------
# environment: the Cython venv, the `cython` module for the plain sources
# --------------------------------------------------------------------------

def ensure_cython_venv() -> str | None:
    """Create bench/.work/venv with Cython; return an error string or None."""
    if os.path.exists(VENV_PY):
        probe = run([VENV_PY, "-c", "import Cython, setuptools"])
        if probe.returncode == 0:
            return None
    log("bench: creating bench/.work/venv and installing Cython from PyPI ...")
    os.makedirs(WORK, exist_ok=True)
    r = run([sys.executable, "-m", "venv", "--clear", VENV])
    if r.returncode != 0:
        return "python -m venv failed: " + r.stdout.strip()[-500:]
    r = run([VENV_PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "Cython", "setuptools"])
    if r.returncode != 0:
        return "pip install Cython failed: " + r.stdout.strip()[-500:]
    return None


def provide_cython_module() -> str:
    """Make `import cython` work for the plain-Python sources."""
    try:
        import cython  # noqa: F401
        where = os.path.dirname(getattr(cython, "__file__", None) or "?")
        return "cython module: " + (os.path.relpath(where, ROOT) if where.startswith(ROOT) else where)
    except ImportError:
        pass
    shim = os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py")
    if os.path.exists(shim):
        loader = importlib.machinery.SourceFileLoader("cython", shim)
        spec = importlib.util.spec_from_file_location("cython", shim, loader=loader)
        mod = importlib.util.module_from_spec(spec)
        sys.modules["cython"] = mod
        try:
            loader.exec_module(mod)
            return "cython module: compiler/src/shim/cython_shim.py (pyc-aot's shim)"
        except Exception:  # noqa: BLE001
            del sys.modules["cython"]
    sys.path.insert(0, BENCH)
    import _cython_fallback

    _cython_fallback.install()
    return "cython module: bench/_cython_fallback.py (minimal stand-in)"


# --------------------------------------------------------------------------
# builds
# --------------------------------------------------------------------------

def find_pyc_aot(explicit: str | None) -> str | None:
    for cand in (explicit, os.environ.get("PYC_AOT"),
                 os.path.join(ROOT, "target", "release", "pyc-aot"), shutil.which("pyc-aot")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def fresh_dir(kind: str) -> str:
    base = os.path.join(WORK, "builds")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=kind + "-", dir=base)


def built_so(outdir: str, stem: str) -> str | None:
    hits = glob.glob(os.path.join(outdir, stem + EXT_SUFFIX)) or \
        glob.glob(os.path.join(outdir, stem + ".*.so")) or glob.glob(os.path.join(outdir, stem + ".so"))
    return hits[0] if hits else None


def build_pyc_aot(exe: str, src: str, outdir: str, extra=()) -> tuple[str | None, float, str]:
    cmd = [exe, "build", src, "-o", outdir, *extra]
    t0 = time.perf_counter()
    r = run(cmd)
    dt = time.perf_counter() - t0
    stem = os.path.splitext(os.path.basename(src))[0]
    so = built_so(outdir, stem)
    out = r.stdout.strip()
    if r.returncode != 0 or so is None:
        return None, dt, f"$ {' '.join(cmd)}\n(exit {r.returncode})\n{out}"
    return so, dt, out


def build_cython(srcs: list[str], outdir: str) -> tuple[dict[str, str], float, str]:
    """cythonize -i -3 with -O3, as a user would; returns {stem: so}, wall time, log."""
    for s in srcs:
        shutil.copy(s, outdir)
    names = [os.path.basename(s) for s in srcs]
    env = dict(os.environ, CFLAGS="-O3")
    cythonize = os.path.join(VENV, "bin", "cythonize")
    cmd = [cythonize, "-i", "-3", "-q", *names]
    t0 = time.perf_counter()
    r = run(cmd, cwd=outdir, env=env)
    dt = time.perf_counter() - t0
    sos = {}
    for n in names:
        stem = os.path.splitext(n)[0]
        so = built_so(outdir, stem)
        if so:
            sos[stem] = so
    if r.returncode != 0:
        return sos, dt, f"$ {' '.join(cmd)}\n(exit {r.returncode})\n{r.stdout[-3000:]}"
    return sos, dt, ""


def build_c_ext(outdir: str, fib_only: bool = False) -> tuple[str | None, float, str]:
    inc = sysconfig.get_paths()["include"]
    so = os.path.join(outdir, "fastfib" + EXT_SUFFIX)
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-O3", "-shared", "-fPIC", "-I" + inc, C_SOURCE, "-o", so]
    if fib_only:
        cmd.insert(1, "-DFASTFIB_FIB_ONLY")
    t0 = time.perf_counter()
    r = run(cmd)
    dt = time.perf_counter() - t0
    if r.returncode != 0 or not os.path.exists(so):
        return None, dt, f"$ {' '.join(cmd)}\n{r.stdout}"
    return so, dt, r.stdout


def stripped_size(so: str) -> int | None:
    with tempfile.TemporaryDirectory() as d:
        cp = os.path.join(d, "m.so")
        shutil.copy(so, cp)
        r = run(["strip", cp])
        if r.returncode != 0:
            return None
        return os.path.getsize(cp)


# --------------------------------------------------------------------------
# loading and timing
# --------------------------------------------------------------------------

def load_extension(name: str, path: str):
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_source(stem: str, path: str):
    """Import a .py file as plain Python (never a compiled sibling)."""
    name = "plain_" + stem
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def calibrate(timer: timeit.Timer, target: float) -> int:
    number = 1
    while True:
        t = timer.timeit(number)
        if t >= target / 10 or number >= 10**8:
            break
        number *= 10
    return max(1, int(number * target / max(t, 1e-9)))


def bench_interleaved(funcs: dict, args_src: str, repeats: int, target: float) -> dict:
    """min per-call seconds for each impl, repeats interleaved across impls."""
    timers, numbers, best = {}, {}, {}
    for impl, fn in funcs.items():
        timers[impl] = timeit.Timer(f"f({args_src})", globals={"f": fn})
        numbers[impl] = calibrate(timers[impl], target)
        best[impl] = float("inf")
    for _ in range(repeats):
        for impl, timer in timers.items():
            per_call = timer.timeit(numbers[impl]) / numbers[impl]
            best[impl] = min(best[impl], per_call)
    return best


def fmt_time(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s < 1e-6:
        return f"{s * 1e9:.1f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_size(n: int | None) -> str:
    if n is None:
        return "n/a"
    return f"{n / 1024:.1f} KB"


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}×"


def same_result(x, y, exact: bool = False) -> bool:
    if exact:
        return type(x) is type(y) and repr(x) == repr(y)
    if type(x) is not type(y) and not (isinstance(x, (int, float)) and isinstance(y, (int, float))):
        return False
    return x == y or (isinstance(x, float) and isinstance(y, float) and abs(x - y) <= 1e-12 * max(1.0, abs(y)))


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pyc-aot", help="path of the pyc-aot binary (default: $PYC_AOT, "
                    "target/release/pyc-aot, then PATH)")
    ap.add_argument("--no-cython", action="store_true", help="do not create/use the Cython venv")
    ap.add_argument("--quick", action="store_true", help="3 repeats of ~0.05 s instead of 15 of ~0.1 s")
    ap.add_argument("--repeats", type=int, default=None, help="timing repeats per benchmark (min is kept)")
    ap.add_argument("--target-time", type=float, default=None, help="seconds per timing repeat")
    ap.add_argument("--build-repeats", type=int, default=3, help="builds per tool (min wall time kept)")
    ap.add_argument("--output", default=os.path.join(BENCH, "results.md"), help="Markdown file to write")
    opts = ap.parse_args()
    repeats = opts.repeats or (3 if opts.quick else 15)
    target = opts.target_time or (0.05 if opts.quick else 0.1)

    notes: list[str] = []
    failures: list[str] = []

    # -- Cython venv; re-run this script under it so `cython` and cythonize are at hand
    cython_error = None
    if opts.no_cython:
        cython_error = "skipped (--no-cython)"
    elif os.environ.get(REEXEC_MARK) != "1":
        cython_error = ensure_cython_venv()
        if cython_error is None and os.path.realpath(sys.prefix) != os.path.realpath(VENV):
            os.environ[REEXEC_MARK] = "1"
            os.execv(VENV_PY, [VENV_PY, os.path.abspath(__file__), *sys.argv[1:]])
    if cython_error is None and os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        cython_error = "not running in bench/.work/venv"
    if cython_error:
        log(f"bench: Cython unavailable: {cython_error}")
        notes.append(f"Cython unavailable: {cython_error.splitlines()[0]}")
    notes.append(provide_cython_module())

    cython_version = "n/a"
    if cython_error is None:
        try:
            import Cython

            cython_version = Cython.__version__
        except ImportError:
            cython_error = "Cython not importable"

    shutil.rmtree(os.path.join(WORK, "builds"), ignore_errors=True)  # last run's products
    exe = find_pyc_aot(opts.pyc_aot)
    if exe is None:
        log("bench: pyc-aot binary not found (build it with `cargo build --release -p pyc-aot`)")
        notes.append("pyc-aot binary not found")

    # -- builds of the benchmark kernels --------------------------------------
    mods: dict[str, dict[str, object]] = {impl: {} for impl in IMPLS}
    stems = sorted({k[1] for k in KERNELS})

    for stem in stems:
        mods["CPython"][stem] = load_source(stem, os.path.join(EXAMPLES, stem + ".py"))

    if exe:
        outdir = fresh_dir("pyc-aot-kernels")
        for stem in stems:
            so, dt, out = build_pyc_aot(exe, os.path.join(EXAMPLES, stem + ".py"), outdir)
            if so is None:
                failures.append(f"pyc-aot failed to build examples/{stem}.py:\n{out}")
                continue
            log(f"bench: pyc-aot {stem}.py: {out.splitlines()[-1] if out else 'ok'}")
            if "left to Python" in out and " 0 left to Python" not in out:
                failures.append(f"pyc-aot left functions to Python in examples/{stem}.py:\n{out}")
            try:
                mods["pyc-aot"][stem] = load_extension(stem, so)
            except Exception as e:  # noqa: BLE001
                failures.append(f"importing pyc-aot's {stem} failed: {type(e).__name__}: {e}")

    if cython_error is None:
        outdir = fresh_dir("cython-kernels")
        log("bench: cythonizing the kernels (-O3) ...")
        sos, dt, err = build_cython(list(CYTHON_SOURCES.values()), outdir)
        if err:
            failures.append(f"Cython build failed:\n{err}")
        for stem, so in sos.items():
            try:
                mods["Cython"][stem] = load_extension(stem, so)
            except Exception as e:  # noqa: BLE001
                failures.append(f"importing Cython's {stem} failed: {type(e).__name__}: {e}")

    so, dt, err = build_c_ext(fresh_dir("c-ext-kernels"))
    if so is None:
        failures.append(f"C extension build failed:\n{err}")
    else:
        cmod = load_extension("fastfib", so)
        for stem in stems:
            mods["C ext"][stem] = cmod

    # -- timings --------------------------------------------------------------
    rows = []
    for title, stem, func, args_src in KERNELS:
        funcs, results = {}, {}
        for impl in IMPLS:
            mod = mods[impl].get(stem)
            fn = getattr(mod, func, None) if mod is not None else None
            if fn is None:
                continue
            try:
                results[impl] = eval(f"f({args_src})", {"f": fn})
            except Exception as e:  # noqa: BLE001
                failures.append(f"{impl} {func}({args_src}) raised {type(e).__name__}: {e}")
                continue
            funcs[impl] = fn
        ref = results.get("CPython")
        wrong = set()
        for impl, res in results.items():
            # pyc-aot promises CPython's exact results; the C columns get a 1e-12 tolerance
            exact = impl == "pyc-aot"
            if impl != "CPython" and ref is not None and not same_result(res, ref, exact):
                wrong.add(impl)
                failures.append(f"{impl} {func}({args_src}) returned {res!r}, CPython gives {ref!r}")
        log(f"bench: timing {func}({args_src}) for {', '.join(funcs)} ...")
        best = bench_interleaved(funcs, args_src, repeats, target)
        cells = {impl: fmt_time(best.get(impl)) + (" (WRONG)" if impl in wrong else "") for impl in IMPLS}
        rows.append((title, cells, best.get("pyc-aot"), best.get("Cython"), best.get("C ext")))

    # -- build time and size of fib.py ---------------------------------------
    fib_src = os.path.join(EXAMPLES, "fib.py")
    build_t: dict[str, float | None] = {impl: None for impl in IMPLS}
    size: dict[str, int | None] = {impl: None for impl in IMPLS}
    for i in range(opts.build_repeats):
        if exe:
            so, dt, out = build_pyc_aot(exe, fib_src, fresh_dir("pyc-aot-fib"))
            if so:
                build_t["pyc-aot"] = min(dt, build_t["pyc-aot"] or dt)
                size["pyc-aot"] = stripped_size(so)
        if cython_error is None:
            sos, dt, err = build_cython([fib_src], fresh_dir("cython-fib"))
            if "fib" in sos and not err:
                build_t["Cython"] = min(dt, build_t["Cython"] or dt)
                size["Cython"] = stripped_size(sos["fib"])
        so, dt, err = build_c_ext(fresh_dir("c-ext-fib"), fib_only=True)
        if so:
            build_t["C ext"] = min(dt, build_t["C ext"] or dt)
            size["C ext"] = stripped_size(so)
    rows.append(("build `fib.py` (wall, fresh dir)",
                 {impl: ("—" if impl == "CPython" else fmt_time(build_t[impl])) for impl in IMPLS},
                 build_t["pyc-aot"], build_t["Cython"], build_t["C ext"]))
    rows.append(("`.so` size for `fib.py` (stripped)",
                 {impl: ("—" if impl == "CPython" else fmt_size(size[impl])) for impl in IMPLS},
                 size["pyc-aot"], size["Cython"], size["C ext"]))

    # -- report -----------------------------------------------------------
    header = ["benchmark", *IMPLS, "pyc-aot vs Cython", "pyc-aot vs C"]
    lines = ["| " + " | ".join(header) + " |",
             "|---|" + "---:|" * (len(header) - 1)]
    for title, cells, p, c, x in rows:
        lines.append("| " + " | ".join([title, *(cells[i] for i in IMPLS), fmt_ratio(p, c), fmt_ratio(p, x)]) + " |")
    table = "\n".join(lines)

    cpu = cpu_name()
    cc_version = run([os.environ.get("CC", "cc"), "--version"]).stdout.splitlines()[0:1]
    commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).stdout.strip()
    def rel(path):
        return os.path.relpath(path, ROOT) if path and path.startswith(ROOT + os.sep) else path

    meta = [
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- machine: {cpu}, {os.cpu_count()} cores",
        f"- Python: {platform.python_version()} ({rel(sys.executable)})",
        f"- pyc-aot: {rel(exe) or 'not found'}" + (f" (repo at {commit})" if commit and 'fatal' not in commit else ""),
        f"- Cython: {cython_version} (cythonize -i -3, CFLAGS=-O3)",
        f"- C ext: bench/c_ext/fastfib.c, `{os.environ.get('CC', 'cc')} -O3 -shared -fPIC`"
        + (f" ({cc_version[0]})" if cc_version else ""),
        f"- timing: timeit, per call, min of {repeats} interleaved repeats of ~{target:g} s each; "
        f"builds: min of {opts.build_repeats}",
        "- ratios are pyc-aot ÷ other (time or size): below 1.00× pyc-aot is faster/smaller",
        *(f"- {n}" for n in notes),
    ]
    text = "# pyc-aot benchmark results\n\n" + table + "\n\n" + "\n".join(meta) + "\n"
    if failures:
        text += "\n## Failures\n\n" + "\n\n".join("```\n" + f.strip() + "\n```" for f in failures) + "\n"
    with open(opts.output, "w") as fh:
        fh.write(text)
    print(text)
    log(f"bench: wrote {os.path.relpath(opts.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
