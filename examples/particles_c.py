"""A particle simulation over a C array of structs in C memory: each
particle a `Particle` struct (position and velocity), the whole system one
`malloc`ed block of them, stepped under gravity with bouncing off the floor
and the walls, and freed. Compiled, `ps[i].vy` is a double at a fixed offset
in that block, as in C; run as Python (with the `cython` shim), the same file
gives the same numbers.

    pyc-aot build particles_c.py
    python -c "import particles_c; print(particles_c.simulate(1000, 200, 0.01))"
"""
import cython
from cython.cimports.libc.stdlib import malloc, free

Particle = cython.struct(x=cython.double, y=cython.double, vx=cython.double, vy=cython.double)


def simulate(n: cython.int, steps: cython.int, dt: cython.double) -> cython.double:
    """Steps `n` particles `steps` times by `dt`; returns their mean height
    plus their mean kinetic energy at the end."""
    if n < 1:
        raise ValueError("n must be at least 1")
    ps: cython.pointer(Particle) = cython.cast(cython.pointer(Particle), malloc(n * cython.sizeof(Particle)))
    if not ps:
        raise MemoryError()
    i: cython.int
    s: cython.int
    for i in range(n):
        ps[i].x = (i % 64) * 0.25
        ps[i].y = 1.0 + (i // 64) * 0.25
        ps[i].vx = ((i * 7) % 13 - 6) * 0.5
        ps[i].vy = ((i * 5) % 11 - 5) * 0.5
    for s in range(steps):
        for i in range(n):
            ps[i].vy -= 9.81 * dt
            ps[i].x += ps[i].vx * dt
            ps[i].y += ps[i].vy * dt
            if ps[i].y < 0.0:
                ps[i].y = -ps[i].y
                ps[i].vy = -0.9 * ps[i].vy
            if ps[i].x < 0.0 or ps[i].x > 16.0:
                ps[i].vx = -ps[i].vx
    height: cython.double = 0.0
    energy: cython.double = 0.0
    for i in range(n):
        height += ps[i].y
        energy += 0.5 * (ps[i].vx * ps[i].vx + ps[i].vy * ps[i].vy)
    free(ps)
    return (height + energy) / n
