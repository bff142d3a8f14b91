"""Random expressions over C integer types (cython.char … cython.ulonglong),
checked against a model of C's integer promotions and usual arithmetic
conversions with wrap-around, and Cython's Python-style // and % on C ints
(cdivision off: floor division, ZeroDivisionError).  Integer literals are C
ints, as in Cython."""

import os
import random

import pytest

from conftest import call, format_args

SEED = int(os.environ.get("PYC_CEXPRFUZZ_SEED", "7007"))
N_FUNCS = int(os.environ.get("PYC_CEXPRFUZZ_FUNCS", "300"))
CALLS_PER_FUNC = 25

# name: (rank, bits, signed) on LP64 Linux
CT = {"char": (1, 8, True), "uchar": (1, 8, False), "short": (2, 16, True),
      "ushort": (2, 16, False), "int": (3, 32, True), "uint": (3, 32, False),
      "long": (4, 64, True), "ulong": (4, 64, False), "longlong": (5, 64, True),
      "ulonglong": (5, 64, False)}
UNSIGNED_OF = {"int": "uint", "long": "ulong", "longlong": "ulonglong"}
PARAMS = [("p", "int"), ("q", "uint"), ("r", "long"), ("s", "ulonglong"), ("t", "short"),
          ("u", "uchar")]


def wrap(v, t):
    _, bits, signed = CT[t]
    v &= (1 << bits) - 1
    if signed and v >= 1 << (bits - 1):
        v -= 1 << bits
    return v


def lims(t):
    _, bits, signed = CT[t]
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def promote(t):
    return "int" if CT[t][0] < CT["int"][0] else t


def common(a, b):
    a, b = promote(a), promote(b)
    if a == b:
        return a
    (ra, ba, sa), (rb, bb, sb) = CT[a], CT[b]
    if sa == sb:
        return a if ra > rb else b
    u, s = (a, b) if not sa else (b, a)
    if CT[u][0] >= CT[s][0]:
        return u
    if CT[s][1] > CT[u][1]:
        return s
    return UNSIGNED_OF[s]


class CDivOverflow(Exception):
    pass


def literal_only(n):
    if n[0] == "const":
        return True
    if n[0] == "var":
        return False
    if n[0] == "un":
        return literal_only(n[2])
    return literal_only(n[2]) and literal_only(n[3])


def ev(n, env, wrap_div=False):
    kind = n[0]
    if kind == "var":
        return env[n[1]]
    if kind == "const":
        return n[1]
    if kind == "un":
        t = n[-1]
        v = wrap(ev(n[2], env, wrap_div), t)
        return wrap(-v if n[1] == "-" else ~v, t)
    if kind == "bin":
        op, t = n[1], n[-1]
        a = wrap(ev(n[2], env, wrap_div), t)
        b = wrap(ev(n[3], env, wrap_div), t)
        if op in ("//", "%"):
            if b == 0:
                raise ZeroDivisionError("integer division or modulo by zero")
            if op == "//" and CT[t][2] and b == -1 and a == lims(t)[0] and not wrap_div:
                raise CDivOverflow()   # Cython raises; wrapping is accepted too
            return wrap(a // b if op == "//" else a % b, t)
        return wrap({"+": a + b, "-": a - b, "*": a * b, "&": a & b, "|": a | b,
                     "^": a ^ b}[op], t)
    raise AssertionError(kind)


class Gen:
    def __init__(self, rng):
        self.rng = rng

    def expr(self, depth):
        r = self.rng
        if depth <= 0 or r.random() < 0.25:
            if r.random() < 0.8:
                name, t = r.choice(PARAMS)
                return ("var", name, t)
            return ("const", r.choice([0, 1, 2, 3, 7, 100, 255, 1000, 65535]), "int")
        if r.random() < 0.15:
            e = self.expr(depth - 1)
            return ("un", r.choice(["-", "~"]), e, promote(e[-1]))
        op = r.choice(["+", "-", "*", "+", "*", "&", "|", "^", "//", "%"])
        a, b = self.expr(depth - 1), self.expr(depth - 1)
        if op in ("//", "%") and b[0] == "const" and b[1] == 0:
            b = ("const", 3, "int")
        if literal_only(a) and literal_only(b):
            # constant folding of C int overflow is undefined in C; keep a variable
            name, t = r.choice(PARAMS)
            b = ("var", name, t)
        return ("bin", op, a, b, common(a[-1], b[-1]))


def src(n):
    if n[0] == "var":
        return n[1]
    if n[0] == "const":
        return repr(n[1])
    if n[0] == "un":
        return "(%s%s)" % (n[1], src(n[2]))
    return "(%s %s %s)" % (src(n[2]), n[1], src(n[3]))


def build():
    rng = random.Random(SEED)
    g = Gen(rng)
    trees = []
    lines = ["import cython\n"]
    sig = ", ".join("%s: cython.%s" % (name, t) for name, t in PARAMS)
    for i in range(N_FUNCS):
        tree = g.expr(rng.randint(1, 4))
        trees.append(tree)
        lines.append("\ndef c%d(%s) -> cython.%s:\n    return %s\n" % (i, sig, tree[-1], src(tree)))
    return trees, "".join(lines)


TREES, SOURCE = build()


def arg_pool(t):
    lo, hi = lims(t)
    return sorted({lo, lo + 1, hi, hi - 1, 0, 1, 2, 7, hi // 2 + 1} | ({-1, -2} if lo < 0 else set()))


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="cexprfuzz")


def test_c_integer_expressions_match_c_model(m):
    rng = random.Random(SEED + 1)
    pools = [arg_pool(t) for _, t in PARAMS]
    bad, not_native = [], []
    for i, tree in enumerate(TREES):
        name = "c%d" % i
        f = getattr(m.native, name)
        if type(f).__name__ == "function":
            not_native.append(name)
            continue
        for _ in range(CALLS_PER_FUNC):
            args = tuple(rng.choice(p) for p in pools)
            env = {pn: v for (pn, _), v in zip(PARAMS, args)}
            got = call(f, args)
            # INT_MIN // -1 inside: C leaves it undefined, Cython raises
            # OverflowError; wrapping (and going on) is accepted as well.
            outcomes = []
            for wrap_div in (False, True):
                try:
                    outcomes.append((wrap(ev(tree, env, wrap_div), tree[-1]), None))
                except ZeroDivisionError:
                    outcomes.append((None, ZeroDivisionError))
                except CDivOverflow:
                    outcomes.append((None, OverflowError))
            good = any((got.ok and type(got.value) is int and got.value == want) if want_exc is None
                       else (not got.ok and got.exc_type is want_exc)
                       for want, want_exc in outcomes)
            want, want_exc = outcomes[0]
            if not good:
                bad.append("  %s(%s) = %s  [%s]\n      expected %s, got %r"
                           % (name, format_args(args), src(tree), tree[-1],
                              want if want_exc is None else want_exc.__name__, got))
                break
    assert not not_native, "left to Python: %s\n%s" % (not_native[:10], m.build.stderr[:3000])
    assert not bad, "%d of %d functions differ:\n%s" % (len(bad), len(TREES), "\n".join(bad[:12]))
