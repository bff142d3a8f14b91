"""C structs in compiled functions (issue 14): `cython.struct(...)` bound at
module level, struct locals and C arrays of structs, field reads and writes,
whole-struct copies and `S(f=...)` builds, checked against CPython running
the same file with the shim; Cython's value semantics where the shim aliases;
the located errors, and what stays Python (an array of structs used whole,
the address of a struct local). Structs meeting objects: test_struct_dict.py."""

import sysconfig
import textwrap

from conftest import call, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

STRUCTS = """
import cython

Point = cython.struct(x=cython.double, y=cython.double)
Cell = cython.struct(count=cython.int, weight=cython.float, seen=cython.bint)


def build(a: cython.double, b: cython.double) -> cython.double:
    p: Point = Point(x=a, y=b)
    return p.x * 10.0 + p.y


def fields(n: cython.int) -> cython.double:
    c = cython.declare(Cell)
    c.count = n
    c.weight = n / 4
    c.seen = n > 2
    c.count += 3
    return c.count + c.weight + c.seen


def centroid(n: cython.int) -> cython.double:
    ps = cython.declare(Point[100])
    i: cython.int
    for i in range(n):
        ps[i].x = i * 1.5
        ps[i].y = i - 3.0
    s: cython.double = 0.0
    p = cython.declare(Point)
    for i in range(n):
        p = ps[i]
        s += p.x * p.y
    ps[0] = p
    return s + ps[0].x + ps[n - 1].y


def grid(n: cython.int) -> cython.double:
    g = cython.declare(Point[4][5])
    i: cython.int
    j: cython.int
    for i in range(4):
        for j in range(5):
            g[i][j].x = i + n
            g[i][j].y = j * n
    return g[3][4].x * 100.0 + g[2][n].y


def out_of_range(i: cython.int) -> cython.double:
    ps = cython.declare(Point[3])
    ps[i].x = 1.0
    return ps[i].x


def swap_xy(a: cython.double, b: cython.double) -> cython.double:
    p = cython.declare(Point)
    q = cython.declare(Point)
    p.x = a
    p.y = b
    q = Point(x=p.y, y=p.x)
    return q.x - q.y
"""


def _both(tmp_path, src, name="structs_mod"):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(src))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok, b.describe()
    py = import_source(name + "_py", path)
    nat = import_extension(name, tmp_path / "out" / (name + SUFFIX))
    return b, py, nat


def test_structs_match_cpython_with_the_shim(tmp_path):
    b, py, nat = _both(tmp_path, STRUCTS)
    assert b.counts() == (6, 0), b.describe()
    cases = {
        "build": [(1.5, 2.25), (-3.0, 0.0)],
        "fields": [(0,), (1,), (3,), (7,)],
        "centroid": [(1,), (2,), (10,), (100,)],
        "grid": [(0,), (3,), (4,)],
        "out_of_range": [(0,), (2,), (-1,), (3,), (-4,)],
        "swap_xy": [(1.0, 2.0), (5.5, -1.0)],
    }
    for fn, arglist in cases.items():
        for args in arglist:
            want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
            assert want.ok == got.ok, (fn, args, want, got)
            if want.ok:
                assert same_value(want.value, got.value), (fn, args, want, got)
            else:
                assert want.exc_type is got.exc_type, (fn, args, want, got)


def test_a_struct_copy_is_a_value(tmp_path):
    # Cython copies a struct on assignment; the shim's instances alias, so
    # this one is checked against Cython's answer, not the shim's.
    _, _, nat = _both(tmp_path, """
        import cython
        Point = cython.struct(x=cython.double, y=cython.double)

        def copy_then_change(a: cython.double) -> cython.double:
            p: Point = Point(x=a, y=2.0)
            q: Point = p
            q.x = 100.0
            return p.x
    """, "struct_copy")
    assert nat.copy_then_change(3.0) == 3.0


def test_struct_errors_are_located(tmp_path):
    path = tmp_path / "bad_field.py"
    path.write_text(textwrap.dedent("""
        import cython
        Point = cython.struct(x=cython.double, y=cython.double)

        def f(a: cython.double) -> cython.double:
            p: Point = Point(x=a, y=a)
            return p.z
    """))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert not b.ok
    assert "error: struct `Point` has no field `z`" in b.stderr and "bad_field.py:7:12" in b.stderr, b.describe()
    path = tmp_path / "bad_copy.py"
    path.write_text(textwrap.dedent("""
        import cython
        Point = cython.struct(x=cython.double, y=cython.double)
        Pair = cython.struct(x=cython.double, y=cython.double)

        def f(a: cython.double) -> cython.double:
            p: Point = Point(x=a, y=a)
            q: Pair
            q = p
            return q.x
    """))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert not b.ok
    assert "error: cannot assign a `Point` to a `Pair`" in b.stderr and "bad_copy.py:9:9" in b.stderr, b.describe()


def test_what_stays_python_still_runs(tmp_path):
    # A struct used whole is a dict and unions compile (tests/test_struct_dict.py);
    # an array of structs used whole and the address of a struct local do not.
    b, py, nat = _both(tmp_path, """
        import cython
        Point = cython.struct(x=cython.double, y=cython.double)

        def whole(a: cython.double):
            ps = cython.declare(Point[2])
            ps[0].x = a
            return ps

        def address(a: cython.double) -> cython.double:
            p: Point = Point(x=a, y=a)
            q = cython.address(p)
            return q.x
    """, "struct_left")
    assert b.counts() == (0, 2), b.describe()
    assert "uses the array of structs `ps` whole" in b.stderr
    assert "takes the address of the struct `p`" in b.stderr
    assert nat.whole(2.0)[0].x == py.whole(2.0)[0].x == 2.0
    assert nat.address(4.0) == py.address(4.0) == 4.0


def test_the_particles_example(tmp_path):
    import shutil
    from conftest import ROOT
    shutil.copy(ROOT / "examples" / "particles_c.py", tmp_path / "particles_c.py")
    b = run_compiler(tmp_path / "particles_c.py", outdir=tmp_path / "out")
    assert b.ok and b.counts() == (1, 0), b.describe()
    py = import_source("particles_c_py", tmp_path / "particles_c.py")
    nat = import_extension("particles_c", tmp_path / "out" / ("particles_c" + SUFFIX))
    for args in [(1, 10, 0.01), (100, 50, 0.02), (5000, 3, 0.1)]:
        assert same_value(py.simulate(*args), nat.simulate(*args)), args
    for bad in (0, -3):
        want, got = call(py.simulate, (bad, 1, 0.1)), call(nat.simulate, (bad, 1, 0.1))
        assert not want.ok and not got.ok and want.exc_type is got.exc_type is ValueError and want.message == got.message


IN_C_MEMORY = """
import cython
from cython.cimports.libc.stdlib import malloc, free

Body = cython.struct(x=cython.double, v=cython.float, mass=cython.int, tag=cython.char)


def bodies(n: cython.int, steps: cython.int) -> cython.double:
    bs: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(n * cython.sizeof(Body)))
    if not bs:
        raise MemoryError()
    i: cython.int
    k: cython.int
    for i in range(n):
        bs[i].x = i * 0.5
        bs[i].v = (i % 5) - 2.0
        bs[i].mass = i + 1
        bs[i].tag = i % 100
    for k in range(steps):
        for i in range(n):
            bs[i].x += bs[i].v * 0.25
            bs[i].mass += 1
    t: cython.double = 0.0
    for i in range(n):
        t += bs[i].x * bs[i].mass + bs[i].tag
    free(bs)
    return t


def size() -> cython.long:
    return cython.sizeof(Body)
"""


def test_structs_in_c_memory_match_the_shim(tmp_path):
    b, py, nat = _both(tmp_path, IN_C_MEMORY, "structs_c_memory")
    assert b.counts() == (2, 0), b.describe()
    assert nat.size() == py.size() == 24
    for args in [(1, 1), (10, 3), (1000, 20)]:
        assert same_value(py.bodies(*args), nat.bodies(*args)), args


def test_structs_in_c_memory_errors_and_what_stays_python(tmp_path):
    path = tmp_path / "bad_pointer_field.py"
    path.write_text(textwrap.dedent("""
        import cython
        from cython.cimports.libc.stdlib import malloc
        Point = cython.struct(x=cython.double, y=cython.double)

        def f(n: cython.int) -> cython.double:
            ps: cython.pointer(Point) = cython.cast(cython.pointer(Point), malloc(n * cython.sizeof(Point)))
            return ps[0].z
    """))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert not b.ok
    assert "error: struct `Point` has no field `z`" in b.stderr and "bad_pointer_field.py:8:12" in b.stderr, b.describe()
    b, py, nat = _both(tmp_path, """
        import cython
        from cython.cimports.libc.stdlib import malloc, free
        Point = cython.struct(x=cython.double, y=cython.double)

        def moved(n: cython.int) -> cython.double:
            ps: cython.pointer(Point) = cython.cast(cython.pointer(Point), malloc(n * cython.sizeof(Point)))
            ps[1].x = 2.0
            q: cython.pointer(Point) = ps + 1
            return q[0].x

        def whole(n: cython.int) -> cython.double:
            ps: cython.pointer(Point) = cython.cast(cython.pointer(Point), malloc(n * cython.sizeof(Point)))
            ps[0] = Point(x=1.0, y=2.0)
            return ps[0].x
    """, "struct_pointer_left")
    # Moving a pointer to structs compiles (by whole structs, as in C), and
    # so does storing a whole struct into C memory (tests/test_struct_memory.py).
    assert b.counts() == (2, 0), b.describe()
    assert nat.whole(2) == py.whole(2) == 1.0
    assert nat.moved(3) == py.moved(3) == 2.0


STRUCT_POINTERS = """
import cython
from cython.cimports.libc.stdlib import malloc, free

Vec = cython.struct(x=cython.double, y=cython.double, tag=cython.short)
Pair = cython.struct(a=cython.pointer(Vec), b=cython.p_void, k=cython.int)


def arrow(n: cython.int) -> cython.double:
    vs: cython.pointer(Vec) = cython.cast(cython.pointer(Vec), malloc(n * cython.sizeof(Vec)))
    i: cython.int
    for i in range(n):
        vs[i].x = i * 0.5
        vs[i].y = -i
        vs[i].tag = i * 3
    q: cython.pointer(Vec) = vs + 2
    s: cython.double = q.x + q[0].y * 10 + (q - 1).x * 100 + q[1].tag * 1000
    q.x += 7.25
    s += vs[2].x + (q - vs) * 10000 + (vs + n - 1).tag
    free(vs)
    return s


def fields_of_pointers(n: cython.int) -> cython.double:
    vs: cython.pointer(Vec) = cython.cast(cython.pointer(Vec), malloc(2 * cython.sizeof(Vec)))
    pr: cython.pointer(Pair) = cython.cast(cython.pointer(Pair), malloc(cython.sizeof(Pair)))
    vs[0].x = n
    vs[1].x = n * 2.5
    pr.a = vs + 1
    pr.b = vs
    pr.k = 4
    first: cython.pointer(Vec) = cython.cast(cython.pointer(Vec), pr.b)
    r: cython.double = pr.a.x * 100 + first.x + pr.k + cython.sizeof(Pair) * 1000
    if pr.a and pr.b != cython.NULL and pr.k > 0:
        r += 0.5
    pr.a = cython.NULL
    if not pr.a or pr.k < 0:
        r += 0.25
    free(pr)
    free(vs)
    return r


def through_address(n: cython.int) -> cython.double:
    vs: cython.pointer(Vec) = cython.cast(cython.pointer(Vec), malloc(3 * cython.sizeof(Vec)))
    px: cython.p_double = cython.address(vs[1].x)
    py: cython.p_double = cython.address(vs.y)
    pt: cython.p_short = cython.address(vs[2].tag)
    px[0] = n * 1.5
    py[0] = n - 1.0
    pt[0] = n
    v1: cython.pointer(Vec) = cython.address(vs[1])
    r: cython.double = vs[1].x * 100 + vs[0].y + vs[2].tag * 10000 + v1.x
    free(vs)
    return r


def void_slots(n: cython.int) -> cython.long:
    slots: cython.pp_void = cython.cast(cython.pp_void, malloc(4 * cython.sizeof(cython.p_void)))
    data: cython.p_long = cython.cast(cython.p_long, malloc(4 * cython.sizeof(cython.long)))
    i: cython.int
    for i in range(4):
        data[i] = (i + 1) * n
        slots[i] = data + (3 - i)
    t: cython.long = 0
    for i in range(4):
        t = t * 10 + cython.cast(cython.p_long, slots[i])[0]
    free(slots)
    free(data)
    return t
"""


def test_pointers_to_structs_match_the_shim(tmp_path):
    """`p.x` (C's `p->x`), `p[0].x`, `(q - 1).x`, `pr.a.x` through a field
    of pointer type, pointer fields (`void*` and `cython.pointer(S)`) stored
    and loaded, struct pointer arithmetic, `void**` slots, pointers in
    `and`/`or` conditions."""
    b, py, nat = _both(tmp_path, STRUCT_POINTERS, "struct_ptrs")
    assert b.counts() == (4, 0), b.describe()
    for fn in ["arrow", "fields_of_pointers", "void_slots"]:
        for n in (4, 5, 7, 40):
            want, got = call(getattr(py, fn), (n,)), call(getattr(nat, fn), (n,))
            assert want.ok and got.ok and same_value(want.value, got.value), (fn, n, want, got)
    # Values Cython 3.3.1 computes for the same file (`cythonize -i -3`).
    assert [nat.arrow(n) for n in (5, 7)] == [29051.25, 29057.25]
    assert [nat.fields_of_pointers(n) for n in (3, 5, 7)] == [24757.75, 25259.75, 25761.75]
    assert [nat.void_slots(n) for n in (3, 5, 7)] == [12963, 21605, 30247]


def test_address_of_fields_in_c_memory_writes_through(tmp_path):
    """`cython.address(ps[i].f)`/`cython.address(ps.f)`/`cython.address(ps[i])`
    are addresses into the block, so stores through them land there, as in
    Cython (the shim's `address` copies the value, so this compares with the
    numbers Cython 3.3.1 gives)."""
    b, py, nat = _both(tmp_path, STRUCT_POINTERS, "struct_ptrs_addr")
    assert b.counts() == (4, 0), b.describe()
    assert [nat.through_address(n) for n in (3, 5, 7)] == [30456.5, 50761.5, 71066.5]
    assert nat.through_address(-2) == -2 * 1.5 * 100 - 3.0 - 20000 - 3.0


def test_pointers_to_structs_do_not_leak(tmp_path):
    import sys
    from conftest import growth
    b, py, nat = _both(tmp_path, STRUCT_POINTERS, "struct_ptrs_leak")
    assert b.counts() == (4, 0), b.describe()
    n = 6
    assert sys.getrefcount(n) == sys.getrefcount(n)
    assert growth(lambda: (nat.arrow(n), nat.fields_of_pointers(n), nat.void_slots(n))) < 50


def test_the_linked_list_example(tmp_path):
    import shutil
    from conftest import ROOT
    shutil.copy(ROOT / "examples" / "linked_list_c.py", tmp_path / "linked_list_c.py")
    b = run_compiler(tmp_path / "linked_list_c.py", outdir=tmp_path / "out")
    # `checksum` and the five `@cfunc`s handing `Node*`s to each other.
    assert b.ok and b.counts() == (6, 0), b.describe()
    py = import_source("linked_list_c_py", tmp_path / "linked_list_c.py")
    nat = import_extension("linked_list_c", tmp_path / "out" / ("linked_list_c" + SUFFIX))
    for args in [(0, 1), (1, 1), (1, 2), (7, 2), (10, 1), (100, 3), (1000, 3), (2000, 7), (5000, 3), (-5, 2)]:
        want, got = call(py.checksum, args), call(nat.checksum, args)
        assert want.ok and got.ok and want.value == got.value, (args, want, got)
    # What Cython 3.3.1 gives for the same file.
    assert nat.checksum(1000, 3) == 774423990 and nat.checksum(7, 2) == 3000100
    for bad in (0, -1):
        want, got = call(py.checksum, (5, bad)), call(nat.checksum, (5, bad))
        assert not want.ok and not got.ok and want.exc_type is got.exc_type is ValueError and want.message == got.message
    from conftest import growth
    assert growth(lambda: nat.checksum(50, 3)) < 50


def test_struct_pointer_errors_are_located(tmp_path):
    head = "import cython\nfrom cython.cimports.libc.stdlib import malloc, free\n\nNode = cython.struct(value=cython.int, next=cython.p_void)\nOther = cython.struct(a=cython.int)\n\n"
    for name, body, message, at in [
        ("no_field", "def f() -> cython.int:\n    p: cython.pointer(Node) = cython.cast(cython.pointer(Node), malloc(16))\n    return p.nope\n",
         "struct `Node` has no field `nope`", ":9:12"),
        ("mixed_diff", "def f() -> cython.long:\n    p: cython.pointer(Node) = cython.NULL\n    q: cython.pointer(Other) = cython.NULL\n    return p - q\n",
         "cannot subtract a pointer to `Other` from a pointer to `Node`", ":10:12"),
        ("times", "def f() -> cython.long:\n    p: cython.pointer(Node) = cython.NULL\n    q = p * 2\n    return 0\n",
         "`*` is not defined on pointers to structs", ":9:9"),
    ]:
        path = tmp_path / (name + ".py")
        path.write_text(head + body)
        b = run_compiler(path, outdir=tmp_path / "out")
        assert not b.ok, b.describe()
        assert "error: " + message in b.stderr and name + ".py" + at in b.stderr, b.describe()


def test_address_of_a_struct_local_stays_python(tmp_path):
    b, py, nat = _both(tmp_path, """
import cython

Point = cython.struct(x=cython.double, y=cython.double)


def addr(a: cython.double) -> cython.double:
    p: Point = Point(x=a, y=a)
    q: cython.pointer(Point) = cython.address(p)
    return q.x
""", "struct_addr_left")
    assert b.counts() == (0, 1), b.describe()
    assert "it takes the address of the struct `p`" in b.stderr, b.describe()
    assert nat.addr(2.5) == py.addr(2.5) == 2.5


def test_fields_kept_in_locals_through_a_loop_body(tmp_path):
    # A `for i` body touching only `ps[i]`'s fields reads each field once
    # and writes through; another pointer, a call or a nested loop in the
    # body keeps every read from memory. Both must give C's (and the
    # shim's) answers: stores in the order written, aliases seen.
    b, py, nat = _both(tmp_path, """
        import cython
        from cython.cimports.libc.stdlib import malloc, free
        Point = cython.struct(x=cython.double, y=cython.double, n=cython.int)

        def run(n: cython.int, k: cython.double) -> cython.double:
            ps: cython.pointer(Point) = cython.cast(cython.pointer(Point), malloc(n * cython.sizeof(Point)))
            qs: cython.pointer(Point) = ps
            i: cython.int
            acc: cython.double = 0.0
            for i in range(n):
                ps[i].x = i * k
                ps[i].y = ps[i].x + 1.0
                ps[i].n = i
            for i in range(n):
                ps[i].x += ps[i].y
                if ps[i].x > 5.0:
                    ps[i].y = -ps[i].x
                    continue
                ps[i].n += 1
                if ps[i].n > 6:
                    break
                acc += ps[i].y * ps[i].n
            for i in range(n):
                ps[i].x = 1.0
                qs[i].x = 2.0
                acc += ps[i].x
            for i in range(n):
                acc += ps[i].x + ps[i].y + ps[i].n
            free(ps)
            return acc
    """, "struct_cache")
    assert b.counts() == (1, 0), b.describe()
    for args in [(1, 0.5), (5, 0.5), (10, 2.0), (10, -1.0)]:
        assert same_value(py.run(*args), nat.run(*args)), args
