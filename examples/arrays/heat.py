"""Explicit time stepping of the 1-D heat equation u_t = k * u_xx on a rod whose
ends are held at fixed temperatures.

Each step writes the three-point stencil into a scratch array and copies the
interior back with a memoryview copy (`u[1:n - 1] = tmp[1:n - 1]`).

    u = np.zeros(101); u[0] = 100.0        # the left end is hot
    diffuse(u, np.empty_like(u), 0.25, 1000)

Reference: the same update with NumPy slices (bit-identical).
"""
import cython


@cython.boundscheck(False)
@cython.wraparound(False)
def diffuse(u: cython.double[::1], tmp: cython.double[::1], alpha: cython.double, steps: cython.int):
    """Advance `u` by `steps` steps; alpha = k*dt/dx**2 (stable up to 0.5)."""
    n: cython.Py_ssize_t = u.shape[0]
    i: cython.Py_ssize_t
    if tmp.shape[0] != n:
        raise ValueError("diffuse: u and tmp must have the same length")
    if n < 3:
        return
    for _ in range(steps):
        for i in range(1, n - 1):
            tmp[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u[1:n - 1] = tmp[1:n - 1]
