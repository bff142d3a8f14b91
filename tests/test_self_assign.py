"""`x = x` of an object local (a store of the local's own reference) against
CPython, and no leak (the MIR check used to reject such a function)."""

from conftest import LEAK_CALLS, growth


def test_self_assign(pyc):
    m = pyc.pair("self_assign")
    for name in ("f", "g", "h"):
        m.assert_native(name)
    values = [5, 2 ** 70, 2.5, -1]
    m.assert_same("f", [(v,) for v in values], exact=True)
    m.assert_same("g", [(v, c) for v in values for c in (True, False)], exact=True)
    m.assert_same("h", [(v,) for v in values], exact=True)
    m.assert_same("f", [("x",), (None,)])
    big = 2 ** 80
    for call in (lambda: m.native.f(big), lambda: m.native.g(big, True), lambda: m.native.h(big)):
        assert growth(call) < LEAK_CALLS // 10
