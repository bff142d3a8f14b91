"""Buffer export from a cclass (examples/buffer_cclass.py): `__getbuffer__`
and `__releasebuffer__` in Cython's pure-mode spelling become the type's
`bf_getbuffer`/`bf_releasebuffer`. Compiled, the vector's memory is seen by
`memoryview`, NumPy and compiled `double[:]` functions; the same file run as
Python (the shim; nothing calls `__getbuffer__` there, as with Cython's own
shadow module) reaches the items through `len`/`[]`, so results compare.
Checks: results against the Python run, what `memoryview` sees (shape,
strides, format, readonly, owner), a BufferError from `__getbuffer__`
propagated (-1, no reference left in `view->obj`), growth refused while a
view exists, the exporter's refcount back after views die, no leaks, and
wrong signatures leaving the class to Python with the reason."""
import ctypes
import sys
from pathlib import Path

import pytest

from conftest import attempt, growth

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "buffer_cclass.py"


@pytest.fixture(scope="module")
def ex(pyc):
    p = pyc.pair(EXAMPLE.read_text(), args=("--strict",), stem="buffer_cclass")
    assert "left to Python" not in p.build.stderr, p.build.stderr
    return p


class PyBuffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
                ("strides", ctypes.POINTER(ctypes.c_ssize_t)), ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
                ("internal", ctypes.c_void_p)]


GET = ctypes.pythonapi.PyObject_GetBuffer
GET.argtypes = [ctypes.py_object, ctypes.POINTER(PyBuffer), ctypes.c_int]
GET.restype = ctypes.c_int
RELEASE = ctypes.pythonapi.PyBuffer_Release
RELEASE.argtypes = [ctypes.POINTER(PyBuffer)]
RELEASE.restype = None
PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES = 0x1, 0x4, 0x8, 0x18


def ramp_list(n):
    return [(i % 97) * 0.5 - 3.0 for i in range(n)]


def test_strict_build_every_method_native(ex):
    out = ex.build.stderr + ex.build.stdout
    assert "0 left to Python" in out, out
    # Vector: __init__, __dealloc__, append, freeze, views, __len__,
    # __getitem__, __setitem__, __getbuffer__, __releasebuffer__ and the two
    # pickling methods; ramp, total, dot, scale, sweep, main.
    assert "18 functions native" in out, out
    assert "__getbuffer__" not in dir(ex.native.Vector)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 100, 1000])
def test_results_match_python(ex, n):
    for mod_name in ("native", "py"):
        mod = getattr(ex, mod_name)
        v, w = mod.ramp(n), mod.ramp(n)
        mod.scale(w, 2.0)
        got = (len(v), mod.total(v), mod.dot(v, w), [w[i] for i in range(n)])
        want = (n, sum(ramp_list(n)), sum(2 * x * x for x in ramp_list(n)), [2 * x for x in ramp_list(n)])
        assert got == want, mod_name


def test_main_matches_python(ex, capsys):
    ex.native.main()
    ex.py.main()
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0] == out[1] == "209802.0 12728582.0 10000 10000"


def test_memoryview_sees_the_vector(ex):
    v = ex.native.ramp(10)
    m = memoryview(v)
    assert (m.shape, m.strides, m.format, m.itemsize, m.ndim, m.readonly) == ((10,), (8,), "d", 8, 1, False)
    assert m.nbytes == 80 and m.c_contiguous and m.obj is v
    assert m.tolist() == ramp_list(10)
    m[3] = 42.0                                   # writes the vector's own memory
    assert v[3] == 42.0
    assert v.views() == 1
    m.release()
    assert v.views() == 0
    assert memoryview(ex.native.ramp(0)).shape == (0,)


def test_numpy_shares_memory(ex):
    np = pytest.importorskip("numpy")
    v = ex.native.ramp(50)
    a = np.asarray(v)
    assert a.dtype == np.float64 and a.shape == (50,) and a.tolist() == ramp_list(50)
    a[7] = -1.5
    assert v[7] == -1.5 and v.views() == 1
    assert ex.native.total(v) == float(a.sum())
    del a
    assert v.views() == 0


def test_compiled_view_parameter(ex):
    v = ex.native.ramp(33)
    assert ex.native.total(v) == sum(ramp_list(33))
    assert v.views() == 0                         # the wrapper released it
    ex.native.scale(v, 3.0)
    assert [v[i] for i in range(33)] == [3 * x for x in ramp_list(33)]


def test_growth_refused_while_a_view_exists(ex):
    for mod in (ex.native,):
        v = mod.ramp(8)                           # full: the next append grows
        m = memoryview(v)
        with pytest.raises(BufferError, match="cannot resize a Vector while a view of it exists"):
            v.append(1.0)
        assert len(v) == 8 and m.tolist() == ramp_list(8)
        m.release()
        v.append(1.0)
        assert len(v) == 9 and memoryview(v).tolist() == ramp_list(8) + [1.0]


def test_refcount_back_after_views_die(ex):
    v = ex.native.ramp(5)
    rc = sys.getrefcount(v)
    views = [memoryview(v) for _ in range(4)]
    assert sys.getrefcount(v) == rc + 4 and v.views() == 4
    del views
    assert sys.getrefcount(v) == rc and v.views() == 0


def test_flags_and_owner_through_the_c_api(ex):
    v = ex.native.ramp(4)
    rc = sys.getrefcount(v)
    b = PyBuffer()
    assert GET(v, ctypes.byref(b), PyBUF_STRIDES | PyBUF_FORMAT | PyBUF_WRITABLE) == 0
    assert b.obj == id(v) and sys.getrefcount(v) == rc + 1
    assert (b.len, b.itemsize, b.ndim, b.readonly, b.format) == (32, 8, 1, 0, b"d")
    assert (b.shape[0], b.strides[0], bool(b.suboffsets), b.internal) == (4, 8, False, None)
    RELEASE(ctypes.byref(b))
    assert not b.obj and sys.getrefcount(v) == rc and v.views() == 0


def test_bufferror_from_getbuffer_propagates(ex):
    v = ex.native.ramp(4)
    v.freeze()
    assert memoryview(v).readonly
    rc = sys.getrefcount(v)
    b = PyBuffer()
    with pytest.raises(BufferError, match="^Vector is frozen: only read-only views$"):
        GET(v, ctypes.byref(b), PyBUF_WRITABLE)
    # On -1 nothing is held: view->obj NULL, the exporter's count unchanged.
    assert not b.obj and sys.getrefcount(v) == rc and v.views() == 0
    # A compiled writable `double[:]` asks for a read-only buffer and checks
    # it, as for any exporter (docs/semantics.md).
    def refused():
        try:
            ex.native.scale(v, 2.0)
        except ValueError as e:
            return str(e)
    messages = [refused() for _ in range(5)]
    after = sys.getrefcount(v)
    assert messages == ["buffer source array is read-only"] * 5
    assert v.views() == 0 and after == rc
    assert ex.native.total(v) == sum(ramp_list(4))


def test_no_leaks(ex):
    nat = ex.native
    v = nat.ramp(100)
    frozen = nat.ramp(10)
    frozen.freeze()
    b = PyBuffer()

    def writable_refused():
        attempt(GET, frozen, ctypes.byref(b), PyBUF_WRITABLE)

    def vector_with_views():
        w = nat.ramp(20)
        m = memoryview(w)
        attempt(w.append, 1.0)                   # refused: a view exists
        return nat.total(w) + m[0]

    for f in (lambda: memoryview(v).tolist(), lambda: nat.total(v), writable_refused, vector_with_views):
        assert growth(f) < 10, f
    assert v.views() == 0 and frozen.views() == 0


OWNERLESS = '''
import cython
from cython.cimports.cpython.buffer import Py_buffer, PyBUF_ND


@cython.cclass
class Cell:
    x: cython.double
    fail: cython.bint

    def __init__(self, fail: cython.bint):
        self.x = 2.5
        self.fail = fail

    def __getbuffer__(self, buffer: cython.pointer(Py_buffer), flags: cython.int):
        buffer.obj = self
        if self.fail:
            raise ValueError("no buffer today")
        buffer.buf = cython.cast(cython.p_void, cython.NULL)
        buffer.obj = None
        buffer.len = 0
        buffer.itemsize = 1
        buffer.readonly = 1
        buffer.ndim = 0
        buffer.format = "B"
        buffer.shape = cython.NULL
        buffer.strides = cython.NULL
        buffer.suboffsets = cython.NULL
        buffer.internal = cython.NULL


def nd() -> int:
    return PyBUF_ND
'''


def test_owner_rules(pyc):
    p = pyc.pair(OWNERLESS, args=("--strict",), stem="ownerless")
    c = p.native.Cell(False)
    rc = sys.getrefcount(c)
    b = PyBuffer()
    assert GET(c, ctypes.byref(b), 0) == 0
    # `obj = None` at the end: Cython's rule makes that no owner (NULL).
    assert not b.obj and sys.getrefcount(c) == rc
    RELEASE(ctypes.byref(b))
    bad = p.native.Cell(True)
    rc = sys.getrefcount(bad)
    with pytest.raises(ValueError, match="no buffer today"):
        memoryview(bad)
    assert sys.getrefcount(bad) == rc            # the reference `obj` took, released
    assert growth(lambda: attempt(memoryview, bad)) < 10
    assert p.native.nd() == 8 and p.py.nd() == 8


BAD = '''
import cython
from cython.cimports.cpython import Py_buffer


@cython.cclass
class Bad:
    n: cython.int

    def __getbuffer__(self, buffer: cython.pointer(Py_buffer){extra}):
        pass


def f() -> int:
    return 1
'''


@pytest.mark.parametrize("extra, reason", [
    ("", "`__getbuffer__` takes 2 parameters"),
    (", flags", "has its parameter `flags` other than `cython.int`"),
    (", flags: cython.long", "has its parameter `flags` other than `cython.int`"),
    (", flags: cython.int, more: cython.int", "`__getbuffer__` takes 4 parameters"),
])
def test_wrong_signature_stays_python_with_reason(pyc, extra, reason):
    b = pyc.build(BAD.replace("{extra}", extra))
    assert b.ok, b.describe()
    assert "class `Bad` left to Python" in b.stderr and reason in b.stderr, b.stderr
    assert "Cython's signature is `def __getbuffer__(self, buffer: cython.pointer(Py_buffer), flags: cython.int)`" in b.stderr


def test_wrong_buffer_type_stays_python(pyc):
    src = BAD.replace("{extra}", ", flags: cython.int").replace("cython.pointer(Py_buffer)", "cython.p_double")
    b = pyc.build(src)
    assert b.ok and "has its parameter `buffer` other than `cython.pointer(Py_buffer)`" in b.stderr, b.stderr
