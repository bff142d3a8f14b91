"""One example from examples/ timed once each: built by pyc-aot, by Cython
(`cythonize -i -3`, the same file), and run by CPython with the `cython`
shim. Wall-clock seconds of one call (the best of three for the compiled
builds, one run for CPython); the three results must agree. The scripts
beside this one (`particles_c.py`, `particles_cclass.py`, `particles_override.py`, `nbody_cclass.py`,
`linked_list_c.py`, `qsort_c.py`) each name an example, its call and what
the results file says of it.

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
# Spaces in the result's repr would split the output line.
TIME = ("import sys, time; sys.path.insert(0, %r)\nimport %s as m\nbest = None\n"
        "for _ in range(%d):\n    t = time.perf_counter(); r = %s; t = time.perf_counter() - t\n"
        "    best = t if best is None else min(best, t)\nprint(repr(r).replace(' ', ''), best)\n")


def timed(moddir, example, call, repeats):
    script = TIME % (moddir, example, repeats, call)
    out = subprocess.run([VENV_PY, "-S", "-c", script], capture_output=True, text=True, check=True).stdout.split()
    return out[0], float(out[1])


def compare(example, call, title, what):
    """Time `call` (an expression over the module as `m`) of
    examples/<example>.py three ways and write bench/<example>_results.md
    headed `title`; `what` says what the call does, `%s` its result."""
    if not os.path.exists(VENV_PY):
        print("needs bench/.work/venv with Cython (see bench/example_timing.py)", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    name = example + ".py"
    with tempfile.TemporaryDirectory() as d:
        ours, theirs, plain = (os.path.join(d, k) for k in ("pyc", "cy", "py"))
        for dest in (ours, theirs, plain):
            os.mkdir(dest)
            shutil.copy(os.path.join(ROOT, "examples", name), dest)
        shutil.copy(os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py"), os.path.join(plain, "cython.py"))
        subprocess.run([exe, "build", name, "-q", "--python", VENV_PY], cwd=ours, check=True)
        cythonize = os.path.join(os.path.dirname(VENV_PY), "cythonize")
        subprocess.run([cythonize, "-i", "-3", "-q", name], cwd=theirs, check=True, capture_output=True)
        rows = [("pyc-aot",) + timed(ours, example, call, 3), ("Cython",) + timed(theirs, example, call, 3),
                ("CPython + shim",) + timed(plain, example, call, 1)]
    results = {r for _, r, _ in rows}
    assert len(results) == 1, rows
    cy = subprocess.run([VENV_PY, "-c", "import Cython; print(Cython.__version__)"], capture_output=True, text=True).stdout.strip()
    pyver = subprocess.run([VENV_PY, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# %s (`examples/%s`)" % (title, name),
        "",
        "Seconds for one `%s` (%s)," % (call.replace("m.", "", 1), what % rows[0][1]),
        "the best of three for the compiled builds, one run for CPython. Written by",
        "`bench/%s.py`; wall-clock times depend on the machine's load." % example,
        "",
        "| build | seconds | vs pyc-aot |",
        "|---|---:|---:|",
    ]
    for build, _, t in rows:
        lines.append("| %s | %.4f | %.2fx |" % (build, t, t / rows[0][2]))
    lines += ["", "CPU: %s; CPython %s; Cython %s." % (cpu_name(), pyver, cy), ""]
    with open(os.path.join(HERE, example + "_results.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    return 0
