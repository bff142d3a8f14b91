"""Structs and unions passed by value to and from C functions (sv_structs.c):
register classes, stack-passed and hidden-pointer results, nested calls,
nogil; tests/test_extern_struct_by_value.py and the aarch64 cross check."""
import cython
from cython.cimports.sv_structs import (vec2, ipair, mixed, mixed2, fpair, ftri, vec3, big, llpair, span, body, small, num, word,
    vadd, vdot, vscale, iswap, ipsum, mk_mixed, mixed_val, flip, fpadd, fsum, ftri_scale, cross, vec3_dot, bigadd,
    span_sum, span_tail, body_step, small_make, small_sum, num_from_double, num_as_double, num_bits, word_from_float,
    word_bits, many_vec, seven_then_vec, many_ipair, split_ll, split_mixed, split7)


def add2(x1: cython.double, y1: cython.double, x2: cython.double, y2: cython.double) -> tuple:
    a: vec2
    b: vec2
    a.x = x1
    a.y = y1
    b.x = x2
    b.y = y2
    r: vec2 = vadd(a, b)
    return (r.x, r.y)


def dot_of_sum(x: cython.double, y: cython.double) -> cython.double:
    a: vec2 = vec2(x=x, y=y)
    return vdot(vadd(a, a), a)


def sum_field(x: cython.double, y: cython.double) -> cython.double:
    a: vec2 = vec2(x=x, y=y)
    return vadd(a, vscale(a, 3.0)).y


def as_dict(x: cython.double, y: cython.double) -> vec2:
    a: vec2 = vec2(x=x, y=y)
    return vscale(a, 2.0)


def to_object(x: cython.double, y: cython.double):
    a: vec2 = vec2(x=x, y=y)
    o = vadd(a, a)
    return o


def built(x: cython.double) -> cython.double:
    a: vec2 = vec2(x=x, y=1.0)
    return vdot(vec2(x=2.0, y=x), a)


@cython.cfunc
def c_add(a: vec2, b: vec2) -> vec2:
    return vadd(a, b)


def via_cfunc(x: cython.double, y: cython.double) -> tuple:
    a: vec2 = vec2(x=x, y=y)
    r: vec2 = c_add(a, a)
    return (r.x, r.y)


def ints(a: cython.int, b: cython.int) -> tuple:
    p: ipair = ipair(a=a, b=b)
    q: ipair = iswap(p)
    return (q.a, q.b, ipsum(q))


def mixes(n: cython.int, w: cython.double) -> tuple:
    m: mixed = mk_mixed(n, w)
    f: mixed2 = flip(m)
    return (m.n, m.w, mixed_val(m), f.w, f.n)


def floats(u: cython.float, v: cython.float) -> tuple:
    a: fpair = fpair(u=u, v=v)
    r: fpair = fpadd(a, a)
    return (r.u, r.v, fsum(r))


def tri(u: cython.float, v: cython.float, w: cython.float) -> tuple:
    t: ftri = ftri(u=u, v=v, w=w)
    r: ftri = ftri_scale(t, 2.0)
    return (r.u, r.v, r.w)


def crossed(ax: cython.double, ay: cython.double, az: cython.double, bx: cython.double, by: cython.double, bz: cython.double) -> tuple:
    a: vec3 = vec3(x=ax, y=ay, z=az)
    b: vec3 = vec3(x=bx, y=by, z=bz)
    c: vec3 = cross(a, b)
    return (c.x, c.y, c.z, vec3_dot(c, a), vec3_dot(a, b))


def bigs(a: cython.longlong, b: cython.longlong, c: cython.longlong) -> tuple:
    x: big = big(a=a, b=b, c=c)
    r: big = bigadd(x, x)
    return (r.a, r.b, r.c)


def spans(n: cython.long) -> tuple:
    data: cython.double[8]
    i: cython.int
    for i in range(8):
        data[i] = i * 1.5
    s: span
    s.data = cython.address(data[0])
    s.n = n
    t: span = span_tail(s)
    return (span_sum(s), span_sum(t), t.n, t.data[0])


def stepped(x: cython.double, y: cython.double, vx: cython.double, vy: cython.double, ident: cython.int) -> tuple:
    b: body
    b.pos.x = x
    b.pos.y = y
    b.vel.x = vx
    b.vel.y = vy
    b.id = ident
    r: body = body_step(b, 0.5)
    return (r.pos.x, r.pos.y, r.vel.x, r.vel.y, r.id)


def smalls(c: cython.int, s: cython.int) -> tuple:
    m: small = small_make(c, s)
    return (m.c, m.s, small_sum(m))


def unions(d: cython.double) -> tuple:
    n: num = num_from_double(d)
    return (n.d, num_as_double(n), num_bits(n) == n.i)


def words(f: cython.float) -> tuple:
    w: word = word_from_float(f)
    return (w.f, word_bits(w) == w.i)


def many(k: cython.double) -> tuple:
    a: vec2 = vec2(x=k, y=k + 1)
    b: vec2 = vec2(x=k + 2, y=k + 3)
    c: vec2 = vec2(x=k + 4, y=k + 5)
    d: vec2 = vec2(x=k + 6, y=k + 7)
    return (many_vec(a, b, c, d, k + 8, k + 9, k + 10, k + 11), seven_then_vec(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, a, k))


def many_ints(k: cython.int) -> tuple:
    a: ipair = ipair(a=k, b=1)
    b: ipair = ipair(a=k + 1, b=2)
    c: ipair = ipair(a=k + 2, b=3)
    p: llpair = llpair(a=k, b=k * 2)
    m: mixed = mixed(n=k, w=0.5)
    return (many_ipair(a, b, c, a, b, c, a), split_ll(1, 2, 3, 4, 5, p, 7), split_mixed(1, 2, 3, 4, 5, m, 7), split7(1, 2, 3, 4, 5, 6, 7, p, 9))


def loop_dot(n: cython.int) -> cython.double:
    a: vec2 = vec2(x=1.5, y=2.0)
    b: vec2 = vec2(x=0.5, y=-1.0)
    s: cython.double = 0.0
    i: cython.int
    with cython.nogil:
        for i in range(n):
            s += vdot(a, b)
            a.x += 1.0
    return s
