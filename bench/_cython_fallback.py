"""A minimal stand-in for the `cython` module, used by the bench only when
neither Cython nor pyc-aot's shim is importable.

It is just enough to *run* the pure-Python-mode examples under plain CPython:
types are callable no-ops, decorators return the function unchanged, and
`cython.declare(T, value)` returns `value`.
"""
import sys
import types


class _CType:
    def __init__(self, name):
        self.__name__ = name

    def __call__(self, value=None):
        return value

    def __getitem__(self, item):
        return self

    def __repr__(self):
        return f"cython.{self.__name__}"


def _identity(func):
    return func


def _decorator_factory(*args, **kwargs):
    # @cython.cdivision(True), @cython.locals(x=...), @cython.returns(T), ...
    if len(args) == 1 and callable(args[0]) and not kwargs and not isinstance(args[0], _CType):
        return args[0]
    return _identity


def _declare(type_=None, value=None, **kwargs):
    return value


_TYPE_NAMES = (
    "char schar uchar short sshort ushort int sint uint long slong ulong "
    "longlong slonglong ulonglong Py_ssize_t size_t ssize_t Py_hash_t Py_UCS4 "
    "float double longdouble bint void p_int p_double"
).split()

_DECORATORS = (
    "cfunc ccall inline nogil locals returns cdivision boundscheck wraparound "
    "exceptval overflowcheck initializedcheck nonecheck infer_types final "
    "profile linetrace cdivision_warnings always_allow_keywords annotation_typing"
).split()


def make_module():
    mod = types.ModuleType("cython", __doc__)
    for name in _TYPE_NAMES:
        setattr(mod, name, _CType(name))
    for name in _DECORATORS:
        setattr(mod, name, _decorator_factory)
    mod.declare = _declare
    mod.compiled = False
    mod.cast = lambda t, v, **kw: v
    mod.sizeof = lambda t: 8
    mod.address = lambda v: v
    mod.NULL = None
    mod.cimports = types.ModuleType("cython.cimports")
    return mod


def install():
    """Register the stand-in as `cython` unless a real one is importable."""
    try:
        import cython  # noqa: F401
        return False
    except ImportError:
        sys.modules["cython"] = make_module()
        return True
