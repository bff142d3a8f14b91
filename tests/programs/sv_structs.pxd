cdef extern from "sv_structs.h":
    ctypedef struct vec2:
        double x
        double y
    ctypedef struct ipair:
        int a
        int b
    ctypedef struct mixed:
        int n
        double w
    ctypedef struct mixed2:
        double w
        int n
    ctypedef struct fpair:
        float u, v
    ctypedef struct ftri:
        float u, v, w
    ctypedef struct vec3:
        double x, y, z
    ctypedef struct big:
        long long a, b, c
    ctypedef struct llpair:
        long long a, b
    ctypedef struct span:
        const double *data
        long n
    ctypedef struct body:
        vec2 pos
        vec2 vel
        int id
    ctypedef struct small:
        signed char c
        short s
    ctypedef union num:
        double d
        long long i
    ctypedef union word:
        int i
        float f

    vec2 vadd(vec2 a, vec2 b)
    vec2 vscale(vec2 a, double k)
    ipair iswap(ipair p)
    long ipsum(ipair p)
    mixed mk_mixed(int n, double w)
    double mixed_val(mixed m)
    mixed2 flip(mixed m)
    fpair fpadd(fpair a, fpair b)
    double fsum(fpair a)
    ftri ftri_scale(ftri t, float k)
    vec3 cross(vec3 a, vec3 b)
    double vec3_dot(vec3 a, vec3 b)
    big bigadd(big a, big b)
    double span_sum(span s)
    span span_tail(span s)
    body body_step(body b, double dt)
    small small_make(int c, int s)
    int small_sum(small s)
    num num_from_double(double d)
    double num_as_double(num n)
    long long num_bits(num n)
    word word_from_float(float f)
    int word_bits(word w)
    double many_vec(vec2 a, vec2 b, vec2 c, vec2 d, double e, double f, double g, double h)
    double seven_then_vec(double a, double b, double c, double d, double e, double f, double g, vec2 v, double h)
    long long many_ipair(ipair a, ipair b, ipair c, ipair d, ipair e, ipair f, ipair g)
    long long split_ll(long long a, long long b, long long c, long long d, long long e, llpair p, long long f)
    double split_mixed(long long a, long long b, long long c, long long d, long long e, mixed m, long long f)
    long long split7(long long a, long long b, long long c, long long d, long long e, long long f, long long g, llpair p, long long h)

cdef extern from "sv_structs.h" nogil:
    double vdot(vec2 a, vec2 b)
