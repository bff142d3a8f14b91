"""Method calls without a bound method object and cached global lookups
(issue 12): `o.m(args)` on builtins, Python classes, plain callable
attributes, classmethods, staticmethods and `__getattr__` classes; module
globals and builtins read while other code rebinds, deletes or shadows
them."""
import cython


def call_m(o, a):
    return o.m(a)


def call_m_kw(o, a, b):
    return o.m(a, b=b)


def call_none(o):
    return o.m()


def call_many(o, n: cython.int, x: cython.double):
    return o.m(n, x, "s", None, b=n)


def call_cm(o, a):
    return o.cm(a)


def call_sm(o, a):
    return o.sm(a, b=5)


def call_f(o):
    return o.f(1, 2, k=3)


def call_dyn(o, a):
    return o.xyz(a, k=a)


def missing(o, a):
    return o.nope(a)


def call_on_class(cls, o, a):
    return (cls.m(o, a), cls.sm(a), cls.cm(a))


def order(o, log):
    # An argument that runs code: the method is looked up before it, as Python does.
    return o.m(log.append("arg"))


def nested(o, a):
    return o.m(o.m(a))


def builtins_methods(s, sep):
    words = s.split(sep)
    out = []
    out.append(s.upper())
    out.append(s.count("a"))
    out.append(s.startswith("ab"))
    out.append(s.replace("a", sep, 1))
    d = {}
    for w in words:
        d[w] = d.get(w, 0) + 1
    out.append(sorted(d.items()))
    out.append(d.setdefault("zz", 7))
    out.append(d.pop("zz"))
    out.append(d.get("nope"))
    out.append(words.count(""))
    words.append("end")
    words.insert(0, "start")
    words.sort(key=None, reverse=True)
    out.append(words)
    return out


def word_count(text):
    counts = {}
    for w in text.split():
        counts[w] = counts.get(w, 0) + 1
    return counts


# Globals.

SCALE = 3


def get_scale():
    return SCALE


def set_scale(v):
    global SCALE
    SCALE = v


def del_scale():
    global SCALE
    del SCALE


def scaled_sum(n: cython.int):
    total = 0
    i: cython.int
    for i in range(n):
        total = total + SCALE
        if i == 1:
            set_scale(SCALE * 10)
    return total


def sorted_of(x):
    return sorted(x)


def shadow_sorted(on):
    global sorted
    if on:
        sorted = lambda x: ["shadowed", x]
    else:
        del sorted


def read_many(n: cython.int):
    out = []
    i: cython.int
    for i in range(n):
        out.append((SCALE, sorted([i, -i])))
    return out


# Exact dicts: get and item assignment.


def dict_get(d, k):
    return d.get(k)


def dict_get_default(d, k, dflt):
    return d.get(k, dflt)


def dict_set(d, k, v):
    d[k] = v
    return d


def dict_count(d, keys):
    for k in keys:
        d[k] = d.get(k, 0) + 1
    return d


def dict_get_c(d, k, n: cython.int):
    # The default a new reference (a boxed C int): used on one path only.
    return d.get(k, n)
