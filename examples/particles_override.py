"""A particle system whose `step` is a `@cython.cfunc` overridden in a
subclass: `Particle.step` integrates gravity and a floor that bounces
with damping; `Charged.step` adds a spring pulling toward x = 0 with drag,
then calls the base's step. `simulate` keeps both kinds in one list and
steps each through a variable typed as the base class, so the call goes
through the class's table of cfuncs (Cython's vtable).

    pyc-aot build examples/particles_override.py
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

    @cython.cfunc
    def step(self, dt: cython.double) -> cython.void:
        self.vy -= 9.81 * dt
        self.x += self.vx * dt
        self.y += self.vy * dt
        if self.y < 0.0:
            self.y = -self.y
            self.vy = -0.9 * self.vy
            self.bounces += 1

    def energy(self) -> cython.double:
        return 0.5 * (self.vx * self.vx + self.vy * self.vy) + 9.81 * self.y


@cython.cclass
class Charged(Particle):
    k: cython.double

    def __init__(self, x: cython.double, y: cython.double, vx: cython.double, vy: cython.double, k: cython.double):
        self.x = x
        self.y = y
        self.vx = vx
        self.vy = vy
        self.bounces = 0
        self.k = k

    @cython.cfunc
    def step(self, dt: cython.double) -> cython.void:
        self.vx -= self.k * self.x * dt
        self.vx *= 0.9999
        Particle.step(self, dt)

    def energy(self) -> cython.double:
        return 0.5 * (self.vx * self.vx + self.vy * self.vy) + 9.81 * self.y + 0.5 * self.k * self.x * self.x


def simulate(n: cython.int, steps: cython.int, dt: cython.double):
    ps = []
    for i in range(n):
        if i % 3 == 0:
            ps.append(Charged(i * 0.5, 1.0 + (i % 7), (i % 3) - 1.0, 0.0, 0.5 + (i % 5)))
        else:
            ps.append(Particle(i * 0.5, 1.0 + (i % 7), (i % 3) - 1.0, 0.0))
    p: Particle
    for _ in range(steps):
        for p in ps:
            p.step(dt)
    total = 0.0
    bounces = 0
    for p in ps:
        total += p.energy()
        bounces += p.bounces
    return (round(total, 6), bounces)


if __name__ == "__main__":
    print(simulate(1000, 1000, 0.001))
