"""C arrays set from a list or tuple display (issue 14), as Cython 3.3.1
compiles them: `a: cython.double[3] = [x, 2.0, 3.0]`, nested displays of
2-D and 3-D arrays (`m[i][j]` read, written, updated, its address taken), `cython.declare(T[n], [..])`,
`a = [..]` and `a[:] = [..]` of an existing array. Results against the
same source run as plain Python (the shim: a list); object items unboxed
with Cython's errors (checked against Cython 3.3.1's own), every item
converted before any is stored; a display of another length Cython's
compile error, located; any other value left to Python with its reason;
no leaks on success or error paths."""

import pytest

from conftest import attempt, growth, run_compiler

FUNCTIONS = ["run", "objs", "ints", "narrow", "declared", "fill", "reassigned", "kept_on_error", "grid",
             "grid_store", "in_loop", "address_of", "cube"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("c_array_init")


@pytest.mark.parametrize("name", FUNCTIONS)
def test_compiled(m, name):
    m.assert_native(name)


def test_differential(m):
    floats = [0.0, -0.0, 1.5, -2.25, 1e300, float("inf"), 3]
    m.assert_same("run", floats)
    m.assert_same("objs", [(1.0, 2.5), (1.5, -3.0), (0.5, 2.0 ** 40), (-0.0, 0.0)])
    m.assert_values("objs", [((True, -3), 7.0), ((2 ** 40, 1), 2.0 ** 40 * 10 + 1)])
    m.assert_same("ints", [(3, 4), (0, 0), (255, 99), (True, 1)])
    m.assert_same("declared", floats)
    m.assert_same("fill", [(1.0, 2.0), (-1.5, 0.25), (0.0, 0.0)])
    m.assert_same("reassigned", floats)
    m.assert_same("kept_on_error", [7.0, 0, -1.5])
    m.assert_same("grid", [0, 1, 2, -3, 1000])
    m.assert_same("grid_store", [0, 5, -7, 99])
    m.assert_same("in_loop", [0, 1, 10])
    m.assert_same("cube", [0, 8, -5])
    # The shim's `cython.address` copies the number; compiled (and in
    # Cython) it points into the array.
    m.assert_values("address_of", [(5, 14), (-9, 0)])


def test_cython_conversions(m):
    # Each object item unboxed as Cython does (its messages); a C int
    # narrowed as C does (Cython 3.3.1 gives the same values).
    m.assert_values("objs", [
        (("a", 1), (TypeError, "must be real number, not str")),
        ((None, 1), (TypeError, "must be real number, not NoneType")),
        ((1, [2]), (TypeError, "must be real number, not list")),
    ])
    m.assert_values("ints", [
        ((300, 4), (OverflowError, "value too large to convert to unsigned char")),
        ((-1, 4), (OverflowError, "can't convert negative value to unsigned char")),
        ((3, 300), 34407),
        ((3, -1), 55507),
    ])
    m.assert_values("narrow", [(1, 1002), (255, 255000), (256, 1), (-1, 255000)])
    # An item that fails leaves the array as it was (Cython converts every
    # item into a temporary array before copying it over).
    m.assert_values("kept_on_error", [("z", 12.0), (None, 12.0)])


def test_no_leaks(m):
    assert growth(lambda: m.native.objs(1.5, 2)) < 200
    assert growth(lambda: attempt(m.native.objs, 1.5, "x")) < 200
    assert growth(lambda: attempt(m.native.ints, 2 ** 70, 1)) < 200
    assert growth(lambda: m.native.kept_on_error("z")) < 200
    assert growth(lambda: m.native.grid(3)) < 200


ERRORS = [
    ("a: cython.double[3] = [1.0, 2.0]\n    return a[0]", "expected 3, got 2", 3, 27),
    ("a: cython.double[2] = (1.0, 2.0, 3.0)\n    return a[0]", "expected 2, got 3", 3, 27),
    ("a = cython.declare(cython.double[3], [1.0])\n    return a[0]", "expected 3, got 1", 3, 42),
    ("a: cython.double[2]\n    a[:] = [1.0]\n    return a[0]", "expected 2, got 1", 4, 12),
    ("m: cython.int[2][2] = [[1, 2], [3]]\n    return m[0][0]", "expected 2, got 1", 3, 36),
]


@pytest.mark.parametrize("body,message,line,col", ERRORS)
def test_wrong_length_is_a_located_error(tmp_path, body, message, line, col):
    src = tmp_path / "wrong.py"
    src.write_text("import cython\n\ndef f(x: cython.double):\n    %s\n" % body)
    b = run_compiler(src, tmp_path)
    assert b.returncode != 0 and not b.so.exists(), b.describe()
    assert "Assignment to slice of wrong length, " + message in b.stderr, b.stderr
    assert "wrong.py:%d:%d" % (line + 1, col) in b.stderr, b.stderr


FALLBACKS = [
    ("l = [1.0, 2.0]\n    a: cython.double[2] = l", "not a list or tuple display"),
    ("m: cython.int[2][2] = [[1, 2], x]", "not a list or tuple display"),
    ("a: cython.char[3] = b'ab'", "not a list or tuple display"),
    ("a: cython.int[2] = [*x, 2]", "a display with a starred item"),
]


@pytest.mark.parametrize("body,reason", FALLBACKS)
def test_other_values_stay_python(tmp_path, body, reason):
    src = tmp_path / "other.py"
    src.write_text("import cython\n\ndef f(x):\n    %s\n    return 1\n" % body)
    b = run_compiler(src, tmp_path)
    assert b.ok, b.describe()
    assert "function `f` left to Python: it initialises a C array from " in b.stderr and reason in b.stderr, b.stderr
