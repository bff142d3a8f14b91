"""Python semantics that must hold whether or not a function is compiled
natively: module globals looked up at call time, shadowed builtins, calls
between native and interpreted functions, None returns, signatures with
features outside the native subset.  Nativeness is not required here, only
CPython's results."""

import inspect
import sys

import pytest

from conftest import call, format_args, outcomes_match

SOURCE = '''
import cython

SCALE = 3
OFFSET = 0.5


def uses_global(x: int) -> int:
    return x * SCALE


def uses_global_float(x: float) -> float:
    return x + OFFSET


def abs(x):
    return 1000


def calls_shadowed_abs(x: int) -> int:
    return abs(x)


def local_shadows_builtin(n: int) -> int:
    max = n * 2
    min = 3
    return max + min


def py_helper(n: int) -> int:
    data = [i for i in range(n)]
    return sum(data)


def native_calls_python(n: int) -> int:
    return py_helper(n) + 1


def python_calls_native(n: int):
    return [uses_global(i) for i in range(n)]


def with_try(a: int, b: int) -> int:
    try:
        return a // b
    except ZeroDivisionError:
        return -1


counter = 0


def bump(k: int) -> int:
    global counter
    counter += k
    return counter


def nothing(x: int) -> None:
    pass


def implicit_none(x: int):
    x += 1


def kwonly(a: int, *, scale: int = 2) -> int:
    return a * scale


def varargs(*args: int) -> int:
    t = 0
    for a in args:
        t += a
    return t


def defaults(a: int = -1, b: float = -0.5, c: bool = True, d: int = 2 ** 10, e: float = 1e-3) -> float:
    return a + b + c + d + e


def uses_defaults_internally(x: int) -> float:
    return defaults(x) + defaults(b=2.0)


def walrus(n: int) -> int:
    t = 0
    while (n := n - 1) > 0:
        t += n
    return t


def closure_maker(k: int):
    def inner(x):
        return x * k
    return inner
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="semantics")


def same(m, name, calls):
    fpy, fnat = getattr(m.py, name), getattr(m.native, name)
    bad = []
    for args, kwargs in calls:
        p, n = call(fpy, args, kwargs), call(fnat, args, kwargs)
        if not outcomes_match(p, n):
            bad.append("  %s(%s): CPython %r, got %r" % (name, format_args(args, kwargs), p, n))
    assert not bad, "\n".join(bad)


def test_module_globals_are_read_at_call_time(m):
    assert m.native.uses_global(2) == 6
    assert m.native.uses_global_float(1.0) == 1.5
    old = m.native.SCALE
    try:
        m.native.SCALE = 5
        assert m.native.uses_global(2) == 10
    finally:
        m.native.SCALE = old
    assert m.native.uses_global(2) == 6


def test_module_level_def_shadows_builtin(m):
    same(m, "calls_shadowed_abs", [((-5,), {}), ((7,), {})])
    assert m.native.calls_shadowed_abs(-5) == 1000


def test_local_shadows_builtin(m):
    same(m, "local_shadows_builtin", [((4,), {}), ((-1,), {})])


def test_native_and_interpreted_call_each_other(m):
    same(m, "native_calls_python", [((0,), {}), ((10,), {})])
    same(m, "python_calls_native", [((4,), {})])


def test_try_except_function(m):
    same(m, "with_try", [((7, 2), {}), ((7, 0), {})])


def test_global_statement(m):
    before = m.native.counter
    assert m.native.bump(2) == before + 2
    assert m.native.bump(3) == before + 5
    assert m.native.counter == before + 5


def test_none_returns(m):
    assert m.native.nothing(3) is None
    assert m.native.implicit_none(3) is None


def test_keyword_only_and_varargs(m):
    same(m, "kwonly", [((3,), {}), ((3,), {"scale": 4}), ((3, 4), {}), ((), {"a": 1})])
    same(m, "varargs", [((), {}), ((1, 2, 3), {})])


def test_default_expressions(m):
    same(m, "defaults", [((), {}), ((5,), {"e": 2.0}), ((), {"c": False, "d": 1})])
    same(m, "uses_defaults_internally", [((0,), {}), ((10,), {})])
    sig_n = inspect.signature(m.native.defaults)
    sig_p = inspect.signature(m.py.defaults)
    assert [(p.name, p.default) for p in sig_n.parameters.values()] == \
           [(p.name, p.default) for p in sig_p.parameters.values()]


def test_closures_still_work(m):
    assert m.native.closure_maker(3)(4) == 12


def test_walrus(m):
    same(m, "walrus", [((0,), {}), ((5,), {})])


POW3 = '''
def pow3(a: int, b: int, m: int) -> int:
    return pow(a, b, m)
'''


def test_three_argument_pow(pyc):
    m = pyc.pair(POW3, stem="pow3")
    same(m, "pow3", [((a, b, mod), {}) for a in (-3, 0, 2, 10 ** 9) for b in (-1, 0, 5, 10 ** 6)
                     for mod in (0, 1, 7, -7, 1000000007)])


LOWER_BOUNDS = '''
def f(n: int) -> int:
    if n < 2:
        return 0
    else:
        n = -9223372036854775807 - 1
    return n - 1


def g(n: int) -> int:
    total = 0
    while n >= 0:
        if n < 2:
            return total
        n = n - 2
        total += n - 1
    return total
'''


def test_overflow_checks_only_dropped_where_bounds_hold(tmp_path):
    """`if n < k: return` lets `n - c` skip its overflow check, but not after
    a branch reassigns n."""
    import importlib.util
    import subprocess
    from conftest import compiler_path, default_target
    src = tmp_path / "lowerbounds.py"
    src.write_text(LOWER_BOUNDS)
    p = subprocess.run([str(compiler_path()), "build", str(src), "--strict", "-q", "--python", sys.executable,
                        "--target", default_target()],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    so = next(tmp_path.glob("lowerbounds.*.so"))
    spec = importlib.util.spec_from_file_location("lowerbounds", so)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    with pytest.raises(OverflowError):
        m.f(5)
    assert m.f(1) == 0

    def g(n):
        total = 0
        while n >= 0:
            if n < 2:
                return total
            n = n - 2
            total += n - 1
        return total
    assert [m.g(k) for k in range(-3, 40)] == [g(k) for k in range(-3, 40)]
