"""A local bound only to `@cython.cfunc`s (`f = add`, no annotation) is a C
function pointer, as Cython's type inference makes it (issue 14): its
calls are C calls through the pointer, with the cfunc's exception
specification checked after each, not Python calls of the module
attribute of that name. Where the local is used other than by calling it
(`print(f)`, `return f`), or is bound to cfuncs of different signatures,
or captured by a nested function, it stays a Python object as before
(Cython would refuse `print(f)` of a function pointer; we keep compiling
it). Differential against the same file run as plain Python, and no leaks
on the error path."""

import pytest

from conftest import assert_same_outcomes, compiled_and_plain, growth

SOURCE = '''\
import cython


@cython.cfunc
def add(a: cython.double, b: cython.double) -> cython.double:
    return a + b


@cython.cfunc
def mul(a: cython.double, b: cython.double) -> cython.double:
    return a * b


@cython.cfunc
def neg(a: cython.double) -> cython.double:
    return -a


@cython.cfunc
@cython.exceptval(-1.0)
def checked(a: cython.double, b: cython.double) -> cython.double:
    if a < 0:
        raise ValueError(f"negative: {a}")
    return a + b


def apply(which: cython.int, x: cython.double, y: cython.double) -> cython.double:
    f = add
    if which:
        f = mul
    return f(x, y)


def in_loop(n: cython.int) -> cython.double:
    t = 0.0
    i: cython.int
    for i in range(n):
        f = mul if i % 2 else add
        g = add
        t = g(t, i)
    return t


def raising(x: cython.double) -> cython.double:
    f = checked
    return f(x, 1.0) * 2


def caught(x: cython.double):
    f = checked
    try:
        return f(x, 1.0)
    except ValueError as e:
        return str(e)


def returned():
    f = add
    return f


def printed():
    f = add
    return repr(f).startswith("<")


def mixed(x: cython.double) -> cython.double:
    f = add
    if x > 0:
        f = neg
        return f(x)
    return f(x, x)


def captured(x: cython.double) -> cython.double:
    f = add
    def inner():
        return f(x, 2.0)
    return inner()
'''

CASES = [
    ("apply", [(0, 2.0, 3.0), (1, 2.0, 3.0), (0, -1.5, float("inf")), (1, float("nan"), 0.0)]),
    ("in_loop", [(0,), (1,), (10,), (-3,)]),
    ("raising", [(1.0,), (-1.0,), (0.0,), (-0.0,)]),
    ("caught", [(2.0,), (-3.0,)]),
    ("printed", [()]),
    ("mixed", [(2.0,), (-2.0,), (0.0,)]),
    ("captured", [(1.0,), (-4.0,)]),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return compiled_and_plain(tmp_path_factory.mktemp("fpinfer"), "fpinfer", SOURCE)


@pytest.mark.parametrize("name, argss", CASES, ids=[c[0] for c in CASES])
def test_matches_plain_python(pair, name, argss):
    assert_same_outcomes(*pair, name, argss)


def test_calls_go_through_the_pointer_not_the_module_attribute(pair):
    # Cython's `f = add` holds the C function: rebinding the module's
    # `add` does not change what `apply` calls. A local left an object
    # (`returned`) still looks the name up.
    _, nat = pair
    saved_add, saved_mul = nat.add, nat.mul
    try:
        nat.add = lambda a, b: 1000.0
        nat.mul = lambda a, b: -1000.0
        assert nat.apply(0, 2.0, 3.0) == 5.0
        assert nat.apply(1, 2.0, 3.0) == 6.0
        assert nat.in_loop(4) == 6.0
        assert nat.returned()(1.0, 1.0) == 1000.0
    finally:
        nat.add, nat.mul = saved_add, saved_mul


def test_the_exception_names_the_cfunc_line(pair):
    _, nat = pair
    with pytest.raises(ValueError, match="negative: -1.0") as info:
        nat.raising(-1.0)
    lines = [(t.name, t.lineno + 1) for t in info.traceback]
    assert ("checked", 23) in lines and ("raising", 46) in lines, lines


def test_no_leaks_on_the_error_path(pair):
    _, nat = pair

    def loop():
        try:
            nat.raising(-1.0)
        except ValueError:
            pass
        nat.caught(-2.0)
        nat.apply(1, 2.0, 3.0)

    # A leak per call would be thousands of blocks; 3.9 settles a few caches on the first measured loop.
    assert growth(loop) < 50
