"""Random typed expressions: a module of generated functions is compiled once
and every function is compared with CPython on random edge-value arguments.

The expected outcome comes from evaluating the same expression tree in Python
node by node, which also applies the documented deliberate differences at the
node where they arise: any PEP 484 ``int`` intermediate outside 64 bits raises
OverflowError, any intermediate that CPython would make complex raises
ValueError.  Everything else must be CPython's exact result or exception."""

import math
import os
import random

import pytest

from conftest import INT64_MAX, INT64_MIN, Outcome, call, format_args, same_value

N_FUNCS = int(os.environ.get("PYC_EXPRFUZZ_FUNCS", "400"))
CALLS_PER_FUNC = 30
SEED = int(os.environ.get("PYC_EXPRFUZZ_SEED", "424242"))

INT_ARGS = [0, 1, -1, 2, -3, 7, 100, -128, 255, 2 ** 31 - 1, -(2 ** 31), 2 ** 53 + 1, 2 ** 62,
            INT64_MIN, INT64_MAX]
FLOAT_ARGS = [0.0, -0.0, 1.0, -2.5, 0.1, 0.5, 3.0, 1e300, -1e-300, 5e-324, 2.0 ** 53,
              float("inf"), float("-inf"), float("nan")]


class Overflow64(Exception):
    pass


class WouldBeComplex(Exception):
    pass


# --------------------------------------------------------------------------
# generation: nodes are tuples; node[-1] is the type: 'i', 'f' or 'b'
# --------------------------------------------------------------------------

class Gen:
    def __init__(self, rng):
        self.rng = rng

    def expr(self, ty, depth):
        r = self.rng
        if depth <= 0 or r.random() < 0.2:
            return self.leaf(ty)
        if ty == "i":
            k = r.randrange(11)
            if k <= 3:
                op = r.choice(["+", "-", "*", "//", "%", "&", "|", "^"])
                return ("bin", op, self.expr("i", depth - 1), self.divisor("i", depth, op), "i")
            if k == 4:
                return ("bin", r.choice(["<<", ">>"]), self.expr("i", depth - 1),
                        ("const", r.randrange(0, 66), "i") if r.random() < 0.5 else
                        ("bin", "%", self.expr("i", depth - 1), ("const", 70, "i"), "i"), "i")
            if k == 5:
                return ("bin", "**", self.expr("i", depth - 1), ("const", r.randrange(0, 5), "i"), "i")
            if k == 6:
                return ("un", r.choice(["-", "+", "~"]), self.expr("i", depth - 1), "i")
            if k == 7:
                f = r.choice(["abs", "min", "max"])
                n = 1 if f == "abs" else r.choice([2, 3])
                return ("call", f, [self.expr("i", depth - 1) for _ in range(n)], "i")
            if k == 8:
                return ("call", r.choice(["int", "round", "math.floor", "math.ceil"]),
                        [self.expr("f", depth - 1)], "i")
            if k == 9:
                return ("ifexp", self.expr("b", depth - 1), self.expr("i", depth - 1),
                        self.expr("i", depth - 1), "i")
            return ("boolop", r.choice(["and", "or"]), self.expr("i", depth - 1),
                    self.expr("i", depth - 1), "i")
        if ty == "f":
            k = r.randrange(10)
            if k <= 3:
                op = r.choice(["+", "-", "*", "/", "//", "%", "**"])
                lt = r.choice(["f", "f", "i"])
                rt = r.choice(["f", "f", "i"]) if lt == "f" else "f"
                if op == "**" and rt == "i":
                    rt = "f"
                return ("bin", op, self.expr(lt, depth - 1), self.divisor(rt, depth, op), "f")
            if k == 4:
                return ("bin", "/", self.expr("i", depth - 1), self.divisor("i", depth, "/"), "f")
            if k == 5:
                return ("un", r.choice(["-", "+"]), self.expr("f", depth - 1), "f")
            if k == 6:
                f = r.choice(["abs", "min", "max", "math.sqrt", "math.fabs", "math.exp",
                              "math.log", "math.sin", "math.atan2", "math.hypot"])
                n = {"min": r.choice([2, 3]), "max": 2, "math.atan2": 2, "math.hypot": 2}.get(f, 1)
                return ("call", f, [self.expr("f", depth - 1) for _ in range(n)], "f")
            if k == 7:
                return ("call", "float", [self.expr("i", depth - 1)], "f")
            if k == 8:
                return ("ifexp", self.expr("b", depth - 1), self.expr("f", depth - 1),
                        self.expr("f", depth - 1), "f")
            return ("boolop", r.choice(["and", "or"]), self.expr("f", depth - 1),
                    self.expr("f", depth - 1), "f")
        # bool
        k = r.randrange(6)
        if k <= 2:
            n = r.choice([1, 1, 2])
            tys = [r.choice(["i", "f"]) for _ in range(n + 1)]
            ops = [r.choice(["<", "<=", "==", "!=", ">", ">="]) for _ in range(n)]
            return ("cmp", ops, [self.expr(t, depth - 1) for t in tys], "b")
        if k == 3:
            return ("un", "not", self.expr(r.choice(["b", "i", "f"]), depth - 1), "b")
        if k == 4:
            return ("boolop", r.choice(["and", "or"]), self.expr("b", depth - 1),
                    self.expr("b", depth - 1), "b")
        return ("call", "bool", [self.expr(r.choice(["i", "f"]), depth - 1)], "b")

    def divisor(self, ty, depth, op):
        e = self.expr(ty, depth - 1)
        if e[0] == "const" and op in ("/", "//", "%") and e[1] == 0:
            return ("const", 3 if ty == "i" else 0.75, ty)
        return e

    def leaf(self, ty):
        r = self.rng
        if ty == "i":
            if r.random() < 0.6:
                return ("var", r.choice(["a", "b"]), "i")
            return ("const", r.choice([0, 1, 2, 3, -1, 7, 10, 100, 255, 1000, -64]), "i")
        if ty == "f":
            if r.random() < 0.6:
                return ("var", r.choice(["x", "y"]), "f")
            return ("const", r.choice([0.0, 0.5, 1.0, -1.5, 2.0, 0.1, 1e10, 3.25]), "f")
        if r.random() < 0.5:
            return ("cmp", ["<"], [("var", "a", "i"), ("var", "b", "i")], "b")
        return ("cmp", [">="], [("var", "x", "f"), ("var", "y", "f")], "b")


def src(n):
    kind = n[0]
    if kind == "var":
        return n[1]
    if kind == "const":
        return repr(n[1]) if n[1] >= 0 else "(%r)" % n[1]
    if kind == "bin":
        return "(%s %s %s)" % (src(n[2]), n[1], src(n[3]))
    if kind == "un":
        return "(%s %s)" % (n[1], src(n[2])) if n[1] == "not" else "(%s%s)" % (n[1], src(n[2]))
    if kind == "cmp":
        parts = [src(n[2][0])]
        for op, e in zip(n[1], n[2][1:]):
            parts += [op, src(e)]
        return "(%s)" % " ".join(parts)
    if kind == "boolop":
        return "(%s %s %s)" % (src(n[2]), n[1], src(n[3]))
    if kind == "ifexp":
        return "(%s if %s else %s)" % (src(n[2]), src(n[1]), src(n[3]))
    if kind == "call":
        return "%s(%s)" % (n[1], ", ".join(src(a) for a in n[2]))
    raise AssertionError(kind)


# --------------------------------------------------------------------------
# reference evaluation with the documented differences applied per node
# --------------------------------------------------------------------------

FUNCS = {"abs": abs, "min": min, "max": max, "int": int, "round": round, "float": float,
         "bool": bool, "math.floor": math.floor, "math.ceil": math.ceil, "math.sqrt": math.sqrt,
         "math.fabs": math.fabs, "math.exp": math.exp, "math.log": math.log, "math.sin": math.sin,
         "math.atan2": math.atan2, "math.hypot": math.hypot}

BINOPS = {"+": lambda p, q: p + q, "-": lambda p, q: p - q, "*": lambda p, q: p * q,
          "/": lambda p, q: p / q, "//": lambda p, q: p // q, "%": lambda p, q: p % q,
          "**": lambda p, q: p ** q, "&": lambda p, q: p & q, "|": lambda p, q: p | q,
          "^": lambda p, q: p ^ q, "<<": lambda p, q: p << q, ">>": lambda p, q: p >> q}
CMPS = {"<": lambda p, q: p < q, "<=": lambda p, q: p <= q, "==": lambda p, q: p == q,
        "!=": lambda p, q: p != q, ">": lambda p, q: p > q, ">=": lambda p, q: p >= q}


def check(v):
    if isinstance(v, complex):
        raise WouldBeComplex()
    if isinstance(v, int) and not isinstance(v, bool) and not INT64_MIN <= v <= INT64_MAX:
        raise Overflow64()
    return v


def ev(n, env):
    kind = n[0]
    if kind == "var":
        return env[n[1]]
    if kind == "const":
        return check(n[1])
    if kind == "bin":
        p = ev(n[2], env)
        q = ev(n[3], env)
        if n[1] == "**":
            try:
                return check(p ** q)
            except OverflowError as e:
                if str(e) == "complex exponentiation":
                    raise WouldBeComplex()
                raise
        return check(BINOPS[n[1]](p, q))
    if kind == "un":
        v = ev(n[2], env)
        return check({"-": lambda t: -t, "+": lambda t: +t, "~": lambda t: ~t,
                      "not": lambda t: not t}[n[1]](v))
    if kind == "cmp":
        left = ev(n[2][0], env)
        for op, e in zip(n[1], n[2][1:]):
            right = ev(e, env)
            if not CMPS[op](left, right):
                return False
            left = right
        return True
    if kind == "boolop":
        p = ev(n[2], env)
        if n[1] == "and":
            return ev(n[3], env) if p else p
        return p if p else ev(n[3], env)
    if kind == "ifexp":
        return ev(n[2], env) if ev(n[1], env) else ev(n[3], env)
    if kind == "call":
        args = [ev(a, env) for a in n[2]]
        return check(FUNCS[n[1]](*args))
    raise AssertionError(kind)


def expected(tree, args):
    env = dict(zip("abxy", args))
    try:
        return Outcome(True, ev(tree, env)), False
    except Overflow64:
        return Outcome(False, exc_type=OverflowError), True
    except WouldBeComplex:
        return Outcome(False, exc_type=ValueError), True
    except Exception as e:  # noqa: BLE001
        return Outcome(False, exc_type=type(e), message=str(e)), False


def build_module():
    rng = random.Random(SEED)
    g = Gen(rng)
    trees, lines = [], ["import math\n"]
    for i in range(N_FUNCS):
        ty = rng.choice(["i", "i", "f", "f", "b"])
        tree = g.expr(ty, rng.randint(1, 6))
        trees.append(tree)
        ret = {"i": "int", "f": "float", "b": "bool"}[ty]
        lines.append("\ndef e%d(a: int, b: int, x: float, y: float) -> %s:\n    return %s\n"
                     % (i, ret, src(tree)))
    return trees, "".join(lines)


TREES, SOURCE = build_module()


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="exprfuzz")


def test_generated_module_is_plain_python_consistent(m):
    # sanity: the reference evaluator agrees with CPython itself wherever no
    # documented difference applies
    rng = random.Random(SEED + 1)
    for i, tree in enumerate(TREES[:100]):
        for _ in range(5):
            args = (rng.choice(INT_ARGS), rng.choice(INT_ARGS), rng.choice(FLOAT_ARGS),
                    rng.choice(FLOAT_ARGS))
            exp, documented = expected(tree, args)
            if documented:
                continue
            got = call(getattr(m.py, "e%d" % i), args)
            assert exp.ok == got.ok and (same_value(exp.value, got.value) if exp.ok else
                                         (exp.exc_type, exp.message) == (got.exc_type, got.message))


def test_random_expressions_match_cpython(m):
    rng = random.Random(SEED + 2)
    bad, not_native = [], []
    for i, tree in enumerate(TREES):
        name = "e%d" % i
        f = getattr(m.native, name)
        if type(f).__name__ == "function":
            not_native.append(name)
            continue
        for _ in range(CALLS_PER_FUNC):
            args = (rng.choice(INT_ARGS), rng.choice(INT_ARGS), rng.choice(FLOAT_ARGS),
                    rng.choice(FLOAT_ARGS))
            exp, loose = expected(tree, args)
            got = call(f, args)
            if exp.ok:
                good = got.ok and same_value(exp.value, got.value)
            else:
                good = (not got.ok and got.exc_type is exp.exc_type
                        and (loose or got.message == exp.message))
            if not good:
                bad.append("  %s(%s) = %s\n      expected %r%s, got %r"
                           % (name, format_args(args), src(tree), exp,
                              " (type only)" if loose else "", got))
                break
    assert not not_native, "left to Python: %s\n%s" % (not_native[:10], m.build.stderr[:3000])
    assert not bad, "%d of %d functions differ:\n%s" % (len(bad), len(TREES), "\n".join(bad[:15]))
