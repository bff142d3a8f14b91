"""C structs in compiled functions (issue 14): `cython.struct(...)` bound at
module level, struct locals and C arrays of structs, field reads and writes,
whole-struct copies and `S(f=...)` builds, checked against CPython running
the same file with the shim; Cython's value semantics where the shim aliases;
the located errors, and what stays Python (a struct used whole, unions)."""

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
    b, py, nat = _both(tmp_path, """
        import cython
        Point = cython.struct(x=cython.double, y=cython.double)
        Num = cython.union(i=cython.int, d=cython.double)

        def whole(a: cython.double):
            p: Point = Point(x=a, y=a)
            return p

        def as_union(a: cython.int) -> cython.int:
            u: Num
            u = Num(i=a)
            return u.i
    """, "struct_left")
    assert b.counts() == (0, 2), b.describe()
    assert "uses the struct `p` whole" in b.stderr
    assert "the union `Num` is not compiled natively yet" in b.stderr
    assert nat.whole(2.0).x == py.whole(2.0).x == 2.0
    assert nat.as_union(4) == 4


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
    assert b.counts() == (0, 2), b.describe()
    assert "it moves a pointer to structs" in b.stderr and "it uses a struct in C memory whole" in b.stderr, b.describe()
    assert nat.whole(2) == py.whole(2) == 1.0
