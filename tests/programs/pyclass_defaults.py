"""Methods of plain classes whose parameters have defaults: module globals,
names of the class body, builtins, calls, keyword-only ones, static and
class methods. Python evaluates them where the `def` runs, in the class
body; compiled, the class body's binding line does."""

SHARED = [1, 2]
EVENTS = []


def note(tag, value):
    EVENTS.append(tag)
    return value


class Box:
    LIMIT = 3

    def __init__(self, items=SHARED, *, label="box"):
        self.items = items
        self.label = label

    def take(self, k=LIMIT, extra=None, *rest, scale=len, **opts):
        got = self.items[:k]
        if extra is not None:
            got = got + [extra]
        return (got, scale(got), rest, sorted(opts.items()))

    def grow(self, acc=[]):
        acc.append(len(acc))
        return list(acc)

    def tagged(self, a=note("a", 10), b=note("b", 20)):
        return a + b

    @staticmethod
    def twice(x, y=-1.5):
        return (x, y)

    @classmethod
    def make(cls, items=(7, 8), label=LIMIT * 2):
        return cls(list(items), label=label)


def run(n):
    b = Box()
    out = [b.take(), b.take(1), b.take(2, 9, 4, 5, scale=sum, z=1), b.label, b.items is SHARED]
    for _ in range(n):
        out.append(b.grow())
    out.append(b.tagged())
    out.append(b.tagged(1))
    out.append(Box.twice(3))
    m = Box.make()
    out.append((m.items, m.label))
    out.append(list(EVENTS))
    return out
