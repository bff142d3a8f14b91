"""Nested `def`s and `lambda`s with native bodies (issue 12): each is a
function object of the module's function type made where its `def` runs,
carrying its closure (cells), defaults and keyword-only defaults; its body
reads and writes the captured variables through the cells. Results,
exceptions and messages against CPython; names, `__closure__`,
`__defaults__`, `__code__`, repr and `inspect.signature`; tracebacks;
reference counts over loops of making and calling closures; a closure
cycle collected."""

import gc
import inspect
import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth

OUTER = ["make_counter", "counter_run", "make_adder", "adders", "sort_by_second", "min_max_by",
         "helper_in_loop", "rebinding_seen", "writes_and_reads", "signature_kinds", "argument_errors",
         "recursive", "mutual", "raises_inside", "unbound_at_call", "names", "defaults_per_object",
         "defaults_writable", "typed_params", "closure_contents", "factory_cycle", "decorated_stays",
         "holds_own_nested", "defaults_filled", "defaults_calls"]

# The nested functions with native bodies, by qualified name.
NATIVE_NESTED = ["make_counter.<locals>.inc", "make_adder.<locals>.<lambda>", "sort_by_second.<locals>.<lambda>",
                 "min_max_by.<locals>.<lambda>", "helper_in_loop.<locals>.f", "rebinding_seen.<locals>.get",
                 "writes_and_reads.<locals>.add", "signature_kinds.<locals>.f", "argument_errors.<locals>.f",
                 "argument_errors.<locals>.g", "recursive.<locals>.fib", "mutual.<locals>.is_even",
                 "mutual.<locals>.is_odd", "raises_inside.<locals>.check", "unbound_at_call.<locals>.g",
                 "names.<locals>.inner", "defaults_per_object.<locals>.f", "defaults_writable.<locals>.f",
                 "typed_params.<locals>.poly", "closure_contents.<locals>.f", "factory_cycle.<locals>.me",
                 "defaults_filled.<locals>.f", "defaults_filled.<locals>.g", "defaults_calls.<locals>.f"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("nested_native")


@pytest.mark.parametrize("name", OUTER)
def test_outer_compiled(m, name):
    m.assert_native(name)


def test_report_names_what_stays_interpreted(m):
    err = m.build.stderr
    for q in NATIVE_NESTED:
        assert "`%s` left to Python" % q not in err, m.fallback_reason(q)
    assert ("nested function `decorated_stays.<locals>.inc` left to Python: it is decorated "
            "(the decorators apply to its interpreted function)") in err
    assert ("nested function `holds_own_nested.<locals>.outer_inner` left to Python: "
            "it holds a nested function or lambda of its own") in err


def test_differential(m):
    m.assert_same("counter_run", [(0, 3), (1.5, 2), ("a", 0), ("a", 1)], exact=True)
    m.assert_same("adders", [([1, 2], 3), (["a"], "b"), ([1], "b")], exact=True)
    m.assert_same("sort_by_second", [([(1, 3), (2, 1), (3, 2)],), ([],), ([(1,), (2,)],), ([(1, 2), (2, "a")],)], exact=True)
    m.assert_same("min_max_by", [([(1, 3), (2, 1)], 0), ([(1, 3), (2, 1)], 1), ([(1, 3)], 5)], exact=True)
    m.assert_same("helper_in_loop", [([1, 2, 3], 2), ([], 1), ([1.5], "x"), ([2 ** 70], 3)], exact=True)
    m.assert_same("rebinding_seen", [3, "s", None], exact=True)
    m.assert_same("writes_and_reads", [0, 10, 1000], exact=True)
    m.assert_same("signature_kinds", [(1, 2), ("a", None)], exact=True)
    m.assert_same("argument_errors", list(range(8)), exact=True)
    m.assert_same("recursive", [0, 1, 15], exact=True)
    m.assert_same("mutual", [0, 7, 20], exact=True)
    m.assert_same("raises_inside", [1, 0, -1], exact=True)
    m.assert_same("unbound_at_call", [()], exact=True)
    m.assert_same("names", [()], exact=True)
    m.assert_same("defaults_per_object", [([1, 2, 3],), ([],)], exact=True)
    m.assert_same("defaults_writable", [()], exact=True)
    m.assert_same("typed_params", [0, 5], exact=True)
    m.assert_same("closure_contents", [7, None, [1]], exact=True)
    m.assert_same("decorated_stays", [1, -1], exact=True)
    m.assert_same("holds_own_nested", [2], exact=True)
    # Left-out trailing parameters filled from the object's defaults.
    m.assert_same("defaults_filled", [1, "a"], exact=True)
    m.assert_same("defaults_calls", [1, 2.5, "a"], exact=True)


def test_function_objects(m):
    inc = m.native.make_counter(5)
    assert type(inc).__name__ == "pyc_aot_function"
    assert inc.__name__ == "inc" and inc.__qualname__ == "make_counter.<locals>.inc"
    assert inc.__module__ == m.native.__name__
    assert repr(inc).startswith("<function make_counter.<locals>.inc at 0x")
    (cell,) = inc.__closure__
    assert type(cell).__name__ == "cell" and cell.cell_contents == 5
    assert inc() == 6 and cell.cell_contents == 6
    cell.cell_contents = 100
    assert inc(2) == 102
    assert inc.__defaults__ == (1,) and inc.__kwdefaults__ is None
    inc.__defaults__ = (7,)
    assert inc() == 109
    assert inc.__code__.co_freevars == ("n",) and inc.__code__.co_name == "inc"
    assert inc.__code__.co_firstlineno == m.py.make_counter(0).__code__.co_firstlineno
    # Each `def` run makes a new object.
    assert m.native.make_counter(0) is not m.native.make_counter(0)
    lam = m.native.make_adder(1)
    assert type(lam).__name__ == "pyc_aot_function" and lam.__name__ == "<lambda>"
    assert lam.__qualname__ == "make_adder.<locals>.<lambda>" and lam(2) == 3
    with pytest.raises(AttributeError):
        inc.__closure__ = ()
    inc.attr = 1
    assert inc.__dict__ == {"attr": 1}


def test_signature(m):
    for mod in (m.native, m.py):
        inc = mod.make_counter(0)
        assert str(inspect.signature(inc)) == "(k=1)"
    assert str(inspect.signature(m.native.make_adder(0))) == "(x)"


def test_argument_errors_name_the_function(m):
    inc = m.native.make_counter(0)
    with pytest.raises(TypeError) as e:
        inc(1, 2)
    with pytest.raises(TypeError) as p:
        m.py.make_counter(0)(1, 2)
    assert str(e.value) == str(p.value)
    with pytest.raises(TypeError) as e:
        inc(j=1)
    assert "inc() got an unexpected keyword argument 'j'" in str(e.value)


def test_unbound_free_variable(m):
    (kind, message), value = m.native.unbound_at_call()
    assert kind == "NameError" and value == 5
    if sys.version_info >= (3, 11):
        assert message == "cannot access free variable 'later' where it is not associated with a value in enclosing scope"
    else:
        assert message == "free variable 'later' referenced before assignment in enclosing scope"


def test_traceback_lines(m):
    try:
        m.native.raises_inside(-1)
    except ValueError as e:
        frames = traceback.extract_tb(e.__traceback__)
    inner = [f for f in frames if f.name == "check"]
    assert inner and inner[0].filename.endswith(".py"), frames
    assert inner[0].line == 'raise ValueError("negative: %d" % v)'


def test_closure_cycle_collected(m):
    me = m.native.factory_cycle()
    assert me() is me and me.__closure__[0].cell_contents is me
    gc.collect()
    del me
    # The function and its cell, unreachable but for each other.
    assert gc.collect() >= 2
    before = sys.getallocatedblocks()
    for _ in range(LEAK_CALLS):
        m.native.factory_cycle()
    gc.collect()
    assert sys.getallocatedblocks() - before < LEAK_CALLS // 10


def test_no_leaks(m):
    nat = m.native
    inc = nat.make_counter(0)
    rows = [(i, -i) for i in range(20)]
    xs = list(range(10))
    assert growth(lambda: nat.counter_run(0, 3)) < LEAK_CALLS // 10
    assert growth(lambda: inc()) < LEAK_CALLS // 10
    assert growth(lambda: inc(k=2)) < LEAK_CALLS // 10
    assert growth(lambda: nat.adders(xs, 1)) < LEAK_CALLS // 10
    assert growth(lambda: nat.sort_by_second(rows)) < LEAK_CALLS // 10
    assert growth(lambda: nat.min_max_by(rows, 1)) < LEAK_CALLS // 10
    assert growth(lambda: nat.helper_in_loop(xs, 3)) < LEAK_CALLS // 10
    assert growth(lambda: nat.writes_and_reads(10)) < LEAK_CALLS // 10
    assert growth(lambda: nat.signature_kinds(1, 2)) < LEAK_CALLS // 10
    assert growth(lambda: nat.recursive(8)) < LEAK_CALLS // 10
    assert growth(lambda: nat.mutual(9)) < LEAK_CALLS // 10
    assert growth(lambda: nat.defaults_per_object([1, 2])) < LEAK_CALLS // 10
    assert growth(lambda: nat.typed_params(3)) < LEAK_CALLS // 10
    assert growth(lambda: nat.names()) < LEAK_CALLS // 10
    assert growth(lambda: nat.defaults_calls(1)) < LEAK_CALLS // 10
    assert growth(lambda: nat.defaults_filled(1)) < LEAK_CALLS // 10
    assert growth(lambda: inc(2)) < LEAK_CALLS // 10
    # Error paths: an empty cell, a raising closure, bad arguments.
    assert growth(lambda: nat.unbound_at_call()) < LEAK_CALLS // 10
    assert growth(lambda: attempt(nat.raises_inside, -1)) < LEAK_CALLS // 10
    for k in range(8):
        assert growth(lambda: nat.argument_errors(k)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(inc, 1, 2)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(nat.helper_in_loop, [1], "x")) < LEAK_CALLS // 10


def test_argument_refcounts(m):
    inc = m.native.make_counter(0)
    k = 10 ** 30
    before = sys.getrefcount(k)
    for _ in range(100):
        inc(k)
        inc(k=k)
    assert sys.getrefcount(k) == before
    add = m.native.make_adder(k)
    v = object.__new__(type("T", (), {"__add__": lambda s, o: s}))
    before = sys.getrefcount(v)
    for _ in range(100):
        add(v)
    assert sys.getrefcount(v) == before
