"""Special methods of @cython.cclass types (type slots) and fields typed
as a cclass; each driver function returns plain values so the compiled
module and CPython running this file compare directly."""
import cython


@cython.cclass
class Vec:
    x: cython.double
    y: cython.double

    def __init__(self, x: cython.double, y: cython.double):
        self.x = x
        self.y = y

    def __add__(self, other):
        if isinstance(other, Vec):
            o: Vec = other
            return Vec(self.x + o.x, self.y + o.y)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, (int, float)):
            return Vec(self.x + other, self.y + other)
        return NotImplemented

    def __sub__(self, other):
        if isinstance(other, Vec):
            o: Vec = other
            return Vec(self.x - o.x, self.y - o.y)
        return NotImplemented

    def __mul__(self, k):
        if isinstance(k, (int, float)):
            return Vec(self.x * k, self.y * k)
        return NotImplemented

    def __truediv__(self, k):
        return Vec(self.x / k, self.y / k)

    def __floordiv__(self, k):
        return Vec(self.x // k, self.y // k)

    def __mod__(self, k):
        return Vec(self.x % k, self.y % k)

    def __neg__(self):
        return Vec(-self.x, -self.y)

    def __pos__(self):
        return self

    def __abs__(self) -> cython.double:
        return (self.x * self.x + self.y * self.y) ** 0.5

    def __iadd__(self, other):
        o: Vec = other
        self.x += o.x
        self.y += o.y
        return self

    def __eq__(self, other):
        if not isinstance(other, Vec):
            return NotImplemented
        o: Vec = other
        return self.x == o.x and self.y == o.y

    def __bool__(self):
        return self.x != 0.0 or self.y != 0.0

    def __repr__(self):
        return "Vec(%r, %r)" % (self.x, self.y)

    def __str__(self):
        return "<%s, %s>" % (self.x, self.y)

    def pair(self):
        return (self.x, self.y)


@cython.cclass
class Key:
    k: cython.long

    def __init__(self, k: cython.long):
        self.k = k

    def __eq__(self, other):
        if not isinstance(other, Key):
            return NotImplemented
        o: Key = other
        return self.k == o.k

    def __lt__(self, other):
        if not isinstance(other, Key):
            return NotImplemented
        o: Key = other
        return self.k < o.k

    def __hash__(self):
        return self.k


@cython.cclass
class Ordered:
    k: cython.int

    def __init__(self, k: cython.int):
        self.k = k

    def __lt__(self, other):
        o: Ordered = other
        return self.k < o.k

    def __ge__(self, other):
        o: Ordered = other
        return self.k >= o.k


@cython.cclass
class Bag:
    items: object
    n: cython.int

    def __init__(self, n: cython.int):
        self.items = [i * i for i in range(n)]
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if isinstance(i, int) and i >= 0 and i < self.n:
            return self.items[i]
        raise IndexError("Bag index out of range")

    def __setitem__(self, i, v):
        self.items[i] = v

    def __contains__(self, v):
        return v in self.items

    def __call__(self, a, b: cython.long = 10):
        return a * b + self.n

    def __iter__(self):
        return Counter(self.n)


@cython.cclass
class Counter:
    i: cython.int
    n: cython.int

    def __init__(self, n: cython.int):
        self.i = 0
        self.n = n

    def __iter__(self):
        return self

    def __next__(self):
        if self.i >= self.n:
            raise StopIteration
        self.i += 1
        return self.i


@cython.cclass
class BadLen:
    v: object

    def __init__(self, v):
        self.v = v

    def __len__(self):
        return self.v

    def __hash__(self):
        return self.v


@cython.cclass
class Tree:
    key: cython.long
    left: 'Tree'
    right: 'Tree'

    def __init__(self, key: cython.long):
        self.key = key
        self.left = None
        self.right = None

    def add(self, key: cython.long):
        t: Tree = self
        while True:
            if key < t.key:
                if t.left is None:
                    t.left = Tree(key)
                    return
                t = t.left
            else:
                if t.right is None:
                    t.right = Tree(key)
                    return
                t = t.right

    def leftmost(self) -> cython.long:
        return self.left.left.key


def keys(t: Tree):
    out = []
    if t.left is not None:
        out.extend(keys(t.left))
    out.append(t.key)
    if t.right is not None:
        out.extend(keys(t.right))
    return out


def vec_ops(a: cython.double, b: cython.double, c: cython.double, d: cython.double):
    u = Vec(a, b)
    v = Vec(c, d)
    w = u + v
    w += u
    return ((u + v).pair(), (u - v).pair(), (u * 2).pair(), (u * 0.5).pair(), (-u).pair(), (+u).pair(),
            abs(v), u == v, u != v, u == Vec(a, b), u != Vec(a, b), bool(u), repr(u), str(v),
            (1 + u).pair(), w.pair())


def vec_div(a: cython.double, k):
    u = Vec(a, a + 1.0)
    return (u / k).pair(), (u // k).pair(), (u % k).pair()


def binop(op: cython.int, p, q):
    if op == 0:
        return p + q
    if op == 1:
        return p - q
    if op == 2:
        return p * q
    return -p * q


def vec_errors(a):
    u = Vec(1.0, 2.0)
    out = []
    for k in range(8):
        try:
            r = binop(k // 2, u, a) if k % 2 == 0 else binop(k // 2, a, u)
            out.append(r.pair() if isinstance(r, Vec) else r)
        except TypeError as e:
            out.append(("TypeError", str(e).replace(__name__ + ".", "")))
    return out


def vec_compare_other(a):
    u = Vec(1.0, 2.0)
    return u == a, a == u, u != a, a != u


def key_ops(a: cython.long, b: cython.long):
    x = Key(a)
    y = Key(b)
    return (x == y, x != y, x < y, y > x, hash(x), hash(Key(-1)), len({x, y, Key(a)}), {x: 1}.get(Key(a)))


def ordered_ops(a: cython.int, b: cython.int):
    x = Ordered(a)
    y = Ordered(b)
    return (x < y, x >= y, y > x, y <= x, x == x, x == y, x != y, hash(x) == hash(x))


def bag_ops(n: cython.int, i):
    g = Bag(n)
    r = [len(g), 4 in g, 5 in g, g(3), g(3, b=2), list(g), [v for v in g]]
    try:
        r.append(g[i])
    except IndexError as e:
        r.append(("IndexError", str(e)))
    g[0] = 99
    r.append(g[0])
    return r


def counter_ops(n: cython.int):
    c = Counter(n)
    out = [v for v in c]
    c2 = Counter(n)
    nxt = []
    try:
        while True:
            nxt.append(next(c2))
    except StopIteration:
        pass
    return out, nxt


def bad_len(v):
    b = BadLen(v)
    try:
        return len(b)
    except (TypeError, ValueError, OverflowError) as e:
        return (type(e).__name__, str(e))


def bad_hash(v):
    b = BadLen(v)
    try:
        return hash(b)
    except (TypeError, ValueError, OverflowError) as e:
        return (type(e).__name__, str(e))


def tree_ops(keys_in):
    t = Tree(keys_in[0])
    for k in keys_in[1:]:
        t.add(k)
    return keys(t)


def tree_leftmost(a: cython.long, b: cython.long, c: cython.long):
    t = Tree(a)
    t.add(b)
    t.add(c)
    try:
        return t.leftmost()
    except AttributeError as e:
        return ("AttributeError", str(e))


def cycle(n: cython.int):
    """Rings of n Tree nodes through their typed `left` fields."""
    first: Tree = Tree(0)
    t: Tree = first
    for i in range(1, n):
        nxt: Tree = Tree(i)
        t.left = nxt
        t = nxt
    t.left = first
    return first.left.key


def kinds(x):
    return (isinstance(x, Vec), isinstance(x, (int, float)), isinstance(x, int), isinstance(x, (str, Vec, float)),
            isinstance(x, ()))


def kind_of(x, c):
    return isinstance(x, c)


def obj_abs(x):
    return abs(x)
