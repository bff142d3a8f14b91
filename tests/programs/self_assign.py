"""`x = x` of an object local: a no-op store after the read (which checks
that `x` is bound); the refcount pass once saw it as a leak."""

def f(o):
    x = o + 1
    x = x
    return x

def g(o, c: bool):
    x = o * 2
    x = x if c else o
    y = x
    x, y = y, x
    x = x
    return x, y

def h(o):
    del o
    try:
        o = o
    except UnboundLocalError as e:
        return str(e)
