"""Methods of plain Python classes compiled into the module's binding
function type (issue 12): results against CPython over many calls, binding
as Python functions bind (instances, classes, static and class methods,
properties, subclasses), names, tracebacks, pickling, leaks; what stays
Python is reported with its reason."""

import gc
import pickle
import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth

COMPILED = ["Counter.__init__", "Counter.bump", "Counter.total", "Counter.ratio", "Counter.fail_deep",
            "Counter.twice", "Counter.make", "Counter.doubled", "Counter.__eq__", "Counter.__hash__",
            "Counter.__repr__", "Sub.bump", "Node.__init__", "Node.length"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("pyclass")


def raw(cls, name):
    """The object the class body bound (a staticmethod/classmethod/property's function)."""
    v = cls.__dict__[name]
    return getattr(v, "__func__", None) or getattr(v, "fget", None) or v


@pytest.mark.parametrize("qual", COMPILED)
def test_method_is_compiled(m, qual):
    cls, name = qual.split(".")
    f = raw(getattr(m.native, cls), name)
    assert type(f).__name__ == "pyc_aot_function", (qual, type(f), m.fallback_reason(qual))
    assert f.__qualname__ == qual and f.__name__ == name
    assert f.__module__ == m.native.__name__
    assert repr(f) == "<function %s at %#x>" % (qual, id(f))


def test_what_stays_python_is_reported(m):
    err = m.build.stderr
    assert "method `Mangled.peek` left to Python: it names `__secret`" in err
    # super() compiles (tests/test_super.py).
    assert "WithSuper.bump" not in err
    assert type(raw(m.native.WithSuper, "bump")).__name__ == "pyc_aot_function"
    assert type(raw(m.native.Mangled, "peek")).__name__ == "function"
    # The class bodies themselves run as Python and are not reported.
    assert "class `Counter` left" not in err


def test_differential_many_calls(m):
    cases = [(s, t) for s in (-3, 0, 1, 7, 2 ** 70) for t in (0, 1, 5, 50)]
    m.assert_same("run_counter", cases, native=False, exact=True)
    m.assert_same("run_sub", cases, native=False, exact=True)
    m.assert_same("chain", [0, 1, 2, 100, 1000], native=False, exact=True)
    m.assert_same("use_static", [0, -1, 2.5, "ab", [1]], native=False, exact=True)
    m.assert_same("ratio", [(1, 2), (3, 0), (1.0, 0.0), ("a", 1), (2 ** 80, 3)], native=False, exact=True)


def test_binding_like_python_functions(m):
    for mod in (m.native, m.py):
        C = mod.Counter
        c = C(5)
        assert c.bump(2) == 7 and C.bump(c, 1) == 8 and getattr(c, "bump")(1) == 9
        assert c.bump.__self__ is c and c.bump.__func__ is C.bump
        assert c.bump == c.bump and c.bump is not c.bump
        assert C.__dict__["bump"].__get__(None, C) is C.bump
        assert C.__dict__["bump"].__get__(c, C)(0) == 9
        assert C.twice(4) == 8 and c.twice(4) == 8
        assert type(C.make(3)) is C and C.make(3).n == 3
        assert c.doubled == 18
        assert C(4) == C(4) and C(4) != C(5) and hash(C(4)) == hash(4) and repr(C(4)) == "Counter(4)"
        # CPython's own messages: 3.9 names the function, 3.10+ its __qualname__.
        owner = "" if sys.version_info < (3, 10) else "Counter."
        with pytest.raises(TypeError) as e:
            c.bump()
        assert str(e.value) == owner + "bump() missing 1 required positional argument: 'k'"
        with pytest.raises(TypeError) as e:
            C.bump()
        assert str(e.value) == owner + "bump() missing 2 required positional arguments: 'self' and 'k'"
        with pytest.raises(TypeError) as e:
            c.bump(1, 2)
        assert str(e.value) == owner + "bump() takes 2 positional arguments but 3 were given"
        assert c.bump(k=1) == 10


def test_python_subclass_overrides_compiled_method(m):
    class Mine(m.native.Counter):
        def bump(self, k):
            return m.native.Counter.bump(self, k) * 100

    c = Mine(1)
    assert c.total(3) == sum([(1 + 0) * 100, (1 + 1) * 100, (1 + 3) * 100])
    assert m.native.Sub(0).total(2) == m.py.Sub(0).total(2)


def test_writable_names_and_dict(m):
    f = m.native.Node.length
    assert f.__doc__ is None and m.native.Counter.bump.__doc__ == "Adds k steps."
    f.tag = 1
    assert f.__dict__ == {"tag": 1}
    old = f.__qualname__
    try:
        f.__qualname__ = "Other.length"
        assert repr(f).startswith("<function Other.length at ")
    finally:
        f.__qualname__ = old
    with pytest.raises(TypeError):
        type(f)()


def test_traceback_names_the_py_line(m):
    c = m.native.Counter(1)
    with pytest.raises(ZeroDivisionError) as e:
        c.fail_deep(0)
    frames = traceback.extract_tb(e.value.__traceback__)
    src = m.build.src.name
    mine = [(fr.name, fr.line) for fr in frames if fr.filename.endswith(src)]
    assert ("Counter.ratio", "return self.n / d") in mine or ("ratio", "return self.n / d") in mine, mine
    py = m.py.Counter(1)
    with pytest.raises(ZeroDivisionError) as p:
        py.fail_deep(0)
    assert str(p.value) == str(e.value)


def test_pickling_functions_by_qualified_name(m):
    for f in (m.native.Counter.bump, m.native.Node.length):
        assert pickle.loads(pickle.dumps(f)) is f
    c = m.native.Counter(1)
    assert pickle.loads(pickle.dumps(c.bump)).__self__.n == 1


def test_pickling_instances(m):
    c = m.native.Counter(3)
    c.bump(2)
    d = pickle.loads(pickle.dumps(c))
    assert type(d) is m.native.Counter and d.n == 5 and d.log == [2]
    assert d.bump(1) == 6


def test_no_leaks(m):
    C, S = m.native.Counter, m.native.Sub
    c = C(0)
    assert growth(lambda: C(1).total(5)) < LEAK_CALLS // 10
    assert growth(lambda: S(1).total(5)) < LEAK_CALLS // 10
    assert growth(lambda: m.native.chain(20)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(c.ratio, 0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(c.bump)) < LEAK_CALLS // 10
    assert growth(lambda: (c.bump.__func__, C.twice(1), C.make(1), c.doubled)) < LEAK_CALLS // 10
    arg = object()
    before = sys.getrefcount(arg)
    n = m.native.Node(arg, None)
    for _ in range(100):
        n.length()
        m.native.Node.__init__(n, arg, None)
    assert sys.getrefcount(arg) == before + 1
    del n
    gc.collect()
    assert sys.getrefcount(arg) == before


def test_functions_are_collected_with_their_module(m):
    f = m.native.Counter.bump
    assert gc.is_tracked(f)
    assert sys.getrefcount(f) >= 2


@pytest.fixture(scope="module")
def richards(pyc):
    from conftest import ROOT
    return pyc.pair((ROOT / "examples" / "richards.py").read_text(), args=["--strict"], stem="richards")


def test_richards_matches_cpython(richards):
    err = richards.build.stderr
    # Every method and function compiles (`trace` too: `global` writes do).
    assert "left to Python" not in err, err
    for mod in (richards.native, richards.py):
        assert mod.Richards().run(3) is True
        assert (mod.taskWorkArea.holdCount, mod.taskWorkArea.qpktCount) == (9297, 23246)
    t = richards.native.taskWorkArea.taskTab[richards.native.I_WORK]
    assert type(type(t).fn).__name__ == "pyc_aot_function"
    with pytest.raises(Exception) as e:
        t.findtcb(0)
    with pytest.raises(Exception) as p:
        richards.py.taskWorkArea.taskTab[richards.py.I_WORK].findtcb(0)
    assert str(e.value) == str(p.value) == "Bad task id 0"


# Method calls whose arguments are not plain locals or constants look the
# method up first (`LOAD_METHOD`'s order), without a bound method: the
# type's function gets the receiver first, anything else (an instance
# attribute shadowing it, a `__getattr__` result, a static or class method,
# a builtin's method) is called as it is.
LOADED = '''
class Box:
    def __init__(self, v):
        self.v = v
        self.log = []

    def add(self, a, b=0):
        self.log.append(a)
        return self.v + a + b

    @staticmethod
    def stat(a):
        return a * 2

    @classmethod
    def kind(cls, a):
        return (cls.__name__, a)


class Shadow(Box):
    pass


class Dyn:
    def __getattr__(self, name):
        if name == "boom":
            raise KeyError(name)
        return lambda *a, **k: (name, a, sorted(k.items()))


def plain(a):
    return ("plain", a)


def other(a):
    return ("other", a)


def rebind(s):
    s.add = other
    return 1


def calls(n):
    b = Box(n)
    out = [b.add(n + 1), b.add(b.v, b=n * 2), b.stat(n - 1), b.kind(n * 3), Box.kind(n + 1), len(b.log)]
    s = Shadow(n)
    out.append(s.add(n * 2))
    s.add = plain
    out.append(s.add(n * 2))
    out.append(s.add(rebind(s)))
    out.append(s.add(n - 1))
    d = Dyn()
    out.append(d.anything(n + 1, k=n * 2))
    lst = []
    lst.append(n * 2)
    lst.extend([n + 1, n + 2])
    out.append(lst)
    out.append("-".join([str(n), str(n + 1)]))
    out.append({"a": n}.get(str("a"), n * 2))
    out.append(str(n).upper().count(str(n % 3)))
    return out


def missing(n):
    b = Box(n)
    return b.nope(1 // n)


def on_none(n):
    x = None
    return x.nope(n + 1)


def arg_raises(n):
    b = Box(n)
    return b.add(1 // n)


def method_raises(n):
    b = Box(n)
    return b.add(str(n + 1))


def dyn_raises(n):
    return Dyn().boom(n + 1)
'''


@pytest.fixture(scope="module")
def loaded(pyc):
    return pyc.pair(LOADED, stem="loaded_method")


def test_loaded_method_calls_match_cpython(loaded):
    assert "`calls` left" not in loaded.build.stderr, loaded.build.stderr
    ns = [-3, 0, 1, 7, 2 ** 70]
    loaded.assert_same("calls", ns, exact=True)
    for name in ("missing", "on_none", "arg_raises", "method_raises", "dyn_raises"):
        loaded.assert_same(name, [0, 1, -2], exact=True)
    # The lookup comes before the arguments: AttributeError, not ZeroDivisionError.
    with pytest.raises(AttributeError) as e:
        loaded.native.missing(0)
    assert str(e.value) == "'Box' object has no attribute 'nope'"


def test_loaded_method_calls_do_not_leak(loaded):
    nat = loaded.native
    for name in ("calls", "missing", "on_none", "arg_raises", "method_raises", "dyn_raises"):
        for n in (0, 3):
            f = getattr(nat, name)
            assert growth(lambda: attempt(f, n)) < LEAK_CALLS // 10, (name, n)
    arg = 10 ** 30
    before = sys.getrefcount(arg)
    for _ in range(100):
        nat.calls(arg)
        attempt(nat.method_raises, arg)
    assert sys.getrefcount(arg) == before
