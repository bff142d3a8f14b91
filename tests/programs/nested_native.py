"""Nested functions and lambdas whose bodies compile natively (issue 12)."""
import cython


def make_counter(start):
    n = start
    def inc(k=1):
        nonlocal n
        n += k
        return n
    return inc


def counter_run(start, steps):
    inc = make_counter(start)
    out = []
    for k in range(steps):
        out.append(inc())
    out.append(inc(10))
    out.append(inc(k=-3))
    return out


def make_adder(c):
    return lambda x: x + c


def adders(xs, c):
    add = make_adder(c)
    return [add(x) for x in xs]


def sort_by_second(rows):
    return sorted(rows, key=lambda p: p[1])


def min_max_by(rows, k):
    return min(rows, key=lambda r: r[k]), max(rows, key=lambda r: r[k])


def helper_in_loop(xs, scale):
    def f(x):
        return x * scale + 1
    t = 0
    for x in xs:
        t += f(x)
    return t


def rebinding_seen(x):
    def get():
        return x
    a = get()
    x = x * 2
    return a, get()


def writes_and_reads(n):
    total = 0
    def add(v):
        nonlocal total
        total = total + v
    for i in range(n):
        add(i)
    return total


def signature_kinds(a, b):
    def f(p, q=2, *rest, r, s=5, **kw):
        return (p, q, rest, r, s, sorted(kw.items()))
    return (f(a, r=b), f(a, b, 7, 8, r=0, z=1), f(p=a, r=b, s=None), f(*[a], r=b, w=3))


def argument_errors(which):
    def f(p, q=2, *, r):
        return p, q, r
    def g(x):
        return x
    calls = [lambda: f(), lambda: f(1, 2, 3, r=1), lambda: f(1, r=2, t=3), lambda: f(1),
             lambda: g(), lambda: g(1, 2), lambda: g(y=1), lambda: f(1, p=2, r=3)]
    try:
        return calls[which]()
    except TypeError as e:
        return "TypeError", str(e)


def recursive(n):
    def fib(k):
        return k if k < 2 else fib(k - 1) + fib(k - 2)
    return fib(n)


def mutual(n):
    def is_even(k):
        return True if k == 0 else is_odd(k - 1)
    def is_odd(k):
        return False if k == 0 else is_even(k - 1)
    return is_even(n), is_odd(n)


def raises_inside(x):
    def check(v):
        if v < 0:
            raise ValueError("negative: %d" % v)
        return v
    return check(x)


def unbound_at_call():
    def g():
        return later
    try:
        g()
    except NameError as e:
        first = (type(e).__name__, str(e))
    later = 5
    return first, g()


def names():
    def inner(a, b=3):
        "inner's doc"
        return a + b
    lam = lambda: 0
    return (inner.__name__, inner.__qualname__, inner.__doc__, inner.__defaults__, inner.__kwdefaults__,
            lam.__name__, lam.__qualname__, inner.__code__.co_name, inner.__code__.co_varnames,
            repr(inner).startswith("<function names.<locals>.inner at 0x"))


def defaults_per_object(ks):
    fs = []
    for k in ks:
        def f(x, k=k):
            return x * k
        fs.append(f)
    return [f(2) for f in fs]


def defaults_writable():
    def f(x, y=1):
        return x + y
    a = f(1)
    f.__defaults__ = (10,)
    b = f(1)
    return a, b, f.__defaults__


def typed_params(n):
    def poly(x: cython.double, k: cython.int) -> cython.double:
        return x * x + k
    s = 0.0
    for i in range(n):
        s += poly(i * 0.5, i)
    return s, sorted(poly.__annotations__)


def closure_contents(v):
    w = [v]
    def f():
        return v, w
    return f.__code__.co_freevars, tuple(c.cell_contents for c in f.__closure__), f()


def factory_cycle():
    def me():
        return me
    return me


def decorated_stays(x):
    def twice(fn):
        return lambda v: fn(fn(v))
    @twice
    def inc(v):
        return v + 1
    return inc(x)


def holds_own_nested(x):
    def outer_inner(y):
        return (lambda z: z + y)(x)
    return outer_inner(1)


def defaults_filled(a):
    def f(x, y=10, z=20):
        return x + y + z
    def g(x=[1], y=2):
        g.__defaults__ = ([100], 200)
        return [x, y]
    try:
        f()
    except TypeError as e:
        missing = str(e)
    f.__defaults__ = (5,)
    short = f(a, 1)
    try:
        f(a)
    except TypeError as e:
        too_few = str(e)
    f.__defaults__ = None
    try:
        f(a, 1)
    except TypeError as e:
        none_left = str(e)
    return g(), g(), g(5), missing, short, too_few, none_left


def defaults_calls(a):
    def f(x, y=10, z=20):
        return x + y + z
    return f(a), f(a, 1), f(a, 1, 2), f(*[a]), f(a, z=0)
