"""Loops over C memory after the performance rewrites of issue 14, checked
against CPython running the same file with the shim:

- pointer induction variables (`opt/induction.rs`): `ps[i].f` of a
  `cython.pointer(S)` in a `range` loop addressed through a hidden pointer
  advanced each trip (steps 1, 2, 3 and negative ones, empty ranges, a
  start that is a local, the loop variable read after the loop, `break`,
  `continue` (not rewritten), nested loops whose inner start is the outer
  variable, two arrays of different structs, pointer arithmetic mixed with
  indexing, a `double*` indexed through a cast);
- a narrow C index `p[i - 1]` widened to 64 bits where it cannot wrap
  (`opt/facts.rs`), and where it can (`i + 1` of an `int` near its end);
- float comparisons with `0.0` inside loops (`backend/compare_consts.rs`):
  the zero kept in a register, every comparison operator on both sides, with
  NaN, -0.0 and infinities, for `double` and `float` (values a `float`
  holds exactly: the shim keeps a double where C rounds).
"""

import math
import sysconfig
import textwrap

from conftest import call, growth, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

SRC = """
import cython
from cython.cimports.libc.stdlib import malloc, free

P = cython.struct(x=cython.double, y=cython.double, vx=cython.double, vy=cython.double)
Q = cython.struct(a=cython.int, b=cython.long, c=cython.short)


def strided(n: cython.int, start: cython.int, step: cython.int) -> list:
    ps: cython.pointer(P) = cython.cast(cython.pointer(P), malloc(max(n, 1) * cython.sizeof(P)))
    if not ps:
        raise MemoryError()
    i: cython.int
    for i in range(n):
        ps[i].x = i * 1.5
        ps[i].y = -i * 0.25
        ps[i].vx = 0.0
        ps[i].vy = 0.0
    last: cython.int = -100
    if step == 1:
        for i in range(start, n, 1):
            ps[i].vx += ps[i].x + ps[i].y
            last = i
    elif step == 2:
        for i in range(start, n, 2):
            ps[i].vx += ps[i].x * 2.0
            ps[i].vy = ps[i].vx - 1.0
            last = i
    elif step == 3:
        for i in range(start, n, 3):
            ps[i].vy -= ps[i].y
    elif step == -1:
        for i in range(n - 1, start - 1, -1):
            ps[i].vx = ps[i].vx * 0.5 + ps[i].x
            last = i
    elif step == -2:
        for i in range(n - 1, start - 1, -2):
            ps[i].vy = ps[i].x - ps[i].vx
    out = []
    for i in range(n):
        out.append((ps[i].x, ps[i].y, ps[i].vx, ps[i].vy))
    free(ps)
    return [out, last, i]


def after_loop(n: cython.int) -> tuple:
    qs: cython.pointer(Q) = cython.cast(cython.pointer(Q), malloc(max(n, 1) * cython.sizeof(Q)))
    if not qs:
        raise MemoryError()
    i: cython.int = -7
    for i in range(n):
        qs[i].a = i * 3
        qs[i].b = i * i - 5
        qs[i].c = i % 100
    t: cython.long = 0
    k: cython.int = 2
    for i in range(k, n):
        t += qs[i].a + qs[i].b * qs[i].c
    free(qs)
    return (i, t)


def jumps(n: cython.int, stop_at: cython.int) -> list:
    qs: cython.pointer(Q) = cython.cast(cython.pointer(Q), malloc(max(n, 1) * cython.sizeof(Q)))
    if not qs:
        raise MemoryError()
    i: cython.int
    for i in range(n):
        qs[i].a = i
        qs[i].b = 10 * i
        qs[i].c = 0
    found: cython.int = -1
    for i in range(n):
        if qs[i].b >= stop_at:
            found = i
            break
        qs[i].c = 1
    skipped: cython.long = 0
    for i in range(n):
        if qs[i].a % 3 == 0:
            continue
        qs[i].c += 2
        skipped += qs[i].b
    out = []
    j: cython.int
    for j in range(n):
        out.append(qs[j].c)
    free(qs)
    return [found, skipped, out]


def nested(n: cython.int) -> cython.double:
    ps: cython.pointer(P) = cython.cast(cython.pointer(P), malloc(max(n, 1) * cython.sizeof(P)))
    if not ps:
        raise MemoryError()
    i: cython.int
    j: cython.int
    for i in range(n):
        ps[i].x = (i % 7) * 0.5
        ps[i].y = 1.0
    total: cython.double = 0.0
    for i in range(n):
        for j in range(i, n):
            total += ps[i].x * ps[j].x + ps[j].y
        for j in range(i - 1, -1, -1):
            total -= ps[j].x * 0.125
    free(ps)
    return total


def two_arrays(n: cython.int) -> cython.double:
    ps: cython.pointer(P) = cython.cast(cython.pointer(P), malloc(max(n, 1) * cython.sizeof(P)))
    qs: cython.pointer(Q) = cython.cast(cython.pointer(Q), malloc(max(n, 1) * cython.sizeof(Q)))
    if not ps or not qs:
        raise MemoryError()
    i: cython.int
    for i in range(n):
        qs[i].a = i + 1
        qs[i].b = 2 * i
        ps[i].x = qs[i].a * 0.5
        ps[i].y = qs[i].b + ps[i].x
    s: cython.double = 0.0
    for i in range(n):
        s += ps[i].y * qs[i].a - qs[n - 1 - i].b
    free(ps)
    free(qs)
    return s


def mixed(n: cython.int) -> cython.double:
    ps: cython.pointer(P) = cython.cast(cython.pointer(P), malloc(max(n + 1, 1) * cython.sizeof(P)))
    if not ps:
        raise MemoryError()
    i: cython.int
    for i in range(n + 1):
        ps[i].x = i
        ps[i].y = 2.0 * i
    q: cython.pointer(P) = ps + 1
    s: cython.double = 0.0
    for i in range(n):
        s += q[i].x * 10.0 + ps[i].y + (ps + i).x
    d: cython.p_double = cython.cast(cython.p_double, malloc(max(4 * n, 1) * cython.sizeof(cython.double)))
    if not d:
        raise MemoryError()
    for i in range(4 * n):
        d[i] = i * 0.75
    for i in range(0, 4 * n - 1, 4):
        s += d[i] + d[i + 1] * 0.5
    free(d)
    free(ps)
    return s


def previous(n: cython.int) -> cython.double:
    p: cython.p_double = cython.cast(cython.p_double, malloc(max(n, 1) * cython.sizeof(cython.double)))
    if not p:
        raise MemoryError()
    i: cython.int
    for i in range(n):
        p[i] = (i * 37 % 11) - 5.0
    s: cython.double = 0.0
    for i in range(n):
        if i > 0 and p[i - 1] > p[i]:
            s += 1.0
        s += p[i] * (i + 1)
    for i in range(1, n):
        p[i - 1] = p[i] - p[i - 1]
    for i in range(n):
        s += p[i]
    free(p)
    return s


def near_end(k: cython.int) -> cython.double:
    # `k + 1` of an `int` wraps at its end: the index is not widened.
    p: cython.p_double = cython.cast(cython.p_double, malloc(4 * cython.sizeof(cython.double)))
    if not p:
        raise MemoryError()
    j: cython.int
    for j in range(4):
        p[j] = j + 0.5
    base: cython.int = k
    s: cython.double = 0.0
    for j in range(3):
        s += p[base + j + 1]
    free(p)
    return s


def zeros(vals: list) -> list:
    n: cython.int = len(vals)
    p: cython.p_double = cython.cast(cython.p_double, malloc(max(n, 1) * cython.sizeof(cython.double)))
    f: cython.p_float = cython.cast(cython.p_float, malloc(max(n, 1) * cython.sizeof(cython.float)))
    if not p or not f:
        raise MemoryError()
    i: cython.int
    for i in range(n):
        p[i] = vals[i]
        f[i] = vals[i]
    counts = [0] * 12
    for i in range(n):
        if p[i] < 0.0:
            counts[0] += 1
        if p[i] <= 0.0:
            counts[1] += 1
        if p[i] > 0.0:
            counts[2] += 1
        if p[i] >= 0.0:
            counts[3] += 1
        if 0.0 < p[i]:
            counts[4] += 1
        if 0.0 >= p[i]:
            counts[5] += 1
        if p[i] == 0.0:
            counts[6] += 1
        if p[i] != 0.0:
            counts[7] += 1
        if f[i] < 0.0:
            counts[8] += 1
        if f[i] >= 0.0:
            counts[9] += 1
        if not (p[i] < 0.0) and not (p[i] > 0.0):
            counts[10] += 1
        counts[11] += (p[i] < 0.0) + (0.0 > f[i])
    free(p)
    free(f)
    return counts


def bounce(n: cython.int, steps: cython.int) -> cython.double:
    ps: cython.pointer(P) = cython.cast(cython.pointer(P), malloc(max(n, 1) * cython.sizeof(P)))
    if not ps:
        raise MemoryError()
    i: cython.int
    s: cython.int
    for i in range(n):
        ps[i].x = (i % 9) * 0.5
        ps[i].y = 0.25 * (i % 4)
        ps[i].vx = (i % 5 - 2) * 0.75
        ps[i].vy = -1.0 * (i % 3)
    for s in range(steps):
        for i in range(n):
            ps[i].vy -= 0.5
            ps[i].x += ps[i].vx * 0.1
            ps[i].y += ps[i].vy * 0.1
            if ps[i].y < 0.0:
                ps[i].y = -ps[i].y
                ps[i].vy = -0.9 * ps[i].vy
            if ps[i].x < 0.0 or ps[i].x > 4.0:
                ps[i].vx = -ps[i].vx
    t: cython.double = 0.0
    for i in range(n):
        t += ps[i].x + 3.0 * ps[i].y + 5.0 * ps[i].vx + 7.0 * ps[i].vy
    free(ps)
    return t
"""


def _both(tmp_path, name):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(SRC))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok, b.describe()
    assert b.counts()[1] == 0, b.describe()
    py = import_source(name + "_py", path)
    nat = import_extension(name, tmp_path / "out" / (name + SUFFIX))
    return py, nat


def _check(py, nat, fn, args):
    want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
    assert want.ok == got.ok and want.exc_type == got.exc_type and want.message == got.message, (fn, args, want, got)
    if want.ok:
        assert same_value(want.value, got.value), (fn, args, want, got)


def test_pointer_loops_match_cpython(tmp_path):
    py, nat = _both(tmp_path, "ptr_induction_mod")
    for n in (0, 1, 2, 3, 4, 5, 8, 9, 17):
        for start in (0, 1, 2, 3, n, n + 2):
            for step in (1, 2, 3, -1, -2):
                _check(py, nat, "strided", (n, start, step))
        _check(py, nat, "after_loop", (n,))
        for stop_at in (-1, 0, 10, 35, 1000):
            _check(py, nat, "jumps", (n, stop_at))
        for fn in ("nested", "two_arrays", "mixed", "previous"):
            _check(py, nat, fn, (n,))
        for steps in (0, 1, 2, 7, 30):
            _check(py, nat, "bounce", (n, steps))
    for k in (-1, 0):
        _check(py, nat, "near_end", (k,))


def test_zero_comparisons_match_cpython(tmp_path):
    py, nat = _both(tmp_path, "ptr_zero_mod")
    specials = [0.0, -0.0, 1.0, -1.0, math.nan, -math.nan, math.inf, -math.inf, 1e-30, -1e-30, 3.0, -2.5]
    _check(py, nat, "zeros", ([],))
    _check(py, nat, "zeros", (specials,))
    for k in range(len(specials)):
        _check(py, nat, "zeros", (specials[k:] + specials[:k],))


def test_loops_use_pointer_induction(tmp_path):
    path = tmp_path / "ptr_induction_hir.py"
    path.write_text(textwrap.dedent(SRC))
    b = run_compiler(path, args=["--emit", "hir"])
    assert b.ok, b.describe()
    text = b.stdout

    def body(name):
        return text.split("fn " + name + "(")[1].split("\nfn ")[0]

    # The stepping loop's accesses go through a hidden pointer; the loop with
    # `continue` keeps `qs[i]` (its step would be skipped).
    assert "#ptr" in body("bounce"), body("bounce")
    jumps = body("jumps")
    assert jumps.count("= (#ptr") >= 2, jumps
    # `p[i - 1]` of the `int` loop variable is a 64-bit subtraction.
    assert "as cython.Py_ssize_t):cython.Py_ssize_t, 1:cython.Py_ssize_t" in body("previous"), body("previous")


def test_pointer_loops_do_not_leak(tmp_path):
    _, nat = _both(tmp_path, "ptr_induction_leak")
    assert growth(lambda: nat.strided(9, 1, 2)) < 50
    assert growth(lambda: nat.jumps(9, 35)) < 50
    assert growth(lambda: nat.zeros([0.0, -1.0, math.nan])) < 50
