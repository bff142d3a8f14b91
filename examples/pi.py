"""Two ways to estimate pi with scalar loops.

``leibniz_pi`` sums the Leibniz series 4 * (1 - 1/3 + 1/5 - ...).
``monte_carlo_pi`` throws pseudo-random darts at the unit square, using a
32-bit xorshift generator written with C unsigned ints.  The masks keep the
generator to 32 bits under plain Python too, so the compiled module and the
source give the same numbers for the same seed.
"""
import cython


def leibniz_pi(terms: cython.long) -> cython.double:
    """Sum the first `terms` terms of the Leibniz series for pi."""
    k: cython.long
    s: cython.double = 0.0
    sign: cython.double = 1.0
    for k in range(terms):
        s += sign / (2 * k + 1)
        sign = -sign
    return 4.0 * s


@cython.cfunc
@cython.inline
def xorshift32(state: cython.uint) -> cython.uint:
    """One step of Marsaglia's xorshift32 generator (state must be non-zero)."""
    state ^= (state << 13) & 0xFFFFFFFF
    state ^= state >> 17
    state ^= (state << 5) & 0xFFFFFFFF
    return state


def monte_carlo_pi(samples: cython.long, seed: cython.uint) -> cython.double:
    """Estimate pi from `samples` random points in the unit square."""
    if seed == 0:
        raise ValueError("seed must be non-zero")
    i: cython.long
    inside: cython.long = 0
    state: cython.uint = seed
    x: cython.double
    y: cython.double
    for i in range(samples):
        state = xorshift32(state)
        x = state / 4294967296.0
        state = xorshift32(state)
        y = state / 4294967296.0
        if x * x + y * y < 1.0:
            inside += 1
    return 4.0 * inside / samples


@cython.ccall
def lcg_checksum(steps: cython.int, seed: cython.uint) -> cython.uint:
    """Run the classic ANSI C rand() LCG for `steps` steps; return the last state."""
    i: cython.int
    state: cython.uint = seed & 0x7FFFFFFF
    for i in range(steps):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
    return state


if __name__ == "__main__":
    import math

    approx = leibniz_pi(1_000_000)
    print(f"Leibniz, 1e6 terms:     {approx:.12f}  (error {abs(approx - math.pi):.2e})")
    approx = monte_carlo_pi(1_000_000, 2463534242)
    print(f"Monte Carlo, 1e6 darts: {approx:.12f}  (error {abs(approx - math.pi):.2e})")
    print(f"LCG checksum after 1e6 steps: {lcg_checksum(1_000_000, 42)}")
