"""Fixtures and helpers for the pyc-aot end-to-end differential suite.

A program (a file in tests/programs/ or an inline source string) is compiled
once per session with the pyc-aot binary, imported as an extension module
under a unique name, and the very same source is imported as plain Python
with the pure-Python shim (compiler/src/shim/cython_shim.py) on sys.path as
``cython``.  ``Pair.assert_same`` then calls both on many inputs and demands
identical results (same type, bit-identical floats incl. -0.0; any NaN
matches any NaN) or identical exceptions (same class, same message).

The documented deliberate differences of pyc-aot are built into the
comparison, and only these:
  * a PEP 484 ``int`` result outside [-2**63, 2**63) raises OverflowError in
    compiled code where CPython gives a big int;
  * a ``float ** float`` whose CPython result would be complex raises
    ValueError in compiled code.
Everything else must match CPython exactly.
"""

import gc
import importlib.machinery
import importlib.util
import itertools
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import types
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
PROGRAMS = TESTS / "programs"
SHIM = ROOT / "compiler" / "src" / "shim" / "cython_shim.py"
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1
INF = float("inf")
NAN = float("nan")

# Edge values shared by the test modules.
INTS = [0, 1, -1, 2, -2, 3, -3, 7, -7, 10, 123456789,
        2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32 + 5, 2 ** 53 + 1, -(2 ** 53) - 1,
        2 ** 62, INT64_MAX, INT64_MIN, INT64_MIN + 1]
FLOATS = [0.0, -0.0, 1.0, -1.0, 0.1, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, -7.25,
          1e-300, 5e-324, -5e-324, 1e300, 1.7976931348623157e308, 2.0 ** 53,
          -(2.0 ** 63), 1e16, INF, -INF, NAN]


# Every function the suite compiles goes through Cranelift's verifier.
os.environ.setdefault("PYC_AOT_VERIFY", "1")

# Children run in other directories: make the stand-in's path absolute.
if os.environ.get("PYC_AOT_TEST_CPUINFO"):
    os.environ["PYC_AOT_TEST_CPUINFO"] = os.path.abspath(os.environ["PYC_AOT_TEST_CPUINFO"])


def _cpuinfo_path():
    # PYC_AOT_TEST_CPUINFO: a stand-in /proc/cpuinfo (tests/cpuinfo/README.md).
    return os.environ.get("PYC_AOT_TEST_CPUINFO") or "/proc/cpuinfo"


def _cpuinfo_field(name):
    try:
        with open(_cpuinfo_path()) as f:
            for line in f:
                key, sep, value = line.partition(":")
                if sep and key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return None


def cpu_flags():
    """The CPU features this machine (or the faked CPU) reports."""
    return set((_cpuinfo_field("flags") or "").split())


def default_target():
    """What the suite builds for: `native`, or the faked CPU's target."""
    if os.environ.get("PYC_AOT_TEST_CPUINFO"):
        return _cpuinfo_field("pyc-aot target") or "x86-64"
    return "native"


def refusal_is_justified(message):
    """True when ``message`` is a module's import-time CPU refusal naming
    only features this (or the faked) CPU really lacks."""
    m = re.search(r"this CPU lacks ([\w, ]+)", message)
    if not m:
        return False
    missing = [f.strip() for f in m.group(1).split(",") if f.strip()]
    flags = cpu_flags()
    return bool(missing) and not any(f in flags for f in missing)


def compiler_path():
    env = os.environ.get("PYC_AOT_BIN")
    if env:
        return Path(env)
    return ROOT / "target" / "release" / "pyc-aot"


# ---------------------------------------------------------------------------
# Running the compiler
# ---------------------------------------------------------------------------

class BuildResult:
    def __init__(self, cmd, proc, src, outdir):
        self.cmd = cmd
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.src = Path(src)
        self.outdir = Path(outdir)
        self.so = self.outdir / (self.src.stem + EXT_SUFFIX)

    @property
    def ok(self):
        return self.returncode == 0

    def counts(self):
        """(native, left to Python) from the 'wrote …' line, or None."""
        m = re.search(r"(\d+) functions? native, (\d+) left to Python", self.stdout)
        return (int(m.group(1)), int(m.group(2))) if m else None

    def describe(self):
        return ("$ %s\nexit %s\n--- stdout\n%s--- stderr\n%s"
                % (" ".join(map(str, self.cmd)), self.returncode, self.stdout, self.stderr))


# A child's limit is CPU seconds (RLIMIT_CPU: the work it does, the same on an
# idle or a loaded machine), far above any test's need; the wall-clock guard
# only catches a child that hangs without working, and is an hour.
WALL_GUARD = 3600


def _cpu_limit(seconds):
    def apply():
        import resource
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    return apply


def run_compiler(src, outdir=None, args=(), cpu_seconds=300):
    exe = compiler_path()
    if not exe.exists():
        pytest.fail("pyc-aot binary not found at %s (build it with "
                    "`cargo build --release -p pyc-aot` or set PYC_AOT_BIN)" % exe)
    src = Path(src)
    cmd = [str(exe), "build", str(src)]
    if outdir is not None:
        cmd += ["-o", str(outdir)]
    cmd += list(args)
    # Build for the interpreter running the suite (tests/run.sh runs it under
    # several CPython versions), not whatever `python3` is on PATH.
    if "--python" not in cmd and "--emit" not in cmd:
        cmd += ["--python", sys.executable]
    if "--target" not in cmd:
        cmd += ["--target", default_target()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=WALL_GUARD,
                          preexec_fn=_cpu_limit(cpu_seconds))
    return BuildResult(cmd, proc, src, outdir if outdir is not None else src.parent)


def signal_name(returncode):
    if returncode < 0:
        try:
            import signal
            return signal.Signals(-returncode).name
        except (ValueError, ImportError):
            return "signal %d" % -returncode
    return None


# ---------------------------------------------------------------------------
# Importing
# ---------------------------------------------------------------------------

def import_extension(name, path):
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def import_source(name, path):
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


# ---------------------------------------------------------------------------
# Comparing outcomes
# ---------------------------------------------------------------------------

class Outcome:
    __slots__ = ("ok", "value", "exc_type", "message")

    def __init__(self, ok, value=None, exc_type=None, message=None):
        self.ok = ok
        self.value = value
        self.exc_type = exc_type
        self.message = message

    def __repr__(self):
        if self.ok:
            return "%s: %r" % (type(self.value).__name__, self.value)
        return "%s(%r)" % (self.exc_type.__name__, self.message)


def call(fn, args=(), kwargs=None):
    try:
        return Outcome(True, fn(*args, **(kwargs or {})))
    except Exception as e:  # noqa: BLE001 - we compare every exception
        return Outcome(False, exc_type=type(e), message=str(e))


# Calls of a compiled function whose allocated blocks a leak test compares.
LEAK_CALLS = 2000


def growth(fn):
    """Allocated blocks gained by LEAK_CALLS more calls of ``fn`` (after a
    warm-up): the smaller of two such measurements. A leak grows both by
    at least LEAK_CALLS; one-off growth (an allocator arena, a cache the
    interpreter fills once, as 3.10's now and then) shows in one only."""
    for _ in range(50):
        fn()
    grown = []
    for _ in range(2):
        gc.collect()
        before = sys.getallocatedblocks()
        for _ in range(LEAK_CALLS):
            fn()
        gc.collect()
        grown.append(sys.getallocatedblocks() - before)
    return min(grown)


def attempt(f, *args, **kw):
    """``f(*args, **kw)``, or None when it raises: a leak test's error path."""
    try:
        return f(*args, **kw)
    except Exception:  # noqa: BLE001 - the error path is what we exercise
        return None


def float_bits(x):
    return struct.unpack("<q", struct.pack("<d", x))[0]


def same_value(a, b):
    """Same type and same value; floats bit-identical except NaN payloads."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return float_bits(a) == float_bits(b)
    if isinstance(a, complex):
        return same_value(a.real, b.real) and same_value(a.imag, b.imag)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


def in_int64(v):
    return INT64_MIN <= v <= INT64_MAX


def expected_native(py):
    """The outcome the compiled code must give, from CPython's outcome and
    the documented deliberate differences.  Returns (outcome, loose) where
    loose means only the exception type is compared."""
    if py.ok:
        v = py.value
        if isinstance(v, int) and not isinstance(v, bool) and not in_int64(v):
            return Outcome(False, exc_type=OverflowError, message=None), True
        if isinstance(v, complex):
            return Outcome(False, exc_type=ValueError, message=None), True
    elif py.exc_type is OverflowError and py.message == "complex exponentiation":
        # CPython went to complex pow and overflowed there: still "a result
        # that would be complex", so the documented ValueError applies.
        return Outcome(False, exc_type=ValueError, message=None), True
    return py, False


def outcomes_match(py, nat, loose_types=(), exact=False):
    # `exact`: values that stay Python objects (no int64 or complex limits).
    exp, loose = (py, False) if exact else expected_native(py)
    if exp.ok:
        return nat.ok and same_value(exp.value, nat.value)
    if nat.ok or nat.exc_type is not exp.exc_type:
        return False
    if loose or exp.exc_type in loose_types:
        return True
    return nat.message == exp.message


def compiled_and_plain(d, name, source, files=None):
    """``source`` written to ``d/name.py`` (``files``, name to text, beside
    it), built with ``--strict`` (every function native) and imported; and
    the same file imported as plain Python (the shim reads a ``.pxd``)."""
    import sysconfig
    for f, text in (files or {}).items():
        (d / f).write_text(text)
    (d / (name + ".py")).write_text(source)
    b = run_compiler(d / (name + ".py"), outdir=d / "out", args=["--strict"])
    assert b.ok and b.counts()[1] == 0, b.describe()
    nat = import_extension(name, d / "out" / (name + sysconfig.get_config_var("EXT_SUFFIX")))
    sys.path.insert(0, str(d))
    try:
        py = import_source(name + "_py", d / (name + ".py"))
    finally:
        sys.path.remove(str(d))
    return py, nat


def assert_same_outcomes(py, nat, name, argss):
    """``name`` called with each of ``argss`` in both modules: the same
    value (NaN equal to NaN), or the same exception type and message."""
    for args in argss:
        want, got = call(getattr(py, name), args), call(getattr(nat, name), args)
        assert want.ok == got.ok, (name, args, want, got)
        if want.ok:
            assert want.value == got.value or (want.value != want.value and got.value != got.value), (name, args, want, got)
        else:
            assert (want.exc_type, want.message) == (got.exc_type, got.message), (name, args, want, got)


def format_args(args, kwargs=None):
    parts = [repr(a) for a in args]
    parts += ["%s=%r" % kv for kv in (kwargs or {}).items()]
    return ", ".join(parts)


def grid(*axes):
    return list(itertools.product(*axes))


# ---------------------------------------------------------------------------
# A compiled module and its plain-Python twin
# ---------------------------------------------------------------------------

class Pair:
    def __init__(self, build, native, py):
        self.build = build
        self.native = native
        self.py = py

    def __repr__(self):
        return "<Pair %s>" % self.native.__name__

    def fn(self, name):
        return getattr(self.native, name)

    def fallback_reason(self, name):
        lines = [ln for ln in self.build.stderr.splitlines() if name in ln]
        return "\n".join(lines) or "(no warning names it)"

    def assert_native(self, name):
        assert hasattr(self.native, name), "compiled module lacks %r" % name
        f = getattr(self.native, name)
        assert not isinstance(f, types.FunctionType), (
            "%s was left to Python, not compiled natively:\n%s"
            % (name, self.fallback_reason(name)))

    def assert_same(self, name, args_list, kwargs=None, loose_types=(), native=True,
                    limit=25, exact=False):
        """Call ``name`` in both modules on every argument tuple and compare
        (``exact``: results are objects, so CPython's exactly)."""
        if native:
            self.assert_native(name)
        fpy = getattr(self.py, name)
        fnat = getattr(self.native, name)
        bad = []
        for args in args_list:
            if not isinstance(args, tuple):
                args = (args,)
            p = call(fpy, args, kwargs)
            n = call(fnat, args, kwargs)
            if not outcomes_match(p, n, loose_types, exact):
                exp, loose = (p, False) if exact else expected_native(p)
                bad.append("  %s(%s): CPython %r, expected %r%s, got %r"
                           % (name, format_args(args, kwargs), p, exp,
                              " (type only)" if loose else "", n))
        assert not bad, "%d of %d calls differ:\n%s%s" % (
            len(bad), len(args_list), "\n".join(bad[:limit]),
            "\n  ..." if len(bad) > limit else "")

    def assert_values(self, name, cases, native=True):
        """cases: [(args, expected)] where expected is a value (compared
        with same_value), an exception class, or (exception class, message)."""
        if native:
            self.assert_native(name)
        f = getattr(self.native, name)
        bad = []
        for args, expected in cases:
            if not isinstance(args, tuple):
                args = (args,)
            n = call(f, args)
            if isinstance(expected, type) and issubclass(expected, BaseException):
                good = not n.ok and n.exc_type is expected
            elif (isinstance(expected, tuple) and len(expected) == 2
                  and isinstance(expected[0], type) and issubclass(expected[0], BaseException)):
                good = not n.ok and n.exc_type is expected[0] and n.message == expected[1]
            else:
                good = n.ok and same_value(expected, n.value)
            if not good:
                bad.append("  %s(%s): expected %r, got %r"
                           % (name, format_args(args), expected, n))
        assert not bad, "%d of %d calls wrong:\n%s" % (len(bad), len(cases), "\n".join(bad[:25]))


class Builder:
    """Compiles sources into a session temp dir; one build per distinct
    (source, flags)."""

    def __init__(self, base):
        self.base = Path(base)
        self.counter = itertools.count()
        self.cache = {}

    def source_of(self, program):
        if "\n" in program:
            return program, "inline"
        path = PROGRAMS / (program if program.endswith(".py") else program + ".py")
        return path.read_text(), path.stem

    def build(self, program, args=(), stem=None):
        """Write the source to a fresh dir and compile it (not imported)."""
        text, base = self.source_of(program)
        stem = "%s_%d" % (stem or base, next(self.counter))
        d = self.base / stem
        d.mkdir(parents=True)
        src = d / (stem + ".py")
        src.write_text(text)
        out = d / "out"
        out.mkdir()
        return run_compiler(src, out, args)

    def pair(self, program, args=(), stem=None):
        key = (program, tuple(args), stem)
        if key not in self.cache:
            try:
                b = self.build(program, args, stem)
                if not b.ok:
                    raise RuntimeError("compilation failed:\n" + b.describe())
                if not b.so.exists():
                    raise RuntimeError("compiler exited 0 but %s is missing:\n%s"
                                       % (b.so, b.describe()))
                name = b.src.stem
                native = import_extension(name, b.so)
                py = import_source(name + "_py", b.src)
                self.cache[key] = Pair(b, native, py)
            except Exception as e:  # remember the failure for every test using it
                self.cache[key] = e
        value = self.cache[key]
        if isinstance(value, Exception):
            pytest.fail("%s: %s" % (type(value).__name__, value), pytrace=False)
        return value


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def shim_dir(tmp_path_factory):
    """A directory holding the shim as cython.py; put on sys.path so plain
    Python imports of typed sources work."""
    d = tmp_path_factory.mktemp("shim")
    shutil.copy(SHIM, d / "cython.py")
    return d


@pytest.fixture(scope="session", autouse=True)
def _shim_on_path(shim_dir):
    sys.path.insert(0, str(shim_dir))
    for key in [k for k in sys.modules if k == "cython" or k.startswith("cython.")]:
        del sys.modules[key]
    import cython  # noqa: F401  (the shim)
    assert getattr(cython, "__file__", "").startswith(str(shim_dir)), cython.__file__
    yield
    sys.path.remove(str(shim_dir))


@pytest.fixture(scope="session")
def pyc(tmp_path_factory):
    return Builder(tmp_path_factory.mktemp("build"))


def run_python(code, cwd=None, cpu_seconds=300, env_extra=None, path=None, flags=()):
    """Run ``code`` in a fresh interpreter (crash-prone checks go here).
    ``path``: list of directories for sys.path (PYTHONPATH), nothing else."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if path:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in path)
    env.update(env_extra or {})
    return subprocess.run([sys.executable] + list(flags) + ["-c", code], capture_output=True, text=True,
                          cwd=cwd, timeout=WALL_GUARD, env=env, preexec_fn=_cpu_limit(cpu_seconds))


def load_snippet(so_path, name):
    """Python source that imports the extension ``so_path`` as ``m``."""
    return ("import importlib.machinery, importlib.util, sys\n"
            "_l = importlib.machinery.ExtensionFileLoader(%r, %r)\n"
            "_s = importlib.util.spec_from_file_location(%r, %r, loader=_l)\n"
            "m = importlib.util.module_from_spec(_s)\n"
            "sys.modules[%r] = m\n"
            "_l.exec_module(m)\n" % (name, str(so_path), name, str(so_path), name))
