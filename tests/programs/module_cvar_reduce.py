import cython
from cython.parallel import prange

total = cython.declare(cython.long, 5)
ftot = cython.declare(cython.double, 0.5)
prod = cython.declare(cython.longlong, 1)
bits = cython.declare(cython.int, 0)
small = cython.declare(cython.short, 0)


def reset():
    global total, ftot, prod, bits, small
    total = 5
    ftot = 0.5
    prod = 1
    bits = 0
    small = 0


def get():
    return total, ftot, prod, bits, small


def red(n: cython.int, nt: cython.int) -> cython.long:
    global total
    i: cython.int
    for i in prange(n, nogil=True, num_threads=nt):
        total += i
    return total


def red_mixed(n: cython.int, nt: cython.int) -> cython.long:
    # `-=` and `+=` combine by `+`; a local reduction beside it.
    global total
    i: cython.int
    s: cython.long = 1
    for i in prange(n, nogil=True, num_threads=nt):
        total -= i
        if i % 3 == 0:
            total += 3 * i
        s += i
    return total * 1000 + s


def red_float(n: cython.int, nt: cython.int) -> cython.double:
    global ftot
    i: cython.int
    for i in prange(n, nogil=True, num_threads=nt):
        ftot += i * 0.25
    return ftot


def red_prod(n: cython.int, nt: cython.int) -> cython.longlong:
    global prod
    i: cython.int
    for i in prange(n, nogil=True, num_threads=nt, schedule="dynamic"):
        prod *= 3
    return prod


def red_bits(n: cython.int, nt: cython.int) -> cython.int:
    global bits
    i: cython.int
    for i in prange(n, nogil=True, num_threads=nt):
        bits |= 1 << (i % 24)
    return bits


def red_two(n: cython.int, nt: cython.int) -> cython.double:
    global total, ftot
    i: cython.int
    for i in prange(n, nogil=True, num_threads=nt, schedule="guided"):
        ftot += 0.5
        total += i * i
    return ftot + total


def red_narrow(n: cython.int, nt: cython.int) -> cython.short:
    global small
    i: cython.int
    for i in prange(n, nogil=True, num_threads=nt):
        small += 1
    return small


def red_raise(n: cython.int, nt: cython.int, at: cython.int) -> cython.long:
    global total
    i: cython.int
    for i in prange(n, nogil=True, num_threads=nt):
        total += i
        if i == at:
            with cython.gil:
                raise ValueError("stopped")
    return total


def red_in_nogil(n: cython.int) -> cython.long:
    global total
    i: cython.int
    with cython.nogil:
        for i in prange(n):
            total += 2
    return total


class Reader:
    # Cython compiles a class body: it reads the C variable.
    at_class = total
    twice = total * 2
    pair = (total, ftot)
    listed = [total + k for k in range(2)]

    def method(self):
        return total + 1

    def shadowed(self, total):
        return total

    def local_shadow(self):
        total = 7
        return total

    def nested(self):
        def inner():
            return total
        return inner()

    def comp(self):
        return [total * k for k in range(3)]

    @staticmethod
    def static():
        return ftot

    def defaulted(self, x=total, *, y=ftot):
        return x, y

    def py_method(self, k):
        exec("")
        return total + k, (lambda: ftot)()

    def bits_now(self):
        return bits


class Shadow:
    total = 99
    seen = total

    def m(self):
        return total

    def declared(self):
        global total
        return total


def left_to_python(k):
    # exec() keeps it Python: it reads the variable through the getter.
    exec("")
    return total + k, [ftot for _ in range(2)]


@cython.cclass
class Typed:
    at_class = total

    def get(self) -> cython.long:
        return total


def make_reader():
    return Reader()
