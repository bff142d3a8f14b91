"""Structs holding structs (and unions) in C memory (issue 14): a
`malloc`ed block of `Body` structs each holding two `Vec3`s, read and
written as `ps[i].pos.x` at C's nested offsets, copied whole to and from
struct locals (`v = ps[i].vel`, `ps[i] = b`) and built in place
(`ps[i].vel = Vec3(...)`, values reading the block evaluated first),
`cython.address(ps[i].pos)`, converted to dicts where they meet objects;
unions in C memory. Checked against CPython running the same file with the
shim where the shim models it, else against the numbers Cython 3.3.1
gives for the same file (`cythonize -i -3`); C arrays of unions; no
leaks; what stays Python says where and why."""

import sys
import sysconfig
import textwrap

from conftest import call, growth, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

NESTED = 'import cython\nfrom cython.cimports.libc.stdlib import malloc, free\n\nVec3 = cython.struct(x=cython.double, y=cython.double, z=cython.double)\nParticle = cython.struct(pos=Vec3, vel=Vec3, mass=cython.float, id=cython.int)\n\n\ndef step(n: cython.int, steps: cython.int, dt: cython.double) -> cython.double:\n    ps: cython.pointer(Particle) = cython.cast(cython.pointer(Particle), malloc(n * cython.sizeof(Particle)))\n    if not ps:\n        raise MemoryError()\n    i: cython.int\n    k: cython.int\n    for i in range(n):\n        ps[i].pos.x = i * 0.5\n        ps[i].pos.y = 1.0 + i\n        ps[i].pos.z = -i * 0.25\n        ps[i].vel.x = (i % 7) - 3.0\n        ps[i].vel.y = (i % 5) - 2.0\n        ps[i].vel.z = (i % 3) - 1.0\n        ps[i].mass = 1.0 + i % 4\n        ps[i].id = i\n    for k in range(steps):\n        for i in range(n):\n            ps[i].vel.y -= 9.81 * dt\n            ps[i].pos.x += ps[i].vel.x * dt\n            ps[i].pos.y += ps[i].vel.y * dt\n            ps[i].pos.z += ps[i].vel.z * dt\n    t: cython.double = 0.0\n    for i in range(n):\n        t += ps[i].mass * (ps[i].pos.x + ps[i].pos.y * 2.0 + ps[i].pos.z * 3.0) + ps[i].id\n    free(ps)\n    return t\n\n\ndef whole(n: cython.int) -> cython.double:\n    ps: cython.pointer(Particle) = cython.cast(cython.pointer(Particle), malloc(n * cython.sizeof(Particle)))\n    p: Vec3 = Vec3(x=1.0, y=2.0, z=3.0)\n    i: cython.int\n    for i in range(n):\n        p.x = i\n        ps[i].pos = p\n        ps[i].vel = Vec3(x=p.y, y=p.z, z=i * 2.0)\n        ps[i].mass = 0.5\n        ps[i].id = -i\n    q: cython.pointer(Vec3) = cython.address(ps[n - 1].pos)\n    q.y += 100.0\n    q[0].z = 7.0\n    r: Vec3 = ps[n - 1].pos\n    t: cython.double = r.x + r.y * 10.0 + r.z * 100.0\n    a: Particle = ps[0]\n    ps[n - 1] = a\n    t += ps[n - 1].pos.x + ps[n - 1].vel.z + a.vel.z + ps[n - 1].id\n    t += cython.sizeof(Particle) * 1000\n    free(ps)\n    return t\n'

MORE = 'import cython\nfrom cython.cimports.libc.stdlib import malloc, calloc, free\n\nInner = cython.struct(a=cython.char, b=cython.double)\nOuter = cython.struct(c=cython.char, inner=Inner, d=cython.short)\nVec3 = cython.struct(x=cython.double, y=cython.double, z=cython.double)\nBody = cython.struct(pos=Vec3, vel=Vec3, mass=cython.float)\nWord = cython.union(d=cython.double, i=cython.longlong)\nTagged = cython.struct(kind=cython.int, w=Word)\n\n\ndef offsets() -> tuple:\n    os: cython.pointer(Outer) = cython.cast(cython.pointer(Outer), calloc(2, cython.sizeof(Outer)))\n    base: cython.p_char = cython.cast(cython.p_char, os)\n    inner_at: cython.p_char = cython.cast(cython.p_char, cython.address(os[1].inner))\n    b_at: cython.p_char = cython.cast(cython.p_char, cython.address(os[1].inner.b))\n    d_at: cython.p_char = cython.cast(cython.p_char, cython.address(os[1].d))\n    r = (cython.sizeof(Outer), cython.sizeof(Inner), inner_at - base, b_at - base, d_at - base)\n    free(os)\n    return r\n\n\ndef as_dict(k: cython.double):\n    bs: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(2 * cython.sizeof(Body)))\n    bs[1].pos = Vec3(x=k, y=2 * k, z=3 * k)\n    bs[1].vel = bs[1].pos\n    bs[1].vel.z = -1.0\n    bs[1].mass = 0.5\n    bs.pos = bs[1].vel\n    r = [bs[1], bs.pos, (bs + 1).vel]\n    free(bs)\n    return r\n\n\ndef swap_build(k: cython.double) -> cython.double:\n    bs: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(3 * cython.sizeof(Body)))\n    i: cython.int\n    for i in range(3):\n        bs[i].vel = Vec3(x=i + k, y=i * k, z=i - k)\n        bs[i].pos = Vec3(x=0.0, y=0.0, z=0.0)\n        bs[i].mass = i\n    for i in range(3):\n        bs[i].vel = Vec3(x=bs[i].vel.y, y=bs[i].vel.x, z=bs[i].vel.z + bs[i].vel.x)\n        bs[i].pos.x += bs[i].vel.x\n        bs[i].pos.y += bs[i].vel.y\n    t: cython.double = 0.0\n    v: Vec3\n    for i in range(3):\n        v = bs[i].vel\n        t += (bs[i].pos.x * 3.0 + bs[i].pos.y) * 10.0 + v.z + bs[i].mass * 100.0\n    free(bs)\n    return t\n\n\ndef copies(n: cython.int) -> cython.double:\n    bs: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(n * cython.sizeof(Body)))\n    b = cython.declare(Body)\n    b.pos = Vec3(x=1.0, y=2.0, z=3.0)\n    b.vel = Vec3(x=-1.0, y=-2.0, z=-3.0)\n    b.mass = 2.0\n    i: cython.int\n    for i in range(n):\n        bs[i] = b\n        b.pos.x += 1.0\n    c: Body = bs[n - 1]\n    c.mass = 9.0\n    q: cython.pointer(Vec3) = cython.address(bs[0].vel)\n    q.x = 100.0\n    q[0].y += 0.5\n    t: cython.double = c.pos.x + c.mass + bs[n - 1].mass * 10.0 + bs[0].vel.x + bs[0].vel.y\n    free(bs)\n    return t\n\n\ndef unions(x: cython.double) -> cython.longlong:\n    ts: cython.pointer(Tagged) = cython.cast(cython.pointer(Tagged), malloc(2 * cython.sizeof(Tagged)))\n    ts[1].kind = 7\n    ts[1].w.d = x\n    r: cython.longlong = ts[1].w.i + ts[1].kind + cython.sizeof(Tagged) * 1000\n    free(ts)\n    return r\n\n\ndef union_array(n: cython.int) -> cython.double:\n    ws: cython.pointer(Word) = cython.cast(cython.pointer(Word), malloc(n * cython.sizeof(Word)))\n    i: cython.int\n    for i in range(n):\n        ws[i].d = i * 0.5\n    t: cython.double = 0.0\n    for i in range(n):\n        t += ws[i].d\n    ws[0].i = 0\n    t += ws[0].d\n    free(ws)\n    return t\n'


UNION_ARRAYS = 'import cython\n\nWord = cython.union(d=cython.double, i=cython.longlong, f=cython.float)\n\n\ndef fill(n: cython.int) -> cython.double:\n    ws = cython.declare(Word[8])\n    i: cython.int\n    for i in range(n):\n        ws[i].d = i * 1.5\n    t: cython.double = 0.0\n    for i in range(n):\n        t += ws[i].d\n    return t\n\n\ndef bits(x: cython.double) -> cython.longlong:\n    ws = cython.declare(Word[3])\n    ws[1].d = x\n    w = cython.declare(Word)\n    w = ws[1]\n    ws[2] = w\n    return ws[2].i\n\n\ndef grid(n: cython.int) -> cython.double:\n    g = cython.declare(Word[3][4])\n    i: cython.int\n    j: cython.int\n    for i in range(3):\n        for j in range(4):\n            g[i][j].f = i * 10 + j + n\n    return g[2][3].f + g[0][1].f\n\n\ndef out_of_range(i: cython.int) -> cython.double:\n    ws = cython.declare(Word[3])\n    ws[i].d = 1.0\n    return ws[i].d\n'


BY_VALUE = 'import cython\nfrom cython.cimports.libc.stdlib import malloc, free\n\nVec3 = cython.struct(x=cython.double, y=cython.double, z=cython.double)\nBody = cython.struct(pos=Vec3, vel=Vec3, mass=cython.double)\n\n\n@cython.cfunc\ndef add(a: Vec3, b: Vec3, k: cython.double) -> Vec3:\n    return Vec3(x=a.x + k * b.x, y=a.y + k * b.y, z=a.z + k * b.z)\n\n\n@cython.cfunc\ndef first_pos(bs: cython.pointer(Body)) -> Vec3:\n    return bs[1].pos\n\n\ndef run(n: cython.int, dt: cython.double) -> cython.double:\n    bs: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(n * cython.sizeof(Body)))\n    i: cython.int\n    for i in range(n):\n        bs[i].pos = Vec3(x=i, y=2.0 * i, z=-1.0)\n        bs[i].vel = Vec3(x=1.0, y=0.5, z=i * 0.25)\n        bs[i].mass = 1.0\n    for i in range(n):\n        bs[i].pos = add(bs[i].pos, bs[i].vel, dt)\n    p: Vec3 = first_pos(bs)\n    t: cython.double = p.x + p.y + p.z\n    for i in range(n):\n        t += bs[i].pos.x * 100.0 + bs[i].pos.y * 10.0 + bs[i].pos.z\n    free(bs)\n    return t\n'

METHODS = 'import cython\n\nPoint = cython.struct(x=cython.double, y=cython.double)\n\n\n@cython.cclass\nclass Shape:\n    k: cython.double\n\n    def __init__(self, k: cython.double):\n        self.k = k\n\n    def scale(self, p: Point) -> Point:\n        q: Point = Point(x=p.x * self.k, y=p.y * self.k)\n        return q\n\n    @cython.ccall\n    def norm(self, p: Point) -> cython.double:\n        return p.x * p.x + p.y * p.y\n\n    def area(self, p: Point) -> cython.double:\n        q: Point = self.scale(p)\n        return q.x * q.y + self.norm(q)\n\n    def as_point(self) -> Point:\n        return Point(x=self.k, y=-self.k)\n'

METHODS_CFUNC = 'import cython\n\nPoint = cython.struct(x=cython.double, y=cython.double)\n\n\n@cython.cclass\nclass Shape:\n    k: cython.double\n\n    def __init__(self, k: cython.double):\n        self.k = k\n\n    @cython.cfunc\n    def scale(self, p: Point) -> Point:\n        q: Point = Point(x=p.x * self.k, y=p.y * self.k)\n        return q\n\n    @cython.ccall\n    def norm(self, p: Point) -> cython.double:\n        return p.x * p.x + p.y * p.y\n\n    def area(self, p: Point) -> cython.double:\n        q: Point = self.scale(p)\n        return q.x * q.y + self.norm(q)\n\n    def as_point(self) -> Point:\n        return Point(x=self.k, y=-self.k)\n'


def _both(tmp_path, src, name):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(src))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok, b.describe()
    py = import_source(name + "_py", path)
    nat = import_extension(name, tmp_path / "out" / (name + SUFFIX))
    return b, py, nat


def test_nested_structs_in_c_memory_match_the_shim_and_cython(tmp_path):
    b, py, nat = _both(tmp_path, NESTED, "nested_mem")
    assert b.counts() == (2, 0), b.describe()
    for args in [(1, 1, 0.1), (10, 3, 0.1), (100, 20, 0.01), (1000, 5, 0.02)]:
        want, got = call(py.step, args), call(nat.step, args)
        assert want.ok and got.ok and same_value(want.value, got.value), (args, want, got)
    for n in (1, 2, 3, 10, 50):
        want, got = call(py.whole, (n,)), call(nat.whole, (n,))
        assert want.ok and got.ok and same_value(want.value, got.value), (n, want, got)
    # What Cython 3.3.1 gives for the same file.
    assert nat.step(10, 3, 0.1) == 242.2244 and nat.step(100, 20, 0.01) == 27217.394999999993
    assert (nat.whole(3), nat.whole(10)) == (57722.0, 57729.0)
    assert growth(lambda: (nat.step(20, 2, 0.1), nat.whole(4))) < 50


def test_copies_builds_and_unions_in_c_memory(tmp_path):
    b, py, nat = _both(tmp_path, MORE, "nested_more")
    assert b.counts() == (6, 0), b.describe()
    # `c: Body = bs[n - 1]` is a copy in C; the shim's structs alias, so
    # `copies` is checked against Cython's numbers only.
    for fn, arglist in {"swap_build": [(0.5,), (-2.0,), (3.25,)]}.items():
        for args in arglist:
            want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
            assert want.ok and got.ok and same_value(want.value, got.value), (fn, args, want, got)
    # The numbers Cython 3.3.1 gives (C's layout: `Outer` pads `c` to
    # `Inner`'s double; the shim cannot take byte offsets nor read a union
    # through another field, and returns structs where Cython makes dicts).
    assert nat.offsets() == (32, 16, 40, 48, 56)
    assert nat.as_dict(1.5) == [
        {"pos": {"x": 1.5, "y": 3.0, "z": 4.5}, "vel": {"x": 1.5, "y": 3.0, "z": -1.0}, "mass": 0.5},
        {"x": 1.5, "y": 3.0, "z": -1.0}, {"x": 1.5, "y": 3.0, "z": -1.0}]
    assert (nat.swap_build(0.5), nat.swap_build(-2.0)) == (396.0, 96.0)
    assert (nat.copies(1), nat.copies(5)) == (128.5, 132.5)
    assert (nat.unions(1.0), nat.union_array(5)) == (4607182418800033415, 5.0)
    assert growth(lambda: (nat.as_dict(2.0), nat.copies(3), nat.unions(2.0), nat.union_array(3))) < 50
    x = 2.5
    before = sys.getrefcount(x)
    nat.as_dict(x)
    assert sys.getrefcount(x) == before


def test_errors_and_what_stays_python_are_located(tmp_path):
    head = ("import cython\nfrom cython.cimports.libc.stdlib import malloc, free\n\n"
            "Vec3 = cython.struct(x=cython.double, y=cython.double, z=cython.double)\n"
            "Body = cython.struct(pos=Vec3, vel=Vec3, mass=cython.float)\n\n")
    path = tmp_path / "bad_inner.py"
    path.write_text(head + "def f(n: cython.int) -> cython.double:\n"
                    "    bs: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(n * cython.sizeof(Body)))\n"
                    "    return bs[0].pos.w\n")
    b = run_compiler(path, outdir=tmp_path / "out")
    assert not b.ok
    assert "error: struct `Vec3` has no field `w`" in b.stderr and "bad_inner.py:9:12" in b.stderr, b.describe()
    # A whole struct at an index that reads memory or calls stays Python,
    # with the line and the reason; the shim runs it.
    b, py, nat = _both(tmp_path, head + textwrap.dedent("""
        def pick(n: cython.int) -> cython.double:
            bs: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(2 * cython.sizeof(Body)))
            ks: cython.p_int = cython.cast(cython.p_int, malloc(2 * cython.sizeof(cython.int)))
            ks[0] = 1
            bs[1].pos = Vec3(x=n, y=2.0, z=3.0)
            v: Vec3 = bs[ks[0]].pos
            free(ks)
            free(bs)
            return v.x + v.y
    """), "struct_mem_left")
    assert b.counts() == (0, 1), b.describe()
    assert "struct_mem_left.py:13" in b.stderr and "at a pointer or index with calls or memory reads in it" in b.stderr, b.describe()
    assert nat.pick(4) == py.pick(4) == 6.0


def test_c_arrays_of_unions(tmp_path):
    # `ws: Word[n]` is one C `long long` array with the union's words as its
    # last axis; `ws[i].d` a cast load or store of the element's first word.
    b, py, nat = _both(tmp_path, UNION_ARRAYS, "union_arrays")
    assert b.counts() == (4, 0), b.describe()
    cases = {"fill": [(0,), (1,), (8,)], "grid": [(0,), (5,), (-3,)], "out_of_range": [(0,), (2,), (-1,), (3,), (-4,)]}
    for fn, arglist in cases.items():
        for args in arglist:
            want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
            assert want.ok == got.ok, (fn, args, want, got)
            if want.ok:
                assert same_value(want.value, got.value), (fn, args, want, got)
            else:
                assert want.exc_type is got.exc_type is IndexError, (fn, args, want, got)
    # A union copied into and out of an array reads its bits through another
    # field, as C (and Cython 3.3.1) does; the shim does not model that.
    assert nat.bits(1.0) == 4607182418800017408 and nat.bits(-2.5) == -4610560118520545280


def test_structs_in_c_memory_passed_by_value(tmp_path):
    # `add(bs[i].pos, bs[i].vel, dt)` passes each struct as its fields read
    # from the block; its result and `return bs[1].pos` are stored or read
    # field by field.
    b, py, nat = _both(tmp_path, BY_VALUE, "struct_mem_by_value")
    assert b.counts() == (3, 0), b.describe()
    for args in [(2, 0.5), (10, 0.1), (3, -1.0)]:
        want, got = call(py.run, args), call(nat.run, args)
        assert want.ok and got.ok and same_value(want.value, got.value), (args, want, got)
    assert (nat.run(2, 0.5), nat.run(10, 0.1)) == (226.0, 5498.299999999999)  # Cython 3.3.1's
    assert growth(lambda: nat.run(5, 0.1)) < 50


def test_methods_with_struct_parameters(tmp_path):
    # `def` and `@ccall` methods take and return structs as mappings/dicts
    # (Cython's conversions and messages); a `@cfunc` method passing one by
    # value leaves its class to Python, saying so.
    b, py, nat = _both(tmp_path, METHODS, "struct_methods")
    assert b.counts() == (7, 0), b.describe()
    s, t = py.Shape(2.0), nat.Shape(2.0)
    assert nat.Shape(2.0).scale({"x": 1.0, "y": 2.0}) == {"x": 2.0, "y": 4.0}
    assert (t.norm({"x": 3, "y": 4}), t.area({"x": 1.0, "y": 0.5}), t.as_point()) == (25.0, 7.0, {"x": 2.0, "y": -2.0})
    for bad, message in (({"x": 1.0}, "No value specified for struct attribute 'y'"), (None, "Expected a mapping, got NoneType")):
        got = call(t.norm, (bad,))
        assert not got.ok and got.message == message, got
    b, py, nat = _both(tmp_path, METHODS_CFUNC, "struct_methods_cfunc")
    assert b.counts()[0] == 0, b.describe()
    assert "a `@cfunc` method taking a struct by value (only module-level `@cfunc`s pass structs by value yet" in b.stderr, b.describe()
    assert "(line 14)" in b.stderr, b.describe()
    # The class runs with the shim, where a struct is the shim's struct.
    assert nat.Shape(2.0).area(nat.Point(x=1.0, y=0.5)) == py.Shape(2.0).area(py.Point(x=1.0, y=0.5)) == 7.0


GEOM_PXD = 'cdef struct Vec3:\n    double x, y, z\n\ncdef struct Body:\n    Vec3 pos\n    Vec3 vel\n    float mass\n    int id\n'

PXD_NESTED = 'import cython\nfrom cython.cimports.libc.stdlib import malloc, free\nfrom cython.cimports.geom import Vec3, Body\n\n\ndef run(n: cython.int, dt: cython.double):\n    bs: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(n * cython.sizeof(Body)))\n    i: cython.int\n    for i in range(n):\n        bs[i].pos = Vec3(x=i, y=-i, z=0.5 * i)\n        bs[i].vel = Vec3(x=1.0, y=2.0, z=3.0)\n        bs[i].mass = 1.5\n        bs[i].id = i\n    for i in range(n):\n        bs[i].pos.x += bs[i].vel.x * dt\n        bs[i].pos.z -= bs[i].vel.z * dt\n    v: Vec3 = bs[n - 1].pos\n    q: cython.pointer(Vec3) = cython.address(bs[0].vel)\n    q.y = 42.0\n    bs[0].pos = bs[n - 1].vel\n    t: cython.double = v.x + v.y * 10.0 + v.z * 100.0 + bs[0].vel.y + bs[0].pos.y + cython.sizeof(Body)\n    r = [t, bs[n - 1]]\n    free(bs)\n    return r\n'


def test_pxd_structs_holding_structs_in_c_memory(tmp_path):
    # `cdef struct Body: Vec3 pos …` cimported from a `.pxd`: the same
    # offsets, copies, address and dict as a `cython.struct` (the module
    # cimports, so the numbers are Cython 3.3.1's for the same two files).
    (tmp_path / "geom.pxd").write_text(GEOM_PXD)
    path = tmp_path / "pxd_nested.py"
    path.write_text(PXD_NESTED)
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok and b.counts() == (1, 0), b.describe()
    nat = import_extension("pxd_nested", tmp_path / "out" / ("pxd_nested" + SUFFIX))
    assert nat.run(1, 0.5) == [-9.5, {"pos": {"x": 1.0, "y": 42.0, "z": 3.0}, "vel": {"x": 1.0, "y": 42.0, "z": 3.0}, "mass": 1.5, "id": 0}]
    assert nat.run(4, 0.25) == [148.25, {"pos": {"x": 3.25, "y": -3.0, "z": 0.75}, "vel": {"x": 1.0, "y": 2.0, "z": 3.0}, "mass": 1.5, "id": 3}]
    assert growth(lambda: nat.run(3, 0.1)) < 50


SAME_NAME = 'import cython\n\nPoint = cython.struct(x=cython.double, y=cython.double)\n\n\n@cython.cfunc\ndef scale(p: Point, k: cython.double) -> Point:\n    return Point(x=p.x * k, y=p.y * k)\n\n\n@cython.cclass\nclass Shape:\n    k: cython.double\n\n    def __init__(self, k: cython.double):\n        self.k = k\n\n    @cython.cfunc\n    def scale(self, p: Point) -> Point:\n        return scale(p, self.k)\n\n    def area(self, p: Point) -> cython.double:\n        q: Point = self.scale(p)\n        return q.x * q.y\n\n\ndef use(a: cython.double) -> cython.double:\n    p: Point = scale(Point(x=a, y=1.0), 2.0)\n    return p.x + p.y\n'


def test_a_cfunc_method_named_as_a_module_cfunc(tmp_path):
    # The method `Shape.scale` is not the module's by-value `scale`: the
    # class stays Python saying why, the module's functions compile.
    b, py, nat = _both(tmp_path, SAME_NAME, "struct_same_name")
    assert b.counts() == (2, 4), b.describe()
    assert "method `scale`: a `@cfunc` method taking a struct by value" in b.stderr and "(line 19)" in b.stderr, b.describe()
    assert nat.use(3.0) == py.use(3.0) == 8.0
    assert nat.Shape(2.0).area(nat.Point(x=1.0, y=0.5)) == py.Shape(2.0).area(py.Point(x=1.0, y=0.5)) == 2.0
