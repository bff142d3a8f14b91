/* dot product, summed left to right (same order as examples/arrays/dot.py). */
double dot(const double *a, const double *b, long n)
{
    double s = 0.0;
    for (long i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}
