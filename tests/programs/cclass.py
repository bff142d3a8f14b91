"""Extension types (issue 13, first slice): @cython.cclass classes with C
number fields, a compiled __init__ and def methods."""
import cython


@cython.cclass
class Point:
    """A point of the plane."""
    x: cython.double
    y: cython.double
    hits = cython.declare(cython.int, visibility='public')
    total = cython.declare(cython.double, visibility='readonly')

    def __init__(self, x: cython.double, y: cython.double):
        self.x = x
        self.y = y
        self.hits = 0
        self.total = x + y

    def norm2(self) -> cython.double:
        self.hits += 1
        return self.x * self.x + self.y * self.y

    def move(self, dx: cython.double, dy: cython.double = 1.0):
        self.x += dx
        self.y += dy
        self.total = self.x + self.y

    def coords(self):
        return (self.x, self.y)

    def scaled(self, k):
        return Point(self.x * k, self.y * k)

    @cython.cfunc
    def dot(self, ox: cython.double, oy: cython.double) -> cython.double:
        return self.x * ox + self.y * oy

    @cython.cfunc
    @cython.locals(k=cython.int)
    def times(self, k) -> cython.double:
        return self.dot(self.x, self.y) * k

    def project(self, ox, oy):
        return (self.dot(ox, oy), self.times(3), self.dot(oy=oy, ox=ox))


@cython.cclass
class Counter:
    count: cython.long
    small = cython.declare(cython.short, visibility='public')
    flag = cython.declare(cython.bint, visibility='public')
    ratio = cython.declare(cython.float, visibility='public')

    def __init__(self):
        self.count = 0
        self.small = 0
        self.flag = False
        self.ratio = 0.0

    def bump(self, by: cython.long) -> cython.long:
        self.count += by
        self.flag = self.count > 10
        return self.count


@cython.cclass
class Blank:
    """No __init__: C fields start at zero, as in Cython."""
    v = cython.declare(cython.longlong, visibility='public')


@cython.cclass
class Named:
    name: str

    def __init__(self, name):
        self.name = name

    def greet(self):
        return "hello " + self.name


@cython.cclass
class Node:
    """Object fields: None until set, released with the node, traversed by the GC."""
    value: object
    next: object
    weight: cython.double
    tag = cython.declare(object, visibility='readonly')

    def __init__(self, value, weight: cython.double):
        self.value = value
        self.next = None
        self.weight = weight
        self.tag = ("node", value)

    def link(self, other):
        self.next = other
        return self

    def get(self):
        return (self.value, self.next is None, self.weight)

    def add(self, extra):
        self.value += extra
        return self.value

    def swap(self, new):
        old = self.value
        self.value = new
        return old

    def chain_length(self) -> cython.int:
        n: cython.int = 1
        node = self.next
        while node is not None and node is not self:
            n += 1
            node = node.next_node()
        return n

    def next_node(self):
        return self.next


def build_chain(values):
    head = None
    for v in values:
        head = Node(v, 1.0).link(head)
    if head is None:
        return 0
    return head.chain_length()


def node_ops(v, extra):
    a = Node(v, 2.5)
    r1 = a.get()
    r2 = a.add(extra)
    r3 = a.swap([v])
    return (r1, r2, r3, a.get(), a.tag)


def walk(x, y, steps: cython.int):
    p = Point(x, y)
    s = 0.0
    for i in range(steps):
        p.move(0.5)
        s += p.norm2()
    return (s, p.coords(), p.hits, p.total)


def count_to(n: cython.long):
    c = Counter()
    for i in range(n):
        c.bump(i)
    return (c.bump(0), c.flag, c.small, c.ratio)


def greet(name):
    return Named(name).greet()


def project(x, y, ox, oy):
    return Point(x, y).project(ox, oy)


def scaled(x, y, k):
    return Point(x, y).scaled(k).coords()
