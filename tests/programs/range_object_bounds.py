"""`range()` bounds and steps that are objects (module globals, object
parameters) with a C integer loop variable: a C loop, each object converted
once before it, in Python's order, with range()'s errors."""
import cython
from cython.parallel import prange

K_BLOCK = 64
START = 2
STOP = 50
STEP = 3


def blocked(n: cython.Py_ssize_t) -> cython.Py_ssize_t:
    kk: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for kk in range(0, n, K_BLOCK):
        s += kk * 7 + 1
    return s


def blocked_view(a: cython.double[:, ::1], n: cython.Py_ssize_t) -> cython.double:
    kk: cython.Py_ssize_t
    j: cython.Py_ssize_t
    s: cython.double = 0
    for kk in range(0, n, K_BLOCK):
        for j in range(kk, min(kk + K_BLOCK_C, n)):
            s += a[0, j] * (kk + 1)
    return s


K_BLOCK_C: cython.Py_ssize_t = 64


def all_globals() -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for i in range(START, STOP, STEP):
        s = s * 7 % 1000003 + i
    return s


def stop_only() -> cython.Py_ssize_t:
    i: cython.int
    s: cython.Py_ssize_t = 0
    for i in range(STOP):
        s += i * i
    return s


def objs(lo, hi, st) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for i in range(lo, hi, st):
        s = s * 5 + i
    return s


def objs_int(lo, hi, st) -> cython.Py_ssize_t:
    i: cython.int
    s: cython.Py_ssize_t = 0
    for i in range(lo, hi, st):
        s = s * 5 + i
    return s


def last_value(lo, hi, st) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t = -7
    for i in range(lo, hi, st):
        pass
    return i


def with_else(hi, stop_at: cython.Py_ssize_t) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for i in range(0, hi, STEP):
        if i == stop_at:
            break
        s += i
    else:
        s = -s
    return s


def order(log: list, lo, st) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for i in range(lo, note(log, 10), st):
        s += i
    return s


def note(log: list, v):
    log.append(v)
    return v


def untyped(n):
    s = 0
    for k in range(0, n, K_BLOCK):
        s += k
    return s


def untyped_last(lo, hi, st):
    k = None
    for k in range(lo, hi, st):
        pass
    return k


def par_global_step(n: cython.Py_ssize_t) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for i in prange(0, n, STEP, nogil=True):
        s += i * 3 + 1
    return s


def par_objs(lo, hi, st) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for i in prange(lo, hi, st, nogil=True):
        s += i
    return s


KD = cython.declare(cython.Py_ssize_t, 16)
KF = cython.declare(cython.double, 0.5)
KN = cython.declare(cython.int, -3)
KG = cython.declare(cython.Py_ssize_t, 5)


def par_c_global(n: cython.Py_ssize_t) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for i in prange(0, n, KD, nogil=True):
        s += i * KN + KD
    return s


def serial_c_global(n: cython.Py_ssize_t) -> cython.Py_ssize_t:
    i: cython.Py_ssize_t
    s: cython.Py_ssize_t = 0
    for i in range(0, n, KD):
        s += i * KN + KD
    return s


def nogil_c_global(x: cython.double) -> cython.double:
    r: cython.double = 0
    with cython.nogil:
        r = x * KF + KN
    return r


def set_kg(v):
    global KG
    KG = v


def reads_kg(n: cython.Py_ssize_t) -> cython.Py_ssize_t:
    return n * KG
