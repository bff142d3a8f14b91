"""Every CPython the package claims (>= 3.9): a module built with
`--python 3.X` imports in 3.X (every C-API symbol it uses exists there) and
its inline fast paths read that version's layouts right: small-int
unboxing around the one-digit boundary (3.9-3.11 signed digit count, 3.12+
tagged compact ints), signed and unsigned targets, new references to
None/True/False (3.12+: immortal), and the calls through the binder and the
`round` helper (`PyObject_Vectorcall` has no symbol before 3.11).

A version the machine lacks is skipped, visibly."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import load_snippet, run_compiler

SRC = '''
import cython


def ident(n: int) -> int:
    return n


def as_int(n: cython.int) -> int:
    return n


def as_uint(n: cython.uint) -> int:
    return n


def as_u64(n: cython.ulonglong) -> int:
    return n


def positive(n: int) -> bool:
    return n > 0


def nothing(n: int) -> None:
    return None


def scaled(a: int, b: int = 3) -> int:
    return a * b


def rounded(x: float, n: int) -> float:
    return round(x, n)


def fib(n: int) -> float:
    a, b = 0.0, 1.0
    for i in range(n):
        a, b = a + b, a
    return a
'''

D = 2 ** 30  # one 30-bit digit
INTS = [0, 1, -1, 2, -2, 255, D - 1, -(D - 1), D, -D, D + 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31,
        2 ** 32 - 1, 2 ** 32, 2 ** 62, 2 ** 63 - 1, -(2 ** 63), True, False]

CHECK = '''
import json, sys
out = {}
def rec(name, f, *args, **kw):
    try:
        r = f(*args, **kw)
        out.setdefault(name, []).append([type(r).__name__, repr(r)])
    except Exception as e:
        out.setdefault(name, []).append([type(e).__name__, str(e)])
INTS = %r
for n in INTS:
    for name in ("ident", "as_int", "as_uint", "as_u64"):
        rec(name, getattr(m, name), n)
for n in (2 ** 63, -(2 ** 63) - 1, 2 ** 64, -(2 ** 64)):
    rec("ident_big", m.ident, n)
    rec("u64_big", m.as_u64, n)
rec("positive", m.positive, 5)
rec("positive", m.positive, -5)
rec("scaled", m.scaled, 4)
rec("scaled", m.scaled, a=4, b=5)
rec("scaled", m.scaled, 4, c=1)
rec("rounded", m.rounded, 2.675, 2)
rec("rounded", m.rounded, 1234.5, -2)
rec("fib", m.fib, 0)
rec("fib", m.fib, 90)
refs = {}
for name, obj, f, arg in (("None", None, m.nothing, 1), ("True", True, m.positive, 1), ("False", False, m.positive, -1)):
    before = sys.getrefcount(obj)
    for _ in range(100000):
        f(arg)
    refs[name] = sys.getrefcount(obj) - before
out["refs"] = refs
print(json.dumps(out))
''' % (INTS,)


def expected():
    i64 = range(-(2 ** 63), 2 ** 63)
    out = {}

    def put(name, value=None, exc=None, msg=None):
        out.setdefault(name, []).append([exc, msg] if exc else [type(value).__name__, repr(value)])

    for n in INTS:
        v = int(n)
        put("ident", v) if v in i64 else put("ident", exc="OverflowError", msg="Python int too large to convert to C long")
        if -(2 ** 31) <= v < 2 ** 31:
            put("as_int", v)
        else:
            put("as_int", exc="OverflowError", msg="value too large to convert to int")
        for name, bits, cname in (("as_uint", 32, "unsigned int"), ("as_u64", 64, "unsigned long long")):
            if v < 0:
                # 64 bits: PyLong_AsUnsignedLongLong's own message
                put(name, exc="OverflowError", msg=("can't convert negative int to unsigned" if bits == 64
                                                    else "can't convert negative value to " + cname))
            elif v < 2 ** bits:
                put(name, v)
            else:
                put(name, exc="OverflowError", msg="value too large to convert to " + cname)
    return out


def find_python(version):
    cands = ["python" + version]
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        root = ""
    if root and os.path.isdir(os.path.join(root, "versions")):
        for d in sorted(os.listdir(os.path.join(root, "versions"))):
            if d == version or d.startswith(version + "."):
                cands.append(os.path.join(root, "versions", d, "bin", "python" + version))
    for c in cands:
        exe = shutil.which(c) if os.sep not in c else (c if os.access(c, os.X_OK) else None)
        if not exe:
            continue
        p = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True)
        if p.stdout.strip() == version:
            return exe
    return None


@pytest.mark.parametrize("version", ["3.9", "3.10", "3.11", "3.12", "3.13"])
def test_module_for_each_python(tmp_path, shim_dir, version):
    exe = find_python(version)
    if exe is None:
        pytest.skip("CPython %s is not installed on this machine" % version)
    src = tmp_path / "pyver.py"
    src.write_text(SRC)
    out = tmp_path / "out"
    out.mkdir()
    b = run_compiler(src, out, ["--python", exe])
    assert b.returncode == 0, b.describe()
    so = next(out.glob("pyver.*.so"))
    assert "cpython-%s" % version.replace(".", "") in so.name, so.name
    code = load_snippet(so, "pyver") + CHECK
    env = dict(os.environ, PYTHONPATH=str(shim_dir))
    p = subprocess.run([exe, "-c", code], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    got = json.loads(p.stdout)
    want = expected()
    for name in ("ident", "as_int", "as_uint", "as_u64"):
        bad = [(n, g, w) for n, g, w in zip(INTS, got[name], want[name]) if g != w]
        assert not bad, "%s on %s: (arg, got, want) %s" % (name, version, bad[:8])
    assert [g[0] for g in got["ident_big"]] == ["OverflowError"] * 4
    assert [g[0] for g in got["u64_big"]] == ["OverflowError"] * 4  # 2**63 does not fit the `int` result
    assert got["positive"] == [["bool", "True"], ["bool", "False"]]
    assert got["scaled"][:2] == [["int", "12"], ["int", "20"]]
    assert got["scaled"][2][0] == "TypeError" and "'c'" in got["scaled"][2][1]
    assert got["rounded"] == [["float", repr(round(2.675, 2))], ["float", repr(round(1234.5, -2))]]
    assert got["fib"] == [["float", "0.0"], ["float", repr(2.880067194370816e+18)]]
    assert got["refs"] == {"None": 0, "True": 0, "False": 0}, got["refs"]
