"""One example from examples/ timed once each: built by pyc-aot, by Cython
(`cythonize -i -3`, the same file), and run by CPython with the `cython`
shim. Wall-clock seconds of one call (the best of three for the compiled
builds, one run for CPython); the three results must agree. The scripts
beside this one (`particles_c.py`, `particles_cclass.py`, `particles_override.py`, `nbody_cclass.py`,
`linked_list_c.py`, `qsort_c.py`) each name an example, its call and what
the results file says of it. With `--wall [ROUNDS]`, the C-level scripts
(`particles_c.py`, `qsort_c.py`, `linked_list_c.py`) print `interleaved`'s
comparison instead: pyc-aot and Cython in one process each, runs
alternating, best and median of many.

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


# A worker for `interleaved`: imports the module once, then runs the call
# once per line read and prints its result and seconds.
WORKER = ("import sys, time; sys.path.insert(0, %r)\nimport %s as m\n"
          "for _ in sys.stdin:\n    t = time.perf_counter(); r = %s; t = time.perf_counter() - t\n"
          "    print(repr(r).replace(' ', ''), t, flush=True)\n")


def build_both(example, d):
    """Builds examples/<example>.py with pyc-aot and with Cython under `d`;
    returns the two module directories."""
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    name = example + ".py"
    ours, theirs = os.path.join(d, "pyc"), os.path.join(d, "cy")
    for dest in (ours, theirs):
        os.mkdir(dest)
        shutil.copy(os.path.join(ROOT, "examples", name), dest)
    subprocess.run([exe, "build", name, "-q", "--python", VENV_PY], cwd=ours, check=True)
    cythonize = os.path.join(os.path.dirname(VENV_PY), "cythonize")
    env = dict(os.environ, CFLAGS=os.environ.get("CFLAGS", "-O3"))
    subprocess.run([cythonize, "-i", "-3", "-q", name], cwd=theirs, check=True, capture_output=True, env=env)
    return ours, theirs


def interleaved(example, call, rounds):
    """Wall-clock comparison fair on a loaded machine: one worker process per
    build (pyc-aot, Cython -O3), each importing its module once; the call
    runs `rounds` times in each, the two alternating run by run (the first
    of a round alternating too), so a burst of load falls on both; prints
    the best and the median of each and their ratios. Returns 0."""
    if not os.path.exists(VENV_PY):
        print("needs bench/.work/venv with Cython (see bench/example_timing.py)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as d:
        dirs = build_both(example, d)
        workers = [subprocess.Popen([VENV_PY, "-S", "-c", WORKER % (moddir, example, call)], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True) for moddir in dirs]
        times = [[], []]
        results = set()
        try:
            for k in range(rounds + 1):
                for w in ((0, 1) if k % 2 == 0 else (1, 0)):
                    workers[w].stdin.write("\n")
                    workers[w].stdin.flush()
                    r, t = workers[w].stdout.readline().split()
                    results.add(r)
                    if k > 0:  # the first round warms both up
                        times[w].append(float(t))
        finally:
            for w in workers:
                w.stdin.close()
                w.wait()
    assert len(results) == 1, results
    best = [min(t) for t in times]
    median = [sorted(t)[len(t) // 2] for t in times]
    print("%s: `%s`, %d interleaved runs each (result %s)" % (example, call.replace("m.", "", 1), rounds, results.pop()))
    print("| build | best s | median s | best vs pyc-aot | median vs pyc-aot |")
    print("|---|---:|---:|---:|---:|")
    for k, build in enumerate(("pyc-aot", "Cython")):
        print("| %s | %.5f | %.5f | %.3fx | %.3fx |" % (build, best[k], median[k], best[k] / best[0], median[k] / median[0]))
    return 0


def main(example, call, title, what, argv=None):
    """A script's entry: `--wall [ROUNDS]` prints `interleaved`'s comparison
    (default 30 rounds); otherwise `compare` writes the results file."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--wall":
        return interleaved(example, call, int(argv[1]) if len(argv) > 1 else 30)
    return compare(example, call, title, what)


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
