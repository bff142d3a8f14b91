"""The build command: output, fallback to interpreted Python, --strict,
diagnostics, the module importing without Cython, CLI options."""

import os
import platform
import re
import types

import pytest

from conftest import EXT_SUFFIX, import_extension, load_snippet, refusal_is_justified, run_compiler, run_python

FALLBACK = '''"""Fallback module."""
import cython

CONST = 10


def native_add(a: int, b: int) -> int:
    return a + b


def show(x: int):
    # A generator holding `yield` inside an f-string: stays Python.
    shown = ("value", x)
    print(*shown)
    f"{(yield x * 2)}"


def make_list(n: int):
    for i in range(n):
        f"{(yield i * i)}"


class Point:
    def __init__(self, x):
        self.x = x


TOTAL = native_add(2, 3)
'''


def lines_of_def(source, name):
    """Line numbers spanned by the top-level def ``name``."""
    lines = source.splitlines()
    start = next(i for i, l in enumerate(lines, 1) if l.startswith("def %s(" % name))
    end = start
    for i in range(start, len(lines)):
        if lines[i].strip() and not lines[i].startswith((" ", "\t")):
            break
        end = i + 1
    return set(range(start, end + 1))


def write(tmp_path, name, source):
    src = tmp_path / (name + ".py")
    src.write_text(source)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return src, out


@pytest.fixture(scope="module")
def fb(pyc):
    return pyc.pair(FALLBACK, stem="fallback")


def test_fallback_build_reports_each_function(fb):
    b = fb.build
    assert b.returncode == 0
    counts = b.counts()
    assert counts is not None, "no 'N functions native, M left to Python' in stdout:\n" + b.stdout
    native, left = counts
    assert native >= 1 and left >= 2, counts
    assert re.search(r"wrote .*%s" % re.escape(b.so.name), b.stdout), b.stdout
    for name in ("show", "make_list"):
        assert name in b.stderr, b.stderr
        lines = lines_of_def(FALLBACK, name)
        locs = [int(x) for x in re.findall(re.escape(b.src.name) + r":(\d+):\d+", b.stderr)]
        assert any(l in lines for l in locs), (name, lines, b.stderr)


def test_fallback_module_works(fb, capsys):
    nat = fb.native
    fb.assert_native("native_add")
    assert isinstance(nat.show, types.FunctionType)
    assert isinstance(nat.make_list, types.FunctionType)
    assert list(nat.show(3)) == [6]
    assert "value 3" in capsys.readouterr().out
    assert list(nat.make_list(4)) == [0, 1, 4, 9]
    assert nat.CONST == 10 and nat.TOTAL == 5
    assert nat.Point(7).x == 7
    assert nat.show.__module__ == nat.__name__
    assert nat.__doc__ == "Fallback module."


def test_strict_rejects_fallback(tmp_path):
    src, out = write(tmp_path, "strictmod", FALLBACK)
    b = run_compiler(src, out, ["--strict"])
    assert b.returncode == 1, b.describe()
    assert "error" in b.stderr.lower()
    assert re.search(re.escape(src.name) + r":\d+:\d+", b.stderr), b.stderr
    assert list(out.iterdir()) == []


def test_strict_accepts_fully_native(tmp_path):
    src, out = write(tmp_path, "strictok", "def f(a: int) -> int:\n    return a + 1\n")
    b = run_compiler(src, out, ["--strict"])
    assert b.returncode == 0, b.describe()
    assert b.counts() == (1, 0), b.stdout
    assert b.so.exists()


DIAGNOSTICS = {
    "syntax": ("def f(x: int) -> int:\n    return x +\n", 2, "return x +"),
    "type_double_plus_str": ("import cython\n\n\n"
                             "def f(x: cython.double) -> cython.double:\n"
                             "    y = x + \"abc\"\n"
                             "    return y\n", 5, "y = x + \"abc\""),
    "unknown_name": ("def g(x: int) -> int:\n"
                     "    return x + undefined_thing_xyz\n", 2, "undefined_thing_xyz"),
    "bad_directive": ("import cython\n\n\n"
                      "@cython.boundscheck(\"yes\")\n"
                      "def h(x: int) -> int:\n"
                      "    return x\n", 4, "@cython.boundscheck(\"yes\")"),
}


@pytest.mark.parametrize("case", list(DIAGNOSTICS))
def test_diagnostics(tmp_path, case):
    source, line, snippet = DIAGNOSTICS[case]
    src, out = write(tmp_path, "diag_" + case, source)
    b = run_compiler(src, out)
    assert b.returncode == 1, b.describe()
    assert "error" in b.stderr, b.stderr
    assert re.search(re.escape(src.name) + r":%d:\d+" % line, b.stderr), b.stderr
    assert snippet in b.stderr, "no source snippet:\n" + b.stderr
    assert re.search(r"hint|help|note|did you|expected|try", b.stderr, re.I), b.stderr
    assert list(out.iterdir()) == [], "files left behind: %s" % list(out.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".so", ".o")]
    assert "panicked" not in b.stderr


def test_default_output_dir_and_wrote_line(tmp_path):
    src = tmp_path / "defout.py"
    src.write_text("def f(a: int) -> int:\n    return a * 2\n")
    b = run_compiler(src)
    assert b.returncode == 0, b.describe()
    so = tmp_path / ("defout" + EXT_SUFFIX)
    assert so.exists()
    m = re.search(r"wrote (\S+) \((\d+) functions? native, (\d+) left to Python\) in [\d.]+ ?ms",
                  b.stdout)
    assert m, b.stdout
    assert m.group(1).endswith("defout" + EXT_SUFFIX)
    assert (int(m.group(2)), int(m.group(3))) == (1, 0)
    assert not list(tmp_path.glob("*.o")), "object file left behind"
    mod = import_extension("defout", so)
    assert mod.f(21) == 42


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86-64 only")
@pytest.mark.parametrize("target", ["x86-64", "native"])
def test_target_option(tmp_path, target):
    src, out = write(tmp_path, "tgt_" + target.replace("-", "_"),
                     "def f(x: float) -> float:\n    return x * 2.0 + 1.0\n")
    b = run_compiler(src, out, ["--target", target])
    assert b.returncode == 0, b.describe()
    try:
        mod = import_extension(src.stem, b.so)
    except ImportError as e:
        # Only under a faked CPU (tests/cpuinfo): `native` is the real one.
        assert os.environ.get("PYC_AOT_TEST_CPUINFO") and refusal_is_justified(str(e)), e
        return
    assert mod.f(1.5) == 4.0


def test_unknown_target_is_an_error(tmp_path):
    src, out = write(tmp_path, "badtgt", "def f(x: int) -> int:\n    return x\n")
    b = run_compiler(src, out, ["--target", "no-such-cpu-xyz"])
    assert b.returncode in (1, 2), b.describe()   # 2: usage error
    assert "panicked" not in b.stderr and "error" in b.stderr.lower()
    assert list(out.iterdir()) == []


NOCYTHON = '''import cython
from cython.cimports.libc.math import sqrt

COMPILED = cython.compiled


def is_compiled() -> bool:
    return cython.compiled


def root(x: cython.double) -> cython.double:
    return sqrt(x)


def twice(x: int) -> int:
    return 2 * x
'''


def test_module_imports_without_cython(tmp_path):
    src, out = write(tmp_path, "nocy", NOCYTHON)
    b = run_compiler(src, out)
    assert b.returncode == 0, b.describe()
    code = ("try:\n"
            "    import cython\n"
            "    print('HAVE_CYTHON', cython.__file__)\n"
            "except ImportError:\n"
            "    print('NO_CYTHON')\n") + load_snippet(b.so, "nocy") + (
        "print('COMPILED', m.COMPILED)\n"
        "print('IS_COMPILED', m.is_compiled())\n"
        "print('ROOT', m.root(-1.0), m.root(16.0))\n"
        "print('TWICE', m.twice(21))\n")
    p = run_python(code, cwd=str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr[-3000:]
    assert "NO_CYTHON" in p.stdout, p.stdout
    assert "COMPILED True" in p.stdout
    assert "IS_COMPILED True" in p.stdout
    assert "ROOT nan 4.0" in p.stdout
    assert "TWICE 42" in p.stdout


def test_same_source_runs_as_plain_python_with_shim(tmp_path, shim_dir):
    src, out = write(tmp_path, "plainrun", NOCYTHON)
    code = ("import sys\nsys.path.insert(0, %r)\nimport plainrun as m\n"
            "print(m.COMPILED, m.is_compiled(), m.root(-1.0), m.twice(21))\n" % str(tmp_path))
    p = run_python(code, path=[shim_dir])
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["False", "False", "nan", "42"]


@pytest.mark.parametrize("what,marker", [("hir", "f"), ("mir", "def wrapper of f"), ("clif", "function"), ("asm", "ret")])
def test_emit_prints_intermediate_code(tmp_path, what, marker):
    src, out = write(tmp_path, "emit_" + what, "def f(a: int) -> int:\n    return a + 1\n")
    b = run_compiler(src, out, ["--emit", what])
    assert b.returncode == 0, b.describe()
    assert marker in b.stdout and len(b.stdout) > 20, b.stdout[:500]


def test_quiet(tmp_path):
    src, out = write(tmp_path, "quietmod", "def f(a: int) -> int:\n    return a + 1\n")
    b = run_compiler(src, out, ["--quiet"])
    assert b.returncode == 0, b.describe()
    assert b.stdout.strip() == ""
    assert b.so.exists()
