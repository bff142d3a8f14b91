"""Cfuncs shared across compilers (issue 14): pyc-aot names the capsules
of `__pyx_capi__` as Cython 3.3.1 does (`double (double)`, `double
*(double *, int)`, `PY_LONG_LONG (unsigned int, char *)`, `void (void)`),
so a pyc-aot module cimports the cfuncs of a module Cython built from the
same `.pxd`. CI has no Cython: the exporter here is a C extension written
as Cython's generated code exports (capsules in a `__pyx_capi__` dict, no
Python attribute for a cfunc). The importer calls through the capsules
with the `.pxd`'s exception clauses; its interpreted code finds such a
name unbound, as Cython's cfuncs are invisible to Python."""

import subprocess
import sys
import sysconfig

import pytest

from conftest import call, growth, import_extension, run_compiler

EXT = sysconfig.get_config_var("EXT_SUFFIX")

EXPORTER = r"""
#include <Python.h>

static double total = 0.0;

static double twice(double x) { return x * 2.0; }

static int checked(int n) {
    if (n < 0) {
        PyErr_Format(PyExc_ValueError, "negative: %d", n);
        return -1;
    }
    return n + 1;
}

static void record(double x) {
    if (x != x) {
        PyErr_SetString(PyExc_ArithmeticError, "nan recorded");
        return;
    }
    total += x;
}

static double sum_into(double *p, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) { s += p[i]; p[i] = 0.0; }
    return s;
}

static PY_LONG_LONG wide(unsigned int a, char *s) { return (PY_LONG_LONG)a * 1000 + (s ? s[0] : 0); }

static double read_total(void) { return total; }

static int add(PyObject *capi, const char *name, void *f, const char *sig) {
    PyObject *c = PyCapsule_New(f, sig, NULL);
    if (!c) return -1;
    int r = PyDict_SetItemString(capi, name, c);
    Py_DECREF(c);
    return r;
}

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "cexp", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_cexp(void) {
    PyObject *m = PyModule_Create(&def), *capi = PyDict_New();
    if (!m || !capi) return NULL;
    if (add(capi, "twice", (void *)twice, "double (double)") < 0
        || add(capi, "checked", (void *)checked, "int (int)") < 0
        || add(capi, "record", (void *)record, "void (double)") < 0
        || add(capi, "sum_into", (void *)sum_into, "double (double *, int)") < 0
        || add(capi, "wide", (void *)wide, "PY_LONG_LONG (unsigned int, char *)") < 0
        || add(capi, "read_total", (void *)read_total, "double (void)") < 0
        || PyModule_AddObject(m, "__pyx_capi__", capi) < 0)
        return NULL;
    return m;
}
"""

PXD = """\
cdef double twice(double x)
cdef int checked(int n) except -1
cdef void record(double x)
cdef double sum_into(double* p, int n) noexcept
cdef long long wide(unsigned int a, char* s) noexcept
cdef double read_total() noexcept
"""

USER = '''\
import cython
from cython.cimports.cexp import twice, checked, record, sum_into, wide, read_total


def use(x: cython.double) -> cython.double:
    return twice(x) + twice(0.5)


def count(n: cython.int) -> cython.int:
    return checked(n) * 10


def log(x: cython.double) -> cython.double:
    record(x)
    return read_total()


def arrays(v: cython.double) -> cython.double:
    a: cython.double[3]
    a[0] = v
    a[1] = 2.0
    a[2] = 3.0
    s: cython.double = sum_into(a, 3)
    return s + a[0] + a[1] + a[2]


def widened(a: cython.uint) -> cython.longlong:
    c: cython.char[2]
    c[0] = 65
    return wide(a, c) + wide(a, cython.NULL)


def interpreted():
    try:
        return eval("twice(1.0)")
    except NameError as e:
        return str(e)
'''


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    d = tmp_path_factory.mktemp("capi_names")
    (d / "cexp.c").write_text(EXPORTER)
    (d / "cexp.pxd").write_text(PXD)
    (d / "user.py").write_text(USER)
    cc = subprocess.run(
        ["cc", "-shared", "-fPIC", "-O1", "-I", sysconfig.get_paths()["include"], str(d / "cexp.c"), "-o", str(d / ("cexp" + EXT))],
        capture_output=True, text=True, timeout=300,
    )
    assert cc.returncode == 0, cc.stderr
    b = run_compiler(d / "user.py", outdir=d)
    assert b.ok and b.counts() == (5, 1), b.describe()
    sys.path.insert(0, str(d))
    try:
        cexp = import_extension("cexp", d / ("cexp" + EXT))
        user = import_extension("user", d / ("user" + EXT))
    finally:
        sys.path.remove(str(d))
    return cexp, user


def test_calls_through_cython_named_capsules(modules):
    _, user = modules
    assert user.use(3.0) == 7.0
    assert user.count(4) == 50
    assert user.arrays(1.5) == 6.5
    assert user.widened(7) == 7000 + 65 + 7000


def test_exception_clauses_from_the_pxd(modules):
    _, user = modules
    got = call(user.count, (-2,))
    assert not got.ok and got.exc_type is ValueError and got.message == "negative: -2", got
    assert user.log(2.5) - user.log(0.0) == 0.0
    got = call(user.log, (float("nan"),))
    assert not got.ok and got.exc_type is ArithmeticError and got.message == "nan recorded", got


def test_interpreted_code_finds_the_cfunc_unbound(modules):
    _, user = modules
    assert user.interpreted() == "name 'twice' is not defined"


def test_no_leak(modules):
    _, user = modules
    assert growth(lambda: (user.use(1.0), call(user.count, (-1,)), call(user.log, (float("nan"),)), user.arrays(2.0))) < 50


def test_another_signature_is_a_type_error_naming_it(tmp_path):
    d = tmp_path
    (d / "cexp.c").write_text(EXPORTER.replace('"double (double)"', '"float (float)"'))
    (d / "cexp.pxd").write_text(PXD)
    (d / "user.py").write_text(USER)
    cc = subprocess.run(
        ["cc", "-shared", "-fPIC", "-I", sysconfig.get_paths()["include"], str(d / "cexp.c"), "-o", str(d / ("cexp" + EXT))],
        capture_output=True, text=True, timeout=300,
    )
    assert cc.returncode == 0, cc.stderr
    assert run_compiler(d / "user.py", outdir=d).ok
    code = "import sys; sys.path.insert(0, %r)\ntry:\n    import user\nexcept Exception as e:\n    print(type(e).__name__, e)\n" % str(d)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.strip()
    assert out == "TypeError C function cexp.twice has wrong signature (expected double (double)): rebuild the modules that cimport it", out
