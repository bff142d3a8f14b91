"""Plain-class methods with defaults (issue 12): a default naming a module
global, a name of the class body, a builtin or a call is evaluated in the
class body where the `def` stood (the module imports, where it used to fail
with NameError), once, in order; the compiled methods' `__defaults__`,
`__kwdefaults__` and `inspect.signature` are a Python function's."""

import gc
import inspect
import sys

import pytest

from conftest import LEAK_CALLS, growth

METHODS = ["__init__", "take", "grow", "tagged", "twice", "make"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("pyclass_defaults")


def raw(cls, name):
    v = cls.__dict__[name]
    return getattr(v, "__func__", None) or v


@pytest.mark.parametrize("name", METHODS)
def test_method_is_compiled(m, name):
    f = raw(m.native.Box, name)
    assert type(f).__name__ == "pyc_aot_function", (name, m.fallback_reason("Box." + name))


def test_same_results(m):
    # The defaults ran once each, in the class body's order, at import.
    assert m.native.EVENTS == m.py.EVENTS == ["a", "b"]
    assert m.native.run(3) == m.py.run(3)


@pytest.mark.parametrize("name", METHODS)
def test_introspection(m, name):
    f, g = raw(m.native.Box, name), raw(m.py.Box, name)
    assert str(inspect.signature(f)) == str(inspect.signature(g))
    assert repr(f.__defaults__) == repr(g.__defaults__)
    assert repr(f.__kwdefaults__) == repr(g.__kwdefaults__)
    bound = getattr(m.native.Box(), name)
    assert str(inspect.signature(bound)) == str(inspect.signature(getattr(m.py.Box(), name)))


def test_default_objects_are_shared(m):
    f = raw(m.native.Box, "__init__")
    assert f.__defaults__[0] is m.native.SHARED
    assert m.native.Box().items is m.native.SHARED
    assert m.native.Box.take.__kwdefaults__["scale"] is len
    # A mutable default is one object across calls, as in Python.
    b = m.native.Box()
    first = b.grow()
    assert b.grow() == first + [len(first)]


def test_wrong_arguments(m):
    for mod in (m.native, m.py):
        with pytest.raises(TypeError) as e:
            mod.Box().take(1, 2, 3, scale=len, k=4)
        assert "multiple values for argument 'k'" in str(e.value)


def test_no_leak(m):
    b = m.native.Box()
    args = (10 ** 20, object())
    before = [sys.getrefcount(a) for a in args]
    # Fewer blocks than calls: nothing is kept per call (the suite's rule;
    # a few blocks of warm-up may appear, version by version).
    for call in (lambda: b.take(*args), lambda: b.tagged(), lambda: m.native.Box.make(), lambda: b.take()):
        assert growth(call) < LEAK_CALLS // 10
    gc.collect()
    assert [sys.getrefcount(a) for a in args] == before
