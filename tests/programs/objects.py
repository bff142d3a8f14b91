"""Python objects in compiled code: untyped parameters and locals are
objects (Cython's rule), `object` annotations too."""

import cython


def ident(x):
    return x


def pick(a, b, first: cython.bint):
    if first:
        r = a
    else:
        r = b
    return r


def rebind(a, b: object) -> object:
    c = b
    c = a
    a = c
    return a


def returns_none(x):
    y = x


def bare_return(x, stop: cython.bint):
    if stop:
        return
    return x


def maybe_bound(flag: cython.bint, a):
    if flag:
        z = a
    return z


def in_loop(a, n: cython.int):
    last = a
    i: cython.int
    for i in range(n):
        last = a
    return last


def calls(a, b):
    return pick(b, a, False)


def calls_twice(a):
    return ident(ident(a))


def keyword_only(a, *, b):
    return b
