"""C pointers to scalars and C memory (issue 14): `cython.p_double`,
`cython.pointer(T)`, `p[i]` loads and stores (also `+=`, inside `prange`),
`p + n`/`p - n`/`q - p`, `cython.NULL`, truth values and comparisons,
`cython.cast` between pointer types,
`cython.sizeof`, and `malloc`/`calloc`/`realloc`/`free`/`memset`/`memcpy`
from `cython.cimports.libc` called directly; checked against CPython running
the same file with the shim; the located errors, and what stays Python."""

import sysconfig
import textwrap

from conftest import call, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

POINTERS = """
import cython
from cython.parallel import prange
from cython.cimports.libc.stdlib import malloc, free, calloc, realloc
from cython.cimports.libc.string import memset, memcpy


def squares(n: cython.int) -> cython.double:
    p: cython.p_double = cython.cast(cython.p_double, malloc(n * cython.sizeof(cython.double)))
    if p == cython.NULL:
        raise MemoryError()
    i: cython.int
    for i in range(n):
        p[i] = i * i
    s: cython.double = 0.0
    for i in range(n):
        p[i] += 0.5
        s += p[i]
    free(p)
    return s


def ints(n: cython.int) -> cython.long:
    a: cython.pointer(cython.int) = cython.cast(cython.pointer(cython.int), calloc(n, cython.sizeof(cython.int)))
    if not a:
        raise MemoryError()
    b = cython.cast(cython.p_int, malloc(n * cython.sizeof(cython.int)))
    i: cython.int
    for i in range(0, n, 2):
        a[i] = i - 7
    memcpy(b, a, n * cython.sizeof(cython.int))
    memset(a, 0, n * cython.sizeof(cython.int))
    a = cython.cast(cython.p_int, realloc(a, 2 * n * cython.sizeof(cython.int)))
    t: cython.long = 0
    for i in range(n):
        t += b[i] * 3 + a[i]
    free(a)
    free(b)
    return t


def narrow(n: cython.int) -> cython.long:
    c = cython.cast(cython.p_uchar, malloc(n))
    f = cython.cast(cython.p_float, malloc(n * cython.sizeof(cython.float)))
    i: cython.int
    t: cython.long = 0
    for i in range(n):
        c[i] = (i * 37) % 256
        f[i] = i / 3
    for i in range(n):
        t += c[i] + cython.cast(cython.long, f[i] * 1000)
    free(c)
    free(f)
    return t


def in_parallel(n: cython.int) -> cython.double:
    p: cython.p_double = cython.cast(cython.p_double, malloc(n * cython.sizeof(cython.double)))
    if not p:
        raise MemoryError()
    i: cython.int
    s: cython.double = 0.0
    with cython.nogil:
        for i in prange(n):
            p[i] = i * 0.5
        for i in prange(n):
            s += p[i]
    free(p)
    return s


def walk(n: cython.int) -> cython.double:
    base: cython.p_double = cython.cast(cython.p_double, malloc(n * cython.sizeof(cython.double)))
    p: cython.p_double = base
    i: cython.int
    for i in range(n):
        p[0] = i * 1.5
        p += 1
    q = base + 2
    s: cython.double = q[0] + (q - 1)[0] + (1 + q)[0]
    end: cython.p_double = base + n
    r: cython.p_double = base
    while r < end:
        s += r[0]
        r = r + 1
    memset(base + 1, 0, 2 * cython.sizeof(cython.double))
    memcpy(base + 4, base, 2 * cython.sizeof(cython.double))
    s += base[1] + base[2] + base[4] + base[5] * 10
    s += (end - base) * 1000 + ((base + 3) - (q - 1)) * 100000
    free(base)
    return s


def sizes() -> cython.long:
    return cython.sizeof(cython.char) + 10 * cython.sizeof(cython.short) + 100 * cython.sizeof(cython.float) + 1000 * cython.sizeof(cython.p_double)


def null_is_false(n: cython.int) -> cython.int:
    p: cython.p_double = cython.NULL
    if n > 0:
        p = cython.cast(cython.p_double, malloc(8))
    r: cython.int = 0 if p == cython.NULL else 1
    r += 0 if not p else 10
    free(p)
    return r


def filled(n: cython.int, c: cython.int):
    p: cython.p_int = cython.cast(cython.p_int, malloc(4 * n))
    q: cython.p_double = cython.cast(cython.p_double, malloc(8 * n))
    u: cython.p_uchar = cython.cast(cython.p_uchar, malloc(n))
    memset(p, c, 4 * n)
    memset(q, c, 8 * n)
    memset(u, c, n)
    out = [p[0], p[n - 1], q[0], q[n - 1], u[n - 1]]
    free(p)
    free(q)
    free(u)
    return out
"""


def _both(tmp_path, src, name):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(src))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok, b.describe()
    py = import_source(name + "_py", path)
    nat = import_extension(name, tmp_path / "out" / (name + SUFFIX))
    return b, py, nat


def test_pointers_match_cpython_with_the_shim(tmp_path):
    b, py, nat = _both(tmp_path, POINTERS, "pointers_mod")
    assert b.counts() == (8, 0), b.describe()
    cases = {
        "squares": [(1,), (10,), (1000,)],
        "ints": [(1,), (11,), (500,)],
        "narrow": [(1,), (300,)],
        "in_parallel": [(1,), (1000,)],
        "sizes": [()],
        "walk": [(6,), (10,)],
        "null_is_false": [(0,), (1,)],
        # memset writes bytes: -1 for an int of 0xff bytes, NaN for a double.
        "filled": [(3, 0), (3, 1), (2, 255), (4, 127), (1, -1), (5, 0x1ab)],
    }
    for fn, arglist in cases.items():
        for args in arglist:
            want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
            assert want.ok and got.ok and same_value(want.value, got.value), (fn, args, want, got)


def _build(tmp_path, name, src):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(src))
    return run_compiler(path, outdir=tmp_path / "out")


HEAD = """
import cython
from cython.cimports.libc.stdlib import malloc, free
"""


def test_pointer_errors_are_located(tmp_path):
    for name, body, message, at in [
        ("void_index", "def f(n: cython.int) -> cython.double:\n    p = malloc(n * 8)\n    return p[0]\n",
         "cannot index `p`, a void*", ":8:12"),
        ("wrong_pointer", "def f(n: cython.int) -> cython.int:\n    p: cython.p_double = cython.cast(cython.p_double, malloc(8))\n    q: cython.p_int = p\n    return 0\n",
         "cannot convert double* to int* for `q`", ":8:5"),
        ("pointer_number", "def f(n: cython.int) -> cython.bint:\n    p: cython.p_double = cython.cast(cython.p_double, malloc(8))\n    return p == 0\n",
         "cannot compare a pointer with int", ":8:12"),
        ("void_arith", "def f(n: cython.int) -> cython.int:\n    p = malloc(8)\n    q = p + 1\n    return 0\n",
         "arithmetic on a void* (its element size is unknown)", ":8:9"),
        ("times_pointer", "def f(n: cython.int) -> cython.int:\n    p: cython.p_int = cython.cast(cython.p_int, malloc(8))\n    q = p * 2\n    return 0\n",
         "`*` is not defined on pointers", ":8:9"),
        ("add_pointers", "def f(n: cython.int) -> cython.int:\n    p: cython.p_int = cython.cast(cython.p_int, malloc(8))\n    q = p + p\n    return 0\n",
         "two pointers cannot be added", ":8:9"),
        ("free_number", "def f(n: cython.int) -> cython.int:\n    free(n)\n    return 0\n",
         "`free` expects void* here, got cython.int", ":7:10"),
    ]:
        b = _build(tmp_path, name, HEAD + "\n\n" + body)
        assert not b.ok, b.describe()
        assert "error: " + message in b.stderr and name + ".py" + at in b.stderr, b.describe()


def test_what_stays_python_still_runs(tmp_path):
    b, py, nat = _both(tmp_path, HEAD + """

def takes(p: cython.p_double) -> cython.double:
    return p[0]

def gives(n: cython.int):
    p: cython.p_double = cython.cast(cython.p_double, malloc(n * 8))
    return p

def addr(x: cython.double) -> cython.double:
    p: cython.p_double = cython.address(x)
    return p[0]
""", "pointers_left")
    # `addr` compiles: `x` lives in memory (`test_address_of_locals`).
    assert b.counts() == (1, 2), b.describe()
    for reason in ["it takes or returns a C pointer", "it returns a C pointer (double*)"]:
        assert reason in b.stderr, b.describe()
    assert nat.addr(2.5) == py.addr(2.5) == 2.5


POINTER_SIGNATURES = HEAD + """
Pt = cython.struct(x=cython.double, y=cython.double)


@cython.cfunc
def total(p: cython.p_double, n: cython.int) -> cython.double:
    s: cython.double = 0.0
    i: cython.int
    for i in range(n):
        s += p[i]
    return s


@cython.cfunc
def nth(p: cython.p_double, k: cython.int) -> cython.p_double:
    return p + k


@cython.cfunc
def fill(p: cython.pointer(Pt), n: cython.int, scale: cython.double) -> cython.pointer(Pt):
    i: cython.int
    for i in range(n):
        p[i].x = i * scale
        p[i].y = -i
    return p + (n - 1)


@cython.cfunc
def checked(p: cython.p_double, k: cython.int) -> cython.double:
    if k < 0:
        raise IndexError("negative k")
    return p[k]


def run(n: cython.int) -> cython.double:
    p: cython.p_double = cython.cast(cython.p_double, malloc(n * cython.sizeof(cython.double)))
    i: cython.int
    for i in range(n):
        p[i] = i * 1.5
    r: cython.double = total(p, n) + nth(p, n - 1)[0] * 100
    nth(p, 0)[0] = 7.0
    r += p[0] * 10000
    pts: cython.pointer(Pt) = cython.cast(cython.pointer(Pt), malloc(n * cython.sizeof(Pt)))
    last: cython.pointer(Pt) = fill(pts, n, 0.5)
    r += last.x * 1000000 + (last - pts) * 100000000 + last.y
    free(pts)
    free(p)
    return r


def raises(k: cython.int) -> cython.double:
    p: cython.p_double = cython.cast(cython.p_double, malloc(4 * cython.sizeof(cython.double)))
    i: cython.int
    for i in range(4):
        p[i] = 1.25 + i
    # On the error the block is not freed (32 bytes per call; no `try` here,
    # so that this function compiles).
    r: cython.double = checked(p, k)
    free(p)
    return r


def interpreted(n):
    # Untyped: `i` is an object, converted to a `Py_ssize_t` for `p[i]` as
    # Cython converts it; `total` is called natively.
    p = cython.cast(cython.p_double, malloc(n * 8))
    for i in range(n):
        p[i] = i
    return total(p, n)
"""


def test_cfuncs_take_and_return_pointers(tmp_path):
    """`@cython.cfunc`s with C pointers (to scalars, to structs) in their
    signatures are called natively from compiled code; they have no wrapper
    (Python cannot pass a pointer, as in Cython), so their `def` stays for
    interpreted callers, which pass the shim's pointers."""
    b, py, nat = _both(tmp_path, POINTER_SIGNATURES, "pointer_sigs")
    assert b.counts() == (7, 0), b.describe()
    for args in [(1,), (2,), (10,), (300,)]:
        want, got = call(py.run, args), call(nat.run, args)
        assert want.ok and got.ok and same_value(want.value, got.value), (args, want, got)
    for k in (0, 2, -1):
        want, got = call(py.raises, (k,)), call(nat.raises, (k,))
        assert (want.ok, want.exc_type, want.message) == (got.ok, got.exc_type, got.message), (k, want, got)
        if want.ok:
            assert same_value(want.value, got.value)
    assert nat.interpreted(5) == py.interpreted(5) == 10.0
    # No Python-visible compiled function takes a pointer: the module's
    # `total` is the residual's Python function.
    assert type(nat.total).__name__ == "function"
    from conftest import growth
    assert growth(lambda: (nat.run(8), call(nat.raises, (-1,)))) < 50


def test_pointer_argument_errors_are_located(tmp_path):
    for name, body, message, at in [
        ("wrong_elem", "@cython.cfunc\ndef g(p: cython.p_int) -> cython.int:\n    return p[0]\n\ndef f() -> cython.int:\n    q: cython.p_double = cython.NULL\n    return g(q)\n",
         "cannot convert double* to int* for `p`", ":12:12"),
        ("number_for_pointer", "@cython.cfunc\ndef g(p: cython.p_int) -> cython.int:\n    return p[0]\n\ndef f() -> cython.int:\n    return g(3)\n",
         "cannot convert int to int* for `p`", ":11:12"),
    ]:
        b = _build(tmp_path, name, HEAD + "\n\n" + body)
        assert not b.ok, b.describe()
        assert "error: " + message in b.stderr and name + ".py" + at in b.stderr, b.describe()


ADDRESSES = """
import cython
from cython.cimports.libc.string import memset


@cython.cfunc
def bump(p: cython.p_double, n: cython.int) -> cython.void:
    i: cython.int
    for i in range(n):
        p[i] += 1.0


def in_array(n: cython.int) -> cython.double:
    a: cython.double[8]
    i: cython.int
    for i in range(8):
        a[i] = i * 0.5
    bump(cython.address(a[2]), n)
    q: cython.p_double = cython.address(a[0])
    q[7] = 100.0
    s: cython.double = 0.0
    for i in range(8):
        s += a[i]
    return s


def in_view(m: cython.double[:, ::1], r: cython.int) -> cython.double:
    p: cython.p_double = cython.address(m[r, 0])
    bump(p, m.shape[1])
    memset(cython.address(m[0, 0]), 0, cython.sizeof(cython.double))
    return m[r, 0] + m[r, m.shape[1] - 1]


def ints(v: cython.int[:]) -> cython.long:
    p = cython.address(v[1])
    p[0] = -7
    return v[0] + v[1] * 10


def of_local(x: cython.double) -> cython.double:
    p: cython.p_double = cython.address(x)
    return p[0]
"""


def test_address_of_view_and_c_array_elements(tmp_path):
    """`cython.address(a[i])` of a C array, memoryview (any dimension) or
    element is a pointer into that memory: stores through it (directly, in
    a cfunc, by `memset`) land there, the index is checked as an element
    access is, and the buffer must be writable. The numbers are those
    Cython 3.3.1 gives for the same file (the shim's `address` copies)."""
    import array
    import numpy as np
    b = _build(tmp_path, "addr_mod", ADDRESSES)
    assert b.ok and b.counts() == (5, 0), b.describe()
    nat = import_extension("addr_mod", tmp_path / "out" / ("addr_mod" + SUFFIX))
    assert (nat.in_array(3), nat.in_array(0)) == (113.5, 110.5)
    m = np.arange(12.0).reshape(3, 4)
    assert nat.in_view(m, 1) == 13.0
    assert m.tolist() == [[0.0, 1.0, 2.0, 3.0], [5.0, 6.0, 7.0, 8.0], [8.0, 9.0, 10.0, 11.0]]
    v = array.array("i", [5, 6, 7])
    assert nat.ints(v) == -65 and list(v) == [5, -7, 7]
    got = call(nat.in_view, (m, 5))
    assert not got.ok and got.exc_type is IndexError and got.message == "Out of bounds on buffer access (axis 0)"
    ro = np.arange(12.0).reshape(3, 4)
    ro.setflags(write=False)
    got = call(nat.in_view, (ro, 0))
    assert not got.ok and got.exc_type is ValueError and "read-only" in got.message
    assert ro.tolist() == np.arange(12.0).reshape(3, 4).tolist()
    assert nat.of_local(2.5) == 2.5
    import sys
    from conftest import growth
    before = sys.getrefcount(m)
    assert growth(lambda: (nat.in_view(m, 2), call(nat.in_view, (m, 9)), nat.ints(v))) < 50
    assert sys.getrefcount(m) == before


LOCAL_ADDRESSES = """
import cython


@cython.cfunc
def twice(p: cython.p_double) -> cython.void:
    p[0] = p[0] * 2.0


@cython.cfunc
def divmod_into(a: cython.int, b: cython.int, q: cython.p_int, r: cython.p_int) -> cython.bint:
    if b == 0:
        return False
    q[0] = a // b
    r[0] = a % b
    return True


def scaled(x: cython.double, times: cython.int) -> cython.double:
    'Doubles x `times` times through its address.'
    i: cython.int
    for i in range(times):
        twice(cython.address(x))
    return x


def qr(a: cython.int, b: cython.int):
    q: cython.int = -1
    r: cython.int
    ok: cython.bint = divmod_into(a, b, cython.address(q), cython.address(r))
    if not ok:
        return None
    return (q, r)


def counter(n: cython.int) -> cython.long:
    total: cython.long = 0
    p: cython.p_long = cython.address(total)
    i: cython.int
    for i in range(n):
        p[0] += i
        total += 1
    return total


def loop_var(n: cython.int) -> cython.int:
    i: cython.int
    s: cython.int = 0
    for i in range(n):
        p: cython.p_int = cython.address(i)
        s += p[0]
    return s


def untyped(n: cython.int) -> cython.int:
    k = n
    p: cython.p_int = cython.address(k)
    return p[0]


def with_prange(n: cython.int) -> cython.double:
    s: cython.double = 0.0
    p: cython.p_double = cython.address(s)
    i: cython.int
    for i in prange(n, nogil=True):
        s += i
    return s + p[0] * 0.0
"""


def test_address_of_locals(tmp_path):
    """`cython.address(x)` of a local or parameter of a C number: the local
    lives in memory, so stores through the pointer (here in cfuncs) change
    it. The numbers are Cython 3.3.1's for the same file (the shim's
    `address` copies the value). Loop variables, untyped locals and
    functions with `prange` stay Python, saying why."""
    b = _build(tmp_path, "loc_mod", "from cython.parallel import prange\n" + LOCAL_ADDRESSES)
    assert b.ok and b.counts() == (5, 3), b.describe()
    for reason in ["the address of a loop variable is taken",
                   "it takes the address of the local `k`, not declared by an annotation",
                   "it takes the address of the local `s` in a function with `prange`/`parallel`"]:
        assert reason in b.stderr, (reason, b.describe())
    nat = import_extension("loc_mod", tmp_path / "out" / ("loc_mod" + SUFFIX))
    assert nat.scaled(1.5, 3) == 12.0 and nat.scaled(2.0, 0) == 2.0
    assert same_value(nat.scaled(-0.0, 2), -0.0)
    assert nat.scaled.__doc__ == "Doubles x `times` times through its address."
    assert (nat.qr(17, 5), nat.qr(-17, 5), nat.qr(1, 0)) == ((3, 2), (-4, 3), None)
    assert nat.counter(10) == 55 and nat.counter(0) == 0
    assert nat.loop_var(5) == 10 and nat.untyped(4) == 4 and nat.with_prange(4) == 6.0
    from conftest import growth
    assert growth(lambda: (nat.qr(17, 5), nat.qr(3, 0), nat.scaled(1.0, 4))) < 50


DECAY = """
import cython
from cython.cimports.libc.string import memset, memcpy


@cython.cfunc
def fill(p: cython.p_double, n: cython.int, v: cython.double) -> cython.void:
    i: cython.int
    for i in range(n):
        p[i] = v + i


@cython.cfunc
def total(p: cython.p_double, n: cython.int) -> cython.double:
    s: cython.double = 0.0
    i: cython.int
    for i in range(n):
        s += p[i]
    return s


def arrays(v: cython.double) -> cython.double:
    a: cython.double[4]
    b: cython.double[4]
    fill(a, 4, v)
    memcpy(b, a, 4 * cython.sizeof(cython.double))
    memset(a, 0, 2 * cython.sizeof(cython.double))
    p: cython.p_double = b
    return total(a, 4) * 100.0 + total(p, 4) + a[3]


def ints() -> cython.long:
    c: cython.int[3]
    c[0] = 7
    q: cython.p_int = c
    q[2] = -1
    return c[0] * 10 + c[2]
"""


def test_c_arrays_decay_to_pointers(tmp_path):
    """A one-dimensional C array where a pointer to its element type (or a
    `void*`) is wanted passes its first element's address, as C's arrays
    decay and Cython passes them: to cfuncs, to libc's functions, into a
    pointer local. The numbers are those Cython 3.3.1 gives for the same
    file (the shim has no C arrays)."""
    b = _build(tmp_path, "decay_mod", DECAY)
    assert b.ok and b.counts() == (4, 0), b.describe()
    nat = import_extension("decay_mod", tmp_path / "out" / ("decay_mod" + SUFFIX))
    # a = [0, 0, v+2, v+3]; b = [v, v+1, v+2, v+3]
    assert nat.arrays(1.5) == (3.5 + 4.5) * 100.0 + (1.5 + 2.5 + 3.5 + 4.5) + 4.5
    assert nat.ints() == 69


def test_a_memoryview_for_a_pointer_is_a_located_error(tmp_path):
    src = HEAD + "\n\n@cython.cfunc\ndef g(p: cython.p_double) -> cython.double:\n    return p[0]\n\ndef f(m: cython.double[::1]) -> cython.double:\n    return g(m)\n"
    b = _build(tmp_path, "view_for_pointer", src)
    assert not b.ok, b.describe()
    assert "error: `p` expects double*, got double[::1]" in b.stderr and "view_for_pointer.py:11:12" in b.stderr, b.describe()
    assert "cython.address(v[0])" in b.stderr, b.describe()
