"""The examples over Python objects (examples/julia.py, wordfreq.py,
kmeans.py): each builds under --strict with every function native, gives
CPython's results (and exceptions) on ordinary and edge inputs, and leaks
nothing on the normal and the error path. Memoryview locals taken from
objects (`v: T[:] = np.zeros(n)`) hold the buffer as long as the view."""
import sys
from pathlib import Path

import pytest

from conftest import LEAK_CALLS, attempt, growth

np = pytest.importorskip("numpy")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
N = LEAK_CALLS


def example(pyc, name):
    p = pyc.pair((EXAMPLES / (name + ".py")).read_text(), args=("--strict",), stem=name)
    assert "left to Python" not in p.build.stderr, p.build.stderr
    return p


@pytest.fixture(scope="module")
def julia(pyc):
    return example(pyc, "julia")


@pytest.fixture(scope="module")
def wordfreq(pyc):
    return example(pyc, "wordfreq")


@pytest.fixture(scope="module")
def kmeans(pyc):
    return example(pyc, "kmeans")


# --- the Julia set -------------------------------------------------------

class Complexish:
    """Not a complex: multiplies and adds as Python decides (objects)."""

    def __init__(self, v):
        self.v = v

    def __mul__(self, o):
        return Complexish(self.v * (o.v if isinstance(o, Complexish) else o))

    def __add__(self, o):
        return Complexish(self.v + (o.v if isinstance(o, Complexish) else o))

    def __abs__(self):
        return abs(self.v)


ZS = [0j, 1 + 1j, -0.5 + 0.25j, 2j, 0.3 - 0.7j, complex(1e308, 1e308)]
CS = [complex(-0.62772, -0.42193)] * len(ZS)


def test_julia_matches_cpython(julia):
    for name in ("calculate_z_serial_purepython", "calc_pure_python"):
        julia.assert_native(name)
    julia.assert_same("calculate_z_serial_purepython", [
        (300, ZS[:-1], CS[:-1]), (0, ZS[:-1], CS[:-1]), (1, ZS, CS), (5, [], []), (10, [0.5, 1, -1.25], [0.25, 0, 1j]),
        (3, [True], [False]), (-4, ZS, CS), (50, ZS[:3], CS[:2]), (50, ZS[:2], CS[:3]),
        (10, None, CS), (10, (0.5j, 0.1), (0.2, 0.3j)),
    ])
    # Overflowing magnitudes: CPython's OverflowError from abs().
    julia.assert_same("calculate_z_serial_purepython", [(3, [complex(1e308, 1e308)], [0j]), (3, [1e200j], [1e200j])])
    julia.assert_same("calc_pure_python", [(20, 50), (1, 10), (7, 0), (0, 10)])
    # `z: complex` is a C double complex, as in Cython: items are converted
    # by PyComplex_AsCComplex (plain Python computes with any object).
    for zs, cs in ((["a"], [1j]), ([1j], ["b"]), ([Complexish(0.1 + 0.2j)], [0.3j])):
        with pytest.raises(TypeError, match="must be real number, not"):
            julia.native.calculate_z_serial_purepython(10, zs, cs)


def test_julia_main_result(julia):
    counts = julia.native.calc_pure_python(100, 300)
    assert counts == julia.py.calc_pure_python(100, 300)
    assert sum(counts) == 334236


def test_julia_no_leak(julia):
    f = julia.native.calculate_z_serial_purepython
    zs, cs = list(ZS[:-1]), list(CS[:-1])
    refs = [sys.getrefcount(zs), sys.getrefcount(cs)] + [sys.getrefcount(z) for z in zs]
    assert growth(lambda: f(30, zs, cs)) < N // 10
    assert growth(lambda: attempt(f, 30, zs, ["x"] * len(zs))) < N // 10
    assert growth(lambda: attempt(f, 3, [1e200j], [1e200j])) < N // 10
    assert growth(lambda: julia.native.calc_pure_python(8, 20)) < N // 10
    assert [sys.getrefcount(zs), sys.getrefcount(cs)] + [sys.getrefcount(z) for z in zs] == refs


# --- word frequencies ----------------------------------------------------

TEXTS = [
    "", "   ", "!!! ... ,,, ?", "The the THE tHe", "a, b. a; c! b? a",
    "It was the best of times, it was the worst of times.",
    "don't stop -- can't stop: won't stop!", "naïve café CAFÉ naïve", "x" * 50, "one\ntwo\tthree  one",
]


def test_wordfreq_matches_cpython(wordfreq):
    for name in ("normalise", "count_words", "by_count", "top_words", "report"):
        wordfreq.assert_native(name)
    wordfreq.assert_same("normalise", ["Hello,", "...", "", "'quoted'", "MiXeD!?"])
    wordfreq.assert_same("count_words", [(t,) for t in TEXTS] + [(None,), (5,)])
    for n in (0, 1, 3, 100, -1):
        wordfreq.assert_same("top_words", [(t, n) for t in TEXTS])
        wordfreq.assert_same("report", [(t, n) for t in TEXTS])
    wordfreq.assert_same("by_count", [(("a", 2),), (("b", -1),), ((1,),), (("a", "b"),)])
    wordfreq.assert_same("top_words", [(None, 3), (3, 3)])
    # `n: cython.int` converts on entry, as in Cython (plain Python slices with it).
    with pytest.raises(TypeError):
        wordfreq.native.top_words("a b", "x")
    with pytest.raises(OverflowError):
        wordfreq.native.top_words("a b", 2 ** 40)
    big = "\n".join([wordfreq.py.SAMPLE] * 20)
    assert wordfreq.native.report(big, 5) == wordfreq.py.report(big, 5)


def test_wordfreq_no_leak(wordfreq):
    text = "\n".join([wordfreq.py.SAMPLE] * 3)
    refs = sys.getrefcount(text)
    assert growth(lambda: wordfreq.native.report(text, 5)) < N // 10
    assert growth(lambda: wordfreq.native.top_words("", 3)) < N // 10
    assert growth(lambda: attempt(wordfreq.native.top_words, None, 3)) < N // 10
    assert growth(lambda: attempt(wordfreq.native.by_count, (1,))) < N // 10
    assert sys.getrefcount(text) == refs


# --- k-means -------------------------------------------------------------

def same_array(a, b):
    assert type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
    assert a.tolist() == b.tolist()


def test_kmeans_matches_cpython(kmeans):
    for name in ("kmeans", "assign", "blobs"):
        kmeans.assert_native(name)
    for args in [(300, 3, 2, 1), (40, 1, 4, 5), (5, 5, 1, 0), (0, 2, 3, 9), (7, 3, 0, 2)]:
        same_array(kmeans.native.blobs(*args), kmeans.py.blobs(*args))
    data = kmeans.py.blobs(600, 4, 3, 7)
    for k, steps in [(4, 10), (1, 3), (4, 0), (600, 2), (2, 1), (3, 25)]:
        c = kmeans.native.kmeans(data, k, steps)
        same_array(c, kmeans.py.kmeans(data, k, steps))
        same_array(kmeans.native.assign(data, c), kmeans.py.assign(data, c))
    # Lists of lists, ints, a Fortran-ordered array and a strided view.
    same_array(kmeans.native.kmeans([[1, 2], [3, 4], [10, 12]], 2, 5), kmeans.py.kmeans([[1, 2], [3, 4], [10, 12]], 2, 5))
    f = np.asfortranarray(data)
    same_array(kmeans.native.kmeans(f, 3, 4), kmeans.py.kmeans(f, 3, 4))
    same_array(kmeans.native.kmeans(data[::3], 3, 4), kmeans.py.kmeans(data[::3], 3, 4))
    same_array(kmeans.native.assign(data[:5], data[::200]), kmeans.py.assign(data[:5], data[::200]))
    kmeans.assert_same("kmeans", [(data, 0, 3), (data, 601, 3), (np.zeros((0, 2)), 1, 1)])


def test_kmeans_buffer_errors(kmeans):
    """What the memoryview assignment rejects: Cython's errors (plain Python
    takes any array; these are compiled code's own, as in Cython)."""
    with pytest.raises(ValueError, match="dimensions"):
        kmeans.native.kmeans([1.0, 2.0, 3.0], 1, 1)
    with pytest.raises(TypeError):
        kmeans.native.kmeans(object(), 1, 1)
    ro = np.ones((4, 2))
    ro.setflags(write=False)
    # Cython asks for a writable buffer for every memoryview it is not told is const.
    with pytest.raises((ValueError, BufferError), match="read-only"):
        kmeans.native.kmeans(ro, 2, 1)


def test_kmeans_holds_buffers(kmeans):
    """The views keep their arrays' buffers while they are used: the result
    array (viewed by `centers`) is still exported while kmeans runs, and no
    export is left behind (a resize needs none)."""
    data = kmeans.py.blobs(50, 2, 2, 3)
    c = kmeans.native.kmeans(data, 2, 3)
    c.resize((4, 2), refcheck=False)  # raises BufferError if a buffer were still held
    d = data.copy()
    kmeans.native.assign(d, c[:2])
    d.resize((10, 2), refcheck=False)


def test_kmeans_no_leak(kmeans):
    data = kmeans.py.blobs(60, 3, 2, 4)
    refs = sys.getrefcount(data)
    assert growth(lambda: kmeans.native.kmeans(data, 3, 2)) < N // 10
    assert growth(lambda: kmeans.native.assign(data, data[:3])) < N // 10
    assert growth(lambda: attempt(kmeans.native.kmeans, data, 0, 2)) < N // 10
    assert growth(lambda: attempt(kmeans.native.kmeans, [1.0, 2.0], 1, 2)) < N // 10
    assert growth(lambda: attempt(kmeans.native.assign, data, data[:, :1])) < N // 10
    assert growth(lambda: kmeans.native.blobs(20, 2, 2, 1)) < N // 10
    assert sys.getrefcount(data) == refs


# --- memoryview locals taken from objects --------------------------------

VIEWS_SRC = '''
import cython
import numpy as np

def fill(n: cython.Py_ssize_t):
    a: cython.double[:] = np.zeros(n)
    i: cython.Py_ssize_t
    for i in range(n):
        a[i] = i * 0.5
    return a[n - 1] + a[0]

def retake(n: cython.Py_ssize_t, times: cython.int):
    total: cython.double = 0.0
    t: cython.int
    for t in range(times):
        a: cython.double[:] = np.ones(n)
        total += a[0] * n
    return total

def sliced(obj):
    a: cython.double[:] = obj
    b: cython.double[:] = a[1:]
    return b[0]

def maybe(obj, take: cython.bint):
    a: cython.double[:] = None
    if take:
        a = obj
    return a is None

def not_a_buffer(obj):
    a: cython.double[:] = obj
    return a[0]

def twice(x, y):
    a: cython.double[:] = x
    s: cython.double = a[0]
    a = y
    return s + a[0]
'''


def test_view_locals_from_objects(pyc):
    p = pyc.pair(VIEWS_SRC, args=("--strict",))
    # Elements are C doubles (plain Python gives NumPy's float64 scalars).
    for n in (1, 5, 100):
        assert type(p.native.fill(n)) is float and p.native.fill(n) == p.py.fill(n)
    for args in ((3, 4), (1, 0)):
        assert p.native.retake(*args) == p.py.retake(*args)
    arr = np.arange(5.0)
    assert p.native.sliced(arr) == 1.0
    assert p.native.maybe(arr, True) is False and p.native.maybe(arr, False) is True
    for x, y in ((np.ones(2), np.arange(3.0)), (np.ones(1), np.zeros(1))):
        assert p.native.twice(x, y) == p.py.twice(x, y)
    with pytest.raises(IndexError):
        p.native.fill(0)
    with pytest.raises(TypeError):
        p.native.not_a_buffer(3)
    assert growth(lambda: p.native.fill(10)) < N // 10
    assert growth(lambda: attempt(p.native.fill, 0)) < N // 10
    assert growth(lambda: p.native.retake(4, 3)) < N // 10
    assert growth(lambda: p.native.sliced(arr)) < N // 10
    assert growth(lambda: attempt(p.native.not_a_buffer, 3)) < N // 10
    assert growth(lambda: attempt(p.native.twice, arr, "x")) < N // 10
    # Nothing stays exported after the calls (a resize would raise BufferError).
    arr.resize(8, refcheck=False)
    b = np.ones(3)
    p.native.twice(b, b)
    b.resize(6, refcheck=False)


def test_view_copied_then_retaken_stays_python(pyc):
    """A view copied from a local that takes another buffer later would
    outlive the buffer it reads: the function stays Python, with its reason."""
    src = VIEWS_SRC + '''
def copied_then_retaken(obj):
    a: cython.double[:] = obj
    b: cython.double[:] = a[1:]
    a = None
    return b[0]
'''
    p = pyc.pair(src)
    p.assert_native("sliced")
    assert "copied_then_retaken" in p.build.stderr and "copied to another memoryview local" in p.build.stderr
    assert p.native.copied_then_retaken(np.arange(3.0)) == 1.0


# --- exact complex numbers on their doubles ------------------------------

COMPLEX_SRC = '''
def add(a, b):
    return a + b

def sub(a, b):
    return a - b

def mul(a, b):
    return a * b

def iadd(a, b):
    a += b
    a *= b
    return a

def div(a, b):
    return a / b

def magnitude(z):
    return abs(z)

def inside(z):
    if abs(z) < 2:
        return True
    return False

def outside(z):
    return bool(2.5 <= abs(z))

def steps(z, c, n: int):
    k = 0
    while k < n and abs(z) < 2:
        z = z * z + c
        k += 1
    return k, z
'''


class C(complex):
    def __mul__(self, o):
        return "mul"

    def __abs__(self):
        return -1


INF, NAN = float("inf"), float("nan")
VALUES = [0j, -0j, 1 + 2j, -3.5 - 0.25j, complex(INF, 1), complex(NAN, 0), complex(1e308, 1e308), complex(-0.0, -0.0),
          complex(1e-320, 5e-324), 2.5, 3, True, C(1, 1)]


def test_exact_complex_fast_paths(pyc):
    p = pyc.pair(COMPLEX_SRC, args=("--strict",))
    pairs = [(a, b) for a in VALUES for b in VALUES]
    for name in ("add", "sub", "mul", "iadd", "div"):
        p.assert_same(name, pairs + [(1j, "x"), ("x", 1j), (1j, None)], exact=True)
    p.assert_same("magnitude", [(v,) for v in VALUES] + [(complex(1e308, 1.7e308),), (complex(INF, NAN),), ("x",)], exact=True)
    p.assert_same("inside", [(v,) for v in VALUES] + [(complex(2, 0),), (complex(1.9999999, 0),), (complex(1e308, 1.7e308),), (None,)], exact=True)
    p.assert_same("outside", [(v,) for v in VALUES] + [(complex(2.5, 0),), (complex(1.5, 2),), (complex(INF, NAN),)], exact=True)
    p.assert_same("steps", [(0j, complex(-0.62772, -0.42193), 300), (0.5 + 0.5j, 0.25, 40), (1, 1, 10), (C(0, 0), 1j, 5)], exact=True)
    assert growth(lambda: p.native.steps(0j, complex(-0.62772, -0.42193), 50)) < N // 10
    assert growth(lambda: attempt(p.native.magnitude, complex(1e308, 1.7e308))) < N // 10
    assert growth(lambda: attempt(p.native.inside, complex(1e308, 1.7e308))) < N // 10
    assert growth(lambda: attempt(p.native.mul, 1j, "x")) < N // 10


TREE_SRC = '''
def poly(z, c, w):
    return z * z + c - w * z

def mixed(a, b, c):
    return a * b + c

def chained(z, c):
    z = z * z + c
    z = z * z + c
    return z
'''


class Loud(complex):
    """A complex subclass whose operators run Python code (in order)."""
    log = []

    def __mul__(self, o):
        Loud.log.append(("mul", complex(self), o))
        return Loud(complex(self) * o)

    def __add__(self, o):
        Loud.log.append(("add", complex(self), o))
        return Loud(complex(self) + o)


def test_complex_expression_trees(pyc):
    p = pyc.pair(TREE_SRC, args=("--strict",))
    vals = [0j, 1 + 2j, complex(-0.0, 0.0), complex(INF, NAN), 0.5, 2, C(1, 2)]
    triples = [(a, b, c) for a in vals for b in vals for c in vals[:4]]
    p.assert_same("poly", triples, exact=True)
    p.assert_same("mixed", triples + [(1j, 2j, "x"), (1.5, 2.0, 0.25), (2, 3, 4)], exact=True)
    p.assert_same("chained", [(a, b) for a in vals for b in vals], exact=True)
    for mod in (p.native, p.py):
        Loud.log.clear()
        r = mod.chained(Loud(1j), 0.5)
        assert type(r) is Loud
        mod.log = list(Loud.log)
    assert p.native.log == p.py.log and len(p.native.log) == 4
    assert growth(lambda: p.native.chained(0.1j, 0.3 + 0.1j)) < N // 10
    assert growth(lambda: attempt(p.native.mixed, 1j, 2j, "x")) < N // 10


NESTED_SRC = '''
class Outer:
    class Inner:
        def m(self, x):
            return x + 1

        class Deeper:
            def d(self):
                return 2

    def f(self, y):
        return y * 2
'''


def test_nested_class_methods_are_reported(pyc):
    """Methods of classes nested in classes run as Python; the build report
    names each with its line (and --strict refuses the module)."""
    p = pyc.pair(NESTED_SRC)
    err = p.build.stderr
    assert "Outer.Inner.m" in err and "Outer.Inner.Deeper.d" in err and "nested class" in err
    assert "Outer.f" not in err
    assert p.native.Outer.Inner().m(1) == 2 and p.native.Outer().f(3) == 6
    strict = pyc.build(NESTED_SRC, args=("--strict",))
    assert not strict.ok and "Outer.Inner.m" in strict.stderr
