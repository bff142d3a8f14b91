"""Builds each example for x86-64 (native) and aarch64, runs the same calls
on both (aarch64 under qemu-user) and compares the printed results."""

import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("PYC_AOT_BIN", os.path.join(ROOT, "target", "release", "pyc-aot"))
SYSROOT = sys.argv[1]

CALLS = {
    "fib": ["fib(0)", "fib(1)", "fib(90)", "fib(-5)"],
    "rfib": ["rfib(20)", "rfib(1)", "rfib(-3)"],
    "integrate": ["integrate_f(0.0, 1.0, 1000)", "integrate_f(-2.5, 3.0, 777)"],
    "primes": [c for c in ["nth_prime(100)", "count_primes(1000)"]],
    "pi": ["leibniz_pi(100000)"],
    "mandelbrot": ["mandelbrot(40, 30, 50)"],
}


def script(module, calls):
    lines = ["import sys", "sys.path.insert(0, '.')", "import %s as m" % module]
    for c in calls:
        lines.append("try:\n    print(%r, repr(m.%s))\nexcept Exception as e:\n    print(%r, type(e).__name__, e)" % (c, c, c))
    return "\n".join(lines) + "\n"


def main():
    passed = failed = 0
    for module, calls in CALLS.items():
        src = os.path.join(ROOT, "examples", module + ".py")
        with open(src) as f:
            text = f.read()
        calls = [c for c in calls if "def " + c.split("(")[0] + "(" in text]
        if not calls:
            continue
        outs = {}
        for arch, target in [("x86_64", "native"), ("aarch64", "aarch64-unknown-linux-gnu")]:
            d = tempfile.mkdtemp(prefix="pyc-aot-cross-")
            shutil.copy(src, d)
            b = subprocess.run([BIN, "build", os.path.join(d, module + ".py"), "--target", target, "-q"],
                               capture_output=True, text=True)
            if b.returncode != 0:
                print("FAILED build %s for %s:\n%s" % (module, target, b.stderr))
                failed += 1
                break
            os.remove(os.path.join(d, module + ".py"))  # import the extension, never the source
            code = script(module, calls)
            if arch == "x86_64":
                cmd = [sys.executable, "-c", code]
            else:
                cmd = ["qemu-aarch64", "-L", SYSROOT, os.path.join(SYSROOT, "usr", "bin", "python3.11"), "-c", code]
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=d)
            shutil.rmtree(d)
            if r.returncode != 0:
                print("FAILED run %s on %s:\n%s" % (module, arch, r.stderr[-2000:]))
                failed += 1
                break
            outs[arch] = r.stdout
        else:
            if outs["x86_64"] == outs["aarch64"]:
                passed += 1
                print("ok %s (%d calls identical on x86-64 and aarch64)" % (module, len(calls)))
            else:
                failed += 1
                print("FAILED %s differs:\nx86-64:\n%saarch64:\n%s" % (module, outs["x86_64"], outs["aarch64"]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
