"""Cython's pure-Python-mode tutorial `primes`, its list version: `p` a
Python list of the primes found so far (the tutorial's `p: cython.int[1000]`
array replaced by a list, as a Cython user without C arrays writes it), `n`
and `len_p` C ints, `i` untyped (a Python object)."""
import cython


def primes(nb_primes: cython.int):
    p = []
    len_p: cython.int = 0  # The current number of elements in p.
    n: cython.int = 2
    while len_p < nb_primes:
        # Is n prime?
        for i in p[:len_p]:
            if n % i == 0:
                break

        # If no break occurred in the loop, we have a prime.
        else:
            p.append(n)
            len_p += 1
        n += 1
    return p
