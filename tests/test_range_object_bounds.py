"""`range()`/`prange()` with object bounds or step (module globals, object
parameters) and a declared C integer loop variable: a C loop, the objects
converted once before it in Python's order with range()'s errors
(TypeError, ValueError for a zero step; OverflowError where the value does
not fit the variable's type, as Cython converts). An undeclared loop
variable keeps Python's range iteration. Against CPython running the same
file."""

import pytest

np = pytest.importorskip("numpy")

ARGS = [(0, 10, 1), (10, 0, -3), (0, 10, 0), (0, 10, 1.5), (None, 10, 1), (0, None, 1), (0, 10, None),
        (0, 10, True), (0, "a", 1), (5, 5, 1), (0, 10, -1), (-7, 30, 4), (30, -7, -4), (np.int64(3), 20, np.int32(2))]
HUGE = [(0, 10, 2**70), (2**70, 2**70 + 1, 1), (-2**70, 0, 1), (0, 2**64, 1)]


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("range_object_bounds")


def test_object_parameters(m):
    for name in ("objs", "objs_int", "last_value", "untyped_last"):
        m.assert_same(name, ARGS)
    m.assert_same("objs_int", [(0, 2**31 - 1, 2**30), (-2**31, 0, 2**30)])


def test_globals(m):
    for n in (0, 1, 63, 64, 65, 1000, -5):
        m.assert_same("blocked", [(n,)])
        m.assert_same("untyped", [(n,)])
    m.assert_same("all_globals", [()])
    m.assert_same("stop_only", [()])
    for n in (0, 1, 130, 1000):
        a = np.random.default_rng(n).random((1, n))
        assert m.native.blocked_view(a, n) == m.py.blocked_view(a, n)


def test_globals_rebound_between_calls(m):
    try:
        for v in (1, 5, -1, 1.5, 0, None, "3", 7, 2**70, True):
            for mod in (m.native, m.py):
                mod.K_BLOCK = v
                mod.STEP = v
            if v == 2**70:
                for name in ("blocked", "par_global_step"):
                    m.assert_values(name, [((100,), (OverflowError, "int too big to convert"))])
                continue
            m.assert_same("blocked", [(0,), (100,), (1000,)])
            m.assert_same("untyped", [(0,), (100,)])
            m.assert_same("all_globals", [()])
            m.assert_same("with_else", [(100, 9), (100, 8), (None, 0)])
            if v is not None and v != "3" and v != 1.5:
                m.assert_same("par_global_step", [(0,), (1,), (1000,)])
            else:
                p = pytest.raises(TypeError, m.py.blocked, 100)
                n = pytest.raises(TypeError, m.native.par_global_step, 100)
                assert str(n.value) == str(p.value)
        for mod in (m.native, m.py):
            mod.K_BLOCK = 64
            mod.STEP = 3
        for mod in (m.native, m.py):
            del mod.STEP
        m.assert_same("with_else", [(100, 9)])
    finally:
        for mod in (m.native, m.py):
            mod.K_BLOCK = 64
            mod.STEP = 3


def test_zero_step_message(m):
    m.assert_values("objs", [((0, 10, 0), (ValueError, "range() arg 3 must not be zero"))])
    m.assert_values("par_objs", [((0, 10, 0), (ValueError, "range() arg 3 must not be zero"))])


def test_huge_values_overflow_as_cython_converts(m):
    # Cython converts a bound to the loop variable's C type before the loop;
    # an undeclared variable iterates Python's range.
    for args in HUGE:
        for name in ("objs", "objs_int", "last_value", "par_objs"):
            m.assert_values(name, [(args, OverflowError)])
    m.assert_values("objs_int", [((0, 2**31, 2**30), (OverflowError, "value too large to convert to int"))])
    m.assert_same("untyped_last", [(0, 10, 2**70), (2**70, 2**70 + 3, 1), (-2**70, -2**70 + 2, 1)], exact=True)


def test_evaluation_order(m):
    # Every argument evaluated before any is converted, as range() does.
    for lo, st in ((None, 1), (0, None), (1.5, 0), (0, 0)):
        logs = []
        errs = []
        for mod in (m.native, m.py):
            log = []
            try:
                mod.order(log, lo, st)
                errs.append(None)
            except Exception as e:
                errs.append((type(e), str(e)))
            logs.append(log)
        assert logs[0] == logs[1] == [10]
        assert errs[0] == errs[1]


def test_prange_with_object_bounds_matches_serial(m):
    for args in ARGS:
        if None in args or "a" in args or 1.5 in args or 0 == args[2]:
            continue
        assert m.native.par_objs(*args) == sum(range(*[int(x) for x in args]))
    for n in (0, 1, 2, 1000, 100_001):
        assert m.native.par_global_step(n) == m.py.par_global_step(n)


def test_native_and_c_loops(m):
    for name in ("blocked", "blocked_view", "all_globals", "stop_only", "objs", "objs_int", "last_value",
                 "with_else", "order", "par_global_step", "par_objs"):
        m.assert_native(name)
    for name in ("blocked", "par_global_step", "objs"):
        assert name not in m.build.stderr


def test_declared_module_constants(m):
    # `NAME = cython.declare(T, literal)` bound once and assigned by no
    # function: a C constant, read without the GIL (Cython's C global).
    for name in ("par_c_global", "serial_c_global", "nogil_c_global"):
        m.assert_native(name)
        assert name not in m.build.stderr
    m.assert_same("serial_c_global", [(0,), (1,), (16,), (17,), (1000,), (-5,)])
    m.assert_same("nogil_c_global", [(0.0,), (1.5,), (-3.25,), (1e300,)])
    for n in (0, 1, 16, 17, 1000, 100_001):
        assert m.native.par_c_global(n) == m.native.serial_c_global(n) == m.py.serial_c_global(n)
    # A name some function assigns through `global` stays a module global.
    try:
        for v in (5, 7, -2):
            m.native.set_kg(v)
            m.py.set_kg(v)
            m.assert_same("reads_kg", [(3,)], loose_types=(float,))
    finally:
        m.native.set_kg(5)
        m.py.set_kg(5)
