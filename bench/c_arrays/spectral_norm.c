/* Spectral norm by the power method (examples/arrays/spectral_norm.py). */
#include <math.h>

static inline double eval_a(long i, long j)
{
    return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

static void a_times_u(const double *u, double *out, long n)
{
    for (long i = 0; i < n; i++) {
        double s = 0.0;
        for (long j = 0; j < n; j++)
            s += eval_a(i, j) * u[j];
        out[i] = s;
    }
}

static void at_times_u(const double *u, double *out, long n)
{
    for (long i = 0; i < n; i++) {
        double s = 0.0;
        for (long j = 0; j < n; j++)
            s += eval_a(j, i) * u[j];
        out[i] = s;
    }
}

static void ata_times_u(const double *u, double *out, double *tmp, long n)
{
    a_times_u(u, tmp, n);
    at_times_u(tmp, out, n);
}

double spectral_norm(double *u, double *v, double *tmp, long n, int iterations)
{
    double vbv = 0.0, vv = 0.0;
    if (n == 0)
        return 0.0;
    for (int k = 0; k < iterations; k++) {
        ata_times_u(u, v, tmp, n);
        ata_times_u(v, u, tmp, n);
    }
    for (long i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    return sqrt(vbv / vv);
}
