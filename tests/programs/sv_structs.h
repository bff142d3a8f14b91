/* Structs and unions passed by value (tests/programs/struct_by_value.py). */
#ifndef SV_STRUCTS_H
#define SV_STRUCTS_H
typedef struct { double x, y; } vec2;
typedef struct { int a, b; } ipair;
typedef struct { int n; double w; } mixed;
typedef struct { double w; int n; } mixed2;
typedef struct { float u, v; } fpair;
typedef struct { float u, v, w; } ftri;
typedef struct { double x, y, z; } vec3;
typedef struct { long long a, b, c; } big;
typedef struct { long long a, b; } llpair;
typedef struct { const double *data; long n; } span;
typedef struct { vec2 pos; vec2 vel; int id; } body;
typedef struct { signed char c; short s; } small;
typedef union { double d; long long i; } num;
typedef union { int i; float f; } word;
vec2 vadd(vec2 a, vec2 b);
double vdot(vec2 a, vec2 b);
vec2 vscale(vec2 a, double k);
ipair iswap(ipair p);
long ipsum(ipair p);
mixed mk_mixed(int n, double w);
double mixed_val(mixed m);
mixed2 flip(mixed m);
fpair fpadd(fpair a, fpair b);
double fsum(fpair a);
ftri ftri_scale(ftri t, float k);
vec3 cross(vec3 a, vec3 b);
double vec3_dot(vec3 a, vec3 b);
big bigadd(big a, big b);
double span_sum(span s);
span span_tail(span s);
body body_step(body b, double dt);
small small_make(int c, int s);
int small_sum(small s);
num num_from_double(double d);
double num_as_double(num n);
long long num_bits(num n);
word word_from_float(float f);
int word_bits(word w);
double many_vec(vec2 a, vec2 b, vec2 c, vec2 d, double e, double f, double g, double h);
double seven_then_vec(double a, double b, double c, double d, double e, double f, double g, vec2 v, double h);
long long many_ipair(ipair a, ipair b, ipair c, ipair d, ipair e, ipair f, ipair g);
long long split_ll(long long a, long long b, long long c, long long d, long long e, llpair p, long long f);
double split_mixed(long long a, long long b, long long c, long long d, long long e, mixed m, long long f);
long long split7(long long a, long long b, long long c, long long d, long long e, long long f, long long g, llpair p, long long h);
#endif
