"""Native generators with `yield` inside an expression (issue 12):
`s += (yield s) or 0`, `total = base + (yield x)`, `f((yield), y)`,
`return (yield v)`, `if (yield v):`, `while (yield):` and the like, compiled
by hoisting what Python evaluates before the `yield` into hidden locals
(`frontend/typeck/yield_expr.rs`), compared with the same source run by
CPython: values, sent and thrown values, the order of side effects, values
rebound while the generator is suspended (a global, a captured variable, an
attribute, an item, a method: Python read them before the `yield`),
exception types and messages, traceback lines, and no leaks on any path.
A `yield` in an operand that runs on a condition (`a or (yield)`, a branch
of `x if c else y`, a later link of a chained comparison) becomes `if`
statements. The forms whose evaluation order a hoist cannot keep stay
Python and say why, at the `yield`. `yield` inside `except` clauses and
`finally`: `sys.exc_info()` as the caller sees it between resumptions and
as the generator sees it after them, bare `raise`, `throw`'s context,
`close`, GeneratorExit in `finally`, nested clauses."""

import re
import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth

N = LEAK_CALLS

SOURCE = '''
import sys

import cython

G = 10


def acc(s):
    while True:
        s += (yield s) or 0


def plus(base, xs):
    for x in xs:
        total = base + (yield x)
        yield total


def typed_sum(n: cython.int):
    t: cython.double = 0.0
    i: cython.int
    for i in range(n):
        t = t + i * (yield t)
    return t


def typed_int(n: cython.int):
    k: cython.int = n * (yield n) + 1
    return k


def call_args(f, y):
    f((yield "a"), y)
    r = f(y, (yield "b"), k=(yield "c"))
    return r


def run_made(sends):
    return drive(call_args(kwf, "y"), sends)


def printer():
    print((yield))


def ret(v):
    return (yield v)


def cond(v):
    if (yield v):
        yield "yes"
    elif (yield "elif"):
        yield "elif yes"
    else:
        yield "no"


def loop(ev):
    while (yield len(ev)):
        ev.append(1)
    return ev


def loop_else(ev, stop):
    while (yield len(ev)):
        ev.append(1)
        if len(ev) >= stop:
            break
        if len(ev) == 1:
            continue
        ev.append(2)
    else:
        ev.append("else")
    return ev


def loop_in_for(ev, n):
    for i in range(n):
        while (yield i):
            ev.append(i)
        else:
            ev.append("else")
            continue
        ev.append("never")
    return ev


def order(ev):
    def f(tag):
        ev.append(tag)
        return tag
    r = f("a") + f("b") * (yield "y") + f("c")
    ev.append(r)
    d = {f("k1"): (yield "v1"), f("k2"): f("v2")}
    xs = [f(1), (yield 2), f(3)]
    t = (f("t"), (yield "t2"))
    ev.append((d, xs, t))
    return ev


def glob():
    global G
    G += yield G
    return G + (yield)


def rebound_global():
    return G + (yield G)


def captured(ev):
    x = 1

    def inc():
        nonlocal x
        x += 100
    ev.append(inc)
    total = x + (yield x)
    return total, x


def attr_aug(o):
    o.x += yield o.x
    return o.x


def item_aug(d, k):
    d[k] += yield d[k]
    d[k] *= (yield) or 3
    return d


def method_call(o):
    return o.m((yield "m"))


def nested_yields(v):
    r = (yield v) + (yield (yield v + 1))
    return r


def walrus(v):
    if (x := (yield v)) is not None:
        yield x * 2
    return x


def for_iter():
    out = []
    for x in (yield "iter"):
        out.append(x)
    return out


def raiser():
    raise (yield "exc")


def cmp_first(v):
    return (yield v) < 10, v < (yield)


def bool_first(v):
    a = (yield v) or "default"
    b = (yield v) and "given"
    c = "t" if (yield) else "f"
    return a, b, c


def attr_of(v):
    return (yield v).real + (yield v)[0]


def slices(xs):
    return xs[(yield 0):(yield 1)], xs[::(yield 2)]


def in_try(ev):
    try:
        r = 1 + (yield "try")
    except TypeError as e:
        ev.append(type(e).__name__)
        r = -1
    else:
        ev.append("else")
    finally:
        ev.append("finally")
    yield r


class Managed:
    def __init__(self, ev, v):
        self.ev = ev
        self.v = v

    def __enter__(self):
        self.ev.append("enter")
        return self.v

    def __exit__(self, *a):
        self.ev.append("exit")


def with_item(ev):
    with Managed(ev, (yield "w")) as v:
        yield v * 2


def unpack_target():
    a, b = yield "ab"
    c = d = (yield "cd")
    return a, b, c, d


def short_circuit(a, c):
    x = a or (yield "or")
    y = a and (yield "and")
    z = (yield "t") if c else (yield "f")
    w = 0 < a < (yield "chain")
    v = a or c or (yield "or3")
    return x, y, z, w, v


def chain2(a, b):
    return a < (yield) < b < (yield)


def walrus_order(x):
    r = kwf(x, (x := x + 1), (yield x), x)
    return r


def unbound(flag):
    if flag:
        x = 1
    r = x + (yield "before")
    return r


def sender(vals):
    return vals.pop(0) + (yield len(vals))


# Drivers: compiled too, run in both modules.
def make(name, args):
    # Fresh lists: the same arguments go to both modules.
    args = tuple([list(a) if isinstance(a, list) else a for a in args])
    f = GENS[name]
    return f(*args)


def drive(g, sends):
    out = []
    try:
        out.append(next(g))
        for s in sends:
            out.append(g.send(s))
        out.append("suspended")
    except StopIteration as e:
        out.append(("stop", e.value))
    return out


def run(name, args, sends):
    return drive(make(name, args), sends)


def run_ev(name, args, sends):
    ev = []
    out = drive(make(name, (ev,) + tuple(args)), sends)
    return out, [x if isinstance(x, (int, str, tuple, list)) else "fn" for x in ev]


def order_run(sends):
    ev = []
    return drive(order(ev), sends), ev


def rebound_run(v):
    global G
    G = 10
    g = rebound_global()
    first = next(g)
    G = 1000
    try:
        g.send(v)
    except StopIteration as e:
        return first, e.value, G
    return "suspended"


def glob_run(a, b):
    global G
    G = 10
    out = drive(glob(), [a, b])
    return out, G


def captured_run(v):
    ev = []
    g = captured(ev)
    first = next(g)
    ev[0]()
    try:
        g.send(v)
    except StopIteration as e:
        return first, e.value


class Box:
    def __init__(self, x):
        self.x = x

    def m(self, v):
        return ("m", self.x, v)


def attr_run(x, rebind, v):
    o = Box(x)
    g = attr_aug(o)
    first = next(g)
    o.x = rebind
    try:
        g.send(v)
    except StopIteration as e:
        return first, e.value, o.x


def item_run(d, k, rebind, a, b):
    d = d.copy()
    g = item_aug(d, k)
    first = next(g)
    if rebind is not None:
        d[k] = rebind
    out = [first]
    try:
        out.append(g.send(a))
        g.send(b)
    except StopIteration as e:
        out.append(e.value)
    return out


def method_run(v):
    o = Box(1)
    g = method_call(o)
    next(g)
    o.m = lambda v: ("rebound", v)
    try:
        g.send(v)
    except StopIteration as e:
        return e.value


def throw_in(name, args, exc):
    g = make(name, args)
    first = next(g)
    try:
        g.throw(exc)
    except StopIteration as e:
        return first, ("stop", e.value)
    except BaseException as e:
        return first, type(e).__name__, str(e)
    return first, "suspended"


def close_in(name, args, k):
    g = make(name, args)
    out = [next(g)]
    for _ in range(k):
        out.append(g.send(1))
    g.close()
    return out


def try_run(v):
    ev = []
    out = drive(in_try(ev), [v, None])
    return out, ev


def with_run(v):
    ev = []
    out = drive(with_item(ev), [v, None])
    return out, ev


def kwf(*a, **k):
    return a, k


def sender_run(vals, v):
    vals = list(vals)
    return drive(sender(vals), [v]), vals


# --- `yield` inside `except` and `finally` ---------------------------------

def exc_repr():
    return repr(sys.exc_info()[1])


def in_except(f):
    try:
        f()
    except ValueError as e:
        got = yield ("caught", str(e), exc_repr())
        yield ("resumed", exc_repr(), got)
        raise
    yield "never"


def in_except_swallow(f):
    try:
        f()
    except Exception as e:
        yield ("caught", type(e).__name__, exc_repr())
        yield ("again", exc_repr())
    yield ("after", exc_repr())


def nested_except():
    try:
        raise ValueError("outer")
    except ValueError:
        yield ("outer", exc_repr())
        try:
            raise KeyError("inner")
        except KeyError:
            yield ("inner", exc_repr())
            try:
                yield "catching"
            except IndexError as k:
                yield ("thrown", repr(k.__context__), exc_repr())
        yield ("outer again", exc_repr())
    yield ("done", exc_repr())


def in_finally(ev):
    try:
        yield "body"
    finally:
        ev.append(("finally", exc_repr()))
        x = yield "finally"
        ev.append(("resumed", x, exc_repr()))
    yield "end"


def return_finally(ev):
    try:
        return "r"
    finally:
        ev.append("fin")
        got = yield "in finally"
        ev.append(("fin2", got))


def loop_finally(n):
    out = []
    for i in range(n):
        try:
            if i == 1:
                continue
            if i == 3:
                break
        finally:
            out.append((yield i))
    return out


def finally_ignores_exit(ev):
    try:
        yield 1
    finally:
        ev.append(exc_repr())
        yield "ignored"


def finally_catches_exit(ev):
    try:
        yield 1
    finally:
        try:
            yield "in finally"
        except GeneratorExit:
            ev.append("exit in finally")
            raise


def else_finally(ev, f):
    try:
        f()
    except ZeroDivisionError:
        ev.append(("except", exc_repr()))
        yield "except"
    else:
        yield "else"
    finally:
        ev.append(("finally", exc_repr()))
        yield "finally"
    ev.append(("after", exc_repr()))


# Drivers.
def bad_value():
    raise ValueError("inner")


def bad_zero():
    return 1 / 0


def good():
    return None


def except_run(caller_exc):
    """`sys.exc_info()` seen by the caller between resumptions, handling
    an exception of its own or none, and the bare `raise` after resuming."""
    out = []
    g = in_except(bad_value)
    out.append(next(g))
    out.append(exc_repr())
    if caller_exc:
        try:
            raise KeyError("caller")
        except KeyError:
            out.append(g.send("s1"))
            out.append(exc_repr())
    else:
        out.append(g.send("s1"))
        out.append(exc_repr())
    try:
        next(g)
    except ValueError as e:
        out.append(("reraised", str(e), repr(e.__context__)))
    out.append(exc_repr())
    return out


def swallow_run(how):
    out = []
    g = in_except_swallow(bad_zero)
    out.append(next(g))
    try:
        raise KeyError("caller")
    except KeyError:
        out.append(exc_repr())
        if how == "throw":
            try:
                g.throw(IndexError("t"))
            except IndexError as e:
                out.append(("thrown", repr(e.__context__), exc_repr()))
        elif how == "close":
            out.append(g.close())
        else:
            out.append(next(g))
            out.append(exc_repr())
            out.append(next(g))
        out.append(exc_repr())
    out.append(exc_repr())
    return out


def nested_run(throw):
    out = []
    g = nested_except()
    for _ in range(3):
        out.append(next(g))
        out.append(exc_repr())
    if throw:
        out.append(g.throw(IndexError("t")))
    else:
        out.append(next(g))
    out.append(exc_repr())
    try:
        while True:
            out.append(next(g))
            out.append(exc_repr())
    except StopIteration:
        out.append("stop")
    return out


def finally_run(how, v):
    ev = []
    out = []
    g = in_finally(ev)
    out.append(next(g))
    try:
        if how == "throw":
            out.append(g.throw(ZeroDivisionError("z")))
        elif how == "close":
            out.append(g.close())
        else:
            out.append(next(g))
        out.append(exc_repr())
        out.append(g.send(v))
        out.append(next(g))
    except StopIteration as e:
        out.append(("stop", e.value))
    except BaseException as e:
        out.append((type(e).__name__, str(e)))
    return out, ev


def return_finally_run(v):
    ev = []
    g = return_finally(ev)
    out = [next(g)]
    try:
        g.send(v)
    except StopIteration as e:
        out.append(("stop", e.value))
    return out, ev


def loop_finally_run(n):
    g = loop_finally(n)
    try:
        r = [next(g)]
        while True:
            r.append(g.send(len(r)))
    except StopIteration as e:
        return r, e.value


def exit_run(which):
    ev = []
    g = finally_ignores_exit(ev) if which == "ignores" else finally_catches_exit(ev)
    out = [next(g)]
    if which == "catches":
        out.append(next(g))
    try:
        g.close()
        out.append("closed")
    except RuntimeError as e:
        out.append(("RuntimeError", str(e)))
    return out, ev


def else_finally_run(f, throw):
    ev = []
    g = else_finally(ev, f)
    out = [next(g)]
    try:
        if throw:
            out.append(g.throw(KeyError("k")))
        out.append(exc_repr())
        while True:
            out.append(next(g))
            out.append(exc_repr())
    except StopIteration:
        out.append("stop")
    except KeyError as e:
        out.append(("KeyError", repr(e.__context__)))
    return out, ev


GENS = {k: v for k, v in list(globals().items()) if callable(v)}
'''

NATIVE = ["acc", "plus", "typed_sum", "typed_int", "call_args", "printer", "ret", "cond", "loop", "loop_else", "loop_in_for",
          "order", "glob", "rebound_global", "captured", "attr_aug", "item_aug", "method_call", "nested_yields", "walrus",
          "for_iter", "raiser", "cmp_first", "bool_first", "attr_of", "slices", "in_try", "with_item", "unpack_target", "sender", "walrus_order", "unbound", "short_circuit", "chain2",
          "in_except", "in_except_swallow", "nested_except", "in_finally", "return_finally", "loop_finally",
          "finally_ignores_exit", "finally_catches_exit", "else_finally"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="gen_expr")


def line_of(text):
    return next(i for i, ln in enumerate(SOURCE.splitlines(), 1) if text in ln)


def test_all_native(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    for name in NATIVE:
        m.assert_native(name)


def test_values(m):
    cases = [
        ("acc", (1,), [2, None, 3]), ("acc", (1,), ["x"]), ("acc", ([1],), [[2], None, 0]), ("acc", (None,), []),
        ("plus", (1, [1, 2]), [10, None, 20, None]), ("plus", (1.5, [1]), ["a"]), ("plus", ("s", [1]), ["t", None]),
        ("typed_sum", (3,), [1.0, 2.0, 3.0]), ("typed_sum", (3,), [1, "x"]), ("typed_sum", (2,), [True, 2.5]),
        ("typed_int", (3,), [4]), ("typed_int", (3,), [None]), ("typed_int", (3,), ["x"]),
        ("call_args", (max, 5), [1, 7, 2]), ("call_args", (max, 5), [1, 7, None]), ("call_args", (min, 5), [1, 7, 2]),
        ("call_args", (None, 5), [1]),
        ("ret", (4,), [7]), ("ret", (None,), []),
        ("cond", (1,), [0, 0]), ("cond", (1,), [1]), ("cond", (1,), [0, "x"]), ("cond", (1,), [[]]),
        ("nested_yields", (1,), [10, 20, 30]), ("nested_yields", (1,), ["a", "b", None]),
        ("walrus", (1,), [3, None]), ("walrus", (1,), [None]), ("walrus", (1,), ["ab", None]),
        ("for_iter", (), [[1, 2]]), ("for_iter", (), ["ab"]), ("for_iter", (), [5]), ("for_iter", (), [None]),
        ("raiser", (), [ValueError("v")]), ("raiser", (), [KeyError]), ("raiser", (), [3]),
        ("cmp_first", (5,), [1, 25]), ("cmp_first", (5,), [11, 3]), ("cmp_first", (5,), [None]), ("cmp_first", (5,), [1, "x"]),
        ("bool_first", (0,), [0, 0, 0]), ("bool_first", (0,), [1, 1, 1]), ("bool_first", (0,), ["", [], "x"]),
        ("attr_of", (1,), [2, "ab"]), ("attr_of", (1,), [2.5, (1,)]), ("attr_of", (1,), ["s"]), ("attr_of", (1,), [2, 3]),
        ("slices", ([1, 2, 3, 4],), [1, 3, 2]), ("slices", ("abcdef",), [None, -1, -2]), ("slices", ([1],), ["x", 1]),
        ("slices", ([1],), [0, 1, 0]),
        ("short_circuit", (0, 0), [1, 2, 3, 4, 5, 6]), ("short_circuit", (5, 1), [1, 2, 50, 6]),
        ("short_circuit", (5, 0), [1, 200, 6]), ("short_circuit", (5, 0), [1, None]), ("short_circuit", ("", 0), [1, 2, 3]),
        ("short_circuit", ("s", 1), [1, 2]), ("short_circuit", ([], 0), [0, [], 0, 1]), ("short_circuit", (0, 1), [[], 2, 3]),
        ("chain2", (1, 10), [5, 20]), ("chain2", (1, 10), [5, 3]), ("chain2", (1, 10), [0]), ("chain2", (1, 10), [20]),
        ("chain2", (1, 10), [5, None]), ("chain2", (1, 10), ["x"]),
        ("walrus_order", (1,), ["s"]), ("walrus_order", ("a",), [None]),
        ("unbound", (True,), [2]), ("unbound", (False,), [2]),
        ("unpack_target", (), [(1, 2), 3]), ("unpack_target", (), [(1,)]), ("unpack_target", (), [None]),
    ]
    m.assert_same("run", cases, exact=True)
    m.assert_same("run_made", [[1, 7, 2], [1], [1, 2]], exact=True)
    m.assert_same("sender_run", [([5, 6], 1), ([], 1), (["a"], "b"), ([1], None)], exact=True)


def test_printer(m, capsys):
    for mod in (m.native, m.py):
        g = mod.printer()
        next(g)
        with pytest.raises(StopIteration):
            g.send("printed")
    assert capsys.readouterr().out == "printed\nprinted\n"


def test_while(m):
    m.assert_same("run_ev", [
        ("loop", (), [1, 1, 0]), ("loop", (), [0]), ("loop", (), [1, "x", None]), ("loop", (), [1, 1, 1]),
        ("loop_else", (5,), [1, 1, 1, 0]), ("loop_else", (2,), [1, 1]), ("loop_else", (5,), [0]), ("loop_else", (9,), [1, 1, 1, 1]),
        ("loop_in_for", (3,), [1, 0, 0, 1, 1, 0]), ("loop_in_for", (2,), [0, 0]), ("loop_in_for", (0,), []),
    ], exact=True)


def test_order(m):
    """Everything Python evaluates before the `yield` runs before it."""
    m.assert_same("order_run", [[2, "v1", 5, "x"], [2], [2, "v1"], [2, "v1", 5], [None]], exact=True)


def test_rebound_while_suspended(m):
    """What Python read before the `yield` is not read again after it."""
    m.assert_same("rebound_run", [1, 2.5, "x"], exact=True)
    m.assert_same("glob_run", [(1, 2), (1, None), ("x", 1)], exact=True)
    m.assert_same("captured_run", [1, 5, None], exact=True)
    m.assert_same("attr_run", [(1, 100, 2), (1, 100, None), ("a", "b", "c"), ([1], [9], [2])], exact=True)
    m.assert_same("item_run", [
        ({"k": 1}, "k", 100, 2, 5), ({"k": 1}, "k", None, 2, 0), ({"k": 1}, "k", 100, "x", 1), ({"k": "s"}, "k", None, "t", 2),
        ([1, 2], 0, 50, 2, 4), ([1, 2], 5, None, 1, 1), ({}, "k", None, 1, 1),
    ], exact=True)
    m.assert_same("method_run", [1, "v"], exact=True)


def test_throw_close(m):
    m.assert_same("throw_in", [
        ("plus", (1, [1]), ValueError("t")), ("acc", (1,), KeyError), ("call_args", (max, 5), RuntimeError("r")),
        ("order", ([],), StopIteration), ("nested_yields", (1,), GeneratorExit), ("in_try", ([],), TypeError("caught")),
        ("in_try", ([],), ValueError("not caught")), ("loop", ([],), ZeroDivisionError),
    ], exact=True)
    m.assert_same("close_in", [("plus", (1, [1, 2]), 0), ("plus", (1, [1, 2]), 1), ("order", ([],), 1), ("loop", ([],), 2),
                               ("acc", (1,), 3), ("nested_yields", (1,), 2)], exact=True)
    m.assert_same("try_run", [1, "x", 2.5], exact=True)
    m.assert_same("with_run", [3, "ab", None], exact=True)


def test_traceback_line(m):
    """An error after the `yield` is raised at the statement's line."""
    g = m.native.plus(1.5, [1])
    next(g)
    with pytest.raises(TypeError) as e:
        g.send("a")
    last = traceback.extract_tb(e.value.__traceback__)[-1]
    assert last.name == "plus" and last.lineno == line_of("total = base + (yield x)"), last


def test_no_leaks(m):
    xs = [1, 2, 3]
    refs = sys.getrefcount(xs)
    for mod in (m.native, m.py):
        assert growth(lambda: mod.run("plus", (1, xs), [10, None, 20, None])) < N // 10
        assert growth(lambda: mod.run("acc", ([1],), [[2], [3]])) < N // 10
        assert growth(lambda: mod.run("call_args", (mod.kwf, 5), [1, 7, 2])) < N // 10
        assert growth(lambda: attempt(mod.run, "nested_yields", (1,), ["a", "b", None])) < N // 10
        assert growth(lambda: attempt(mod.run, "attr_of", (1,), ["s"])) < N // 10
        assert growth(lambda: mod.run("slices", (xs,), [0, 2, 1])) < N // 10
        assert growth(lambda: mod.run("short_circuit", (0, 0), [xs, xs, xs, xs, xs])) < N // 10
        assert growth(lambda: mod.run("short_circuit", (5, 1), [1, xs, 50])) < N // 10
        assert growth(lambda: attempt(mod.run, "short_circuit", ("s", 1), [1, 2])) < N // 10
        assert growth(lambda: attempt(mod.run, "raiser", (), [ValueError("v")])) < N // 10
        assert growth(lambda: mod.run_ev("loop_else", (5,), [1, 1, 1, 0])) < N // 10
        assert growth(lambda: mod.order_run([2, "v1", 5, "x"])) < N // 10
        assert growth(lambda: attempt(mod.order_run, [None])) < N // 10
        assert growth(lambda: mod.item_run({"k": 1}, "k", 100, 2, 5)) < N // 10
        assert growth(lambda: mod.attr_run("a", xs, "b")) < N // 10
        assert growth(lambda: mod.captured_run(5)) < N // 10
        assert growth(lambda: mod.throw_in("plus", (1, xs), ValueError("t"))) < N // 10
        assert growth(lambda: mod.throw_in("order", ([],), StopIteration)) < N // 10
        assert growth(lambda: mod.close_in("order", ([],), 1)) < N // 10
        assert growth(lambda: mod.close_in("plus", (xs, xs), 0)) < N // 10
        assert growth(lambda: mod.with_run("ab")) < N // 10
        assert growth(lambda: attempt(mod.try_run, "x")) < N // 10
        # Dropped while suspended with hidden locals holding objects.
        assert growth(lambda: next(mod.order([]))) < N // 10
        assert growth(lambda: drop_after(mod.call_args(max, xs), 1)) < N // 10
    assert sys.getrefcount(xs) == refs


def drop_after(g, k):
    next(g)
    for _ in range(k):
        g.send([1])


# --- `yield` inside `except` and `finally` ---------------------------------

def test_except_exc_info(m):
    """The caller sees its own handled exception while the generator is
    suspended in an `except` clause; resumed, the generator's is back."""
    m.assert_same("except_run", [False, True], exact=True)
    m.assert_same("swallow_run", ["next", "throw", "close"], exact=True)
    m.assert_same("nested_run", [False, True], exact=True)


def test_finally(m):
    m.assert_same("finally_run", [(how, v) for how in ("next", "throw", "close") for v in (1, None)], exact=True)
    m.assert_same("return_finally_run", [1, None], exact=True)
    m.assert_same("loop_finally_run", [0, 1, 2, 5], exact=True)
    m.assert_same("else_finally_run", [(m.native.good, False), (m.native.bad_zero, False), (m.native.good, True),
                                       (m.native.bad_zero, True)], exact=True)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_generator_exit_in_finally(m):
    m.assert_same("exit_run", ["ignores", "catches"], exact=True)


def test_except_traceback(m):
    """The bare `raise` after resuming re-raises the clause's exception
    with its traceback from where it was raised."""
    g = m.native.in_except(m.native.bad_value)
    next(g)
    g.send(1)
    with pytest.raises(ValueError) as e:
        next(g)
    names = [f.name for f in traceback.extract_tb(e.value.__traceback__)]
    assert names[-2:] == ["in_except", "bad_value"], names


def test_except_no_leaks(m):
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: None
    try:
        for mod in (m.native, m.py):
            for caller in (False, True):
                assert growth(lambda: mod.except_run(caller)) < N // 10
            for how in ("next", "throw", "close"):
                assert growth(lambda: mod.swallow_run(how)) < N // 10
                assert growth(lambda: mod.finally_run(how, 1)) < N // 10
            assert growth(lambda: mod.nested_run(True)) < N // 10
            assert growth(lambda: mod.nested_run(False)) < N // 10
            assert growth(lambda: mod.return_finally_run(1)) < N // 10
            assert growth(lambda: mod.loop_finally_run(5)) < N // 10
            assert growth(lambda: mod.exit_run("ignores")) < N // 10
            assert growth(lambda: mod.exit_run("catches")) < N // 10
            assert growth(lambda: mod.else_finally_run(mod.bad_zero, True)) < N // 10
            # Dropped while suspended inside the clause: closed first.
            assert growth(lambda: next(mod.in_except(mod.bad_value))) < N // 10
            assert growth(lambda: next(mod.nested_except())) < N // 10
    finally:
        sys.unraisablehook = old


# --- what stays Python, and why ------------------------------------------------

FALLBACKS = {
    "fstr": ("def fstr(a):\n    x = f'{a}{(yield)}'\n    yield x\n", "it uses `yield` inside an f-string"),
    "star": ("def star(a):\n    x = [*a, (yield)]\n    yield x\n", "it uses `yield` after a `*` unpacking"),
    "star_call": ("def star_call(f, a):\n    f(*a, (yield))\n", "it uses `yield` after a `*` unpacking"),
    "kw_star": ("def kw_star(f, a):\n    f(**a, k=(yield))\n", "it uses `yield` after a `**` unpacking"),
    "assert_msg": ("def assert_msg(a):\n    assert a, (yield)\n", "it uses `yield` inside an `assert` message"),
    "target": ("def target(a):\n    a[(yield)] = 1\n", "it uses `yield` inside an assignment target"),
    "del_item": ("def del_item(a):\n    del a[(yield)]\n", "it uses `yield` inside `del`"),
    "comp_iter": ("def comp_iter(a):\n    x = [i for i in (yield)]\n    yield x\n", "it uses `yield` in a comprehension's iterable"),
    "yield_from_except": ("def yield_from_except(f, it):\n    try:\n        f()\n    except ValueError:\n        yield from it\n",
                          "it uses `yield from` inside an `except` clause or `finally`"),
    "with_later": ("def with_later(a):\n    with a, (yield):\n        pass\n", "it uses `yield` in a later item of `with`"),
}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_fallback_reasons(pyc, name):
    source, reason = FALLBACKS[name]
    m = pyc.pair(source, stem="gen_expr_fallback_" + name)
    found = re.search(r"function `%s` left to Python: ([^\n]*)\n\s*\S+ [^\n]*:(\d+):" % name, m.build.stderr)
    assert found, m.build.stderr
    assert found.group(1).startswith(reason), found.group(1)
    line = source.splitlines()[int(found.group(2)) - 1]
    assert "yield" in line, line
