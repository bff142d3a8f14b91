"""N-body gravitational simulation on arrays (the Benchmarks Game algorithm).

pos and vel are (n, 3) float64 arrays, mass is (n,) float64; `advance`
integrates in place with symplectic Euler, `energy` returns the total energy
and `offset_momentum` makes the total momentum zero by adjusting body 0.

Reference: the same algorithm on Python lists (bit-identical).
"""
import cython
from cython.cimports.libc.math import sqrt


@cython.boundscheck(False)
@cython.wraparound(False)
def advance(pos: cython.double[:, ::1], vel: cython.double[:, ::1],
            mass: cython.double[::1], dt: cython.double, steps: cython.int):
    """Advance the system `steps` times by `dt`."""
    n: cython.Py_ssize_t = mass.shape[0]
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    step: cython.int
    dx: cython.double
    dy: cython.double
    dz: cython.double
    d2: cython.double
    mag: cython.double
    mi: cython.double
    mj: cython.double
    if pos.shape[0] != n or vel.shape[0] != n or pos.shape[1] != 3 or vel.shape[1] != 3:
        raise ValueError("advance: pos and vel must be (n, 3) with n = len(mass)")
    for step in range(steps):
        for i in range(n):
            for j in range(i + 1, n):
                dx = pos[i, 0] - pos[j, 0]
                dy = pos[i, 1] - pos[j, 1]
                dz = pos[i, 2] - pos[j, 2]
                d2 = dx * dx + dy * dy + dz * dz
                mag = dt / (d2 * sqrt(d2))
                mj = mass[j] * mag
                vel[i, 0] -= dx * mj
                vel[i, 1] -= dy * mj
                vel[i, 2] -= dz * mj
                mi = mass[i] * mag
                vel[j, 0] += dx * mi
                vel[j, 1] += dy * mi
                vel[j, 2] += dz * mi
        for i in range(n):
            pos[i, 0] += dt * vel[i, 0]
            pos[i, 1] += dt * vel[i, 1]
            pos[i, 2] += dt * vel[i, 2]


@cython.boundscheck(False)
@cython.wraparound(False)
def energy(pos: cython.double[:, ::1], vel: cython.double[:, ::1],
           mass: cython.double[::1]) -> cython.double:
    """Kinetic minus pairwise potential energy."""
    n: cython.Py_ssize_t = mass.shape[0]
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    e: cython.double = 0.0
    dx: cython.double
    dy: cython.double
    dz: cython.double
    if pos.shape[0] != n or vel.shape[0] != n or pos.shape[1] != 3 or vel.shape[1] != 3:
        raise ValueError("energy: pos and vel must be (n, 3) with n = len(mass)")
    for i in range(n):
        e += 0.5 * mass[i] * (vel[i, 0] * vel[i, 0] + vel[i, 1] * vel[i, 1] + vel[i, 2] * vel[i, 2])
        for j in range(i + 1, n):
            dx = pos[i, 0] - pos[j, 0]
            dy = pos[i, 1] - pos[j, 1]
            dz = pos[i, 2] - pos[j, 2]
            e -= mass[i] * mass[j] / sqrt(dx * dx + dy * dy + dz * dz)
    return e


@cython.boundscheck(False)
@cython.wraparound(False)
def offset_momentum(vel: cython.double[:, ::1], mass: cython.double[::1]):
    """Set vel[0] so that the total momentum is zero (needs n >= 1)."""
    n: cython.Py_ssize_t = mass.shape[0]
    i: cython.Py_ssize_t
    px: cython.double = 0.0
    py: cython.double = 0.0
    pz: cython.double = 0.0
    if n == 0:
        return
    if vel.shape[0] != n or vel.shape[1] != 3:
        raise ValueError("offset_momentum: vel must be (n, 3) with n = len(mass)")
    for i in range(n):
        px += vel[i, 0] * mass[i]
        py += vel[i, 1] * mass[i]
        pz += vel[i, 2] * mass[i]
    vel[0, 0] = -px / mass[0]
    vel[0, 1] = -py / mass[0]
    vel[0, 2] = -pz / mass[0]
