import cython
from cython.parallel import prange


def start() -> cython.int:
    return 3


counter = cython.declare(cython.int, start() + 2)
scale = cython.declare(cython.double)
flag = cython.declare(cython.bint, True)
big = cython.declare(cython.longlong, 1 << 40)
K = cython.declare(cython.int, 64)
seen_at_module = counter
counter = 7
after_assign = counter
counter += 3
after_aug = counter
if counter > 5:
    listed = [counter * k for k in range(3)]
total = counter + K


def with_default(x=counter):
    return x


def reset():
    global counter, scale, flag
    counter = 10
    scale = 0.0
    flag = True


def get() -> cython.int:
    return counter


def bump() -> cython.int:
    global counter
    counter += 1
    return counter


def bump_by(n: cython.int) -> cython.int:
    global counter
    counter = counter + n
    return counter


def get_scale() -> cython.double:
    return scale


def set_scale(v: cython.double):
    global scale
    scale = v


def scaled(x: cython.double) -> cython.double:
    return x * scale


def flip() -> cython.bint:
    global flag
    flag = not flag
    return flag


def get_big() -> cython.longlong:
    return big


def shadow(counter: cython.int) -> cython.int:
    return counter * 2


def local_shadow() -> cython.int:
    counter = 100
    return counter


def nog(n: cython.int) -> cython.int:
    global counter
    with cython.nogil:
        counter += n
    return counter


def par_read(n: cython.int) -> cython.int:
    i: cython.int
    s: cython.int = 0
    for i in prange(n, nogil=True):
        s += counter + K
    return s


def par_assign(n: cython.int) -> cython.int:
    global counter
    i: cython.int
    s: cython.int = 0
    for i in prange(n, nogil=True):
        s += i
    counter = s
    return counter


def set_obj(v):
    global counter
    counter = v
    return counter
