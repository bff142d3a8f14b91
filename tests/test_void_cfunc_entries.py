"""C entries of cfuncs returning void (issue 14): a void `@cython.cfunc`'s
address held in a `.pxd`'s `ctypedef void (*sink_t)(double)` local, an
inferred local (`cb = bump`), a cclass's field, passed to and returned
from cfuncs, called through in loops (side effects through a C pointer,
a module C global, a cclass field), with the GIL released too; passed to
an extern C function taking `void (*)(int)`; a struct's field; shared
between two modules through a `.pxd`'s `cdef void record(double x)`. The
entry returns nothing: for `except *` (Cython 3's default for a void cfunc) the caller
asks `PyErr_Occurred()` after the call, for `noexcept` the entry writes
the exception as unraisable under the cfunc's name, as Cython 3.3.1's
functions do. Differential against the same files run as plain Python
(the shim reads the `.pxd`), no leaks on the error paths, and what Cython
refuses (an exception value on a void function) a located error."""

import subprocess
import sys
import sysconfig
import textwrap

import pytest

from conftest import assert_same_outcomes, compiled_and_plain, growth, import_extension, import_source, run_compiler

EXT = sysconfig.get_config_var("EXT_SUFFIX")

PXD = """\
ctypedef void (*acc_t)(double*, double)
ctypedef void (*sink_t)(double)
ctypedef void (*nsink_t)(int) noexcept
ctypedef void (*gsink_t)(int) noexcept nogil
ctypedef void (*gstar_t)(int) nogil
ctypedef void (*isink_t)(int)
"""

SOURCE = '''\
import cython
from cython.cimports.vfptypes import acc_t, sink_t, nsink_t, gsink_t, gstar_t, isink_t

counter = cython.declare(cython.long, 0)
Hook = cython.struct(k=cython.int, fn=sink_t)


@cython.cfunc
def acc(p: cython.p_double, x: cython.double) -> cython.void:
    p[0] += x * 2


@cython.cfunc
def acc_sq(p: cython.p_double, x: cython.double) -> cython.void:
    p[0] += x * x


@cython.cfunc
def bump(x: cython.double) -> cython.void:
    global counter
    if x < 0:
        raise ValueError(f"negative: {cython.cast(cython.long, x)}")
    counter += cython.cast(cython.long, x)


@cython.cfunc
@cython.exceptval(check=True)
def bump_twice(x: cython.double) -> cython.void:
    global counter
    if x > 100:
        raise OverflowError("too big")
    counter += 2 * cython.cast(cython.long, x)


@cython.cfunc
@cython.exceptval(check=False)
def lossy(n: cython.int) -> cython.void:
    global counter
    if n < 0:
        raise KeyError(n)
    counter += n


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def gbump(n: cython.int) -> cython.void:
    global counter
    counter += n


@cython.cfunc
@cython.nogil
def gcheck(n: cython.int) -> cython.void:
    global counter
    if n < 0:
        with cython.gil:
            raise OverflowError(f"nogil negative: {n}")
    counter += n


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def gnothing(n: cython.int) -> cython.void:
    pass


@cython.cfunc
def pick(k: cython.int) -> sink_t:
    if k == 0:
        return bump
    return bump_twice


@cython.cfunc
def feed(f: sink_t, n: cython.int) -> cython.int:
    i: cython.int
    for i in range(n):
        f(i)
    return n


@cython.cclass
class Summer:
    op: acc_t
    total: cython.double

    def __init__(self, squares: cython.bint):
        self.op = acc
        if squares:
            self.op = acc_sq
        self.total = 0.0

    def add_all(self, n: cython.int) -> cython.double:
        t: cython.double[1]
        t[0] = 0.0
        i: cython.int
        for i in range(n):
            self.op(cython.address(t[0]), i)
        self.total += t[0]
        return self.total


def run_acc(n: cython.int) -> cython.double:
    f: acc_t = acc
    t: cython.double = 0.0
    i: cython.int
    for i in range(n):
        f(cython.address(t), i)
    return t


def run_bump(n: cython.int):
    global counter
    counter = 0
    f: sink_t = bump
    i: cython.int
    for i in range(n, -3, -1):
        f(i)
    return counter


def run_inferred(n: cython.int):
    global counter
    counter = 0
    cb = bump
    if n > 50:
        cb = bump_twice
    i: cython.int
    for i in range(n):
        cb(i * 3)
    return counter


def run_caught(x: cython.double):
    global counter
    counter = 0
    f: sink_t = bump_twice
    try:
        f(x)
    except OverflowError as e:
        return str(e)
    return counter


def run_pick(k: cython.int, n: cython.int):
    global counter
    counter = 0
    feed(pick(k), n)
    return counter


def run_passed(n: cython.int):
    global counter
    counter = 0
    feed(bump, n)
    feed(bump_twice, n)
    return counter


def run_lossy(n: cython.int):
    global counter
    counter = 0
    f: nsink_t = lossy
    f(n)
    f(3)
    return counter


def run_null_and_noexcept(n: cython.int):
    global counter
    counter = 0
    g: nsink_t = lossy
    h: isink_t = lossy
    f: sink_t = cython.cast(sink_t, cython.NULL)
    if n >= 0:
        g(n)
        h(n)
    return counter if f == cython.NULL else -1


def run_noexcept_in_except_star(n: cython.int):
    # An `except *` pointer holds a `noexcept` cfunc (Cython's rule): the
    # entry writes the exception as unraisable, the caller's test sees none.
    global counter
    counter = 0
    h: isink_t = lossy
    h(n)
    h(1)
    return counter


def run_nogil(n: cython.int):
    global counter
    counter = 0
    f: gsink_t = gbump
    i: cython.int
    with cython.nogil:
        for i in range(n):
            f(i)
    return counter


def run_nogil_star(n: cython.int):
    global counter
    counter = 0
    f: gstar_t = gcheck
    i: cython.int
    with cython.nogil:
        for i in range(n, -3, -1):
            f(i)
    return counter


def run_nogil_star_once(n: cython.int):
    global counter
    counter = 0
    f: gstar_t = gcheck
    with cython.nogil:
        f(n)
        f(n)
    return counter


def run_struct(x: cython.double):
    global counter
    counter = 0
    h: Hook = Hook(k=3, fn=bump)
    i: cython.int
    for i in range(h.k):
        h.fn(x)
    h.fn = bump_twice
    h.fn(x)
    return counter


def run_nogil_nothing(n: cython.int):
    f: gsink_t = gnothing
    i: cython.int
    with cython.nogil:
        for i in range(n):
            f(i)
    return n


def run_summer(squares: cython.bint, n: cython.int):
    s = Summer(squares)
    s.add_all(n)
    return s.add_all(n)
'''

CASES = [
    ("run_bump", [(-3,), (-2,), (0,), (4,)]),
    ("run_inferred", [(0,), (7,), (60,)]),
    ("run_caught", [(3.0,), (100.0,), (101.0,), (float("inf"),), (float("nan"),)]),
    ("run_pick", [(0, 5), (1, 5), (0, 0)]),
    ("run_passed", [(0,), (10,), (60,)]),
    ("run_lossy", [(0,), (4,)]),
    ("run_null_and_noexcept", [(2,), (-1,)]),
    ("run_nogil", [(0,), (10,), (1000,)]),
    ("run_nogil_star", [(-3,), (-2,), (4,)]),
    ("run_nogil_star_once", [(5,), (-5,)]),
    ("run_nogil_nothing", [(0,), (10,)]),
    ("run_struct", [(2.0,), (-1.0,), (101.0,)]),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return compiled_and_plain(tmp_path_factory.mktemp("voidfp"), "voidfp", SOURCE, {"vfptypes.pxd": PXD})


@pytest.mark.parametrize("name, argss", CASES, ids=[c[0] for c in CASES])
def test_matches_plain_python(pair, name, argss):
    assert_same_outcomes(*pair, name, argss)


def test_side_effects_through_c_pointers(pair):
    # The shim's `cython.address` of a local is no pointer into it: the
    # expected values are computed here.
    _, nat = pair
    for n in (0, 1, 5, 100):
        assert nat.run_acc(n) == float(sum(2 * i for i in range(n)))
        assert nat.run_summer(False, n) == 2.0 * sum(2 * i for i in range(n))
        assert nat.run_summer(True, n) == 2.0 * sum(i * i for i in range(n))


def test_except_star_raises_through_the_pointer_with_its_traceback(pair):
    py, nat = pair
    for mod in (py, nat):
        with pytest.raises(ValueError, match=r"^negative: -1$") as info:
            mod.run_bump(2)
        names = [t.name for t in info.traceback]
        assert names[-2:] == ["run_bump", "bump"], names
    # The loop ran up to the failing call: its side effects stay.
    assert nat.run_caught(1.0) == 2


def _unraisable(fn, *args):
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append((type(u.exc_value), str(u.exc_value), str(u.object)))
    try:
        result = fn(*args)
    finally:
        sys.unraisablehook = old
    return result, seen


def test_noexcept_writes_unraisable_under_the_cfunc_name(pair):
    # Cython 3.3.1 on the same file: the KeyError written as unraisable
    # with the cfunc's qualified name, the call returning as if it had run.
    _, nat = pair
    assert _unraisable(nat.run_lossy, -5) == (3, [(KeyError, "-5", "voidfp.lossy")])
    assert _unraisable(nat.run_lossy, 5) == (8, [])
    assert _unraisable(nat.run_noexcept_in_except_star, -4) == (1, [(KeyError, "-4", "voidfp.lossy")])


def test_c_entries_in_the_mir_listing(tmp_path):
    (tmp_path / "vfptypes.pxd").write_text(PXD)
    (tmp_path / "voidfp.py").write_text(SOURCE)
    b = run_compiler(tmp_path / "voidfp.py", outdir=tmp_path, args=["--emit", "mir"])
    assert b.ok, b.describe()
    assert "def C entry of bump(r0 x: double) -> void (C, except *):" in b.stdout, b.stdout
    assert "-> void (C, errors unraisable):" in b.stdout, b.stdout


def test_no_leaks(pair):
    _, nat = pair

    def loop():
        nat.run_acc(10)
        nat.run_inferred(5)
        nat.run_caught(200.0)
        nat.run_summer(True, 3)
        nat.run_nogil(5)
        try:
            nat.run_nogil_star_once(-1)
        except OverflowError:
            pass
        try:
            nat.run_bump(1)
        except ValueError:
            pass

    assert growth(loop) < 50

    def unraisable():
        _unraisable(nat.run_lossy, -1)

    assert growth(unraisable) < 50


BAD_BASE = '''\
import cython
from cython.cimports.vfptypes import sink_t


@cython.cfunc
@cython.exceptval(-1)
def valued(x: cython.double) -> cython.void:
    pass


def use(x: cython.double):
    f: sink_t = valued
    f(x)
'''


def test_an_exception_value_on_a_void_cfunc_is_a_located_error(tmp_path):
    # Cython refuses `@cython.exceptval(-1)` on a void function ("Cannot
    # assign type 'long' to 'void'"); its address is refused here.
    (tmp_path / "vfptypes.pxd").write_text(PXD)
    (tmp_path / "bad.py").write_text(BAD_BASE)
    b = run_compiler(tmp_path / "bad.py", outdir=tmp_path)
    assert not b.ok, b.describe()
    assert "bad.py:12:" in b.stderr and "`valued` (line 7) returns void but is `except? -1`" in b.stderr, b.stderr


# ---------------------------------------------------------------------------
# A void callback passed to C
# ---------------------------------------------------------------------------

WALK_H = "typedef void (*visit_t)(int);\nvoid walk(int n, visit_t f);\nvoid walk_down(int n, void (*f)(int));\n"
WALK_C = ('#include "walk.h"\n'
          "void walk(int n, visit_t f) { for (int i = 0; i < n; i++) f(i); }\n"
          "void walk_down(int n, void (*f)(int)) { for (int i = n; i > 0; i--) f(i); }\n")
WALK_PXD = ('cdef extern from "walk.h":\n    ctypedef void (*visit_t)(int) noexcept nogil\n    void walk(int n, visit_t f) nogil\n'
            "    void walk_down(int n, void (*f)(int) noexcept)\n")
WALK_PY = '''\
import cython
from cython.cimports.walk import visit_t, walk, walk_down

seen = cython.declare(cython.long, 0)


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def visit(i: cython.int) -> cython.void:
    global seen
    seen = seen * 10 + i


@cython.cfunc
@cython.exceptval(check=False)
def loud(i: cython.int) -> cython.void:
    global seen
    if i == 2:
        raise ValueError(f"two: {i}")
    seen += i


def run(n: cython.int):
    global seen
    seen = 0
    walk(n, visit)
    return seen


def run_nogil(n: cython.int):
    global seen
    seen = 0
    f: visit_t = visit
    with cython.nogil:
        walk(n, f)
    return seen


def run_down(n: cython.int):
    global seen
    seen = 0
    walk_down(n, loud)
    return seen
'''


def test_void_callback_passed_to_c(tmp_path):
    for name, text in {"walk.h": WALK_H, "walk.c": WALK_C, "walk.pxd": WALK_PXD, "m.py": WALK_PY}.items():
        (tmp_path / name).write_text(text)
    b = run_compiler(tmp_path / "m.py", args=[str(tmp_path / "walk.c"), "--strict"])
    assert b.ok, b.describe()
    code = textwrap.dedent("""
        import sys, gc
        import m
        seen = []
        sys.unraisablehook = lambda u: seen.append((type(u.exc_value).__name__, str(u.exc_value), str(u.object)))
        print(m.run(4), m.run_nogil(5), m.run(0))
        print(m.run_down(4), m.run_down(1), seen)
        sys.unraisablehook = lambda u: None
        for _ in range(50):
            m.run_down(3)
        gc.collect()
        before = sys.getallocatedblocks()
        for _ in range(2000):
            m.run_down(3); m.run_nogil(3)
        gc.collect()
        print(sys.getallocatedblocks() - before < 50)
    """)
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    # C calls `loud` with 4, 3, 2, 1: the 2 written as unraisable, the walk going on.
    assert p.stdout.split("\n")[:3] == ["123 1234 0", "8 1 [('ValueError', 'two: 2', 'm.loud')]", "True"], p.stdout


# ---------------------------------------------------------------------------
# A void cfunc shared between modules
# ---------------------------------------------------------------------------

ALIB_PXD = """\
cdef void record(double x)
cdef void quiet(int n) noexcept nogil
cdef void checked(int n) except *
cdef double total()
"""

ALIB = '''\
import cython

acc = cython.declare(cython.double, 0.0)


@cython.cfunc
def record(x: cython.double) -> cython.void:
    global acc
    if x < 0:
        raise ValueError(f"negative: {cython.cast(cython.long, x)}")
    acc += x


@cython.cfunc
@cython.exceptval(check=False)
@cython.nogil
def quiet(n: cython.int) -> cython.void:
    global acc
    acc += n


@cython.cfunc
@cython.exceptval(check=True)
def checked(n: cython.int) -> cython.void:
    global acc
    if n > 100:
        raise OverflowError("too big")
    acc = n


@cython.cfunc
def total() -> cython.double:
    return acc
'''

BUSER = '''\
import cython
from cython.cimports.alib import record, quiet, checked, total


def use(n: cython.int) -> cython.double:
    checked(0)
    i: cython.int
    for i in range(n, -2, -1):
        record(i)
    return total()


def without_gil(n: cython.int) -> cython.double:
    checked(0)
    with cython.nogil:
        quiet(n)
        quiet(n)
    return total()


def caught(n: cython.int):
    try:
        checked(n)
    except OverflowError as e:
        return str(e)
    return total()
'''

SHARED_CASES = [
    ("use", [(-1,), (-2,), (3,)]),
    ("without_gil", [(0,), (7,), (-4,)]),
    ("caught", [(3,), (101,)]),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    d = tmp_path_factory.mktemp("vshared")
    for name, text in {"alib.pxd": ALIB_PXD, "alib.py": ALIB, "buser.py": BUSER}.items():
        (d / name).write_text(text)
    for name in ("alib", "buser"):
        b = run_compiler(d / (name + ".py"), outdir=d, args=["--strict"])
        assert b.ok, b.describe()
    plain = tmp_path_factory.mktemp("vshared_plain")
    (plain / "alib.pxd").write_text(ALIB_PXD)
    (plain / "alib.py").write_text(ALIB)
    (plain / "buser.py").write_text(BUSER.replace("from cython.cimports.alib import", "from alib import"))
    saved = {k: sys.modules.pop(k) for k in ("alib", "buser") if k in sys.modules}
    sys.path.insert(0, str(d))
    try:
        alib = import_extension("alib", d / ("alib" + EXT))
        nat = import_extension("buser", d / ("buser" + EXT))
    finally:
        sys.path.remove(str(d))
    yield d, plain, alib, nat
    for k in ("alib", "buser"):
        sys.modules.pop(k, None)
    sys.modules.update(saved)


@pytest.mark.parametrize("name, argss", SHARED_CASES, ids=[c[0] for c in SHARED_CASES])
def test_shared_matches_plain_python(shared, name, argss):
    _, plain, alib, nat = shared
    sys.path.insert(0, str(plain))
    sys.modules.pop("alib")
    try:
        py = import_source("buser_vpy", plain / "buser.py")
        assert_same_outcomes(py, nat, name, argss)
    finally:
        sys.path.remove(str(plain))
        sys.modules["alib"] = alib


def test_shared_capsules_name_the_void_signatures(shared):
    _, _, alib, _ = shared
    assert sorted(alib.__pyx_capi__) == ["checked", "quiet", "record", "total"]
    names = {k: repr(v) for k, v in alib.__pyx_capi__.items()}
    assert '"void (double)"' in names["record"], names
    assert '"void (int)"' in names["checked"], names
    assert '"void (int)"' in names["quiet"], names


def test_shared_traceback_names_both_modules(shared):
    *_, nat = shared
    with pytest.raises(ValueError, match=r"^negative: -1$") as info:
        nat.use(2)
    seen = [(str(t.frame.code.path).rsplit("/", 1)[-1], t.name) for t in info.traceback]
    assert seen[-2:] == [("buser.py", "use"), ("alib.py", "record")], seen


def test_shared_no_leaks(shared):
    *_, nat = shared

    def loop():
        nat.without_gil(3)
        nat.caught(101)
        try:
            nat.use(0)
        except ValueError:
            pass

    assert growth(loop) < 50


def test_shared_void_definition_the_pxd_contradicts_is_a_located_error(tmp_path):
    (tmp_path / "alib.pxd").write_text(ALIB_PXD)
    (tmp_path / "alib.py").write_text(ALIB.replace("@cython.exceptval(check=True)\ndef checked", "@cython.exceptval(check=False)\ndef checked"))
    b = run_compiler(tmp_path / "alib.py", outdir=tmp_path)
    assert not b.ok
    assert "alib.py:24" in b.stderr and "`checked` is declared `void checked(int) except *` in alib.pxd (line 3), but it is defined `void checked(int) noexcept`" in b.stderr, b.stderr


def test_an_except_star_void_cfunc_passed_to_c_is_a_located_error(tmp_path):
    # C cannot check for an exception: Cython wants the callback `noexcept`.
    (tmp_path / "walk.pxd").write_text(WALK_PXD)
    (tmp_path / "bad.py").write_text(
        "import cython\nfrom cython.cimports.walk import walk_down\n\n\n@cython.cfunc\ndef loud(i: cython.int) -> cython.void:\n    pass\n\n\n"
        "def run(n: cython.int):\n    walk_down(n, loud)\n")
    b = run_compiler(tmp_path / "bad.py", outdir=tmp_path)
    assert not b.ok, b.describe()
    assert "bad.py:11:" in b.stderr and "`loud` (line 6) is `except *`, but `walk_down` calls it from C, which cannot check for an exception" in b.stderr, b.stderr
