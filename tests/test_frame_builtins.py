"""Builtins that read the namespaces of the Python frame running them
(`globals()`, `locals()`, `vars()`, `dir()`, `eval`/`exec` without a globals
dict): compiled code has no frame, so from C they would read the caller's.
A function calling one stays Python, named in the report, and gives the
module's own namespace as in CPython; with the namespace passed, or the name
shadowed, it compiles."""
import types

PROGRAM = '''
X = 5


def item_of_globals(name):
    return globals()[name]


def globals_kept(name):
    g = globals()
    return g.get(name, "missing")


def own_locals(a, b=2):
    c = a + b
    names = locals()
    return sorted(names.items())


def own_vars(a):
    return sorted(vars())


def own_dir(a):
    b = a
    return dir()


def eval_here(src):
    return eval(src)


def exec_here(src):
    exec(src)
    return X


def eval_in(src, ns):
    return eval(src, ns)


def vars_of(o):
    return sorted(vars(o))


class Box:
    def __init__(self):
        self.k = 1
'''

FRAME_READERS = ["item_of_globals", "globals_kept", "own_locals", "own_vars", "own_dir", "eval_here", "exec_here"]


def test_frame_reading_calls_stay_python_with_the_reason(pyc):
    m = pyc.pair(PROGRAM, stem="frame_builtins")
    for name in FRAME_READERS:
        assert isinstance(getattr(m.native, name), types.FunctionType), name
    err = m.build.stderr
    for shown in ("`globals()`", "`locals()`", "`vars()`", "`dir()`", "`eval()` without a globals dict",
                  "`exec()` without a globals dict"):
        assert "it calls %s" % shown in err, shown
    m.assert_native("eval_in")
    m.assert_native("vars_of")


def test_frame_reading_calls_read_the_module(pyc):
    m = pyc.pair(PROGRAM, stem="frame_builtins")
    m.assert_same("item_of_globals", [("X",), ("nope",)], native=False)
    assert m.native.item_of_globals("Box") is m.native.Box
    assert m.native.item_of_globals("__name__") == m.native.__name__
    m.assert_same("globals_kept", [("X",), ("nope",)], native=False)
    m.assert_same("own_locals", [(1,), (1.5, 3)], native=False)
    m.assert_same("own_vars", [(1,)], native=False)
    m.assert_same("own_dir", [(1,)], native=False)
    m.assert_same("eval_here", [("X + 1",), ("undefined_name",)], native=False)
    m.assert_same("exec_here", [("y = X",)], native=False)
    m.assert_same("eval_in", [("a * 2", {"a": 4}), ("X", {})])
    assert m.native.vars_of(m.native.Box()) == ["k"]
    m.assert_same("vars_of", [(3,)])
