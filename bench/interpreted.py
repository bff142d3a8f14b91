"""A program whose hot functions stay Python, compiled with pyc-aot vs. the
same file under plain CPython with Cython's shadow module as `cython`
(issue 9: interpreted code in a compiled module must not be slower).

    .venv/bin/python bench/interpreted.py      # ~1 minute; writes bench/interpreted_results.md

Cython's shadow module comes from bench/.work/venv (run.py's) or is
installed with pip into the user's cache (as tests/test_shadow.py does);
without it the baseline uses the pyc-aot shim and says so.  One run, runs
interleaved, minimum kept, reported as a ratio.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = HERE / "interpreted" / "nbody.py"
SHIM = ROOT / "compiler" / "src" / "shim" / "cython_shim.py"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pyc-aot" / "cython-shadow"

TIME_ONE = r'''
import sys, time
sys.path[:0] = sys.argv[1].split("|")
import nbody
n = int(sys.argv[2])
best = None
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    e = nbody.run(n)
    t = time.perf_counter() - t
    best = t if best is None else min(best, t)
print(repr(e), best)
'''


def shadow_path():
    probe = "import Cython.Shadow"
    for cand in [None, CACHE]:
        env = dict(os.environ, PYTHONPATH=str(cand)) if cand else dict(os.environ)
        if subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True).returncode == 0:
            return cand or "", True
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(CACHE), "cython>=3"],
                       capture_output=True, text=True)
    return (CACHE, True) if p.returncode == 0 else (None, False)


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pyc-aot", default=os.environ.get("PYC_AOT", str(ROOT / "target" / "release" / "pyc-aot")))
    ap.add_argument("-n", type=int, default=50000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--output", default=str(HERE / "interpreted_results.md"))
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pyc-interp-"))
    plain_dir, built_dir, shim_dir = work / "plain", work / "built", work / "shim"
    for d in (plain_dir, built_dir, shim_dir):
        d.mkdir()
    (plain_dir / "nbody.py").write_text(SRC.read_text())
    (shim_dir / "cython.py").write_text(SHIM.read_text())
    b = subprocess.run([args.pyc_aot, "build", str(plain_dir / "nbody.py"), "-o", str(built_dir)],
                       capture_output=True, text=True)
    if b.returncode != 0:
        sys.exit("build failed:\n" + b.stderr)
    summary = b.stdout.strip().splitlines()[-1]

    shadow, have_shadow = shadow_path()
    baseline = [plain_dir] + ([shadow] if have_shadow and shadow else []) + ([] if have_shadow else [shim_dir])
    variants = {"CPython + Cython.Shadow" if have_shadow else "CPython + pyc-aot shim": baseline,
                "pyc-aot": [built_dir, plain_dir]}
    if have_shadow:
        # What the module's interpreted code called before C library names
        # were bound natively: the shim's Python-level emulation.
        variants["CPython + pyc-aot shim (C semantics in Python)"] = [plain_dir, shim_dir]
    best, energies = {}, {}
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    for _ in range(args.rounds):
        for name, path in variants.items():
            p = subprocess.run([sys.executable, "-c", TIME_ONE, "|".join(map(str, path)), str(args.n), "3"],
                               capture_output=True, text=True, env=env, cwd=str(work))
            if p.returncode != 0:
                sys.exit("%s failed:\n%s" % (name, p.stderr))
            e, t = p.stdout.split()
            energies[name] = e
            best[name] = min(best.get(name, float("inf")), float(t))
    (base_name, base), (ours_name, ours) = list(best.items())[:2]
    ratio = base / ours
    same = len(set(energies.values())) == 1
    lines = [
        "# Interpreted code in a compiled module (`bench/interpreted.py`)",
        "",
        "`bench/interpreted/nbody.py`, `run(%d)`: its hot functions are untyped and stay" % args.n,
        "Python (`%s`); C's `sqrt` is cimported from `libc.math`." % summary.replace(str(built_dir) + "/", ""),
        "",
        "Python %s on %s; best of %d rounds × 3 runs, interleaved." % (platform.python_version(), cpu_name(), args.rounds),
        "",
        "| variant | time (s) |",
        "|---|---|",
        "| %s | %.3f |" % (base_name, base),
        "| %s | %.3f |" % (ours_name, ours),
    ] + ["| %s | %.3f |" % kv for kv in list(best.items())[2:]] + [
        "",
        "Speed of pyc-aot relative to %s: **%.2f×** (above 1: pyc-aot faster)." % (base_name, ratio),
        "Same energy in both: %s (%s)." % ("yes" if same else "NO", ", ".join(sorted(set(energies.values())))),
        "",
    ]
    Path(args.output).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
