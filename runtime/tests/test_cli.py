"""`python -m pyc_aot` and the `pyc-aot` console script: the Rust binary's CLI."""
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

import pyc_aot
from conftest import REPO, run
from test_api import BAD, PARTIAL

FIB = REPO / "examples" / "fib.py"
SCRIPT = Path(sys.executable).with_name("pyc-aot")
CLIS = {"module": [sys.executable, "-m", "pyc_aot"], "script": [SCRIPT]}


@pytest.fixture(params=sorted(CLIS))
def cli(request):
    return CLIS[request.param]


def test_build_writes_the_module(cli, tmp_path):
    p = run([*cli, "build", FIB, "-o", tmp_path, "--target", "x86-64-v2"])
    out = tmp_path / ("fib" + pyc_aot.EXTENSION_SUFFIX)
    assert re.fullmatch(rf"wrote {re.escape(str(out))} \(1 function native, 0 left to Python\) in \d+ ms\n", p.stdout)
    assert p.stderr == ""
    assert out.is_file()
    assert run([*cli, "build", FIB, "-o", tmp_path, "-q"]).stdout == ""


def test_build_for_a_cpu_this_machine_lacks_says_so(cli, tmp_path):
    fake = REPO / "tests" / "cpuinfo" / "epyc_zen1.txt"   # AVX2, no AVX-512
    env = {"PYC_AOT_TEST_CPUINFO": str(fake)}
    p = run([*cli, "build", FIB, "-o", tmp_path, "--target", "skylake-avx512"], env=env)
    assert (tmp_path / ("fib" + pyc_aot.EXTENSION_SUFFIX)).is_file()
    assert p.stderr == ("note: this machine cannot import the result: skylake-avx512 needs avx512f, avx512vl, "
                        "avx512dq, which this CPU lacks\n")
    p = run([*cli, "build", FIB, "-o", tmp_path, "--target", "x86-64-v3"], env=env)
    assert p.stderr == ""


def test_build_next_to_the_source_by_default(cli, tmp_path):
    src = tmp_path / "fib.py"
    shutil.copy(FIB, src)
    run([*cli, "build", "fib.py"], cwd=tmp_path)
    assert (tmp_path / ("fib" + pyc_aot.EXTENSION_SUFFIX)).is_file()


def test_errors_and_exit_codes(cli, tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    p = run([*cli, "build", "bad.py"], cwd=tmp_path, check=1)
    assert p.stdout == ""
    assert "error: unsupported operand type(s) for +: 'float' and 'str'" in p.stderr
    assert "bad.py:5:12" in p.stderr
    (tmp_path / "partial.py").write_text(PARTIAL)
    p = run([*cli, "build", "partial.py"], cwd=tmp_path)
    assert "function `g` left to Python" in p.stderr and "1 left to Python" in p.stdout
    p = run([*cli, "build", "partial.py", "--strict"], cwd=tmp_path, check=1)
    assert "error: function `g` left to Python" in p.stderr
    p = run([*cli, "build", "partial.py", "--target", "nope"], cwd=tmp_path, check=1)
    assert p.stderr.startswith("error: unknown target `nope`")
    assert run([*cli, "build"], check=2).stderr  # usage error
    assert run([*cli], check=2).stderr


def test_emit_and_targets(cli):
    assert run([*cli, "build", FIB, "--emit", "hir"]).stdout.startswith("fn fib(")
    lines = run([*cli, "targets"]).stdout.splitlines()
    assert lines[0] == "native                 the CPU of this machine"
    assert lines[1] == "x86-64                 baseline (SSE2)"
    assert any(line.startswith("skylake-avx512 ") and "avx512f" in line for line in lines)
    assert run([*cli, "--version"]).stdout.strip() == f"pyc-aot {pyc_aot.COMPILER_VERSION}"


def _rust_binary():
    exe = os.environ.get("PYC_AOT_BIN") or str(REPO / "target" / "release" / "pyc-aot")
    if not os.path.isfile(exe):
        pytest.skip("no Rust pyc-aot binary to compare with (cargo build --release)")
    return exe


@pytest.mark.parametrize(
    "args",
    [["build", "fib.py"], ["build", "bad.py"], ["build", "partial.py"], ["build", "partial.py", "--strict"],
     ["build", "fib.py", "--target", "nope"], ["build", "fib.py", "--emit", "hir"], ["targets"]],
)
def test_same_output_as_the_rust_binary(args, tmp_path):
    rust = _rust_binary()
    shutil.copy(FIB, tmp_path / "fib.py")
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "partial.py").write_text(PARTIAL)
    ours = run([sys.executable, "-m", "pyc_aot", *args, "--python", "python3"] if args[0] == "build" else
               [sys.executable, "-m", "pyc_aot", *args], cwd=tmp_path, check=False)
    theirs = run([rust, *args], cwd=tmp_path, check=False)
    timing = re.compile(r" in \d+ ms$", re.M)
    assert ours.returncode == theirs.returncode
    assert timing.sub("", ours.stdout) == timing.sub("", theirs.stdout)
    assert ours.stderr == theirs.stderr


@pytest.mark.parametrize("args", [["build", "src", "-j", "1"], ["build", "src/**/*.py", "-o", "out", "-j", "1"],
                                  ["build", "src/", "--emit", "hir"], ["build", "nothing/*.py"]])
def test_many_modules_same_output_as_the_rust_binary(args, tmp_path):
    rust = _rust_binary()
    clis = {"ours": [sys.executable, "-m", "pyc_aot"], "theirs": [rust]}
    outputs = {}
    for who, cli in clis.items():  # each in a tree of its own: their stamps name different compilers
        root = tmp_path / who
        (root / "src" / "pkg").mkdir(parents=True)
        (root / "src" / "pkg" / "__init__.py").write_text("")
        shutil.copy(FIB, root / "src" / "pkg" / "fib.py")
        (root / "src" / "pkg" / "partial.py").write_text(PARTIAL)
        (root / "src" / "bad.py").write_text(BAD)
        # Built, then up to date.
        outputs[who] = [run([*cli, *args, "--python", "python3"], cwd=root, check=False) for _ in range(2)]
    timing = re.compile(r"(, \d+ ms|; [\d.]+ s)$", re.M)
    for ours, theirs in zip(outputs["ours"], outputs["theirs"]):
        assert ours.returncode == theirs.returncode != 0
        assert timing.sub("", ours.stdout) == timing.sub("", theirs.stdout)
        assert ours.stderr == theirs.stderr
    if "-j" in args:
        assert "up to date src/pkg/fib.py" in outputs["ours"][1].stdout
