"""Every C integer type wraps around like C/Cython (not differential: the
pure-Python shim does not emulate wrap-around)."""

import pytest

# name -> (bits, signed) on x86-64 / aarch64 Linux (LP64, signed char).
CTYPES = {
    "char": (8, True), "schar": (8, True), "uchar": (8, False),
    "short": (16, True), "ushort": (16, False),
    "int": (32, True), "uint": (32, False),
    "long": (64, True), "ulong": (64, False),
    "longlong": (64, True), "ulonglong": (64, False),
    "Py_ssize_t": (64, True), "size_t": (64, False),
}
NARROW = ["char", "schar", "uchar", "short", "ushort"]


def wrap(v, bits, signed):
    v &= (1 << bits) - 1
    if signed and v >= 1 << (bits - 1):
        v -= 1 << bits
    return v


def limits(bits, signed):
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def boundary(bits, signed):
    lo, hi = limits(bits, signed)
    vals = {lo, lo + 1, hi - 1, hi, 0, 1, 2, 3, 100 % (hi + 1), hi // 2, hi // 2 + 1}
    if signed:
        vals |= {-1, -2, lo // 2}
    return sorted(vals)


def make_source():
    parts = ["import cython\n"]
    for t in CTYPES:
        for op, sym in (("add", "+"), ("sub", "-"), ("mul", "*")):
            parts.append(
                "def %s_%s(a: cython.%s, b: cython.%s) -> cython.%s:\n"
                "    return a %s b\n" % (op, t, t, t, t, sym))
        parts.append(
            "def inc_%s(a: cython.%s) -> cython.%s:\n"
            "    a += 1\n"
            "    return a\n" % (t, t, t))
        parts.append(
            "def ident_%s(a: cython.%s) -> cython.%s:\n"
            "    return a\n" % (t, t, t))
        parts.append(
            "def neg_%s(a: cython.%s) -> cython.%s:\n"
            "    return -a\n" % (t, t, t))
    for t in NARROW:
        # C integer promotion: the sum is computed as a C int.
        parts.append(
            "def widen_%s(a: cython.%s, b: cython.%s) -> cython.int:\n"
            "    return a + b\n" % (t, t, t))
    parts.append('''
def range_trace(a: cython.int, b: cython.int) -> cython.int:
    # A C int counter in an unrolled range loop, near the ends of its type.
    last: cython.int = -12345
    c: cython.int = 0
    i: cython.int
    for i in range(a, b):
        last = i
        c += 1
    return last ^ c


def fnv1a(n: cython.int) -> cython.uint:
    h: cython.uint = 2166136261
    i: cython.int
    for i in range(n):
        h = (h ^ i) * 16777619
    return h


def lcg(n: cython.int) -> cython.ulonglong:
    x: cython.ulonglong = 88172645463325252
    for _ in range(n):
        x = x * 6364136223846793005 + 1442695040888963407
    return x


def int_sum(n: cython.int) -> cython.int:
    s: cython.int = 0
    i: cython.int
    for i in range(n):
        s += 1000003 * i
    return s


def neg_uchar_to_int(u: cython.uchar) -> cython.int:
    return -u


def inv_uchar_to_int(u: cython.uchar) -> cython.int:
    return ~u


def neg_short_to_int(t: cython.short) -> cython.int:
    return -t


def inv_ushort_to_long(t: cython.ushort) -> cython.long:
    return ~t


def ull_and_inverted_literal(s: cython.ulonglong) -> cython.ulonglong:
    return s & (~255)


def ull_plus_literal_sum(s: cython.ulonglong) -> cython.ulonglong:
    return s + (100 + 1000)


def narrow_times_literal(u: cython.uchar, t: cython.short) -> cython.int:
    return u * 100 + (2 + t)


def mix_uint_int(a: cython.uint, b: cython.int) -> cython.long:
    return a + b


def mix_int_long(a: cython.int, b: cython.long) -> cython.long:
    return a * b


def mix_cint_pyint(a: cython.int, b: int) -> int:
    return a + b


def f32_add(a: cython.float, b: cython.float) -> cython.float:
    return a + b


def f32_mul_double(a: cython.float, b: cython.double) -> cython.double:
    return a * b


def f32_ident(a: cython.float) -> cython.float:
    return a


def bint_ident(b: cython.bint) -> cython.bint:
    return b


def cint_floordiv(a: cython.int, b: cython.int) -> cython.int:
    return a // b


def cint_mod(a: cython.int, b: cython.int) -> cython.int:
    return a % b


def clong_floordiv(a: cython.long, b: cython.long) -> cython.long:
    return a // b


def clong_mod(a: cython.long, b: cython.long) -> cython.long:
    return a % b
''')
    return "\n\n".join(parts)


SOURCE = make_source()


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SOURCE, stem="cints")


@pytest.mark.parametrize("t", list(CTYPES))
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_wraparound(m, t, op):
    bits, signed = CTYPES[t]
    vals = boundary(bits, signed)
    f = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}[op]
    m.assert_values("%s_%s" % (op, t),
                    [((a, b), wrap(f(a, b), bits, signed)) for a in vals for b in vals])


@pytest.mark.parametrize("t", list(CTYPES))
def test_increment_wraps_and_identity(m, t):
    bits, signed = CTYPES[t]
    lo, hi = limits(bits, signed)
    m.assert_values("inc_%s" % t, [((hi,), lo), ((lo,), lo + 1), ((0,), 1)])
    # round trip of the extremes, e.g. ulonglong max is 2**64-1, not -1
    m.assert_values("ident_%s" % t, [((lo,), lo), ((hi,), hi), ((1,), 1)])


@pytest.mark.parametrize("t", list(CTYPES))
def test_out_of_range_argument_raises_overflowerror(m, t):
    bits, signed = CTYPES[t]
    lo, hi = limits(bits, signed)
    m.assert_values("ident_%s" % t, [((hi + 1,), OverflowError), ((lo - 1,), OverflowError),
                                     ((2 ** 100,), OverflowError)])


@pytest.mark.parametrize("t", list(CTYPES))
def test_wrong_argument_type_raises_typeerror(m, t):
    m.assert_values("ident_%s" % t, [(("1",), TypeError), ((None,), TypeError),
                                     ((1.5,), TypeError)])


@pytest.mark.parametrize("t", NARROW)
def test_integer_promotion(m, t):
    bits, signed = CTYPES[t]
    lo, hi = limits(bits, signed)
    m.assert_values("widen_%s" % t, [((hi, hi), 2 * hi), ((lo, lo), 2 * lo), ((hi, 1), hi + 1)])


def test_unrolled_int_counter_near_its_limits(m):
    ends = [0, 1, 2, 3, 4, 7]
    top, bottom = 2 ** 31 - 1, -(2 ** 31)
    cases = [(a, b) for a in range(-3, 9) for b in range(-3, 9)]
    cases += [(top - d, top - e) for d in ends for e in ends]
    cases += [(bottom + d, bottom + e) for d in ends for e in ends]
    m.assert_same("range_trace", cases)


def test_uint_hash_loop(m):
    def model(n):
        h = 2166136261
        for i in range(n):
            h = ((h ^ i) * 16777619) & 0xFFFFFFFF
        return h
    m.assert_values("fnv1a", [((n,), model(n)) for n in (0, 1, 2, 10, 1000)])


def test_ulonglong_lcg(m):
    def model(n):
        x = 88172645463325252
        for _ in range(n):
            x = (x * 6364136223846793005 + 1442695040888963407) & (2 ** 64 - 1)
        return x
    m.assert_values("lcg", [((n,), model(n)) for n in (0, 1, 5, 100)])


def test_int_accumulator_wraps(m):
    def model(n):
        s = 0
        for i in range(n):
            s = wrap(s + 1000003 * i, 32, True)
        return s
    m.assert_values("int_sum", [((n,), model(n)) for n in (0, 10, 1000, 5000)])


@pytest.mark.parametrize("fd,fm", [("cint_floordiv", "cint_mod"), ("clong_floordiv", "clong_mod")])
def test_c_int_division_is_python_floor_division_by_default(m, fd, fm):
    vals = [-7, -6, -1, 0, 1, 6, 7, 2 ** 31 - 1, -(2 ** 31)]
    divs = [-7, -3, -2, -1, 1, 2, 3, 7]
    cases_d, cases_m = [], []
    for a in vals:
        for b in divs:
            if a == -(2 ** 31) and b == -1:
                continue  # checked below
            cases_d.append(((a, b), a // b))
            cases_m.append(((a, b), a % b))
    m.assert_values(fd, cases_d)
    m.assert_values(fm, cases_m)
    m.assert_values(fd, [((5, 0), ZeroDivisionError)])
    m.assert_values(fm, [((5, 0), ZeroDivisionError)])


@pytest.mark.parametrize("t", list(CTYPES))
def test_negation_wraps(m, t):
    bits, signed = CTYPES[t]
    m.assert_values("neg_%s" % t, [((a,), wrap(-a, bits, signed)) for a in boundary(bits, signed)])


def test_usual_arithmetic_conversions(m):
    # C: int converted to unsigned int before the addition, then widened.
    m.assert_values("mix_uint_int", [((0, -1), 2 ** 32 - 1), ((5, 3), 8), ((2 ** 32 - 1, 1), 0)])
    m.assert_values("mix_int_long", [((2 ** 31 - 1, 2 ** 31), (2 ** 31 - 1) * 2 ** 31),
                                      ((-2, 3), -6)])
    m.assert_values("mix_cint_pyint", [((2 ** 31 - 1, 1), 2 ** 31), ((-5, 2), -3)])


def f32(x):
    import struct
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


def test_c_float_is_single_precision(m):
    vals = [0.1, 0.2, 1.0 / 3.0, 1e-3, 16777217.0, -2.5]
    m.assert_values("f32_add", [((a, b), f32(f32(a) + f32(b))) for a in vals for b in vals])
    m.assert_values("f32_mul_double", [((a, b), f32(a) * b) for a in vals for b in vals])
    m.assert_values("f32_ident", [((0.1,), f32(0.1)), ((1e40,), float("inf")),
                                  ((-1e40,), float("-inf")), ((1e-50,), 0.0)])


def test_bint(m):
    m.assert_values("bint_ident", [((5,), True), ((0,), False), ((True,), True), ((-1,), True)])


def test_unary_minus_and_invert_promote_narrow_types(m):
    # C integer promotion: -u and ~u on char/short types are computed as int.
    m.assert_values("neg_uchar_to_int", [((7,), -7), ((255,), -255), ((0,), 0)])
    m.assert_values("inv_uchar_to_int", [((254,), -255), ((0,), -1)])
    m.assert_values("neg_short_to_int", [((-32768,), 32768), ((5,), -5)])
    m.assert_values("inv_ushort_to_long", [((65535,), -65536), ((0,), -1)])


def test_literal_expressions_mixed_with_ulonglong(m):
    # ~255 and 100 + 1000 are C int constants converted to unsigned long long
    m.assert_values("ull_and_inverted_literal", [((2 ** 64 - 1,), 2 ** 64 - 256), ((255,), 0),
                                                 ((2 ** 63 + 511,), 2 ** 63 + 256)])
    m.assert_values("ull_plus_literal_sum", [((2 ** 64 - 1,), 1099), ((2 ** 63,), 2 ** 63 + 1100)])


def test_literals_promote_with_narrow_types(m):
    m.assert_values("narrow_times_literal", [((254, 32767), 25400 + 32769), ((0, -32768), -32766)])
