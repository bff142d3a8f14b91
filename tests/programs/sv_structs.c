/* C functions taking and returning structs by value, for
   tests/test_extern_struct_by_value.py and the aarch64 cross check. */
#include "sv_structs.h"
vec2 vadd(vec2 a, vec2 b) { vec2 r = {a.x + b.x, a.y + b.y}; return r; }
double vdot(vec2 a, vec2 b) { return a.x * b.x + a.y * b.y; }
vec2 vscale(vec2 a, double k) { vec2 r = {a.x * k, a.y * k}; return r; }
ipair iswap(ipair p) { ipair r = {p.b, p.a}; return r; }
long ipsum(ipair p) { return (long)p.a * 1000 + p.b; }
mixed mk_mixed(int n, double w) { mixed m = {n, w}; return m; }
double mixed_val(mixed m) { return m.n * 10.0 + m.w; }
mixed2 flip(mixed m) { mixed2 r = {m.w, m.n}; return r; }
fpair fpadd(fpair a, fpair b) { fpair r = {a.u + b.u, a.v + b.v}; return r; }
double fsum(fpair a) { return (double)a.u * 100 + a.v; }
ftri ftri_scale(ftri t, float k) { ftri r = {t.u * k, t.v * k, t.w * k}; return r; }
vec3 cross(vec3 a, vec3 b) { vec3 r = {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; return r; }
double vec3_dot(vec3 a, vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
big bigadd(big a, big b) { big r = {a.a + b.a, a.b + b.b, a.c + b.c}; return r; }
double span_sum(span s) { double t = 0; for (long i = 0; i < s.n; i++) t += s.data[i]; return t; }
span span_tail(span s) { span r = {s.data + 1, s.n - 1}; return r; }
body body_step(body b, double dt) { body r = b; r.pos.x += b.vel.x * dt; r.pos.y += b.vel.y * dt; r.id = b.id + 1; return r; }
small small_make(int c, int s) { small r = {(signed char)c, (short)s}; return r; }
int small_sum(small s) { return s.c * 100000 + s.s; }
num num_from_double(double d) { num n; n.d = d; return n; }
double num_as_double(num n) { return n.d; }
long long num_bits(num n) { return n.i; }
word word_from_float(float f) { word w; w.f = f; return w; }
int word_bits(word w) { return w.i; }
double many_vec(vec2 a, vec2 b, vec2 c, vec2 d, double e, double f, double g, double h) {
    return a.x + 2 * a.y + 3 * b.x + 4 * b.y + 5 * c.x + 6 * c.y + 7 * d.x + 8 * d.y + 9 * e + 10 * f + 11 * g + 12 * h;
}
double seven_then_vec(double a, double b, double c, double d, double e, double f, double g, vec2 v, double h) {
    return a + b + c + d + e + f + g + 100 * v.x + 1000 * v.y + 10000 * h;
}
long long many_ipair(ipair a, ipair b, ipair c, ipair d, ipair e, ipair f, ipair g) {
    return a.a + b.a * 2 + c.a * 3 + d.a * 4 + e.a * 5 + f.a * 6 + g.a * 7 + 1000 * (a.b + b.b + c.b + d.b + e.b + f.b + g.b);
}
long long split_ll(long long a, long long b, long long c, long long d, long long e, llpair p, long long f) {
    return a + b + c + d + e + 10 * p.a + 100 * p.b + 1000 * f;
}
double split_mixed(long long a, long long b, long long c, long long d, long long e, mixed m, long long f) {
    return a + b + c + d + e + mixed_val(m) * 10 + 1000 * f;
}
long long split7(long long a, long long b, long long c, long long d, long long e, long long f, long long g, llpair p, long long h) {
    return a + b + c + d + e + f + g + 10 * p.a + 100 * p.b + 1000 * h;
}
