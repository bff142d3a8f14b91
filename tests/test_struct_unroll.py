"""×2 unrolling of loops over C arrays of structs (`opt/unroll.rs`): a field
access such as `ps[i].vy` counts as one node of the size budget, so a
particle-stepping loop over a `malloc`ed struct array runs two trips per
test. Checked against CPython running the same file with the shim for trip
counts 0, 1, 2 and odd ones (the unrolled loop's one-trip rest), that the
HIR marks those loops unrolled, and that calls do not leak; a narrow loop
variable widened (`ps[i]`'s index) is the loop's 64-bit counter unless the
body assigns it."""

import sysconfig
import textwrap

from conftest import call, growth, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

SRC = """
import cython
from cython.cimports.libc.stdlib import malloc, free

P = cython.struct(x=cython.double, y=cython.double, vx=cython.double, vy=cython.double)
Q = cython.struct(a=cython.int, b=cython.long)


def step(n: cython.int, steps: cython.int, dt: cython.double) -> list:
    ps: cython.pointer(P) = cython.cast(cython.pointer(P), malloc(max(n, 1) * cython.sizeof(P)))
    if not ps:
        raise MemoryError()
    i: cython.int
    s: cython.int
    for i in range(n):
        ps[i].x = (i % 5) * 0.75 - 0.5
        ps[i].y = 0.5 + i * 0.125
        ps[i].vx = (i % 3 - 1) * 2.5
        ps[i].vy = (i % 4) * -1.5
    for s in range(steps):
        for i in range(n):
            ps[i].vy -= 9.81 * dt
            ps[i].x += ps[i].vx * dt
            ps[i].y += ps[i].vy * dt
            if ps[i].y < 0.0:
                ps[i].y = -ps[i].y
                ps[i].vy = -0.9 * ps[i].vy
            if ps[i].x < 0.0 or ps[i].x > 4.0:
                ps[i].vx = -ps[i].vx
    out = []
    for i in range(n):
        out.append((ps[i].x, ps[i].y, ps[i].vx, ps[i].vy))
    free(ps)
    return out


def ints(n: cython.int, k: cython.int) -> cython.long:
    qs: cython.pointer(Q) = cython.cast(cython.pointer(Q), malloc(max(n, 1) * cython.sizeof(Q)))
    if not qs:
        raise MemoryError()
    i: cython.int
    for i in range(0, n, k):
        qs[i].a = i * 3
        qs[i].b = i - 7
    for i in range(1, n, k):
        qs[i].a = -i
        qs[i].b = i * i
    total: cython.long = 0
    for i in range(0, n, k):
        total += qs[i].a * 1000 + qs[i].b
    free(qs)
    return total


def widened(n: cython.int) -> cython.long:
    qs: cython.pointer(Q) = cython.cast(cython.pointer(Q), malloc(max(2 * n, 1) * cython.sizeof(Q)))
    if not qs:
        raise MemoryError()
    i: cython.int
    u: cython.uint
    t: cython.long = 0
    for i in range(-n, n):
        t += cython.cast(cython.long, i) * 3
        qs[i + n].b = i
    for i in range(n):
        i = i * 2 + 1
        t += cython.cast(cython.long, i) * 5
    for u in range(n):
        t += cython.cast(cython.longlong, u) * 7 + qs[u].b
    free(qs)
    return t


def checked(n: cython.int) -> cython.double:
    if n < 0:
        raise ValueError("n must not be negative")
    out: list = step(n, 3, 0.25)
    if n:
        return out[n - 1][0]
    return 0.0
"""


def _both(tmp_path, name):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(SRC))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok, b.describe()
    assert b.counts() == (4, 0), b.describe()
    py = import_source(name + "_py", path)
    nat = import_extension(name, tmp_path / "out" / (name + SUFFIX))
    return py, nat


def test_struct_loops_match_cpython(tmp_path):
    py, nat = _both(tmp_path, "struct_unroll_mod")
    cases = {
        "step": [(0, 3, 0.1), (1, 5, 0.1), (2, 40, 0.05), (3, 40, 0.05), (7, 100, 0.02), (8, 1, 0.5), (33, 60, 0.03)],
        # The second field loop starts at 1 (so an even `n` leaves it an odd
        # trip count); the step 2 runs the unrolled loop with k = 2.
        "ints": [(0, 1), (1, 1), (2, 1), (5, 1), (6, 1), (9, 2), (10, 2), (1, 2), (7, 3)],
        "checked": [(0,), (1,), (5,), (-1,)],
        # A narrow loop variable widened reads the 64-bit counter, unless
        # the body assigns it (the second loop).
        "widened": [(0,), (1,), (4,), (9,)],
    }
    for fn, arglist in cases.items():
        for args in arglist:
            want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
            assert want.ok == got.ok and want.exc_type == got.exc_type and want.message == got.message, (fn, args, want, got)
            if want.ok:
                assert same_value(want.value, got.value), (fn, args, want, got)


def test_struct_loops_are_unrolled(tmp_path):
    path = tmp_path / "struct_unroll_hir.py"
    path.write_text(textwrap.dedent(SRC))
    b = run_compiler(path, args=["--emit", "hir"])
    assert b.ok, b.describe()
    step = b.stdout.split("def step")[1].split("\ndef ")[0] if "def step" in b.stdout else b.stdout
    loops = [l for l in step.splitlines() if "for i in range(" in l]
    # The filling loop and the stepping loop (each access one node), not
    # only the outer `steps` loop around it.
    assert len([l for l in loops if "unrolled x2" in l]) >= 2, step


def test_struct_loops_do_not_leak(tmp_path):
    _, nat = _both(tmp_path, "struct_unroll_leak")
    # A leak of one block a call would show as LEAK_CALLS (2000) blocks.
    assert growth(lambda: nat.step(9, 4, 0.1)) < 50
    assert growth(lambda: call(nat.checked, (-1,))) < 50
