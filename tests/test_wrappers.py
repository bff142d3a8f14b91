"""Python-visible wrappers: keywords, defaults, argument errors with CPython's
exact messages, wrong types, metadata, inspect.signature, help(), tracebacks."""

import inspect
import traceback
import types

import pytest

from conftest import call, format_args, outcomes_match

SOURCE = '''"""Module docstring for wrappers."""
import cython


def fib(n: int) -> int:
    """Return the n-th Fibonacci number."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def scale(x: float, k: float = 2.0, shift: int = 0) -> float:
    """Scale x by k, then add shift.

    A second paragraph.
    """
    return x * k + shift


def noargs() -> int:
    return 42


def three(a: int, b: int, c: int) -> int:
    return a * 100 + b * 10 + c


def flag_default(x: int, neg: bool = False) -> int:
    return -x if neg else x


def boom(x: int) -> int:
    if x > 0:
        raise ValueError("boom")
    return x


def divide(a: int, b: int) -> int:
    return a // b


def inner(x: int) -> int:
    if x < 0:
        raise ValueError("inner failed")
    return x


def outer(x: int) -> int:
    y = inner(x)
    return y + 1
'''


def line_of(text):
    for i, line in enumerate(SOURCE.splitlines(), 1):
        if text in line:
            return i
    raise AssertionError(text)


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="wrappers")


def check_calls(m, name, calls):
    fpy, fnat = getattr(m.py, name), getattr(m.native, name)
    m.assert_native(name)
    bad = []
    for args, kwargs in calls:
        p, n = call(fpy, args, kwargs), call(fnat, args, kwargs)
        if not outcomes_match(p, n):
            bad.append("  %s(%s): CPython %r, got %r" % (name, format_args(args, kwargs), p, n))
    assert not bad, "\n".join(bad)


def test_positional_and_keyword_calls(m):
    check_calls(m, "fib", [((10,), {}), ((), {"n": 10}), ((0,), {})])
    check_calls(m, "scale", [((1.5,), {}), ((1.5, 3.0), {}), ((1.5, 3.0, 4), {}),
                             ((), {"x": 1.5, "shift": 2}), ((1.5,), {"shift": 1, "k": 0.5}),
                             ((), {"shift": 7, "x": -1.0, "k": 0.25})])
    check_calls(m, "three", [((1, 2, 3), {}), ((1,), {"c": 3, "b": 2}), ((), {"c": 1, "a": 2, "b": 3})])
    check_calls(m, "flag_default", [((5,), {}), ((5, True), {}), ((5,), {"neg": True})])


def test_single_parameter_function_by_every_route(m):
    # One-parameter functions are METH_O builtins whose vectorcall entry also
    # takes the keyword: every way of calling must reach the same code.
    import functools
    import gc
    import sys
    f = m.native.fib
    assert f(10) == f(n=10) == f(*[10]) == f(**{"n": 10}) == 55
    assert functools.partial(f, n=10)() == 55 and functools.partial(f)(10) == 55
    assert list(map(f, [1, 2, 10])) == [1, 1, 55]
    assert f.__call__(n=10) == 55 and f.__call__(10) == 55
    assert f.__self__ is m.native
    with pytest.raises(ValueError, match="^boom$"):
        m.native.boom(x=1)
    assert m.native.boom(x=-3) == -3
    big = 10 ** 30
    before = sys.getrefcount(big), sys.getrefcount(f)
    for _ in range(1000):
        f(n=5)
        with pytest.raises(OverflowError):
            f(n=big)
        with pytest.raises(TypeError):
            f(5, n=5)
    gc.collect()
    assert (sys.getrefcount(big), sys.getrefcount(f)) == before


def test_default_values(m):
    assert m.native.scale(1.5) == 3.0
    assert m.native.scale(1.5, shift=1) == 4.0
    assert m.native.flag_default(4) == 4


def test_argument_count_and_name_errors_match_cpython(m):
    # e.g. "fib() missing 1 required positional argument: 'n'"
    check_calls(m, "fib", [((), {}), ((1, 2), {}), ((), {"m": 1}), ((1,), {"n": 2}),
                           ((1,), {"m": 2})])
    check_calls(m, "scale", [((), {}), ((1.0, 2.0, 3, 4), {}), ((1.0,), {"x": 2.0}),
                             ((1.0,), {"z": 1}), ((), {"k": 1.0})])
    check_calls(m, "three", [((), {}), ((1,), {}), ((1, 2), {}), ((1, 2, 3, 4), {}),
                             ((1, 2), {"c": 3, "d": 4}), ((1, 2, 3), {"a": 1})])


def test_exact_messages_from_the_contract(m):
    f = m.native.fib
    for args, kwargs, msg in [((), {}, "fib() missing 1 required positional argument: 'n'"),
                              ((1, 2), {}, "fib() takes 1 positional argument but 2 were given"),
                              ((), {"m": 1}, "fib() got an unexpected keyword argument 'm'")]:
        with pytest.raises(TypeError) as ei:
            f(*args, **kwargs)
        assert str(ei.value) == msg


def test_no_argument_function(m):
    m.assert_native("noargs")
    assert m.native.noargs() == 42
    with pytest.raises(TypeError, match="noargs"):
        m.native.noargs(1)
    with pytest.raises(TypeError, match="noargs"):
        m.native.noargs(x=1)


@pytest.mark.parametrize("args,kwargs", [(("5",), {}), ((None,), {}), ((2.5,), {}), (([],), {}),
                                         ((), {"n": "5"})])
def test_wrong_argument_types_raise_typeerror(m, args, kwargs):
    with pytest.raises(TypeError):
        m.native.fib(*args, **kwargs)


@pytest.mark.parametrize("args,kwargs", [(("x",), {}), ((None,), {}), ((1.0,), {"k": "a"}),
                                         ((1.0, 2.0, 0.5), {})])
def test_wrong_argument_types_float_params(m, args, kwargs):
    with pytest.raises(TypeError):
        m.native.scale(*args, **kwargs)


def test_bool_and_int_arguments_accepted(m):
    assert m.native.fib(True) == 1
    assert m.native.scale(3) == 6.0 and type(m.native.scale(3)) is float


@pytest.mark.parametrize("name", ["fib", "scale", "noargs", "three", "flag_default"])
def test_metadata(m, name):
    nat, py = getattr(m.native, name), getattr(m.py, name)
    m.assert_native(name)
    assert nat.__name__ == name
    assert nat.__qualname__ == name
    assert nat.__module__ == m.native.__name__
    assert inspect.getdoc(nat) == inspect.getdoc(py)


def test_module_docstring_kept(m):
    assert m.native.__doc__ == "Module docstring for wrappers."


@pytest.mark.parametrize("name", ["fib", "scale", "noargs", "three", "flag_default"])
def test_inspect_signature(m, name):
    nat, py = getattr(m.native, name), getattr(m.py, name)
    sn, sp = inspect.signature(nat), inspect.signature(py)
    got = [(p.name, p.kind, p.default) for p in sn.parameters.values()]
    want = [(p.name, p.kind, p.default) for p in sp.parameters.values()]
    assert got == want


def test_help_shows_docstring_and_signature(m, capsys):
    help(m.native.fib)
    out = capsys.readouterr().out
    assert "Return the n-th Fibonacci number." in out
    assert "fib(n)" in out
    help(m.native.scale)
    out = capsys.readouterr().out
    assert "Scale x by k, then add shift." in out and "A second paragraph." in out
    assert "k=2.0" in out


def innermost(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    assert frames, "no traceback entries"
    return frames


def test_traceback_points_at_source_line(m):
    with pytest.raises(ValueError, match="boom") as ei:
        m.native.boom(1)
    last = innermost(ei.value)[-1]
    assert last.filename == str(m.build.src)
    assert last.name == "boom"
    assert last.lineno == line_of('raise ValueError("boom")')


def test_traceback_for_runtime_error(m):
    with pytest.raises(ZeroDivisionError, match="integer division or modulo by zero") as ei:
        m.native.divide(1, 0)
    last = innermost(ei.value)[-1]
    assert (last.filename, last.name, last.lineno) == (str(m.build.src), "divide",
                                                      line_of("return a // b"))


def test_traceback_through_nested_compiled_calls(m):
    with pytest.raises(ValueError, match="inner failed") as ei:
        m.native.outer(-1)
    frames = [(f.filename, f.name, f.lineno) for f in innermost(ei.value)]
    src = str(m.build.src)
    assert (src, "inner", line_of('raise ValueError("inner failed")')) in frames
    assert (src, "outer", line_of("y = inner(x)")) in frames
    names = [f[1] for f in frames if f[0] == src]
    assert names.index("outer") < names.index("inner")


def test_compiled_functions_are_not_python_functions(m):
    for name in ("fib", "scale", "three"):
        assert not isinstance(getattr(m.native, name), types.FunctionType)
        assert isinstance(getattr(m.py, name), types.FunctionType)


def test_pickle_roundtrip_by_reference(m):
    import pickle
    assert pickle.loads(pickle.dumps(m.native.fib)) is m.native.fib


def test_help_on_module(m):
    import pydoc
    text = pydoc.render_doc(m.native, renderer=pydoc.plaintext)
    assert "Module docstring for wrappers." in text
    assert "fib" in text and "Return the n-th Fibonacci number." in text


def test_loading_twice_gives_working_modules(m):
    from conftest import import_extension
    import sys
    name = m.native.__name__
    saved = sys.modules.pop(name)
    try:
        again = import_extension(name, m.build.so)
        assert again.fib(10) == 55 and m.native.fib(10) == 55
        assert again.scale(1.0) == 2.0
    finally:
        sys.modules[name] = saved


CHAIN = '''
import cython


@cython.cfunc
def leaf(x: cython.int) -> cython.int:
    if x < 0:
        raise ValueError("leaf failed")
    return x // 2


@cython.cfunc
@cython.cdivision(True)
def middle(x: cython.int) -> cython.int:
    y: cython.int = leaf(x) - 7
    return y // 3


def top(x: cython.int) -> cython.int:
    z: cython.int = middle(x)
    return z + leaf(z)
'''


@pytest.fixture(scope="module")
def chain(pyc):
    return pyc.pair(CHAIN, stem="wrappers_chain")


@pytest.mark.parametrize("x", [-1, 0, 7, 40])
def test_callees_inlined_two_deep_raise_and_divide_as_python(chain, x):
    # `middle` (with directives of its own) and `leaf` are inlined into
    # `top`, and `top`'s body into its wrapper: an error adds each frame's
    # entry at its line. (The arguments keep C and Python division alike.)
    def outcome(f):
        try:
            return ("ok", f(x))
        except Exception as e:
            frames = [(fr.name, fr.lineno) for fr in traceback.extract_tb(e.__traceback__)
                      if fr.name in ("top", "middle", "leaf")]
            return (type(e).__name__, str(e), frames)
    assert outcome(chain.native.top) == outcome(chain.py.top)
