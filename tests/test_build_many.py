"""`pyc-aot build` of many modules: directories, globs and several files,
built in parallel (-j), up-to-date modules skipped by their stamps, one
progress line per module and a summary, one module's error failing alone."""

import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import EXT_SUFFIX, compiler_path, default_target, run_python

N = 20

MODULE = '''\
import cython


def scale_{i}(n: cython.int) -> cython.int:
    return n * {i} + 1


def total_{i}(n: cython.int) -> cython.long:
    s: cython.long = 0
    for k in range(n):
        s += k % {m}
    return s


def listed_{i}(x):
    f"{{(yield x)}}"
    yield {i}
'''


def build(*args, cwd, check=None, jobs=2, exe=None):
    cmd = [str(exe or compiler_path()), "build", *map(str, args), "--python", sys.executable]
    if "--target" not in args:
        cmd += ["--target", default_target()]
    if jobs is not None and "-j" not in args:
        cmd += ["-j", str(jobs)]
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def lines(p, what):
    """The sources of the progress lines saying ``what`` ("built", "up to date", "FAILED")."""
    return sorted(m.group(1) for m in re.finditer(rf"^\[\s*\d+/\d+\] {what} (\S+?)(?::| ->|$)", p.stdout, re.M))


def summary(p):
    m = re.search(r"^(\d+) modules?: (\d+) built, (\d+) up to date, (\d+) failed; (\d+) functions? native, "
                  r"(\d+) left to Python; [\d.]+ s$", p.stdout, re.M)
    assert m, p.stdout
    return tuple(int(g) for g in m.groups())


@pytest.fixture
def package(tmp_path):
    """src/pkg: an __init__.py and N modules, a few in a sub-package."""
    pkg = tmp_path / "src" / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import m0\nWHO = 'package'\n")
    (pkg / "sub" / "__init__.py").write_text("")
    for i in range(N):
        where = pkg / "sub" if i % 5 == 4 else pkg
        (where / f"m{i}.py").write_text(MODULE.format(i=i, m=i + 2))
    return tmp_path


def all_sources(root):
    return sorted(str(p.relative_to(root)) for p in (root / "src").rglob("m*.py"))


CHECK = textwrap.dedent('''
    import importlib, sys
    import pkg
    assert pkg.__file__.endswith("__init__.py"), pkg.__file__
    for i in range({n}):
        name = ("pkg.sub.m%d" if i % 5 == 4 else "pkg.m%d") % i
        m = importlib.import_module(name)
        assert m.__file__.endswith({suffix!r}), m.__file__
        assert type(getattr(m, "scale_%d" % i)).__name__ == "builtin_function_or_method"
        assert getattr(m, "scale_%d" % i)(5) == 5 * i + 1
        assert getattr(m, "total_%d" % i)(100) == sum(k % (i + 2) for k in range(100))
        assert list(getattr(m, "listed_%d" % i)(3)) == [3, i]
    print("ok")
''')


def test_a_package_builds_in_parallel_and_a_second_run_rebuilds_nothing(package):
    p = build("src/", cwd=package, check=0)
    assert lines(p, "built") == all_sources(package)
    # The package's __init__ modules, found in a directory, stay Python.
    assert not list(package.rglob("__init__*" + EXT_SUFFIX))
    assert summary(p) == (N, N, 0, 0, 2 * N, N)
    r = run_python(CHECK.format(n=N, suffix=EXT_SUFFIX), path=[package / "src"])
    assert r.returncode == 0 and r.stdout == "ok\n", r.stderr
    stamps = sorted(package.rglob("*.pyc-aot-stamp"))
    assert len(stamps) == N

    again = build("src/", cwd=package, check=0)
    assert lines(again, "built") == []
    assert lines(again, "up to date") == all_sources(package)
    assert summary(again) == (N, 0, N, 0, 2 * N, N)

    # Touching one source (new bytes) rebuilds it alone; an mtime alone does not.
    (package / "src/pkg/m3.py").write_text(MODULE.format(i=3, m=7))
    (package / "src/pkg/m5.py").touch()
    third = build("src/", cwd=package, check=0)
    assert lines(third, "built") == ["src/pkg/m3.py"]
    r = run_python("import pkg.m3; print(pkg.m3.total_3(100))", path=[package / "src"])
    assert r.stdout == f"{sum(k % 7 for k in range(100))}\n", r.stderr

    # Another target, or another option, rebuilds everything.
    other = "x86-64" if default_target() != "x86-64" else "x86-64-v2"
    assert lines(build("src/", "--target", other, cwd=package, check=0), "built") == all_sources(package)
    assert lines(build("src/", "--target", other, cwd=package, check=0), "built") == []
    assert lines(build("src/", "--target", other, "--strict", "-q", cwd=package, check=1), "built") == []


def test_a_replaced_or_deleted_module_is_rebuilt(package):
    build("src/pkg/m1.py", "src/pkg/m2.py", cwd=package, check=0)
    m1 = package / "src/pkg" / ("m1" + EXT_SUFFIX)
    m1.write_bytes(m1.read_bytes()[:100])
    (package / "src/pkg" / ("m2" + EXT_SUFFIX)).unlink()
    p = build("src/pkg/m1.py", "src/pkg/m2.py", "src/pkg/m6.py", cwd=package, check=0)
    assert lines(p, "built") == ["src/pkg/m1.py", "src/pkg/m2.py", "src/pkg/m6.py"]


def test_one_syntax_error_fails_alone_with_its_place(package):
    (package / "src/pkg/broken.py").write_text("import cython\n\ndef f(n: cython.int):\n    return n +\n")
    p = build("src/", cwd=package, check=1)
    assert lines(p, "FAILED") == ["src/pkg/broken.py"]
    assert re.search(r"^\[\s*\d+/21\] FAILED src/pkg/broken.py: src/pkg/broken.py:4:\d+: .*syntax", p.stdout, re.M), p.stdout
    assert "src/pkg/broken.py:4:" in p.stderr
    assert summary(p)[:4] == (N + 1, N, 0, 1)
    r = run_python(CHECK.format(n=N, suffix=EXT_SUFFIX), path=[package / "src"])
    assert r.stdout == "ok\n", r.stderr


def test_globs_output_dir_and_init_named_explicitly(package):
    out = package / "out"
    p = build("src/**/*.py", "src/pkg/__init__.py", "-o", out, cwd=package, check=0)
    assert lines(p, "built") == sorted(all_sources(package) + ["src/pkg/__init__.py"])
    # The layout below the glob's fixed part is kept; an explicitly named file goes to -o itself.
    assert (out / "pkg" / ("m0" + EXT_SUFFIX)).is_file()
    assert (out / "pkg" / "sub" / ("m4" + EXT_SUFFIX)).is_file()
    assert (out / ("__init__" + EXT_SUFFIX)).is_file()
    assert not (package / "src/pkg" / ("m0" + EXT_SUFFIX)).exists()

    # In place, the package's compiled __init__ is the package (PyInit_pkg).
    (package / "src/pkg/__init__.py").write_text(
        "import cython\nfrom . import m0\n\ndef twice(n: cython.int) -> cython.int:\n    return 2 * n\n")
    build("src/pkg/__init__.py", "src/pkg/m0.py", cwd=package, check=0)
    code = "import pkg; print(pkg.__file__.endswith(%r), pkg.twice(4), pkg.m0.scale_0(1), pkg.__path__)"
    r = run_python(code % EXT_SUFFIX, path=[package / "src"])
    assert r.stdout == f"True 8 1 {[str(package / 'src' / 'pkg')]}\n", r.stderr

    only = build("src/pkg/sub/*.py", cwd=package, check=0)
    assert lines(only, "built") == [f"src/pkg/sub/m{i}.py" for i in sorted(range(4, N, 5), key=str)]
    assert build("src/nothing/*.py", cwd=package, check=1).stderr == "error: src/nothing/*.py: matches no .py file\n"


def test_emit_and_bad_options_with_many_files(package):
    p = build("src/", "--emit", "hir", cwd=package, check=2)
    assert "name one file" in p.stderr
    p = build("src/", "--target", "no-such-cpu", cwd=package, check=1)
    assert p.stdout == "" and "no-such-cpu" in p.stderr
    p = build("src/", "-j", "0", cwd=package, jobs=None)
    assert p.returncode == 2 and "-j" in p.stderr


def test_a_rebuilt_compiler_rebuilds_every_module(package, tmp_path):
    exe = tmp_path / "pyc-aot"
    shutil.copy2(compiler_path(), exe)
    assert lines(build("src/pkg/sub", cwd=package, check=0, exe=exe), "built") == [
        f"src/pkg/sub/m{i}.py" for i in sorted(range(4, N, 5), key=str)]
    assert lines(build("src/pkg/sub", cwd=package, check=0, exe=exe), "built") == []
    # Same version, same path, another binary (here: another modification time).
    st = exe.stat()
    os.utime(exe, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert len(lines(build("src/pkg/sub", cwd=package, check=0, exe=exe), "built")) == 4
