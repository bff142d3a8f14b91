"""The n-body benchmark (pyperformance's `bm_nbody`: the Sun and the four
gas giants, symplectic Euler steps) with each body an extension type
(`@cython.cclass`) whose position, velocity and mass are C doubles. The
bodies are kept in a list; `advance` loops over the pairs through
variables typed as the class, so every field access is a load or store at
a fixed offset.

    pyc-aot build examples/nbody_cclass.py
"""
import cython

PI = 3.14159265358979323
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24


@cython.cclass
class Body:
    x: cython.double
    y: cython.double
    z: cython.double
    vx: cython.double
    vy: cython.double
    vz: cython.double
    mass: cython.double

    def __init__(self, x: cython.double, y: cython.double, z: cython.double,
                 vx: cython.double, vy: cython.double, vz: cython.double, mass: cython.double):
        self.x = x
        self.y = y
        self.z = z
        self.vx = vx
        self.vy = vy
        self.vz = vz
        self.mass = mass


def make_system():
    return [
        # The Sun
        Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, SOLAR_MASS),
        # Jupiter
        Body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
             1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
             -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS),
        # Saturn
        Body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
             -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
             2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS),
        # Uranus
        Body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
             2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
             -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS),
        # Neptune
        Body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
             2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
             -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS),
    ]


def advance(bodies, dt: cython.double, steps: cython.int):
    n: cython.Py_ssize_t = len(bodies)
    for _ in range(steps):
        for i in range(n):
            b1: Body = bodies[i]
            for j in range(i + 1, n):
                b2: Body = bodies[j]
                dx: cython.double = b1.x - b2.x
                dy: cython.double = b1.y - b2.y
                dz: cython.double = b1.z - b2.z
                mag: cython.double = dt * ((dx * dx + dy * dy + dz * dz) ** -1.5)
                b1m: cython.double = b1.mass * mag
                b2m: cython.double = b2.mass * mag
                b1.vx -= dx * b2m
                b1.vy -= dy * b2m
                b1.vz -= dz * b2m
                b2.vx += dx * b1m
                b2.vy += dy * b1m
                b2.vz += dz * b1m
        for i in range(n):
            b: Body = bodies[i]
            b.x += dt * b.vx
            b.y += dt * b.vy
            b.z += dt * b.vz


def energy(bodies) -> cython.double:
    e: cython.double = 0.0
    n: cython.Py_ssize_t = len(bodies)
    for i in range(n):
        b1: Body = bodies[i]
        e += 0.5 * b1.mass * (b1.vx * b1.vx + b1.vy * b1.vy + b1.vz * b1.vz)
        for j in range(i + 1, n):
            b2: Body = bodies[j]
            dx: cython.double = b1.x - b2.x
            dy: cython.double = b1.y - b2.y
            dz: cython.double = b1.z - b2.z
            e -= (b1.mass * b2.mass) / ((dx * dx + dy * dy + dz * dz) ** 0.5)
    return e


def offset_momentum(bodies):
    px: cython.double = 0.0
    py: cython.double = 0.0
    pz: cython.double = 0.0
    b: Body
    for b in bodies:
        px -= b.vx * b.mass
        py -= b.vy * b.mass
        pz -= b.vz * b.mass
    sun: Body = bodies[0]
    sun.vx = px / SOLAR_MASS
    sun.vy = py / SOLAR_MASS
    sun.vz = pz / SOLAR_MASS


def simulate(steps: cython.int):
    """Energy before and after `steps` steps of 0.01 (rounded to 9 places)."""
    bodies = make_system()
    offset_momentum(bodies)
    e0 = energy(bodies)
    advance(bodies, 0.01, steps)
    return (round(e0, 9), round(energy(bodies), 9))


if __name__ == "__main__":
    print(simulate(20000))
