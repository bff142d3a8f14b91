"""Exceptions in compiled code (issue 12): `raise` of classes and
instances from the module's globals, `raise … from …`, a bare `raise`,
and `try`/`except`/`else`/`finally` with `return`, `break` and `continue`
crossing a `finally`; `sys.exc_info()` and `__context__` as in Python."""

import sys

import cython


class Fail(Exception):
    pass


class Sub(Fail):
    pass


def raise_class(x):
    if x > 0:
        raise Fail
    return x


def raise_instance(x):
    raise Sub("bad value", x)


def raise_from(x):
    raise Fail("wrapped") from KeyError(x)


def raise_from_none(x):
    raise Fail(x) from None


def raise_from_class(x):
    raise Fail(x) from ValueError


def raise_any(x):
    raise x


def raise_cause(x, c):
    raise Fail(x) from c


def bare_raise():
    raise


def raise_builtin_msg(x):
    raise ValueError("value %r" % (x,))


def divide(x, y):
    try:
        r = x / y
    except ZeroDivisionError as e:
        r = -1
    return r


def count_failures(v):
    total = 0
    for x in v:
        try:
            if x < 0:
                raise Sub("neg", x)
            total += x
        except (Fail, TypeError):
            total -= 1
        else:
            total += 100
    return total


def exc_info_inside(x):
    try:
        raise Fail(x)
    except Fail:
        info = sys.exc_info()
        t = info[0]
        v = info[1]
    after = sys.exc_info()
    return (t.__name__, v.args, after)


def context_chain(x):
    try:
        raise Fail("first", x)
    except Fail:
        raise ValueError("second")


def reraise(x):
    try:
        y = 1 // x
    except ZeroDivisionError:
        raise
    return y


def reraise_named(x):
    try:
        return [1, 2][x]
    except IndexError as e:
        raise e


def name_unbound(x):
    try:
        raise Fail(x)
    except Fail as e:
        pass
    return e


def maybe_unbound(x):
    try:
        y = 10 // x
    except ZeroDivisionError:
        pass
    return y


def finally_overrides(x):
    try:
        raise Fail(x)
    finally:
        return "finally"


def finally_order(n):
    log = []
    for i in range(n):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            log.append(i)
        finally:
            log.append(-i)
    return log


def finally_on_error(x):
    log = []
    try:
        try:
            log.append("body")
            raise Fail(x)
        finally:
            log.append("finally")
    except Fail as e:
        log.append(e.args[0])
    return log


def nested(x):
    try:
        try:
            if x == 0:
                raise KeyError("k")
            if x == 1:
                raise Fail("f")
            return "none"
        except KeyError:
            return "inner"
    except Fail:
        return "outer"


def error_in_else(x):
    try:
        y = x + 1
    except TypeError:
        return "caught"
    else:
        return y / 0


def error_in_finally(x):
    try:
        raise Fail(x)
    finally:
        y = {}[x]


def bare_except(x):
    try:
        return 10 // x
    except:
        return -1


def unmatched(x):
    try:
        return 10 // x
    except (KeyError, IndexError):
        return -1


def handler_restores(x):
    try:
        raise Fail("outer", x)
    except Fail:
        try:
            raise KeyError("inner")
        except KeyError:
            pass
        return sys.exc_info()[1].args


def loop_catch(n):
    caught = 0
    i = 0
    while i < n:
        try:
            if i % 3 == 0:
                raise Fail(i)
        except Fail as e:
            caught += e.args[0]
        i += 1
    return caught


def return_in_except(x):
    log = []
    try:
        raise Fail(x)
    except Fail:
        log.append("except")
        return log
    finally:
        log.append("finally")


def convert_error(x):
    try:
        return {}[x]
    except KeyError as e:
        raise Fail("converted") from e


def break_in_except(v):
    out = []
    for x in v:
        try:
            out.append(10 // x)
        except ZeroDivisionError:
            break
        finally:
            out.append("f")
    return out


def continue_in_finally_loop(n):
    total = 0
    for i in range(n):
        try:
            if i % 2:
                raise Fail(i)
            total += i
        except Fail:
            continue
        finally:
            total += 1000
    return total


def typed_try(a: cython.int, b: cython.int) -> cython.int:
    try:
        return a // b
    except ZeroDivisionError:
        return 0


def catch_everything(f, x):
    try:
        return f(x)
    except BaseException as e:
        return type(e).__name__


def catch_with(types, x):
    try:
        return 10 // x
    except types:
        return "caught"


@cython.cfunc
def checked(x: cython.double) -> cython.double:
    if x < 0:
        raise Fail("negative", x)
    return x * 2.0


def typed_finally(n: cython.int) -> cython.double:
    total: cython.double = 0.0
    i: cython.int
    for i in range(n):
        try:
            total += checked(i - 3.0)
        except Fail:
            total -= 1.0
            if i == 1:
                continue
        finally:
            total += 0.5
        if i > 6:
            break
    return total


def nested_loops(v):
    out = []
    for a in v:
        for b in v:
            try:
                if b == 0:
                    raise Fail(a)
                out.append(a // b)
            except Fail as e:
                out.append(e.args)
                break
            finally:
                out.append(None)
    return out


def deep(n: cython.int) -> cython.int:
    if n == 0:
        raise Fail("bottom")
    try:
        return deep(n - 1) + 1
    finally:
        pass


# f-strings (issue 12): PyObject_Format of each value, the parts joined.
def fstring_plain(x):
    return f"{x}"


def fstring_mixed(name, n: cython.int, x: cython.double):
    return f"name={name!r} n={n:>5} x={x:.3f} end"


def fstring_conversions(v):
    return f"{v!s}|{v!r}|{v!a}|{v}"


def fstring_nested(x, width, prec):
    return f"[{x:{width}.{prec}}]"


def fstring_literals():
    return f"" + f"just text {{braces}}"


def fstring_spec(v):
    return f"<{v:spec}> {v=}"


def fstring_in_raise(x):
    if x < 0:
        raise Fail(f"negative: {x!r} ({x:+.2e})")
    return f"{x:,}"


# Comprehensions (issue 12): loops appending to a new container; the
# targets are the comprehension's own; generator expressions given to
# list/tuple/sorted/"".join alone.
def comp_squares(v):
    return [x * x for x in v]


def comp_set(n: cython.int):
    return {i % 7 for i in range(n) if i % 2 == 0}


def comp_pairs(v, w):
    return [(a, b) for a in v for b in w if a != b]


def comp_dict(d):
    return {k: d[k] * 2 for k in d if k}


def comp_scope(x):
    y = [x for x in range(3)]
    return x, y


def comp_first_iterable_outside(x):
    return [x for x in x]


def comp_nested(m):
    return [[c * 2 for c in row] for row in m]


def comp_join(words):
    return ", ".join(w.upper() for w in words)


def comp_list_of_gen(n: cython.int):
    return list(i * 0.5 for i in range(n))


def comp_tuple_of_gen(v):
    return tuple(str(x) for x in v if x)


def comp_sorted_gen(v):
    return sorted((x % 5 for x in v), reverse=True)


def comp_typed(n: cython.int) -> cython.double:
    s: cython.double = 0.0
    for y in [i * 1.5 for i in range(n)]:
        s += y
    return s


def comp_in_try(v):
    try:
        return [10 // x for x in v]
    except ZeroDivisionError as e:
        return [str(e) for _ in range(2)]


# `and`/`or`/`x if c else y` as object values: the deciding operand itself.
def value_or(a, b):
    return a or b


def value_and(a, b):
    return a and b


def value_if(c, a, b):
    return a if c else b


def value_chain(a, b, c, n: cython.int):
    return a and b or c or n


def value_in_loop(v):
    out = []
    for x in v:
        out.append(x or "empty")
    return out


def value_typed_cond(n: cython.int, a):
    return a if n > 0 else n
