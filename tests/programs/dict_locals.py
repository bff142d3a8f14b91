"""Locals that always hold a dict (every assignment a dict display or
comprehension): `d[k]`, `d[k] = v` and `d.get(k)` on them go straight to
the dict's C functions."""


def count(words):
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts


def lookup(keys, probe):
    d = {k: len(str(k)) for k in keys}
    return d[probe]


def get_default(keys, probe):
    d = {}
    for k in keys:
        d[k] = k
    return d.get(probe), d.get(probe, "none"), d.get(probe, None)


def rebound(n):
    d = {"a": 1}
    out = []
    for i in range(n):
        d = {i: i * i}
        out.append(d[i])
    d[n] = "last"
    return out, d


def walrus(k):
    if (d := {1: "one"}):
        d[k] = "set"
    return d.get(k), d[1]


def not_always_dict(x, k):
    d = {}
    if x:
        d = x
    d[k] = 1
    return d[k], d.get(k)


def nested(keys):
    d = {}
    for k in keys:
        d[k] = {}
        d[k][k] = k
    return d


def missing_tuple_key():
    d = {(1, 2): "pair"}
    return d[(1, 2)], d[(3, 4)]


def augmented(words):
    counts = {}
    for w in words:
        if w in counts:
            counts[w] += 1
        else:
            counts[w] = 1
    return counts


def copies(x, k):
    d = {}
    e = d
    e[k] = 1
    f = x
    f[k] = 2
    g = e if k else f
    return d, f[k], g[k], e.get(k)
