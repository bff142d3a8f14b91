#!/usr/bin/env python3
"""Wall time of ``pyc-aot build`` over a generated package of many modules.

A package of ``--modules`` (default 50) typed modules (integer and float
loops, a recursive function, a memoryview kernel, an untyped helper left to
Python) is generated once; then

1. ``pyc-aot build src/ -o OUT -j 1`` and ``-j 2`` (and ``-j N`` for every N in
   ``--jobs``), each into a fresh output directory, ``--runs`` times in
   alternation; the table gives the minimum (the run least disturbed by the
   rest of the machine) and the median;
2. the same command again into an output directory already up to date
   (every module skipped by its stamp): the minimum and median.

The interpreter's facts and the shim's bytecode are cached by a first,
untimed build, as on any machine that has built a module before.

    python3 bench/many.py                       # writes bench/many_results.md
    python3 bench/many.py --bin path/to/pyc-aot --runs 3 --out /dev/stdout
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)

MODULE = '''\
"""Generated module {i} of the many-module benchmark."""
import cython


def collatz_{i}(n: cython.long) -> cython.int:
    steps: cython.int = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def longest_{i}(limit: cython.int) -> cython.int:
    best: cython.int = 0
    arg: cython.int = 1
    for k in range(1, limit):
        s = collatz_{i}(k)
        if s > best:
            best, arg = s, k
    return arg


def integrate_{i}(a: cython.double, b: cython.double, n: cython.int) -> cython.double:
    dx: cython.double = (b - a) / n
    s: cython.double = 0.0
    for k in range(n):
        x = a + (k + 0.5) * dx
        s += x * x * {i} - x / (1.0 + x * x)
    return s * dx


def fib_{i}(n: cython.int) -> cython.long:
    if n < 2:
        return n
    return fib_{i}(n - 1) + fib_{i}(n - 2)


def scale_{i}(a: cython.double[::1], k: cython.double) -> cython.double:
    total: cython.double = 0.0
    for j in range(a.shape[0]):
        a[j] = a[j] * k + {i}
        total += a[j]
    return total


def describe_{i}(x):
    return {{"module": {i}, "value": x}}
'''


def generate(root: str, modules: int) -> str:
    src = os.path.join(root, "src")
    pkg = os.path.join(src, "manypkg")
    os.makedirs(pkg)
    with open(os.path.join(pkg, "__init__.py"), "w") as f:
        f.write('"""The generated package (stays Python)."""\n')
    for i in range(modules):
        with open(os.path.join(pkg, f"m{i:03d}.py"), "w") as f:
            f.write(MODULE.format(i=i))
    return src


def cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], cwd: str) -> tuple[float, str, float]:
    """Wall time, stdout, and CPU time (the compiler's and its linkers')."""
    cpu = cpu_of_children()
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return elapsed, p.stdout, cpu_of_children() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "pyc-aot"))
    ap.add_argument("--modules", type=int, default=50)
    ap.add_argument("--jobs", default="1,2", help="comma-separated -j values (default 1,2)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--target", default="x86-64")
    ap.add_argument("--out", default=os.path.join(BENCH, "many_results.md"))
    args = ap.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]

    work = tempfile.mkdtemp(prefix="pyc-aot-many-")
    try:
        src = generate(work, args.modules)
        base = [args.bin, "build", "src/", "--target", args.target, "--python", sys.executable, "-q"]
        warm = os.path.join(work, "warm")
        timed(base + ["-o", warm, "-j", "2"], work)  # caches the interpreter's facts and the shim
        cold = {j: [] for j in jobs}
        cpu = {j: [] for j in jobs}
        for run in range(args.runs):
            for j in jobs:
                out = os.path.join(work, f"out-{j}-{run}")
                elapsed, _, used = timed(base + ["-o", out, "-j", str(j)], work)
                cold[j].append(elapsed)
                cpu[j].append(used)
                shutil.rmtree(out)
        again = []
        for _ in range(args.runs):
            elapsed, stdout, _ = timed(base[:-1] + ["-o", warm, "-j", "2"], work)
            if f"{args.modules} up to date" not in stdout:
                sys.exit(f"the second run rebuilt something:\n{stdout}")
            again.append(elapsed)
        summary = timed(base[:-1] + ["-o", warm], work)[1].strip().splitlines()[-1]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    one = min(cold[jobs[0]])
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    lines = [
        "# `pyc-aot build` of many modules",
        "",
        f"Generated by `python3 bench/many.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{args.modules} generated modules (6 functions each, 5 native and 1 left to Python), "
        f"`--target {args.target}`, {args.runs} runs of each, {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}), load average {load[0]:.1f} at the end.",
        "",
        "| build | wall min (s) | wall median (s) | min vs -j 1 | CPU median (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for j in jobs:
        lines.append(f"| cold, `-j {j}` | {min(cold[j]):.3f} | {statistics.median(cold[j]):.3f} | "
                     f"{min(cold[j]) / one:.2f}x | {statistics.median(cpu[j]):.3f} |")
    lines.append(f"| second run (all up to date), `-j 2` | {min(again):.3f} | {statistics.median(again):.3f} | "
                 f"{min(again) / one:.3f}x | |")
    lines += [
        "",
        f"The up-to-date run's summary line: `{summary}`",
        "",
        "CPU is the compiler's and its linkers' user + system time: the same work whatever `-j`, so the wall-time "
        "ratio is how much of the machine the build got. Each module is ~30 ms of CPU, ~12 ms of it the "
        "`cc` → `collect2` → `ld` link; a many-module build generates each module's code on one thread (`-j` "
        "is its parallelism), so `-j 1` is serial. On a machine shared with other jobs (the load average "
        "above) the ratio is noisy: compare runs made at similar loads.",
        "",
    ]
    text = "\n".join(lines)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
