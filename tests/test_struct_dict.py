"""Structs and unions where they meet Python objects (issue 14), as Cython 3
converts them: a struct-typed `def` parameter takes a mapping, a struct
returned from a `def` or assigned to an object is a dict (nested structs
nested dicts), `p: Point = d` converts; a union holds one field in one
storage slot (its fields reinterpret it as C does) and converts to and
from a dict as Cython's `FromPyUnionUtility` does; a `@cfunc` takes and
returns structs by value.

The shim cannot do this (the file run as Python passes the dict itself, so
`p.x` is an AttributeError there), so the expected values and messages are
Cython 3.3.1's, checked by compiling this very source with Cython
(`bench/.work/venv`); the compiled module is also run against CPython where
the shim agrees (scalars in, scalars out)."""

import collections
import struct
import sysconfig
import textwrap

import pytest

from conftest import attempt, call, growth, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

SOURCE = """
import cython

Point = cython.struct(x=cython.double, y=cython.double)
Cell = cython.struct(count=cython.int, weight=cython.float, seen=cython.bint)
Seg = cython.struct(a=Point, b=Point, n=cython.int)
Num = cython.union(d=cython.double, i=cython.longlong)
Small = cython.union(i=cython.int, f=cython.float)


def norm2(p: Point) -> cython.double:
    return p.x * p.x + p.y * p.y


def make(a: cython.double, b: cython.double) -> Point:
    p: Point = Point(x=a, y=b)
    return p


def cell(c: Cell) -> cython.double:
    return c.count + c.weight * 10 + c.seen * 100


def cell_back(c: Cell):
    return c


def seg(s: Seg) -> cython.double:
    return s.a.x + s.a.y * 10 + s.b.x * 100 + s.b.y * 1000 + s.n * 10000


def make_seg(k: cython.int) -> Seg:
    s: Seg
    s.a = Point(x=k, y=k + 1)
    s.b.x = k * 2
    s.b.y = k * 3
    s.n = k
    return s


def swap_seg(s: Seg) -> Seg:
    t: Point = s.a
    s.a = s.b
    s.b = t
    return s


def as_object(a: cython.double):
    p: Point = Point(x=a, y=2.0)
    o = p
    p.x = 100.0
    return o, p


def from_object(d) -> cython.double:
    p: Point = d
    return p.x - p.y


def assign_later(d, e) -> cython.double:
    p: Point
    p = d
    s: cython.double = p.x
    p = e
    return s + p.y


def return_object(d) -> Point:
    return d


def bits(d: cython.double) -> cython.longlong:
    u: Num
    u.d = d
    return u.i


def float_of(i: cython.int) -> cython.float:
    u: Small
    u.i = i
    return u.f


def num_in(u: Num) -> cython.longlong:
    return u.i


def num_out(x: cython.double) -> Num:
    u: Num = Num(d=x)
    return u


def num_copy(x: cython.longlong) -> cython.double:
    u: Num
    v: Num
    u.i = x
    v = u
    u.i = 0
    return v.d


@cython.cfunc
def scaled(p: Point, k: cython.double) -> Point:
    q: Point = Point(x=p.x * k, y=p.y * k)
    return q


@cython.cfunc
def seg_len(s: Seg) -> cython.double:
    return (s.b.x - s.a.x) ** 2 + (s.b.y - s.a.y) ** 2


def by_value(a: cython.double, k: cython.double) -> cython.double:
    p: Point = Point(x=a, y=a + 1)
    q: Point = scaled(p, k)
    s: Seg
    s.a = p
    s.b = q
    s.n = 0
    scaled(q, 2.0)
    return q.x + q.y + seg_len(s)


def by_value_object(a: cython.double):
    p: Point = Point(x=a, y=1.0)
    o = scaled(p, 3.0)
    return o
"""



class M:
    def __getitem__(self, k):
        return {"x": 1, "y": 2}[k]


class RaisesIndex:
    def __getitem__(self, k):
        raise IndexError(k)


class Plain:
    pass


def _message(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the message is what we want
        return str(e)


def _bits(d):
    return struct.unpack("<q", struct.pack("<d", d))[0]


# (function, arguments, Cython's result or (exception type, message)).
CYTHON = [
    ("norm2", ({"x": 3, "y": 4},), 25.0),
    ("norm2", ({"x": 3, "y": 4, "z": 5},), 25.0),
    ("norm2", ({"x": 3},), (ValueError, "No value specified for struct attribute 'y'")),
    ("norm2", ({"y": 3},), (ValueError, "No value specified for struct attribute 'x'")),
    ("norm2", ({},), (ValueError, "No value specified for struct attribute 'x'")),
    ("norm2", ({"x": "a"},), (ValueError, "No value specified for struct attribute 'y'")),
    ("norm2", ({"x": "a", "y": 4},), (TypeError, "must be real number, not str")),
    ("norm2", ({"x": None, "y": 4},), (TypeError, "must be real number, not NoneType")),
    ("norm2", (5,), (TypeError, "Expected a mapping, got int")),
    ("norm2", (None,), (TypeError, "Expected a mapping, got NoneType")),
    ("norm2", (Plain(),), (TypeError, "Expected a mapping, got Plain")),
    ("norm2", ({"x"},), (TypeError, "Expected a mapping, got set")),
    ("norm2", ([1, 2],), (TypeError, "list indices must be integers or slices, not str")),
    ("norm2", ((1, 2),), (TypeError, "tuple indices must be integers or slices, not str")),
    ("norm2", (collections.OrderedDict(x=1.5, y=2),), 6.25),
    ("norm2", (M(),), 5.0),
    ("norm2", (RaisesIndex(),), (IndexError, "x")),
    ("cell", ({"count": 2, "weight": 0.5, "seen": 1},), 107.0),
    ("cell", ({"count": 2 ** 40, "weight": 1, "seen": 0},), (OverflowError, "value too large to convert to int")),
    ("cell", ({"count": 1, "weight": "w", "seen": 0},), (TypeError, "must be real number, not str")),
    ("cell_back", ({"count": 7, "weight": 0.25, "seen": []},), {"count": 7, "weight": 0.25, "seen": False}),
    ("make", (1.0, 2.0), {"x": 1.0, "y": 2.0}),
    ("seg", ({"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 4}, "n": 5},), 54321.0),
    ("seg", ({"a": {"x": 1}, "b": {"x": 3, "y": 4}, "n": 5},), (ValueError, "No value specified for struct attribute 'y'")),
    ("seg", ({"a": 1, "b": {"x": 3, "y": 4}, "n": 5},), (TypeError, "Expected a mapping, got int")),
    ("seg", ({"a": {"x": 1, "y": 2}, "n": 5},), (ValueError, "No value specified for struct attribute 'b'")),
    ("make_seg", (2,), {"a": {"x": 2.0, "y": 3.0}, "b": {"x": 4.0, "y": 6.0}, "n": 2}),
    ("swap_seg", ({"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 4}, "n": 5},), {"a": {"x": 3.0, "y": 4.0}, "b": {"x": 1.0, "y": 2.0}, "n": 5}),
    ("as_object", (1.0,), ({"x": 1.0, "y": 2.0}, {"x": 100.0, "y": 2.0})),
    ("from_object", ({"x": 1, "y": 2},), -1.0),
    ("from_object", ({"x": 1},), (ValueError, "No value specified for struct attribute 'y'")),
    # The lookup's own error, in each CPython version's words.
    ("from_object", ("xy",), (TypeError, _message(lambda: "xy".__getitem__("x")))),
    ("assign_later", ({"x": 1, "y": 2}, {"x": 10, "y": 20}), 21.0),
    ("assign_later", ({"x": 1, "y": 2}, 3), (TypeError, "Expected a mapping, got int")),
    # A `def` declared to return a struct returns an object as it is.
    ("return_object", ({"y": 1, "x": 2, "z": 3},), {"y": 1, "x": 2, "z": 3}),
    ("return_object", ({"y": 1},), {"y": 1}),
    ("bits", (1.0,), 4607182418800017408),
    ("bits", (-2.5,), _bits(-2.5)),
    ("float_of", (1065353216,), 1.0),
    ("num_in", ({"i": 5},), 5),
    ("num_in", ({"d": 1.0},), 4607182418800017408),
    ("num_in", ({"d": 1.0, "i": 3},), (ValueError, "More than one union attribute passed: 'd' and 'i'")),
    ("num_in", ({"d": 1.0, "z": 3},), (ValueError, "More than one union attribute passed: 'd' and None")),
    ("num_in", ({},), (ValueError, "No value specified for any of the union attributes (d, i)")),
    ("num_in", ({"z": 1},), (ValueError, "No value specified for any of the union attributes (d, i)")),
    ("num_in", (3,), (TypeError, "Expected a mapping, got int")),
    ("num_out", (1.0,), {"d": 1.0, "i": 4607182418800017408}),
    ("num_copy", (4607182418800017408,), 1.0),
    ("by_value", (1.0, 3.0), 3.0 + 6.0 + (3.0 - 1.0) ** 2 + (6.0 - 2.0) ** 2),
    ("by_value_object", (2.0,), {"x": 6.0, "y": 3.0}),
]


# Where a field's conversion differs from Cython's, as every conversion of an
# object to a C integer does (docs/semantics.md): CPython's `__index__`
# rule, where Cython 3.3.1 truncates a float (`{"count": 1.5}` gives 1) and
# says "an integer is required".
OURS = [
    ("num_in", ({"i": "x"},), (TypeError, "'str' object cannot be interpreted as an integer")),
    ("cell", ({"count": 1.5, "weight": 1, "seen": 0},), (TypeError, "'float' object cannot be interpreted as an integer")),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("struct_dict")
    path = tmp / "struct_dict.py"
    path.write_text(textwrap.dedent(SOURCE))
    b = run_compiler(path, outdir=tmp / "out")
    assert b.ok, b.describe()
    nat = import_extension("struct_dict", tmp / "out" / ("struct_dict" + SUFFIX))
    py = import_source("struct_dict_py", path)
    return b, nat, py


def test_everything_compiles(built):
    b, _, _ = built
    assert b.counts() == (len([ln for ln in SOURCE.splitlines() if ln.startswith("def ")]), 0), b.describe()


@pytest.mark.parametrize("fn,args,want", CYTHON + OURS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CYTHON + OURS)])
def test_as_cython_converts(built, fn, args, want):
    _, nat, _ = built
    got = call(getattr(nat, fn), args)
    if isinstance(want, tuple) and len(want) == 2 and isinstance(want[0], type):
        assert not got.ok and got.exc_type is want[0] and got.message == want[1], (fn, args, got)
        return
    assert got.ok, (fn, args, got)
    assert got.value == want and type(got.value) is type(want), (fn, args, got)


def test_missing_keys_leave_no_key_error_context(built):
    _, nat, _ = built
    with pytest.raises(ValueError) as e:
        nat.norm2({"x": 1.0})
    assert e.value.__context__ is None and e.value.__cause__ is None


def test_a_union_reinterprets_its_bytes_as_c_does(built):
    # The shim's union keeps only the field last set (reading another gives
    # None), so C's reinterpretation is checked against `struct`'s.
    _, nat, _ = built
    for d in [0.0, -0.0, 1.0, -2.5, 1e300, 5e-324, float("inf"), float("-inf")]:
        assert nat.bits(d) == struct.unpack("<q", struct.pack("<d", d))[0], d
        assert same_value(nat.num_copy(nat.bits(d)), d), d
    for i in [0, 1, -1, 1065353216, -1082130432, 2 ** 31 - 1]:
        assert same_value(nat.float_of(i), struct.unpack("<f", struct.pack("<i", i))[0]), i


def test_a_dict_is_a_new_object_each_time(built):
    _, nat, _ = built
    a, b = nat.make(1.0, 2.0), nat.make(1.0, 2.0)
    assert a == b and a is not b
    a["x"] = 5
    assert nat.make(1.0, 2.0) == {"x": 1.0, "y": 2.0}


def test_no_leaks(built):
    _, nat, _ = built
    good = {"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 4}, "n": 5}

    def normal():
        nat.norm2({"x": 3.0, "y": 4.0})
        nat.make(1.0, 2.0)
        nat.seg(good)
        nat.swap_seg(good)
        nat.make_seg(3)
        nat.as_object(1.0)
        nat.num_in({"d": 2.0})
        nat.num_out(2.0)
        nat.by_value(1.0, 2.0)
        nat.by_value_object(1.0)
        nat.return_object({"x": 1, "y": 2})

    def errors():
        attempt(nat.norm2, {"x": 3.0})
        attempt(nat.norm2, {"x": "a", "y": 1})
        attempt(nat.norm2, 5)
        attempt(nat.norm2, RaisesIndex())
        attempt(nat.seg, {"a": {"x": 1}, "b": good["b"], "n": 1})
        attempt(nat.num_in, {"d": 1.0, "i": 2})
        attempt(nat.num_in, {})
        attempt(nat.assign_later, {"x": 1, "y": 2}, [])

    assert growth(normal) < 50
    assert growth(errors) < 50


def test_rebinding_a_builtin_leaves_the_conversion_to_python(tmp_path):
    path = tmp_path / "struct_shadow.py"
    path.write_text(textwrap.dedent("""
        import cython
        Point = cython.struct(x=cython.double, y=cython.double)

        def norm2(p: Point) -> cython.double:
            return p.x * p.x + p.y * p.y

        def len(x):
            return 0
    """))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok and b.counts() == (1, 1), b.describe()
    assert "rebinds a builtin the conversion uses" in b.stderr, b.describe()
