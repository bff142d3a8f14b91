"""Module-level C variables (`NAME = cython.declare(T[, value])`), Cython
3.3.1's C globals: compiled functions read them and, after `global NAME`,
write them (also without the GIL and in `prange` bodies); module-level
code reads and assigns the same variable, in module order, with any
initial value. Against CPython running the same file where the results
coincide; against Cython's behaviour where they differ (no module
attribute, assignments converted to the C type)."""

import gc
import sys

import pytest


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("module_cvars")


def test_module_level_code(m):
    for name in ("seen_at_module", "after_assign", "after_aug", "listed", "total"):
        assert getattr(m.native, name) == getattr(m.py, name), name
    # An object parameter's default, evaluated where the `def` runs.
    assert m.native.with_default() == m.py.with_default() == 10


def test_read_write(m):
    for mod in (m.native, m.py):
        mod.reset()
    seq = [("get", ()), ("bump", ()), ("bump", ()), ("get", ()), ("bump_by", (5,)), ("bump_by", (-30,)),
           ("get", ()), ("get_scale", ()), ("set_scale", (2.5,)), ("get_scale", ()), ("scaled", (4.0,)),
           ("flip", ()), ("flip", ()), ("flip", ()), ("get_big", ()), ("shadow", (21,)), ("local_shadow", ()),
           ("get", ()), ("nog", (7,)), ("get", ()), ("par_read", (100,)), ("par_assign", (100,)), ("get", ())]
    for name, args in seq:
        m.assert_native(name)
        assert getattr(m.native, name)(*args) == getattr(m.py, name)(*args), (name, args)


def test_not_a_module_attribute(m):
    # Cython: a C global is no attribute of the module; rebinding one does
    # not change the C variable.
    m.native.reset()
    assert not hasattr(m.native, "counter") and not hasattr(m.native, "scale")
    m.native.counter = 99
    assert m.native.get() == 10
    del m.native.counter


def test_assignment_converts(m):
    m.native.reset()
    with pytest.raises(OverflowError):
        m.native.set_obj(2**40)
    with pytest.raises(TypeError):
        m.native.set_obj("3")
    assert m.native.get() == 10
    assert m.native.set_obj(True) == 1 and m.native.set_obj(-4) == -4
    m.native.set_scale(3)
    assert m.native.get_scale() == 3.0 and type(m.native.get_scale()) is float


def test_references(m):
    m.native.reset()
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(2000):
        m.native.bump()
        m.native.get_scale()
    gc.collect()
    assert sys.getallocatedblocks() - before < 50


ERRORS = [
    ("import cython\nx = cython.declare(cython.int, 1)\nx = cython.declare(cython.int, 2)\n", "'x' redeclared", 3),
    ("import cython\nx = cython.declare(cython.int, 1)\ndel x\n", "Deletion of non-Python, non-C++ object", 3),
    ("import cython\nfrom cython.parallel import prange\nx = cython.declare(cython.int, 1)\n"
     "def f(n: cython.int) -> cython.int:\n    global x\n    i: cython.int\n    for i in prange(n, nogil=True):\n"
     "        x += i\n        y = x\n    return x\n", "the reduction variable `x` is read inside the prange loop", 7),
    ("import cython\nfrom cython.parallel import parallel\nx = cython.declare(cython.int, 1)\n"
     "def f() -> cython.int:\n    global x\n    with cython.nogil, parallel():\n        x += 1\n    return x\n",
     "Reductions not allowed for parallel blocks", 6),
    ("import cython\nfrom cython.parallel import prange\nx = cython.declare(cython.int, 1)\n"
     "def f(n: cython.int) -> cython.int:\n    global x\n    i: cython.int\n    for i in prange(n, nogil=True):\n"
     "        x += i\n        x = 2\n    return x\n", "both from its own value and otherwise", 7),
    ("import cython\nfrom cython.parallel import prange\nx = cython.declare(cython.int, 1)\n"
     "def f(n: cython.int) -> cython.int:\n    global x\n    i: cython.int\n    for i in prange(n, nogil=True):\n"
     "        x //= 2\n    return x\n", "which no reduction combines", 7),
    ("import cython\nx = cython.declare(cython.int, 1)\ndef f():\n    global x\n    x = 2\n"
     "def g():\n    exec('1')\n    return x\n", "module-level C variable, which Python code cannot reach", 8),
]


@pytest.mark.parametrize("src,message,line", ERRORS)
def test_located_errors(pyc, src, message, line):
    b = pyc.build(src)
    assert not b.ok
    assert message in b.stderr, b.stderr
    assert ":%d:" % line in b.stderr, b.stderr
