"""Particles as an extension type (`@cython.cclass`): each particle's state
is C doubles in the instance, and its `step` method integrates it in place
(gravity, a floor that bounces with damping). `simulate` builds a list of
them and steps each through a Python-level method call.

    pyc-aot build examples/particles_cclass.py
"""
import cython


@cython.cclass
class Particle:
    x: cython.double
    y: cython.double
    vx: cython.double
    vy: cython.double
    bounces = cython.declare(cython.int, visibility='readonly')

    def __init__(self, x: cython.double, y: cython.double, vx: cython.double, vy: cython.double):
        self.x = x
        self.y = y
        self.vx = vx
        self.vy = vy
        self.bounces = 0

    def step(self, dt: cython.double, steps: cython.int):
        for _ in range(steps):
            self.vy -= 9.81 * dt
            self.x += self.vx * dt
            self.y += self.vy * dt
            if self.y < 0.0:
                self.y = -self.y
                self.vy = -0.9 * self.vy
                self.bounces += 1

    def energy(self) -> cython.double:
        return 0.5 * (self.vx * self.vx + self.vy * self.vy) + 9.81 * self.y


def simulate(n: cython.int, steps: cython.int, dt: cython.double):
    ps = []
    for i in range(n):
        ps.append(Particle(i * 0.5, 1.0 + (i % 7), (i % 3) - 1.0, 0.0))
    for p in ps:
        p.step(dt, steps)
    total = 0.0
    bounces = 0
    for p in ps:
        total += p.energy()
        bounces += p.bounces
    return (round(total, 6), bounces)


if __name__ == "__main__":
    print(simulate(1000, 1000, 0.001))
