"""ctuples (issue 14): `tuple[cython.int, cython.double]` locals (a local
per item, as structs are scalar-replaced), constant indexing (`t[0]`,
`t[-1]`), unpacking, `def` parameters converting from any sequence and
results converting to tuples, `@cfunc`s taking and returning ctuples by
value (`q, r = divmod_c(a, b)`, no tuple object made).

The valid calls are checked against CPython running the same file with the
shim (a ctuple is a tuple there); the conversion errors, which the shim
cannot make (it passes the object itself), against Cython 3.3.1's, found by
compiling this very source with Cython (`bench/.work/venv`)."""

import sysconfig
import textwrap

import pytest

from conftest import attempt, call, growth, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

SOURCE = """
import cython



def total(t: tuple[cython.int, cython.double]) -> cython.double:
    return t[0] + t[1]


def last(t: tuple[cython.int, cython.int, cython.int]) -> cython.int:
    return t[-1] * 100 + t[0]


def pair(a: cython.int) -> tuple[cython.int, cython.double]:
    t: tuple[cython.int, cython.double] = (a, a / 2)
    return t


def built(a: cython.int, b: cython.double) -> tuple[cython.int, cython.double]:
    return a * 2, b + 1


def swap(a: cython.int, b: cython.int) -> tuple[cython.int, cython.int]:
    t: tuple[cython.int, cython.int] = (a, b)
    t = (t[1], t[0])
    return t


@cython.cfunc
def divmod_c(a: cython.int, b: cython.int) -> tuple[cython.int, cython.int]:
    return a // b, a % b


@cython.cfunc
def stats(n: cython.int) -> tuple[cython.double, cython.double]:
    s: cython.double = 0
    ss: cython.double = 0
    i: cython.int
    for i in range(n):
        s += i
        ss += i * i
    return s / n, ss / n - (s / n) ** 2


@cython.cfunc
def norm1(t: tuple[cython.double, cython.double]) -> cython.double:
    return abs(t[0]) + abs(t[1])


@cython.cfunc
def forward(a: cython.int, b: cython.int) -> tuple[cython.int, cython.int]:
    return divmod_c(a, b)


def use_divmod(a: cython.int, b: cython.int) -> cython.int:
    q, r = divmod_c(a, b)
    t: tuple[cython.int, cython.int] = divmod_c(b, 3)
    u: tuple[cython.int, cython.int]
    u = forward(a, 7)
    return q * 1000000 + r * 10000 + t[0] * 100 + t[1] + u[0] + u[1]


def use_stats(n: cython.int) -> cython.double:
    m, v = stats(n)
    return m + v


def stats_object(n: cython.int):
    o = stats(n)
    return o


def stats_return(n: cython.int) -> tuple[cython.double, cython.double]:
    return stats(n)


def use_norm1(a: cython.double, b: cython.double) -> cython.double:
    t: tuple[cython.double, cython.double] = (a, b)
    return norm1(t) + norm1((b, 1.0))


def as_object(a: cython.int):
    t: tuple[cython.int, cython.double] = (a, 1.5)
    o = t
    return o


def from_object(o) -> cython.double:
    t: tuple[cython.int, cython.double] = o
    return t[0] * 10 + t[1]


def unpack_local(a: cython.int) -> cython.int:
    t: tuple[cython.int, cython.int] = (a, a + 1)
    x, y = t
    return x * 10 + y


def loop(n: cython.int) -> cython.double:
    acc: cython.double = 0
    i: cython.int
    for i in range(n):
        q, r = divmod_c(i, 7)
        acc += q + r * 0.5
    return acc
"""

# Calls CPython with the shim and Cython answer alike.
SAME = [
    ("total", ((1, 2.5),)), ("total", ([3, 0.25],)), ("last", ((1, 2, 3),)), ("last", ([-4, 0, 9],)),
    ("pair", (3,)), ("pair", (-7,)), ("built", (3, 1.5)), ("swap", (1, 2)),
    ("use_divmod", (47, 5)), ("use_divmod", (-47, 5)), ("use_divmod", (1, 0)),
    ("use_stats", (10,)), ("use_stats", (1,)), ("stats_object", (4,)), ("stats_return", (4,)),
    ("use_norm1", (-1.0, 2.0)), ("use_norm1", (0.0, -0.0)), ("as_object", (3,)), ("from_object", ((1, 2.0),)),
    ("from_object", ([7, -1],)), ("unpack_local", (4,)), ("loop", (100,)), ("loop", (0,)),
]

# (function, arguments, Cython 3.3.1's exception type and message).
CYTHON = [
    ("total", ((1, 2.5, 3),), TypeError, "Expected a sequence of size 2, got size 3"),
    ("total", ((1,),), TypeError, "Expected a sequence of size 2, got size 1"),
    ("total", ((1, "b"),), TypeError, "must be real number, not str"),
    ("total", (5,), TypeError, "Expected a sequence of size 2, got int"),
    ("total", (None,), TypeError, "Expected a sequence of size 2, got NoneType"),
    ("total", ({1: 2, 3: 4},), TypeError, "Expected a sequence of size 2, got dict"),
    ("total", ({1, 2},), TypeError, "Expected a sequence of size 2, got set"),
    ("total", (iter([1, 2]),), TypeError, "Expected a sequence of size 2, got list_iterator"),
    ("total", ((2 ** 40, 1.0),), OverflowError, "value too large to convert to int"),
    ("from_object", ([1, 2.0, 3],), TypeError, "Expected a sequence of size 2, got size 3"),
    ("from_object", (3,), TypeError, "Expected a sequence of size 2, got int"),
]

# Where an item's conversion to a C int is this compiler's, as every
# conversion of an object to a C integer is (docs/semantics.md): Cython
# 3.3.1 says "an integer is required" for a str and truncates a float.
OURS = [
    ("total", (("a", 2.5),), TypeError, "'str' object cannot be interpreted as an integer"),
    ("total", ((1.5, 1.0),), TypeError, "'float' object cannot be interpreted as an integer"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ctuples")
    path = tmp / "ctuples_mod.py"
    path.write_text(textwrap.dedent(SOURCE))
    b = run_compiler(path, outdir=tmp / "out")
    assert b.ok, b.describe()
    nat = import_extension("ctuples_mod", tmp / "out" / ("ctuples_mod" + SUFFIX))
    py = import_source("ctuples_mod_py", path)
    return b, nat, py


def test_everything_compiles(built):
    b, _, _ = built
    assert b.counts() == (len([ln for ln in SOURCE.splitlines() if ln.startswith("def ")]), 0), b.describe()


@pytest.mark.parametrize("fn,args", SAME, ids=[f"{c[0]}-{i}" for i, c in enumerate(SAME)])
def test_same_as_cpython(built, fn, args):
    _, nat, py = built
    want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
    assert want.ok == got.ok, (fn, args, want, got)
    if want.ok:
        # A C double result is a float where the shim's arithmetic kept an int.
        value = float(want.value) if type(want.value) is int and type(got.value) is float else want.value
        assert same_value(value, got.value) and type(value) is type(got.value), (fn, args, want, got)
    else:
        assert want.exc_type is got.exc_type, (fn, args, want, got)


@pytest.mark.parametrize("fn,args,exc,message", CYTHON + OURS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CYTHON + OURS)])
def test_conversion_errors_as_cython(built, fn, args, exc, message):
    _, nat, _ = built
    got = call(getattr(nat, fn), args)
    assert not got.ok and got.exc_type is exc and got.message == message, (fn, args, got)


def test_a_result_is_a_new_tuple(built):
    _, nat, _ = built
    assert nat.pair(3) == (3, 1.5) and type(nat.pair(3)) is tuple and nat.pair(3) is not nat.pair(3)


def test_no_leaks(built):
    _, nat, _ = built

    def normal():
        nat.total((1, 2.5))
        nat.total([1, 2.5])
        nat.pair(3)
        nat.use_divmod(47, 5)
        nat.stats_object(4)
        nat.stats_return(4)
        nat.as_object(2)
        nat.from_object(range(2))
        nat.loop(10)

    def errors():
        attempt(nat.total, (1, 2, 3))
        attempt(nat.total, (1, "b"))
        attempt(nat.total, 5)
        attempt(nat.use_divmod, 1, 0)
        attempt(nat.from_object, {1: 2})

    assert growth(normal) < 50
    assert growth(errors) < 50


def test_what_ctuples_do_not_do_is_located(tmp_path):
    path = tmp_path / "ctuple_bad.py"
    path.write_text(textwrap.dedent("""
        import cython

        def at(t: tuple[cython.int, cython.int]) -> cython.int:
            return t[2]
    """))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert not b.ok and "index out of range: the ctuple `t` has 2 items" in b.stderr and "ctuple_bad.py:5:14" in b.stderr, b.describe()
    path = tmp_path / "ctuple_left.py"
    path.write_text(textwrap.dedent("""
        import cython

        @cython.cfunc
        def two(a: cython.int) -> tuple[cython.int, cython.int]:
            return a, a

        def inside(a: cython.int, i: cython.int) -> cython.int:
            t: tuple[cython.int, cython.int] = (a, a + 1)
            return t[i] + two(a)[0]
    """))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok and b.counts() == (1, 1), b.describe()
    assert "by a value known only at run time" in b.stderr, b.describe()
