/* Naive i-j-k matrix multiply, C-contiguous: c (n x m) = a (n x p) @ b (p x m)
   (examples/arrays/matmul.py: matmul). */
void matmul(const double *a, const double *b, double *c, long n, long p, long m)
{
    for (long i = 0; i < n; i++)
        for (long j = 0; j < m; j++) {
            double s = 0.0;
            for (long k = 0; k < p; k++)
                s += a[i * p + k] * b[k * m + j];
            c[i * m + j] = s;
        }
}

/* The same product with the i-k-j loop order (examples/arrays/matmul.py:
   matmul_ikj): the inner loop is element-wise over rows of b and c. */
void matmul_ikj(const double *a, const double *b, double *c, long n, long p, long m)
{
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < m; j++)
            c[i * m + j] = 0.0;
        for (long k = 0; k < p; k++) {
            double aik = a[i * p + k];
            for (long j = 0; j < m; j++)
                c[i * m + j] += aik * b[k * m + j];
        }
    }
}
