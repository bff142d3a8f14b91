# Closures, nested functions and lambdas (issue 12), compared with CPython.
import functools

import cython


def make_counter(start):
    c = start
    def inc(step=1):
        nonlocal c
        c += step
        return c
    return inc


def count(start, n):
    inc = make_counter(start)
    out = []
    for _ in range(n):
        out.append(inc())
    out.append(inc(10))
    return out


def accumulator(values):
    total = []
    def add(v):
        total.append(v)
        return len(total)
    for v in values:
        add(v)
    return total, add(0)


def late_binding(n):
    fs = []
    for i in range(n):
        fs.append(lambda x: x + i)
    return [f(100) for f in fs]


def rebound_after(x):
    def get():
        return x
    before = get()
    x = x * 2
    return before, get()


def early_defaults(n):
    fs = []
    for i in range(n):
        def f(k=i):
            return k * 10
        fs.append(f)
    return [f() for f in fs], [f.__defaults__ for f in fs]


def three_deep(a):
    def mid(b):
        def inner(c):
            nonlocal a
            a += 1
            return a + b + c
        return inner(b * 10) + inner(1)
    r = mid(2)
    return r, a


def sort_keys(rows, k):
    return sorted(rows, key=lambda r: (r[k], r)), list(map(lambda r: r[0] * 2, rows))


def decorated(x):
    calls = []
    def trace(f):
        @functools.wraps(f)
        def wrapper(*args, **kw):
            calls.append(f.__name__)
            return f(*args, **kw)
        return wrapper
    @trace
    def square(v, *, extra=0):
        """Squares."""
        return v * v + extra
    return square(x), square(x, extra=1), calls, square.__name__, square.__doc__, square.__qualname__


def names():
    def inner(): pass
    lam = lambda: None
    return (inner.__name__, inner.__qualname__, lam.__name__, lam.__qualname__,
            inner.__module__ == __name__, inner.__defaults__, inner.__code__.co_firstlineno)


def closure_cells(v):
    w = [v]
    def f():
        return v, w
    cells = f.__closure__
    return f.__code__.co_freevars, tuple(c.cell_contents for c in cells), type(cells[0]).__name__


def unbound_free():
    def f():
        return later
    try:
        f()
    except NameError as e:
        first = (type(e).__name__, str(e))
    later = 5
    return first, f()


def unbound_own():
    def f():
        return later
    try:
        return later
    except UnboundLocalError as e:
        return type(e).__name__, str(e), f.__name__
    later = 1


def inner_arguments(which):
    def f(a, b=2, *, c):
        return a + b + c
    g = lambda x: x
    if which == 0:
        return f(1)
    if which == 1:
        return f(1, 2, 3, c=4)
    if which == 2:
        return g()
    return f(1, c=3, d=4)


def per_object_defaults(n):
    made = []
    for i in range(n):
        made.append(lambda a=[]: (a.append(1), len(a))[1])
    return [m() for m in made] + [made[0](), made[0]()]


def kwdefaults_and_annotations(x):
    def f(a: int, *args: str, b: float = x, **kw: bool) -> list:
        return [a, args, b, kw]
    return f(1), f(1, "s", b=2, z=3), f.__kwdefaults__, f.__annotations__


def recursive_inner(n):
    def fib(k):
        return k if k < 2 else fib(k - 1) + fib(k - 2)
    return fib(n)


def param_captured(x, y=3):
    def both():
        return x + y
    x = x + 1
    return both()


def make_adder_chain(n):
    adders = [(lambda k: (lambda v: v + k))(i) for i in range(n)]
    return [a(1) for a in adders]


def closure_raises(x):
    def check():
        if x < 0:
            raise ValueError("negative: %d" % x)
        return x
    return check()


def gen_inside(n):
    def g():
        for i in range(n):
            yield i * i
    return list(g())


class Box:
    def __init__(self, v):
        self.v = v

    def adder(self):
        def add(k):
            return self.v + k
        return add


def awaits_inside(x):
    async def f():
        return await x
    return f


def failing_def(x):
    def bad(f):
        raise KeyError(x)
    made = []
    try:
        @bad
        def g():
            return made
    except KeyError as e:
        made.append(("decorator", e.args))
    try:
        h = lambda d=1 // x: d
        made.append(h())
    except ZeroDivisionError as e:
        made.append(("default", str(e)))
    return made


def scaled(xs, k: cython.double):
    # A typed parameter nothing assigns: its cell holds it boxed.
    return list(map(lambda v: v * k, xs)), (lambda: k)()


def typed_rebound(n: cython.int):
    def get():
        return n
    n += 1
    return get()


def sorted_rows(rows, sign):
    # A lambda in a comprehension that uses none of its variables.
    return [sorted(r, key=lambda t: sign * t) for r in rows]


def comp_lambdas(n):
    fs = [lambda: i for i in range(n)]
    return [f() for f in fs]


class Managed:
    def __init__(self, v):
        self.v = v

    def __enter__(self):
        return self.v

    def __exit__(self, *exc):
        return False


def inner_walrus_and_with(xs):
    # `:=` and `with … as` inside the nested function bind its own names.
    def f():
        ys = [y for x in xs if (y := x * 2) > 2]
        with Managed(len(ys)) as n:
            return ys, n, y if xs else None
    return f()


def captured_walrus(xs):
    total = 0
    if (n := len(xs)) > 0:
        total = n
    return (lambda: n + total)()


def captured_with(v):
    with Managed(v) as got:
        pass
    return (lambda: got)()
