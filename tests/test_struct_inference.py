"""Struct and struct pointer locals Cython infers (issue 14): a local never
declared whose every binding is a struct of one type (a `@cfunc` returning
it by value, a build `S(f=...)`, another struct local, `ps[i]` or a struct
field in C memory) is a struct local, and one whose every binding points to
structs of one type (a cast, a `@cfunc` returning `cython.pointer(S)`, a
pointer local, `p + 1`) a struct pointer local, as Cython 3.3.1's safe type
inference makes them; checked against CPython running the same file with
the shim and against Cython's numbers where the shim differs (a struct copy
is a value, a struct meeting objects a dict). What Cython infers as an
object stays one: a ctuple result (a tuple), a union (a dict), a local also
bound to an object, one read at an attribute that is no field or indexed,
one a nested scope reads; a pointer bound to `cython.NULL` too (`void*`
for Cython)."""

import sysconfig
import textwrap

from conftest import call, growth, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

INFERRED = 'import cython\nfrom cython.cimports.libc.stdlib import malloc, free\n\nPt = cython.struct(x=cython.double, y=cython.double)\nBody = cython.struct(pos=Pt, mass=cython.double, id=cython.int)\n\n\n@cython.cfunc\ndef add(a: Pt, b: Pt) -> Pt:\n    r: Pt = Pt(x=a.x + b.x, y=a.y + b.y)\n    return r\n\n\n@cython.cfunc\ndef scaled(a: Pt, k: cython.double) -> Pt:\n    if k == 0.0:\n        raise ZeroDivisionError("k is zero")\n    return Pt(x=a.x / k, y=a.y / k)\n\n\n@cython.cfunc\ndef norm2(a: Pt) -> cython.double:\n    return a.x * a.x + a.y * a.y\n\n\n@cython.cfunc\ndef bodies(n: cython.int) -> cython.pointer(Body):\n    bs = cython.cast(cython.pointer(Body), malloc(n * cython.sizeof(Body)))\n    i: cython.int\n    for i in range(n):\n        bs[i].pos = Pt(x=i * 0.5, y=2.0 - i)\n        bs[i].mass = 1.0 + i\n        bs[i].id = i\n    return bs\n\n\ndef gap(x: float) -> float:\n    a: Pt = Pt(x=x, y=2.0)\n    b = add(a, a)\n    n = norm2(b)\n    return b.x + b.y + n\n\n\ndef build(x: float, y: float) -> float:\n    p = Pt(x=x, y=y)\n    q = add(p, Pt(x=1.0, y=1.0))\n    return q.x * 10.0 + q.y\n\n\ndef chain(n: cython.int) -> float:\n    acc = Pt(x=0.0, y=0.0)\n    step = Pt(x=0.5, y=-1.0)\n    i: cython.int\n    for i in range(n):\n        acc = add(acc, step)\n    last = acc\n    return last.x * 100.0 + last.y\n\n\ndef raises(x: float, k: float) -> float:\n    a: Pt = Pt(x=x, y=1.0)\n    try:\n        b = scaled(a, k)\n    except ZeroDivisionError:\n        return -1.0\n    return b.x + b.y\n\n\ndef raises_out(x: float, k: float) -> float:\n    a: Pt = Pt(x=x, y=1.0)\n    b = scaled(a, k)\n    return b.x\n\n\ndef in_memory(n: cython.int) -> float:\n    bs = bodies(n)\n    first = bs[0]\n    pos = bs[n - 1].pos\n    t = first.mass + first.id + pos.x * 10.0 + pos.y * 100.0\n    free(bs)\n    return t\n\n\ndef pointer_walk(n: cython.int) -> float:\n    bs = bodies(n)\n    p = bs\n    end = bs + n\n    t = 0.0\n    while p != end:\n        t += p.pos.x * p.mass + p[0].id\n        p = p + 1\n    free(bs)\n    return t\n\n\ndef pointer_cast(n: cython.int) -> float:\n    ps = cython.cast(cython.pointer(Pt), malloc(n * cython.sizeof(Pt)))\n    i: cython.int\n    for i in range(n):\n        ps[i].x = i\n        ps[i].y = 1.0\n    s = 0.0\n    for i in range(n):\n        s += ps[i].x * ps[i].y\n    second = ps + 1\n    s += second.x * 1000.0\n    free(ps)\n    return s\n\n\ndef to_object(x: float):\n    a: Pt = Pt(x=x, y=-x)\n    b = add(a, a)\n    return b\n\n\ndef nested_field(x: float) -> float:\n    body = Body(pos=Pt(x=x, y=3.0), mass=2.0, id=7)\n    p = body.pos\n    return p.x + p.y * body.mass + body.id\n'


def _both(tmp_path, src, name):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(src))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok, b.describe()
    py = import_source(name + "_py", path)
    nat = import_extension(name, tmp_path / "out" / (name + SUFFIX))
    return b, py, nat


def _same(py, nat, fn, args):
    want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
    assert want.ok == got.ok, (fn, args, want, got)
    if want.ok:
        assert same_value(want.value, got.value), (fn, args, want, got)
    else:
        assert (want.exc_type, want.message) == (got.exc_type, got.message), (fn, args, want, got)


def test_inferred_struct_locals_match_cpython_with_the_shim(tmp_path):
    b, py, nat = _both(tmp_path, INFERRED, "struct_infer")
    assert b.counts() == (14, 0), b.describe()
    cases = {
        "gap": [(1.5,), (-0.0,), (1e300,), (float("nan"),)],
        "build": [(1.0, 2.0), (-3.5, 0.25)],
        "chain": [(0,), (1,), (7,), (100,)],
        "raises": [(3.0, 2.0), (3.0, 0.0), (-1.0, 0.5)],
        "raises_out": [(3.0, 4.0), (3.0, 0.0)],
        "in_memory": [(1,), (2,), (4,), (30,)],
        "pointer_walk": [(1,), (5,), (64,)],
        "pointer_cast": [(2,), (6,), (50,)],
        "nested_field": [(1.5,), (-2.0,)],
    }
    for fn, arglist in cases.items():
        for args in arglist:
            _same(py, nat, fn, args)
    # Wrong argument types: the same TypeError as CPython's.
    for fn, args in [("chain", ("3",)), ("in_memory", (None,)), ("gap", ("x",))]:
        want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
        assert not got.ok and got.exc_type is TypeError, (fn, args, want, got)
    # A struct meeting objects is a dict, as Cython 3.3.1 gives (the shim
    # returns its struct instance).
    assert nat.to_object(2.0) == {"x": 4.0, "y": -4.0}
    # Cython 3.3.1's numbers for the same file.
    assert (nat.gap(1.5), nat.chain(7), nat.in_memory(4), nat.pointer_walk(5), nat.pointer_cast(6)) == (32.0, 343.0, -84.0, 30.0, 1015.0)


def test_no_leaks(tmp_path):
    _, _, nat = _both(tmp_path, INFERRED, "struct_infer_leaks")
    assert growth(lambda: (nat.gap(1.0), nat.chain(5), nat.raises(1.0, 0.0), nat.in_memory(3), nat.pointer_walk(4), nat.to_object(1.0))) < 50
    def failing():
        try:
            nat.raises_out(1.0, 0.0)
        except ZeroDivisionError:
            pass
    assert growth(failing) < 50


def test_an_inferred_struct_copy_is_a_value(tmp_path):
    # Cython copies a struct on assignment (the shim's instances alias):
    # Cython 3.3.1 gives 4.0 and 103.0 here.
    b, _, nat = _both(tmp_path, """
        import cython
        Pt = cython.struct(x=cython.double, y=cython.double)

        @cython.cfunc
        def twice(a: Pt) -> Pt:
            return Pt(x=2 * a.x, y=2 * a.y)

        def copy_then_change(x: float) -> float:
            a: Pt = Pt(x=x, y=1.0)
            b = a
            b.x = 100.0
            return a.x + b.y

        def result_then_change(x: float) -> float:
            a: Pt = Pt(x=x, y=1.0)
            b = twice(a)
            c = b
            c.y = 100.0
            return b.y + c.y + a.y
    """, "struct_infer_copy")
    assert b.counts() == (3, 0), b.describe()
    assert (nat.copy_then_change(3.0), nat.result_then_change(5.0)) == (4.0, 103.0)


def test_what_cython_infers_as_an_object_stays_one(tmp_path):
    b, py, nat = _both(tmp_path, """
        import cython
        Pt = cython.struct(x=cython.double, y=cython.double)

        @cython.cfunc
        def two(n: cython.int) -> tuple[cython.int, cython.double]:
            return n, n * 0.5

        @cython.cfunc
        def add(a: Pt, b: Pt) -> Pt:
            return Pt(x=a.x + b.x, y=a.y + b.y)

        def ctuple(n: cython.int):
            t = two(n)
            return t, t[0] + t[1]

        def mixed(x: float):
            a: Pt = Pt(x=x, y=2.0)
            b = add(a, a)
            if x > 0:
                b = {"x": 1.0, "y": 2.0}
            return b

        def keys(x: float):
            a: Pt = Pt(x=x, y=2.0)
            b = add(a, a)
            return sorted(b.keys())

        def closure(x: float):
            a: Pt = Pt(x=x, y=2.0)
            b = add(a, a)
            g = lambda: b
            return g()
    """, "struct_infer_objects")
    assert b.counts() == (7, 0), b.describe()  # the lambda too
    for n in (0, 3, -7):
        _same(py, nat, "ctuple", (n,))
    # Cython 3.3.1: the same dicts and lists.
    assert (nat.mixed(1.0), nat.mixed(-1.0)) == ({"x": 1.0, "y": 2.0}, {"x": -2.0, "y": 4.0})
    assert nat.keys(1.0) == ["x", "y"] and nat.closure(2.0) == {"x": 4.0, "y": 4.0}


def test_a_pointer_also_bound_to_null_is_no_struct_pointer(tmp_path):
    # Cython infers `void*` for it, and `q[0].x` is its compile error.
    path = tmp_path / "null_ptr.py"
    path.write_text(textwrap.dedent("""
        import cython
        from cython.cimports.libc.stdlib import malloc, free
        Pt = cython.struct(x=cython.double, y=cython.double)

        def f(n: cython.int) -> cython.double:
            ps: cython.pointer(Pt) = cython.cast(cython.pointer(Pt), malloc(n * cython.sizeof(Pt)))
            ps[0].x = 1.5
            q = cython.NULL
            q = ps
            r = q[0].x
            free(ps)
            return r
    """))
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok and b.counts() == (0, 1), b.describe()
    assert "function `f` left to Python" in b.stderr and "null_ptr.py:11" in b.stderr, b.describe()


def test_positional_struct_builds(tmp_path):
    # Cython's struct constructor fills the fields in order from positional
    # arguments (keywords after them); so does the shim now.
    b, py, nat = _both(tmp_path, """
        import cython
        Pt = cython.struct(x=cython.double, y=cython.double)
        Box = cython.struct(lo=Pt, hi=Pt, tag=cython.int)

        def f(a: float) -> float:
            b = Pt(a, 2.0)
            return b.x + b.y

        def g(a: float) -> float:
            c: Pt = Pt(a, y=3.0)
            return c.x * c.y

        def nested(a: float) -> float:
            bx = Box(Pt(a, 1.0), Pt(x=2.0, y=a), 7)
            return bx.lo.x + bx.hi.y * 10.0 + bx.tag
    """, "struct_positional")
    assert b.counts() == (3, 0), b.describe()
    for a in (1.5, -0.0, 1e300):
        for fn in ("f", "g", "nested"):
            _same(py, nat, fn, (a,))
    assert (nat.f(1.5), nat.g(2.0), nat.nested(1.0)) == (3.5, 6.0, 18.0)  # Cython 3.3.1
