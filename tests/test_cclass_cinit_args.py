"""`C(a, b)` of a module cclass whose line has a `__cinit__` taking
arguments (issue 13), made directly: the arguments evaluated once, boxed
into the tuple `tp_new` passes to the `__cinit__`s (each as the generic call
would pass it: an object as it is, a C value of its own type boxed), then
the native `__init__` with the C values. Plain Python never runs
`__cinit__`, so its effects are checked against Cython 3.3.1's (the same
source built with Cython, checked by hand), and errors against the generic
call of the same class from Python (the same `tp_new`)."""

import gc
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython

LOG = []


@cython.cclass
class P:
    x: cython.double
    y: cython.double
    seen = cython.declare(object, visibility='readonly')

    def __cinit__(self, x, y):
        self.seen = (x, y)
        LOG.append(("cinit", x, y))

    def __init__(self, x: cython.double, y: cython.double):
        if x < -100.0:
            raise ValueError("too small")
        self.x = x
        self.y = y

    def get(self):
        return self.x + self.y

    def __dealloc__(self):
        LOG.append("dealloc")


@cython.cclass
class Q(P):
    z: cython.int

    def __init__(self, x: cython.double, y: cython.double, z: cython.int = 3):
        self.x = x
        self.y = y
        self.z = z


@cython.cclass
class O:
    seen = cython.declare(object, visibility='readonly')
    got = cython.declare(object, visibility='readonly')

    def __cinit__(self, *args):
        self.seen = args

    def __init__(self, a, b=None):
        self.got = (a, b)


def make(x: cython.double, y: cython.double):
    p = P(x, y)
    return p.seen, p.get()


def make_typed(x: cython.double, y: cython.double):
    p: P = P(x, y)
    return p.x * p.y, p.seen


def make_lit():
    return P(1, 2.5).seen


def make_obj(a, b):
    return P(a, b).seen


def make_q(x: cython.double):
    return Q(x, 2.0).seen


def make_q3(n: cython.int):
    return Q(1.0, 2.0, n)


def make_o(a, b):
    o = O(a, b)
    return o.seen, o.got


def make_o1(a):
    o = O(a)
    return o.seen, o.got


def make_o_c(n: cython.int, d: cython.double, f: cython.bint):
    o = O(n, (d, f))
    return o.seen, o.got


def too_few():
    return P(1.0)


def loop(n: cython.int) -> cython.double:
    t: cython.double = 0.0
    i: cython.int
    for i in range(n):
        t += P(t, 2.0).get()
    return t
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="cinit_args")


def test_direct_construction_is_used(pyc):
    b = pyc.build(SRC, args=("--emit", "mir"), stem="cinit_args_mir")
    assert b.ok, b.describe()
    assert "left to Python" not in b.stderr
    for cls in ("P", "Q", "O"):
        assert "new_instance of class '%s' args" % cls in b.stdout


def test_cinit_sees_the_arguments_as_cython(m):
    M = m.native
    del M.LOG[:]
    assert M.make(1.5, 2.0) == ((1.5, 2.0), 3.5)
    assert M.make_typed(2.0, 4.0) == (8.0, (2.0, 4.0))
    # Converted arguments (an int literal to a double parameter, objects
    # unboxed) keep the generic call: `__cinit__` sees them unconverted.
    assert M.make_lit() == (1, 2.5)
    assert M.make_obj(1, 2.0) == (1, 2.0)
    # Defaulted parameters of `__init__` are not passed to `__cinit__`.
    assert M.make_q(7.0) == (7.0, 2.0)
    assert M.loop(3) == 14.0
    gc.collect()
    assert M.LOG == [("cinit", 1.5, 2.0), "dealloc", ("cinit", 2.0, 4.0), "dealloc", ("cinit", 1, 2.5), "dealloc",
                     ("cinit", 1, 2.0), "dealloc", ("cinit", 7.0, 2.0), "dealloc",
                     ("cinit", 0.0, 2.0), "dealloc", ("cinit", 2.0, 2.0), "dealloc", ("cinit", 6.0, 2.0), "dealloc"]
    a, b = object(), [1]
    seen, got = M.make_o(a, b)
    assert seen[0] is a and seen[1] is b and got[0] is a and got[1] is b
    seen, got = M.make_o1(a)
    assert seen == (a,) and got == (a, None)
    assert M.make_o_c(3, 1.5, True) == ((3, (1.5, True)), (3, (1.5, True)))


def test_cinit_errors_as_the_generic_call(m):
    M = m.native
    for direct, generic in [(lambda: M.make_q3(7), lambda: M.Q(1.0, 2.0, 7)), (M.too_few, lambda: M.P(1.0))]:
        del M.LOG[:]
        with pytest.raises(TypeError) as d:
            direct()
        gc.collect()
        log = list(M.LOG)
        del M.LOG[:]
        with pytest.raises(TypeError) as g:
            generic()
        gc.collect()
        assert str(d.value) == str(g.value)
        # A failed `__cinit__` still deallocates (as Cython's).
        assert log == M.LOG == ["dealloc"]
    # `__init__` raising after `__cinit__` ran: the instance released.
    del M.LOG[:]
    with pytest.raises(ValueError, match="too small"):
        M.make(-101.0, 1.0)
    gc.collect()
    assert M.LOG == [("cinit", -101.0, 1.0), "dealloc"]


def test_no_leaks(m):
    M = m.native
    a = object()
    rc = sys.getrefcount(a)
    for _ in range(100):
        M.make_o(a, a)
    assert sys.getrefcount(a) == rc

    def quiet(f, *args):
        # The class logs each `__cinit__` and `__dealloc__`: not a leak.
        attempt(f, *args)
        M.LOG.clear()
    assert growth(lambda: quiet(M.make, 1.0, 2.0)) < LEAK_CALLS // 10
    assert growth(lambda: quiet(M.make_o, a, 1)) < LEAK_CALLS // 10
    assert growth(lambda: quiet(M.make_q3, 1)) < LEAK_CALLS // 10
    assert growth(lambda: quiet(M.make, -200.0, 1.0)) < LEAK_CALLS // 10
    assert growth(lambda: quiet(M.too_few)) < LEAK_CALLS // 10
    assert growth(lambda: quiet(M.loop, 5)) < LEAK_CALLS // 10
