"""Generator functions compiled natively (issue 12): each program's
generators and the functions driving them are compiled and compared with the
same source run by CPython (values, StopIteration values, exceptions and
their messages), and the generator objects behave as CPython's do (`send`,
`throw`, `close`, re-entry, PEP 479, `collections.abc`, names, repr), leak
nothing whether run out, half run or never run, and take part in cycles the
collector frees. Generators whose `yield`s sit where the native generator
cannot suspend stay Python with the rule they broke."""

import collections.abc
import gc
import re
import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth

N = LEAK_CALLS

SOURCE = '''
import cython


def count(n):
    i = 0
    while i < n:
        yield i
        i += 1


def squares(n):
    for i in range(n):
        yield i * i


def items_of(d):
    for k, v in d.items():
        yield k
        yield v


def pairs(xs, ys):
    for x in xs:
        for y in ys:
            if y == x:
                break
            yield (x, y)
        else:
            yield "no break"


def until(xs, stop):
    for x in xs:
        if x == stop:
            return "stopped at %r" % (x,)
        yield x
    return None


def bare(n):
    yield
    if n:
        return
    yield n


def typed(n: cython.int):
    i: cython.int
    acc: cython.double = 0.5
    for i in range(n):
        acc = acc * 2 + i
        yield i, acc
    yield acc


def echo(start):
    total = start
    while True:
        x = yield total
        if x is None:
            return total
        total = total + x


def unbound_later(flag):
    if flag:
        v = 1
    yield 0
    yield v


def fails(n):
    yield 1
    if n > 0:
        raise ValueError("failed with %d" % n)
    yield 2


def stop_inside(n):
    yield n
    raise StopIteration(n)


def next_inside(xs):
    it = iter(xs)
    yield next(it)
    yield next(it)


def chained(n):
    for x in count(n):
        for y in squares(x):
            yield x + y


def reentrant():
    x = yield 1
    yield next(x)


def returns_tuple():
    yield 1
    return (1, 2)


def parsed(xs):
    for x in xs:
        try:
            v = int(x)
        except ValueError:
            v = -1
        yield v


def closure_gen(n):
    k = n * 2
    def add(x):
        return x + k
    for i in range(n):
        yield add(i)
        k += 1


def deleter(n):
    a = n
    yield a
    del a
    yield 0
    yield a


def floats(n: cython.int):
    x: cython.double = 1.5
    c = complex(1, 2)
    while n > 0:
        yield x, c
        x = x * 3
        c = c * 2
        n -= 1


def signature(a, b=2, *args, c=3, **kw):
    yield a, b, args, c, kw


def keywords(a, c):
    return list(signature(a, 5, 6, c=c, z=a))


def consts():
    for x in (1, "a", None):
        yield x
    for i, x in enumerate(["p", "q"]):
        yield i, x
    for a, b in zip([1, 2], "xy"):
        yield a, b

def loops_popping(xs, ys):
    xs = list(xs)
    for x in xs:
        if x is None:
            continue
        for y in ys:
            if y == x:
                yield "eq", x
                break
            yield x, y
        else:
            yield "else", x
    while xs:
        v = xs.pop()
        if v == 2:
            break
        yield "popped", v
    else:
        yield "emptied"

def maybe(n):
    if n > 1:
        s = "big"
    for i in range(n):
        yield i
        if i == 1:
            yield s


class Box:
    def __init__(self, items):
        self.items = items

    def each(self, k):
        for x in self.items:
            yield x * k


GENERATORS = {
    "count": count, "squares": squares, "items_of": items_of, "pairs": pairs, "until": until, "bare": bare,
    "typed": typed, "unbound_later": unbound_later, "fails": fails, "next_inside": next_inside,
    "chained": chained, "returns_tuple": returns_tuple, "parsed": parsed, "closure_gen": closure_gen,
    "deleter": deleter, "floats": floats, "signature": signature, "consts": consts,
    "loops_popping": loops_popping, "maybe": maybe,
}


# Drivers: compiled too, run in both modules.
def run(name, *args):
    return list(GENERATORS[name](*args))


def with_value(name, *args):
    g = GENERATORS[name](*args)
    out = []
    while True:
        try:
            out.append(next(g))
        except StopIteration as e:
            return out, e.value


def conversation(start, values):
    g = echo(start)
    got = [next(g)]
    for v in values:
        got.append(g.send(v))
    try:
        g.send(None)
    except StopIteration as e:
        return got, e.value
    return got, None


def send_first(v):
    g = echo(1)
    try:
        g.send(v)
    except TypeError as e:
        return str(e), next(g)
    return "sent", next(g)


def throw_suspended(n):
    g = count(n)
    got = [next(g)]
    try:
        g.throw(KeyError("k"))
    except KeyError as e:
        got.append(repr(e))
    got.append(list(g))
    return got


def throw_class(n):
    g = count(n)
    next(g)
    try:
        g.throw(ValueError, "with a value")
    except ValueError as e:
        return repr(e)
    return None


def throw_fresh():
    g = count(5)
    try:
        g.throw(IndexError("fresh"))
    except IndexError as e:
        return repr(e), list(g)
    return None


def throw_finished():
    g = count(1)
    a = list(g)
    try:
        g.throw(IndexError("late"))
    except IndexError as e:
        return a, repr(e)
    return None


def throw_stop():
    g = count(3)
    next(g)
    try:
        g.throw(StopIteration("in"))
    except RuntimeError as e:
        return str(e), type(e.__cause__).__name__
    return None


def closing(k):
    g = count(5)
    got = [next(g) for _ in range(k)]
    g.close()
    g.close()
    return got, list(g), next(g, "default")


def close_fresh():
    g = count(3)
    g.close()
    return list(g)


def re_entry():
    g = reentrant()
    next(g)
    try:
        g.send(g)
    except ValueError as e:
        return str(e)
    return None


def pep479(n):
    try:
        return list(stop_inside(n))
    except RuntimeError as e:
        return str(e), type(e.__cause__).__name__, e.__cause__.args


def exhausted(n):
    g = squares(n)
    return list(g), list(g), next(g, "empty")


def with_default(n):
    g = count(n)
    return next(g, "none"), next(g, "none")


def method_gen(items, k):
    return list(Box(items).each(k))
'''

NATIVE = ["count", "squares", "items_of", "pairs", "until", "bare", "typed", "echo", "unbound_later", "fails",
          "stop_inside", "next_inside", "chained", "reentrant", "returns_tuple", "run", "with_value",
          "conversation", "send_first", "throw_suspended", "throw_class", "throw_fresh", "throw_finished",
          "throw_stop", "closing", "close_fresh", "re_entry", "pep479", "exhausted", "with_default", "method_gen",
          "parsed", "closure_gen", "deleter", "floats", "signature", "keywords", "consts", "loops_popping", "maybe"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="gen_native")


def test_all_native(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    for name in NATIVE:
        m.assert_native(name)


def test_loops(m):
    m.assert_same("run", [("count", 0), ("count", 5), ("squares", 6), ("squares", -1)], exact=True)
    m.assert_same("run", [("items_of", {}), ("items_of", {"a": 1, "b": [2]})], exact=True)
    m.assert_same("run", [("pairs", [1, 2, 3], [3, 2, 1]), ("pairs", [], [1]), ("pairs", [5], [])], exact=True)
    m.assert_same("with_value", [("until", [1, 2, 3], 2), ("until", [1, 2, 3], 9), ("until", "abc", "c")], exact=True)
    m.assert_same("with_value", [("bare", 0), ("bare", 1), ("returns_tuple",)], exact=True)
    m.assert_same("run", [("typed", 0), ("typed", 4), ("typed", -2)], exact=True)
    m.assert_same("run", [("chained", 0), ("chained", 4)], exact=True)
    m.assert_same("run", [("next_inside", [1, 2, 3]), ("next_inside", [1])], exact=True)
    m.assert_same("method_gen", [([1, 2], 3), ([], 1), (["a"], 2)], exact=True)
    # try, closures, del and C doubles/complex elsewhere in the body; any signature.
    m.assert_same("run", [("parsed", ["1", "x", "3"]), ("parsed", [None])], exact=True)
    m.assert_same("run", [("closure_gen", 0), ("closure_gen", 4)], exact=True)
    m.assert_same("run", [("deleter", 5), ("floats", 0), ("floats", 3)], exact=True)
    m.assert_same("run", [("signature", 1), ("signature", 1, 5, 6, 7), ("signature",)], exact=True)
    m.assert_same("keywords", [(1, 9), ("a", None)], exact=True)
    # Constants, enumerate/zip, continue/break/else in nested loops, a local
    # that may be unbound when read after a yield.
    m.assert_same("run", [("consts",), ("maybe", 0), ("maybe", 1), ("maybe", 3)], exact=True)
    m.assert_same("run", [("loops_popping", [1, None, 2, 3], [3, 1]), ("loops_popping", [], [])], exact=True)


def test_errors_inside(m):
    m.assert_same("run", [("fails", 0), ("fails", 3), ("fails", "x")], exact=True)
    m.assert_same("run", [("unbound_later", True), ("unbound_later", False)], exact=True)
    m.assert_same("run", [("count", "x"), ("count", None), ("typed", "x")], exact=True)
    m.assert_same("pep479", [0, 5], exact=True)


def line_of(text):
    """The line of SOURCE holding `text` (1-based, as tracebacks count)."""
    return SOURCE[:SOURCE.index(text)].count("\n") + 1


def test_traceback_line(m):
    for mod in (m.native, m.py):
        g = mod.fails(2)
        next(g)
        with pytest.raises(ValueError) as e:
            next(g)
        last = traceback.extract_tb(e.value.__traceback__)[-1]
        assert (last.name, last.lineno) == ("fails", line_of('raise ValueError("failed with')), last
        # Thrown in at the suspended yield: raised at its line.
        g = mod.count(3)
        next(g)
        with pytest.raises(KeyError) as e:
            g.throw(KeyError("at yield"))
        last = traceback.extract_tb(e.value.__traceback__)[-1]
        assert (last.name, last.lineno) == ("count", line_of("yield i\n")), last


def test_send_throw_close(m):
    m.assert_same("conversation", [(0, []), (1, [2, 3]), ("a", ["b", "c"]), (1, ["x"])], exact=True)
    m.assert_same("send_first", [None, 1, "x"], exact=True)
    m.assert_same("throw_suspended", [1, 3], exact=True)
    m.assert_same("throw_class", [2], exact=True)
    m.assert_same("throw_fresh", [()], exact=True)
    m.assert_same("throw_finished", [()], exact=True)
    m.assert_same("throw_stop", [()], exact=True)
    m.assert_same("closing", [0, 1, 5], exact=True)
    m.assert_same("close_fresh", [()], exact=True)
    m.assert_same("re_entry", [()], exact=True)
    m.assert_same("exhausted", [0, 3], exact=True)
    m.assert_same("with_default", [0, 1, 2], exact=True)


def test_object_behaviour(m):
    g = m.native.count(3)
    assert type(g).__name__ == "generator"
    assert isinstance(g, collections.abc.Generator) and isinstance(g, collections.abc.Iterator)
    assert iter(g) is g
    assert g.__name__ == "count" and g.__qualname__ == "count"
    assert re.fullmatch(r"<generator object count at 0x[0-9a-f]+>", repr(g)), repr(g)
    assert g.gi_running is False
    b = m.native.Box([1]).each(2)
    assert b.__qualname__ == "Box.each" and b.__name__ == "each"
    with pytest.raises(TypeError):
        type(g)()
    # The argument forms throw() takes, as CPython's.
    for mod in (m.native, m.py):
        g = mod.count(3)
        next(g)
        with pytest.raises(TypeError, match="exceptions must be classes or instances deriving from BaseException, not int"):
            g.throw(1)
        with pytest.raises(TypeError, match="instance exception may not have a separate value"):
            g.throw(ValueError("a"), 1)


def test_no_leak(m):
    mod = m.native
    xs = list(range(20))
    d = {"a": xs}
    refs = sys.getrefcount(xs), sys.getrefcount(d)
    assert growth(lambda: mod.run("count", 30)) < N // 10
    assert growth(lambda: mod.run("items_of", d)) < N // 10
    assert growth(lambda: mod.run("pairs", xs, xs)) < N // 10
    assert growth(lambda: mod.run("typed", 10)) < N // 10
    assert growth(lambda: mod.run("chained", 5)) < N // 10
    assert growth(lambda: mod.with_value("until", xs, 5)) < N // 10
    assert growth(lambda: mod.conversation(1, [2, 3])) < N // 10
    assert growth(lambda: mod.throw_suspended(3)) < N // 10
    assert growth(lambda: mod.throw_fresh()) < N // 10
    assert growth(lambda: mod.closing(2)) < N // 10
    assert growth(lambda: mod.pep479(3)) < N // 10
    assert growth(lambda: mod.re_entry()) < N // 10
    assert growth(lambda: attempt(mod.run, "fails", 3)) < N // 10
    assert growth(lambda: attempt(mod.run, "unbound_later", False)) < N // 10
    assert growth(lambda: mod.method_gen(xs, 2)) < N // 10
    assert growth(lambda: mod.run("closure_gen", 5)) < N // 10
    assert growth(lambda: mod.run("parsed", ["1", "x"])) < N // 10
    assert growth(lambda: attempt(mod.run, "deleter", 3)) < N // 10
    assert growth(lambda: mod.keywords(xs, d)) < N // 10
    assert growth(lambda: mod.run("consts")) < N // 10
    assert growth(lambda: mod.run("loops_popping", [1, 2, 3, 4], xs)) < N // 10
    assert growth(lambda: attempt(mod.run, "maybe", 1)) < N // 10
    # Never run, half run, then dropped: the frame's references released.
    assert growth(lambda: mod.items_of(d)) < N // 10
    assert growth(lambda: next(mod.pairs(xs, xs))) < N // 10
    assert growth(lambda: next(mod.items_of(d))) < N // 10
    assert (sys.getrefcount(xs), sys.getrefcount(d)) == refs


def test_cycle_collected(m):
    import weakref

    class Holder:
        pass

    h = Holder()
    g = m.native.items_of({"h": h})
    h.g = g
    next(g)
    r = weakref.ref(h)
    del h, g
    gc.collect()
    assert r() is None


# --- what stays Python, and why ------------------------------------------------

FALLBACKS = {
    "in_prange": ("import cython\nfrom cython.parallel import prange\n\ndef in_prange(n: cython.int):\n"
                  "    i: cython.int\n    for i in prange(n, nogil=True):\n        yield i\n", "it uses `yield` inside `prange`"),
}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_fallback_reasons(pyc, name):
    source, reason = FALLBACKS[name]
    m = pyc.pair(source, stem="gen_fallback_" + name)
    found = re.search(r"function `%s` left to Python: ([^\n]*)\n\s*\S+ [^\n]*:(\d+):" % name, m.build.stderr)
    assert found, m.build.stderr
    assert found.group(1).startswith(reason), found.group(1)
    # Located at the yield that broke the rule.
    line = source.splitlines()[int(found.group(2)) - 1]
    assert "yield" in line, line
