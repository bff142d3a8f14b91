/* Escape counts into an h x w int32 array (examples/arrays/mandelbrot2d.py). */
static inline int escape_time(double cr, double ci, int max_iter)
{
    double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
    int n = 0;
    while (n < max_iter && zr2 + zi2 <= 4.0) {
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        zr2 = zr * zr;
        zi2 = zi * zi;
        n++;
    }
    return n;
}

void mandelbrot(int *counts, long h, long w, double x0, double x1,
                double y0, double y1, int max_iter)
{
    double dx = w > 0 ? (x1 - x0) / w : 0.0;
    double dy = h > 0 ? (y1 - y0) / h : 0.0;
    for (long y = 0; y < h; y++) {
        double ci = y0 + y * dy;
        for (long x = 0; x < w; x++)
            counts[y * w + x] = escape_time(x0 + x * dx, ci, max_iter);
    }
}
