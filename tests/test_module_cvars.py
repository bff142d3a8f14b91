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
     "def g():\n    global x\n    exec('1')\n    x = 3\n", "stays Python and assigns it", 7),
    ("import cython\nx = cython.declare(cython.int, 1)\ndef f():\n    global x\n    x = 2\n"
     "class A:\n    class B:\n        y = x\n", "nested here stays Python", 8),
    ("import cython\nx = cython.declare(cython.int, 1)\ndef f():\n    global x\n    x = 2\n"
     "class A:\n    def m(self):\n        exec('1')\n        return [x for x in range(3)]\n", "cannot be bound here", 9),
]


@pytest.mark.parametrize("src,message,line", ERRORS)
def test_located_errors(pyc, src, message, line):
    b = pyc.build(src)
    assert not b.ok
    assert message in b.stderr, b.stderr
    assert ":%d:" % line in b.stderr, b.stderr


# ---------------------------------------------------------------------------
# Reductions on module C variables in prange (Cython: an OpenMP reduction on
# the C global, each thread's partial from the identity, combined into the
# variable after the loop) and class bodies reading them.
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def r(pyc):
    return pyc.pair("module_cvar_reduce")


REDUCE_CALLS = [("red", (10,)), ("red", (0,)), ("red", (1,)), ("red", (1000,)), ("red_mixed", (100,)),
                ("red_float", (200,)), ("red_prod", (20,)), ("red_bits", (100,)), ("red_two", (300,)),
                ("red_narrow", (500,)), ("red_in_nogil", (7,)), ("red", (-5,)), ("get", None)]


@pytest.mark.parametrize("threads", [1, 2])
def test_reductions(r, threads):
    for mod in (r.native, r.py):
        mod.reset()
    for name, args in REDUCE_CALLS:
        r.assert_native(name)
        full = () if args is None else args if name == "red_in_nogil" else args + (threads,)
        got, want = getattr(r.native, name)(*full), getattr(r.py, name)(*full)
        if threads == 1 or name not in ("red_float", "red_two", "get"):
            assert got == want, (name, full, got, want)
        else:
            assert got == pytest.approx(want, rel=1e-12), (name, full, got, want)
        assert type(got) is type(want), name
    assert r.native.get() == r.py.get() or threads == 2


def test_reduction_raises(r):
    # One thread: the trips before the error and the failing trip's update
    # reach the variable, as serially.
    for mod in (r.native, r.py):
        mod.reset()
    for mod in (r.native, r.py):
        with pytest.raises(ValueError, match="stopped"):
            mod.red_raise(2000, 1, 1000)
    assert r.native.get() == r.py.get()
    # Two threads: raised once; the variable gets every thread's partial
    # (the failing trip's included), which trips ran depends on the timing.
    for at in (0, 999, 1000, 1999):
        r.native.reset()
        with pytest.raises(ValueError, match="stopped"):
            r.native.red_raise(2000, 2, at)
        total = r.native.get()[0]
        assert 5 + at <= total <= 5 + sum(range(2000)), (at, total)
    r.native.reset()
    assert r.native.red_raise(10, 2, -1) == 50


def test_reduction_references(r):
    r.native.reset()
    gc.collect()
    before = sys.getallocatedblocks()
    for k in range(300):
        r.native.red(50, 2)
        try:
            r.native.red_raise(100, 2, 40)
        except ValueError:
            pass
    gc.collect()
    assert sys.getallocatedblocks() - before < 30


def test_class_bodies_read(r):
    for mod in (r.native, r.py):
        mod.reset()
    for cls in ("Reader", "Shadow"):
        for attr in ("at_class", "twice", "pair", "listed", "total", "seen"):
            a, b = getattr(getattr(r.native, cls), attr, None), getattr(getattr(r.py, cls), attr, None)
            assert a == b, (cls, attr, a, b)
    calls = [("method", ()), ("shadowed", (3,)), ("local_shadow", ()), ("nested", ()), ("comp", ()), ("static", ()),
             ("py_method", (2,)), ("bits_now", ()), ("defaulted", ())]
    for step in range(2):
        rn, rp = r.native.make_reader(), r.py.make_reader()
        for name, args in calls:
            assert getattr(rn, name)(*args) == getattr(rp, name)(*args), (step, name)
        assert r.native.Shadow().m() == r.py.Shadow().m()
        assert r.native.Shadow().declared() == r.py.Shadow().declared()
        assert r.native.left_to_python(3) == r.py.left_to_python(3)
        assert r.native.Typed.at_class == r.py.Typed.at_class
        assert r.native.Typed().get() == r.py.Typed().get()
        # The methods and functions read the variable's value now.
        for mod in (r.native, r.py):
            mod.red(10, 1)
            mod.red_bits(5, 1)
    # Left to Python, it reads the variable through the getter.
    assert not hasattr(r.native, "total") and "_pyc_aot_get_total" in vars(r.native)
