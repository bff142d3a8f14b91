"""Pickling of extension types (issue 13): Cython 3.3.1's `auto_pickle`
(`__reduce_cython__`/`__setstate_cython__` made `__reduce__`/`__setstate__`,
the module function `__pyx_unpickle_<Class>` with its checksum), and the
introspection a compiled `@cython.cclass` offers (isinstance, names,
`help()`). Round trips are compared with the same source run by CPython
(plain classes pickle by `__dict__`, so results are compared, not bytes);
what only Cython does (refusals, checksums) is checked against its messages."""

import copy
import hashlib
import pickle
import pydoc

import pytest

from conftest import LEAK_CALLS, attempt, growth

SRC = '''
import cython

@cython.cclass
class Node:
    """A node of a list."""
    val: cython.int

    def __init__(self, val: cython.int):
        self.val = val

    def value(self):
        """The node's value."""
        return self.val

@cython.cclass
class Base:
    """Fields of every kind."""
    i: cython.int
    ll: cython.longlong
    d: cython.double
    f: cython.float
    b: cython.bint
    o: object
    nxt: Node
    pub = cython.declare(cython.double, visibility='public')
    ro = cython.declare(cython.int, visibility='readonly')

    def __init__(self, i: cython.int, d: cython.double, o):
        self.i = i
        self.ll = i * 1000000000000
        self.d = d
        self.f = d / 2
        self.b = i > 0
        self.o = o
        self.nxt = Node(i + 1)
        self.pub = d * 3
        self.ro = -i

    def scale(self, k: cython.double) -> cython.double:
        """Scale d by k and return it."""
        self.d *= k
        return self.d

@cython.cclass
class Derived(Base):
    """Inherited fields, then its own."""
    extra: cython.short
    tag: object

    def __init__(self, i: cython.int, d: cython.double, o):
        self.i = i
        self.ll = -i
        self.d = d
        self.f = 0.5
        self.b = False
        self.o = o
        self.nxt = None
        self.pub = 1.0
        self.ro = 2
        self.extra = i * 2
        self.tag = (i, 'tag')

@cython.cclass
class Plain:
    """C numbers only: no object field, no __setstate__ needed."""
    a: cython.int
    z: cython.double

    def __init__(self, a: cython.int, z: cython.double):
        self.a = a
        self.z = z

    def get(self):
        return (self.a, self.z)

@cython.cclass
class Empty:
    pass

@cython.cclass
class WithCinit:
    v: cython.int

    def __cinit__(self):
        self.v = 1

@cython.auto_pickle(False)
@cython.cclass
class NoPickle:
    v: cython.int

@cython.cclass
class Custom:
    v: cython.int

    def __init__(self, v: cython.int):
        self.v = v

    def __reduce__(self):
        return (Custom, (self.v + 100,))

    def get(self):
        return self.v

@cython.cclass
class Stateful:
    v: cython.int

    def __init__(self, v: cython.int):
        self.v = v

    def __getstate__(self):
        return (self.v * 2,)

    def __setstate__(self, state):
        self.v = state[0] + 1

    def get(self):
        return self.v

def snapshot(x: Base):
    nxt = x.nxt.val if x.nxt is not None else None
    return (type(x).__name__, x.i, x.ll, x.d, x.f, x.b, x.o, nxt, x.pub, x.ro)

def snapshot_derived(x: Derived):
    return snapshot(x) + (x.extra, x.tag)
'''


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair(SRC, stem="cpickle")


def objects(M):
    return [M.Base(3, 1.5, [1, "two"]), M.Base(-2, 0.25, None), M.Derived(4, 2.5, {"k": 1})]


def snap(M, x):
    return M.snapshot_derived(x) if isinstance(x, M.Derived) else M.snapshot(x)


def test_every_class_compiles(m):
    assert "left to Python" not in m.build.stderr, m.build.stderr


@pytest.mark.parametrize("proto", range(pickle.HIGHEST_PROTOCOL + 1))
def test_round_trip_matches_cpython(m, proto):
    results = []
    for M in (m.native, m.py):
        out = []
        for x in objects(M):
            y = pickle.loads(pickle.dumps(x, proto))
            assert type(y) is type(x) and y is not x
            out.append(snap(M, y))
        p = pickle.loads(pickle.dumps(M.Plain(7, -0.5), proto))
        out.append(p.get())
        out.append(type(pickle.loads(pickle.dumps(M.Empty(), proto))).__name__)
        out.append(pickle.loads(pickle.dumps(M.Custom(5), proto)).get())
        results.append(out)
    assert results[0] == results[1]
    assert results[0][0] == ("Base", 3, 3000000000000, 1.5, 0.75, True, [1, "two"], 4, 4.5, -3)
    assert results[0][-1] == 105


def test_copy_and_deepcopy(m):
    for M in (m.native, m.py):
        for x in objects(M):
            c, d = copy.copy(x), copy.deepcopy(x)
            assert snap(M, c) == snap(M, d) == snap(M, x)
            # copy shares the object fields, deepcopy copies them.
            assert c.__reduce__ and (M.snapshot(c)[6] is M.snapshot(x)[6])
            if M.snapshot(x)[6] is not None:
                assert M.snapshot(d)[6] is not M.snapshot(x)[6]


def test_cython_shape(m):
    M = m.native
    members = ["b", "d", "f", "i", "ll", "nxt", "o", "pub", "ro"]
    check = int(hashlib.sha256(" ".join(members).encode()).hexdigest()[:7], 16)
    x = M.Base(3, 1.5, "o")
    func, args, state = x.__reduce__()
    # An object field is set: the state goes by __setstate__, as Cython's.
    assert func is M.__pyx_unpickle_Base and args == (M.Base, check, None)
    assert state[:4] == (True, 1.5, 0.75, 3) and state[6:] == ("o", 4.5, -3) and state[5].value() == 4
    # Numbers only: the state is the function's argument.
    func, args = M.Plain(1, 2.0).__reduce__()
    plain = int(hashlib.sha256(b"a z").hexdigest()[:7], 16)
    assert func is M.__pyx_unpickle_Plain and args == (M.Plain, plain, (1, 2.0))
    assert M.Empty().__reduce__()[1][2] == ()
    # Where the type is made, Cython binds the methods as __reduce__ and
    # __setstate__ too.
    assert M.Base.__reduce__.__name__ == "__reduce_cython__"
    assert M.Base.__setstate__.__name__ == "__setstate_cython__"
    assert "__reduce_cython__" in M.Base.__dict__ and "__setstate_cython__" in M.Base.__dict__
    assert M.__pyx_unpickle_Base.__module__ == M.__name__
    # Inherited fields sorted with the class's own.
    d = M.Derived(1, 2.0, None)
    assert len(d.__reduce__()[2]) == 11 and d.__reduce__()[0] is M.__pyx_unpickle_Derived


def test_cython_errors(m):
    M = m.native
    with pytest.raises(TypeError, match=r"^no default __reduce__ due to non-trivial __cinit__$"):
        pickle.dumps(M.WithCinit())
    with pytest.raises(TypeError, match=r"^no default __reduce__ due to non-trivial __cinit__$"):
        M.WithCinit().__setstate__(())
    # auto_pickle(False): CPython's refusal of a type without a __dict__.
    with pytest.raises(TypeError, match=r"^cannot pickle '%s\.NoPickle' object$" % M.__name__):
        pickle.dumps(M.NoPickle())
    assert not hasattr(M, "__pyx_unpickle_NoPickle") and not hasattr(M, "__pyx_unpickle_WithCinit")
    sha256 = int(hashlib.sha256(b"a z").hexdigest()[:7], 16)
    sha1 = int(hashlib.sha1(b"a z").hexdigest()[:7], 16)
    md5 = int(hashlib.md5(b"a z").hexdigest()[:7], 16)
    msg = "Incompatible checksums (0x1 vs (0x%x, 0x%x, 0x%x) = (a, z))" % (sha256, sha1, md5)
    with pytest.raises(pickle.PickleError) as e:
        M.__pyx_unpickle_Plain(M.Plain, 1, (1, 2.0))
    assert str(e.value) == msg
    # Older Cython's checksums are accepted too.
    assert M.__pyx_unpickle_Plain(M.Plain, md5, (4, 0.5)).get() == (4, 0.5)
    with pytest.raises(TypeError, match=r"Argument '__pyx_state' has incorrect type \(expected tuple, got list\)"):
        M.__pyx_unpickle_Plain(M.Plain, sha256, [1, 2.0])
    with pytest.raises(TypeError, match="Expected tuple, got list"):
        M.Plain(0, 0.0).__setstate__([1, 2.0])
    with pytest.raises(TypeError, match="^cannot pass None into a C function argument that is declared 'not None'$"):
        M.Plain(0, 0.0).__setstate__(None)
    with pytest.raises(TypeError, match="^an integer is required$"):
        M.__pyx_unpickle_Plain(M.Plain, "1", ())
    with pytest.raises(OverflowError, match="^Python int too large to convert to C long$"):
        M.__pyx_unpickle_Plain(M.Plain, 2**70, ())
    with pytest.raises(OverflowError, match="^value too large to convert to int$"):
        M.Plain(0, 0.0).__setstate__((2**40, 2.0))
    with pytest.raises(TypeError, match=r"^Cannot convert str to %s\.Node$" % M.__name__):
        M.Base(0, 0.0, None).__setstate__((True, 1.0, 1.0, 1, 1, "not a node", None, 1.0, 1))
    # Unpickled without __init__: fields as tp_new leaves them.
    assert M.__pyx_unpickle_Plain(M.Plain, sha256, None).get() == (0, 0.0)
    assert M.snapshot(M.__pyx_unpickle_Base(M.Base, M.Base(1, 1, 1).__reduce__()[1][1], None))[6] is None


def test_python_subclass_round_trips(m):
    results = []
    for M in (m.native, m.py):
        class Sub(M.Derived):
            def __init__(self, i, d, o):
                super().__init__(i, d, o)
                self.note = ["dict", i]

        Sub.__qualname__, Sub.__module__ = "Sub", M.__name__
        M.Sub = Sub  # pickle finds it by module and name
        out = []
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            y = pickle.loads(pickle.dumps(Sub(5, 0.5, None), proto))
            assert type(y) is Sub
            out.append((M.snapshot_derived(y)[1:], y.note))
        z = Sub(1, 1.0, None)
        del z.note
        out.append(M.snapshot_derived(copy.deepcopy(z))[1:] + (hasattr(copy.deepcopy(z), "note"),))
        results.append(out)
    assert results[0] == results[1]
    assert results[0][0][1] == ["dict", 5]
    # An empty __dict__ goes nowhere (Cython's test); fields never in it.
    assert vars(copy.deepcopy(m.native.Sub(1, 1.0, None))) == {"note": ["dict", 1]}


def test_introspection(m):
    M = m.native
    x = M.Derived(1, 1.0, None)
    assert isinstance(x, M.Base) and isinstance(x, M.Derived) and not isinstance(x, M.Node)
    assert type(x).__name__ == "Derived" and type(x).__qualname__ == "Derived"
    assert M.Derived.__module__ == M.Base.__module__ == M.__name__
    assert M.Base.scale.__name__ == "scale" and M.Base.scale.__qualname__ == "Base.scale"
    assert M.Base.scale.__doc__ == "Scale d by k and return it."
    doc = pydoc.render_doc(M.Base, renderer=pydoc.plaintext)
    assert "Fields of every kind." in doc and "Scale d by k and return it." in doc
    assert "scale(self, /, k)" in doc and "__reduce__ = __reduce_cython__(self, /)" in doc
    assert "__reduce_cython__(self, /)" in doc.replace("__reduce__ = ", "")
    node = pydoc.render_doc(M.Node, renderer=pydoc.plaintext)
    assert "A node of a list." in node and "The node's value." in node and "value(self, /)" in node


def test_no_leaks(m):
    M = m.native
    objs = objects(M) + [M.Plain(1, 2.0), M.Empty(), M.Custom(3)]
    for proto in (0, 2, pickle.HIGHEST_PROTOCOL):
        for x in objs:
            assert growth(lambda: pickle.loads(pickle.dumps(x, proto))) < LEAK_CALLS // 10, (x, proto)
    assert growth(lambda: copy.deepcopy(objs[2])) < LEAK_CALLS // 10

    class Sub(M.Derived):
        pass

    Sub.__module__ = M.__name__
    M.LeakSub = Sub
    Sub.__qualname__ = Sub.__name__ = "LeakSub"
    s = Sub(1, 2.0, [3])
    s.note = {"a": [1]}
    assert growth(lambda: pickle.loads(pickle.dumps(s, 2))) < LEAK_CALLS // 10
    assert growth(lambda: copy.deepcopy(s)) < LEAK_CALLS // 10
    # Error paths.
    assert growth(lambda: attempt(pickle.dumps, M.WithCinit())) < LEAK_CALLS // 10
    assert growth(lambda: attempt(pickle.dumps, M.NoPickle())) < LEAK_CALLS // 10
    assert growth(lambda: attempt(M.__pyx_unpickle_Plain, M.Plain, 1, (1, 2.0))) < LEAK_CALLS // 10
    assert growth(lambda: attempt(M.Plain(0, 0.0).__setstate__, (2**40, 2.0))) < LEAK_CALLS // 10
    assert growth(lambda: attempt(M.Base(0, 0.0, None).__setstate__, (1, 1.0, 1.0, 1, 1, "x", None, 1.0, 1))) < LEAK_CALLS // 10


DECORATED_BELOW = """
import cython

@cython.cclass
@cython.auto_pickle(False)
class Below:
    v: cython.int
"""


def test_auto_pickle_below_cclass_stays_python(pyc):
    # Cython refuses the directive there ("not allowed in class scope").
    b = pyc.build(DECORATED_BELOW, stem="cpickle_below")
    assert b.ok and "`@cython.auto_pickle` is below `@cython.cclass`" in b.stderr, b.describe()


POINTER = """
import cython

@cython.cclass
class Ptr:
    p: cython.p_int
    v: cython.int
"""


def test_pointer_field_refuses_pickling_as_cython(pyc):
    # A pointer field compiles (private); Cython's __reduce__ raises "self.p
    # cannot be converted to a Python object for pickling".
    p = pyc.pair(POINTER, args=("--strict",), stem="cpickle_ptr")
    with pytest.raises(TypeError, match=r"^self\.p cannot be converted to a Python object for pickling$"):
        pickle.dumps(p.native.Ptr())


MODULE_OFF = """# cython: auto_pickle=False
import cython

@cython.cclass
class Off:
    v: cython.int
"""


def test_module_directive_turns_it_off(pyc):
    m = pyc.pair(MODULE_OFF, stem="cpickle_off")
    assert "left to Python" not in m.build.stderr, m.build.stderr
    assert "__reduce_cython__" not in m.native.Off.__dict__
    with pytest.raises(TypeError, match=r"^cannot pickle '%s\.Off' object$" % m.native.__name__):
        pickle.dumps(m.native.Off())
    # CPython pickles the plain class.
    assert type(pickle.loads(pickle.dumps(m.py.Off()))) is m.py.Off


def test_own_getstate_is_kept(m):
    # Cython's setup_reduce leaves a class with its own __getstate__ alone:
    # object's protocol (protocol 2+: __newobj__, then __setstate__).
    results = []
    for M in (m.native, m.py):
        results.append([pickle.loads(pickle.dumps(M.Stateful(5), proto)).get() for proto in range(2, pickle.HIGHEST_PROTOCOL + 1)])
    assert results[0] == results[1] == [11] * (pickle.HIGHEST_PROTOCOL - 1)
    assert m.native.Stateful.__reduce__ is object.__reduce__
    assert "__reduce_cython__" in m.native.Stateful.__dict__
