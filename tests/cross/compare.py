"""Builds each example (examples/wrap_c's with its C source, compiled by the
target's C compiler; and test programs for paths the examples do not take:
integer math, paired float reductions, view copies, folded recursion, keyword
calls of METH_O functions) for x86-64 (native) and aarch64, runs the same
calls on both (aarch64 under qemu-user) and compares the printed results."""

import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("PYC_AOT_BIN", os.path.join(ROOT, "target", "release", "pyc-aot"))
SYSROOT = sys.argv[1]

ARR = "__import__('array').array"

CALLS = {
    "fib": ["fib(0)", "fib(1)", "fib(90)", "fib(-5)", "fib(n=10)", "fib(*[3])"],
    "rfib": ["rfib(20)", "rfib(1)", "rfib(-3)"],
    "integrate": ["integrate_f(0.0, 1.0, 1000)", "integrate_f(-2.5, 3.0, 777)"],
    "primes": [c for c in ["nth_prime(100)", "count_primes(1000)"]],
    "pi": ["leibniz_pi(100000)"],
    "mandelbrot": ["mandelbrot(40, 30, 50)"],
    # On a thread team (libgomp): integer-valued sums are exact in any order.
    "prange_sum": ["parallel_sum(%s('d', range(100001)))" % ARR, "parallel_sum_on(%s('d', range(1001)), 2)" % ARR,
                   "parallel_sum_on(%s('d', [0.1, 0.2, 0.3]), 1)" % ARR, "parallel_sum(%s('d'))" % ARR],
    "mandelbrot_prange": ["=(lambda v: (m.mandelbrot(v, 50, 2), v.tolist()))(memoryview(%s('i', bytes(4 * 12 * 10))).cast('B').cast('i', (12, 10)))" % ARR],
    "matmul_prange": ["=(lambda a, b, c: (m.matmul(a, b, c, 2), c.tolist()))(*(memoryview(%s('d', [1.0 / (v + 1) for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((6, 5), (5, 4), (6, 4))))" % ARR],
    # Python objects, exceptions, extension types and C pointers.
    "newton": ["roots([0.5, 2.0, 1e308, -4.0, 0.0], 3, 40)", "total_of_roots(50, 2, 30)", "newton_root(2.0, 2, 1)",
               "roots([], 2, 5)", "roots(None, 2, 5)"],
    "particles_c": ["simulate(1, 10, 0.01)", "simulate(300, 40, 0.02)", "simulate(0, 1, 0.1)"],
    "particles_cclass": ["simulate(50, 100, 0.001)", "simulate(0, 1, 0.1)"],
    "nbody_cclass": ["simulate(200)", "simulate(0)"],
    "linked_list_c": ["checksum(1000, 3)", "checksum(0, 2)", "checksum(5, 0)"],
    "qsort_c": ["checksum(1000, 3)", "checksum(0, 1)", "largest(100, 7, 5)", "largest(3, 1, 5)"],
    # Objects: complex numbers in lists, str/dict/list (kmeans needs NumPy, not in the target's sysroot).
    "julia": ["sum(calc_pure_python(30, 60))", "calculate_z_serial_purepython(50, [0j, 1 + 1j, 0.5], [-0.6 - 0.4j] * 3)",
              "calculate_z_serial_purepython(0, [], [])"],
    "wordfreq": ["top_words('the cat, the hat; THE bat!', 2)", "report('', 3)", "count_words('... !!!')"],
    # Test programs exercising code paths the examples do not.
    "tests/programs/math_extra": ["m_gcd(12, -18)", "m_gcd(-2**63, 6)", "m_lcm(4, 6)", "m_lcm(2**40, 3**25)",
                                  "m_isqrt(2**62 + 5)", "m_factorial(20)", "m_factorial(21)", "m_comb(60, 30)",
                                  "m_comb(67, 33)", "m_perm(20, 10)", "m_ulp(1.0)", "m_ldexp(1.5, 1024)",
                                  "m_isclose(1.0, 1.0 + 1e-10)", "m_remainder(10.0, 3.0)", "m_nextafter(1.0, 2.0)"],
    "tests/programs/reductions": ["weighted_row(%s('d', [1.5, -2.0, 3.25, 0.5, 7.0]), 3)" % ARR,
                                  "weighted_strided(memoryview(%s('d', range(11)))[::-2], 1)" % ARR,
                                  "quotients(%s('d', [1, 2, 3, 4, 5]), %s('d', [2, 0.25, 4, 8, 1e-300]), 5)" % (ARR, ARR),
                                  "quotients(%s('d', [1, 2, 3]), %s('d', [2, 3]), 3)" % (ARR, ARR),
                                  "counted(2**63 - 1, 1.5)"],
    "tests/programs/view_copy": ["=(lambda a: (m.shift_right(a, 3), a.tolist())[1])(%s('i', range(10)))" % ARR,
                                 "=(lambda a: (m.copy_all(memoryview(a)[::2], memoryview(a)[1::2]), a.tolist())[1])(%s('d', range(10)))" % ARR,
                                 "copy_all(%s('d', [0, 0, 0]), %s('d', [1, 2]))" % (ARR, ARR)],
    # Wrapping C: cfib.c compiled by the target's C compiler, linked in.
    "examples/wrap_c/wrap_fib": ["fib(90)", "fib(0)", "cfib(10)", "fib(n=30)"],
    # Variadic C calls (snprintf): arguments in registers and on the stack.
    "tests/programs/varargs": ["formatted(-42, 3.14159265, -9000000000123, 2.5, -7)", "many(3)", "looped(4)"],
    # Structs by value to and from C (sv_structs.c): HFAs, x-register pairs, pointers to copies, x8 results.
    "tests/programs/struct_by_value": ["add2(1.5, 2, -3, 4.25)", "dot_of_sum(1.5, -2)", "sum_field(1.5, -2)", "as_dict(1.5, -2)",
                                       "to_object(1.5, -2)", "built(3.0)", "via_cfunc(1, 2)", "ints(-7, 12)", "mixes(-3, 2.5)",
                                       "floats(1.25, -0.5)", "tri(1.5, 2.25, -3)", "crossed(1, 2, 3, 4, 5, 6)", "bigs(1, -2, 2**40)",
                                       "spans(5)", "stepped(1, 2, 4, -2, 41)", "smalls(-5, 30000)", "unions(-2.5)", "words(1.5)",
                                       "many(0.5)", "many_ints(3)", "loop_dot(10)"],
    "tests/programs/folding": ["rfib(25)", "rfib(-4)", "grows(2)", "grows(3)", "guarded(5)", "truncs(9)", "wraps(6)"],
}


# Files a module's build needs beside it; the C sources among them are built in.
BESIDE = {"wrap_fib": ["cfib.c", "cfib.h", "cfib.pxd"], "struct_by_value": ["sv_structs.c", "sv_structs.h", "sv_structs.pxd"]}


def script(module, calls):
    lines = ["import sys", "sys.path.insert(0, '.')", "import %s as m" % module]
    for c in calls:
        # "=expr" is printed as written; anything else is a call of the module's.
        expr = c[1:] if c.startswith("=") else "m." + c
        lines.append("try:\n    print(%r, repr(%s))\nexcept Exception as e:\n    print(%r, type(e).__name__, e)" % (c, expr, c))
    return "\n".join(lines) + "\n"


def main():
    passed = failed = 0
    for name, calls in CALLS.items():
        src = os.path.join(ROOT, name + ".py") if "/" in name else os.path.join(ROOT, "examples", name + ".py")
        module = os.path.basename(name)
        with open(src) as f:
            text = f.read()
        if not calls:
            continue
        outs = {}
        for arch, target in [("x86_64", "native"), ("aarch64", "aarch64-unknown-linux-gnu")]:
            d = tempfile.mkdtemp(prefix="pyc-aot-cross-")
            shutil.copy(src, d)
            for f in BESIDE.get(module, []):
                shutil.copy(os.path.join(os.path.dirname(src), f), d)
            c_sources = [os.path.join(d, f) for f in BESIDE.get(module, []) if f.endswith(".c")]
            b = subprocess.run([BIN, "build", os.path.join(d, module + ".py"), *c_sources, "--target", target, "-q"],
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
