"""super() and __class__ in methods the module compiles (tests/test_super.py)."""
import cython


class Base:
    tag = "base-tag"

    def __init__(self, x):
        self.log = ["Base"]
        self.x = x

    def m(self, k):
        return ("Base.m", self.x, k)

    @classmethod
    def create(cls, x):
        return cls(x)

    @property
    def prop(self):
        return self.x * 10

    def fail(self, v):
        raise ValueError("bad %r" % (v,))


# A diamond: Bottom -> L -> R -> Base, each cooperating through super().
class L(Base):
    def __init__(self, x):
        super().__init__(x)
        self.log.append("L")

    def m(self, k):
        return ("L",) + super().m(k)


class R(Base):
    def __init__(self, x):
        super().__init__(x)
        self.log.append("R")

    def m(self, k):
        return ("R",) + super().m(k)


class Bottom(L, R):
    def __init__(self, x):
        super().__init__(x)
        self.log.append("Bottom")

    def m(self, k):
        return ("Bottom",) + super().m(k)

    @classmethod
    def create(cls, x):
        o = super().create(x)
        o.log.append("created")
        return o

    @staticmethod
    def static_super(obj, k):
        return super().m(k)

    def get_prop(self):
        return super().prop

    def get_tag(self):
        return super().tag

    def missing(self):
        return super().nope

    def fail(self, v):
        return super().fail(v)

    def explicit(self, k):
        return super(L, self).m(k)

    def explicit_bad(self, k):
        return super(int, self).m(k)

    def cls_cell(self):
        return __class__

    def reassigned(self, other):
        self = other
        return super().m(0)

    def super_object(self):
        s = super()
        return (type(s).__name__, s.__thisclass__.__name__, s.__self__ is self)

    def typed_first(self, k: cython.int):
        return super().m(k + 1)


def make_bottom(x):
    return Bottom(x)


def run_diamond(x, k):
    b = Bottom(x)
    c = Bottom.create(x)
    return (b.log, b.m(k), type(c).__name__, c.log, b.get_prop(), b.get_tag(), b.explicit(k),
            b.cls_cell().__name__, b.super_object(), Bottom.static_super(b, k))


# Cooperative __init__ with keywords: each takes its own and passes the rest on.
class Coop:
    def __init__(self, **kw):
        self.seen = ["Coop"]
        super().__init__(**kw)


class WithA(Coop):
    def __init__(self, a=0, **kw):
        super().__init__(**kw)
        self.a = a
        self.seen.append("WithA")


class WithB(Coop):
    def __init__(self, b=0, **kw):
        super().__init__(**kw)
        self.b = b
        self.seen.append("WithB")


class AB(WithA, WithB):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.seen.append("AB")


def run_coop(a, b):
    o = AB(a=a, b=b)
    return (o.a, o.b, o.seen)


def coop_extra(a):
    return AB(a=a, zzz=1)


# Subclasses of builtins.
class D(dict):
    def __getitem__(self, k):
        return super().__getitem__(k) * 2

    def get2(self, k, default=None):
        return super().get(k, default)

    def __repr__(self):
        return "D" + super().__repr__()


class Doubling(list):
    def append(self, v):
        super().append(v * 2)

    def __len__(self):
        return super().__len__() + 100


def run_builtins(k, v):
    d = D({k: v})
    l = Doubling()
    l.append(v)
    return (d[k], d.get2(k), d.get2("nope", "dflt"), repr(d), list(l), len(l))


def dict_missing(k):
    d = D()
    return d[k]


# Extension types.
@cython.cclass
class CBase:
    x: cython.int

    def __init__(self, x: cython.int):
        self.x = x

    def m(self, k):
        return self.x + k

    def getx(self):
        return self.x

    @classmethod
    def make(cls, x):
        return cls(x)

    def fail(self, v):
        raise KeyError(v)


@cython.cclass
class CSub(CBase):
    def __init__(self, x: cython.int):
        super().__init__(x + 1)

    def m(self, k):
        return super().m(k) * 2

    @classmethod
    def make_sub(cls, x):
        return super().make(x + 100)

    def who(self):
        return __class__

    def fail(self, v):
        return super().fail(v)


def run_cclass(x, k):
    c = CSub(x)
    return (c.getx(), c.m(k), CSub.make_sub(x).getx(), type(CSub.make_sub(x)).__name__, c.who().__name__)


# No class: CPython's RuntimeErrors.
def no_class(x):
    return super()


def no_args():
    return super()


def star_only(*args):
    return super()


def kw_only(*, a):
    return super()


# Methods called while their class body runs: the cell is still empty.
class Early:
    def who(self):
        return __class__

    def sup(self):
        return super()

    def sup_attr(self):
        return super().x

    early = []
    for f in (who, sup, sup_attr):
        try:
            f(1)
        except Exception as e:
            early.append(repr(e))


# What stays Python, with the reason.
class Refused(Base):
    def in_comprehension(self, n):
        return [super().m(i) for i in range(n)]

    def with_nested(self):
        def inner():
            return __class__
        return inner()

    def deletes_self(self):
        del self
        return super().m(0)
