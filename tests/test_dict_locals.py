"""Locals that always hold an exact dict (`hir::dict_locals`): their item
reads, stores and `.get` against CPython, KeyError and TypeError included,
and no leak on either path."""

from conftest import LEAK_CALLS, growth


class Key:
    """A key whose hash and equality run Python code."""

    def __init__(self, v):
        self.v = v

    def __hash__(self):
        return hash(self.v)

    def __eq__(self, other):
        return isinstance(other, Key) and other.v == self.v

    def __repr__(self):
        return "Key(%r)" % (self.v,)


class Sub(dict):
    def __missing__(self, k):
        return "missing %r" % (k,)


def test_dict_locals(pyc):
    m = pyc.pair("dict_locals")
    words = "a b a c b a".split()
    m.assert_same("count", [(words,), ([],), ([1, 1, 2.0, 2],), (tuple("xyx"),)], exact=True)
    m.assert_same("count", [([[1]],), ([{}],), (5,), (None,)])
    m.assert_same("lookup", [([1, 22, 333], 22), ([], 1), ([1], 2), (["a"], "a"), ([1], [1]), ([(1, 2)], (1, 2)), ([1], True)])
    m.assert_same("get_default", [([1, 2], 2), ([1, 2], 3), ([], None), ([1], [1]), ([Key(1)], Key(1)), ([Key(1)], Key(2))])
    m.assert_same("rebound", [(0,), (1,), (5,)], exact=True)
    m.assert_same("walrus", [(1,), (2,), ([],)])
    # `d` may hold the argument: a dict subclass keeps its own behaviour.
    m.assert_same("not_always_dict", [(None, 1), ({}, 1), ({1: 0}, 1), (Sub(), 2)])
    m.assert_same("nested", [([1, 2],), ([],), ([[1]],)])
    m.assert_same("missing_tuple_key", [()])
    m.assert_same("augmented", [(words,), ([],), ([[1]],), ([1, True, 1.0],)], exact=True)
    # `f` copies a parameter: a dict subclass's `__missing__` still runs.
    m.assert_same("copies", [({}, 1), (Sub(), 0), (Sub(), 1), ([0, 0], 1), (None, 1)])


def test_dict_locals_messages(pyc):
    m = pyc.pair("dict_locals")
    for name, args in [("lookup", ([1], 2)), ("lookup", ([1], (5, 6))), ("lookup", ([], [1])), ("missing_tuple_key", ())]:
        errs = []
        for f in (getattr(m.py, name), getattr(m.native, name)):
            try:
                f(*args)
            except Exception as e:  # noqa: BLE001 - compared below
                errs.append((type(e), e.args))
        assert len(errs) == 2 and errs[0] == errs[1], (name, args, errs)


def test_dict_locals_no_leak(pyc):
    m = pyc.pair("dict_locals")
    words = ["w%d" % (i % 7) for i in range(50)]
    key = Key(3)
    calls = [
        lambda: m.native.count(words),
        lambda: m.native.lookup([1, 2, 3], 2),
        lambda: m.native.get_default([key, 1], key),
        lambda: m.native.rebound(4),
        lambda: m.native.nested([1, 2]),
        lambda: m.native.augmented(words),
        lambda: m.native.copies({}, 1),
    ]
    for call in calls:
        assert growth(call) < LEAK_CALLS // 10

    def missing():
        try:
            m.native.lookup([1, 2], 9)
        except KeyError:
            pass

    def unhashable():
        try:
            m.native.count([[1]])
        except TypeError:
            pass

    for call in (missing, unhashable):
        assert growth(call) < LEAK_CALLS // 10
    ref = [key]
    before = __import__("sys").getrefcount(key)
    for _ in range(100):
        m.native.get_default(ref, key)
    assert __import__("sys").getrefcount(key) == before
