"""str methods called on exact strs (their C functions directly), and
on anything else (str subclasses, other types, None) as Python calls them;
a str's truth by its length."""

import cython

PUNCT = "!?.,"


def strip_lower(w: str) -> str:
    return w.strip(PUNCT).lower()


def strip_global(w):
    return w.strip(PUNCT)


def strip_arg(w, chars):
    return w.strip(chars)


def strip0(w):
    return w.strip()


def sides(w, chars):
    return (w.lstrip(chars), w.rstrip(chars), w.lstrip(), w.rstrip())


def cases(w):
    return (w.lower(), w.upper(), w.title(), w.casefold(), w.swapcase(), w.isdigit(), w.isspace())


def lower_arg(w, x):
    return w.lower(x)


def split0(s):
    return s.split()


def split_sep(s, sep):
    return s.split(sep)


def split_max(s, sep, n):
    return s.split(sep, n)


def rsplit_sep(s, sep):
    return s.rsplit(sep)


def join(sep, items):
    return sep.join(items)


def join_const(items):
    return ", ".join(items)


def join_built(n):
    return "-".join([str(i) for i in range(n)])


def starts_ends(s, p):
    return (s.startswith(p), s.endswith(p))


def starts_range(s, p, a, b):
    return s.startswith(p, a, b)


def replace(s, a, b):
    return s.replace(a, b)


def replace_n(s, a, b, n):
    return s.replace(a, b, n)


def finds(s, sub):
    return (s.find(sub), s.rfind(sub), s.count(sub))


def index(s, sub):
    return s.index(sub)


def truth(s):
    if s:
        return 1
    return 0


def truth_typed(s: str) -> int:
    return 1 if s else 0


def missing(s):
    return s.nosuchmethod()


def by_keyword(s):
    return s.split(sep=",")


def order(s, log):
    # The argument runs code: the method is looked up first, as in Python.
    return s.strip(log.append("arg") or None)


def loop(words, chars):
    out = []
    for w in words:
        x = w.strip(chars).lower()
        if x:
            out.append(x)
    return out
