"""Trees of object `+ - *` on exact floats (`number_tree` in
mir/build/body/object.rs): when every operand is an exact float the whole
tree is computed on the doubles with one float made; otherwise (ints,
float subclasses, complex, objects with their own operators, a mix) node by
node as Python does. The leftmost operand may be any expression (an
augmented item `v[0] -= dx * m` reads the item first, as Python does);
results, exceptions, messages and the order of user operators are
CPython's, and nothing leaks on the normal or the error path."""
import copy
import math

from conftest import LEAK_CALLS, attempt, call, growth, outcomes_match

N = LEAK_CALLS

SRC = '''
def norm2(dx, dy, dz):
    return dx * dx + dy * dy + dz * dz

def poly(a, b, c):
    return a * b - c * a + b

def isub_item(v, dx, m):
    v[0] -= dx * m
    v[1] += dx * m
    return v

def iadd_attr_item(d, k, dt, vx):
    d[k] += dt * vx
    return d

def call_first(f, a, b):
    return f() * a + b

def chained(x, y):
    x = x * x + y
    x = x * x - y
    x = x * y * y
    return x

def step(pairs, dt):
    for (([x1, y1], v1, m1), ([x2, y2], v2, m2)) in pairs:
        dx = x1 - x2
        dy = y1 - y2
        mag = dt * ((dx * dx + dy * dy) ** (-1.5))
        b1m = m1 * mag
        b2m = m2 * mag
        v1[0] -= dx * b2m
        v1[1] -= dy * b2m
        v2[0] += dx * b1m
        v2[1] += dy * b1m
    return pairs
'''

INF, NAN = float("inf"), float("nan")


class F(float):
    """A float subclass with float's own operators."""


class G(float):
    """A float subclass whose operators run Python code."""

    def __mul__(self, o):
        return "G*"

    def __rmul__(self, o):
        return "*G"

    def __add__(self, o):
        return G(float(self) + 100)

    def __radd__(self, o):
        return G(float(o) - 100)


class Adder:
    """Not a number: only `+` from either side, and `*` on the right."""

    def __add__(self, o):
        return ("add", o)

    def __radd__(self, o):
        return ("radd", o)

    def __rmul__(self, o):
        return 7.5

    def __eq__(self, o):
        return type(o) is Adder

    __hash__ = object.__hash__

    def __repr__(self):
        return "Adder()"


VALUES = [0.0, -0.0, 1.5, -2.25, 1e308, -1e308, 5e-324, INF, -INF, NAN, 3, -4, True, 10 ** 400, F(2.5), G(1.5),
          1 + 2j, Adder(), "s", None]


def build(pyc):
    return pyc.pair(SRC, args=("--strict",))


def assert_same_fresh(p, name, cases):
    """`assert_same` for functions that change their arguments: each module
    gets its own copy of them; the results and the arguments after the call
    compared."""
    p.assert_native(name)
    bad = []
    for args in cases:
        a_py, a_nat = copy.deepcopy(args), copy.deepcopy(args)
        r_py, r_nat = call(getattr(p.py, name), a_py), call(getattr(p.native, name), a_nat)
        if not outcomes_match(r_py, r_nat, exact=True) or repr(a_py) != repr(a_nat):
            bad.append("%s%r: CPython %r %r, native %r %r" % (name, args, r_py, a_py, r_nat, a_nat))
    assert not bad, "\n".join(bad[:20])


def test_float_trees_match_python(pyc):
    p = build(pyc)
    vals = VALUES
    p.assert_same("norm2", [(a, b, c) for a in vals for b in vals[:12] for c in vals[::3]], exact=True)
    p.assert_same("poly", [(a, b, c) for a in vals for b in vals for c in vals[::4]], exact=True)
    p.assert_same("chained", [(a, b) for a in vals for b in vals], exact=True)
    # Overflow to inf is float's (no error); an int too large for a double
    # beside a float is float's OverflowError with its message.
    assert p.native.norm2(1e200, 1e200, 1.0) == INF
    assert math.isnan(p.native.poly(INF, INF, 1.0)) and math.isnan(p.py.poly(INF, INF, 1.0))


def test_augmented_items(pyc):
    p = build(pyc)
    lists = [[1.0, 2.0], [1, 2], [F(1.0), 2.0], [G(1.0), 2.0], [1j, 2.0], [Adder(), Adder()], ["a", "b"], [NAN, INF]]
    cases = [(list(v), dx, m) for v in lists for dx in (0.5, -3.0, 2, F(0.25), G(2.0), INF) for m in (2.0, 1e308, 3, Adder())]
    cases += [([1.0], 0.5, 2.0), ([], 0.5, 2.0), ((1.0, 2.0), 0.5, 2.0), ({0: 1.0, 1: 2.0}, 0.5, 2.0), (None, 1.0, 1.0)]
    assert_same_fresh(p, "isub_item", cases)
    assert_same_fresh(p, "iadd_attr_item", [({"k": 1.0}, "k", 0.01, 2.0), ({"k": 1}, "k", 0.01, 2.0), ({}, "k", 0.01, 2.0),
                                     ({"k": "x"}, "k", 0.01, 2.0), ([1.0, 2.0], 1, 0.5, 0.5), ({"k": 1.0}, "k", 0.5, "s")])


def test_leftmost_operand_evaluated_first(pyc):
    p = build(pyc)
    for mod in (p.native, p.py):
        log = []

        class Loud(float):
            def __mul__(self, o):
                log.append(("mul", float(self), o))
                return Loud(float(self) * o)

            def __add__(self, o):
                log.append(("add", float(self), o))
                return Loud(float(self) + o)

        def f():
            log.append("f")
            return Loud(2.0)

        r = mod.call_first(f, 3.0, 0.5)
        assert type(r) is Loud and r == 6.5
        mod.log = log
    assert p.native.log == p.py.log == ["f", ("mul", 2.0, 3.0), ("add", 6.0, 0.5)]
    p.assert_same("call_first", [(lambda: 2.0, 3.0, 0.5), (lambda: 2, 3.0, 0.5), (lambda: "x", 3, "y"), (lambda: 1.0, None, 1.0)],
                  exact=True)


def test_nbody_shaped_step(pyc):
    p = build(pyc)

    def system():
        a = ([0.5, 1.0], [0.0, 0.1], 2.0)
        b = ([-1.0, 0.25], [0.3, 0.0], 1.0)
        c = ([2.0, -1.5], [0.0, -0.2], 0.5)
        return [(a, b), (a, c), (b, c)]

    out = []
    for mod in (p.native, p.py):
        s = system()
        for _ in range(20):
            mod.step(s, 0.01)
        out.append(s)
    assert repr(out[0]) == repr(out[1])
    assert_same_fresh(p, "step", [([(([1.0, 1], [0, 0.0], 1.0), ([0.0, 0.0], [0.0, 0.0], F(1.0)))], 0.01),
                           ([(([1.0, 1.0], [0.0, 0.0], 1.0), ([1.0, 1.0], [0.0, 0.0], 1.0))], 0.01),
                           ([(([1.0, 1.0], [0.0, 0.0], "m"), ([0.0, 1.0], [0.0, 0.0], 1.0))], 0.01)])


def test_float_trees_leak_nothing(pyc):
    p = build(pyc)
    m = p.native
    v = [1.0, 2.0]
    assert growth(lambda: m.norm2(0.1, 0.2, 0.3)) < N // 10
    assert growth(lambda: m.poly(0.1, F(0.2), 3)) < N // 10
    assert growth(lambda: m.isub_item(v, 0.5, 1e-3)) < N // 10
    assert growth(lambda: m.chained(0.5, 0.25)) < N // 10
    assert growth(lambda: attempt(m.norm2, 0.1, 0.2, "x")) < N // 10
    assert growth(lambda: attempt(m.isub_item, [1.0], 0.5, 1.0)) < N // 10
    assert growth(lambda: attempt(m.isub_item, [1.0, 2.0], 0.5, "x")) < N // 10
    assert growth(lambda: attempt(m.call_first, lambda: 1.0, None, 1.0)) < N // 10
