"""A `for` loop's item assigned to a typed variable (`p: P` then
`for p in items`): the refcount pass moves the item's reference into the
variable instead of taking a second one (mir/pass/refcount.rs). Lists
changed while the loop runs (append, pop, clear, the item replaced, the
variable rebound) behave as in CPython, nothing leaks and every object's
reference count is unchanged afterwards."""

import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

SOURCE = '''
import cython


@cython.cclass
class P:
    v = cython.declare(cython.double, visibility='public')

    def __init__(self, v: cython.double):
        self.v = v

    @cython.cfunc
    def bump(self, k: cython.double) -> cython.double:
        self.v += k
        return self.v


def total(ps: list) -> float:
    p: P
    s: cython.double = 0.0
    for p in ps:
        s += p.bump(1.0)
    return s


def appending(ps: list, limit: cython.int) -> list:
    p: P
    seen = []
    for p in ps:
        seen.append(p.v)
        if len(ps) < limit:
            ps.append(P(p.v * 2.0))
    return seen


def popping(ps: list) -> list:
    p: P
    seen = []
    for p in ps:
        seen.append(p.bump(0.5))
        if ps:
            ps.pop()
    return seen


def clearing(ps: list) -> list:
    p: P
    seen = []
    for p in ps:
        ps.clear()
        seen.append(p.bump(1.0))
    return seen


def replacing(ps: list) -> list:
    p: P
    seen = []
    i = 0
    for p in ps:
        ps[i] = P(-1.0)
        if i + 1 < len(ps):
            ps[i + 1] = P(100.0 + i)
        seen.append(p.bump(0.0))
        i += 1
    return seen


def rebinding(ps: list) -> list:
    p: P
    seen = []
    for p in ps:
        seen.append(p.v)
        p = P(p.v + 10.0)
        seen.append(p.bump(1.0))
    return seen


def keep_last(ps: list):
    p: P
    for p in ps:
        p.bump(0.25)
    return p


def last_of_tuple(ps: tuple):
    p: P
    for p in ps:
        pass
    return p


def mixed(ps: list) -> float:
    p: P
    s: cython.double = 0.0
    for p in ps:
        s += p.bump(2.0)
    return s


def generic(it) -> float:
    p: P
    s: cython.double = 0.0
    for p in it:
        s += p.v
    return s


def copy_var(ps: list) -> list:
    out = []
    for q in ps:
        r = q
        out.append(r)
    return out
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="loop_item_move")


def values(ps):
    return [getattr(p, "v", p) for p in ps]


def run_both(m, name, make, *extra):
    """`name` on a fresh list of each module's P (made by `make(P)`): the
    results and the lists afterwards must agree."""
    got = []
    for mod in (m.py, m.native):
        ps = make(mod.P)
        try:
            r = getattr(mod, name)(ps, *extra)
            out = ("ok", r if not isinstance(r, list) else [x for x in r])
        except Exception as e:  # noqa: BLE001 - compared between the two
            out = ("err", type(e), str(e))
        got.append((out, values(ps) if isinstance(ps, list) else None))
    return got


CASES = [
    ("total", lambda P: [P(float(i)) for i in range(5)], ()),
    ("appending", lambda P: [P(1.0), P(2.0)], (7,)),
    ("popping", lambda P: [P(float(i)) for i in range(6)], ()),
    ("clearing", lambda P: [P(3.0), P(4.0), P(5.0)], ()),
    ("replacing", lambda P: [P(float(i)) for i in range(4)], ()),
    ("rebinding", lambda P: [P(1.0), P(2.0)], ()),
    ("mixed", lambda P: [P(1.0), None, P(2.0)], ()),
    ("total", lambda P: [], ()),
]


@pytest.mark.parametrize("name,make,extra", CASES, ids=[c[0] for c in CASES])
def test_same_as_python(m, name, make, extra):
    m.assert_native(name)
    py, nat = run_both(m, name, make, *extra)
    assert py == nat


def test_wrong_item_type(m):
    # Cython's typed variable: TypeError at the assignment (plain Python
    # fails later, at the method lookup), after the earlier items ran.
    P = m.native.P
    ps = [P(1.0), "not a P", P(2.0)]
    with pytest.raises(TypeError, match="Cannot convert str to .*P"):
        m.native.mixed(ps)
    assert values(ps) == [3.0, "not a P", 2.0]


def test_last_item_kept(m):
    ps = [m.native.P(1.0), m.native.P(2.0)]
    last = m.native.keep_last(ps)
    assert last is ps[-1] and last.v == 2.25
    t = tuple(ps)
    assert m.native.last_of_tuple(t) is ps[-1]
    with pytest.raises(UnboundLocalError):
        m.native.keep_last([])
    with pytest.raises(UnboundLocalError):
        m.py.keep_last([])


def test_generic_iterables(m):
    P = m.native.P
    ps = [P(1.0), P(2.5)]
    assert m.native.generic(iter(ps)) == 3.5
    assert m.native.generic(tuple(ps)) == 3.5
    assert m.native.generic(p for p in ps) == 3.5
    with pytest.raises(TypeError):
        m.native.generic([P(1.0), 2])


def test_refcounts_unchanged(m):
    n = m.native
    ps = [n.P(float(i)) for i in range(4)]
    before = [sys.getrefcount(p) for p in ps]
    n.total(ps)
    n.mixed(ps)
    n.generic(ps)
    n.keep_last(ps)
    n.last_of_tuple(tuple(ps))
    assert [sys.getrefcount(p) for p in ps] == before
    attempt(n.mixed, ps + ["x"])
    attempt(n.mixed, ps + [None])
    assert [sys.getrefcount(p) for p in ps] == before
    out = n.copy_var(ps)
    assert out == ps
    assert [sys.getrefcount(p) for p in ps] == [b + 1 for b in before]
    del out
    assert [sys.getrefcount(p) for p in ps] == before


def test_no_leaks(m):
    n = m.native
    P = n.P
    ps = [P(float(i)) for i in range(8)]
    limit = LEAK_CALLS // 10
    assert growth(lambda: n.total(ps)) < limit
    assert growth(lambda: n.appending([P(1.0), P(2.0)], 6)) < limit
    assert growth(lambda: n.popping([P(1.0), P(2.0), P(3.0)])) < limit
    assert growth(lambda: n.clearing([P(1.0), P(2.0)])) < limit
    assert growth(lambda: n.replacing([P(1.0), P(2.0), P(3.0)])) < limit
    assert growth(lambda: n.rebinding([P(1.0), P(2.0)])) < limit
    assert growth(lambda: n.keep_last(ps)) < limit
    assert growth(lambda: n.copy_var(ps)) < limit
    assert growth(lambda: attempt(n.mixed, [P(1.0), "x"])) < limit
    assert growth(lambda: attempt(n.mixed, [P(1.0), None])) < limit
    assert growth(lambda: attempt(n.keep_last, [])) < limit
    assert growth(lambda: attempt(n.generic, [P(1.0), 2])) < limit
