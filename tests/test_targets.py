"""Targets: every CPU name compiles; modules refuse CPUs lacking their
features; fat modules dispatch to the best variant and can be forced lower.

Every target is built and its asm checked on any machine; code runs only
where this CPU (or the CPU faked with PYC_AOT_TEST_CPUINFO, see
tests/cpuinfo/README.md) has its features, and elsewhere the module's
import-time refusal is checked instead."""

import os
import subprocess
import sys

import pytest

from conftest import compiler_path, cpu_flags, refusal_is_justified

BIN = str(compiler_path())

FIB = os.path.join(os.path.dirname(__file__), "..", "examples", "fib.py")


def target_names():
    out = subprocess.run([BIN, "targets"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def build(tmp_path, target, name="fib"):
    src = tmp_path / (name + ".py")
    src.write_text(open(FIB).read())
    p = subprocess.run([BIN, "build", str(src), "--target", target, "-q", "--python", sys.executable],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return tmp_path


def run_in(dirpath, code, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-c", code], cwd=dirpath, capture_output=True, text=True, env=e)


PROBE = "import fib; print(fib.__pyc_aot_target__, repr(fib.fib(90)), repr(fib.fib(7)))"
EXPECTED = "%r %r" % (2.880067194370816e+18, 13.0)


@pytest.mark.parametrize("target", target_names())
def test_every_target_compiles_and_runs_or_refuses(tmp_path, target):
    d = build(tmp_path, target)
    assert_runs_or_refuses(d, target)


def assert_runs_or_refuses(d, target):
    """The module runs right, or refuses cleanly naming features this CPU
    really lacks (never a false refusal, never SIGILL)."""
    p = run_in(d, PROBE)
    if p.returncode == 0:
        assert p.stdout.split(" ", 1)[1].strip() == EXPECTED, p.stdout
        assert p.stdout.split()[0] == target
    else:
        assert "ImportError" in p.stderr and refusal_is_justified(p.stderr), p.stderr
    return p.returncode == 0


# (target, the /proc/cpuinfo feature it needs that older CPUs lack)
LATE_FEATURES = [("x86-64-v2+avxvnni", "avx_vnni"), ("x86-64-v2+avx512vnni", "avx512_vnni"),
                 ("x86-64-v2+avx512bitalg", "avx512_bitalg"), ("x86-64-v2+avx512f", "avx512f"),
                 ("x86-64-v2+avx2", "avx2")]


def test_refuses_cpu_without_a_feature(tmp_path):
    flags = cpu_flags()
    env = None
    lacking = [(t, f) for t, f in LATE_FEATURES if f not in flags]
    if not lacking:
        # This CPU has them all: show the module a CPU that lacks one.
        fake = tmp_path / "cpuinfo"
        fake.write_text("flags\t\t: %s\n" % " ".join(sorted(flags - {"avx_vnni"})))
        env = {"PYC_AOT_TEST_CPUINFO": str(fake)}
        lacking = [LATE_FEATURES[0]]
    target, feature = lacking[0]
    d = build(tmp_path, target)
    p = run_in(d, "import fib", env)
    assert p.returncode != 0
    assert "ImportError: fib was compiled for %s (needs" % target in p.stderr, p.stderr
    assert "this CPU lacks %s" % feature in p.stderr, p.stderr


def test_feature_edits_and_triples_compile(tmp_path):
    flags = cpu_flags()
    for t, needs, marker in [("x86-64-v2+avx2+fma+bmi2", {"avx2", "fma", "bmi2"}, "retq"),
                             ("x86_64-unknown-linux-gnu:skylake-avx512", {"avx512f", "avx512vl", "avx512dq"}, "  v")]:
        d = build(tmp_path, t)
        ran = assert_runs_or_refuses(d, t)
        assert ran == (needs <= flags), (t, ran)
        asm = subprocess.run([BIN, "build", FIB, "--target", t, "--emit", "asm"], capture_output=True, text=True)
        assert asm.returncode == 0 and marker in asm.stdout, asm.stderr
    asm = subprocess.run([BIN, "build", FIB, "--target", "aarch64-unknown-linux-gnu", "--emit", "asm"],
                         capture_output=True, text=True)
    assert asm.returncode == 0 and "fmov" in asm.stdout, asm.stderr


def test_unknown_target_names_near_matches(tmp_path):
    p = subprocess.run([BIN, "build", FIB, "--target", "skylake-avx", "-o", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "skylake-avx512" in p.stderr
    p = subprocess.run([BIN, "build", FIB, "--target", "x86-64+avx9", "-o", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 1 and "unknown CPU feature `avx9`" in p.stderr
    assert list(tmp_path.iterdir()) == []


def test_fat_module_dispatch(tmp_path):
    variants = ["x86-64", "x86-64-v3", "skylake-avx512"]
    d = build(tmp_path, ",".join(variants))
    flags = cpu_flags()
    best = ("skylake-avx512" if {"avx512f", "avx512vl", "avx512dq"} <= flags
            else "x86-64-v3" if {"avx2", "fma", "bmi2"} <= flags else "x86-64")
    p = run_in(d, PROBE)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[0] == best
    for v in variants:
        p = run_in(d, PROBE, {"PYC_AOT_DISPATCH": v})
        if v == "x86-64" or v == best or (v == "x86-64-v3" and best == "skylake-avx512"):
            assert p.returncode == 0, p.stderr
            assert p.stdout.split()[0] == v
            assert p.stdout.split(" ", 1)[1].strip() == EXPECTED
        else:
            assert "PYC_AOT_DISPATCH=%s, but this CPU lacks" % v in p.stderr, p.stderr
    p = run_in(d, "import fib", {"PYC_AOT_DISPATCH": "znver4"})
    assert p.returncode != 0 and "names no variant" in p.stderr


ISEL = '''
import cython
from cython.cimports.libc.math import fma


def c_fma(a: float, b: float, c: float) -> float:
    return fma(a, b, c)


def bits(n: int) -> int:
    return n.bit_count()


def bits32(n: cython.int) -> int:
    return n.bit_count()
'''


@pytest.mark.parametrize("target", ["x86-64", "x86-64-v2", "haswell"])
def test_fma_and_bit_count_agree_across_targets(tmp_path, target):
    from fractions import Fraction
    src = tmp_path / "isel.py"
    src.write_text(ISEL)
    p = subprocess.run([BIN, "build", str(src), "--target", target, "-q", "--python", sys.executable],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    code = (
        "import isel\n"
        "ns = [0, 1, -1, 5, -5, 255, 2**31 - 1, -2**31, 2**62, 2**63 - 1, -2**63 + 1, -2**63]\n"
        "print([isel.bits(n) for n in ns])\n"
        "print([isel.bits32(n) for n in ns[:8]])\n"
        "print([repr(isel.c_fma(a, b, c)) for a, b, c in [(0.1, 10.0, -1.0), (1e308, 10.0, -1e308), (3.0, 1/3, -1.0), (2.0, 3.0, 4.0)]])\n"
    )
    r = run_in(tmp_path, code)
    if r.returncode != 0 and refusal_is_justified(r.stderr):
        return
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    ns = [0, 1, -1, 5, -5, 255, 2**31 - 1, -2**31, 2**62, 2**63 - 1, -2**63 + 1, -2**63]
    assert lines[0] == str([bin(n).count("1") for n in ns])  # int.bit_count is 3.10+
    assert lines[1] == str([bin(n).count("1") for n in ns[:8]])

    def exact_fma(a, b, c):
        try:
            return float(Fraction(a) * Fraction(b) + Fraction(c))
        except OverflowError:
            return float("inf")
    expected = [repr(exact_fma(a, b, c)) for a, b, c in [(0.1, 10.0, -1.0), (1e308, 10.0, -1e308), (3.0, 1/3, -1.0), (2.0, 3.0, 4.0)]]
    assert lines[2] == str(expected)


def test_build_for_a_cpu_this_machine_lacks_says_so(tmp_path):
    """The build succeeds and says, in one line, why this machine cannot
    import the module (here: a faked AVX2-only CPU)."""
    fake = os.path.join(os.path.dirname(__file__), "cpuinfo", "epyc_zen1.txt")
    env = dict(os.environ, PYC_AOT_TEST_CPUINFO=fake)
    src = tmp_path / "fib.py"
    src.write_text(open(FIB).read())

    def build_note(target):
        p = subprocess.run([BIN, "build", str(src), "--target", target, "-o", str(tmp_path / target),
                            "--python", sys.executable],
                           capture_output=True, text=True, env=env)
        assert p.returncode == 0, p.stderr
        return [line for line in p.stderr.splitlines() if "cannot import" in line]

    assert build_note("skylake-avx512") == [
        "note: this machine cannot import the result: skylake-avx512 needs avx512f, avx512vl, avx512dq, "
        "which this CPU lacks"]
    assert build_note("x86-64-v3") == []
    # A fat module one of whose variants runs here imports fine.
    assert build_note("x86-64,skylake-avx512") == []
