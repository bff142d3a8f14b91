"""`with cython.parallel.parallel():` blocks: the body once per thread of a
team, thread-private locals, `threadid()`, reductions, errors raised once."""
import cython
from cython.parallel import parallel, prange, threadid
from cython.cimports.libc.math import sqrt


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


def shared_loop(a: cython.double[:], b: cython.double[:], t: cython.int) -> cython.double:
    i: cython.Py_ssize_t
    s: cython.double = 0.0
    scale: cython.double
    with cython.nogil, parallel(num_threads=t):
        scale = 2.0 + threadid() * 0.0
        for i in prange(a.shape[0]):
            b[i] = a[i] * scale
            s += a[i]
    return s


def shared_loop_dynamic(n: cython.long, out: cython.int[:], t: cython.int) -> cython.long:
    i: cython.long
    c: cython.long = 0
    with cython.nogil, parallel(num_threads=t):
        for i in prange(n, schedule='dynamic', chunksize=3):
            out[i] = threadid()
            c += 1
    return c


def shared_static_ids(out: cython.int[:], t: cython.int) -> cython.long:
    i: cython.Py_ssize_t
    last: cython.Py_ssize_t = -1
    with cython.nogil, parallel(num_threads=t):
        for i in prange(out.shape[0]):
            out[i] = threadid()
    return last


def shared_loop_fails(n: cython.long, t: cython.int) -> cython.long:
    i: cython.long
    c: cython.long = 0
    with cython.nogil, parallel(num_threads=t):
        for i in prange(n):
            if i == 999:
                raise ValueError("iteration 1000")
            c += 1
    return c


def block_threads_if(flag: cython.bint) -> cython.long:
    n: cython.long = 0
    with cython.nogil, parallel(use_threads_if=flag, num_threads=3):
        n += 1
    return n


@cython.boundscheck(False)
@cython.wraparound(False)
def normalize(x: cython.double[:], t: cython.int) -> cython.double:
    # Cython's tutorial: the norm reduced by the first loop, read by every
    # thread after it, applied by the second.
    i: cython.Py_ssize_t
    total: cython.double = 0
    norm: cython.double
    with cython.nogil, parallel(num_threads=t):
        for i in prange(x.shape[0]):
            total += x[i] * x[i]
        norm = sqrt(total)
        for i in prange(x.shape[0]):
            x[i] /= norm
    return total


def reduce_then_read(n: cython.long, out: cython.long[:], t: cython.int) -> cython.long:
    # Two reductions read after their loops, a second loop reducing one of
    # them again, each thread recording what it read.
    i: cython.long
    s: cython.long = 5
    c: cython.long = 0
    seen: cython.long
    with cython.nogil, parallel(num_threads=t):
        for i in prange(n, schedule='dynamic', chunksize=7):
            s += i
            c += 1
        seen = s * 1000 + c
        for i in prange(n):
            s += seen
        out[threadid()] = s
    return s


def reduce_then_fail(n: cython.long, t: cython.int) -> cython.long:
    i: cython.long
    s: cython.long = 0
    with cython.nogil, parallel(num_threads=t):
        for i in prange(n):
            if i == 999:
                raise ValueError("iteration 1000")
            s += i
        if s < 0:
            raise ValueError("negative")
        for i in prange(n):
            s += 1
    return s


def private_across_the_cut(n: cython.long, t: cython.int) -> cython.long:
    i: cython.long
    s: cython.long = 0
    k: cython.long
    with cython.nogil, parallel(num_threads=t):
        k = 3
        for i in prange(n):
            s += i
        for i in prange(n):
            s += k + s
    return s


def block_break_continue(n: cython.long, stop_at: cython.long, t: cython.int) -> cython.long:
    # `break`/`continue` of the loop around the block: the thread's own run
    # of the block ends, and the loop breaks or continues after it.
    k: cython.long = -1
    done: cython.long = 0
    with cython.nogil:
        for k in range(n):
            with parallel(num_threads=t):
                if k == stop_at:
                    break
                if k % 3 == 1:
                    continue
                done += 1
            done += 100
    return done * 1000 + k


def block_mixed_exits(n: cython.long, t: cython.int) -> cython.long:
    # One thread continues, the last breaks on the 4th trip: break wins.
    k: cython.long = -1
    done: cython.long = 0
    with cython.nogil:
        for k in range(n):
            with parallel(num_threads=t):
                if threadid() == 0:
                    done += 1
                    continue
                if k == 3 and threadid() == t - 1:
                    break
            done += 100
    return done * 1000 + k


def block_return(n: cython.long, who: cython.long, t: cython.int) -> cython.long:
    # `who` < 0: every thread returns (the first thread's value comes back).
    k: cython.long
    with cython.nogil:
        for k in range(n):
            with parallel(num_threads=t):
                if k == 5 and (who < 0 or threadid() == who):
                    return k * 10 + threadid()
    return -1


def block_return_void(out: cython.long[:], t: cython.int) -> None:
    with cython.nogil, parallel(num_threads=t):
        if threadid() == 0:
            return
        out[threadid()] = 1
    out[0] = 7
