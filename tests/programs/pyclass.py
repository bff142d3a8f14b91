"""Plain Python classes whose methods compile (issue 12)."""


class Counter:
    """Counts."""

    step = 1

    def __init__(self, start):
        self.n = start
        self.log = []

    def bump(self, k):
        """Adds k steps."""
        self.n += k * self.step
        self.log.append(k)
        return self.n

    def total(self, times):
        t = 0
        for i in range(times):
            t += self.bump(i)
        return t

    def ratio(self, d):
        return self.n / d

    def fail_deep(self, d):
        return self.ratio(d) + 1

    @staticmethod
    def twice(x):
        return x * 2

    @classmethod
    def make(cls, start):
        return cls(start)

    @property
    def doubled(self):
        return self.n * 2

    def __eq__(self, other):
        return isinstance(other, Counter) and self.n == other.n

    def __hash__(self):
        return hash(self.n)

    def __repr__(self):
        return "Counter(%r)" % (self.n,)


class Sub(Counter):
    step = 10

    def bump(self, k):
        return Counter.bump(self, k) + 1000


class Node:
    def __init__(self, value, link):
        self.value = value
        self.link = link

    def length(self):
        n = 0
        p = self
        while p is not None:
            n += 1
            p = p.link
        return n


class Mangled:
    def __init__(self):
        self.__secret = 1

    def peek(self):
        return self.__secret


class WithSuper(Counter):
    def bump(self, k):
        return super().bump(k)


def chain(n):
    p = None
    for i in range(n):
        p = Node(i, p)
    return p.length() if p is not None else 0


def run_counter(start, times):
    c = Counter(start)
    return c.total(times), c.n, c.log


def run_sub(start, times):
    c = Sub(start)
    return c.total(times), c.n


def use_static(x):
    return Counter.twice(x), Counter(0).twice(x), Counter.make(x).n, Counter(x).doubled


def ratio(start, d):
    return Counter(start).ratio(d)
