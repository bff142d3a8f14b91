/* y <- a*x + y in place (examples/arrays/saxpy.py: saxpy). */
void saxpy(double a, const double *restrict x, double *restrict y, long n)
{
    for (long i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
