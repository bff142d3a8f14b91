"""Self-recursive integer functions with a base case `if n < c: return …`:
the compiler evaluates the next few arguments at compile time (as gcc -O3
does by inlining and folding). Results and exceptions must not change."""
import cython


def rfib(n: int) -> int:
    if n < 2:
        return n
    return rfib(n - 1) + rfib(n - 2)


def rfib_le(n: int) -> int:
    if n <= 1:
        return n
    return rfib_le(n - 1) + rfib_le(n - 2)


def trib(n: int) -> int:
    if n < 3:
        return 1 if n == 2 else 0
    return trib(n - 1) + trib(n - 2) + trib(n - 3)


def grows(n: int) -> int:
    # Leaves 64 bits at n = 3: only n = 1, 2 can be folded.
    if n < 1:
        return 7
    return grows(n - 1) * 2000000


def wraps(n: cython.int) -> cython.int:
    # C int arithmetic wraps (from n = 1 on).
    if n < 1:
        return 30000
    return wraps(n - 1) * 100003 + n


def floors(n: int) -> int:
    # Python's floor division and modulo of negative numbers.
    if n < -3:
        return n % 7
    return floors(n - 2) // 3 - floors(n - 1) % 5


@cython.cdivision(True)
def truncs(n: cython.long) -> cython.long:
    # C division truncates toward zero.
    if n < -3:
        return -n
    return truncs(n - 2) // -3 + truncs(n - 1) % -5


def loops(n: int) -> int:
    if n < 1:
        return 0
    t = 0
    for i in range(n):
        t += i * i
    return t + loops(n - 1)


def slow(n: int) -> int:
    # Too much work to evaluate at compile time.
    if n < 1:
        return 0
    i = 0
    while i < 100000:
        i += 1
    return slow(n - 1) + i


def guarded(n: int) -> int:
    # Raises for n >= 2: only n = 0, 1 can be folded.
    if n < 0:
        return 0
    if n == 2:
        raise ValueError("two")
    return guarded(n - 1) + n


def bits(n: cython.uchar) -> cython.uchar:
    # Unsigned narrow type: not folded, still right.
    if n < 2:
        return n
    return bits(n - 1) * 3 + bits(n - 2)
