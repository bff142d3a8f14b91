"""Native generators beyond plain suspension (issue 12): `yield` inside a
`try` body or `else` and inside `with`, compared with the same source run by
CPython: values, values thrown in reaching the `try`'s handlers, `close()`
running `finally` blocks and `__exit__` (and CPython's RuntimeError for a
generator that yields again after GeneratorExit), a generator dropped or
collected while suspended inside a `try` closed first (PEP 442), the order
of events, exception types and messages, traceback lines, `gi_running`, and
no leaks on any path; generator expressions that are generators of their
own (`g = (x for x in v)`, `f(x for x in v)`, `zip(a, (... for ...))`: a native
`<genexpr>` generator, the first iterable's `iter()` taken where the
expression is); `yield from` (PEP 380: sent values, `throw`/`close`
forwarded, the return value, plain iterators and Python generators as
delegates, `gi_yieldfrom`). The forms still left to Python say why, at the
`yield`."""

import gc
import re
import sys
import traceback

import pytest

from conftest import LEAK_CALLS, attempt, growth

N = LEAK_CALLS

SOURCE = '''
import sys


def fin(n, ev):
    try:
        for i in range(n):
            yield i
    finally:
        ev.append("finally")
    ev.append("after")


def caught(n, ev):
    try:
        yield n
        yield n + 1
    except ValueError as e:
        ev.append(("caught", str(e)))
    else:
        ev.append("else")
    ev.append("after")
    yield "end"


def retry(xs, ev):
    for x in xs:
        while True:
            try:
                got = yield x
                ev.append(("got", got))
                break
            except KeyError as e:
                ev.append(("retry", e.args))
    return len(ev)


def in_else(n, ev):
    try:
        ev.append("body")
    except Exception:
        ev.append("never")
    else:
        yield n
        ev.append("else")
    finally:
        ev.append("finally")
    yield n + 1


def nested(n, ev):
    try:
        try:
            yield n
        finally:
            ev.append("inner")
        yield n + 1
    finally:
        ev.append("outer")


def returns(n, ev):
    try:
        yield n
        if n > 1:
            return "early %d" % n
        yield n + 1
    finally:
        ev.append("finally %d" % n)
    return "late"


def raising_finally(n, ev):
    try:
        yield n
    finally:
        ev.append("finally")
        if n:
            raise ValueError("from finally %d" % n)


def ignores():
    while True:
        try:
            yield 1
        except GeneratorExit:
            pass


def swallow(ev):
    try:
        yield 1
    except GeneratorExit:
        ev.append("exit seen")
        return "closed value"
    yield 2


def running(ev):
    g = yield
    try:
        ev.append(g.gi_running)
        yield 1
    finally:
        ev.append(g.gi_running)


def exc_info_across():
    yield sys.exc_info()[0]
    try:
        yield sys.exc_info()[0]
    finally:
        pass
    yield sys.exc_info()[0]


class CM:
    def __init__(self, ev, swallow=False):
        self.ev = ev
        self.swallow = swallow

    def __enter__(self):
        self.ev.append("enter")
        return self

    def __exit__(self, t, v, tb):
        self.ev.append(("exit", t.__name__ if t else None))
        return self.swallow


def managed(n, ev, swallow=False):
    with CM(ev, swallow) as c:
        for i in range(n):
            yield i, c.swallow
    ev.append("after")
    yield "done"


def two_managers(ev):
    with CM(ev) as a, CM(ev) as b:
        yield a is b
    yield "out"


# Drivers: compiled too, run in both modules.
def drain(g):
    out = []
    while True:
        try:
            out.append(next(g))
        except StopIteration as e:
            return out, e.value


def run_fin(n):
    ev = []
    return drain(fin(n, ev)), ev


def close_fin(k):
    ev = []
    g = fin(5, ev)
    got = [next(g) for _ in range(k)]
    r = g.close()
    return got, r, ev, list(g)


def drop_fin(k):
    ev = []
    g = fin(5, ev)
    for _ in range(k):
        next(g)
    del g
    return ev


def throw_caught(n, exc):
    ev = []
    g = caught(n, ev)
    got = [next(g)]
    try:
        got.append(g.throw(exc))
        got.append(drain(g))
    except Exception as e:
        got.append((type(e).__name__, str(e)))
    return got, ev


def retry_run(xs, sends):
    ev = []
    g = retry(xs, ev)
    got = []
    try:
        got.append(next(g))
        for s in sends:
            if isinstance(s, BaseException):
                got.append(g.throw(s))
            else:
                got.append(g.send(s))
    except StopIteration as e:
        got.append(("stop", e.value))
    except Exception as e:
        got.append((type(e).__name__, str(e)))
    return got, ev


def else_run(n, k):
    ev = []
    g = in_else(n, ev)
    got = [next(g) for _ in range(k)]
    g.close()
    return got, ev


def nested_run(n, k, how):
    ev = []
    g = nested(n, ev)
    got = [next(g) for _ in range(k)]
    try:
        if how == "close":
            g.close()
        elif how == "throw":
            g.throw(IndexError("thrown"))
        elif how == "drop":
            del g
        else:
            got.append(drain(g))
    except IndexError as e:
        got.append(repr(e))
    return got, ev


def returns_run(n):
    ev = []
    return drain(returns(n, ev)), ev


def returns_close(n):
    ev = []
    g = returns(n, ev)
    next(g)
    return g.close(), ev


def raising_close(n):
    ev = []
    g = raising_finally(n, ev)
    next(g)
    try:
        g.close()
    except ValueError as e:
        return "raised", str(e), type(e.__context__).__name__, ev
    return "closed", ev


def ignoring_close():
    g = ignores()
    next(g)
    try:
        g.close()
    except RuntimeError as e:
        return str(e), g.gi_running
    return None


def swallow_close():
    ev = []
    g = swallow(ev)
    next(g)
    return g.close(), ev, list(g)


def running_run():
    ev = []
    g = running(ev)
    next(g)
    g.send(g)
    g.close()
    return ev


def exc_info_run():
    try:
        raise KeyError("outer")
    except KeyError:
        g = exc_info_across()
        first = next(g)
    second = next(g)
    try:
        raise ValueError("again")
    except ValueError:
        third = next(g)
    return first, second, third


def managed_run(n, swallow):
    ev = []
    return drain(managed(n, ev, swallow)), ev


def managed_throw(n, swallow):
    ev = []
    g = managed(n, ev, swallow)
    got = [next(g)]
    try:
        got.append(g.throw(IndexError("in with")))
        got.append(drain(g))
    except IndexError as e:
        got.append(repr(e))
    return got, ev


def managed_close(k):
    ev = []
    g = managed(3, ev)
    got = [next(g) for _ in range(k)]
    g.close()
    return got, ev


def managed_drop(k):
    ev = []
    g = managed(3, ev)
    for _ in range(k):
        next(g)
    del g
    return ev


def two_run(k):
    ev = []
    g = two_managers(ev)
    got = [next(g) for _ in range(k)]
    g.close()
    return got, ev


# Generator expressions that are generators of their own.
def squares_gen(v):
    return (x * x for x in v)


def pipeline(data):
    return sum(1 for _ in filter(lambda y: y % 3, (x * x for x in data)))


def zipped(v, k):
    return list(zip(v, (x + k for x in v if x)))


def nested_for(v, w):
    g = ((a, b) for a in v if a for b in w if b != a)
    return list(g)


def late_binding(v):
    k = 1
    g = (x + k for x in v)
    k = 10
    return list(g)


def first_iter_error(v):
    try:
        (x for x in v)
    except TypeError as e:
        return "raised here: " + str(e)
    return "made"


def inner_error(v):
    g = (x / y for x in v for y in x)
    return next(g)


def shadowed_iter(v):
    iter = 3
    return list(zip(v, (x + iter for x in v)))


def genexpr_send():
    g = (x for x in range(3))
    a = next(g)
    return a, g.send(5), list(g)


def genexpr_close():
    g = (x for x in [1, 2])
    a = next(g)
    g.close()
    return a, list(g)


def passes_gen(f, v):
    return f(x * 2 for x in v)


def genexpr_names(v):
    g = (x for x in v)
    return g.__name__, g.__qualname__, g.gi_running


def gens_in_loop(n):
    out = []
    for i in range(n):
        out.append((i * x for x in range(3)))
    return [list(g) for g in out]


def in_generator(v):
    for s in (str(x) for x in v):
        yield s + "!"


# yield from (PEP 380).
def sub(n):
    got = []
    for i in range(n):
        x = yield i
        got.append(x)
    return got


def delegator(n):
    r = yield from sub(n)
    yield ("result", r)
    yield from [7, 8]
    yield from range(2)
    return "delegator done"


def delegating(it):
    x = yield from it
    return x


def fin_sub(ev):
    try:
        yield 1
        yield 2
    except KeyError as e:
        ev.append(("sub caught", e.args))
        return "sub returned"
    finally:
        ev.append("sub finally")


def fin_outer(ev):
    try:
        r = yield from fin_sub(ev)
        ev.append(("outer got", r))
        yield "after"
    finally:
        ev.append("outer finally")


def failing_sub(n):
    yield n
    raise ValueError("sub failed %d" % n)


def catches_sub(n):
    msg = "none"
    try:
        yield from failing_sub(n)
    except ValueError as e:
        msg = "caught " + str(e)
    yield msg


def deep(n):
    if n:
        r = yield from deep(n - 1)
        return r + 1
    yield "bottom"
    return 0


def yf_run(n):
    return drain(delegator(n))


def yf_send(vals):
    g = delegator(len(vals))
    got = [next(g)]
    for v in vals:
        got.append(g.send(v))
    got.append(drain(g))
    return got


def yf_throw(how):
    ev = []
    g = fin_outer(ev)
    got = [next(g)]
    try:
        if how == "close":
            got.append(g.close())
        elif how == "drop":
            del g
        elif how == "caught":
            got.append(g.throw(KeyError("k")))
            got.append(drain(g))
        else:
            got.append(g.throw(IndexError("i")))
    except IndexError as e:
        got.append(repr(e))
    return got, ev


def yf_plain(it, k):
    g = delegating(it)
    got = [next(g) for _ in range(k)]
    for how in ("send", "throw"):
        try:
            if how == "send":
                got.append(g.send(5))
            else:
                got.append(g.throw(KeyError("into plain")))
        except StopIteration as e:
            got.append(("stop", e.value))
        except Exception as e:
            got.append((type(e).__name__, str(e)))
    return got


def yf_catches(n):
    return list(catches_sub(n))


def yf_deep(n):
    return drain(deep(n))


def yf_yieldfrom():
    g = delegator(1)
    a = g.gi_yieldfrom
    next(g)
    b = type(g.gi_yieldfrom).__name__
    g.close()
    return a, b, g.gi_yieldfrom


def first_evaluated_once(ev):
    def src():
        ev.append("src")
        return [1, 2]
    g = (x for x in src())
    ev.append("made")
    return list(g), ev
'''

NATIVE = ["fin", "caught", "retry", "in_else", "nested", "returns", "raising_finally", "ignores", "swallow",
          "running", "exc_info_across", "managed", "two_managers", "drain", "run_fin", "close_fin", "drop_fin",
          "throw_caught", "retry_run", "else_run", "nested_run", "returns_run", "returns_close", "raising_close",
          "ignoring_close", "swallow_close", "running_run", "exc_info_run", "managed_run", "managed_throw",
          "managed_close", "managed_drop", "two_run",
          "squares_gen", "pipeline", "zipped", "nested_for", "late_binding", "first_iter_error", "inner_error",
          "genexpr_send", "genexpr_close", "shadowed_iter", "passes_gen", "genexpr_names", "gens_in_loop", "in_generator",
          "first_evaluated_once",
          "sub", "delegator", "delegating", "fin_sub", "fin_outer", "failing_sub", "catches_sub", "deep",
          "yf_run", "yf_send", "yf_throw", "yf_plain", "yf_catches", "yf_deep", "yf_yieldfrom"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="gen_more")


def test_all_native(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr
    for name in NATIVE:
        m.assert_native(name)


def test_try_finally(m):
    m.assert_same("run_fin", [0, 1, 3, "x", None], exact=True)
    m.assert_same("close_fin", [0, 1, 2, 5], exact=True)
    m.assert_same("drop_fin", [0, 1, 2, 5], exact=True)
    m.assert_same("nested_run", [(1, k, how) for k in (0, 1, 2) for how in ("close", "throw", "drop", "run")], exact=True)
    m.assert_same("returns_run", [0, 1, 2, "x"], exact=True)
    m.assert_same("returns_close", [1, 2], exact=True)
    m.assert_same("raising_close", [0, 1], exact=True)
    m.assert_same("else_run", [(1, 0), (1, 1), (1, 2)], exact=True)


def test_try_except(m):
    m.assert_same("throw_caught", [(1, ValueError("v")), (1, ValueError), (2, KeyError("k")), (3, StopIteration)], exact=True)
    m.assert_same("retry_run", [
        ([1, 2], ["a", "b"]),
        ([1, 2], [KeyError("x"), "a", KeyError("y"), KeyError("z"), "b"]),
        ([1], [ValueError("not caught")]),
        ([], []),
    ], exact=True)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_generator_exit(m):
    m.assert_same("ignoring_close", [()], exact=True)
    m.assert_same("swallow_close", [()], exact=True)
    m.assert_same("running_run", [()], exact=True)
    m.assert_same("exc_info_run", [()], exact=True)


def test_with(m):
    m.assert_same("managed_run", [(0, False), (2, False), (2, True)], exact=True)
    m.assert_same("managed_throw", [(2, False), (2, True), (1, True)], exact=True)
    m.assert_same("managed_close", [0, 1, 3, 4], exact=True)
    m.assert_same("managed_drop", [0, 1, 3, 4], exact=True)
    m.assert_same("two_run", [0, 1, 2], exact=True)


def test_genexpr(m):
    m.assert_same("pipeline", [(range(10),), ([],), ([1, "a"],), (None,)], exact=True)
    m.assert_same("zipped", [([0, 1, 2], 10), ([], 1), ([1, None], 1)], exact=True)
    m.assert_same("nested_for", [([1, 2], [2, 3]), ([0], [1]), ([1], None), (None, [1])], exact=True)
    m.assert_same("late_binding", [([1, 2],), ([],)], exact=True)
    m.assert_same("first_iter_error", [[1], 5, None], exact=True)
    m.assert_same("inner_error", [[[1]], [[0]], [[]], [1], [[1, 2]]], exact=True)
    m.assert_same("genexpr_send", [()], exact=True)
    m.assert_same("shadowed_iter", [([1, 2],), ([],), (4,)], exact=True)
    m.assert_same("genexpr_close", [()], exact=True)
    m.assert_same("passes_gen", [(list, [1, 2]), (tuple, []), (len, [1]), (sorted, [3, 1])], exact=True)
    m.assert_same("genexpr_names", [([1],)], exact=True)
    m.assert_same("gens_in_loop", [0, 1, 3], exact=True)
    m.assert_same("first_evaluated_once", [([],)], exact=True)
    for mod in (m.native, m.py):
        g = mod.squares_gen([1, 2, 3])
        assert list(g) == [1, 4, 9] and list(g) == []
        assert list(mod.in_generator([1, 2])) == ["1!", "2!"]
    # The genexpr's body is native: the module's generator type.
    g = m.native.squares_gen([])
    assert type(g).__name__ == "generator" and type(g) is not type(m.py.squares_gen([]))
    # An error inside the item: raised in the genexpr's frame.
    with pytest.raises(TypeError) as e:
        m.native.inner_error([[0]])
    last = traceback.extract_tb(e.value.__traceback__)[-1]
    assert last.name == "<genexpr>" and last.lineno == line_of("g = (x / y for x in v for y in x)"), last


def py_gen(n):
    x = yield n
    return ("py", x)


def test_yield_from(m):
    m.assert_same("yf_run", [0, 2, "x"], exact=True)
    m.assert_same("yf_send", [[], ["a"], ["a", "b", "c"]], exact=True)
    m.assert_same("yf_throw", ["close", "drop", "caught", "other"], exact=True)
    m.assert_same("yf_plain", [([1, 2], 1), ([1, 2], 2), (range(3), 1), (5, 0), (None, 0), ("ab", 1)], exact=True)
    # Stateful delegates (an iterator, a Python generator): a fresh one each.
    assert m.native.yf_plain(iter([1]), 1) == m.py.yf_plain(iter([1]), 1)
    assert m.native.yf_plain(py_gen(4), 1) == m.py.yf_plain(py_gen(4), 1)
    m.assert_same("yf_catches", [1, "x"], exact=True)
    m.assert_same("yf_deep", [0, 1, 5], exact=True)
    m.assert_same("yf_yieldfrom", [()], exact=True)
    # A Python generator as the delegate: sent values and its return value.
    for mod in (m.native, m.py):
        g = mod.delegating(py_gen(3))
        assert next(g) == 3
        with pytest.raises(StopIteration) as e:
            g.send("v")
        assert e.value.value == ("py", "v")
    # The delegate's error: raised in the delegate's frame and through the
    # `yield from` line.
    with pytest.raises(ValueError) as e:
        list(m.native.failing_sub(1)) and None
    g = m.native.delegating(m.native.failing_sub(2))
    next(g)
    with pytest.raises(ValueError) as e:
        next(g)
    names = [(f.name, f.lineno) for f in traceback.extract_tb(e.value.__traceback__)]
    assert names[-2:] == [("delegating", line_of("x = yield from it")), ("failing_sub", line_of('raise ValueError("sub failed'))], names


def test_collected_suspended(m):
    """A suspended generator in a cycle: the collector closes it first."""
    for mod in (m.native, m.py):
        out = []

        class Log(list):
            def append(self, x):
                out.append(x if isinstance(x, str) else "g")
                list.append(self, x)

        ev = Log()
        g = mod.fin(3, ev)
        next(g)
        ev.append(g)
        del g, ev
        gc.collect()
        assert out == ["g", "finally"], out


def test_unraisable_on_drop(m):
    """An error while closing a dropped generator is unraisable, as CPython's."""
    for mod in (m.native, m.py):
        seen = []
        old = sys.unraisablehook
        sys.unraisablehook = lambda u: seen.append((u.exc_type, str(u.exc_value)))
        try:
            g = mod.ignores()
            next(g)
            del g
            ev = []
            g = mod.raising_finally(2, ev)
            next(g)
            del g
        finally:
            sys.unraisablehook = old
        assert seen == [(RuntimeError, "generator ignored GeneratorExit"), (ValueError, "from finally 2")], seen


def line_of(text):
    return SOURCE[:SOURCE.index(text)].count("\n") + 1


def test_traceback_lines(m):
    for mod in (m.native, m.py):
        g = mod.caught(1, [])
        next(g)
        with pytest.raises(KeyError) as e:
            g.throw(KeyError("at yield"))
        last = traceback.extract_tb(e.value.__traceback__)[-1]
        assert (last.name, last.lineno) == ("caught", line_of("yield n\n        yield n + 1")), last
        g = mod.raising_finally(3, [])
        next(g)
        with pytest.raises(ValueError) as e:
            next(g)
        last = traceback.extract_tb(e.value.__traceback__)[-1]
        assert (last.name, last.lineno) == ("raising_finally", line_of('raise ValueError("from finally')), last


def test_no_leak(m):
    mod = m.native
    xs = list(range(10))
    refs = sys.getrefcount(xs)
    assert growth(lambda: mod.run_fin(5)) < N // 10
    assert growth(lambda: mod.close_fin(2)) < N // 10
    assert growth(lambda: mod.drop_fin(2)) < N // 10
    assert growth(lambda: mod.nested_run(1, 1, "throw")) < N // 10
    assert growth(lambda: mod.nested_run(1, 2, "drop")) < N // 10
    assert growth(lambda: mod.returns_close(1)) < N // 10
    assert growth(lambda: mod.raising_close(1)) < N // 10
    assert growth(lambda: mod.throw_caught(1, ValueError("v"))) < N // 10
    assert growth(lambda: mod.throw_caught(1, KeyError("k"))) < N // 10
    assert growth(lambda: mod.retry_run(xs, [KeyError("x"), "a", "b"])) < N // 10
    # The generator that ignored GeneratorExit is dropped suspended: its
    # finalizer's RuntimeError goes to a hook that keeps nothing.
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: None
    try:
        assert growth(lambda: mod.ignoring_close()) < N // 10
    finally:
        sys.unraisablehook = old
    assert growth(lambda: mod.swallow_close()) < N // 10
    assert growth(lambda: mod.managed_throw(2, True)) < N // 10
    assert growth(lambda: mod.managed_drop(1)) < N // 10
    assert growth(lambda: mod.two_run(1)) < N // 10
    assert growth(lambda: attempt(mod.run_fin, None)) < N // 10
    assert growth(lambda: list(mod.fin(3, xs[:]))) < N // 10
    assert growth(lambda: mod.pipeline(xs)) < N // 10
    assert growth(lambda: mod.nested_for(xs, xs)) < N // 10
    assert growth(lambda: mod.squares_gen(xs)) < N // 10
    assert growth(lambda: next(mod.squares_gen(xs))) < N // 10
    assert growth(lambda: attempt(mod.inner_error, [[0]])) < N // 10
    assert growth(lambda: mod.first_iter_error(5)) < N // 10
    assert growth(lambda: mod.gens_in_loop(3)) < N // 10
    assert growth(lambda: mod.passes_gen(tuple, xs)) < N // 10
    assert growth(lambda: mod.yf_run(3)) < N // 10
    assert growth(lambda: mod.yf_send(["a", "b"])) < N // 10
    for how in ("close", "drop", "caught", "other"):
        assert growth(lambda: mod.yf_throw(how)) < N // 10
    # (Warmed up longer: the first thousand calls fill the interpreter's caches.)
    for _ in range(N):
        mod.yf_plain(xs, 2)
    assert growth(lambda: mod.yf_plain(xs, 2)) < N // 10
    assert growth(lambda: mod.yf_plain(5, 0)) < N // 10
    assert growth(lambda: mod.yf_catches(1)) < N // 10
    assert growth(lambda: mod.yf_deep(4)) < N // 10
    assert growth(lambda: next(mod.delegator(3))) < N // 10
    assert sys.getrefcount(xs) == refs


# --- what stays Python, and why ------------------------------------------------

FALLBACKS = {
    "in_nogil": ("import cython\n\ndef in_nogil(n):\n    with cython.nogil:\n        pass\n    with cython.nogil:\n        yield n\n",
                 "it uses `yield` inside `with cython.nogil`"),
}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_fallback_reasons(pyc, name):
    source, reason = FALLBACKS[name]
    m = pyc.pair(source, stem="gen_more_fallback_" + name)
    found = re.search(r"function `%s` left to Python: ([^\n]*)\n\s*\S+ [^\n]*:(\d+):" % name, m.build.stderr)
    assert found, m.build.stderr
    assert found.group(1).startswith(reason), found.group(1)
    line = source.splitlines()[int(found.group(2)) - 1]
    assert "yield" in line, line
