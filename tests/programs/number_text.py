"""C numbers formatted without their objects (`f"{n}"`, `%d`, `%r` of a
double) and tracebacks of exceptions caught in a loop."""

import cython


def texts(n: cython.longlong, x: cython.double, u: cython.uint, c: cython.schar, f: cython.float, i: cython.int) -> str:
    return f"{n}|{x}|{u}|{c}|{f}|{i}|{n!r}|{x!r}|{x!s}|{x!a}|{n:5}|{x:.3f}|{i!s}"


def message(a: cython.double, steps: cython.int) -> str:
    return "no convergence for %r after %d steps" % (a, steps)


def py_int_text(n: int) -> str:
    # A Python int typed `int` is a checked 64-bit C value here.
    return f"<{n}>"


def fails(x: cython.int) -> cython.int:
    if x >= 0:
        raise ValueError(f"bad {x}")
    return x


def catch_many(n: cython.int):
    """The frames on the traceback of the last exception caught, after
    catching `n` of them."""
    last = None
    i: cython.int
    for i in range(n):
        try:
            fails(i)
        except ValueError as e:
            last = e
    names = []
    lines = []
    tb = last.__traceback__ if last is not None else None
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        lines.append(tb.tb_lineno)
        tb = tb.tb_next
    return names, lines, str(last)


def raise_through(n: cython.int) -> int:
    """An exception raised `n` calls deep, each level adding its entry."""
    if n == 0:
        raise KeyError("deep")
    return raise_through(n - 1)


class Loud:
    def __str__(self):
        raise KeyError("no text")


class Text(str):
    def __str__(self):
        return "own text"


def str_of(x):
    """`str(x)`: the builtin type when the call runs, or what `str` names then."""
    try:
        return str(x)
    except KeyError as e:
        return "caught " + str(e)


def joined(a, b, n: cython.int) -> str:
    return f"{a}{b}-{n}-{a!r}"


class Custom(LookupError):
    pass


def match_kinds(kind: cython.int) -> str:
    try:
        if kind == 0:
            raise KeyError(kind)
        if kind == 1:
            raise Custom(kind)
        if kind == 2:
            raise ValueError(kind)
        raise LookupError(kind)
    except KeyError:
        return "key"
    except (ValueError, Custom):
        return "value or custom"
    except LookupError:
        return "lookup"
