"""Typed memoryviews (issue 5, first slice): parameters ``cython.T[:]``,
``T[:, :]``, ``T[:, ::1]`` … acquired through the buffer protocol; indexing,
stores, augmented stores, shape/strides/ndim/len, wraparound and bounds
checks, passing views between compiled functions.

Compared against NumPy, pure-Python references and the plain-Python run of
the same source (through the shim, with ``memoryview`` arguments, which
support the same indexing), plus error, directive and leak tests.
"""

import array
import gc
import itertools
import math
import sys
import tracemalloc

import numpy as np
import pytest

from conftest import PROGRAMS, same_value

# ---------------------------------------------------------------------------
# Element types
# ---------------------------------------------------------------------------

# cython type -> (numpy dtype, array.array typecode or None, C name in messages)
TYPES = {
    "char": (np.int8, "b", "char"),
    "uchar": (np.uint8, "B", "unsigned char"),
    "short": (np.int16, "h", "short"),
    "ushort": (np.uint16, "H", "unsigned short"),
    "int": (np.intc, "i", "int"),
    "uint": (np.uintc, "I", "unsigned int"),
    "long": (np.int_, "l", "long"),
    "ulong": (np.uint, "L", "unsigned long"),
    "longlong": (np.longlong, "q", "long long"),
    "ulonglong": (np.ulonglong, "Q", "unsigned long long"),
    "Py_ssize_t": (np.intp, "q", "Py_ssize_t"),
    "size_t": (np.uintp, "Q", "size_t"),
    "float": (np.float32, "f", "float"),
    "double": (np.float64, "d", "double"),
    "bint": (np.bool_, None, "bint"),
}
INT_TYPES = [t for t, (d, _, _) in TYPES.items() if np.dtype(d).kind in "iu"]

# buffer format -> name Cython reports for it ("... but got 'unsigned char'")
FORMAT_NAMES = {
    "c": "char", "b": "signed char", "B": "unsigned char", "h": "short",
    "H": "unsigned short", "i": "int", "I": "unsigned int", "l": "long",
    "L": "unsigned long", "q": "long long", "Q": "unsigned long long",
    "f": "float", "d": "double",
}
# which buffer formats each declared type accepts (same size and kind;
# long/longlong/Py_ssize_t are all 8 bytes on this platform).  The two
# char/uchar cases where Cython is more lenient are tested separately.
ACCEPTS = {
    "char": "bBc", "uchar": "bBc", "short": "h", "ushort": "H", "int": "i",
    "uint": "I", "long": "lq", "ulong": "LQ", "longlong": "lq",
    "ulonglong": "LQ", "Py_ssize_t": "lq", "size_t": "LQ", "float": "f",
    "double": "d", "bint": "?",
}


def is_float(t):
    return np.dtype(TYPES[t][0]).kind == "f"


def limits(t):
    info = np.iinfo(TYPES[t][0])
    return int(info.min), int(info.max)


def wrap(v, t):
    lo, hi = limits(t)
    span = hi - lo + 1
    return (v - lo) % span + lo


def sample_values(t, n, rng):
    """n values of type t as a NumPy array, edge values first."""
    dt = np.dtype(TYPES[t][0])
    if t == "bint":
        return rng.integers(0, 2, n).astype(bool)
    if dt.kind == "f":
        edge = [0.0, -0.0, 1.5, -2.25, 1e30, -3e-39, float("inf"), -float("inf"),
                float("nan"), 0.1]
        if t == "double":
            edge += [1e300, 5e-324, -1.7976931348623157e308]
        vals = np.concatenate([np.array(edge, dtype=dt), (rng.standard_normal(n) * 1e3).astype(dt)])
        return vals[:n] if n <= len(vals) else vals
    lo, hi = limits(t)
    edge = [lo, hi, 0, 1, lo + 1, hi - 1] + ([-1] if lo < 0 else [])
    vals = np.concatenate([np.array(edge, dtype=dt), rng.integers(lo, hi, n, dtype=dt, endpoint=True)])
    return vals[:n]


def store_values(t):
    """Python values to store into an array of type t."""
    if t == "bint":
        return [True, False]
    if is_float(t):
        vals = [0.0, -0.0, 2.5, -1e-3, 0.1, float("inf"), float("nan"), 123456.789]
        return vals + ([1e300, 5e-324] if t == "double" else [3e38])
    lo, hi = limits(t)
    return sorted({lo, hi, 0, 1, 42, lo + 7, hi // 3})


def make_source():
    parts = ["import cython\n"]
    for t in TYPES:
        T = "cython." + t
        P = "cython.Py_ssize_t"
        parts.append(f'''
def get1_{t}(a: {T}[:], i: {P}) -> {T}:
    return a[i]


def getc1_{t}(a: {T}[::1], i: {P}) -> {T}:
    return a[i]


def set1_{t}(a: {T}[:], i: {P}, v: {T}):
    a[i] = v


def get2_{t}(a: {T}[:, :], i: {P}, j: {P}) -> {T}:
    return a[i, j]


def get2c_{t}(a: {T}[:, ::1], i: {P}, j: {P}) -> {T}:
    return a[i, j]


def set2_{t}(a: {T}[:, :], i: {P}, j: {P}, v: {T}):
    a[i, j] = v


def set2c_{t}(a: {T}[:, ::1], i: {P}, j: {P}, v: {T}):
    a[i, j] = v


def get3_{t}(a: {T}[:, :, :], i: {P}, j: {P}, k: {P}) -> {T}:
    return a[i, j, k]


def set3c_{t}(a: {T}[:, :, ::1], i: {P}, j: {P}, k: {P}, v: {T}):
    a[i, j, k] = v


def dims_{t}(a: {T}[:, :, :]) -> {P}:
    return a.ndim * 1000000 + len(a) * 10000 + a.shape[1] * 100 + a.shape[2]


def copyrev2_{t}(src: {T}[:, :], dst: {T}[:, ::1]):
    i: {P}
    j: {P}
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[-1 - i, -1 - j]
''')
        if t != "bint":
            parts.append(f'''
def add1_{t}(a: {T}[:], i: {P}, v: {T}):
    a[i] += v


def add2_{t}(a: {T}[:, :], i: {P}, j: {P}, v: {T}):
    a[i, j] += v
''')
    return "\n".join(parts)


TYPED_SOURCE = make_source()


@pytest.fixture(scope="module")
def typed(pyc):
    return pyc.pair(TYPED_SOURCE, stem="views_types")


@pytest.fixture(scope="module")
def views(pyc):
    return pyc.pair("views")


# ---------------------------------------------------------------------------
# Layouts: (base array, the view passed); writes are checked on the base so
# stray writes outside a strided view are caught.
# ---------------------------------------------------------------------------

def layouts1(vals):
    n = len(vals)
    out = {}
    out["contig"] = (vals[:7].copy(),) * 2
    b = vals[:15].copy()
    out["step2"] = (b, b[::2])
    b = vals[:9].copy()
    out["reversed"] = (b, b[::-1])
    b = vals[:16].copy()
    out["offset_step3"] = (b, b[1::3])
    b = vals[:1].copy()
    out["one"] = (b, b)
    b = vals[:0].copy()
    out["empty"] = (b, b)
    assert n >= 16
    return out


def layouts2(vals):
    out = {}
    b = vals[:12].copy().reshape(3, 4)
    out["C"] = (b, b)
    b = np.asfortranarray(vals[:12].copy().reshape(3, 4))
    out["F"] = (b, b)
    b = vals[:12].copy().reshape(4, 3)
    out["transposed"] = (b, b.T)
    b = vals[:48].copy().reshape(6, 8)
    out["sliced"] = (b, b[1::2, ::-3])
    b = vals[:24].copy().reshape(6, 4)
    out["rows_step2"] = (b, b[::2, :])
    b = vals[:0].copy().reshape(0, 3)
    out["empty_rows"] = (b, b)
    b = vals[:0].copy().reshape(3, 0)
    out["empty_cols"] = (b, b)
    return out


def layouts3(vals):
    out = {}
    b = vals[:24].copy().reshape(2, 3, 4)
    out["C"] = (b, b)
    b = np.asfortranarray(vals[:24].copy().reshape(2, 3, 4))
    out["F"] = (b, b)
    b = vals[:24].copy().reshape(4, 2, 3)
    out["permuted"] = (b, b.transpose(1, 2, 0))
    b = vals[:90].copy().reshape(3, 6, 5)
    out["sliced"] = (b, b[::2, 1::2, ::-2])
    b = vals[:0].copy().reshape(2, 0, 3)
    out["empty"] = (b, b)
    return out


def all_indices(shape):
    """Every in-range index tuple, with negative spellings mixed in."""
    axes = [list(range(-n, n)) for n in shape]
    return list(itertools.product(*axes))


def oob_indices(shape):
    """(index tuple, axis the error must name) for out-of-range indices."""
    cases = []
    nd = len(shape)
    for ax in range(nd):
        for bad in (shape[ax], -shape[ax] - 1, shape[ax] + 1000):
            idx = [0] * nd
            # earlier axes in range (if possible) so the error names `ax`
            ok = all(shape[k] > 0 for k in range(ax))
            if not ok:
                continue
            idx[ax] = bad
            cases.append((tuple(idx), ax))
    return cases


def oob_msg(axis):
    return "Out of bounds on buffer access (axis %d)" % axis


def py_value(x):
    return x.item()


def check_get(fn, view, name):
    bad = []
    for idx in all_indices(view.shape):
        try:
            got = fn(view, *idx)
        except Exception as e:  # noqa: BLE001
            bad.append("%s%r raised %r" % (name, idx, e))
            continue
        exp = py_value(view[idx])
        if not same_value(exp, got):
            bad.append("%s%r: expected %r, got %r" % (name, idx, exp, got))
    for idx, ax in oob_indices(view.shape):
        try:
            got = fn(view, *idx)
            bad.append("%s%r: expected IndexError, got %r" % (name, idx, got))
        except IndexError as e:
            if str(e) != oob_msg(ax):
                bad.append("%s%r: message %r, expected %r" % (name, idx, str(e), oob_msg(ax)))
    assert not bad, "\n".join(bad[:20])


def check_set(fn, make, values, name, aug=None):
    """make() -> (base, view) fresh each time.  Every in-range index gets
    every value (compare the whole base with NumPy doing the same); every
    out-of-range index raises IndexError and writes nothing."""
    base, view = make()
    bad = []
    for idx in all_indices(view.shape)[:40]:
        for v in values:
            b1, v1 = make()
            b2, v2 = make()
            try:
                fn(v1, *idx, v)
            except Exception as e:  # noqa: BLE001
                bad.append("%s%r, %r raised %r" % (name, idx, v, e))
                continue
            if aug is None:
                v2[idx] = v
            else:
                v2[idx] = aug(v2[idx], v)
            if b1.tobytes() != b2.tobytes():
                bad.append("%s%r, %r: base became %r, expected %r" % (name, idx, v, b1, b2))
    for idx, ax in oob_indices(view.shape):
        b1, v1 = make()
        before = b1.tobytes()
        try:
            fn(v1, *idx, values[-1])
            bad.append("%s%r: expected IndexError" % (name, idx))
        except IndexError as e:
            if str(e) != oob_msg(ax):
                bad.append("%s%r: message %r" % (name, idx, str(e)))
        if b1.tobytes() != before:
            bad.append("%s%r: out-of-bounds store changed the array" % (name, idx))
    assert not bad, "\n".join(bad[:20])


def fresh(layout_fn, vals, key):
    def make():
        return layout_fn(vals)[key]
    return make


# ---------------------------------------------------------------------------
# Every element type × layout, against NumPy
# ---------------------------------------------------------------------------

def test_typed_program_all_native(typed):
    counts = typed.build.counts()
    assert counts is not None and counts[1] == 0, typed.build.stderr


@pytest.mark.parametrize("t", list(TYPES))
def test_get_1d(typed, t):
    rng = np.random.default_rng(1)
    vals = sample_values(t, 20, rng)
    for key, (base, view) in layouts1(vals).items():
        check_get(typed.fn("get1_" + t), view, "get1_%s[%s]" % (t, key))
        if view.flags["C_CONTIGUOUS"]:
            check_get(typed.fn("getc1_" + t), view, "getc1_%s[%s]" % (t, key))
        else:
            with pytest.raises(ValueError, match="^ndarray is not C-contiguous$"):
                typed.fn("getc1_" + t)(view, 0)


@pytest.mark.parametrize("t", list(TYPES))
def test_get_2d(typed, t):
    rng = np.random.default_rng(2)
    vals = sample_values(t, 60, rng)
    for key, (base, view) in layouts2(vals).items():
        check_get(typed.fn("get2_" + t), view, "get2_%s[%s]" % (t, key))
        if key in ("C", "empty_rows", "empty_cols"):
            check_get(typed.fn("get2c_" + t), view, "get2c_%s[%s]" % (t, key))
        elif key in ("F", "transposed", "sliced"):
            with pytest.raises(ValueError, match="^ndarray is not C-contiguous$"):
                typed.fn("get2c_" + t)(view, 0, 0)


@pytest.mark.parametrize("t", list(TYPES))
def test_get_3d_and_dims(typed, t):
    rng = np.random.default_rng(3)
    vals = sample_values(t, 100, rng)
    for key, (base, view) in layouts3(vals).items():
        check_get(typed.fn("get3_" + t), view, "get3_%s[%s]" % (t, key))
        s = view.shape
        assert typed.fn("dims_" + t)(view) == 3000000 + s[0] * 10000 + s[1] * 100 + s[2], key


@pytest.mark.parametrize("t", list(TYPES))
def test_set_1d_2d_3d(typed, t):
    rng = np.random.default_rng(4)
    vals = sample_values(t, 100, rng)
    values = store_values(t)
    for key in layouts1(vals):
        check_set(typed.fn("set1_" + t), fresh(layouts1, vals, key), values, "set1_%s[%s]" % (t, key))
    for key in layouts2(vals):
        check_set(typed.fn("set2_" + t), fresh(layouts2, vals, key), values, "set2_%s[%s]" % (t, key))
        if key in ("C", "empty_rows"):
            check_set(typed.fn("set2c_" + t), fresh(layouts2, vals, key), values,
                      "set2c_%s[%s]" % (t, key))
    for key in ("C", "empty"):
        check_set(typed.fn("set3c_" + t), fresh(layouts3, vals, key), values, "set3c_%s[%s]" % (t, key))


@pytest.mark.parametrize("t", [t for t in TYPES if t != "bint"])
def test_augmented_store(typed, t):
    rng = np.random.default_rng(5)
    vals = sample_values(t, 100, rng)
    dt = TYPES[t][0]
    if is_float(t):
        def aug(old, v):
            with np.errstate(all="ignore"):
                return dt(old) + dt(v)    # arithmetic in the element type
        values = [0.5, -3.25, 1e10, float("inf")]
    else:
        def aug(old, v):
            return dt(wrap(int(old) + int(v), t))   # C integer wraparound
        lo, hi = limits(t)
        values = [1, -1 if lo < 0 else 3, hi, lo + 1]
    for key in ("contig", "reversed", "step2"):
        check_set(typed.fn("add1_" + t), fresh(layouts1, vals, key), values,
                  "add1_%s[%s]" % (t, key), aug=aug)
    for key in ("C", "F", "sliced"):
        check_set(typed.fn("add2_" + t), fresh(layouts2, vals, key), values,
                  "add2_%s[%s]" % (t, key), aug=aug)


@pytest.mark.parametrize("t", list(TYPES))
def test_copy_with_negative_indices(typed, t):
    rng = np.random.default_rng(6)
    vals = sample_values(t, 100, rng)
    for key, (base, src) in layouts2(vals).items():
        dst = np.zeros(src.shape, dtype=src.dtype)
        typed.fn("copyrev2_" + t)(src, dst)
        assert dst.tobytes() == src[::-1, ::-1].copy().tobytes(), key


@pytest.mark.parametrize("t", [t for t in TYPES if TYPES[t][1]])
def test_array_array_and_memoryview_exporters(typed, t):
    """array.array, memoryview of it, memoryview.cast to 2-D/3-D, strided and
    reversed memoryviews; writes land in the array.array."""
    dt, code, _ = TYPES[t]
    rng = np.random.default_rng(7)
    vals = [py_value(v) for v in sample_values(t, 24, rng)]
    arr = array.array(code, vals)
    get1, set1 = typed.fn("get1_" + t), typed.fn("set1_" + t)
    for i in range(-24, 24):
        assert same_value(arr[i], get1(arr, i))
        assert same_value(arr[i], get1(memoryview(arr), i))
    mv = memoryview(arr)
    for view in (mv[::3], mv[::-1], mv[5:6], mv[3:3]):
        for i in range(-len(view), len(view)):
            assert same_value(view[i], get1(view, i))
        with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
            get1(view, len(view))
    m2 = mv.cast("B").cast(code, [4, 6])
    m3 = mv.cast("B").cast(code, [2, 3, 4])
    for i in range(-4, 4):
        for j in range(-6, 6):
            assert same_value(m2[i, j], typed.fn("get2_" + t)(m2, i, j))
            assert same_value(m2[i, j], typed.fn("get2c_" + t)(m2, i, j))
    for idx in all_indices((2, 3, 4)):
        assert same_value(m3[idx], typed.fn("get3_" + t)(m3, *idx))
    # writes through every route are visible in the array.array
    v = store_values(t)[-1]
    set1(arr, -1, v)
    set1(mv[::-2], 1, v)
    typed.fn("set2c_" + t)(m2, 1, 0, v)
    typed.fn("set3c_" + t)(m3, 0, 0, 0, v)
    exp = list(vals)
    exp[-1] = exp[-3] = exp[6] = exp[0] = arr[0]
    assert same_value(arr.tolist(), exp)
    del m2, m3, mv, view
    arr.append(arr[0])   # no buffer still exported


def test_bint_arrays(typed):
    """bint[:] reads NumPy bool arrays and '?' buffers as bool; stores any
    truth value as 0/1."""
    x = np.array([True, False, False, True, True])
    assert [typed.fn("get1_bint")(x, i) for i in range(-5, 5)] == [bool(v) for v in np.r_[x, x]]
    raw = bytearray([1, 0, 1])
    mv = memoryview(raw).cast("?")
    assert [typed.fn("get1_bint")(mv, i) for i in range(3)] == [True, False, True]
    typed.fn("set1_bint")(mv, 1, 7)      # truth value -> 1
    typed.fn("set1_bint")(mv, 0, 0.0)
    assert raw == bytearray([0, 1, 1])
    y = np.zeros((2, 3), dtype=bool)
    typed.fn("set2c_bint")(y, -1, -1, [1])
    assert y.tolist() == [[False] * 3, [False, False, True]]
    del mv
    raw.append(0)


def test_rows_step_view_for_c_contiguous_last_axis(typed):
    """``T[:, ::1]`` given an array whose last axis is contiguous but whose
    rows are strided (NumPy ``a[::2, :]``): Cython rejects it (it asks for a
    C-contiguous buffer); pyc-aot may accept it, but then must index it by
    its real strides."""
    base = np.arange(48, dtype=np.float64).reshape(8, 6)
    view = base[::2, :]
    f = typed.fn("get2c_double")
    try:
        f(view, 0, 0)
    except ValueError as e:
        assert str(e) == "ndarray is not C-contiguous"
        return
    check_get(f, view, "get2c_double[rows_step2]")
    base2 = base.copy()
    typed.fn("set2c_double")(base[::2, :], 3, -1, -5.0)
    base2[::2, :][3, -1] = -5.0
    assert base.tobytes() == base2.tobytes()


# ---------------------------------------------------------------------------
# The plain-Python run of the typed program (shim, memoryview arguments)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("t", list(TYPES))
def test_shim_typed_program_same(typed, t):
    rng = np.random.default_rng(8)
    vals = sample_values(t, 100, rng)
    bad = []

    def both(name, make_args, idx_list):
        for idx in idx_list:
            outs = []
            bases = []
            for mod, wrapmv in ((typed.native, False), (typed.py, True)):
                base, view = make_args()
                arg = memoryview(view) if wrapmv else view
                try:
                    r = ("ok", getattr(mod, name)(arg, *idx))
                except IndexError:
                    r = ("IndexError",)
                outs.append(r)
                bases.append(base.tobytes())
            if not (outs[0][0] == outs[1][0] and (len(outs[0]) == 1 or same_value(outs[0][1], outs[1][1]))
                    and bases[0] == bases[1]):
                bad.append("%s%r: compiled %r, Python %r" % (name, idx, outs[0], outs[1]))

    vs = store_values(t)
    v = vs[2 % len(vs)]
    for key in layouts1(vals):
        mk = fresh(layouts1, vals, key)
        n = len(mk()[1])
        both("get1_" + t, mk, [(i,) for i in range(-n - 1, n + 1)])
        both("set1_" + t, mk, [(i, v) for i in range(-n - 1, n + 1)])
    for key in layouts2(vals):
        mk = fresh(layouts2, vals, key)
        shape = mk()[1].shape
        idx = all_indices(shape) + [i for i, _ in oob_indices(shape)]
        both("get2_" + t, mk, idx)
        both("set2_" + t, mk, [i + (v,) for i in idx])
    for key in layouts3(vals):
        mk = fresh(layouts3, vals, key)
        shape = mk()[1].shape
        both("get3_" + t, mk, all_indices(shape)[::5] + [i for i, _ in oob_indices(shape)])
        both("dims_" + t, mk, [()])
    assert not bad, "\n".join(bad[:20])


# ---------------------------------------------------------------------------
# Kernels against NumPy / pure Python, and the plain-Python run
# ---------------------------------------------------------------------------

SIZES = [0, 1, 2, 3, 5, 8, 17, 64, 257]

VIEWS_FUNCS = [
    "dot", "dot_fast", "sum_long", "sum_int_backwards", "sum2", "sum3", "count_true",
    "argmax", "saxpy", "saxpy_aug", "saxpy_f32", "axpby", "copy_f32", "reverse_inplace", "scale_rows",
    "fill3", "matmul", "matmul_fast", "histogram", "histogram_u8", "stencil",
    "stencil_strided", "_row_dot", "matvec", "_bump", "aug_index_once",
    "shape_code", "strides_code",
]


def test_views_program_all_native(views):
    for name in VIEWS_FUNCS:
        views.assert_native(name)
    assert views.build.counts() == (len(VIEWS_FUNCS), 0), views.build.stdout + views.build.stderr


def py_dot(a, b):
    s = 0.0
    for x, y in zip(a.tolist(), b.tolist()):
        s += x * y
    return s


def test_dot(views):
    rng = np.random.default_rng(10)
    for n in SIZES:
        a = rng.standard_normal(2 * n + 1)
        b = rng.standard_normal(2 * n + 1)
        for x, y in ((a[:n], b[:n]), (a[::2], b[1::2]), (a[::-2], b[:n + 1]), (a[:n], a[:n])):
            x = x[:min(len(x), len(y))]
            y = y[:len(x)]
            exp = py_dot(x, y)
            got = views.fn("dot")(x, y)
            assert same_value(exp, got), (n, exp, got)
            assert math.isclose(got, float(np.dot(x, y)), rel_tol=1e-9, abs_tol=1e-9)
            if x.flags["C_CONTIGUOUS"] and y.flags["C_CONTIGUOUS"]:
                assert same_value(exp, views.fn("dot_fast")(x, y))
        # array.array and memoryview exporters
        aa, bb = array.array("d", a[:n].tolist()), array.array("d", b[:n].tolist())
        assert same_value(py_dot(a[:n], b[:n]), views.fn("dot")(aa, memoryview(bb)))
        assert same_value(py_dot(a[:n], b[:n]), views.fn("dot_fast")(memoryview(aa), bb))
    # b shorter than a: bounds check fires in dot, not in dot_fast's caller
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        views.fn("dot")(np.ones(4), np.ones(3))


def test_reductions(views):
    rng = np.random.default_rng(11)
    for n in SIZES:
        la = rng.integers(-10 ** 12, 10 ** 12, n).astype(np.int_)
        assert views.fn("sum_long")(la) == sum(la.tolist())
        assert views.fn("sum_long")(la[::-3]) == sum(la[::-3].tolist())
        assert views.fn("sum_long")(array.array("l", la.tolist())) == sum(la.tolist())
        ia = rng.integers(-1000, 1000, min(n, 30)).astype(np.intc)
        exp = 0
        for v in ia.tolist()[::-1]:
            exp = exp * 3 + v
        assert views.fn("sum_int_backwards")(ia) == exp
        bo = rng.integers(0, 2, n).astype(bool)
        assert views.fn("count_true")(bo) == int(bo.sum())
        assert views.fn("count_true")(bo[::2]) == int(bo[::2].sum())
        fa = rng.standard_normal(n).astype(np.float32)
        assert views.fn("argmax")(fa) == (int(np.argmax(fa)) if n else -1)
        assert views.fn("argmax")(fa[::-1]) == (int(np.argmax(fa[::-1])) if n else -1)
    for shape in ((0, 0), (1, 1), (3, 4), (17, 5), (4, 33)):
        m = rng.standard_normal(shape)
        for x in (m, m.T, np.asfortranarray(m), m[::2, ::-1]):
            exp = 0.0
            for row in x.tolist():
                for v in row:
                    exp += v
            assert same_value(exp, views.fn("sum2")(x))
    for shape in ((2, 3, 4), (0, 2, 2), (3, 1, 5), (4, 4, 4)):
        t = rng.integers(-50, 50, shape).astype(np.longlong)
        for x in (t, t.transpose(2, 0, 1), t[::-1, :, ::2], np.asfortranarray(t)):
            exp = 0
            for v in x.ravel(order="C").tolist():
                exp = exp * 7 + v
            exp = (exp + 2 ** 63) % 2 ** 64 - 2 ** 63     # longlong wraps
            assert views.fn("sum3")(x) == exp


def test_saxpy_in_place(views):
    rng = np.random.default_rng(12)
    for n in SIZES:
        for alpha in (0.0, 1.0, -2.5, 1e-3, float("inf")):
            x = rng.standard_normal(n)
            y = rng.standard_normal(n)
            exp = alpha * x + y
            for name in ("saxpy", "saxpy_aug"):
                y1 = y.copy()
                assert views.fn(name)(alpha, x, y1) is None
                assert y1.tobytes() == exp.tobytes(), (name, n, alpha)
            # strided output: only every other element of the base changes
            base = np.tile(y, 2) if n else np.zeros(0)
            base2 = base.copy()
            views.fn("saxpy")(alpha, x, base[::2])
            base2[::2] = alpha * x + base2[::2]
            assert base.tobytes() == base2.tobytes()
            # float32: arithmetic in single precision, like NumPy's
            xf = x.astype(np.float32)
            yf = y.astype(np.float32)
            expf = np.float32(alpha) * xf + yf
            views.fn("saxpy_f32")(alpha, xf, yf)
            assert yf.tobytes() == expf.tobytes(), (n, alpha)
    # aliasing: x and y the same array
    x = rng.standard_normal(10)
    exp = 3.0 * x + x
    views.fn("saxpy")(3.0, x, x)
    assert x.tobytes() == exp.tobytes()
    # array.array output is written in place
    y = array.array("d", [1.0, 2.0, 3.0])
    views.fn("saxpy_aug")(2.0, array.array("d", [10.0, 20.0, 30.0]), y)
    assert y.tolist() == [21.0, 42.0, 63.0]


def scalar_loop(name, alpha, x, y, out=None):
    """The scalar semantics of the element-wise kernels, element by element
    on the real memory (so overlapping arguments behave as they must)."""
    n = len(x)
    for i in range(n):
        if name in ("saxpy", "saxpy_f32"):
            if name == "saxpy_f32":
                y[i] = np.float32(alpha) * x[i] + y[i]
            else:
                y[i] = alpha * x[i] + y[i]
        elif name == "saxpy_aug":
            y[i] += alpha * x[i]
        elif name == "axpby":
            out[i] = x[i] * 2.0 + y[i] * 0.5
        elif name == "copy_f32":
            y[i] = x[i] * np.float32(1.5)


def test_elementwise_loops_with_overlapping_and_short_arguments(views):
    """Element-wise loops over contiguous views (candidates for
    vectorisation) must behave like the scalar loop: overlapping arguments
    (the output one element ahead of or behind the input), every length
    around the vector width, and a too-short output (IndexError at the
    first missing element, everything before it written)."""
    rng = np.random.default_rng(21)
    bad = []
    for n in list(range(0, 19)) + [31, 64, 101]:
        for dt, names in ((np.float64, ("saxpy", "saxpy_aug", "axpby")), (np.float32, ("saxpy_f32", "copy_f32"))):
            for name in names:
                for shift in (0, 1, -1, 2, -3, None):
                    base = (rng.standard_normal(n + 8) * 10).astype(dt)
                    b1, b2 = base.copy(), base.copy()

                    def split(b):
                        if shift is None:           # separate arrays
                            return b[:n], b[:n].copy()
                        lo = 4
                        return b[lo:lo + n], b[lo + shift:lo + shift + n]
                    x1, y1 = split(b1)
                    x2, y2 = split(b2)
                    if name == "axpby":
                        views.fn(name)(x1, x1.copy(), y1)
                        scalar_loop(name, 0, x2, x2.copy(), y2)
                    elif name == "copy_f32":
                        views.fn(name)(x1, y1)
                        scalar_loop(name, 0, x2, y2)
                    else:
                        views.fn(name)(1.25, x1, y1)
                        scalar_loop(name, 1.25, x2, y2)
                    if b1.tobytes() != b2.tobytes() or (shift is None and y1.tobytes() != y2.tobytes()):
                        bad.append("%s n=%d shift=%s" % (name, n, shift))
    # too-short output with bounds checks on
    for n in (1, 2, 5, 8, 9, 17):
        x = np.arange(n + 3, dtype=np.float64)
        y = np.zeros(n)
        with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
            views.fn("saxpy")(2.0, x, y)
        assert y.tolist() == (2.0 * x[:n]).tolist()
        out = np.full(n, -1.0)
        with pytest.raises(IndexError):
            views.fn("axpby")(x, x, out)
        assert out.tolist() == (x[:n] * 2.0 + x[:n] * 0.5).tolist()
    assert not bad, "\n".join(bad[:20])


def test_reverse_scale_fill(views):
    rng = np.random.default_rng(13)
    for n in SIZES:
        s = rng.integers(-30000, 30000, n).astype(np.int16)
        for x in (s.copy(), s.copy()[::-1], np.tile(s, 2)[::2]):
            exp = x[::-1].copy()
            views.fn("reverse_inplace")(x)
            assert x.tolist() == exp.tolist()
    a = array.array("h", range(7))
    views.fn("reverse_inplace")(a)
    assert a.tolist() == list(range(6, -1, -1))
    m = rng.standard_normal((5, 7))
    f = rng.standard_normal(5)
    for x in (m.copy(), np.asfortranarray(m), m.copy().T.copy().T):
        views.fn("scale_rows")(x, f)
        assert (x == m * f[:, None]).all()
    t = np.full((3, 4, 5), -1, dtype=np.intc)
    views.fn("fill3")(t)
    i, j, k = np.indices(t.shape)
    assert (t == i * 100 + j * 10 + k).all()


def py_matmul(a, b):
    (n, m), p = a.shape, b.shape[1]
    a, b = a.tolist(), b.tolist()
    out = []
    for i in range(n):
        row = []
        for j in range(p):
            s = 0.0
            for k in range(m):
                s += a[i][k] * b[k][j]
            row.append(s)
        out.append(row)
    return out


def test_matmul_into_output(views):
    rng = np.random.default_rng(14)
    for n, m, p in ((0, 0, 0), (1, 1, 1), (2, 3, 4), (5, 1, 3), (7, 8, 6), (16, 16, 16), (3, 0, 2)):
        a = rng.standard_normal((n, m))
        b = rng.standard_normal((m, p))
        exp = py_matmul(a, b)
        for aa, bb in ((a, b), (np.asfortranarray(a), b.T.copy().T), (a, np.asfortranarray(b))):
            out = np.full((n, p), np.nan)
            views.fn("matmul")(aa, bb, out)
            assert out.tolist() == exp
            np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)
        out = np.full((n, p), np.nan)
        views.fn("matmul_fast")(a, b, out)
        assert out.tolist() == exp
        # matvec passes the 2-D view and a row index to a compiled helper
        x = rng.standard_normal(m)
        y = np.full(n, np.nan)
        views.fn("matvec")(a, x, y)
        assert y.tolist() == [py_dot(a[i], x) for i in range(n)]
    # output of the wrong shape: IndexError from the store, earlier rows written
    a = np.ones((3, 2))
    out = np.zeros((2, 2))
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        views.fn("matmul")(a, np.ones((2, 2)), out)
    assert out.tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_histogram(views):
    rng = np.random.default_rng(15)
    for n in SIZES + [5000]:
        data = rng.integers(-300, 300, n).astype(np.intc)
        for lo, width, nb in ((-300, 1, 600), (-100, 7, 20), (0, 50, 3), (-300, 600, 1)):
            counts = np.zeros(nb, dtype=np.int_)
            exp = [0] * nb
            outside = 0
            for v in data.tolist():
                b = (v - lo) // width
                if 0 <= b < nb:
                    exp[b] += 1
                else:
                    outside += 1
            assert views.fn("histogram")(data, counts, lo, width) == outside
            assert counts.tolist() == exp
            counts2 = np.zeros(nb, dtype=np.int_)
            views.fn("histogram")(array.array("i", data.tolist()), counts2, lo, width)
            assert counts2.tolist() == exp
        u8 = rng.integers(0, 256, n).astype(np.uint8)
        c = np.zeros(256, dtype=np.uintc)
        views.fn("histogram_u8")(u8, c)
        assert c.tolist() == np.bincount(u8, minlength=256).tolist()
        c = array.array("I", [0] * 256)
        views.fn("histogram_u8")(bytearray(u8.tobytes()), c)   # bytearray exporter
        assert c.tolist() == np.bincount(u8, minlength=256).tolist()
    # too few bins for uchar data: IndexError, counts before it were stored
    c = np.zeros(10, dtype=np.uintc)
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        views.fn("histogram_u8")(bytes([1, 2, 200, 3]), c)
    assert c.tolist() == [0, 1, 1] + [0] * 7


def np_stencil(img, out):
    out[1:-1, 1:-1] = (img[:-2, 1:-1] + img[2:, 1:-1] + img[1:-1, :-2]
                       + img[1:-1, 2:] + img[1:-1, 1:-1]) * 0.2


def test_stencil(views):
    rng = np.random.default_rng(16)
    for shape in ((0, 0), (1, 5), (2, 2), (3, 3), (4, 7), (31, 17), (64, 64)):
        img = rng.standard_normal(shape)
        exp = np.full(shape, -1.0)
        if min(shape) >= 3:
            np_stencil(img, exp)
        out = np.full(shape, -1.0)
        views.fn("stencil")(img, out)
        assert out.tobytes() == exp.tobytes(), shape
        # strided version over a transposed/fortran/sliced input and output
        for src in (np.asfortranarray(img), img.T.copy().T):
            out = np.asfortranarray(np.full(shape, -1.0))
            views.fn("stencil_strided")(src, out)
            assert out.tobytes() == exp.tobytes(), shape
        big = np.full((shape[0] * 2, shape[1] * 3), -1.0)
        views.fn("stencil_strided")(img, big[::2, ::3])
        ref = np.full(big.shape, -1.0)
        ref[::2, ::3] = exp
        assert big.tobytes() == ref.tobytes()


def test_augmented_store_index_evaluated_once(views):
    a = np.zeros((4, 4))
    c = np.zeros(1, dtype=np.int_)
    views.fn("aug_index_once")(a, c)
    assert c.tolist() == [2]
    exp = np.zeros((4, 4))
    exp[1, 2] = 10.0
    assert a.tolist() == exp.tolist()


def test_augmented_store_index_oob(views):
    a = np.zeros((4, 4))
    c = np.array([2], dtype=np.int_)
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 1\)$"):
        views.fn("aug_index_once")(a, c)
    assert c.tolist() == [4]            # each index evaluated once, before the check
    assert not a.any()


def test_shape_strides_ndim_len(views):
    base = np.zeros((5, 6, 7))
    for x in (base, base.transpose(2, 0, 1), base[::2, 1:, ::-3], np.asfortranarray(base),
              np.zeros((0, 3, 2)), np.zeros((2, 0, 0))):
        s = x.shape
        assert views.fn("shape_code")(x) == s[0] * 100000000 + 3000000 + s[0] * 10000 + s[1] * 100 + s[2]
        st = memoryview(x).strides     # NumPy's own .strides differ for empty arrays
        assert views.fn("strides_code")(x) == st[0] * 1000000 + st[1] * 1000 + st[2]
    m = memoryview(array.array("d", range(24))).cast("B").cast("d", [2, 3, 4])
    assert views.fn("strides_code")(m) == 96 * 1000000 + 32 * 1000 + 8


def to_mv(x):
    return memoryview(x) if isinstance(x, np.ndarray) else x


def kernel_cases():
    """(function, argument-builder) for the shim comparison; builders return
    fresh arguments each call."""
    rng = np.random.default_rng(17)
    a = rng.standard_normal(33)
    b = rng.standard_normal(33)
    m1 = rng.standard_normal((6, 5))
    m2 = rng.standard_normal((5, 4))
    img = rng.standard_normal((9, 8))
    data = rng.integers(-50, 50, 200).astype(np.intc)
    u8 = rng.integers(0, 256, 300).astype(np.uint8)
    t3 = rng.integers(-9, 9, (3, 2, 6)).astype(np.longlong)
    cases = [
        ("dot", lambda: (a, b)),
        ("dot", lambda: (a[::2], b[::-2])),
        ("dot_fast", lambda: (a, b)),
        ("sum_long", lambda: (rng.integers(-99, 99, 40).astype(np.int_),)),
        ("sum_int_backwards", lambda: (data[:20].copy(),)),
        ("sum2", lambda: (m1.T,)),
        ("sum3", lambda: (t3[:, ::-1, ::2],)),     # 18 elements: no int64 wraparound
        ("count_true", lambda: (data > 0,)),
        ("argmax", lambda: (a.astype(np.float32)[::3],)),
        ("saxpy", lambda: (1.5, a, b.copy())),
        ("saxpy_aug", lambda: (-0.5, a[::3], b[::3].copy())),
        ("reverse_inplace", lambda: (data[:31].astype(np.int16),)),
        ("scale_rows", lambda: (np.asfortranarray(m1), a[:6])),
        ("fill3", lambda: (np.zeros((2, 3, 4), dtype=np.intc),)),
        ("matmul", lambda: (m1, m2, np.zeros((6, 4)))),
        ("matmul_fast", lambda: (m1, m2, np.zeros((6, 4)))),
        ("matmul", lambda: (m1, m2, np.zeros((5, 4)))),        # IndexError part-way
        ("histogram", lambda: (data, np.zeros(9, dtype=np.int_), -40, 10)),
        ("histogram_u8", lambda: (u8, np.zeros(256, dtype=np.uintc))),
        ("stencil", lambda: (img, np.zeros((9, 8)))),
        ("stencil_strided", lambda: (img.T, np.zeros((8, 9)))),
        ("matvec", lambda: (m1, a[:5], np.zeros(6))),
        ("aug_index_once", lambda: (np.zeros((4, 4)), np.zeros(1, dtype=np.int_))),
        ("aug_index_once", lambda: (np.zeros((4, 4)), np.array([2], dtype=np.int_))),
        ("shape_code", lambda: (np.zeros((3, 4, 5))[::-1],)),
        ("strides_code", lambda: (np.zeros((3, 4, 5))[:, ::2, ::-1],)),
        ("dot", lambda: (a, b[:3])),
    ]
    return cases


def test_shim_views_program_same(views):
    """The plain-Python run of tests/programs/views.py (memoryview arguments)
    gives the same results, the same array contents and the same exception
    classes as the compiled module."""
    bad = []
    for name, mk in kernel_cases():
        args = mk()
        nat_args = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
        py_args = [to_mv(x.copy() if isinstance(x, np.ndarray) else x) for x in args]
        res = []
        for fn, a in ((views.fn(name), nat_args), (getattr(views.py, name), py_args)):
            try:
                res.append(("ok", fn(*a)))
            except Exception as e:  # noqa: BLE001
                res.append((type(e).__name__,))
        if res[0][0] != res[1][0] or (res[0][0] == "ok" and not same_value(res[0][1], res[1][1])):
            bad.append("%s: compiled %r, Python %r" % (name, res[0], res[1]))
        for x, y in zip(nat_args, py_args):
            if isinstance(x, np.ndarray) and x.tobytes() != y.obj.tobytes():
                bad.append("%s: arrays differ after the call" % name)
    assert not bad, "\n".join(bad)


# ---------------------------------------------------------------------------
# Directives: boundscheck(False) / wraparound(False), decorator and comment
# ---------------------------------------------------------------------------

NEGATIVE_INDEX_FUNCS = {"sum_int_backwards", "reverse_inplace"}


def test_views_program_with_checks_off_same_in_range(pyc, views):
    src = "# cython: boundscheck=False, wraparound=False\n" + (PROGRAMS / "views.py").read_text()
    nochk = pyc.pair(src, stem="views_nocheck")
    assert nochk.build.counts() == (len(VIEWS_FUNCS), 0)
    bad = []
    for name, mk in kernel_cases():
        if name in NEGATIVE_INDEX_FUNCS or name == "aug_index_once":
            continue
        args = mk()
        if name == "matmul" and args[2].shape[0] != 6 or name == "dot" and len(args[1]) < len(args[0]):
            continue      # out of range on purpose: undefined without checks
        a1 = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
        a2 = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
        r1 = views.fn(name)(*a1)
        r2 = nochk.fn(name)(*a2)
        if not same_value(r1, r2):
            bad.append("%s: %r vs %r" % (name, r1, r2))
        for x, y in zip(a1, a2):
            if isinstance(x, np.ndarray) and x.tobytes() != y.tobytes():
                bad.append("%s: arrays differ" % name)
    assert not bad, "\n".join(bad)


DIRECTIVES = '''
import cython


@cython.wraparound(False)
def nowrap(a: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    return a[i]


@cython.boundscheck(False)
def nobounds(a: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    return a[i]


@cython.boundscheck(False)
@cython.wraparound(False)
def neither2(a: cython.int[:, :], i: cython.Py_ssize_t, j: cython.Py_ssize_t) -> cython.int:
    return a[i, j]


@cython.boundscheck(False)
def nobounds_store(a: cython.double[:, :], i: cython.Py_ssize_t, j: cython.Py_ssize_t, v: cython.double):
    a[i, j] += v


@cython.wraparound(False)
def nowrap_store(a: cython.double[:], i: cython.Py_ssize_t, v: cython.double):
    a[i] = v


def checked(a: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    return a[i]
'''

DIRECTIVES_COMMENT = '''# cython: wraparound=False
import cython


def nowrap(a: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    return a[i]


@cython.wraparound(True)
def wrap_again(a: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    return a[i]
'''


def test_directive_decorators(pyc):
    m = pyc.pair(DIRECTIVES, stem="views_directives")
    x = np.arange(10.0) * 1.5
    n = len(x)
    for i in range(n):
        for name in ("nowrap", "nobounds", "checked"):
            assert m.fn(name)(x, i) == x[i]
            assert m.fn(name)(x[::-3], i % 4) == x[::-3][i % 4]
    for i in range(-n, 0):
        # wraparound(False) with bounds checks on: a negative index is out of bounds
        with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
            m.fn("nowrap")(x, i)
        with pytest.raises(IndexError):
            m.fn("nowrap_store")(x, i, 0.0)
        # boundscheck(False) keeps wraparound: negative indices still wrap
        assert m.fn("nobounds")(x, i) == x[i]
        assert m.fn("checked")(x, i) == x[i]
    assert x.tolist() == (np.arange(10.0) * 1.5).tolist()
    g = np.arange(20, dtype=np.intc).reshape(4, 5)
    for i in range(4):
        for j in range(5):
            assert m.fn("neither2")(g, i, j) == g[i, j]
            assert m.fn("neither2")(g.T, j, i) == g[i, j]
    y = np.zeros((3, 3))
    m.fn("nobounds_store")(y, -1, -2, 4.0)
    m.fn("nobounds_store")(y, 0, 2, 1.0)
    assert y.tolist() == [[0, 0, 1.0], [0, 0, 0], [0, 4.0, 0]]


def test_directive_module_comment(pyc):
    m = pyc.pair(DIRECTIVES_COMMENT, stem="views_directives_comment")
    x = np.arange(5.0)
    assert [m.fn("nowrap")(x, i) for i in range(5)] == x.tolist()
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        m.fn("nowrap")(x, -1)
    assert m.fn("wrap_again")(x, -1) == 4.0


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

ERRORS = '''
import cython


def rd1(a: cython.double[:]) -> cython.Py_ssize_t:
    return a.shape[0]


def rd2(a: cython.double[:, :]) -> cython.Py_ssize_t:
    return a.shape[0]


def rd3c(a: cython.int[:, :, ::1]) -> cython.Py_ssize_t:
    return a.shape[0]


def wr1(a: cython.double[:], i: cython.Py_ssize_t, v: cython.double):
    a[i] = v


def aug2(a: cython.long[:, :], i: cython.Py_ssize_t, j: cython.Py_ssize_t, v: cython.long):
    a[i, j] += v


def copy_first(src: cython.double[:], dst: cython.double[:]):
    dst[0] = src[0]


def write_then_fail(a: cython.double[:], i: cython.Py_ssize_t):
    a[0] = 99.0
    a[i] = 1.0


def writer(a: cython.double[:], i: cython.Py_ssize_t):
    a[i] = 1.0


def mid(a: cython.double[:], i: cython.Py_ssize_t):
    writer(a, i)


def top(a: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    mid(a, i)
    return a[0]


def reader(a: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    return a[i]


def top_reader(a: cython.double[:], i: cython.Py_ssize_t) -> cython.double:
    return reader(a, i) + 1.0


@cython.cfunc
def cwriter(a: cython.double[:]) -> cython.double:
    a[0] = 3.0
    return a[0]


def via_cfunc(a: cython.double[:]) -> cython.double:
    return cwriter(a)


def rec_write(a: cython.double[:], n: cython.int):
    if n == 0:
        a[0] = 7.0
    else:
        rec_write(a, n - 1)


def rec_top(a: cython.double[:], n: cython.int) -> cython.double:
    rec_write(a, n)
    return a[0]


def branch_write(a: cython.double[:], w: cython.bint) -> cython.double:
    if w:
        a[0] = 1.0
    return a[0]


def two(a: cython.double[:], b: cython.int[:, ::1], i: cython.Py_ssize_t) -> cython.double:
    a[i] = a[i] + b[0, 0]
    return a[i]
'''


@pytest.fixture(scope="module")
def err(pyc):
    return pyc.pair(ERRORS, stem="views_errors")


def test_errors_program_all_native(err):
    assert err.build.counts()[1] == 0, err.build.stderr


@pytest.mark.parametrize("t", list(TYPES))
def test_dtype_mismatch(typed, t):
    f = typed.fn("get1_" + t)
    expected_name = TYPES[t][2]
    for fmt in "bBhHiIlLqQfd?":
        mv = memoryview(bytearray(16)).cast(fmt)
        if fmt in ACCEPTS[t]:
            assert same_value(f(mv, 0), mv[0]), fmt
            continue
        with pytest.raises(ValueError) as ei:
            f(mv, 0)
        if fmt == "?":
            assert str(ei.value).startswith("Buffer dtype mismatch, expected '%s' but got '"
                                            % expected_name), str(ei.value)
        else:
            assert str(ei.value) == ("Buffer dtype mismatch, expected '%s' but got '%s'"
                                     % (expected_name, FORMAT_NAMES[fmt])), fmt
    # NumPy arrays of every other element type
    for other, (dt, _, _) in TYPES.items():
        x = np.zeros(3, dtype=dt)
        fmt = memoryview(x).format
        if fmt in ACCEPTS[t]:
            f(x, 0)
        else:
            with pytest.raises(ValueError, match="^Buffer dtype mismatch, expected '%s' but got "
                               % expected_name):
                f(x, 0)


def test_dtype_mismatch_other_formats(err):
    with pytest.raises(ValueError, match="^Buffer dtype mismatch"):
        err.fn("rd1")(np.zeros(3, dtype=np.float16))
    with pytest.raises(ValueError, match="^Buffer dtype mismatch"):
        err.fn("rd1")(np.zeros(3, dtype=np.complex128))
    with pytest.raises(ValueError):
        err.fn("rd1")(np.zeros(3, dtype=">f8"))          # non-native byte order
    with pytest.raises(ValueError, match="^Buffer dtype mismatch"):
        err.fn("rd1")(np.zeros(3, dtype=[("x", "f8")]))  # a struct
    with pytest.raises(ValueError, match="^Buffer dtype mismatch, expected 'double' but got 'unsigned char'$"):
        err.fn("rd1")(b"12345678")


def test_char_buffers_ignore_sign_like_cython(typed):
    assert typed.fn("get1_char")(bytearray(b"\x05\xff"), 0) == 5
    assert typed.fn("get1_char")(np.array([7], dtype=np.uint8), 0) == 7
    assert typed.fn("get1_uchar")(memoryview(b"AB").cast("c"), 1) == 66


def test_wrong_ndim(err, typed):
    cases = [
        ("rd1", np.zeros((2, 2)), "Buffer has wrong number of dimensions (expected 1, got 2)"),
        ("rd1", np.array(1.0), "Buffer has wrong number of dimensions (expected 1, got 0)"),
        ("rd2", np.zeros(4), "Buffer has wrong number of dimensions (expected 2, got 1)"),
        ("rd2", np.zeros((1, 1, 1)), "Buffer has wrong number of dimensions (expected 2, got 3)"),
        ("rd2", array.array("d", [1.0]), "Buffer has wrong number of dimensions (expected 2, got 1)"),
        ("rd3c", np.zeros((2, 2), dtype=np.intc), "Buffer has wrong number of dimensions (expected 3, got 2)"),
    ]
    for name, arg, msg in cases:
        with pytest.raises(ValueError) as ei:
            err.fn(name)(arg)
        assert str(ei.value) == msg, (name, arg.shape if hasattr(arg, "shape") else arg)
    # ndim is checked before the element type (Cython's order)
    with pytest.raises(ValueError, match=r"^Buffer has wrong number of dimensions \(expected 1, got 2\)$"):
        err.fn("rd1")(np.zeros((2, 2), dtype=np.int8))


def test_layout_errors(err):
    ok = np.zeros((2, 3, 4), dtype=np.intc)
    assert err.fn("rd3c")(ok) == 2
    for bad in (np.asfortranarray(ok), ok[:, :, ::2], ok.transpose(0, 2, 1), ok[:, :, ::-1]):
        with pytest.raises(ValueError, match="^ndarray is not C-contiguous$"):
            err.fn("rd3c")(bad)
    # a Fortran-ordered array is fine for a strided view
    assert err.fn("rd2")(np.asfortranarray(np.zeros((5, 2)))) == 5


def test_none_and_non_buffers(err):
    with pytest.raises(TypeError, match="^Argument 'a' must not be None$"):
        err.fn("rd1")(None)
    with pytest.raises(TypeError, match="^Argument 'dst' must not be None$"):
        err.fn("copy_first")(np.zeros(1), None)
    with pytest.raises(TypeError, match="^Argument 'b' must not be None$"):
        err.fn("two")(np.zeros(1), None, 0)
    for obj, tname in (([1.0, 2.0], "list"), ((1.0,), "tuple"), (1.5, "float"), ("ab", "str"),
                       (object(), "object"), (range(3), "range")):
        with pytest.raises(TypeError) as ei:
            err.fn("rd1")(obj)
        assert str(ei.value) == "a bytes-like object is required, not '%s'" % tname
    with pytest.raises(TypeError):
        err.fn("rd1")()
    with pytest.raises(TypeError):
        err.fn("rd1")(np.zeros(1), np.zeros(1))


def readonly_arrays():
    ro = np.arange(4.0)
    ro.flags.writeable = False
    return [ro, memoryview(array.array("d", [0.0, 1.0, 2.0, 3.0])).toreadonly(),
            memoryview(bytes(32)).cast("d"), np.broadcast_to(np.arange(4.0), (4,))]


def test_read_only_buffers(err):
    msg = "^buffer source array is read-only$"
    for ro in readonly_arrays():
        # readers accept read-only buffers
        assert err.fn("rd1")(ro) == 4
        assert err.fn("reader")(ro, -1) == ro[-1]
        assert err.fn("top_reader")(ro, 1) == ro[1] + 1.0
        assert err.fn("copy_first")(ro, np.zeros(1)) is None
        # writers (directly, through callees, cfuncs, recursion, in an untaken branch) do not
        for f, args in (("wr1", (0, 1.0)), ("top", (0,)), ("mid", (0,)), ("via_cfunc", ()),
                        ("rec_top", (3,)), ("branch_write", (False,)), ("write_then_fail", (0,))):
            with pytest.raises(ValueError, match=msg):
                err.fn(f)(ro, *args)
        with pytest.raises(ValueError, match=msg):
            err.fn("copy_first")(np.zeros(1), ro)
    # and nothing was written
    assert readonly_arrays()[0].tolist() == [0.0, 1.0, 2.0, 3.0]
    ro = np.zeros((2, 2), dtype=np.int_)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=msg):
        err.fn("aug2")(ro, 0, 0, 1)
    # writable: callees' writes are visible
    w = np.zeros(3)
    assert err.fn("top")(w, 2) == 0.0 and w.tolist() == [0.0, 0.0, 1.0]
    assert err.fn("via_cfunc")(w) == 3.0 and w[0] == 3.0
    assert err.fn("rec_top")(w, 50) == 7.0


def test_out_of_bounds_reads_and_writes(err):
    x = np.arange(5.0)
    for i in (5, 6, -6, -100, 2 ** 62, -(2 ** 62)):
        with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
            err.fn("reader")(x, i)
        with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
            err.fn("wr1")(x, i, -1.0)
        with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
            err.fn("top")(x, i)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    # the failing store writes nothing; the statement before it did run
    with pytest.raises(IndexError):
        err.fn("write_then_fail")(x, 5)
    assert x.tolist() == [99.0, 1.0, 2.0, 3.0, 4.0]
    # 2-D: a flat offset that would land inside the buffer still raises for its axis
    g = np.zeros((3, 4), dtype=np.int_)
    for (i, j), ax in (((0, 4), 1), ((1, -5), 1), ((3, 0), 0), ((-4, 0), 0), ((3, 9), 0)):
        with pytest.raises(IndexError) as ei:
            err.fn("aug2")(g, i, j, 5)
        assert str(ei.value) == oob_msg(ax)
    assert not g.any()
    # empty arrays: every index is out of bounds
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        err.fn("reader")(np.zeros(0), 0)
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 1\)$"):
        err.fn("aug2")(np.zeros((2, 0), dtype=np.int_), 0, 0, 1)
    assert err.fn("rd1")(np.zeros(0)) == 0


def test_error_tracebacks_name_the_source(err):
    try:
        err.fn("top")(np.zeros(2), 7)
    except IndexError as e:
        tb = e.__traceback__
        names = []
        while tb is not None:
            names.append(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
        assert "writer" in names or "top" in names, names
    else:
        pytest.fail("no IndexError")


# ---------------------------------------------------------------------------
# Views of views and view locals (compiled since the slicing commit, or left
# to Python before it: either way the results must be right), and returning
# a view, which stays Python
# ---------------------------------------------------------------------------

FALLBACKS = '''
import cython


def sliced(a: cython.double[:]) -> cython.double:
    b = a[1:-1]
    return b[0] * 1000.0 + b[-1] * 10.0 + len(b)


def column(a: cython.double[:, :], j: cython.Py_ssize_t) -> cython.double:
    c = a[:, j]
    return c[1] * 100.0 + c.shape[0]


def row_sum(a: cython.double[:, :], i: cython.Py_ssize_t) -> cython.double:
    r = a[i]
    s: cython.double = 0.0
    k: cython.Py_ssize_t
    for k in range(r.shape[0]):
        s += r[k]
    return s


def stepped(a: cython.long[:], step: cython.Py_ssize_t) -> cython.long:
    b = a[::step]
    s: cython.long = 0
    k: cython.Py_ssize_t
    for k in range(len(b)):
        s = s * 3 + b[k]
    return s


def alias(a: cython.double[:]) -> cython.double:
    b: cython.double[:] = a
    b[0] = 5.0
    return a[0]


def fill_col(a: cython.double[:, :], j: cython.Py_ssize_t, v: cython.double):
    c = a[:, j]
    k: cython.Py_ssize_t
    for k in range(c.shape[0]):
        c[k] = v


def annotated_ret(a: cython.double[:]) -> cython.double[:]:
    return a


def compiled(a: cython.double[:]) -> cython.double:
    return a[-1]
'''


def py_scalar(v):
    return v.item() if isinstance(v, np.generic) else v


def test_views_of_views_and_returned_views(pyc):
    m = pyc.pair(FALLBACKS, stem="views_fallback")
    assert "`annotated_ret` left to Python" in m.build.stderr, m.build.stderr
    m.assert_native("compiled")
    rng = np.random.default_rng(20)
    bad = []
    cases = []
    for n in (3, 4, 9):
        x = rng.standard_normal(n)
        cases += [("sliced", (x,)), ("sliced", (x[::-1],)), ("alias", (x,))]
    for shape in ((2, 3), (5, 4)):
        g = rng.standard_normal(shape)
        for j in range(-shape[1], shape[1] + 1):
            cases += [("column", (g, j)), ("column", (np.asfortranarray(g), j)), ("fill_col", (g, j, 2.5))]
        for i in range(-shape[0], shape[0] + 1):
            cases += [("row_sum", (g, i)), ("row_sum", (g.T, i))]
    li = rng.integers(-100, 100, 20).astype(np.int_)
    for step in (1, 2, 3, -1, -4, 19, 25):
        cases.append(("stepped", (li, step)))
    for name, args in cases:
        outs, arrays = [], []
        for mod in (m.native, m.py):       # plain Python gets NumPy arrays (2-D slicing)
            a = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
            try:
                outs.append(("ok", py_scalar(getattr(mod, name)(*a))))
            except (IndexError, ValueError) as e:
                outs.append((type(e).__name__,))
            arrays.append([x.tobytes() for x in a if isinstance(x, np.ndarray)])
        if outs[0][0] != outs[1][0] or (outs[0][0] == "ok" and not same_value(outs[0][1], outs[1][1])) \
                or arrays[0] != arrays[1]:
            bad.append("%s: compiled %r, Python %r" % (name, outs[0], outs[1]))
    assert not bad, "\n".join(bad[:20])
    x = np.arange(6.0)
    assert m.fn("annotated_ret")(x) is x
    # stores through derived views need a writable buffer; reads do not
    ro = np.arange(6.0).reshape(2, 3)
    ro.flags.writeable = False
    assert m.fn("column")(ro, 1) == 402.0
    assert m.fn("row_sum")(ro, -1) == 12.0
    for f, args in (("fill_col", (ro, 0, 1.0)), ("alias", (ro[0],))):
        with pytest.raises(ValueError, match="^buffer source array is read-only$"):
            m.fn(f)(*args)
    # no leaks through derived views, also when they raise
    g = np.arange(6.0).reshape(2, 3)
    arr = array.array("l", range(10))
    gc.collect()
    rc_g, rc_arr = sys.getrefcount(g), sys.getrefcount(arr)
    for _ in range(300):
        for f, args, exc in (("column", (g, 5), IndexError), ("row_sum", (g, 2), IndexError),
                             ("stepped", (arr, 0), ValueError), ("sliced", (g[0, :2],), IndexError),
                             ("fill_col", (ro, 0, 1.0), ValueError)):
            with pytest.raises(exc):
                m.fn(f)(*args)
        m.fn("fill_col")(g, 1, 2.0)
        m.fn("stepped")(arr, -3)
        m.fn("row_sum")(g.T, 0)
    gc.collect()
    assert (sys.getrefcount(g), sys.getrefcount(arr)) == (rc_g, rc_arr)
    arr.append(1)


def test_unannotated_return_of_view_builds(pyc):
    src = "import cython\n\n\ndef ret(a: cython.double[:]):\n    return a\n"
    b = pyc.build(src, stem="views_ret")
    assert b.ok, b.describe()
    assert "`ret` left to Python" in b.stderr


# ---------------------------------------------------------------------------
# No leaks: reference counts and buffer exports are back where they started
# after many calls, including every way a call can fail
# ---------------------------------------------------------------------------

class Probe:
    """Objects whose refcounts and export counts are watched."""

    def __init__(self):
        self.a = np.zeros(5)
        self.ro = np.zeros(5)
        self.ro.flags.writeable = False
        self.f32 = np.zeros(5, dtype=np.float32)
        self.b = np.ones((2, 2), dtype=np.intc)
        self.bf = np.asfortranarray(np.ones((2, 3), dtype=np.intc))
        self.b1 = np.ones(3, dtype=np.intc)
        self.bd = np.ones((2, 2))
        self.b0 = np.zeros((0, 0), dtype=np.intc)
        self.aa = array.array("d", [0.0] * 5)
        self.ai = array.array("i", [1, 2, 3, 4])
        self.ba = bytearray(40)
        self.mv = memoryview(self.ba).cast("d")
        self.robytes = bytes(40)
        self.romv = memoryview(self.robytes).cast("d")

    def objects(self):
        return [v for v in vars(self).values()]


def failing_calls(err, views, p):
    """Every failure point, each paired with its exception class."""
    two = err.fn("two")
    mi = memoryview(p.ai).cast("B").cast("i", [2, 2])
    return [
        (lambda: two(p.a, p.b, 0), None),
        (lambda: two(p.aa, p.b, -1), None),
        (lambda: two(p.mv, mi, 1), None),
        (lambda: two(p.f32, p.b, 0), ValueError),          # dtype, first argument
        (lambda: two(p.a, p.bd, 0), ValueError),           # dtype, second (first acquired)
        (lambda: two(p.a, p.b1, 0), ValueError),           # ndim
        (lambda: two(p.a, p.bf, 0), ValueError),           # layout
        (lambda: two(p.ro, p.b, 0), ValueError),           # read-only
        (lambda: two(p.robytes, p.b, 0), ValueError),      # read-only bytes
        (lambda: two(None, p.b, 0), TypeError),
        (lambda: two(p.a, None, 0), TypeError),
        (lambda: two(p.a, [1], 0), TypeError),             # not a buffer
        (lambda: two(p.a, p.b, "x"), TypeError),           # scalar argument conversion
        (lambda: two(p.a, p.b), TypeError),                # missing argument
        (lambda: two(p.a, p.b, 0, 1), TypeError),          # too many
        (lambda: two(p.a, p.b, 5), IndexError),            # body
        (lambda: two(p.aa, p.b0, 0), IndexError),          # body, second view
        (lambda: two(p.mv, p.b, -6), IndexError),
        (lambda: err.fn("top")(p.a, 9), IndexError),       # raised in a callee
        (lambda: err.fn("top")(p.mv, -9), IndexError),
        (lambda: err.fn("top")(p.ro, 0), ValueError),
        (lambda: err.fn("rec_top")(p.aa, 20), None),
        (lambda: err.fn("copy_first")(p.romv, p.mv), None),
        (lambda: err.fn("copy_first")(p.mv, p.romv), ValueError),
        (lambda: views.fn("matmul")(p.bd, p.bd, p.a.reshape(5, 1)[:1]), IndexError),
        (lambda: views.fn("dot")(p.a, p.aa), None),
        (lambda: views.fn("dot")(p.a, p.mv[:2]), IndexError),
        (lambda: views.fn("histogram")(p.ai, p.a, 0, 1), ValueError),
    ]


def run_all(calls):
    for f, exc in calls:
        if exc is None:
            f()
        else:
            try:
                f()
            except exc:
                pass
            else:
                raise AssertionError("expected %s" % exc.__name__)


def test_no_leaks_refcounts_and_exports(err, views):
    p = Probe()
    calls = failing_calls(err, views, p)
    run_all(calls)
    gc.collect()
    objs = p.objects()
    before = [sys.getrefcount(o) for o in objs]
    for _ in range(300):
        run_all(calls)
    gc.collect()
    after = [sys.getrefcount(o) for o in objs]
    names = list(vars(p))
    del objs, calls
    gc.collect()
    assert before == after, "refcounts drifted: %s" % [
        (n, b, a) for n, b, a in zip(names, before, after) if b != a]
    # no buffer is still exported: resizing exporters works
    p.aa.append(1.0)
    p.aa.pop()
    p.ai.append(5)
    p.mv.release()           # raises BufferError if the memoryview is still exported
    p.ba.extend(b"12345678")  # raises BufferError while the memoryview (or a copy) holds it
    del p.ba[-8:]
    p.a.resize((6,), refcheck=True)   # NumPy: no stray references to the array


def test_no_leaks_typed_paths(typed):
    """Every element type: ok calls, out-of-bounds and dtype errors leave
    the exporter resizable and refcounts unchanged."""
    exporters = {t: array.array(code, [0] * 6) for t, (_, code, _) in TYPES.items() if code}
    exporters["bint"] = bytearray(6)
    wrong = array.array("d", [0.0])
    rc_wrong = sys.getrefcount(wrong)
    for t, ex in exporters.items():
        arg = memoryview(ex).cast("?") if t == "bint" else ex
        rc = sys.getrefcount(arg)
        for _ in range(50):
            typed.fn("get1_" + t)(arg, -1)
            typed.fn("set1_" + t)(arg, 2, 1)
            for bad in (6, -7):
                with pytest.raises(IndexError):
                    typed.fn("get1_" + t)(arg, bad)
                with pytest.raises(IndexError):
                    typed.fn("set1_" + t)(arg, bad, 1)
            if t != "double":
                with pytest.raises(ValueError):
                    typed.fn("get1_" + t)(wrong, 0)
            with pytest.raises(ValueError):
                typed.fn("get2_" + t)(arg, 0, 0)
        assert sys.getrefcount(arg) == rc, t
        if t == "bint":
            arg.release()
        ex.append(ex[0])
    assert sys.getrefcount(wrong) == rc_wrong
    wrong.append(1.0)


def test_no_memory_growth(err, views):
    p = Probe()
    calls = failing_calls(err, views, p)
    for _ in range(100):
        run_all(calls)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(3000):
            run_all(calls)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    # 3000 rounds of ~27 calls: leaking anything per call would be MBs
    assert grown < 200_000, "memory grew by %d bytes" % grown


OPTIONAL = '''
import cython


def total(a: cython.double[:], w: cython.double[:] = None) -> float:
    s = 0.0
    for i in range(a.shape[0]):
        if w is None:
            s += a[i]
        else:
            s += a[i] * w[i]
    return s


def has(w: cython.double[:] = None) -> bool:
    return w is not None


def outer(a: cython.double[:]) -> float:
    return total(a) + total(a, a)
'''


def test_optional_views_accept_none(tmp_path):
    import subprocess
    from conftest import compiler_path, default_target
    src = tmp_path / "optviews.py"
    src.write_text(OPTIONAL)
    p = subprocess.run([str(compiler_path()), "build", str(src), "--strict", "-q", "--python", sys.executable,
                        "--target", default_target()],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    code = (
        "import array, sys, optviews as m\n"
        "a = array.array('d', [1.0, 2.0, 3.0]); w = array.array('d', [2.0, 2.0, 2.0])\n"
        "print(m.total(a), m.total(a, w), m.total(a, None), m.total(a, w=w), m.has(), m.has(a), m.outer(a))\n"
        "r = sys.getrefcount(a)\n"
        "for _ in range(500):\n"
        "    m.total(a, None)\n"
        "print(sys.getrefcount(a) == r)\n"
        "try:\n"
        "    m.total(None)\n"
        "except TypeError as e:\n"
        "    print('TypeError', e)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "6.0 12.0 6.0 12.0 False True 20.0",
        "True",
        "TypeError Argument 'a' must not be None",
    ]


FILL = '''
import cython


def zero(a: cython.double[:]):
    a[:] = 0.0


def band(m: cython.int[:, :], i: int, x: int):
    m[i, :] = x
    m[:, 0] = -1


def everything(m: cython.float[:, ::1], x: float):
    m[...] = x


def tail(a: cython.double[:], k: int):
    a[k:] = 7.5
'''


def test_slice_fill(tmp_path):
    import subprocess
    from conftest import compiler_path, default_target
    src = tmp_path / "fillviews.py"
    src.write_text(FILL)
    p = subprocess.run([str(compiler_path()), "build", str(src), "--strict", "-q", "--python", sys.executable,
                        "--target", default_target()],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        import fillviews as m
    finally:
        sys.path.remove(str(tmp_path))
    a = np.arange(10.0)
    m.zero(a)
    assert (a == 0).all()
    g = np.zeros((3, 4), dtype=np.intc)
    m.band(g, 1, 5)
    assert g.tolist() == [[-1, 0, 0, 0], [-1, 5, 5, 5], [-1, 0, 0, 0]]
    f = np.zeros((2, 3), dtype=np.float32)
    m.everything(f, 2.5)
    assert (f == 2.5).all()
    b = np.arange(6.0)
    m.tail(b, -2)
    assert b.tolist() == [0.0, 1.0, 2.0, 3.0, 7.5, 7.5]
    m.tail(b[::2], 1)
    assert b.tolist() == [0.0, 1.0, 7.5, 3.0, 7.5, 7.5]
    r = np.ones(3)
    r.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        m.zero(r)


MAYBE_UNBOUND = '''
import cython


def f(a: cython.double[:], c: cython.bint) -> float:
    if c:
        v = a[::2]
    s = 0.0
    for i in range(a.shape[0] // 2):
        if c:
            s += v[i]
    return s


def g(a: cython.double[:], c: cython.bint) -> float:
    if c:
        v = a[::2]
    return v[0]
'''


def test_view_local_maybe_unbound(tmp_path):
    import subprocess
    from conftest import compiler_path, default_target
    src = tmp_path / "ubviews.py"
    src.write_text(MAYBE_UNBOUND)
    p = subprocess.run([str(compiler_path()), "build", str(src), "--strict", "-q", "--python", sys.executable,
                        "--target", default_target()],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        import ubviews as m
    finally:
        sys.path.remove(str(tmp_path))
    a = array.array("d", range(6))
    assert m.f(a, True) == 6.0
    assert m.f(a, False) == 0.0
    assert m.g(a, True) == 0.0
    with pytest.raises(UnboundLocalError, match="local variable 'v'"):  # worded per version
        m.g(a, False)


FOR_ELSE_INDEX = """import cython


def else_reads(a: cython.double[:]) -> cython.double:
    i: cython.Py_ssize_t = 1000000
    for i in range(a.shape[0]):
        pass
    else:
        return a[i]
    return 0.0
"""


def test_for_else_index_by_the_loop_variable_is_checked(pyc):
    # The else clause also runs when the loop never ran: the variable still
    # holds its earlier value, which says nothing about the view's extent.
    p = pyc.pair(FOR_ELSE_INDEX)
    p.assert_native("else_reads")
    f = p.fn("else_reads")
    assert f(np.arange(3.0)) == 2.0
    with pytest.raises(IndexError, match=r"^Out of bounds on buffer access \(axis 0\)$"):
        f(np.zeros(0))
