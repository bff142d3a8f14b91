"""A table call whose implementation is known (issue 13): `p.m(...)` of a
`@cython.cfunc` a subclass of the module overrides, `p` typed as the base,
runs the base's implementation in place when `p` is exactly of the base
(the table of such an instance holds it) and calls through the table
otherwise (a cclass subclass, overriding or not, a Python subclass, None).
Compared with CPython running the same source (the shim): results,
exceptions raised in the body run in place and their traceback lines,
None receivers, recursion through the table, ccall overrides from Python;
no leaks and the receivers' reference counts unchanged on every way."""

import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython


@cython.cclass
class P:
    x: cython.double
    v: cython.double
    n: cython.int

    def __init__(self, x: cython.double, v: cython.double):
        self.x = x
        self.v = v
        self.n = 0

    @cython.cfunc
    def step(self, dt: cython.double) -> cython.void:
        self.v -= 9.81 * dt
        self.x += self.v * dt
        if self.x < 0.0:
            self.x = -self.x
            self.v = -0.9 * self.v
            self.n += 1

    @cython.cfunc
    def div(self, d: cython.long) -> cython.long:
        if d < 0:
            raise ValueError("negative divisor")
        return (self.n + 7) // d

    @cython.cfunc
    def rec(self, k: cython.int) -> cython.long:
        if k <= 0:
            return self.n
        return k + self.rec(k - 1)

    @cython.ccall
    def bump(self, by: cython.double) -> cython.double:
        self.x += by
        return self.x


@cython.cclass
class Q(P):
    w: cython.double

    def __init__(self, x: cython.double, v: cython.double):
        self.x = x
        self.v = v
        self.n = 0
        self.w = 0.0

    @cython.cfunc
    def step(self, dt: cython.double) -> cython.void:
        self.w += dt
        self.v *= 0.99
        P.step(self, dt)

    @cython.cfunc
    def div(self, d: cython.long) -> cython.long:
        return -((self.n + 7) // d)

    @cython.cfunc
    def rec(self, k: cython.int) -> cython.long:
        return 2 * P.rec(self, k)

    @cython.ccall
    def bump(self, by: cython.double) -> cython.double:
        self.x -= by
        return self.x


@cython.cclass
class R(P):
    z: cython.double


def make(kind: cython.int, x: cython.double):
    if kind == 0:
        return P(x, 0.0)
    if kind == 1:
        return Q(x, 0.0)
    return R(x, 0.0)


def mixed(n: cython.int):
    ps = []
    for i in range(n):
        ps.append(make(i % 3, 1.0 + (i % 5)))
    return ps


def state(p: P):
    return (round(p.x, 9), round(p.v, 9), p.n)


def run(ps: list, steps: cython.int, dt: cython.double):
    p: P
    for _ in range(steps):
        for p in ps:
            p.step(dt)
    out = []
    for p in ps:
        out.append(state(p))
    return out


def step_once(p: P, dt: cython.double):
    p.step(dt)
    return state(p)


def divide(p: P, d: cython.long):
    r = p.div(d)
    return r


def divide_sum(ps: list, d: cython.long):
    p: P
    t: cython.long = 0
    for p in ps:
        t += p.div(d)
    return t


def recur(p: P, k: cython.int):
    return p.rec(k)


def bumps(p: P, by: cython.double):
    return p.bump(by)


def aliased(a: P, b: P, v: cython.double):
    # A field stored through one local, then through another (maybe the
    # same object): read again from memory.
    a.x = v
    b.x = v + 1.0
    t: cython.double = a.x * 2.0
    a.v = t
    a.n = 3
    b.n = a.n + 1
    return (a.x, a.v, a.n, b.x, b.n)
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="devirt")


def outcome(f, *args):
    """The result, or the exception's type, message and traceback lines
    (frame name, line) below the caller."""
    try:
        return ("returned", repr(f(*args)))
    except Exception as e:  # noqa: BLE001 - compared
        lines = [(fr.name.rpartition(".")[2], fr.lineno) for fr in traceback.extract_tb(e.__traceback__)
                 if fr.filename != __file__]
        return ("raised", type(e).__name__, str(e), lines)


def both(m, name, make_args):
    return [outcome(getattr(mod, name), *make_args(mod)) for mod in (m.native, m.py)]


def test_every_class_compiles(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr


def test_the_base_runs_in_place(pyc):
    b = pyc.build(SRC, ["--emit", "mir"], stem="devirt_mir")
    assert b.ok, b.describe()
    text = b.stdout + b.stderr
    # `run`'s call: the exact-type test, then the table call for the rest.
    run = text[text.index("run("):]
    assert "of class 'P'" in run and "call vtable[0]" in run


def test_results_match_cpython(m):
    for kind in range(3):
        for dt in (0.001, 0.1, 2.5):
            assert len(set(map(repr, both(m, "step_once", lambda M: (M.make(kind, 1.0), dt))))) == 1
    a, b = both(m, "run", lambda M: (M.mixed(12), 200, 0.01))
    assert a == b and a[0] == "returned"
    assert both(m, "run", lambda M: ([], 3, 0.1))[0] == ("returned", "[]")


def test_exceptions_from_the_body_in_place(m):
    for kind in range(3):
        for d in (3, 0, -1):
            a, b = both(m, "divide", lambda M: (M.make(kind, 1.0), d))
            assert a == b, (kind, d, a, b)
    # The body in place: its own frame's line, then the caller's.
    a, _ = both(m, "divide", lambda M: (M.make(0, 1.0), -1))
    assert a[1] == "ValueError" and [n for n, _ in a[3]] == ["divide", "div"]
    a, _ = both(m, "divide", lambda M: (M.make(0, 1.0), 0))
    assert a[1] == "ZeroDivisionError" and [n for n, _ in a[3]] == ["divide", "div"]
    for d in (2, 0, -5):
        a, b = both(m, "divide_sum", lambda M: (M.mixed(7), d))
        assert a == b, (d, a, b)


def test_none_and_wrong_receivers(m):
    a, b = both(m, "step_once", lambda M: (None, 0.1))
    assert a[:3] == b[:3] == ("raised", "AttributeError", "'NoneType' object has no attribute 'step'")
    a, b = both(m, "divide", lambda M: (None, 2))
    assert a[:3] == b[:3]
    a, b = both(m, "run", lambda M: ([M.P(1.0, 0.0), None], 1, 0.1))
    assert a[:3] == b[:3] == ("raised", "AttributeError", "'NoneType' object has no attribute 'step'")
    # Cython's TypeError for a receiver of another type.
    with pytest.raises(TypeError):
        m.native.step_once("s", 0.1)


def test_fields_stored_then_read(m):
    for same in (True, False):
        a, b = both(m, "aliased", lambda M: (lambda p: (p, p if same else M.P(0.0, 0.0), 1.5))(M.P(0.0, 0.0)))
        assert a == b and a[0] == "returned", (same, a, b)
    assert m.native.aliased(*(lambda p: (p, p, 1.5))(m.native.P(0.0, 0.0))) == (2.5, 5.0, 4, 2.5, 4)


def test_recursion_through_the_table(m):
    for kind in range(3):
        for k in (0, 1, 5, 40):
            a, b = both(m, "recur", lambda M: (M.make(kind, 1.0), k))
            assert a == b, (kind, k, a, b)


def test_python_subclasses(m):
    def subclasses(M):
        class Plain(M.P):
            pass

        class Over(M.P):
            def bump(self, by):  # a ccall: seen from compiled callers
                return 100.0 + by

            def step(self, dt):  # a cfunc is not overridden from Python
                raise AssertionError("not called")

        class OverQ(M.Q):
            def bump(self, by):
                return -100.0 - by

        return Plain, Over, OverQ

    nat, py = subclasses(m.native), subclasses(m.py)
    for k in range(3):
        assert outcome(m.native.bumps, nat[k](1.0, 0.0), 2.0) == outcome(m.py.bumps, py[k](1.0, 0.0), 2.0)
    # The cfunc: the class's own, through the table (Python's `step` unseen).
    assert m.native.step_once(nat[1](1.0, 0.0), 0.1) == m.native.step_once(m.native.P(1.0, 0.0), 0.1)
    assert m.native.step_once(nat[2](1.0, 0.0), 0.1) == m.native.step_once(m.native.Q(1.0, 0.0), 0.1)
    ps = [nat[0](1.0, 0.0), m.native.P(2.0, 0.0), nat[2](3.0, 0.0)]
    qs = [m.native.P(1.0, 0.0), m.native.P(2.0, 0.0), m.native.Q(3.0, 0.0)]
    assert m.native.run(ps, 50, 0.05) == m.native.run(qs, 50, 0.05)


def test_no_leaks_and_refcounts(m):
    M = m.native
    ps = M.mixed(9)
    assert growth(lambda: M.run(ps, 3, 0.01)) < LEAK_CALLS // 10
    assert growth(lambda: M.run(M.mixed(6), 2, 0.01)) < LEAK_CALLS // 10
    for kind in range(3):
        p = M.make(kind, 1.0)
        assert growth(lambda: attempt(M.divide, p, 0)) < LEAK_CALLS // 10
        assert growth(lambda: attempt(M.divide, p, -1)) < LEAK_CALLS // 10
        assert growth(lambda: M.recur(p, 6)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(M.run, [M.P(1.0, 0.0), None], 1, 0.1)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(M.divide_sum, M.mixed(4), 0)) < LEAK_CALLS // 10
    for p in (M.P(1.0, 0.0), M.Q(1.0, 0.0), M.R(1.0, 0.0)):
        rc = sys.getrefcount(p)
        for _ in range(100):
            M.step_once(p, 0.01)
            attempt(M.divide, p, 0)
            M.run([p, p], 2, 0.01)
        assert sys.getrefcount(p) == rc
