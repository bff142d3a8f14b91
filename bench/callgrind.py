#!/usr/bin/env python3
"""Call overhead per CPython version, counted by callgrind (independent of
load): instructions per call of `fib(0)` (examples/fib.py) compiled by
pyc-aot vs the hand-written METH_O extension bench/c_ext/fastfib.c, on
every CPython 3.9-3.13 the machine has.

    python3 bench/callgrind.py            # writes bench/callgrind_results.md

Each implementation runs `for _ in repeat(None, n): f(0)` (in a function) for N1 and for N2 calls in
two callgrind runs; (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one
iteration (the call plus the loop's own bytecodes, the same for both), with
interpreter start-up and imports cancelled out.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import cpu_name  # noqa: E402

VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
N1, N2 = 20000, 120000
# itertools.repeat yields None without allocating: a `range` above 256 would
# allocate an int per iteration, and what that costs in pymalloc depends on
# where the heap happens to stand (pool full/empty transitions), which differs
# between the two modules by up to ~17 instructions per iteration.
LOOP = ("import sys; sys.path.insert(0, %r)\nfrom %s import fib\nfrom itertools import repeat\n"
        "def run(n, f=fib):\n    for _ in repeat(None, n):\n        f(0)\nrun(%d)\n")


def find_python(version):
    cands = [shutil.which("python" + version)]
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        vdir = os.path.join(root, "versions")
        cands += [os.path.join(vdir, d, "bin", "python" + version) for d in sorted(os.listdir(vdir))
                  if d.startswith(version + ".")]
    except OSError:
        pass
    for c in cands:
        if c and os.access(c, os.X_OK):
            out = subprocess.run([c, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True).stdout.strip()
            if out == version:
                return c
    return None


def callgrind_total(args, env=None):
    """Instructions counted by `valgrind --tool=callgrind <args...>`."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, *args],
                       check=True, capture_output=True, env=env)
        with open(out) as f:
            for line in f:
                m = re.match(r"(?:summary|totals):\s+(\d+)", line)
                if m:
                    return int(m.group(1))
    raise RuntimeError("no totals in callgrind output")


def per_iteration(py, program, n1=N1, n2=N2, env=None):
    """Instructions one iteration costs: `program(n)`, the source of a
    program running n iterations, counted by callgrind for n1 and for n2;
    the difference over n2 - n1 (start-up and imports cancel out)."""
    total = [callgrind_total([py, "-S", "-c", program(n)], env=env) for n in (n1, n2)]
    return (total[1] - total[0]) / (n2 - n1)


def per_call(py, moddir, module):
    return per_iteration(py, lambda n: LOOP % (moddir, module, n))


def main():
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    exe = os.environ.get("PYC_AOT_BIN") or os.path.join(ROOT, "target", "release", "pyc-aot")
    rows, skipped = [], []
    for v in VERSIONS:
        py = find_python(v)
        if py is None:
            skipped.append(v)
            print("CPython %s: not installed, skipped" % v, file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([exe, "build", os.path.join(ROOT, "examples", "fib.py"), "-o", d, "-q",
                            "--python", py], check=True)
            inc, suffix = subprocess.run(
                [py, "-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
                           "print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                capture_output=True, text=True, check=True).stdout.split()
            subprocess.run([os.environ.get("CC", "cc"), "-O3", "-shared", "-fPIC", "-DFASTFIB_FIB_ONLY",
                            "-I" + inc, os.path.join(HERE, "c_ext", "fastfib.c"),
                            "-o", os.path.join(d, "fastfib" + suffix)], check=True)
            ours = per_call(py, d, "fib")
            theirs = per_call(py, d, "fastfib")
        rows.append((v, ours, theirs))
        print("CPython %s: pyc-aot %.0f, C extension %.0f instructions per call" % (v, ours, theirs),
              file=sys.stderr)
    ver = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Call overhead per CPython version (callgrind)",
        "",
        "Instructions per iteration of `for _ in repeat(None, n): f(0)` with `f = fib`, inside a",
        "function (the call plus the loop's",
        "own bytecodes, which are the same for both), from two callgrind runs of %d and" % N1,
        "%d iterations. Written by `python3 bench/callgrind.py`; callgrind counts do not" % N2,
        "depend on the machine's load.",
        "",
        "| CPython | pyc-aot `fib(0)` | C extension (METH_O) | pyc-aot − C |",
        "|---|---:|---:|---:|",
    ]
    for v, ours, theirs in rows:
        lines.append("| %s | %.0f | %.0f | %+.0f |" % (v, ours, theirs, ours - theirs))
    lines += [
        "",
        "- pyc-aot: `%s`, `pyc-aot build examples/fib.py --python <that CPython>` (target native)" % (ver or exe),
        "- C extension: `bench/c_ext/fastfib.c`, `cc -O3 -shared -fPIC -DFASTFIB_FIB_ONLY`",
        "- CPU: %s" % cpu_name(),
    ]
    if skipped:
        lines.append("- not installed here, skipped: CPython %s" % ", ".join(skipped))
    with open(os.path.join(HERE, "callgrind_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
