"""Fat modules: per-kernel time of each variant side by side, and the size
cost of a fat module against single-target ones. A benchmark, not a test.

    python3 bench/targets.py            # writes bench/targets_results.md

Each variant is forced with PYC_AOT_DISPATCH in its own interpreter; times are
per call, the minimum of several timeit repeats.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("PYC_AOT_BIN", os.path.join(ROOT, "target", "release", "pyc-aot"))
VARIANTS = ["x86-64", "x86-64-v3", "skylake-avx512"]

KERNELS = {
    "fib": ("examples/fib.py", "fib", "m.fib(90)"),
    "integrate": ("examples/integrate.py", "integrate", "m.integrate_f(0.0, 1.0, 10000)"),
    "mandelbrot": ("examples/mandelbrot.py", "mandelbrot", "m.mandelbrot(100, 100, 100)"),
    "pi": ("examples/pi.py", "pi", "m.leibniz_pi(100000)"),
}

TIMER = r"""
import json, sys, timeit
sys.path.insert(0, sys.argv[1])
import importlib
m = importlib.import_module(sys.argv[2])
stmt = sys.argv[3]
n, _ = timeit.Timer(stmt, globals={"m": m}).autorange()
best = min(timeit.repeat(stmt, globals={"m": m}, number=n, repeat=7)) / n
print(json.dumps({"variant": m.__pyc_aot_target__, "seconds": best, "result": repr(eval(stmt, {"m": m}))}))
"""


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def build(src, target, out):
    subprocess.run([BIN, "build", src, "--target", target, "-o", out, "-q"], check=True)
    name = os.path.splitext(os.path.basename(src))[0]
    return next(os.path.join(out, f) for f in os.listdir(out) if f.startswith(name + ".") and f.endswith(".so"))


def fmt(sec):
    return "%.1f ns" % (sec * 1e9) if sec < 1e-6 else ("%.2f µs" % (sec * 1e6) if sec < 1e-3 else "%.2f ms" % (sec * 1e3))


def main():
    if not os.path.exists(BIN):
        sys.exit("build the compiler first: cargo build --release")
    flags = cpu_flags()
    runnable = [v for v in VARIANTS if v == "x86-64" or (v == "x86-64-v3" and "avx2" in flags) or (v == "skylake-avx512" and "avx512f" in flags)]
    rows, sizes = [], []
    work = tempfile.mkdtemp(prefix="pyc-aot-targets-")
    try:
        for label, (src, module, stmt) in KERNELS.items():
            src = os.path.join(ROOT, src)
            fat_dir = os.path.join(work, label + "-fat")
            os.makedirs(fat_dir)
            fat = build(src, ",".join(VARIANTS), fat_dir)
            single = []
            for v in VARIANTS:
                d = os.path.join(work, "%s-%s" % (label, v))
                os.makedirs(d)
                single.append(os.path.getsize(build(src, v, d)))
            sizes.append((label, os.path.getsize(fat), max(single)))
            times, results = {}, set()
            for v in runnable:
                env = dict(os.environ, PYC_AOT_DISPATCH=v)
                out = subprocess.run([sys.executable, "-c", TIMER, fat_dir, module, stmt], env=env,
                                     capture_output=True, text=True, check=True).stdout
                r = json.loads(out)
                assert r["variant"] == v, r
                times[v] = r["seconds"]
                results.add(r["result"])
            chosen = json.loads(subprocess.run([sys.executable, "-c", TIMER, fat_dir, module, stmt],
                                               capture_output=True, text=True, check=True).stdout)["variant"]
            rows.append((label, stmt[2:], times, chosen, len(results) == 1))
    finally:
        shutil.rmtree(work)

    lines = ["# Fat modules: variants side by side", "",
             "| kernel | call | " + " | ".join(VARIANTS) + " | chosen here | same results |",
             "|---|---|" + "---:|" * len(VARIANTS) + "---|---|"]
    for label, call, times, chosen, same in rows:
        base = times.get("x86-64")
        cells = []
        for v in VARIANTS:
            if v in times:
                cells.append("%s (%.2f×)" % (fmt(times[v]), times[v] / base) if base else fmt(times[v]))
            else:
                cells.append("n/a (CPU lacks it)")
        lines.append("| %s | `%s` | %s | %s | %s |" % (label, call, " | ".join(cells), chosen, "yes" if same else "NO"))
    lines += ["", "| module | fat (3 variants) | largest single-target | size cost |", "|---|---:|---:|---:|"]
    for label, fat, single in sizes:
        lines.append("| %s | %.1f KB | %.1f KB | %.2f× |" % (label, fat / 1024, single / 1024, fat / single))
    lines += ["", "Times per call, minimum of 7 repeats; ratios against the x86-64 variant of the same fat module.",
              "Variants: " + ", ".join(VARIANTS) + "; each forced with `PYC_AOT_DISPATCH` in its own interpreter."]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(ROOT, "bench", "targets_results.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
