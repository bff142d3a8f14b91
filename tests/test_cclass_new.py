"""`Cls(args)` of a module cclass made directly (`hir::NewInstance`: the
type's `tp_new` from the module's slot, then the native `__init__` with the
arguments unboxed; no global lookup, boxing or generic call), the type test
of a typed variable (exact type first), and `isinstance(x, (int, float))`
reading `ob_type` without a reference. Results and errors against plain
Python (and Cython's messages where Cython converts), subclasses, None,
wrong types, a rebound global, leaks on the normal and error paths."""

import pytest

from conftest import LEAK_CALLS, attempt, growth

SOURCE = '''
import cython


@cython.cclass
class V:
    x: cython.double
    y: cython.double

    def __init__(self, x: cython.double, y: cython.double = 0.5):
        if x < -100.0:
            raise ValueError("too small")
        self.x = x
        self.y = y

    @cython.cfunc
    def norm1(self) -> cython.double:
        return abs(self.x) + abs(self.y)

    def pair(self):
        return (self.x, self.y)


@cython.cclass
class W(V):
    pass


@cython.cclass
class Tagged(V):
    tag = cython.declare(object, visibility="readonly")

    def __init__(self, x: cython.double, tag):
        self.x = x
        self.y = 0.0
        self.tag = tag


@cython.cclass
class Counted:
    n = cython.declare(cython.int, visibility="readonly")

    def __cinit__(self, *args):
        self.n = len(args)

    def __init__(self, a, b):
        self.n += 10


@cython.cclass
class Linked:
    nxt: object
    value = cython.declare(cython.int, visibility="readonly")

    def __init__(self, value: cython.int, nxt: 'Linked'):
        self.value = value
        self.nxt = nxt


@cython.freelist(4)
@cython.cclass
class F:
    v = cython.declare(cython.double, visibility="readonly")

    def __init__(self, v: cython.double):
        self.v = v


def make(a: cython.double, b: cython.double):
    return V(a, b).pair()


def make_default(a: cython.double):
    return V(a).pair()


def make_obj(a, b):
    return V(a, b).pair()


def make_int(a: cython.int):
    return V(a, a + 1).pair()


def make_sub(a: cython.double):
    w = W(a, 2.0)
    return type(w).__name__, w.pair()


def make_tagged(a: cython.double, t):
    v = Tagged(a, t)
    return type(v).__name__, v.pair(), v.tag


def make_kw(a: cython.double):
    return V(a, y=3.0).pair()


def make_counted():
    c = Counted(1, 2)
    return c.n


def chain(n: cython.int):
    head = None
    i: cython.int
    for i in range(n):
        head = Linked(i, head)
    s = 0
    node: Linked = head
    while node is not None:
        s += node.value
        node = node.nxt
    return s


def bad_link(v):
    return Linked(1, v).value


def norm_new(a: cython.double, b: cython.double) -> cython.double:
    return V(a, b).norm1()


def many(n: cython.int) -> cython.double:
    s: cython.double = 0.0
    i: cython.int
    for i in range(n):
        s += F(i * 0.5).v
    return s


def who():
    return type(V(1.0, 2.0)).__name__


def is_num(k):
    return isinstance(k, (int, float))


def is_float(k):
    return isinstance(k, float)


def list_loop(n: cython.int):
    ps = []
    for i in range(n):
        ps.append(V(i * 1.0, 1.0) if i % 2 else W(i * 1.0, 2.0))
    p: V
    s: cython.double = 0.0
    for p in ps:
        s += p.norm1()
        if len(ps) < n + 3:
            ps.append(V(100.0, 0.0))
    out = [q.pair() for q in ps]
    return s, out


def list_loop_shrinks(n: cython.int):
    xs = [i for i in range(n)]
    seen = []
    for x in xs:
        seen.append(x)
        if xs:
            xs.pop()
    return seen


def list_loop_rebound(flag: cython.bint):
    xs = [1, 2, 3]
    if flag:
        xs = [4, 5]
    seen = []
    for x in xs:
        xs = [9]
        seen.append(x)
    for x in xs:
        seen.append(x)
    return seen


def maybe_tuple(flag: cython.bint):
    xs = [1, 2]
    if flag:
        xs = (3, 4)
    return [x * 2 for x in xs] + [x for x in xs]


def list_deleted(flag: cython.bint):
    xs = [1, 2]
    if flag:
        del xs
    seen = []
    for x in xs:
        seen.append(x)
    return seen


def typed_sum(items) -> cython.double:
    p: V
    s: cython.double = 0.0
    for p in items:
        s += p.x
    return s
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="cclass_new")


class FloatSub(float):
    pass


class IntSub(int):
    pass


def test_direct_construction(m):
    for name in ("make", "make_default", "make_obj", "make_int", "make_sub", "make_tagged", "make_kw",
                 "chain", "norm_new", "many", "who"):
        m.assert_native(name)
    m.assert_same("make", [(1.0, 2.0), (-0.0, 1e300), (-100.5, 1.0), (float("nan"), 3.0)], exact=True)
    m.assert_same("make_default", [(1.0,), (-101.0,)], exact=True)
    m.assert_same("make_obj", [(1.0, 2.0), (-200.0, 1.0)], exact=True)
    # Cython converts the arguments to C doubles (plain Python keeps them).
    assert m.native.make_obj(3, True) == (3.0, 1.0)
    assert m.native.make_obj(FloatSub(2.5), 1) == (2.5, 1.0)
    assert [m.native.make_int(a) for a in (1, -7)] == [(1.0, 2.0), (-7.0, -6.0)]
    with pytest.raises(ValueError, match="too small"):
        m.native.make_int(-101)
    m.assert_same("make_sub", [(1.0,), (-150.0,)], exact=True)
    m.assert_same("make_tagged", [(1.0, "t"), (2.0, None), (-1000.0, [1])], exact=True)
    m.assert_same("make_kw", [(1.0,), (-300.0,)], exact=True)
    m.assert_same("chain", [(0,), (1,), (10,)], exact=True)
    m.assert_same("norm_new", [(1.0, -2.0), (-101.0, 0.0)], exact=True)
    m.assert_same("many", [(0,), (7,), (100,)], exact=True)
    m.assert_same("who", [()], exact=True)


def test_cinit_class_keeps_its_arguments(m):
    # A class with `__cinit__` is called generically: `__cinit__` sees the
    # arguments as in Cython (plain Python has no `__cinit__`: 10).
    assert m.native.make_counted() == 12
    assert m.native.Counted(1, 2).n == 12


def test_conversion_errors_as_the_generic_call(m):
    # Cython converts in the `__init__` wrapper: the same TypeError whether
    # the compiled code or Python makes the instance.
    with pytest.raises(TypeError) as direct:
        m.native.make_obj("a", 1.0)
    with pytest.raises(TypeError) as generic:
        m.native.V("a", 1.0)
    assert str(direct.value) == str(generic.value) == "must be real number, not str"
    with pytest.raises(TypeError) as direct:
        m.native.make_obj(1.0, None)
    assert str(direct.value) == "must be real number, not NoneType"
    with pytest.raises(ValueError, match="too small"):
        m.native.make_obj(-101.0, 1.0)


def test_typed_parameter_of_init(m):
    Linked = m.native.Linked
    assert m.native.bad_link(None) == 1
    assert m.native.bad_link(Linked(3, None)) == 1
    with pytest.raises(TypeError) as direct:
        m.native.bad_link("x")
    with pytest.raises(TypeError) as generic:
        Linked(1, "x")
    assert str(direct.value) == str(generic.value)
    assert "Linked" in str(direct.value) and "str" in str(direct.value)


def test_rebound_global_is_not_seen(m):
    # Cython takes a module-level cclass name as constant: compiled code
    # keeps making the class after the module's global is rebound.
    mod = m.native
    saved = mod.V
    try:
        mod.V = lambda *a: "rebound"
        assert mod.make(1.0, 2.0) == (1.0, 2.0)
        assert mod.who() == "V"
    finally:
        mod.V = saved


def test_list_loops(m):
    for name in ("list_loop", "list_loop_shrinks", "list_loop_rebound", "maybe_tuple", "list_deleted"):
        m.assert_native(name)
    m.assert_same("list_loop", [(0,), (1,), (6,)], exact=True)
    m.assert_same("list_loop_shrinks", [(0,), (1,), (7,)], exact=True)
    m.assert_same("list_loop_rebound", [(True,), (False,)], exact=True)
    m.assert_same("maybe_tuple", [(True,), (False,)], exact=True)
    m.assert_same("list_deleted", [(True,), (False,)], exact=True)


def test_isinstance_exact_types(m):
    m.assert_native("is_num")
    args = [1, 2.5, True, "s", None, FloatSub(1.0), IntSub(3), 10**30, [1], 1j]
    m.assert_same("is_num", [(a,) for a in args], exact=True)
    m.assert_same("is_float", [(a,) for a in args], exact=True)


def test_typed_variable_test(m):
    V, W = m.native.V, m.native.W

    class PyV(m.native.V):
        pass

    assert m.native.typed_sum([V(1.0), W(2.0), PyV(3.0), V(4.0)]) == 10.0
    with pytest.raises(AttributeError):
        m.native.typed_sum([V(1.0), None])
    with pytest.raises(AttributeError):
        m.py.typed_sum([m.py.V(1.0), None])
    with pytest.raises(TypeError, match=r"Cannot convert str to .*V"):
        m.native.typed_sum([V(1.0), "x"])
    with pytest.raises(TypeError, match=r"Cannot convert .*Counted to .*V"):
        m.native.typed_sum([m.native.Counted(1, 2)])


def test_no_leaks(m):
    mod = m.native
    assert growth(lambda: mod.make(1.0, 2.0)) < LEAK_CALLS // 10
    assert growth(lambda: mod.many(20)) < LEAK_CALLS // 10
    assert growth(lambda: mod.chain(20)) < LEAK_CALLS // 10
    assert growth(lambda: mod.make_tagged(1.0, [1])) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.make_obj, "a", 1.0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.make_obj, -200.0, 1.0)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.bad_link, "x")) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.typed_sum, [mod.V(1.0), "x"])) < LEAK_CALLS // 10
    assert growth(lambda: mod.is_num(FloatSub(2.0))) < LEAK_CALLS // 10
    assert growth(lambda: mod.list_loop(5)) < LEAK_CALLS // 10
    assert growth(lambda: mod.list_loop_rebound(True)) < LEAK_CALLS // 10
    assert growth(lambda: attempt(mod.list_deleted, True)) < LEAK_CALLS // 10
