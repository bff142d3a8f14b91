"""Counting primes with nothing but scalars and loops (trial division by 6k±1)."""
import cython


@cython.cfunc
@cython.cdivision(True)
def is_prime(n: cython.long) -> cython.bint:
    # cdivision is safe here: n and d are always positive and d is never 0.
    d: cython.long
    if n < 2:
        return False
    if n < 4:
        return True
    if n % 2 == 0 or n % 3 == 0:
        return False
    d = 5
    while d * d <= n:
        if n % d == 0 or n % (d + 2) == 0:
            return False
        d += 6
    return True


@cython.ccall
def count_primes(limit: cython.long) -> cython.long:
    """Return the number of primes p with p < limit."""
    count: cython.long = 0
    n: cython.long
    for n in range(2, limit):
        if is_prime(n):
            count += 1
    return count


def nth_prime(k: cython.long) -> cython.long:
    """Return the k-th prime (nth_prime(1) == 2)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    n: cython.long = 1
    while k > 0:
        n += 1
        if is_prime(n):
            k -= 1
    return n


if __name__ == "__main__":
    print(f"primes below 100000: {count_primes(100_000)}")  # 9592
    print(f"10000th prime: {nth_prime(10_000)}")  # 104729
