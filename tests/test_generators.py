"""Generator functions (issue 12): a `def` whose `yield`s are statements or
`x = yield v` (or `yield from`) compiles natively (the module's generator
type, `backend/glue/generator.rs`); one holding `yield` inside an
expression stays Python,
reported at it before anything else in its body is judged, so the compiled
functions calling it see a Python function returning its generator (not the
None its body seems to return). Compiled code drives both kinds (for loops,
`list`, `sum`, `next`, `send`, `throw`, `close`, leaving a loop half-way)
with CPython's results and exceptions, and leaks nothing on normal or error
paths. tests/test_generators_native.py tests the native ones further."""

import re
import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth

N = LEAK_CALLS

SOURCE = '''
def count_up(n, step=1, *, start=0):
    i = start
    while i < n:
        yield i
        i += step


def evens(xs):
    for x in xs:
        if x % 2 == 0:
            yield x
    else:
        return "done"


def empty():
    return
    yield


def echo():
    got = []
    while True:
        v = yield len(got)
        if v is None:
            return got
        got.append(v)


def failing(n):
    for i in range(n):
        yield i
    raise ValueError("failing after %d" % n)


def kept_python(n):
    for v in count_up(n):
        [f"{v}{(yield v)}"]
    yield -1


def with_inner_generator(n):
    def inner(k):
        for j in range(k):
            yield j * j
    return list(inner(n))


# Compiled callers and consumers of the generators above.
def total(n):
    s = 0
    for v in count_up(n):
        s += v
    return s


def listed(n, step):
    return list(count_up(n, step, start=1))


def summed(xs):
    return sum(evens(xs))


def first_over(n, limit):
    for v in count_up(n):
        if v > limit:
            return v
    return None


def stop_value(xs):
    g = evens(xs)
    out = []
    while True:
        try:
            out.append(next(g))
        except StopIteration as e:
            return out, e.value


def conversation(words):
    g = echo()
    sizes = [next(g)]
    for w in words:
        sizes.append(g.send(w))
    try:
        g.send(None)
    except StopIteration as e:
        return sizes, e.value
    return sizes, None


def thrown(n):
    g = count_up(n)
    next(g)
    try:
        g.throw(KeyError("thrown in"))
    except KeyError as e:
        return str(e), list(g)
    return None


def closed(n):
    g = count_up(n)
    first = next(g)
    g.close()
    return first, list(g)


def catch_failing(n):
    got = []
    try:
        for v in failing(n):
            got.append(v)
    except ValueError as e:
        return got, str(e)
    return got, None


def empty_list():
    return list(empty()), list(empty())


def exhausted(n):
    g = count_up(n)
    a = list(g)
    b = list(g)
    return a, b


def delegated(n):
    return list(kept_python(n))


def generator_expression_sum(n):
    return sum(v * v for v in count_up(n))
'''

GENERATORS = {"kept_python": "yield v"}
NATIVE_GENERATORS = ["count_up", "evens", "empty", "echo", "failing"]
CALLERS = ["total", "listed", "summed", "first_over", "stop_value", "conversation", "thrown", "closed",
           "catch_failing", "empty_list", "exhausted", "delegated", "generator_expression_sum",
           "with_inner_generator"]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="generators")


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_stay_python_at_their_first_yield(m, name):
    found = re.search(r"function `%s` left to Python: ([^\n]*)\n\s*\S+ [^\n]*:(\d+):(\d+)" % name, m.build.stderr)
    assert found, m.build.stderr
    assert found.group(1).startswith("it uses `yield` inside an f-string"), found.group(1)
    # Located at the first `yield` of its own body (its column too).
    lines = SOURCE.splitlines()
    start = lines.index(next(t for t in lines if t.startswith("def %s(" % name)))
    k = next(k for k in range(start, len(lines)) if GENERATORS[name] in lines[k])
    assert (int(found.group(2)), int(found.group(3))) == (k + 1, lines[k].index(GENERATORS[name]) + 1)


@pytest.mark.parametrize("name", CALLERS + NATIVE_GENERATORS)
def test_callers_compile(m, name):
    m.assert_native(name)


def test_generator_kinds(m):
    import types
    for name in GENERATORS:
        assert isinstance(getattr(m.native, name), types.FunctionType)
        assert getattr(m.native, name).__code__.co_flags & 0x20, name  # CO_GENERATOR
    for name in NATIVE_GENERATORS:
        assert isinstance(getattr(m.native, name), types.BuiltinFunctionType), name
    g = m.native.count_up(3, start=1)
    assert type(g).__name__ == "generator" and g.__name__ == "count_up"


def test_differential(m):
    m.assert_same("total", [0, 1, 10, -3, 2.5], exact=True)
    m.assert_same("listed", [(10, 3), (5, 1), (0, 2), (3, 0.5), (3, "x")], exact=True)
    m.assert_same("summed", [([],), ([1, 2, 3, 4],), (range(9),), ([1.0, 2.0],), (["a"],), (5,)], exact=True)
    m.assert_same("first_over", [(10, 3), (3, 5), (0, 0)], exact=True)
    m.assert_same("stop_value", [([],), ([2, 3, 4],), ([1],)], exact=True)
    m.assert_same("conversation", [([],), (["a", "b"],), ([1, 2, 3],)], exact=True)
    m.assert_same("thrown", [1, 2, 5], exact=True)
    m.assert_same("closed", [1, 4], exact=True)
    m.assert_same("catch_failing", [0, 1, 4], exact=True)
    m.assert_same("empty_list", [()], exact=True)
    m.assert_same("exhausted", [0, 3], exact=True)
    m.assert_same("delegated", [0, 3], exact=True)
    m.assert_same("generator_expression_sum", [0, 4, 10], exact=True)
    m.assert_same("with_inner_generator", [0, 5], exact=True)
    # Errors raised while the compiled caller starts the generator: CPython's.
    m.assert_same("total", [("x",), (None,)], exact=True)
    for mod in (m.native, m.py):
        with pytest.raises(TypeError) as e:
            mod.listed(1, 2, 3)
        assert "listed() takes 2 positional arguments but 3 were given" in str(e.value)


def test_no_leak(m):
    mod = m.native
    xs = list(range(20))
    refs = sys.getrefcount(xs)
    assert growth(lambda: mod.total(30)) < N // 10
    assert growth(lambda: mod.listed(30, 2)) < N // 10
    assert growth(lambda: mod.summed(xs)) < N // 10
    # A generator abandoned half-run by a compiled loop's `return`.
    assert growth(lambda: mod.first_over(100, 3)) < N // 10
    assert growth(lambda: mod.stop_value(xs)) < N // 10
    assert growth(lambda: mod.conversation(["a", "b", "c"])) < N // 10
    assert growth(lambda: mod.thrown(5)) < N // 10
    assert growth(lambda: mod.closed(5)) < N // 10
    assert growth(lambda: mod.delegated(5)) < N // 10
    assert growth(lambda: mod.generator_expression_sum(10)) < N // 10
    # Error paths: raised inside the generator, and by the consumer.
    assert growth(lambda: mod.catch_failing(3)) < N // 10
    assert growth(lambda: attempt(mod.summed, ["a", 2])) < N // 10
    assert growth(lambda: attempt(mod.total, "x")) < N // 10
    assert sys.getrefcount(xs) == refs


# --- examples/nqueens.py (pyperformance's bm_nqueens as it is) -------------

@pytest.fixture(scope="module")
def nqueens(pyc):
    from conftest import ROOT
    return pyc.pair((ROOT / "examples" / "nqueens.py").read_text(), stem="nqueens")


def test_nqueens_matches_cpython(nqueens):
    err = nqueens.build.stderr
    # Both generators compile natively, and the function consuming them.
    assert "left to Python" not in err, err
    for name in ("permutations", "n_queens", "bench_n_queens"):
        nqueens.assert_native(name)
    nqueens.assert_same("bench_n_queens", [0, 1, 4, 5, 6, -1, "x"], exact=True)
    for mod in (nqueens.native, nqueens.py):
        assert len(list(mod.n_queens(8))) == 92
        assert list(mod.permutations(range(3), 2)) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    assert list(nqueens.native.n_queens(6)) == list(nqueens.py.n_queens(6))


def test_nqueens_main_prints_the_count(nqueens, capsys):
    # The `__main__` block run in each module's namespace (the compiled one
    # calls its compiled `bench_n_queens`), with 6 queens.
    from conftest import ROOT
    text = (ROOT / "examples" / "nqueens.py").read_text()
    main = "\n".join(line[4:] for line in text.split('if __name__ == "__main__":\n', 1)[1].splitlines())
    argv = sys.argv
    outs = []
    for mod in (nqueens.native, nqueens.py):
        sys.argv = ["nqueens.py", "6"]
        try:
            exec(compile(main, "nqueens.py", "exec"), dict(vars(mod)))
        finally:
            sys.argv = argv
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] == "nqueens: 6 queens, 4 solutions\n"


def test_nqueens_no_leak(nqueens):
    assert growth(lambda: nqueens.native.bench_n_queens(4)) < N // 10
    assert growth(lambda: attempt(nqueens.native.bench_n_queens, "x")) < N // 10
