#!/usr/bin/env python3
"""examples/nbody_cclass.py (pyperformance's n-body with each body a
`@cython.cclass` of C doubles, kept in a list, `advance` looping over the
pairs through variables typed as the class) timed once each: built by
pyc-aot, by Cython (`cythonize -i -3`, the same file), and run by CPython
with the `cython` shim. Wall-clock seconds of one `simulate(STEPS)` call
(the best of three for the compiled builds), and the three results must agree.

    .venv/bin/python bench/nbody_cclass.py     # writes bench/nbody_cclass_results.md

Needs bench/.work/venv with Cython (`python3 bench/run.py` creates it); the
interpreter is that venv's.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import cpu_name  # noqa: E402

VENV_PY = os.path.join(HERE, ".work", "venv", "bin", "python")
STEPS = 100000
TIME = ("import sys, time; sys.path.insert(0, %r)\nimport nbody_cclass\nbest = None\n"
        "for _ in range(%d):\n    t = time.perf_counter(); r = nbody_cclass.simulate(%d); t = time.perf_counter() - t\n"
        "    best = t if best is None else min(best, t)\nprint(repr(r).replace(' ', ''), best)\n")


def timed(moddir, repeats):
    out = subprocess.run([VENV_PY, "-S", "-c", TIME % (moddir, repeats, STEPS)], capture_output=True, text=True, check=True).stdout.split()
    return out[0], float(out[1])


def main():
    if not os.path.exists(VENV_PY):
        print("needs bench/.work/venv with Cython (see the docstring)", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    src = os.path.join(ROOT, "examples", "nbody_cclass.py")
    with tempfile.TemporaryDirectory() as d:
        ours, theirs, plain = (os.path.join(d, k) for k in ("pyc", "cy", "py"))
        for dest in (ours, theirs, plain):
            os.mkdir(dest)
            shutil.copy(src, dest)
        shutil.copy(os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py"), os.path.join(plain, "cython.py"))
        subprocess.run([exe, "build", "nbody_cclass.py", "-q", "--python", VENV_PY], cwd=ours, check=True)
        cythonize = os.path.join(os.path.dirname(VENV_PY), "cythonize")
        subprocess.run([cythonize, "-i", "-3", "-q", "nbody_cclass.py"], cwd=theirs, check=True, capture_output=True)
        rows = [("pyc-aot",) + timed(ours, 3), ("Cython",) + timed(theirs, 3), ("CPython + shim",) + timed(plain, 1)]
    results = {r for _, r, _ in rows}
    assert len(results) == 1, rows
    cy = subprocess.run([VENV_PY, "-c", "import Cython; print(Cython.__version__)"], capture_output=True, text=True).stdout.strip()
    pyver = subprocess.run([VENV_PY, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# n-body with an extension type `Body` (`examples/nbody_cclass.py`)",
        "",
        "Seconds for one `simulate(%d)` (5 bodies, %d steps of 0.01; energies %s)," % (STEPS, STEPS, rows[0][1]),
        "the best of three for the compiled builds, one run for CPython. Written by",
        "`bench/nbody_cclass.py`; wall-clock times depend on the machine's load.",
        "",
        "| build | seconds | vs pyc-aot |",
        "|---|---:|---:|",
    ]
    for name, _, t in rows:
        lines.append("| %s | %.4f | %.2fx |" % (name, t, t / rows[0][2]))
    lines += ["", "CPU: %s; CPython %s; Cython %s." % (cpu_name(), pyver, cy), ""]
    with open(os.path.join(HERE, "nbody_cclass_results.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
