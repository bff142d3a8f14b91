"""Function pointers for cfuncs and libc's `qsort` (issue 14): a
`@cython.cfunc` comparator passed to `qsort` is the address of a C-ABI
entry of the cfunc; the example sorts a malloc'ed array and is checked
against CPython running the same file with the shim (whose `qsort` calls
the comparator with pointer objects) and against Cython 3.3.1's numbers;
pointers into memoryviews sorted in place (with the GIL released too); a
`noexcept` comparator that raises anyway (unraisable, as in Cython); the
located errors for what C cannot call."""

import array
import shutil
import sys
import sysconfig
import textwrap

from conftest import ROOT, call, growth, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


def _example(tmp_path):
    shutil.copy(ROOT / "examples" / "qsort_c.py", tmp_path / "qsort_c.py")
    b = run_compiler(tmp_path / "qsort_c.py", outdir=tmp_path / "out")
    # `checksum`, `largest`, `random_doubles` and the two comparators.
    assert b.ok and b.counts() == (5, 0), b.describe()
    py = import_source("qsort_c_py", tmp_path / "qsort_c.py")
    nat = import_extension("qsort_c", tmp_path / "out" / ("qsort_c" + SUFFIX))
    return py, nat


def test_the_qsort_example_matches_cpython_and_cython(tmp_path):
    py, nat = _example(tmp_path)
    for args in [(0, 1), (1, 3), (2, 5), (7, 2), (100, 9), (1000, 7), (-1, 3), (-5, 0)]:
        want, got = call(py.checksum, args), call(nat.checksum, args)
        assert want.ok == got.ok, (args, want, got)
        if want.ok:
            assert same_value(want.value, got.value) and got.value != -1.0, (args, want, got)
        else:
            assert want.exc_type is got.exc_type is ValueError and want.message == got.message, (args, want, got)
    for args in [(0, 1, 3), (3, 5, 10), (100, 5, 4), (50, 2, 0), (5, 1, -1)]:
        want, got = call(py.largest, args), call(nat.largest, args)
        assert want.ok == got.ok, (args, want, got)
        if want.ok:
            assert want.value == got.value == sorted(want.value, reverse=True), (args, want, got)
        else:
            assert want.exc_type is got.exc_type and want.message == got.message
    # What Cython 3.3.1 gives for the same file (`cythonize -i -3`).
    assert nat.checksum(1000, 7) == 329143.9457426571
    assert nat.checksum(5000, 11) == 8389142.588653168
    assert nat.checksum(100000, 3) == 3340316860.518765
    assert nat.largest(100, 5, 4) == [0.9823784897953172, 0.9407137827671663, 0.932075328161975, 0.9289191374224234]


def test_the_qsort_example_does_not_leak(tmp_path):
    py, nat = _example(tmp_path)
    n, seed = 257, 1000003
    before = (sys.getrefcount(n), sys.getrefcount(seed))
    assert growth(lambda: (nat.checksum(n, seed), nat.largest(n, seed, 5))) < 50
    assert growth(lambda: call(nat.checksum, (-1, seed))) < 50
    assert (sys.getrefcount(n), sys.getrefcount(seed)) == before


VIEWS = """
import cython
from cython.cimports.libc.stdlib import qsort


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def asc(a: cython.pointer(cython.const[cython.void]), b: cython.pointer(cython.const[cython.void])) -> cython.int:
    x: cython.double = cython.cast(cython.p_double, a)[0]
    y: cython.double = cython.cast(cython.p_double, b)[0]
    return (x > y) - (x < y)


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def by_abs(a: cython.p_void, b: cython.p_void) -> cython.int:
    x: cython.long = abs(cython.cast(cython.p_long, a)[0])
    y: cython.long = abs(cython.cast(cython.p_long, b)[0])
    if x != y:
        return -1 if x < y else 1
    return asc_long(a, b)


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def asc_long(a: cython.p_void, b: cython.p_void) -> cython.int:
    x: cython.long = cython.cast(cython.p_long, a)[0]
    y: cython.long = cython.cast(cython.p_long, b)[0]
    return (x > y) - (x < y)


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def bad(a: cython.pointer(cython.const[cython.void]), b: cython.pointer(cython.const[cython.void])) -> cython.int:
    x: cython.double = cython.cast(cython.p_double, a)[0]
    zero: cython.int = cython.cast(cython.int, x * 0.0)
    return 1 // zero


def sort_view(v: cython.double[:]) -> cython.double:
    if v.shape[0] == 0:
        return 0.0
    qsort(cython.address(v[0]), v.shape[0], cython.sizeof(cython.double), asc)
    return v[0]


def sort_tail_nogil(v: cython.double[:], start: cython.Py_ssize_t) -> cython.double:
    p: cython.p_double = cython.address(v[start])
    n: cython.Py_ssize_t = v.shape[0] - start
    with cython.nogil:
        qsort(p, n, cython.sizeof(cython.double), asc)
    return v[v.shape[0] - 1]


def sort_longs_by_abs(v: cython.long[:]) -> cython.long:
    qsort(cython.address(v[0]), v.shape[0], cython.sizeof(cython.long), by_abs)
    return v[0]


def raising(v: cython.double[:]) -> cython.int:
    qsort(cython.address(v[0]), v.shape[0], cython.sizeof(cython.double), bad)
    return 7
"""


def _views(tmp_path, name):
    path = tmp_path / (name + ".py")
    path.write_text(VIEWS)
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok and b.counts() == (8, 0), b.describe()
    return import_extension(name, tmp_path / "out" / (name + SUFFIX))


def test_qsort_sorts_views_in_place(tmp_path):
    nat = _views(tmp_path, "qsort_views")
    for values in [[3.0, -1.5, 7.25, 2.0, 0.0], [1.0], [2.0, 2.0, -2.0], [float("inf"), -float("inf"), 1e308, -0.5]]:
        a = array.array("d", values)
        assert nat.sort_view(a) == min(values)
        assert list(a) == sorted(values)
    assert nat.sort_view(array.array("d")) == 0.0
    a = array.array("d", [9.0, 5.0, 4.0, 1.0, 3.0])
    assert nat.sort_tail_nogil(a, 2) == 4.0 and list(a) == [9.0, 5.0, 1.0, 3.0, 4.0]
    # The comparator calls another cfunc (through its native entry, not C's).
    a = array.array("l", [5, -3, 3, 0, -7, 2, -2])
    assert nat.sort_longs_by_abs(a) == 0 and list(a) == [0, -2, 2, -3, 3, 5, -7]
    a = array.array("d", [1.0, 2.0])
    before = sys.getrefcount(a)
    assert growth(lambda: nat.sort_view(a)) < 50
    assert sys.getrefcount(a) == before


def test_a_noexcept_comparator_that_raises_is_unraisable(tmp_path):
    """As in Cython: the exception is written as unraisable under the
    cfunc's `module.name`, the comparison gives 0 and qsort goes on."""
    nat = _views(tmp_path, "qsort_raises")
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append((u.exc_type, str(u.exc_value), u.object))
    try:
        a = array.array("d", [3.0, 1.0, 2.0])
        assert nat.raising(a) == 7
    finally:
        sys.unraisablehook = old
    assert seen and all(s == (ZeroDivisionError, "integer division or modulo by zero", "qsort_raises.bad") for s in seen), seen
    assert sorted(a) == [1.0, 2.0, 3.0]
    assert not sys.exc_info()[0]
    sys.unraisablehook = lambda u: None
    try:
        assert growth(lambda: nat.raising(array.array("d", [2.0, 1.0]))) < 50
    finally:
        sys.unraisablehook = old


ENTRIES = """
import cython
from cython.cimports.libc.stdlib import qsort


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def asc(a: cython.p_void, b: cython.p_void) -> cython.int:
    x: cython.double = cython.cast(cython.p_double, a)[0]
    y: cython.double = cython.cast(cython.p_double, b)[0]
    return (x > y) - (x < y)


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def by_digits(a: cython.p_void, b: cython.p_void) -> cython.int:
    x: cython.long = cython.cast(cython.p_long, a)[0]
    y: cython.long = cython.cast(cython.p_long, b)[0]
    sx: cython.long = 0
    sy: cython.long = 0
    u: cython.long = x if x >= 0 else -x
    v: cython.long = y if y >= 0 else -y
    while u > 0:
        sx += u % 10
        u //= 10
    while v > 0:
        sy += v % 10
        v //= 10
    if sx != sy:
        return -1 if sx < sy else 1
    if x != y:
        return -1 if x < y else 1
    return 0


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def big_bad(a: cython.p_void, b: cython.p_void) -> cython.int:
    x: cython.long = cython.cast(cython.p_long, a)[0]
    y: cython.long = cython.cast(cython.p_long, b)[0]
    s: cython.long = 0
    k: cython.long
    for k in range(3):
        s += (x + k) % 7 + (y - k) % 5 + (x * k) % 3 + (y * k) % 11
        s -= (x + k) % 7 + (y - k) % 5 + (x * k) % 3 + (y * k) % 11
    if x < 0 or y < 0:
        return cython.cast(cython.int, 1 // s)
    return (x > y) - (x < y)


def sort_doubles(v: cython.double[:]) -> cython.int:
    qsort(cython.address(v[0]), v.shape[0], cython.sizeof(cython.double), asc)
    return 1


def sort_by_digits(v: cython.long[:]) -> cython.int:
    qsort(cython.address(v[0]), v.shape[0], cython.sizeof(cython.long), by_digits)
    return 2


def sort_big_bad(v: cython.long[:]) -> cython.int:
    qsort(cython.address(v[0]), v.shape[0], cython.sizeof(cython.long), big_bad)
    return 3
"""


def _c_entry_clif(clif, name):
    start = clif.index("; C entry of %s\n" % name)
    end = clif.find("\n; ", start + 1)
    return clif[start:end if end >= 0 else None]


def test_a_small_comparator_is_its_own_c_entry(tmp_path):
    """C calls a small `noexcept nogil` comparator's body directly (no
    native call, stack limit or error flag between them, as with Cython's C
    function; a body that cannot fail calls nothing at all); a large one
    through a call of its native function. Both sort as Python does, and
    both write their exceptions as unraisable."""
    path = tmp_path / "qsort_entries.py"
    path.write_text(ENTRIES)
    clif = run_compiler(path, args=["--emit", "clif"])
    assert clif.ok, clif.describe()
    small, big, big_bad = (_c_entry_clif(clif.stdout, n) for n in ("asc", "by_digits", "big_bad"))
    # No call, not even on a cold path, and `(x > y) - (x < y)` unchecked.
    assert "call" not in small and "sig0" not in small and "ssub_overflow" not in small, small
    for entry in (big, big_bad):
        # The native function (its stack limit passed, its error flag returned).
        assert "-> i32, i8 system_v" in entry and "call fn0(v0, v1, " in entry, entry
    nat = _views_from(tmp_path, path, "qsort_entries", 6)
    values = [3.5, -1.0, float("inf"), 0.0, -0.0, 2.25, -7.5, 1e-300]
    a = array.array("d", values)
    assert nat.sort_doubles(a) == 1 and list(a) == sorted(values)
    longs = [19, -91, 5, 50, 0, 1234, -4321, 28, 82, 7, 10 ** 12, -(10 ** 17), 99]
    a = array.array("l", longs)
    assert nat.sort_by_digits(a) == 2
    assert list(a) == sorted(longs, key=lambda x: (sum(map(int, str(abs(x)))), x))
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append((u.exc_type, str(u.exc_value), u.object))
    try:
        a = array.array("l", [4, 1, 3, 2])
        assert nat.sort_big_bad(a) == 3 and list(a) == [1, 2, 3, 4] and not seen
        a = array.array("l", [4, -1, 3])
        assert nat.sort_big_bad(a) == 3
    finally:
        sys.unraisablehook = old
    assert seen and all(s == (ZeroDivisionError, "integer division or modulo by zero", "qsort_entries.big_bad") for s in seen), seen
    assert not sys.exc_info()[0]
    sys.unraisablehook = lambda u: None
    try:
        assert growth(lambda: nat.sort_big_bad(array.array("l", [2, -1]))) < 50
        assert growth(lambda: nat.sort_by_digits(array.array("l", [12, 3, 21]))) < 50
    finally:
        sys.unraisablehook = old


def _views_from(tmp_path, path, name, count):
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok and b.counts() == (count, 0), b.describe()
    return import_extension(name, tmp_path / "out" / (name + SUFFIX))


HEAD = "import cython\nfrom cython.cimports.libc.stdlib import qsort, malloc, free\n\n"
CMP = ("def cmp(a: cython.pointer(cython.const[cython.void]), b: cython.pointer(cython.const[cython.void])) -> cython.int:\n"
       "    return 0\n")
USE = ("\n\ndef go(n: cython.int) -> cython.int:\n"
       "    p: cython.p_double = cython.cast(cython.p_double, malloc(8 * n))\n"
       "    qsort(p, n, 8, cmp)\n"
       "    free(p)\n"
       "    return n\n")


def test_function_pointer_errors_are_located(tmp_path):
    noexcept_nogil = "@cython.cfunc\n@cython.exceptval(check=False)\n@cython.nogil\n"
    for name, decl, message, hint in [
        ("a_def", CMP, "`cmp` (line 4) is a Python function (`def`): `qsort` needs a C function pointer, int (*)(const void*, const void*) noexcept nogil",
         "only a `@cython.cfunc` has a C function's address"),
        ("untyped_def", "def cmp(a, b):\n    return 0\n", "`cmp` (line 4) is a Python function (`def`)", "only a `@cython.cfunc`"),
        ("a_ccall", "@cython.ccall\n" + CMP, "`cmp` (line 5) is a `@cython.ccall` function", "only a `@cython.cfunc`"),
        ("can_raise", "@cython.cfunc\n@cython.nogil\n" + CMP, "`cmp` (line 6) is `except? -1`, but `qsort` calls it from C, which cannot check for an exception",
         "`@cython.exceptval(check=False)`"),
        ("except_value", "@cython.cfunc\n@cython.exceptval(-1, check=False)\n@cython.nogil\n" + CMP, "`cmp` (line 7) is `except -1`, but `qsort` calls it from C", "`@cython.exceptval(check=False)`"),
        ("needs_gil", "@cython.cfunc\n@cython.exceptval(check=False)\n" + CMP, "`cmp` (line 6) needs the GIL, but `qsort` takes a `nogil` function pointer",
         "`@cython.nogil`"),
        ("typed_params", noexcept_nogil + "def cmp(a: cython.p_double, b: cython.p_double) -> cython.int:\n    return 0\n",
         "`cmp` (line 7) has the signature int (double*, double*), but `qsort` needs int (*)(const void*, const void*) noexcept nogil", "cast the pointers inside it"),
        ("returns_double", noexcept_nogil + CMP.replace("-> cython.int", "-> cython.double"), "`cmp` (line 7) has the signature double (void*, void*)", "-> cython.int"),
        ("one_param", noexcept_nogil + "def cmp(a: cython.p_void) -> cython.int:\n    return 0\n", "`cmp` (line 7) has the signature int (void*)", "cast the pointers"),
    ]:
        path = tmp_path / (name + ".py")
        path.write_text(HEAD + decl + USE)
        b = run_compiler(path, outdir=tmp_path / "out")
        assert not b.ok, (name, b.describe())
        line = 1 + (HEAD + decl + USE).splitlines().index("    qsort(p, n, 8, cmp)")
        assert "error: " + message in b.stderr and "%s.py:%d:20" % (name, line) in b.stderr and hint in b.stderr, (name, b.describe())


def test_what_cannot_be_passed_stays_python(tmp_path):
    path = tmp_path / "qsort_left.py"
    path.write_text(textwrap.dedent("""
        import cython
        from cython.cimports.libc.stdlib import qsort, malloc, free

        def go(n: cython.int) -> cython.int:
            p: cython.p_double = cython.cast(cython.p_double, malloc(8 * n))
            c = None
            qsort(p, n, 8, c)
            free(p)
            return n
    """))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok and b.counts() == (0, 1), b.describe()
    assert "it passes the local `c` as a C function pointer" in b.stderr, b.describe()
    for bad, message in [("qsort(p, n, 8)", "`qsort` takes 4 arguments, got 3"), ("qsort(n, n, 8, cmp)", "`qsort` expects void* here, got cython.int")]:
        src = HEAD + "@cython.cfunc\n@cython.exceptval(check=False)\n@cython.nogil\n" + CMP + USE.replace("qsort(p, n, 8, cmp)", bad)
        path = tmp_path / "qsort_args.py"
        path.write_text(src)
        b = run_compiler(path, outdir=tmp_path / "out")
        assert not b.ok and "error: " + message in b.stderr, b.describe()
