"""Python bytes where C takes a `char*` (issue 14): a bytes (or bytearray)
object's characters borrowed as Cython's `__Pyx_PyObject_AsString` borrows
them, passed to `libc.string.strlen`, to an extern C function of a `.pxd`
taking `const char*`, to a `@cfunc`'s `char*` parameter and through a C
function pointer, and stored to a `char*` local from a parameter; str and
bytes literals there as C strings. Results, exception types and messages
are Cython 3.3.1's (its outputs written here, as plain Python cannot pass a
pointer), checked against the shim where it models them; the arguments'
reference counts are unchanged and nothing leaks, on error paths too.
Storing the pointer of a temporary is Cython's located compile error."""

import sys
import sysconfig

import pytest

from conftest import attempt, growth, import_extension, run_compiler

BC_C = r"""
#include <stddef.h>
size_t count_char(const char *s, char c) {
    size_t n = 0;
    for (; *s; s++) n += (*s == c);
    return n;
}
long checksum(const char *s) {
    long h = 7;
    for (; *s; s++) h = h * 31 + (unsigned char)*s;
    return h;
}
static size_t my_len(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
size_t (*c_len)(const char *s) = my_len;
"""

BC_PXD = """\
cdef extern from "bc.h":
    size_t count_char(const char *s, char c)
    long checksum(const char *s)
    size_t (*c_len)(const char *s)
"""

SOURCE = '''\
import cython
from cython.cimports.libc.string import strlen, memcpy
from cython.cimports.libc.stdlib import malloc, free
from cython.cimports.bc import count_char, checksum, c_len


def local_from_bytes(b: bytes) -> cython.size_t:
    s: cython.p_char = b
    return strlen(s)


def arg_from_bytes(b: bytes) -> cython.size_t:
    return strlen(b)


def arg_any(b) -> cython.size_t:
    return strlen(b)


def const_local(b) -> cython.size_t:
    s: cython.p_const_char = b
    return strlen(s)


def counted(b, c: cython.char) -> cython.size_t:
    return count_char(b, c)


def summed(b) -> cython.long:
    return checksum(b)


def temporary(b) -> cython.size_t:
    return strlen(b * 2)


def from_variable(b) -> cython.size_t:
    x = b * 3
    return strlen(x)


def copied(b) -> cython.long:
    s: cython.p_char = b
    n: cython.size_t = strlen(s)
    buf: cython.p_char = cython.cast(cython.p_char, malloc(n + 1))
    memcpy(buf, s, n + 1)
    r: cython.long = checksum(buf)
    free(buf)
    return r


@cython.cfunc
def clen(s: cython.p_const_char) -> cython.size_t:
    return strlen(s)


def literals_to_cfunc() -> cython.size_t:
    return clen("hello") * 100 + clen(b"ab") * 10 + clen(s="x")


def object_to_cfunc(b) -> cython.size_t:
    return clen(b)


def literals_through_pointer() -> cython.size_t:
    return c_len("hello") * 10 + c_len(b"abc")


def object_through_pointer(b) -> cython.size_t:
    return c_len(b)


def literals_to_extern() -> cython.long:
    return count_char("banana", 97) * 10 + count_char(b"aa", 97)
'''

FUNCTIONS = ["local_from_bytes", "arg_from_bytes", "arg_any", "const_local", "counted", "summed", "temporary",
             "from_variable", "copied", "object_to_cfunc", "object_through_pointer", "literals_to_cfunc",
             "literals_through_pointer", "literals_to_extern"]


def checksum(bs):
    h = 7
    for c in bs:
        if c == 0:
            break
        h = h * 31 + c
    return h


def clen(bs):
    n = bs.find(b"\0")
    return len(bs) if n < 0 else n


class BytesSub(bytes):
    pass


class ArraySub(bytearray):
    pass


# Inputs and Cython 3.3.1's answers for an untyped parameter: bytes (and
# subclasses) and bytearray (and subclasses) lend their characters;
# anything else is CPython's TypeError from `PyBytes_AsString`.
GOOD = [b"abc", b"", bytearray(b"xy"), b"a\0b", BytesSub(b"sub!"), ArraySub(b"arr"), bytearray(), b"\xff\x80" * 3]
BAD = [("str", "expected bytes, str found"), (None, "expected bytes, NoneType found"), (3, "expected bytes, int found"),
       (memoryview(b"ab"), "expected bytes, memoryview found"), (1.5, "expected bytes, float found")]


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    d = tmp_path_factory.mktemp("bytes_char_pointer")
    (d / "bc.h").write_text("")
    (d / "bc.c").write_text(BC_C)
    (d / "bc.pxd").write_text(BC_PXD)
    (d / "m_bytes.py").write_text(SOURCE)
    b = run_compiler(d / "m_bytes.py", outdir=d / "out", args=[str(d / "bc.c"), "--strict"])
    assert b.ok and b.counts()[1] == 0, b.describe()
    return import_extension("m_bytes", b.so)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_compiled(mod, name):
    # `--strict` built every function natively: none is a Python function.
    assert type(getattr(mod, name)).__name__ != "function"


def expected(name, v):
    return {
        "local_from_bytes": clen, "arg_from_bytes": clen, "arg_any": clen, "const_local": clen,
        "counted": lambda b: clen(b) and b[:clen(b)].count(b"a"), "summed": checksum,
        "temporary": lambda b: clen(b * 2), "from_variable": lambda b: clen(b * 3), "copied": checksum,
        "object_to_cfunc": clen, "object_through_pointer": clen,
    }[name](v)


ONE_ARG = ["local_from_bytes", "arg_from_bytes", "arg_any", "const_local", "summed", "temporary", "from_variable",
           "copied", "object_to_cfunc", "object_through_pointer"]


def call(mod, name, v):
    f = getattr(mod, name)
    return f(v, 97) if name == "counted" else f(v)


@pytest.mark.parametrize("name", ONE_ARG + ["counted"])
def test_bytes_and_bytearray(mod, name):
    for v in GOOD:
        assert call(mod, name, v) == expected(name, v), (name, v)


@pytest.mark.parametrize("name", [n for n in ONE_ARG + ["counted"] if n not in ("temporary", "from_variable")])
def test_wrong_types(mod, name):
    # Cython 3.3.1: `TypeError: expected bytes, T found` (an annotated
    # `bytes` parameter is not checked on entry here: docs/semantics.md).
    for v, msg in BAD:
        with pytest.raises(TypeError) as e:
            call(mod, name, v)
        assert str(e.value) == msg, (name, v)


def test_temporary_wrong_types(mod):
    # The product's own errors come first (Cython alike): None * 2.
    with pytest.raises(TypeError, match="unsupported operand"):
        mod.temporary(None)
    with pytest.raises(TypeError, match="expected bytes, int found"):
        mod.temporary(3)
    with pytest.raises(TypeError, match="expected bytes, str found"):
        mod.from_variable("s")


def test_literals(mod):
    assert mod.literals_to_cfunc() == 521
    assert mod.literals_through_pointer() == 53
    assert mod.literals_to_extern() == 32


def test_shim_strlen_models_compiled_code(tmp_path):
    # The shim's `strlen` (plain Python running the same source) agrees
    # where it can be called with the object itself.
    src = "import cython\nfrom cython.cimports.libc.string import strlen\n\ndef f(b):\n    return strlen(b)\n"
    (tmp_path / "shim_strlen.py").write_text(src)
    b = run_compiler(tmp_path / "shim_strlen.py", outdir=tmp_path / "out", args=["--strict"])
    assert b.ok, b.describe()
    nat = import_extension("shim_strlen", b.so)
    sys.path.insert(0, str(tmp_path))
    try:
        from conftest import import_source
        py = import_source("shim_strlen_py", tmp_path / "shim_strlen.py")
    finally:
        sys.path.remove(str(tmp_path))
    for v in GOOD:
        assert nat.f(v) == py.f(v), v
    for v, msg in BAD:
        if isinstance(v, str):
            continue
        for f in (nat.f, py.f):
            with pytest.raises(TypeError) as e:
                f(v)
            assert str(e.value) == msg


@pytest.mark.parametrize("name", ONE_ARG + ["counted"])
def test_argument_refcounts(mod, name):
    # Objects made here (None and small ints are shared: their counts move
    # with whatever else runs).
    for v in [b"abc" * 3, bytearray(b"xy"), BytesSub(b"sub"), "st" + "r" * 3, memoryview(b"ab"), float(len(name))]:
        before = sys.getrefcount(v)
        attempt(call, mod, name, v)
        attempt(call, mod, name, v)
        assert sys.getrefcount(v) == before, (name, v)


@pytest.mark.parametrize("name", ONE_ARG + ["counted"])
def test_no_leaks(mod, name):
    payload = b"leak-check" * 3
    assert growth(lambda: call(mod, name, payload)) < 20
    assert growth(lambda: attempt(call, mod, name, "not bytes")) < 20
    assert growth(lambda: attempt(call, mod, name, bytearray(b"xyz"))) < 20


def build_one(tmp_path, body):
    src = "import cython\nfrom cython.cimports.libc.string import strlen\n\n\n" + body
    (tmp_path / "one.py").write_text(src)
    return run_compiler(tmp_path / "one.py", outdir=tmp_path / "out")


def test_storing_pointer_of_temporary_is_an_error(tmp_path):
    b = build_one(tmp_path, "def bad(b) -> cython.size_t:\n    s: cython.p_char = b * 2\n    return strlen(s)\n")
    assert not b.ok
    assert "Storing unsafe C derivative of temporary Python reference" in b.stderr
    assert "one.py:6:" in b.stderr, b.stderr


def test_storing_pointer_of_variable_stays_python(tmp_path):
    # A variable other than an unassigned parameter is released after its
    # last use here: the function stays Python, with the reason.
    b = build_one(tmp_path, "def kept(b) -> cython.size_t:\n    x = b * 2\n    s: cython.p_char = x\n    return strlen(s)\n")
    assert b.ok, b.describe()
    assert "function `kept` left to Python" in b.stderr
    assert "stores a pointer into the buffer of `x`" in b.stderr


def test_reassigned_parameter_stays_python(tmp_path):
    b = build_one(tmp_path, "def again(b) -> cython.size_t:\n    b = b * 2\n    s: cython.p_char = b\n    return strlen(s)\n")
    assert b.ok, b.describe()
    assert "function `again` left to Python" in b.stderr
    assert "stores a pointer into the buffer of `b`" in b.stderr
