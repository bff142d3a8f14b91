"""Hostile and unusual input to the generated code (issue 10): strings with
NULs, odd module and function names, narrow loop variables, deep recursion
on small stacks. Crashes run in subprocesses so they fail only their test."""

import pytest

from conftest import load_snippet, run_compiler, run_python, signal_name

MESSAGES = r'''
import cython


def nul(n: int) -> int:
    if n == 0:
        raise ValueError('a\x00b')
    if n == 1:
        raise KeyError('\x00')
    if n == 2:
        raise ValueError('caf\xe9\x00\u20ac\x00')
    assert n != 3, 'x\x00y'
    return n
'''


def test_messages_keep_nul_bytes(pyc):
    m = pyc.pair(MESSAGES, stem="nulmsg")
    m.assert_same("nul", [(0,), (1,), (2,), (3,), (4,)])
    m.assert_values("nul", [((0,), (ValueError, "a\x00b"))])


FIB = '''
import cython


def fib(n: cython.int) -> cython.long:
    a: cython.long = 0
    b: cython.long = 1
    for _ in range(n):
        a, b = b, a + b
    return a
'''


@pytest.mark.parametrize("stem", ["f\u00efb", "\u65e5\u672c\u8a9e", "m\u00fcller_2"])
def test_non_ascii_module_name_imports(tmp_path, stem):
    # PEP 489: CPython looks up PyInitU_<punycode> for a non-ASCII name.
    src = tmp_path / (stem + ".py")
    src.write_text(FIB, encoding="utf-8")
    b = run_compiler(src, tmp_path)
    assert b.ok, b.describe()
    p = run_python("import %s as m\nprint(m.__name__, m.fib(90))" % stem, cwd=tmp_path, path=[tmp_path],
                   env_extra={"PYTHONIOENCODING": "utf-8"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [stem, str(2880067194370816120)]



# Python reads identifiers NFKC-normalised: `ge\u0301t` (decomposed) is
# `g\u00e9t`, and `\ufb01b` (a ligature) is `fib`. A compiled function must
# be bound under the name the module's Python code uses.
UNNORMALISED = (
    "def ge\u0301t(a: int) -> int:\n    return a + 1\n\n\n"
    "def \ufb01b(n: int) -> int:\n    return n * 2\n\n\n"
    "R = (g\u00e9t(1), fib(3))\n"
)


def test_identifiers_are_nfkc_normalised_as_python_reads_them(tmp_path):
    src = tmp_path / "unnorm.py"
    src.write_text(UNNORMALISED, encoding="utf-8")
    b = run_compiler(src, tmp_path)
    assert b.ok, b.describe()
    assert "2 functions native" in b.stdout + b.stderr
    p = run_python("import unnorm as m\nprint(m.R, m.g\u00e9t(5), m.fib(4), m.fib.__name__ == 'fib')",
                   cwd=tmp_path, path=[tmp_path], env_extra={"PYTHONIOENCODING": "utf-8"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["(2,", "6)", "6", "8", "True"]

DEEP = '''
import cython


def rec(n: int) -> int:
    if n == 0:
        return 0
    return rec(n - 1) + 1


@cython.cfunc
def crec(n: cython.int) -> cython.int:
    if n == 0:
        return 0
    return crec(n - 1) + 1


@cython.ccall
def call_crec(n: cython.int) -> cython.int:
    return crec(n)


def big(k: cython.int) -> cython.double:
    a: cython.double[131072]
    b: cython.double[131072]
    a[k] = 1.5
    b[k] = a[k] * 2.0
    return a[k] + b[k]


def big_rec(n: cython.int) -> cython.double:
    a: cython.double[8192]
    a[0] = n
    if n == 0:
        return a[0]
    return big_rec(n - 1) + a[0]


def calls_big(k: cython.int) -> cython.double:
    return big(k) + 1.0
'''

RUN_IN_THREAD = '''
import threading
threading.stack_size(%d)
out = []
def run():
    try:
        out.append(('RESULT', %s))
    except RecursionError as e:
        out.append(('RECURSIONERROR', str(e)))
t = threading.Thread(target=run)
t.start()
t.join()
print(*out[0])
print('AFTER', m.rec(10))
'''


@pytest.fixture(scope="module")
def deep(pyc):
    return pyc.build(DEEP, stem="deep")


def run_deep(build, code, preexec=""):
    p = run_python(preexec + load_snippet(build.so, build.src.stem) + code)
    assert p.returncode == 0, "interpreter died (%s, exit %d): %s" % (
        signal_name(p.returncode), p.returncode, p.stderr[-2000:])
    return p.stdout


@pytest.mark.parametrize("call", ["m.rec(100000)", "m.call_crec(100000)", "m.rec(10**7)"])
def test_deep_recursion_in_a_small_thread_raises(deep, call):
    # 100000 frames need more than 256 KiB; the guard must know the thread's
    # own stack, not assume 1 MiB below the entry.
    out = run_deep(deep, RUN_IN_THREAD % (256 * 1024, call))
    assert "RECURSIONERROR" in out and "AFTER 10" in out, out


def test_moderate_recursion_in_a_small_thread_completes(deep):
    out = run_deep(deep, RUN_IN_THREAD % (256 * 1024, "m.rec(1000)"))
    assert "RESULT 1000" in out, out


def test_deep_recursion_under_a_small_rlimit_raises(deep):
    # The main thread's stack is as large as RLIMIT_STACK at exec.
    code = ("import subprocess, sys\n"
            "src = %r\n"
            "p = subprocess.run([sys.executable, '-c', src], capture_output=True, text=True,\n"
            "                   preexec_fn=lambda: __import__('resource').setrlimit(\n"
            "                       __import__('resource').RLIMIT_STACK, (1 << 20, 1 << 20)))\n"
            "print(p.returncode, p.stdout, p.stderr[-2000:])\n")
    inner = (load_snippet(deep.so, deep.src.stem)
             + "try:\n    print('RESULT', m.rec(10**6))\nexcept RecursionError:\n    print('RECURSIONERROR')\n"
             + "print('AFTER', m.rec(10))\n")
    p = run_python(code % inner)
    assert p.returncode == 0, p.stderr
    rc, _, rest = p.stdout.partition(" ")
    assert rc == "0", "interpreter died (%s): %s" % (signal_name(int(rc)), rest)
    assert "RECURSIONERROR" in rest and "AFTER 10" in rest, rest


@pytest.mark.parametrize("call", ["m.big(3)", "m.calls_big(3)", "m.big_rec(1000)"])
def test_big_c_arrays_in_a_small_thread_raise(deep, call):
    # Two 1 MiB arrays cannot fit a 2 MiB thread stack with anything else on it.
    out = run_deep(deep, RUN_IN_THREAD % (2 << 20, call))
    assert "RECURSIONERROR" in out and "AFTER 10" in out, out


@pytest.mark.parametrize("call, value", [("m.big(3)", 4.5), ("m.calls_big(3)", 5.5), ("m.big_rec(3)", 6.0)])
def test_big_c_arrays_fit_a_large_thread(deep, call, value):
    out = run_deep(deep, RUN_IN_THREAD % (16 << 20, call))
    assert "RESULT %r" % value in out, out


def test_recursion_error_traceback_is_bounded(deep):
    # A RecursionError used to carry an entry per native frame (327,687 of
    # them, seconds and hundreds of MB); now about as many as CPython keeps.
    out = run_deep(deep, "import traceback\ntry:\n    m.rec(10**7)\nexcept RecursionError as e:\n"
                         "    tb = e.__traceback__\n    n = 0\n    while tb:\n        n += 1\n        tb = tb.tb_next\n"
                         "    print('ENTRIES', n)\n    print(traceback.format_exc()[-300:])\n")
    n = int(out.split()[1])
    assert 2 <= n <= 1100, out
    assert "in rec" in out, out


DUNDERS = ["__name__", "__dict__", "__spec__", "__builtins__", "__loader__", "__file__",
           "__doc__", "__package__", "__path__", "__cached__", "__all__", "__annotations__"]

DUNDER_SOURCE = "import cython\n\nBEFORE = __name__\nBEFORE_FILE = __file__\n\n" + "".join(
    "\ndef %s(n: int) -> int:\n    return n + %d\n\n" % (name, k) for k, name in enumerate(DUNDERS)) + '''
AFTER = __name__


def ordinary(n: int) -> int:
    return n * 2
'''


def test_functions_with_module_dunder_names_bind_like_python(pyc):
    # Plain Python binds each `def` where it stands: code before it sees the
    # module's own __name__, the module ends up with the functions.
    m = pyc.pair(DUNDER_SOURCE, stem="dunders")
    for d in (vars(m.py), vars(m.native)):
        assert isinstance(d["BEFORE"], str) and isinstance(d["BEFORE_FILE"], str)
        assert callable(d["AFTER"]) and d["AFTER"](1) == 1
        for k, name in enumerate(DUNDERS):
            assert callable(d[name]) and d[name](10) == 10 + k, name
        assert "__pyc_aot_late__" not in d
    m.assert_native("ordinary")
    m.assert_same("ordinary", [(3,)])
    for name in DUNDERS:
        assert type(vars(m.native)[name]).__name__ == "builtin_function_or_method", name


NARROW = '''
import cython


def count_uchar(n: int) -> int:
    i: cython.uchar
    c: int = 0
    for i in range(n):
        c += 1
    return c


def last_uchar(a: int, b: int, k: int) -> int:
    i: cython.uchar
    last: int = -1
    for i in range(a, b, k):
        last = i
    return last


def down_to_zero(n: cython.int) -> cython.long:
    i: cython.uint
    s: cython.long = 0
    for i in range(n, -1, -1):
        s += i
    return s


def count_int(n: cython.Py_ssize_t) -> cython.long:
    i: cython.int
    c: cython.long = 0
    for i in range(n):
        c += 1
        if c == 3:
            break
    return c


def over_view(a: cython.char[:]) -> cython.long:
    i: cython.int
    c: cython.long = 0
    for i in range(a.shape[0]):
        c += 1
        if c == 3:
            break
    return c


def sum_small(n: cython.int) -> cython.long:
    i: cython.short
    s: cython.long = 0
    for i in range(n):
        s += i
    return s
'''


def test_narrow_loop_variable_never_truncates_the_range(pyc):
    # The loop runs as in Python while the variable's type can hold its
    # values; the first value it cannot hold raises OverflowError (the bound
    # used to be wrapped into the type: 44 trips for range(300)).
    m = pyc.pair(NARROW, stem="narrow")
    m.assert_same("count_uchar", [(0,), (1,), (255,), (256,), (-5,)])
    m.assert_same("last_uchar", [(0, 256, 1), (255, -1, -1), (0, 256, 7), (300, 0, 1), (10, 300, 1000),
                                 (5, 0, -1), (-3, -10, 1), (0, 10, 2 ** 62), (0, 10, -(2 ** 62)), (-5, -1, -1)])
    m.assert_same("down_to_zero", [(0,), (5,), (-1,), (1000,)])
    m.assert_same("count_int", [(0,), (2,), (5,), (2 ** 31,), (2 ** 31 + 5,), (2 ** 62,), (-(2 ** 40),)])
    m.assert_same("sum_small", [(0,), (100,), (32768,), (-1,)])
    overflow = OverflowError
    m.assert_values("count_uchar", [((257,), overflow), ((300,), overflow), ((2 ** 62,), overflow)])
    m.assert_values("last_uchar", [((-1, 10, 1), overflow), ((0, 300, 1), overflow), ((256, 0, -1), overflow),
                                   ((0, 300, 7), overflow), ((250, 300, 7), overflow), ((3, -2, -1), overflow),
                                   ((0, 258, 2), overflow), ((0, 256, 2), 254)])
    m.assert_values("sum_small", [((32769,), overflow)])


def test_loop_variable_over_a_view_longer_than_its_type(pyc):
    np = pytest.importorskip("numpy")
    m = pyc.pair(NARROW, stem="narrow_view")
    big = np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), shape=(2 ** 31 + 5,), strides=(0,))
    # Three trips, as in Python (the int variable never leaves its range);
    # it used to run no trip at all.
    m.assert_values("over_view", [((np.zeros(5, np.int8),), 3), ((big,), 3)])


def test_constant_range_a_narrow_variable_cannot_follow_is_refused(pyc):
    src = "import cython\n\n\ndef f() -> cython.int:\n    i: cython.uchar\n    n: cython.int = 0\n" \
          "    for i in range(300):\n        n += 1\n    return n\n"
    b = pyc.build(src, stem="narrow_const")
    assert not b.ok, b.describe()
    assert ":7:" in b.stderr and "cannot hold 299" in b.stderr, b.stderr
    ok = src.replace("range(300)", "range(256)")
    assert pyc.build(ok, stem="narrow_const_ok").ok


def test_nul_in_a_docstring_builds_and_a_raw_nul_byte_is_refused(pyc):
    doc = 'import cython\n\n\ndef f(n: int) -> int:\n    "doc\\x00here"\n    return n\n'
    m = pyc.pair(doc, stem="nuldoc")
    m.assert_same("f", [(3,)])
    assert "doc" in m.native.f.__doc__
    b = pyc.build(doc + 'x = "a\x00b"\n', stem="nulsrc")
    assert not b.ok and "source code cannot contain null bytes" in b.stderr and ":7:" in b.stderr, b.describe()
    assert "internal" not in b.stderr


UNSIGNED_DOWN = """
import cython


def down2(a: cython.ulonglong, b: cython.ulonglong) -> cython.long:
    i: cython.ulonglong
    c: cython.long = 0
    for i in range(a, b, -2):
        c = c * 3 + cython.cast(cython.long, i % 1000)
    return c


def down3(a: cython.ulonglong, b: cython.ulonglong) -> cython.long:
    i: cython.ulonglong
    c: cython.long = 0
    for i in range(a, b, -3):
        c += 1
    return c


def by_signed(a: cython.ulonglong, b: cython.ulonglong, s: cython.longlong) -> cython.long:
    i: cython.ulonglong
    c: cython.long = 0
    for i in range(a, b, s):
        c += 1
    return c


def by_unsigned(a: cython.ulonglong, b: cython.ulonglong, s: cython.ulonglong) -> cython.long:
    i: cython.ulonglong
    c: cython.long = 0
    for i in range(a, b, s):
        c += 1
    return c
"""


def test_unsigned_64_bit_loop_steps_down_and_by_huge_steps(pyc):
    # A step of -2 on a ulonglong counter was added as its bit pattern, which
    # carries: the loop ran once. A variable step >= 2**63 read as negative.
    m = pyc.pair(UNSIGNED_DOWN, stem="udown")
    spans = [(2**64 - 1, 2**64 - 6), (2**63 + 5, 2**63 - 6), (10, 0), (11, 0), (1, 0), (0, 0),
             (2**63 - 1, 2**63 + 7), (2**64 - 1, 2**64 - 40), (2**64 - 40, 2**64 - 1), (0, 17)]
    m.assert_same("down2", spans)
    m.assert_same("down3", spans)

    def short(a, b, s):
        r = range(a, b, s)
        return r.start == r.stop or (r.stop - r.start) // r.step < 10**5

    m.assert_same("by_signed", [(a, b, s) for a, b in spans for s in (-1, -2, -5, 1, 3, 2**62, -2**63) if short(a, b, s)])
    m.assert_same("by_unsigned", [(a, b, s) for a, b in spans for s in (7, 2**63, 2**63 + 5, 2**64 - 1) if short(a, b, s)])
