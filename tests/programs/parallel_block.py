"""`with cython.parallel.parallel():` blocks: the body once per thread of a
team, thread-private locals, `threadid()`, reductions, errors raised once."""
import cython
from cython.parallel import parallel, threadid


def per_thread(out: cython.long[:], t: cython.int) -> cython.long:
    me: cython.int
    k: cython.long
    acc: cython.long = -1
    total: cython.long = 0
    with cython.nogil, parallel(num_threads=t):
        me = threadid()
        acc = 0
        for k in range(1000):
            acc += k * (me + 1)
        out[me] = acc
        total += acc
    return total


def private_after(t: cython.int) -> cython.long:
    acc: cython.long = -1
    with cython.nogil, parallel(num_threads=t):
        acc = threadid() + 5
    return acc


def threads(t: cython.int) -> cython.long:
    n: cython.long = 0
    with cython.nogil:
        with parallel(num_threads=t):
            n += 1
    return n


def fails(t: cython.int) -> cython.long:
    n: cython.long = 0
    with cython.nogil:
        with parallel(num_threads=t):
            if threadid() == t - 1:
                raise ValueError("the last thread")
            n += 1
    return n
