/*
 * fastfib: the hand-written C extension that pyc-aot is measured against.
 *
 * Each function is what a careful C programmer would write by hand: the
 * cheapest calling convention (METH_O for one argument, METH_FASTCALL for
 * several), direct unboxing with the C-API, and a plain C kernel.
 *
 *   fib(n)                 -> float   n-th Fibonacci number, float loop
 *   rfib(n)                -> int     naive doubly-recursive Fibonacci
 *   integrate_f(a, b, N)   -> float   Cython tutorial's integral of x**2 - x
 *   mandelbrot(w, h, iters)-> int     sum of escape times over a w x h grid
 *
 * Build: cc -O3 -shared -fPIC -I<python include> fastfib.c -o fastfib<EXT_SUFFIX>
 * With -DFASTFIB_FIB_ONLY only `fib` is built: the C counterpart of
 * examples/fib.py for the build-time and .so-size rows of the bench.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>

static int
as_c_int(PyObject *o, int *out)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < INT_MIN || v > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError, "value too large to convert to C int");
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* ---- fib: float loop ---------------------------------------------------- */

static double
fib_c(int n)
{
    double a = 0.0, b = 1.0, t;
    for (int i = 0; i < n; i++) {
        t = a + b;
        b = a;
        a = t;
    }
    return a;
}

static PyObject *
fib(PyObject *self, PyObject *arg)
{
    int n;
    if (as_c_int(arg, &n) < 0)
        return NULL;
    return PyFloat_FromDouble(fib_c(n));
}

#ifndef FASTFIB_FIB_ONLY

/* ---- rfib: recursive int ------------------------------------------------ */

static long
rfib_c(long n)
{
    if (n < 2)
        return n;
    return rfib_c(n - 1) + rfib_c(n - 2);
}

static PyObject *
rfib(PyObject *self, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    return PyLong_FromLong(rfib_c(n));
}

/* ---- integrate_f -------------------------------------------------------- */

static inline double
f(double x)
{
    return x * x - x;
}

static PyObject *
integrate_f(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "integrate_f() takes exactly 3 arguments");
        return NULL;
    }
    double a = PyFloat_AsDouble(args[0]);
    if (a == -1.0 && PyErr_Occurred())
        return NULL;
    double b = PyFloat_AsDouble(args[1]);
    if (b == -1.0 && PyErr_Occurred())
        return NULL;
    int N;
    if (as_c_int(args[2], &N) < 0)
        return NULL;
    if (N == 0) {
        PyErr_SetString(PyExc_ZeroDivisionError, "float division by zero");
        return NULL;
    }
    double s = 0.0, dx = (b - a) / N;
    for (int i = 0; i < N; i++)
        s += f(a + i * dx);
    return PyFloat_FromDouble(s * dx);
}

/* ---- mandelbrot --------------------------------------------------------- */

static inline int
escape_time(double cr, double ci, int max_iter)
{
    double zr = 0.0, zi = 0.0, t;
    int n = 0;
    while (n < max_iter && zr * zr + zi * zi <= 4.0) {
        t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        n++;
    }
    return n;
}

static PyObject *
mandelbrot(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "mandelbrot() takes exactly 3 arguments");
        return NULL;
    }
    int width, height, max_iter;
    if (as_c_int(args[0], &width) < 0 || as_c_int(args[1], &height) < 0 ||
        as_c_int(args[2], &max_iter) < 0)
        return NULL;
    if (width == 0 || height == 0) {
        PyErr_SetString(PyExc_ZeroDivisionError, "float division by zero");
        return NULL;
    }
    long total = 0;
    for (int y = 0; y < height; y++) {
        double ci = -1.5 + 3.0 * y / height;
        for (int x = 0; x < width; x++) {
            double cr = -2.0 + 3.0 * x / width;
            total += escape_time(cr, ci, max_iter);
        }
    }
    return PyLong_FromLong(total);
}

#endif /* FASTFIB_FIB_ONLY */

/* ---- module ------------------------------------------------------------- */

static PyMethodDef fastfib_methods[] = {
    {"fib", fib, METH_O, "fib(n)\n--\n\nReturn the n-th Fibonacci number as a float."},
#ifndef FASTFIB_FIB_ONLY
    {"rfib", rfib, METH_O, "rfib(n)\n--\n\nRecursive Fibonacci."},
    {"integrate_f", (PyCFunction)(void (*)(void))integrate_f, METH_FASTCALL,
     "integrate_f(a, b, N)\n--\n\nIntegrate x**2 - x over [a, b] with N rectangles."},
    {"mandelbrot", (PyCFunction)(void (*)(void))mandelbrot, METH_FASTCALL,
     "mandelbrot(width, height, max_iter)\n--\n\nSum of Mandelbrot escape times."},
#endif
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fastfib_module = {
    PyModuleDef_HEAD_INIT, "fastfib", "Hand-written C reference kernels for pyc-aot's bench.",
    0, fastfib_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit_fastfib(void)
{
    return PyModuleDef_Init(&fastfib_module);
}
