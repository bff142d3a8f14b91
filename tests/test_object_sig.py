"""Issue 12: unpacking targets in `for` and assignment (tuple/list
patterns, nested, one starred name) and `def` signatures, compiled and
compared with CPython running the same source: values, exception types and
messages (the interpreter's own unpacking messages), tracebacks' `.py`
lines; no leak on the normal or the error path."""

import copy
import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth

N = LEAK_CALLS


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("object_sig")


UNPACK = ["pairs_sum", "enumerate_nested", "star_first", "star_middle", "star_last", "list_target", "one_target",
          "nested_assign", "nested_partial", "typed_targets", "swap_through", "for_else", "bodies", "dict_items",
          "aug_item", "aug_index", "aug_attr", "with_defaults", "float_default", "evaluated_once", "typed_and_object",
          "calls_with_defaults", "float_ops", "set_index", "bump_global", "set_last", "read_cached_global"]


@pytest.mark.parametrize("name", UNPACK)
def test_native(m, name):
    m.assert_native(name)


def describe(module, name, *args, **kwargs):
    """A call's value, or its exception with its `.py` traceback lines."""
    try:
        return ("ok", repr(getattr(module, name)(*args, **kwargs)))
    except BaseException as e:  # noqa: BLE001 - every exception is compared
        lines = [(f.name, f.lineno) for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__]
        return ("raised", type(e).__name__, str(e), repr(e.args), type(e.__context__).__name__, lines)


class G:
    """An iterator that is no list or tuple (deep-copied for each side)."""

    def __init__(self, *items):
        self.items = list(items)

    def __iter__(self):
        return self

    def __next__(self):
        if not self.items:
            raise StopIteration
        return self.items.pop(0)


class Seq:
    """A sequence that is no list or tuple: unpacked through iteration."""

    def __init__(self, *items):
        self.items = items

    def __getitem__(self, k):
        return self.items[k]


class ListSub(list):
    pass


class FloatSub(float):
    def __add__(self, other):
        return "FloatSub.__add__"


class Box:
    def __init__(self, x):
        self.x = x

    def __repr__(self):
        return "Box(%r)" % (self.x,)


CASES = [
    ("pairs_sum", ([(1, 2), (3, 4)],)), ("pairs_sum", ([[1, 2], (3, 4)],)), ("pairs_sum", ([],)),
    ("pairs_sum", ([(1, 2, 3)],)), ("pairs_sum", ([(1,)],)), ("pairs_sum", ([5],)), ("pairs_sum", ([None],)),
    ("pairs_sum", ([G(1, 2), Seq(3, 4), "ab"[:0] + "xy" and (2, 3)],)), ("pairs_sum", ([ListSub([2, 5])],)),
    ("pairs_sum", ([(1.5, 2), ("a", 3)],)), ("pairs_sum", (None,)), ("pairs_sum", ([G(1)],)),
    ("enumerate_nested", ([(1, 2), (3, 4)],)), ("enumerate_nested", ([(1, 2, 3)],)), ("enumerate_nested", ([],)),
    ("star_first", ([1, 2, 3],)), ("star_first", ("ab",)), ("star_first", ((1,),)), ("star_first", ([],)),
    ("star_first", (7,)), ("star_middle", ((1, 2, 3, 4),)), ("star_middle", ([1, 2],)), ("star_middle", ([1],)),
    ("star_middle", (G(1, 2, 3),)), ("star_last", (range(4),)), ("star_last", ((),)),
    ("list_target", ([5, 1, 1],)), ("list_target", ((5, 1, 1),)), ("list_target", (G(5, 1, 1),)),
    ("list_target", ([1, 2],)), ("list_target", ([1, 2, 3, 4],)), ("list_target", (5,)), ("list_target", (None,)),
    ("list_target", ({1: 0, 2: 0, 3: 0},)), ("list_target", ("abc",)), ("list_target", (G(1, 2, 3, 4),)),
    ("one_target", ([9],)), ("one_target", ((),)), ("one_target", ("xy",)),
    ("nested_assign", (((1, [2, 3]), 4),)), ("nested_assign", ([[1, (2, 3)], 4],)), ("nested_assign", (((1, [2]), 4),)),
    ("nested_assign", (((1, 5), 4),)), ("nested_assign", ((1, 4),)),
    ("nested_partial", (((1, 2), 3),)), ("nested_partial", (((1, 2, 9), 3),)), ("nested_partial", (((1,), 3),)),
    ("typed_targets", ([(1.5, 2.0), (3, 4)],)), ("typed_targets", ([],)),
    ("swap_through", ((1, 2),)), ("swap_through", ([[], {}],)), ("swap_through", ((1, 2, 3),)),
    ("for_else", ([(1, 2), (3, 3)],)), ("for_else", ([(1, 2)],)), ("for_else", ([(1, 2), 3],)),
    ("bodies", ([(([1.0, 2.0, 3.0], [1.0], 2.0), ([0.0, 0.5, 1.0], [2.0], 3.0))],)),
    ("bodies", ([(([1.0, 2.0], [1.0], 2.0), ([0.0, 0.5, 1.0], [2.0], 3.0))],)),
    ("dict_items", ({"a": 2, "b": 3},)), ("dict_items", ({},)),
    ("aug_item", ({"a": 1}, "a", 2)), ("aug_item", ({"a": 1}, "b", 2)), ("aug_item", ([1, 2], 1, 5)),
    ("aug_item", ([[1], 2], 0, [3])), ("aug_item", ((1, 2), 0, 1)), ("aug_item", (None, 0, 1)),
    ("aug_item", ({"a": "x"}, "a", 1)), ("aug_item", ({(1, 2): 1.5}, (1, 2), 2)),
    ("aug_index", ([1, 2, 3], 1, 1)), ("aug_index", ([1, 2, 3], -1, 1)), ("aug_index", ([1, 2, 3], 5, 1)),
    ("aug_index", ([1, 2, 3], 0, 1)), ("aug_index", ({0: 1, 1: 4}, 1, 1)), ("aug_index", ("abc", 1, 1)),
    ("float_ops", (1.5, 2.25)), ("float_ops", (1.0, 0.0)), ("float_ops", (-0.0, -0.0)), ("float_ops", (1, 2.5)),
    ("float_ops", (2.5, 2)), ("float_ops", (FloatSub(1.5), 2.0)), ("float_ops", (1e308, 1e308)), ("float_ops", (1, 0)),
    ("float_ops", (float("nan"), float("inf"))), ("float_ops", ("a", 1.0)), ("float_ops", (True, 0.5)),
    ("set_index", ([1, 2, 3], 1, "x")), ("set_index", ([1, 2, 3], -1, None)), ("set_index", ([1, 2, 3], 3, 0)),
    ("set_index", ([1, 2, 3], -4, 0)), ("set_index", ([], 0, 0)), ("set_index", ((1, 2), 0, 0)),
    ("set_index", ({}, 5, "v")), ("set_index", (ListSub([1, 2]), 1, 7)), ("set_index", (None, 0, 0)),
    ("aug_attr", (Box(2), 3)), ("aug_attr", (Box("a"), 3)), ("aug_attr", (object(), 1)), ("aug_attr", (Box([1]), [2])),
]


@pytest.mark.parametrize("name,args", CASES)
def test_same_as_cpython(m, name, args):
    # Fresh arguments for each side: some functions mutate them.
    assert describe(m.native, name, *copy.deepcopy(args)) == describe(m.py, name, *copy.deepcopy(args))


DEFAULT_CALLS = [
    ("with_defaults", (1,), {}), ("with_defaults", (1, 2), {}), ("with_defaults", (1,), {"c": [9]}),
    ("with_defaults", (), {}), ("with_defaults", (1, 2, 3), {}), ("with_defaults", (1,), {"f": 2}),
    ("with_defaults", (1,), {"a": 2}), ("with_defaults", (1,), {"b": None, "e": 4, "d": "x"}),
    ("with_defaults", (), {"a": 5}), ("float_default", (), {}), ("float_default", (2,), {}), ("float_default", (), {"y": 3}),
    ("float_default", ("a",), {}), ("float_default", (1, 2, 3), {}), ("evaluated_once", (), {}), ("evaluated_once", ([5],), {}),
    ("evaluated_once", (), {}), ("typed_and_object", (), {}), ("typed_and_object", (2,), {"scale": "ab"}),
    ("calls_with_defaults", (3,), {}), ("calls_with_defaults", (4,), {}),
]


def test_defaults_same_as_cpython(m):
    """Defaults evaluated once where the def runs (a mutable one shared by
    every call, direct compiled calls included), keyword-only ones, and
    CPython's own TypeErrors for wrong calls; each step's state compared."""
    for name, args, kwargs in DEFAULT_CALLS:
        got = [describe(mod, name, *copy.deepcopy(args), **copy.deepcopy(kwargs)) for mod in (m.native, m.py)]
        assert got[0] == got[1], (name, args, kwargs)
    assert m.native.with_defaults(0)[1] == [1, 2] and m.native.SHARED == m.py.SHARED


def test_global_writes(m):
    """`global` names assigned and updated in the module's dict; cached reads
    of them elsewhere see each new value; deleting one is CPython's NameError."""
    seq = [("bump_global", (3,)), ("set_last", ([1],)), ("read_cached_global", ()), ("bump_global", (0,)),
           ("set_last", ("x",)), ("bump_global", (2,))]
    for name, args in seq:
        assert describe(m.native, name, *args) == describe(m.py, name, *args), name
        assert (m.native.counter, m.native.LAST) == (m.py.counter, m.py.LAST)
    for mod in (m.native, m.py):
        del mod.counter
    assert describe(m.native, "bump_global", 1) == describe(m.py, "bump_global", 1)
    for mod in (m.native, m.py):
        mod.counter = "s"
    assert describe(m.native, "bump_global", 1) == describe(m.py, "bump_global", 1)
    for mod in (m.native, m.py):
        mod.counter = 0
    value = object()
    before = sys.getrefcount(value)
    m.native.set_last(value)
    after = sys.getrefcount(value)
    assert after == before + 1
    assert m.native.LAST is value
    m.native.set_last(None)
    after = sys.getrefcount(value)
    assert after == before
    assert growth(lambda: (m.native.bump_global(2), m.native.set_last("v"), m.native.read_cached_global())) < N // 10
    m.native.counter = 0


def test_set_index_releases_the_old_item(m):
    old, new = object(), object()
    a = [old, 1]
    before = (sys.getrefcount(old), sys.getrefcount(new))
    m.native.set_index(a, 1, new)
    assert a == [1, new]
    assert (sys.getrefcount(old), sys.getrefcount(new)) == (before[0] - 1, before[1] + 1)


def test_exact_sequence_is_read_in_place(m):
    """An exact list of the right length is not copied: its items are the targets."""
    item = object()
    a, rest = m.native.star_first([item, 1])
    assert a is item and rest == [1]
    x = [object(), object()]
    assert m.native.swap_through(x) == (x[1], x[0])


@pytest.mark.parametrize("name,args", [
    ("pairs_sum", ([(1, 2), [3, 4], (5, 6)] * 4,)), ("pairs_sum", ([(1, 2, 3)],)), ("pairs_sum", ([None],)),
    ("pairs_sum", ([G(1, 2)],)), ("enumerate_nested", ([(1, 2), (3, 4)],)), ("star_middle", ([1, 2, 3, 4],)),
    ("star_middle", ([1],)), ("list_target", ([1, 2],)), ("list_target", (Seq(1, 2, 3),)),
    ("nested_assign", (((1, [2, 3]), 4),)), ("nested_assign", (((1, [2]), 4),)), ("nested_partial", (((1,), 3),)),
    ("typed_targets", ([(1.5, 2.0), (3, 4)],)), ("typed_targets", ([("a", 1)],)), ("dict_items", ({"a": 2},)),
    ("bodies", ([(([1.0, 2.0, 3.0], [1.0], 2.0), ([0.0, 0.5, 1.0], [2.0], 3.0))],)),
    ("aug_item", ({"a": 1}, "a", 0)), ("aug_item", ({"a": 1}, "b", 2)), ("aug_item", ({"a": "x"}, "a", 1)),
    ("aug_index", ([1, 2, 3], 1, 0)), ("aug_index", ([1, 2, 3], 5, 1)), ("aug_attr", (Box(2), 0)),
    ("aug_attr", (object(), 1)), ("with_defaults", (1,)), ("with_defaults", ()), ("float_default", ()),
    ("float_default", ("a",)), ("calls_with_defaults", (2,)), ("typed_and_object", ()),
    ("float_ops", (1.5, 2.25)), ("float_ops", (1.0, 0.0)), ("float_ops", (FloatSub(1.5), 2.0)),
    ("set_index", ([1, 2, 3], 1, 5)), ("set_index", ([1, 2, 3], 7, 5)), ("set_index", ((1, 2), 0, 0)),
])
def test_no_leak_and_arguments_keep_their_refcounts(m, name, args):
    f = getattr(m.native, name)
    own = [a for a in args if not (a is None or type(a) is int and -5 <= a <= 256)]
    refs = [sys.getrefcount(a) for a in own]
    grown = growth(lambda: attempt(f, *args))
    assert grown < N // 10, "%s: %d blocks more after %d calls" % (name, grown, N)
    assert [sys.getrefcount(a) for a in own] == refs
    assert sys.exc_info() == (None, None, None)


def test_nbody_lists_example(pyc):
    """examples/nbody_lists.py (pyperformance's n-body as it is) builds under
    --strict, every function native, with CPython's results."""
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "examples" / "nbody_lists.py").read_text()
    p = pyc.pair(text, args=("--strict",))
    for name in ("combinations", "advance", "report_energy", "offset_momentum", "bench_nbody", "simulate"):
        p.assert_native(name)
    for steps in (0, 1, 300):
        assert p.native.simulate(steps) == p.py.simulate(steps)
    assert p.native.report_energy() == p.py.report_energy()
    assert p.native.PAIRS == p.py.PAIRS and p.native.SYSTEM == p.py.SYSTEM
    p.native.bench_nbody(2, "sun", 50)
    p.py.bench_nbody(2, "sun", 50)
    assert p.native.SYSTEM == p.py.SYSTEM
    assert describe(p.native, "advance", 0.01, 1, [(1, 2)]) == describe(p.py, "advance", 0.01, 1, [(1, 2)])
    assert describe(p.native, "advance", 0.01, 1, None, [1]) == describe(p.py, "advance", 0.01, 1, None, [1])
    assert growth(lambda: p.native.simulate(5)) < N // 10


VARARGS_SRC = '''
import cython

def count(*args):
    return len(args)

def keywords(**kw):
    return sorted(kw.items())

def every_kind(a, b=2, *rest, c, d=4, **kw):
    return (a, b, rest, c, d, kw)

def positional_only(a, /, *args, **kw):
    return (a, args, kw)

def shared_default(a, b=[], *args, k=(), **kw):
    b.append(a)
    return (len(b), args, k, kw)

def total(*xs):
    s = 0
    for x in xs:
        s += x
    return s

def calls_every_kind(x):
    return every_kind(x, 1, 2, 3, c=5, z=6)

def keeps(*args, **kw):
    return args, kw

class Plain:
    def m(self, *a, **k):
        return (type(self).__name__, a, k)

@cython.cclass
class Typed:
    x: cython.int
    def m(self, *a, **k):
        return (type(self).__name__, a, k)
'''

VARARGS = ["count", "keywords", "every_kind", "positional_only", "shared_default", "total", "calls_every_kind", "keeps"]

VARARGS_CALLS = [
    ("count", (), {}), ("count", (1, 2, 3), {}), ("count", (), {"x": 1}), ("count", (None,), {}),
    ("keywords", (), {}), ("keywords", (), {"y": 2, "x": 1}), ("keywords", (1,), {}),
    ("every_kind", (1,), {"c": 3}), ("every_kind", (1, 2, 3, 4), {"c": 5, "e": 6}), ("every_kind", (), {}),
    ("every_kind", (1,), {}), ("every_kind", (1,), {"c": 1, "a": 2}), ("every_kind", (), {"a": 1, "c": 2, "b": 3}),
    ("positional_only", (1, 2), {"a": 3}), ("positional_only", (), {"a": 1}), ("positional_only", (1,), {}),
    ("shared_default", (1,), {}), ("shared_default", (1, [], 2, 3), {"k": 4, "q": 5}), ("shared_default", (2,), {}),
    ("shared_default", (), {"b": 1}),
    ("total", (), {}), ("total", (1, 2, 3), {}), ("total", (1.5, 2), {}), ("total", (1, "a"), {}), ("total", ("a",), {}),
    ("calls_every_kind", (9,), {}), ("calls_every_kind", ("s",), {}),
    ("keeps", (), {}), ("keeps", (1,), {"k": [2]}),
]


@pytest.fixture(scope="module")
def va(pyc):
    return pyc.pair(VARARGS_SRC, args=("--strict",))


@pytest.mark.parametrize("name", VARARGS)
def test_varargs_native(va, name):
    va.assert_native(name)


def test_varargs_same_as_cpython(va):
    """The binder fills `*args`/`**kwargs` (a tuple and a dict), so every
    wrong call is CPython's own TypeError, named as Python names it."""
    for name, args, kwargs in VARARGS_CALLS:
        got = [describe(mod, name, *copy.deepcopy(args), **copy.deepcopy(kwargs)) for mod in (va.native, va.py)]
        assert got[0] == got[1], (name, args, kwargs)
    assert va.native.every_kind.__text_signature__ == "($module, /, a, b=2, *rest, c, d=4, **kw)"


def test_varargs_methods(va):
    for cls, name in (("Plain", "m"), ("Typed", "m")):
        for args, kwargs in (((), {}), ((1, 2), {"z": 3}), ((), {"self": 1})):
            got = [describe(getattr(mod, cls)(), name, *args, **kwargs) for mod in (va.native, va.py)]
            assert got[0] == got[1], (cls, args, kwargs)
    import types
    assert not isinstance(va.native.Plain.m, types.FunctionType), va.fallback_reason("m")


def test_varargs_are_the_callers_objects_and_do_not_leak(va):
    item, value = object(), object()
    refs = (sys.getrefcount(item), sys.getrefcount(value))
    args, kw = va.native.keeps(item, k=value)
    assert args == (item,) and kw == {"k": value} and args[0] is item and kw["k"] is value
    del args, kw
    assert (sys.getrefcount(item), sys.getrefcount(value)) == refs
    f = va.native.every_kind
    assert growth(lambda: (f(1, 2, 3, c=4, z=item), attempt(f, 1), attempt(f, c=1), va.native.total(1, 2, 3),
                           attempt(va.native.total, 1, "a"), va.native.calls_every_kind(item))) < N // 10
    assert (sys.getrefcount(item), sys.getrefcount(value)) == refs


STARCALL_SRC = '''
def g(a, b=0, *r, **k):
    if a == "boom":
        raise ValueError("inside g")
    return (a, b, r, k)

def star(t):
    return g(*t)

def double_star(d):
    return g(**d)

def mixed(x, t, d):
    return g(x, *t, k=1, **d)

def two_stars(t, u):
    return g(1, *t, *u)

def two_mappings(d, e):
    return g(0, **d, **e)

def builtin_star(t):
    return max(*t)

def method_star(s, t):
    return s.format(*t)

def local_callable(f, t, d):
    return f(*t, **d)

def forwards(*args, **kwargs):
    return g(*args, **kwargs)

def late(t, f):
    return g(*t, f())
'''

STARCALLS = ["star", "double_star", "mixed", "two_stars", "two_mappings", "builtin_star", "method_star",
             "local_callable", "forwards"]

STARCALL_CASES = [
    ("star", ((1, 2, 3),)), ("star", ([1],)), ("star", ((),)), ("star", (1,)), ("star", (None,)), ("star", (("boom",),)),
    ("star", ("xy",)), ("star", ({"a": 1},)), ("star", (G(1, 2),)), ("star", (G(),)),
    ("double_star", ({"a": 1, "z": 2},)), ("double_star", ({},)), ("double_star", (1,)), ("double_star", ({1: 2},)),
    ("double_star", ([1],)), ("double_star", ({"a": "boom"},)), ("double_star", (None,)),
    ("mixed", (1, [2], {"q": 3})), ("mixed", (1, [2], {"k": 3})), ("mixed", (1, 5, {})), ("mixed", (1, (), 5)),
    ("mixed", (1, (2,), {"a": 3})), ("mixed", (1, G(2, 3), {})),
    ("two_stars", ((2,), [3])), ("two_stars", ((2,), 3)), ("two_stars", (None, (3,))), ("two_stars", ((), ())),
    ("two_mappings", ({"x": 1}, {"y": 2})), ("two_mappings", ({"x": 1}, {"x": 2})), ("two_mappings", ({}, 1)),
    ("two_mappings", ({"a": 1}, {})),
    ("builtin_star", ((1, 5, 2),)), ("builtin_star", (3,)), ("builtin_star", ((),)), ("builtin_star", ([[1]],)),
    ("method_star", ("{}-{}", (1, 2))), ("method_star", ("{}-{}", (1,))), ("method_star", (5, ())),
    ("local_callable", (len, ("ab",), {})), ("local_callable", (dict, (), {"a": 1})), ("local_callable", (None, (), {})),
    ("local_callable", (len, (), {"x": 1})), ("forwards", (1, 2, 3)), ("forwards", ()),
]


@pytest.fixture(scope="module")
def sc(pyc):
    return pyc.pair(STARCALL_SRC)


@pytest.mark.parametrize("name", STARCALLS)
def test_star_calls_native(sc, name):
    sc.assert_native(name)


def test_star_call_followed_by_a_call_stays_python(sc):
    """The helper unpacks once every value is evaluated: a call after the
    unpacked value could tell, so the function stays Python, saying why."""
    assert isinstance(sc.native.late, type(test_star_call_followed_by_a_call_stays_python))
    assert "evaluated before the unpacking is done" in sc.fallback_reason("late")


def _same_module(result, p):
    # Messages name the callee by module: the two modules' names differ.
    return repr(result).replace(p.py.__name__ + ".", p.native.__name__ + ".")


@pytest.mark.parametrize("name,args", STARCALL_CASES)
def test_star_calls_same_as_cpython(sc, name, args):
    """Python's call of the same shape makes it: results, the TypeErrors of
    each shape (`f() argument after * must be an iterable`, `Value after *`,
    repeated keywords, non-str keys), and the callee's traceback lines."""
    got = [describe(mod, name, *copy.deepcopy(args)) for mod in (sc.native, sc.py)]
    assert _same_module(got[0], sc) == _same_module(got[1], sc)


def test_star_calls_keep_refcounts_and_do_not_leak(sc):
    item, key_value = object(), object()
    t, d = (item, 1), {"z": key_value}
    refs = (sys.getrefcount(item), sys.getrefcount(key_value), sys.getrefcount(t), sys.getrefcount(d))
    r = sc.native.mixed(item, t, d)
    assert r[0] is item and r[1] is item and r[3]["z"] is key_value
    del r
    assert (sys.getrefcount(item), sys.getrefcount(key_value), sys.getrefcount(t), sys.getrefcount(d)) == refs
    n = sc.native
    grown = growth(lambda: (n.star(t), n.mixed(item, t, d), attempt(n.star, 1), attempt(n.double_star, [1]),
                            attempt(n.mixed, 1, (2,), {"k": 3}), attempt(n.star, ("boom",)), n.forwards(item, k=d),
                            attempt(n.two_mappings, {"x": 1}, {"x": 2})))
    assert grown < N // 10
    assert (sys.getrefcount(item), sys.getrefcount(key_value), sys.getrefcount(t), sys.getrefcount(d)) == refs
    assert sys.exc_info() == (None, None, None)



STARFAST_SRC = """
def h(*r, **k):
    if r and r[0] == "boom":
        raise ValueError("inside h")
    return (r, k)

def spread(t):
    return h(*t)

def lead_spread(x, y, t):
    return h(x, y, *t)

def both(t, d):
    return h(*t, **d)

def lead_both(x, t, d):
    return h(x, *t, **d)

def only_kw(d):
    return h(**d)

def lead_kw(x, d):
    return h(x, **d)

def strict(a, b):
    return a - b

def call_strict(t, d):
    return strict(*t, **d)

def call_builtin(t, d):
    return sorted(*t, **d)
"""

STARFAST = ["spread", "lead_spread", "both", "lead_both", "only_kw", "lead_kw", "call_strict", "call_builtin"]


class StrSub(str):
    pass


class DictSub(dict):
    pass


class TupleSub(tuple):
    pass


class ListSub(list):
    pass


class Mapping:
    """A mapping that is no dict: `**` reads its keys() and items."""

    def __init__(self, **items):
        self.items = items

    def keys(self):
        return list(self.items)

    def __getitem__(self, key):
        return self.items[key]


STARFAST_CASES = [
    ("spread", ((1, 2),)), ("spread", ([1, 2],)), ("spread", ((),)), ("spread", ([],)), ("spread", ("ab",)),
    ("spread", (G(1),)), ("spread", (5,)), ("spread", (None,)), ("spread", (("boom",),)), ("spread", (["boom", 1],)),
    ("spread", (TupleSub((1, 2)),)), ("spread", (ListSub([3]),)), ("spread", (range(3),)), ("spread", ({"a": 1},)),
    ("lead_spread", (1, 2, (3,))), ("lead_spread", (1, 2, [3, 4])), ("lead_spread", (1, 2, ())),
    ("lead_spread", (1, 2, range(2))), ("lead_spread", (1, 2, 3)), ("lead_spread", ("boom", 2, [])),
    ("both", ((1,), {"a": 1})), ("both", ([1], {})), ("both", ((), {1: 2})), ("both", ((), {"a": 1, 2: 3})),
    ("both", ((), {StrSub("s"): 1})), ("both", ((), DictSub(a=1))), ("both", ((), Mapping(a=1, b=2))),
    ("both", ((), Mapping())), ("both", ((), 5)), ("both", (5, {})), ("both", (5, 5)), ("both", (("boom",), {"a": 1})),
    ("both", (G(1), {"a": 1})), ("both", ((), None)), ("both", (["boom"], {1: 1})),
    ("lead_both", (1, (2,), {"a": 1})), ("lead_both", (1, [2], {"a": 1})), ("lead_both", ("boom", [], {})),
    ("lead_both", (1, (), {(): 1})), ("lead_both", (1, 2, {})),
    ("only_kw", ({"a": 1},)), ("only_kw", ({},)), ("only_kw", ({1: 2},)), ("only_kw", (DictSub(z=1),)),
    ("only_kw", (Mapping(q=1),)), ("only_kw", (None,)), ("only_kw", ([("a", 1)],)),
    ("lead_kw", (1, {"a": 1})), ("lead_kw", ("boom", {})), ("lead_kw", (1, {b"a": 1})),
    ("call_strict", ((5,), {"b": 2})), ("call_strict", ((5,), {"a": 2})), ("call_strict", ((5, 2), {"b": 3})),
    ("call_strict", ((), {"a": 1, "b": 2, "c": 3})), ("call_strict", ((1,), {})), ("call_strict", ([1, 2], {})),
    ("call_strict", (("x", 1), {})), ("call_strict", ((), {"a": 1, "b": 2})),
    ("call_builtin", (([3, 1, 2],), {"reverse": True})), ("call_builtin", (([3, 1],), {"key": 1})),
    ("call_builtin", (([3, 1],), {"nokey": 1})), ("call_builtin", ((), {})),
]


@pytest.fixture(scope="module")
def sf(pyc):
    return pyc.pair(STARFAST_SRC)


@pytest.mark.parametrize("name", STARFAST)
def test_star_fast_path_native(sf, name):
    sf.assert_native(name)


@pytest.mark.parametrize("name,args", STARFAST_CASES)
def test_star_fast_path_same_as_cpython(sf, name, args):
    """`f(a, *x, **y)` with an exact tuple or list and an exact dict of str
    keys calls `PyObject_Call` directly; everything else (other iterables,
    subclasses, other mappings, non-str keys) the interpreter's call: the
    same values, messages and callee traceback lines either way."""
    got = [describe(mod, name, *copy.deepcopy(args)) for mod in (sf.native, sf.py)]
    assert _same_module(got[0], sf) == _same_module(got[1], sf)


def test_star_fast_path_copies_the_dict(sf):
    """The callee gets a copy of an exact dict (it may keep it) and the
    list's items in a tuple of their own."""
    d, t, lst = {"a": 1}, (1, 2), [1, 2]
    for mod in (sf.native, sf.py):
        r, k = mod.both(t, d)
        assert k == d and k is not d and r == t
        k["b"] = 2
        assert d == {"a": 1}
        r, k = mod.both(lst, d)
        assert r == (1, 2) and type(r) is tuple
        lst.append(3)
        assert r == (1, 2)
        lst.pop()
        r, k = mod.lead_both(0, t, d)
        assert r == (0, 1, 2) and k == d and k is not d


def test_star_fast_path_keeps_refcounts_and_does_not_leak(sf):
    item, value = object(), object()
    t, lst, d = (item, 1), [item], {"z": value}
    bad, sub = {1: item}, DictSub(z=value)
    watched = (item, value, t, lst, d, bad, sub)
    refs = [sys.getrefcount(o) for o in watched]
    r = sf.native.lead_both(item, t, d)
    assert r[0] == (item, item, 1) and r[1]["z"] is value
    del r
    assert [sys.getrefcount(o) for o in watched] == refs
    n = sf.native
    grown = growth(lambda: (n.spread(t), n.spread(lst), n.lead_spread(item, value, t), n.both(lst, d),
                            n.lead_both(item, t, d), n.only_kw(d), n.lead_kw(item, d), attempt(n.both, t, bad),
                            attempt(n.only_kw, sub), attempt(n.spread, ("boom", item)), attempt(n.both, ["boom"], d),
                            attempt(n.call_strict, (item,), {"a": value}), attempt(n.call_strict, t, d),
                            attempt(n.lead_spread, item, value, 3), attempt(n.both, t, 5)))
    assert grown < N // 10
    assert [sys.getrefcount(o) for o in watched] == refs
    assert sys.exc_info() == (None, None, None)

GENEXPR_SRC = '''
def any_gt(v, t):
    return any(x > t for x in v)

def all_truthy(v):
    return all(x for x in v)

def any_nested(m):
    return any(x == 3 for row in m for x in row if x)

def all_filtered(v):
    return all(x % 2 for x in v if x > 0)

def any_as_condition(v):
    if any(x is None for x in v):
        return "has None"
    return "none missing"

def doubled_set(v):
    return set(x * 2 for x in v)

def frozen(v):
    return frozenset(x for x in v)

def inverted(d):
    return dict((v, k) for k in d for v in [d[k]])

def lengths(words):
    return dict((w, len(w)) for w in words)
'''

GENEXPRS = ["any_gt", "all_truthy", "any_nested", "all_filtered", "any_as_condition", "doubled_set", "frozen",
            "inverted", "lengths"]

GENEXPR_CASES = [
    ("any_gt", ([1, 2, 3], 2)), ("any_gt", ([], 0)), ("any_gt", ([1, 2], 5)), ("any_gt", ([1, "a"], 0)),
    ("any_gt", ([1, "a"], 2)), ("any_gt", (5, 0)), ("any_gt", (None, 0)), ("any_gt", ([float("nan")], 0)),
    ("all_truthy", ([1, 0, 2],)), ("all_truthy", ([],)), ("all_truthy", ([1, "x", [0]],)), ("all_truthy", ([1, [], 2],)),
    ("all_truthy", ("abc",)), ("all_truthy", (G(1, 0, 1),)),
    ("any_nested", ([[0, 1], [3]],)), ("any_nested", ([[1]],)), ("any_nested", ([],)), ("any_nested", ([[0], 5],)),
    ("any_nested", ([[3], 5],)),
    ("all_filtered", ([1, 3, -2],)), ("all_filtered", ([1, 4],)), ("all_filtered", ([],)), ("all_filtered", ([1, "a"],)),
    ("any_as_condition", ([1, None],)), ("any_as_condition", ([1],)),
    ("doubled_set", ([1, 2, 2],)), ("doubled_set", ([],)), ("doubled_set", ([[1]],)), ("doubled_set", ("ab",)),
    ("frozen", ("aab",)), ("frozen", ([{}],)), ("frozen", (3,)),
    ("inverted", ({"a": 1, "b": 2},)), ("inverted", ({"a": []},)), ("inverted", ({},)),
    ("lengths", (["ab", "c"],)), ("lengths", ([1],)), ("lengths", ([],)),
]


@pytest.fixture(scope="module")
def ge(pyc):
    return pyc.pair(GENEXPR_SRC, args=("--strict",))


@pytest.mark.parametrize("name", GENEXPRS)
def test_generator_calls_native(ge, name):
    ge.assert_native(name)


def _without_comprehension_frames(d):
    # Compiled, a comprehension has no traceback entry of its own (as with
    # the list comprehensions of 3.12+, PEP 709, and as in Cython).
    if d[0] != "raised":
        return d
    return d[:-1] + ([(f, n) for f, n in d[-1] if f not in ("<genexpr>", "<setcomp>", "<dictcomp>")],)


@pytest.mark.parametrize("name,args", GENEXPR_CASES)
def test_generator_calls_same_as_cpython(ge, name, args):
    got = [describe(mod, name, *copy.deepcopy(args)) for mod in (ge.native, ge.py)]
    assert got[0] == _without_comprehension_frames(got[1])


def test_any_all_stop_at_the_deciding_item(ge):
    """`any` stops at the first true item, `all` at the first false one:
    the rest of the iterator is left unread, as the builtins leave it."""
    for name, items, t in (("any_gt", [1, 5, 7, 9], (2,)), ("all_truthy", [1, 0, 7, 9], ())):
        its = [iter(items), iter(items)]
        results = [getattr(mod, name)(it, *t) for mod, it in zip((ge.native, ge.py), its)]
        assert results[0] is results[1]
        assert list(its[0]) == list(its[1]) == [7, 9]


def test_generator_calls_do_not_leak(ge):
    item = object()
    v = [item, item]
    refs = sys.getrefcount(item)
    n = ge.native
    grown = growth(lambda: (n.any_gt([1, 5, 7], 2), n.all_truthy(v), attempt(n.any_gt, [1, "a"], 2), n.any_nested([[0, 3], [4]]),
                            attempt(n.doubled_set, [[1]]), n.frozen(v), n.inverted({"a": item}), attempt(n.lengths, [1])))
    assert grown < N // 10
    assert sys.getrefcount(item) == refs
    assert sys.exc_info() == (None, None, None)


DEL_SRC = '''
import cython

def del_item(d, k):
    del d[k]
    return d

def del_two(d, a, b):
    del d[a], d[b]
    return d

def del_attr(o):
    del o.x
    return o

@cython.locals(i=cython.Py_ssize_t)
def del_index(a, i):
    del a[i]
    return a

def del_name(x):
    y = x
    del y
    return x
'''

DELS = ["del_item", "del_two", "del_attr", "del_index"]


class Slots:
    __slots__ = ("x",)

    def __repr__(self):
        return "Slots(%r)" % (getattr(self, "x", None),)


class Bare:
    def __repr__(self):
        return "Bare(%r)" % (vars(self),)


def _with_x(cls, x=1):
    o = cls()
    o.x = x
    return o


DEL_CASES = [
    ("del_item", ({1: 2, 3: 4}, 1)), ("del_item", ({}, 1)), ("del_item", ((1,), 0)), ("del_item", ([1, 2], -1)),
    ("del_item", ([1], 5)), ("del_item", ({}, [])), ("del_item", (None, 0)), ("del_item", ("ab", 0)),
    ("del_item", ([1, 2, 3], slice(0, 2))), ("del_item", ({"a": 1}, "a")),
    ("del_two", ([1, 2, 3, 4], 0, 0)), ("del_two", ({1: 1, 2: 2}, 1, 2)), ("del_two", ({1: 1}, 1, 1)),
    ("del_attr", (_with_x(Bare),)), ("del_attr", (Box(1),)), ("del_attr", (Bare(),)), ("del_attr", (1,)), ("del_attr", (_with_x(Slots),)),
    ("del_attr", (Slots(),)), ("del_attr", (None,)),
    ("del_index", ([1, 2, 3], -1)), ("del_index", ([], 0)), ("del_index", ({0: 1}, 0)),
]


@pytest.fixture(scope="module")
def dl(pyc):
    return pyc.pair(DEL_SRC)


@pytest.mark.parametrize("name", DELS)
def test_del_native(dl, name):
    dl.assert_native(name)


def test_del_of_a_name_compiles(dl):
    """`del` of an object local unbinds it (tests/test_object_stmt.py has more)."""
    dl.assert_native("del_name")
    assert dl.native.del_name(3) == 3


@pytest.mark.parametrize("name,args", DEL_CASES)
def test_del_same_as_cpython(dl, name, args):
    got = [describe(mod, name, *copy.deepcopy(args)) for mod in (dl.native, dl.py)]
    assert got[0] == got[1]


def test_del_releases_and_does_not_leak(dl):
    key, value = object(), object()
    d = {key: value}
    refs = (sys.getrefcount(key), sys.getrefcount(value))
    dl.native.del_item(d, key)
    assert d == {} and (sys.getrefcount(key), sys.getrefcount(value)) == (refs[0] - 1, refs[1] - 1)
    b = Bare()
    before = sys.getrefcount(value)
    dl.native.del_attr(_with_x(Bare, value))
    assert sys.getrefcount(value) == before
    n = dl.native
    grown = growth(lambda: (n.del_item({1: key}, 1), attempt(n.del_item, {}, key), n.del_attr(_with_x(Bare, value)),
                            attempt(n.del_attr, b), n.del_index([1, 2], 0), attempt(n.del_index, [], 0)))
    assert grown < N // 10
    assert sys.exc_info() == (None, None, None)
