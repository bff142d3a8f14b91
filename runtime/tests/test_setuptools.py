"""pyc_aot.setuptools: aot_extensions + build_ext on examples/setuptools_project."""
import os
import stat
import sys
import zipfile

import pytest

import pyc_aot
from conftest import py, run
from test_api import BAD

SUFFIX = pyc_aot.EXTENSION_SUFFIX
MODULES = ["kernels", "geometry"]
CHECK = (
    "import aotdemo, aotdemo.kernels as k, aotdemo.geometry as g, math\n"
    "assert k.__file__.endswith({suffix!r}) and g.__file__.endswith({suffix!r}), (k.__file__, g.__file__)\n"
    "assert k.longest_collatz(10000) == 6171 and k.gcd(-12, 18) == 6 and k.collatz_steps(27) == 111\n"
    "assert abs(g.integrate_sin(0.0, math.pi, 1000) - 2.0) < 1e-5 and g.circle_area(2.0) == 4 * math.pi\n"
    "print(k.__file__)\n"
).format(suffix=SUFFIX)


def build_ext(project, *args, env=None, check=True):
    return run([sys.executable, "setup.py", "build_ext", "--inplace", *args], cwd=project, env=env, check=check)


def built(project):
    return {m: project / "aotdemo" / (m + SUFFIX) for m in MODULES}


def test_build_ext_inplace_then_import_and_run_the_project_tests(project):
    p = build_ext(project)
    for m in MODULES:
        assert f"pyc-aot: compiled aotdemo/{m}.py for x86-64 (" in p.stdout + p.stderr
    assert all(f.is_file() for f in built(project).values())
    py(CHECK, cwd=project)
    out = run([sys.executable, "-m", "pytest", "-q", "-s", "tests"], cwd=project).stdout
    assert "aotdemo modules are compiled" in out and "4 passed" in out


def test_up_to_date_modules_are_skipped_and_force_rebuilds(project):
    build_ext(project)
    lib = project / "build"
    so = {f: f.stat().st_mtime_ns for f in lib.rglob("*" + SUFFIX)}
    assert len(so) == 2
    p = build_ext(project)
    assert p.stdout.count("(up-to-date)") + p.stderr.count("(up-to-date)") == 2
    assert {f: f.stat().st_mtime_ns for f in so} == so
    # Touching one source rebuilds that module only.
    src = project / "aotdemo" / "kernels.py"
    os.utime(src, ns=(src.stat().st_atime_ns, max(so.values()) + 10**9))
    p = build_ext(project)
    assert "compiled aotdemo/kernels.py" in p.stdout + p.stderr
    assert "compiled aotdemo/geometry.py" not in p.stdout + p.stderr
    p = build_ext(project, "--force")
    assert "compiled aotdemo/kernels.py" in p.stdout + p.stderr and "compiled aotdemo/geometry.py" in p.stdout + p.stderr
    py(CHECK, cwd=project)


def test_a_damaged_module_or_an_older_dated_edit_is_rebuilt(project):
    """Mtimes say up to date; the contents say otherwise."""
    build_ext(project)
    [module] = (project / "build").rglob("kernels" + SUFFIX)
    later = module.stat().st_mtime_ns
    # A link cut short: a truncated module, dated after its source.
    module.write_bytes(module.read_bytes()[:1000])
    os.utime(module, ns=(later, later))
    p = build_ext(project)
    assert "compiled aotdemo/kernels.py" in p.stdout + p.stderr
    assert "compiled aotdemo/geometry.py" not in p.stdout + p.stderr
    # An edited source dated before the module (tar, cp -p, rsync -t).
    [module] = (project / "build").rglob("kernels" + SUFFIX)
    src = project / "aotdemo" / "kernels.py"
    src.write_text(src.read_text() + "\n\ndef extra() -> int:\n    return 1\n")
    os.utime(src, ns=(module.stat().st_mtime_ns - 10**9,) * 2)
    p = build_ext(project)
    assert "compiled aotdemo/kernels.py" in p.stdout + p.stderr
    py(CHECK + "assert k.extra() == 1\n", cwd=project)
    assert not list(project.rglob("*.tmp"))


def test_parallel_build(project):
    p = build_ext(project, "-j", "2")
    assert (p.stdout + p.stderr).count("pyc-aot: compiled") == 2
    py(CHECK, cwd=project)


def test_target_from_environment_and_per_extension(project):
    p = build_ext(project, env={"PYC_AOT_TARGET": "x86-64-v2"})
    assert "for x86-64-v2 (" in p.stdout + p.stderr
    # A different target is not up to date.
    p = build_ext(project, env={"PYC_AOT_TARGET": "x86-64"})
    assert "for x86-64 (" in p.stdout + p.stderr
    p = build_ext(project, env={"PYC_AOT_TARGET": "pentium"}, check=False)
    assert p.returncode != 0 and "unknown target `pentium`" in p.stderr
    # Per extension: the setup.py's own target wins over the environment.
    setup = project / "setup.py"
    setup.write_text(setup.read_text().replace(
        'aot_extensions(["aotdemo/kernels.py", "aotdemo/geometry.py"])',
        'aot_extensions(["aotdemo/kernels.py"], target="x86-64-v3") + aot_extensions(["aotdemo/geometry.py"])',
    ))
    p = build_ext(project, "--force", env={"PYC_AOT_TARGET": "x86-64-v2"})
    out = p.stdout + p.stderr
    assert "compiled aotdemo/kernels.py for x86-64-v3 (" in out and "compiled aotdemo/geometry.py for x86-64-v2 (" in out


def test_links_with_setuptools_compiler_honouring_cc_ldshared_ldflags(project, tmp_path):
    log = tmp_path / "cc.log"
    wrapper = tmp_path / "mycc"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec gcc "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    build_ext(project, env={"CC": str(wrapper), "LDFLAGS": "-Wl,--build-id=sha1"})
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and all("-shared" in line and "--build-id=sha1" in line for line in lines)
    assert all("kernels.o" in line or "geometry.o" in line for line in lines)
    py(CHECK, cwd=project)
    log.unlink()
    build_ext(project, "--force", env={"LDSHARED": f"{wrapper} -shared"})
    assert len(log.read_text().splitlines()) == 2


def test_compile_error_fails_the_build_with_the_rendered_message(project):
    (project / "aotdemo" / "kernels.py").write_text(BAD)
    p = build_ext(project, check=False)
    assert p.returncode != 0
    assert "aotdemo/kernels.py:5:12" in p.stderr and "unsupported operand type(s) for +" in p.stderr
    assert not (project / "aotdemo" / ("kernels" + SUFFIX)).exists()


def test_aot_extensions_names_and_validation():
    from pyc_aot.setuptools import AotExtension, aot_extensions, baseline_target

    exts = aot_extensions(["fib.py", "pkg/sub/kernels.py", ("other.name", "x/name.py")], strict=True)
    assert [e.name for e in exts] == ["fib", "pkg.sub.kernels", "other.name"]
    assert all(isinstance(e, AotExtension) and e.pyc_aot_strict for e in exts)
    assert [e.name for e in aot_extensions(["src/pkg/m.py"], package_dir={"": "src"})] == ["pkg.m"]
    assert baseline_target() == "x86-64"
    with pytest.raises(Exception, match="not a .py file"):
        aot_extensions(["m.pyx"])
    with pytest.raises(Exception, match="PyInit_kernels"):
        AotExtension("pkg.other", "pkg/kernels.py")
    # One string is one path, directory or glob.
    assert [e.name for e in aot_extensions("fib.py")] == ["fib"]
    with pytest.raises(TypeError):
        aot_extensions(b"fib.py")


def test_globs_and_directories(tmp_path, monkeypatch):
    from pyc_aot.setuptools import aot_extensions

    for f in ["src/pkg/__init__.py", "src/pkg/a.py", "src/pkg/sub/__init__.py", "src/pkg/sub/b.py",
              "src/pkg/__main__.py", "src/pkg/__pycache__/c.py", "src/pkg/.hidden/d.py", "src/pkg/notes.txt"]:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("")
    monkeypatch.chdir(tmp_path)
    names = ["pkg.a", "pkg.sub.b"]
    assert [e.name for e in aot_extensions("src/**/*.py", package_dir={"": "src"})] == names
    assert [e.name for e in aot_extensions(["src/pkg"], package_dir={"": "src"})] == names
    # Named explicitly, __init__.py is compiled; a module named twice is built once.
    exts = aot_extensions(["src/pkg/__init__.py", "src/pkg/*.py", "src/pkg/a.py"], package_dir={"": "src"})
    assert [e.name for e in exts] == ["pkg.__init__", "pkg.a"]
    with pytest.raises(Exception, match="matches no file"):
        aot_extensions("src/nothing/**/*.py")


GLOB_SETUP = """
import threading, time
from setuptools import setup
from pyc_aot.setuptools import aot_extensions, build_ext

active, most = set(), [0]
lock = threading.Lock()

class counting_build_ext(build_ext):
    def build_extension(self, ext):
        with lock:
            active.add(ext.name)
            most[0] = max(most[0], len(active))
        time.sleep(0.3)  # long enough for the other thread to start its module
        try:
            super().build_extension(ext)
        finally:
            with lock:
                active.discard(ext.name)

setup(
    name="globbed", version="0", packages=["pkg"], package_dir={"": "src"},
    # The glob leaves __init__.py to Python; named, it is compiled (PyInit_pkg).
    ext_modules=aot_extensions(["src/**/*.py", "src/pkg/__init__.py"], package_dir={"": "src"}),
    cmdclass={"build_ext": counting_build_ext},
)
print("most at once:", most[0])
"""


def test_setup_py_with_a_glob_and_build_ext_j2(tmp_path):
    pkg = tmp_path / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("import cython\n\ndef twice(n: cython.int) -> cython.int:\n    return 2 * n\n")
    for i in range(6):
        (pkg / f"m{i}.py").write_text(f"import cython\n\ndef f(n: cython.int) -> cython.int:\n    return n + {i}\n")
    (tmp_path / "setup.py").write_text(GLOB_SETUP)
    p = run([sys.executable, "setup.py", "build_ext", "--inplace", "-j", "2"], cwd=tmp_path)
    assert (p.stdout + p.stderr).count("pyc-aot: compiled") == 7
    assert "most at once: 2" in p.stdout
    check = ("import pkg, pkg.m0, pkg.m5; assert pkg.m5.__file__.endswith(%r) and pkg.__file__.endswith(%r)\n"
             "print(pkg.m0.f(1), pkg.m5.f(1), pkg.twice(3))" % (SUFFIX, SUFFIX))
    assert py(check, cwd=tmp_path / "src").stdout == "1 6 6\n"


def test_python_m_build_wheel(project, tmp_path):
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist], cwd=project)
    [wheel] = dist.glob("*.whl")
    assert "-cp311-" in wheel.name or f"-cp3{sys.version_info[1]}-" in wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    for m in MODULES:
        assert f"aotdemo/{m}{SUFFIX}" in names and f"aotdemo/{m}.py" in names
