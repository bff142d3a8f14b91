"""A 2-D vector as an extension type (`@cython.cclass`) with operators:
`+`, `-`, `*` by a scalar, unary `-`, `abs()`, `==` and `in`-place `+=`
are its special methods, which pyc-aot puts in the type's slots. `orbit`
integrates a point around the origin with them in a hot loop (every step
allocates a few vectors).

    pyc-aot build examples/vec2_cclass.py
"""
import cython


@cython.cclass
class Vec2:
    x: cython.double
    y: cython.double

    def __init__(self, x: cython.double, y: cython.double):
        self.x = x
        self.y = y

    def __add__(self, other):
        if not isinstance(other, Vec2):
            return NotImplemented
        o: Vec2 = other
        return Vec2(self.x + o.x, self.y + o.y)

    def __sub__(self, other):
        if not isinstance(other, Vec2):
            return NotImplemented
        o: Vec2 = other
        return Vec2(self.x - o.x, self.y - o.y)

    def __mul__(self, k):
        if isinstance(k, (int, float)):
            return Vec2(self.x * k, self.y * k)
        return NotImplemented

    def __rmul__(self, k):
        if isinstance(k, (int, float)):
            return Vec2(self.x * k, self.y * k)
        return NotImplemented

    def __neg__(self):
        return Vec2(-self.x, -self.y)

    def __abs__(self) -> cython.double:
        return (self.x * self.x + self.y * self.y) ** 0.5

    def __eq__(self, other):
        if not isinstance(other, Vec2):
            return NotImplemented
        o: Vec2 = other
        return self.x == o.x and self.y == o.y

    def __iadd__(self, other):
        if not isinstance(other, Vec2):
            return NotImplemented
        o: Vec2 = other
        self.x += o.x
        self.y += o.y
        return self

    def __repr__(self):
        return "Vec2(%r, %r)" % (self.x, self.y)

    def dot(self, other: 'Vec2') -> cython.double:
        return self.x * other.x + self.y * other.y


def orbit(steps: cython.int, dt: cython.double):
    """Leapfrog steps of a unit-mass point around a unit-mass centre;
    returns the final position's rounded radius and the energy drift."""
    p: Vec2 = Vec2(1.0, 0.0)
    v: Vec2 = Vec2(0.0, 1.0)
    e0 = 0.5 * v.dot(v) - 1.0 / abs(p)
    for _ in range(steps):
        r = abs(p)
        a = p * (-1.0 / (r * r * r))
        v += a * dt
        p = p + v * dt
    e1 = 0.5 * v.dot(v) - 1.0 / abs(p)
    return round(abs(p), 6), round(e1 - e0, 9), -p == Vec2(-p.x, -p.y)
