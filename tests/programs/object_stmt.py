"""Statements on objects compiled natively (issue 12): `with` on any
context manager, `:=`, `sum`/`min`/`max` of a generator expression,
`assert` with any message, `del` of names, slices and tuples, slice
assignment, unpacking into items and attributes, tuple targets in
comprehensions, starred assignment from a literal tuple."""

import sys

import cython


class Fail(Exception):
    pass


class Log:
    """A context manager writing what happens to it into `log`; `suppress`
    makes `__exit__` return it, `enter_raises`/`exit_raises` make those fail."""

    def __init__(self, log, name="cm", suppress=None, enter_raises=False, exit_raises=False, value=None):
        self.log = log
        self.name = name
        self.suppress = suppress
        self.enter_raises = enter_raises
        self.exit_raises = exit_raises
        self.value = value

    def __enter__(self):
        self.log.append(("enter", self.name))
        if self.enter_raises:
            raise Fail("enter " + self.name)
        return self if self.value is None else self.value

    def __exit__(self, t, v, tb):
        self.log.append(("exit", self.name, None if t is None else t.__name__, None if v is None else str(v), tb is not None,
                         sys.exc_info()[0] is t if t is not None else sys.exc_info()[0] is None))
        if self.exit_raises:
            raise Fail("exit " + self.name)
        return self.suppress


class NoEnter:
    def __exit__(self, *a):
        return False


class NoExit:
    def __enter__(self):
        return 1


class Neither:
    pass


class InstanceOnly:
    """`__enter__`/`__exit__` on the instance only: no context manager."""

    def __init__(self):
        self.__enter__ = lambda: 1
        self.__exit__ = lambda *a: False


class Static:
    """Special methods that are no plain functions: bound as descriptors."""

    @staticmethod
    def __enter__():
        return "static"

    @classmethod
    def __exit__(cls, t, v, tb):
        return cls.__name__ == "Static" and t is KeyError


class Plain:
    """Callables without `__get__` in the class: not bound."""

    __enter__ = staticmethod(lambda: "plain")
    __exit__ = print


class Empty:
    def __enter__(self):
        return self

    def __exit__(self, t, v, tb):
        pass


def with_plain(cm):
    with cm:
        pass
    return cm.log


def with_as(cm):
    with cm as x:
        x.log.append("body")
    return cm.log


def with_value(cm):
    with cm as x:
        return x


def with_raise(cm, exc):
    with cm:
        raise exc
    return "after"


def with_return(cm, x):
    with cm:
        if x:
            return "early"
    return "late"


def with_loop(log, n):
    out = []
    for i in range(n):
        with Log(log, "it%d" % i):
            if i == 1:
                continue
            if i == 3:
                break
            out.append(i)
    else:
        out.append("else")
    return out


def with_while(log, n):
    i = 0
    while True:
        with Log(log, "w"):
            i += 1
            if i >= n:
                break
    return i


def with_nested(log, fail):
    with Log(log, "a") as a, Log(log, "b", suppress=fail == "b") as b:
        log.append("body")
        if fail:
            raise Fail(fail)
    return a.name + b.name


def with_nested_exit_raises(log):
    with Log(log, "outer", suppress=True):
        with Log(log, "inner", exit_raises=True):
            raise KeyError("k")
    return "suppressed"


def with_enter_raises(log):
    with Log(log, "e", enter_raises=True):
        log.append("never")
    return "no"


def with_exit_raises(log, fail):
    with Log(log, "x", exit_raises=True):
        if fail:
            raise ValueError("body")
    return "done"


def with_unpack(log, pair):
    with Log(log, value=pair) as (a, b):
        log.append(a)
    return b


def with_target_item(log, d):
    with Log(log, value="v") as d["k"]:
        pass
    return d


def with_any(cm):
    with cm as x:
        return x


def with_catch(cm):
    try:
        with cm:
            raise KeyError("in")
    except KeyError as e:
        return "caught " + str(e)
    return "suppressed"


def with_in_except(log):
    try:
        raise ValueError("outer")
    except ValueError:
        with Log(log, "h") as c:
            log.append(handled())
        return handled()


def with_suppress_then_value(log, xs):
    total = 0
    for x in xs:
        with Log(log, suppress=True):
            total += 10 // x
    return total


def with_empty(cm, n):
    for i in range(n):
        with cm:
            pass
    return n


def with_typed(log, n: cython.int) -> cython.int:
    k: cython.int = 0
    with Log(log):
        k = n * 2
    return k


def walrus_if(xs):
    if (n := len(xs)) > 2:
        return n
    return -n


def walrus_while(xs):
    out = []
    it = iter(xs)
    while (x := next(it, None)) is not None:
        out.append(x)
    return out, x


def walrus_comp(xs):
    ys = [y for x in xs if (y := x * 2) > 2]
    return ys, y


def walrus_comp_last(xs):
    found = any((last := x) > 3 for x in xs)
    return found, last


def walrus_unbound(flag):
    if flag and (v := flag + 1):
        pass
    return v


def walrus_twice(a, b):
    return (x := a) + (x := b), x


def walrus_value(x):
    return (y := x), y


def gen_sum(v):
    return sum(x * x for x in v)


def gen_sum_start(v, s):
    return sum((x for x in v), s)


def gen_sum_floats(v):
    return sum(x / 3 for x in v)


def gen_min(v):
    return min(x for x in v)


def gen_max_key(v):
    return max((x for x in v), key=len)


def gen_min_default(v, d):
    return min((x for x in v if x), default=d)


def gen_max_nested(m):
    return max(x + y for x in m for y in m)


def assert_msg(x):
    assert x, "bad %r" % (x,)
    return x


def assert_obj_msg(x, m):
    assert x > 0, m
    return x


def assert_lazy(x, log):
    assert x, log.append("evaluated") or "msg"
    return log


def del_local(x):
    y = [x]
    del y
    return x


def del_then_read(x):
    y = x
    del y
    return y


def del_twice(x):
    y = x
    del y
    del y


def del_param(x):
    del x
    return "gone"


def del_maybe(x, flag):
    y = x
    if flag:
        del y
    try:
        return y
    except NameError as e:
        return type(e).__name__ + ": " + str(e)


def del_tuple(d, x):
    y = x
    del d["a"], y, d["b"]
    return d


def del_slice(a, i, j):
    del a[i:j]
    return a


def del_slice_step(a, k):
    del a[::k]
    return a


def set_slice(a, i, j, x):
    a[i:j] = x
    return a


def set_slice_step(a, x):
    a[::2] = x
    return a


def set_slice_open(a, x):
    a[:] = x
    a[1:] = x
    return a


def aug_slice(a, x):
    a[1:3] += x
    return a


def get_slice_step(a, i, j, k):
    return a[i:j:k]


class Box:
    pass


# The exception being handled, by name (a global the compiled code calls).
handled = lambda: None if sys.exc_info()[0] is None else sys.exc_info()[0].__name__  # noqa: E731


def unpack_items(a, t):
    a[0], a[1] = t
    return a


def unpack_attrs(t):
    b = Box()
    b.x, b.y = t
    return b.x, b.y


def unpack_mixed(a, t):
    b = Box()
    a[0], (b.x, c), *a[1:2] = t
    return a, b.x, c


def unpack_swap(a):
    a[0], a[1] = a[1], a[0]
    return a


def unpack_attr_swap():
    b = Box()
    b.x, b.y = 1, 2
    b.x, b.y = b.y, b.x
    return b.x, b.y


def for_attr(xs):
    b = Box()
    out = []
    for b.x in xs:
        out.append(b.x)
    return out


def for_item(xs):
    d = {}
    for d["k"] in xs:
        pass
    return d


def comp_pairs(pairs):
    return [x + y for x, y in pairs]


def comp_dict_items(d):
    return {v: k for k, v in d.items()}


def comp_nested_pattern(rows):
    return [a * b + c for (a, b), c in rows]


def comp_star(rows):
    return [(h, t) for h, *t in rows]


def comp_two_levels(rows):
    return [x + k for k, xs in rows for x in xs]


def comp_pattern_scope(pairs):
    x = "outer"
    r = [x for x, y in pairs]
    return r, x


def comp_set_pairs(pairs):
    return {a * b for a, b in pairs}


def comp_gen_pairs(pairs):
    return sorted(a - b for a, b in pairs)


def star_literal():
    a, *b = 1, 2, 3
    return a, b


def star_middle():
    a, *b, c = 1, 2, 3, 4, 5
    return a, b, c


def star_empty():
    *a, b = [1]
    return a, b


def star_too_few():
    a, b, *c = 1,
    return a

