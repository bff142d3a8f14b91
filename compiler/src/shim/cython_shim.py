"""Plain-Python stand-in for the ``cython`` module (pyc-aot shim).

This file serves two purposes:

(a) pyc-aot embeds its text and executes it, when a compiled module is
    imported, as the body of a fresh module object named ``cython`` whose
    globals contain ``__pyc_aot_compiled__ = True``.  Then ``sys.modules``
    is left untouched.  Only the module's interpreted code ever reads this
    shim (native code folds ``cython.compiled`` to True), so ``compiled``
    is False here too: that code *is* the Python branch.

(b) Copied as ``cython.py`` onto ``sys.path`` it lets a typed ``.py`` file
    run unchanged under plain CPython.  Then the sub-modules ``cython.cimports``, ``cython.cimports.libc``,
    ``cython.cimports.libc.math`` (and a few more) are registered in
    ``sys.modules`` so that ``from cython.cimports.libc.math import sqrt``
    works.

The pure-mode behaviour follows Cython's own ``Cython/Shadow.py``: type
names are conversion functions (``cython.int(3.7) == 3``; no C wrap-around
is emulated), decorators and directives are no-ops.  The functions of
``cython.cimports.libc.math`` have C (IEEE 754) semantics: they never raise
for a float argument, e.g. ``sqrt(-1.0)`` is nan and ``log(0.0)`` is -inf.

Standard library only; Python 3.8+.
"""

import builtins as _builtins
import math as _math
import sys as _sys
# `_struct`, not `struct`: a compiled module runs this shim on import, and a
# user's `struct.py` or `types.py` next to it must not break that.
import _functools
import _struct


class _types(object):
    ModuleType = type(_sys)
    FunctionType = type(lambda: None)
    BuiltinFunctionType = type(len)

    @property
    def TracebackType(self):
        try:
            raise TypeError
        except TypeError:
            return type(_sys.exc_info()[2])


_types = _types()

__version__ = "3.0.0-pyc-aot-shim"

# True when executed by a pyc-aot compiled module (mode a).
_embedded = globals().get("__pyc_aot_compiled__", False) is True

# Whoever reads this attribute runs as interpreted Python.
compiled = False

_Unspecified = object()

_bool = _builtins.bool
_int = _builtins.int
_float = _builtins.float
_complex = _builtins.complex
_isinstance = _builtins.isinstance
_getattr = _builtins.getattr
_type_of = _builtins.type
_setattr = _builtins.setattr
_callable = _builtins.callable
_len = _builtins.len
_range = _builtins.range
_abs = _builtins.abs
_min = _builtins.min
_max = _builtins.max
_str = _builtins.str


class InvalidTypeSpecification(Exception):
    pass


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------

class CythonType(object):
    """Base class of every type object this shim hands out."""

    def _pointer(self, n=1):
        t = self
        for _ in _range(n):
            t = pointer(t)
        return t

    def __getitem__(self, item):
        return index_type(self, item)

    # `cython.double[:] | None` in annotations (PEP 604); `typing.Optional`
    # works through __getitem__'s generic path already.
    def __or__(self, other):
        import typing
        return typing.Union[self, other]

    def __ror__(self, other):
        import typing
        return typing.Union[other, self]


def _default_of(t):
    if _isinstance(t, _ScalarType):
        return t()
    if _isinstance(t, (_CArrayType, _StructType)):
        return t()
    return None


class _ScalarType(CythonType):
    """A C scalar type such as ``cython.int``: callable as a conversion."""

    def __init__(self, name, kind, size=0, signed=True, cname=None):
        self.name = name
        self.kind = kind      # 'int', 'float', 'bint', 'complex', 'void'
        self.size = size
        self.signed = signed
        self.cname = cname or name

    def __call__(self, *args):
        kind = self.kind
        if not args:
            if kind == "int":
                return 0
            if kind == "float":
                return 0.0
            if kind == "bint":
                return False
            if kind == "complex":
                return 0j
            return None
        if _len(args) != 1:
            raise TypeError("%s() takes at most 1 argument (%d given)"
                            % (self.name, _len(args)))
        value = args[0]
        if kind == "int":
            return _int(value)
        if kind == "float":
            return _float(value)
        if kind == "bint":
            return _bool(value)
        if kind == "complex":
            return _complex(value)
        return value

    def __repr__(self):
        return self.cname


class _MemoryViewType(CythonType):
    """``cython.double[:]``, ``cython.int[:, ::1]`` ... (annotation only)."""

    is_array = True

    def __init__(self, dtype, ndim, is_c_contig=False, is_f_contig=False):
        self.dtype = dtype
        self.ndim = ndim
        self.is_c_contig = is_c_contig
        self.is_f_contig = is_f_contig

    def __call__(self, value):
        return value

    def __getitem__(self, item):
        raise InvalidTypeSpecification("cannot index a memoryview type")

    def __repr__(self):
        axes = [":"] * self.ndim
        if self.is_c_contig:
            axes[-1] = "::1"
        elif self.is_f_contig:
            axes[0] = "::1"
        return "%r[%s]" % (self.dtype, ", ".join(axes))


class _CArrayType(CythonType):
    """``cython.int[1000]``, ``cython.double[4][4]``: calling it gives a
    (nested) list filled with the element type's zero."""

    def __init__(self, base, dims):
        self.base = base
        self.dims = tuple(dims)

    def __getitem__(self, item):
        if _isinstance(item, (slice, tuple)):
            raise InvalidTypeSpecification("cannot make a memoryview of a C array")
        return _CArrayType(self.base, self.dims + (_int(item),))

    def __call__(self, value=_Unspecified):
        if value is not _Unspecified:
            return value

        def build(level):
            if level == _len(self.dims):
                return _default_of(self.base)
            return [build(level + 1) for _ in _range(self.dims[level])]
        return build(0)

    def __repr__(self):
        return "%r%s" % (self.base, "".join("[%d]" % d for d in self.dims))


class _PointerType(CythonType):
    """``cython.p_int``, ``cython.pointer(T)``: calling it makes a pointer
    value (a list of items, as in Cython's shadow module)."""

    def __init__(self, base):
        self.base = base

    def __call__(self, value=None):
        return _Pointer(self, value)

    def __repr__(self):
        return "%r *" % (self.base,)


class _Pointer(object):
    """A pointer value in pure mode: ``p[i]`` reads and writes its items;
    one without items equals None (NULL). A pointer to structs also reads
    and writes ``p.x`` (C's ``p->x``, ``p[0].x``). A cast that keeps the
    items' meaning (to or from ``void*`` when they are already of the new
    type, or to the same type) is the same address: stored in a struct's
    ``void*`` field and cast back, it is the pointer it was."""

    __slots__ = ("_type", "_items", "_off")

    def __init__(self, ptype, value=None):
        self._type = ptype
        base = ptype.base
        if _isinstance(value, _Pointer) and value._shares_with(base):
            self._items = value._items
            self._off = value._off
            return
        if _isinstance(value, _Pointer):
            items = value._items[value._off:]
        elif _isinstance(value, list):
            items = value
        elif value is None or value == 0:
            items = []
        else:
            raise ValueError("cannot make a pointer from %r" % (value,))
        if _isinstance(base, _StructType):
            # A block's zeroed bytes seen as structs: empty ones, as many as
            # whole structs fit in the bytes.
            if items and not _isinstance(items[0], _StructInstanceBase):
                items = items[:_max(1, _len(items) // _max(1, sizeof(base)))]
            self._items = [v if _isinstance(v, _StructInstanceBase) else base() for v in items]
        else:
            self._items = [cast(base, v) for v in items]
        self._off = 0

    def _shares_with(self, base):
        """Whether this pointer seen as a pointer to `base` is this very
        address over the same items."""
        mine = self._type.base
        if base is mine or base is void or not self._items:
            return True
        if mine is not void or self._off >= _len(self._items):
            return False
        item = self._items[self._off]
        if _isinstance(base, _StructType):
            return _getattr(_type_of(item), "_ctype", None) is base
        return not _isinstance(item, _StructInstanceBase)

    def __getitem__(self, ix):
        if ix < 0:
            raise IndexError("negative indexing not allowed in C")
        return self._items[self._off + ix]

    def __getattr__(self, key):
        if key.startswith("__") or not _isinstance(self._type.base, _StructType):
            raise AttributeError(key)
        return _getattr(self._items[self._off], key)

    def __setattr__(self, key, value):
        if key in _Pointer.__slots__:
            object.__setattr__(self, key, value)
        elif _isinstance(self._type.base, _StructType):
            _setattr(self._items[self._off], key, value)
        else:
            raise AttributeError("%r has no attribute %r" % (self, key))

    def __setitem__(self, ix, value):
        if ix < 0:
            raise IndexError("negative indexing not allowed in C")
        if _isinstance(self._type.base, _StructType):
            # `ps[i] = s` copies the struct into the block, as C does.
            if _isinstance(value, _StructInstanceBase) and _type_of(value)._ctype is self._type.base:
                value = self._type.base(value)
        elif not _isinstance(value, _StructInstanceBase):
            value = cast(self._type.base, value)
        self._items[self._off + ix] = value

    def __add__(self, n):
        """`p + n`: the same items from `n` further on (C pointer arithmetic)."""
        if not _isinstance(n, _int):
            return NotImplemented
        q = _Pointer(self._type)
        q._items = self._items
        q._off = self._off + n
        return q

    __radd__ = __add__

    def __sub__(self, n):
        if _isinstance(n, _Pointer) and n._items is self._items:
            return self._off - n._off
        if not _isinstance(n, _int):
            return NotImplemented
        return self + (-n)

    def __eq__(self, other):
        if other is None:
            return not self._items
        if not _isinstance(other, _Pointer):
            return False
        if self._items is other._items:
            return self._off == other._off
        return not self._items and not other._items

    def _order(self, other):
        if not _isinstance(other, _Pointer) or self._items is not other._items:
            raise TypeError("pointers into different blocks are not ordered")
        return self._off - other._off

    def __lt__(self, other):
        return self._order(other) < 0

    def __le__(self, other):
        return self._order(other) <= 0

    def __gt__(self, other):
        return self._order(other) > 0

    def __ge__(self, other):
        return self._order(other) >= 0

    def __ne__(self, other):
        return not self.__eq__(other)

    def __bool__(self):
        return _bool(self._items)

    __hash__ = None

    def __repr__(self):
        return "%r *" % (self._type.base,)


class _StructInstanceBase(object):
    __slots__ = ()


class _StructType(CythonType):
    def __init__(self, members, is_union=False):
        self.members = dict(members)
        self.is_union = is_union

    def __call__(self, *args, **kwargs):
        is_union = self.is_union
        single = _len(args) == 1 and not kwargs and (
            _isinstance(args[0], _StructInstanceBase) or _isinstance(args[0], dict) or _builtins.hasattr(args[0], "__dict__"))
        if args and not single:
            # `S(a, b, y=c)`: positional arguments fill the members in
            # order, as Cython's struct constructor does.
            if is_union or _len(args) > _len(self.members):
                raise ValueError("Cannot accept keyword arguments when casting.")
            given = dict(zip(self.members, args))
            for key in kwargs:
                if key in given:
                    raise ValueError("Cannot accept keyword arguments when casting.")
            given.update(kwargs)
            args, kwargs = (), given
        if args:
            src = args[0]
            if _isinstance(src, _StructInstanceBase):
                # A struct's value copied (nested structs too), as C assigns.
                kwargs = dict(object.__getattribute__(src, "_data"))
            else:
                kwargs = dict(src) if _isinstance(src, dict) else dict(vars(src))
        inst = self._instance_class()()
        if is_union and _len(kwargs) > 1:
            raise AttributeError("Union can only store one field at a time.")
        for key, value in kwargs.items():
            setattr(inst, key, value)
        return inst

    def _instance_class(self):
        """The class of this struct type's values, made once (a block of C
        memory seen as structs makes many)."""
        cls = self.__dict__.get("_instances")
        if cls is not None:
            return cls
        members = self.members
        is_union = self.is_union

        class _StructInstance(_StructInstanceBase):
            __slots__ = ("_data",)
            _ctype = self

            def __init__(inst):
                object.__setattr__(inst, "_data", {})

            def __getattr__(inst, key):
                data = object.__getattribute__(inst, "_data")
                if key in data:
                    return data[key]
                if key in members:
                    # A struct held by value is there from the start.
                    if _isinstance(members[key], _StructType) and not is_union:
                        data[key] = members[key]()
                        return data[key]
                    return None
                raise AttributeError(key)

            def __setattr__(inst, key, value):
                if key not in members:
                    raise AttributeError("Struct has no member '%s'" % key)
                data = object.__getattribute__(inst, "_data")
                if is_union:
                    data.clear()
                data[key] = cast(members[key], value)

        self._instances = _StructInstance
        return _StructInstance

    def __repr__(self):
        return "%s(%s)" % ("union" if self.is_union else "struct",
                           ", ".join("%s=%r" % kv for kv in self.members.items()))


class typedef(CythonType):
    def __init__(self, type, name=None):
        self._basetype = type
        self.name = name

    def __call__(self, *args):
        return cast(self._basetype, *args)

    def __repr__(self):
        return self.name or _str(self._basetype)


class _FunctionPointerType(CythonType):
    """A C function pointer type a `.pxd` declares (`ctypedef double
    (*binop_t)(double, double) noexcept`), in plain Python: a pointer
    variable holds the function itself (or ``NULL``), a cast keeps the value."""

    def __init__(self, name):
        self.name = name

    def __call__(self, value):
        return value

    def __repr__(self):
        return self.name


class _FusedType(CythonType):
    def __init__(self, *types):
        self.types = types

    def __call__(self, value):
        return value


def index_type(base_type, item):
    """``T[:]``, ``T[:, ::1]`` (memoryviews) and ``T[n]`` (C arrays)."""

    def verify_slice(s):
        if s.start is not None or s.stop is not None or s.step not in (None, 1):
            raise InvalidTypeSpecification(
                "Only a step of 1 may be provided to indicate C or "
                "Fortran contiguity")

    if _isinstance(item, tuple):
        step_idx = None
        for idx, s in enumerate(item):
            if not _isinstance(s, slice):
                raise InvalidTypeSpecification("memoryview axes must be slices")
            verify_slice(s)
            if s.step and (step_idx is not None or idx not in (0, _len(item) - 1)):
                raise InvalidTypeSpecification(
                    "Step may only be provided once, and only in the "
                    "first or last dimension.")
            if s.step == 1:
                step_idx = idx
        return _MemoryViewType(base_type, _len(item),
                               is_c_contig=step_idx == _len(item) - 1,
                               is_f_contig=step_idx == 0 and _len(item) > 1)
    if _isinstance(item, slice):
        verify_slice(item)
        return _MemoryViewType(base_type, 1, is_c_contig=_bool(item.step))
    n = _int(item)
    if n != item:
        raise InvalidTypeSpecification("array size must be a plain integer")
    return _CArrayType(base_type, (n,))


class pointer(object):
    """``cython.pointer(T)`` and ``cython.pointer[T]``."""

    def __new__(cls, basetype):
        return _PointerType(basetype)

    def __class_getitem__(cls, basetype):
        return _PointerType(basetype)


class array(object):
    """``cython.array(T, n)`` and ``cython.array[T, n]``."""

    def __new__(cls, basetype, n):
        return _CArrayType(basetype, (n,))

    def __class_getitem__(cls, item):
        basetype, n = item
        return _CArrayType(basetype, (n,))


def address(obj):
    # A struct's address points to that very struct (`p.x` reads and writes it).
    ctype = _getattr(_type_of(obj), "_ctype", None)
    return pointer(ctype if ctype is not None else type(obj))([obj])


def struct(**members):
    return _StructType(members)


def union(**members):
    return _StructType(members, is_union=True)


def fused_type(*args):
    if not args:
        raise TypeError("Expected at least one type as argument")
    # As Cython's shadow module: Python number types alone give one of them
    # (its rank is never updated, so the last), anything else a fused type.
    if all(any(t is o for o in type_ordering) for t in args):
        return args[-1]
    return _FusedType(*args)


def _csize(code, default):
    try:
        return _struct.calcsize(code)
    except _struct.error:
        return default


_LONG = _csize("l", 8)
_SSIZE = _csize("n", 8)
_SIZE = _csize("N", 8)

# name, kind, size in bytes, signed, C spelling
_SCALARS = [
    ("char", "int", 1, True, "char"),
    ("schar", "int", 1, True, "signed char"),
    ("uchar", "int", 1, False, "unsigned char"),
    ("short", "int", 2, True, "short"),
    ("sshort", "int", 2, True, "signed short"),
    ("ushort", "int", 2, False, "unsigned short"),
    ("int", "int", 4, True, "int"),
    ("sint", "int", 4, True, "signed int"),
    ("uint", "int", 4, False, "unsigned int"),
    ("long", "int", _LONG, True, "long"),
    ("slong", "int", _LONG, True, "signed long"),
    ("ulong", "int", _LONG, False, "unsigned long"),
    ("longlong", "int", 8, True, "long long"),
    ("slonglong", "int", 8, True, "signed long long"),
    ("ulonglong", "int", 8, False, "unsigned long long"),
    ("Py_ssize_t", "int", _SSIZE, True, "Py_ssize_t"),
    ("ssize_t", "int", _SSIZE, True, "ssize_t"),
    ("size_t", "int", _SIZE, False, "size_t"),
    ("ptrdiff_t", "int", _SSIZE, True, "ptrdiff_t"),
    ("Py_hash_t", "int", _SSIZE, True, "Py_hash_t"),
    ("Py_UNICODE", "int", 4, False, "Py_UNICODE"),
    ("Py_UCS4", "int", 4, False, "Py_UCS4"),
    ("int8_t", "int", 1, True, "int8_t"),
    ("int16_t", "int", 2, True, "int16_t"),
    ("int32_t", "int", 4, True, "int32_t"),
    ("int64_t", "int", 8, True, "int64_t"),
    ("uint8_t", "int", 1, False, "uint8_t"),
    ("uint16_t", "int", 2, False, "uint16_t"),
    ("uint32_t", "int", 4, False, "uint32_t"),
    ("uint64_t", "int", 8, False, "uint64_t"),
    ("intptr_t", "int", _SSIZE, True, "intptr_t"),
    ("uintptr_t", "int", _SIZE, False, "uintptr_t"),
    ("float", "float", 4, True, "float"),
    ("double", "float", 8, True, "double"),
    ("longdouble", "float", 16, True, "long double"),
    ("bint", "bint", 4, True, "bint"),
    ("void", "void", 1, True, "void"),
    ("floatcomplex", "complex", 8, True, "float complex"),
    ("doublecomplex", "complex", 16, True, "double complex"),
    ("longdoublecomplex", "complex", 32, True, "long double complex"),
    ("complex", "complex", 16, True, "double complex"),
]

_g = globals()
for _name, _kind, _size, _signed, _cname in _SCALARS:
    _g[_name] = _ScalarType(_name, _kind, _size, _signed, _cname)
del _g, _name, _kind, _size, _signed, _cname

py_int = typedef(_int, "int")
py_long = typedef(_int, "long")
py_float = typedef(_float, "float")
py_complex = typedef(_complex, "double complex")
unicode = typedef(_str, "unicode")
Py_tss_t = typedef(None, "Py_tss_t")

py_bool = typedef(_bool, "bool")
type_ordering = [py_int, py_long, py_float, py_complex]


class const(typedef):
    """``cython.const[T]``, ``cython.const(T)``."""

    def __init__(self, type, name=None):
        typedef.__init__(self, type, "const %s" % (name or repr(type)))

    def __class_getitem__(cls, base_type):
        return cls(base_type)


class volatile(const):
    def __init__(self, type, name=None):
        typedef.__init__(self, type, "volatile %s" % (name or repr(type)))


class restrict(const):
    def __init__(self, type, name=None):
        typedef.__init__(self, type, "restrict %s" % (name or repr(type)))


int_types = ["char", "short", "Py_UNICODE", "int", "Py_UCS4", "long", "longlong",
             "Py_hash_t", "Py_ssize_t", "size_t", "ssize_t", "ptrdiff_t"]
float_types = ["longdouble", "double", "float"]
complex_types = ["longdoublecomplex", "doublecomplex", "floatcomplex", "complex"]
other_types = ["bint", "void", "Py_tss_t"]
to_repr = {"longlong": "long long", "longdouble": "long double",
           "longdoublecomplex": "long double complex",
           "doublecomplex": "double complex", "floatcomplex": "float complex"}.get


def _pointer_and_const_types():
    """``const_int``, ``p_int``, ``pp_const_char``, ``ppp_void`` …: the same
    set of names as Cython's shadow module."""
    g = globals()
    bases = []
    for t in int_types + float_types + complex_types + other_types:
        for v in (t, "u" + t, "s" + t):
            if v in g and v not in bases:
                bases.append(v)
    for t in bases:
        g["const_" + t] = const(g[t], t)
    for level in (1, 2, 3):
        for t in bases:
            for c in ("", "const_"):
                if c and t in ("void", "Py_tss_t"):
                    continue
                below = c + t if level == 1 else "p" * (level - 1) + "_" + c + t
                g["p" * level + "_" + c + t] = pointer(g[below])


_pointer_and_const_types()

NULL = p_void(0)
# One object, as in Cython's shadow module: pure mode cannot tell them apart.
integral = floating = numeric = _FusedType()
annotations = __import__("__future__").annotations
TYPE_CHECKING = False

# Names Cython's shadow module takes from `typing`: looked up on first use,
# so importing a compiled module does not import `typing`.
_TYPING_NAMES = ("Any", "Callable", "Generic", "Iterable", "Optional", "Sequence",
                 "Type", "TypeVar", "overload")


CythonTypeObject = CythonType
PointerType = _PointerType
ArrayType = _CArrayType
StructType = UnionType = _StructType


class CythonDotImportedFromElsewhere(object):
    """``cython.dataclasses``: the standard library module of that name,
    imported on first use."""

    def __init__(self, module):
        self.__path__ = []
        self.__file__ = None
        self.__name__ = module
        self.__package__ = module

    def __getattr__(self, attr):
        import importlib
        try:
            mod = importlib.import_module(self.__name__)
        except ImportError:
            raise AttributeError("%s: the standard library module %s is not available"
                                 % (attr, self.__name__))
        if not _embedded:
            _sys.modules["cython." + self.__name__] = mod
        return getattr(mod, attr)


dataclasses = CythonDotImportedFromElsewhere("dataclasses")


class CythonCImports(object):
    """A ``cython.cimports`` package: unknown attributes are Python modules
    of the same name (so ``cimport numpy`` finds numpy), else AttributeError."""

    def __init__(self, module, **attributes):
        self.__path__ = []
        self.__file__ = None
        self.__name__ = module
        self.__package__ = module
        self.__dict__.update(attributes)

    def __getattr__(self, item):
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        import importlib
        package = self.__package__[len("cython.cimports."):]
        try:
            return importlib.import_module(item, package or None)
        except ImportError:
            ex = AttributeError(item)
            ex.__cause__ = None
            raise ex


class CythonDotParallel(object):
    """The ``cython.parallel`` module as an object."""

    __all__ = ["parallel", "prange", "threadid"]

    def parallel(self, num_threads=None, use_threads_if=None):
        return nogil

    def prange(self, start=0, stop=None, step=1, nogil=False, schedule=None,
               chunksize=None, num_threads=None, use_threads_if=None):
        return _prange(start, stop, step)

    def threadid(self):
        return 0


def __getattr__(name):
    if name in _TYPING_NAMES:
        import typing
        value = getattr(typing, name)
    elif name == "TracebackType":
        value = _types.TracebackType
    else:
        raise AttributeError("module 'cython' has no attribute %r" % name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_TYPING_NAMES) | {"TracebackType"})


# ---------------------------------------------------------------------------
# Emulated language constructs
# ---------------------------------------------------------------------------

def cast(t, *args, **kwargs):
    kwargs.pop("typecheck", None)
    if kwargs:
        raise TypeError("cast() got an unexpected keyword argument %r"
                        % next(iter(kwargs)))
    if _len(args) != 1:
        raise TypeError("cast() takes a type and exactly one value")
    value = args[0]
    if _isinstance(t, CythonType):
        return t(value)
    if _isinstance(t, type):
        if t is object or value is None or _isinstance(value, t):
            return value
        return t(value)
    return value


def declare(type=None, value=_Unspecified, **kwargs):
    """``x = cython.declare(cython.int, 5)``; ``cython.declare(x=cython.int)``."""
    if value is not _Unspecified:
        return cast(type, value) if type is not None else value
    if type is None:
        return None
    if _isinstance(type, CythonType):
        return _default_of(type)
    return None


def sizeof(arg):
    if _isinstance(arg, _ScalarType):
        return arg.size
    if _isinstance(arg, _CArrayType):
        n = sizeof(arg.base)
        for d in arg.dims:
            n *= d
        return n
    if _isinstance(arg, (_PointerType, _MemoryViewType, _FunctionPointerType)):
        return _SIZE
    if _isinstance(arg, _StructType):
        # C's layout: each member aligned as its type (a scalar to its
        # size, a struct to its widest member), the whole to the widest.
        members = [(sizeof(m), _alignof(m)) for m in arg.members.values()]
        align = _max([a for _, a in members] or [1])
        if arg.is_union:
            size = _max([n for n, _ in members] or [1])
            return (size + align - 1) // align * align
        offset = 0
        for n, a in members:
            offset = (offset + a - 1) // a * a + n
        return (offset + align - 1) // align * align
    if _isinstance(arg, _bool):
        return 4
    if _isinstance(arg, (_int, _float)):
        return 8
    return 1


def _alignof(arg):
    """C's alignment of a type: a struct's is its widest member's."""
    if _isinstance(arg, _StructType):
        return _max([_alignof(m) for m in arg.members.values()] or [1])
    if _isinstance(arg, _CArrayType):
        return _alignof(arg.base)
    return _max(1, sizeof(arg))


def typeof(arg):
    return arg.__class__.__name__


def cdiv(a, b):
    """C division: truncates toward zero (floats too, as in Cython's shadow
    module, whose formula this follows for them)."""
    if _isinstance(a, _int) and _isinstance(b, _int):
        if b == 0:
            raise ZeroDivisionError("integer division or modulo by zero")
        q = _abs(a) // _abs(b)
        return q if (a < 0) == (b < 0) else -q
    if a < 0:
        a, b = -a, -b
    return (a + b + 1) // b if b < 0 else a // b


def cmod(a, b):
    """C remainder: has the sign of the dividend."""
    if _isinstance(a, _int) and _isinstance(b, _int):
        if b == 0:
            raise ZeroDivisionError("integer division or modulo by zero")
        r = _abs(a) % _abs(b)
        return -r if a < 0 else r
    r = a % b
    if a * b < 0 and r:
        r -= b
    return r


# ---------------------------------------------------------------------------
# Decorators, directives, context managers
# ---------------------------------------------------------------------------

def _empty_decorator(x):
    return x


class _EmptyDecoratorAndManager(object):
    def __call__(self, x):
        return x

    def __enter__(self):
        return None

    def __exit__(self, exc_type, exc_value, traceback):
        return False


_manager = _EmptyDecoratorAndManager()
cclass = ccall = cfunc = _manager


def _is_decoratee(x):
    return isinstance(x, (_types.FunctionType, _types.BuiltinFunctionType,
                          type, staticmethod, classmethod, property))


class _Directive(object):
    """A compiler directive: ``@cython.boundscheck(False)``,
    ``with cython.boundscheck(False):``; also tolerated bare
    (``@cython.boundscheck``)."""

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        if _len(args) == 1 and not kwargs and _is_decoratee(args[0]):
            return args[0]
        return _manager

    def __enter__(self):
        return None

    def __exit__(self, exc_type, exc_value, traceback):
        return False

    def __repr__(self):
        return "<cython directive %s>" % self.__name__


_DIRECTIVES = [
    "boundscheck", "wraparound", "initializedcheck", "nonecheck",
    "cdivision", "cdivision_warnings", "overflowcheck", "infer_types",
    "profile", "linetrace", "cpow", "c_api_binop_methods", "embedsignature",
    "always_allows_keywords", "always_allow_keywords", "unraisable_tracebacks", "binding",
    "annotation_typing", "emit_code_comments", "auto_pickle", "freelist",
    "type_version_tag", "no_gc_clear", "no_gc", "ccomplex", "optimize",
    "language_level", "c_string_type", "c_string_encoding", "iterable_coroutine",
    "callspec", "warn", "fast_getattr", "py2_import", "preliminary_late_includes_cy28",
    "test_assert_path_exists", "test_fail_if_path_exists", "collection_type",
    "trashcan", "ufunc", "show_performance_hints", "auto_cpdef",
    "allow_none_for_extension_args", "remove_unreachable", "cpp_locals",
    "c_compile_guard", "test_body_needs_exception_handling",
]

_g = globals()
for _name in _DIRECTIVES:
    _g[_name] = _Directive(_name)
del _g, _name

overflowcheck.fold = _Directive("overflowcheck.fold")
embedsignature.format = _Directive("embedsignature.format")


class _Optimization(object):
    use_switch = _Directive("optimize.use_switch")
    unpack_method_calls = _Directive("optimize.unpack_method_calls")


optimize = optimization = _Optimization()


class warn(object):
    """``@cython.warn.undeclared(True)`` and friends: no effect."""
    undeclared = unreachable = maybe_uninitialized = unused = \
        unused_argument = multiple_declarators = _Directive("warn")


def locals(**arg_types):
    return _empty_decorator


def returns(type):
    return _manager


def exceptval(*args, **kwargs):
    check = kwargs.pop("check", True)  # noqa: F841  (accepted, ignored)
    if kwargs:
        raise TypeError("exceptval() got an unexpected keyword argument %r"
                        % next(iter(kwargs)))
    if _len(args) > 1:
        raise TypeError("exceptval() takes at most 1 positional argument "
                        "(%d given)" % _len(args))
    return _manager


def inline(f, *args, **kwargs):
    if _isinstance(f, _str):
        return _inline_source(f, args, kwargs, _sys._getframe(1))
    if args or kwargs:
        raise TypeError("cython.inline used as a decorator takes no arguments")
    return f


# Options of Cython's cython_inline that say how to build, not what to run.
_INLINE_BUILD_OPTIONS = ("get_type", "lib_dir", "cython_include_dirs", "cython_compiler_directives",
                         "force", "quiet", "language_level")


def _inline_source(code, args, kwargs, caller):
    """``cython.inline("return a + b", a=1)``: Cython itself when it is
    installed (as its shadow module does); otherwise the same code run as the
    body of a Python function, its names looked up as Cython's do: the
    keyword arguments, then the caller's locals, then its globals."""
    try:
        from Cython.Build.Inline import cython_inline
    except ImportError:
        pass
    else:
        return cython_inline(code, *args, **kwargs)
    if args:
        raise TypeError("cython.inline() takes the code and keyword arguments only")
    for option in _INLINE_BUILD_OPTIONS:
        kwargs.pop(option, None)
    names = {}
    names.update(kwargs.pop("globals", None) or caller.f_globals)
    names.update(kwargs.pop("locals", None) or caller.f_locals)
    names.update(kwargs)
    lines = code.expandtabs().splitlines() or ["pass"]
    indent = _builtins.min((_len(l) - _len(l.lstrip()) for l in lines if l.strip()), default=0)
    body = "".join("    " + l[indent:] + "\n" for l in lines)
    namespace = _builtins.dict(names)
    exec(_builtins.compile("def __pyc_aot_inline__():\n" + body, "<cython.inline>", "exec"), namespace)
    return namespace["__pyc_aot_inline__"]()


final = internal = _empty_decorator
type_version_tag = no_gc_clear = no_gc = total_ordering = _empty_decorator


def compile(f):
    """Cython's run-time compilation when Cython is installed (as its shadow
    module does); otherwise the function itself, which computes the same."""
    try:
        from Cython.Build.Inline import RuntimeCompiledFunction
    except ImportError:
        return f
    return RuntimeCompiledFunction(f)


def likely(cond):
    return cond


def unlikely(cond):
    return cond


class critical_section(object):
    """``with cython.critical_section(obj):`` and ``@cython.critical_section``:
    with the GIL there is nothing to lock."""

    def __init__(self, arg0, arg1=None):
        self.arg0 = arg0

    def __call__(self, *args, **kwargs):
        return self.arg0(*args, **kwargs)

    def __enter__(self):
        return None

    def __exit__(self, exc_type, exc_value, traceback):
        return False


class pymutex(object):
    """A lock usable in ``with`` (``threading.Lock`` underneath)."""

    def __init__(self):
        import threading
        self._lock = threading.Lock()

    def acquire(self):
        return self._lock.acquire()

    def release(self):
        return self._lock.release()

    def locked(self):
        return self._lock.locked()

    def can_check_locked(self):
        return True

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, exc_type, exc_value, traceback):
        return self._lock.__exit__(exc_type, exc_value, traceback)


class pythread_type_lock(pymutex):
    pass


class _Nogil(object):
    """``with cython.nogil:``, ``@cython.nogil``, ``cython.nogil(True)``."""

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, x=True):
        if _callable(x) and not _isinstance(x, _bool):
            return x
        return self

    def __enter__(self):
        return None

    def __exit__(self, exc_type, exc_value, traceback):
        return False

    def __repr__(self):
        return "<cython %s>" % self.__name__


nogil = _Nogil("nogil")
gil = _Nogil("gil")
with_gil = _Nogil("with_gil")


# ---------------------------------------------------------------------------
# cython.parallel
# ---------------------------------------------------------------------------

def _prange(start=0, stop=None, step=1, nogil=False, schedule=None,
            chunksize=None, num_threads=None, use_threads_if=None):
    if stop is None:
        stop = start
        start = 0
    return _range(start, stop, step)


def _parallel(num_threads=None, use_threads_if=None):
    return nogil


def _threadid():
    return 0


parallel = _types.ModuleType("cython.parallel", "The cython.parallel module (pure mode).")
parallel.prange = _prange
parallel.parallel = _parallel
parallel.threadid = _threadid
parallel.__all__ = ["prange", "parallel", "threadid"]


# ---------------------------------------------------------------------------
# cython.cimports.libc.math with C (IEEE 754) semantics
# ---------------------------------------------------------------------------

_INF = _float("inf")
_NAN = _float("nan")
_TWO52 = 4503599627370496.0  # 2.0 ** 52: every double at least this big is integral


def _f(x):
    """Convert an argument as C does for a ``double`` parameter (CPython's
    ``PyFloat_AsDouble``: ``__float__``, else ``__index__``)."""
    if _isinstance(x, _float):
        return x
    t = type(x)
    if hasattr(t, "__float__") or hasattr(t, "__index__"):
        return _float(x)
    raise TypeError("must be real number, not %s" % t.__name__)


def _is_odd_integer(y):
    return _math.isfinite(y) and y == _math.floor(y) and _math.fmod(y, 2.0) != 0.0


_libm_cache = []


def _libm():
    """The C math library through ctypes, or None; loaded on first use."""
    if not _libm_cache:
        lib = None
        try:
            import ctypes
            import ctypes.util
            name = ctypes.util.find_library("m")
            for cand in ([name] if name else []) + ["libm.so.6", None]:
                try:
                    lib = ctypes.CDLL(cand)
                    lib.tgamma
                    lib.lgamma
                    break
                except (OSError, AttributeError):
                    lib = None
            if lib is not None:
                for fn in ("tgamma", "lgamma", "cbrt", "exp2"):
                    func = getattr(lib, fn, None)
                    if func is not None:
                        func.restype = ctypes.c_double
                        func.argtypes = [ctypes.c_double]
        except Exception:  # pragma: no cover - exotic platforms
            lib = None
        _libm_cache.append(lib)
    return _libm_cache[0]


def _libm_func(name):
    lib = _libm()
    if lib is None:
        return None
    return getattr(lib, name, None)


def _c_sqrt(x):
    x = _f(x)
    if x < 0.0:
        return _NAN
    return _math.sqrt(x)


def _domain_nan(fn):
    """Wrap a math function whose only errors are domain errors -> nan."""
    def wrapper(x):
        x = _f(x)
        try:
            return fn(x)
        except ValueError:
            return _NAN
    wrapper.__name__ = fn.__name__
    return wrapper


def _c_sinh(x):
    x = _f(x)
    try:
        return _math.sinh(x)
    except OverflowError:
        return _math.copysign(_INF, x)


def _c_cosh(x):
    x = _f(x)
    try:
        return _math.cosh(x)
    except OverflowError:
        return _INF


def _c_acosh(x):
    x = _f(x)
    if x < 1.0:
        return _NAN
    return _math.acosh(x)


def _c_atanh(x):
    x = _f(x)
    if x == 1.0 or x == -1.0:
        return _math.copysign(_INF, x)
    if _abs(x) > 1.0:
        return _NAN
    return _math.atanh(x)


def _c_exp(x):
    x = _f(x)
    try:
        return _math.exp(x)
    except OverflowError:
        return _INF


def _c_exp2(x):
    x = _f(x)
    if _math.isnan(x):
        return x
    fn = getattr(_math, "exp2", None)
    if fn is not None:
        try:
            return fn(x)
        except OverflowError:
            return _INF
    cfn = _libm_func("exp2")
    if cfn is not None:
        return cfn(x)
    try:
        return _math.pow(2.0, x)
    except OverflowError:
        return _INF


def _c_expm1(x):
    x = _f(x)
    try:
        return _math.expm1(x)
    except OverflowError:
        return _INF


def _log_like(fn, pole):
    def wrapper(x):
        x = _f(x)
        if x == pole:
            return -_INF
        if x < pole:
            return _NAN
        return fn(x)
    wrapper.__name__ = fn.__name__
    return wrapper


def _c_pow(x, y):
    x = _f(x)
    y = _f(y)
    try:
        return _math.pow(x, y)
    except OverflowError:
        if x < 0.0 and _is_odd_integer(y):
            return -_INF
        return _INF
    except ValueError:
        if x == 0.0:  # pole error: pow(+-0, y<0)
            if _is_odd_integer(y):
                return _math.copysign(_INF, x)
            return _INF
        return _NAN  # negative base, non-integer exponent


def _c_fabs(x):
    return _math.fabs(_f(x))


def _c_integral(to_int):
    """C's floor/ceil/trunc: a double, infinities, NaN and integral
    magnitudes (>= 2**52) returned as they are, zero results keeping x's sign."""
    def f(x):
        x = _f(x)
        if not _math.isfinite(x) or _abs(x) >= _TWO52:
            return x
        r = _float(to_int(x))
        return _math.copysign(r, x) if r == 0.0 else r
    return f


_c_floor = _c_integral(_math.floor)
_c_ceil = _c_integral(_math.ceil)
_c_trunc = _c_integral(_math.trunc)


def _c_round(x):
    """C ``round``: halfway cases away from zero; returns a double."""
    x = _f(x)
    if not _math.isfinite(x) or _abs(x) >= _TWO52:
        return x
    t = _float(_math.trunc(x))
    if _abs(x - t) >= 0.5:  # exact: x and t are within 1 of each other
        t += _math.copysign(1.0, x)
    return _math.copysign(_abs(t), x)


def _c_rint(x):
    """C ``rint``/``nearbyint`` in the default rounding mode: ties to even."""
    x = _f(x)
    if not _math.isfinite(x) or _abs(x) >= _TWO52:
        return x
    return _math.copysign(_float(_builtins.round(x)), x)


def _c_fmod(x, y):
    x = _f(x)
    y = _f(y)
    try:
        return _math.fmod(x, y)
    except ValueError:
        return _NAN


def _c_fmin(x, y):
    x = _f(x)
    y = _f(y)
    if _math.isnan(x):
        return y
    if _math.isnan(y):
        return x
    return x if x < y else y  # equal (e.g. -0.0, 0.0): y, like glibc


def _c_fma(x, y, z):
    """C fma: x*y + z with a single rounding (exact rational arithmetic)."""
    x, y, z = _float(x), _float(y), _float(z)
    if not (_math.isfinite(x) and _math.isfinite(y) and _math.isfinite(z)):
        return x * y + z
    from fractions import Fraction
    exact = Fraction(x) * Fraction(y) + Fraction(z)
    try:
        r = _float(exact)
    except OverflowError:
        return _math.copysign(_math.inf, exact)
    if r == 0.0 and exact == 0:
        # The sign of an exact zero follows IEEE rules for x*y + z.
        return x * y + z
    return r


def _c_fmax(x, y):
    x = _f(x)
    y = _f(y)
    if _math.isnan(x):
        return y
    if _math.isnan(y):
        return x
    return x if x > y else y  # equal (e.g. 0.0, -0.0): y, like glibc


def _c_fdim(x, y):
    x = _f(x)
    y = _f(y)
    if _math.isnan(x) or _math.isnan(y):
        return _NAN
    return x - y if x > y else 0.0


def _c_hypot(x, y):
    x = _f(x)
    y = _f(y)
    try:
        return _math.hypot(x, y)
    except OverflowError:
        return _INF


def _c_atan2(y, x):
    return _math.atan2(_f(y), _f(x))


def _c_copysign(x, y):
    return _math.copysign(_f(x), _f(y))


def _c_cbrt(x):
    x = _f(x)
    cfn = _libm_func("cbrt")
    if cfn is not None:
        return cfn(x)
    fn = getattr(_math, "cbrt", None)
    if fn is not None:
        return fn(x)
    if x == 0.0 or not _math.isfinite(x):
        return x
    a = _abs(x)
    y = a ** (1.0 / 3.0)
    y = y - (y * y * y - a) / (3.0 * y * y)  # one Newton step
    return _math.copysign(y, x)


def _c_tgamma(x):
    x = _f(x)
    cfn = _libm_func("tgamma")
    if cfn is not None:
        return cfn(x)
    if x == 0.0:
        return _math.copysign(_INF, x)
    try:
        return _math.gamma(x)
    except OverflowError:
        return _INF
    except ValueError:
        return _NAN


def _c_lgamma(x):
    x = _f(x)
    cfn = _libm_func("lgamma")
    if cfn is not None:
        return cfn(x)
    try:
        return _math.lgamma(x)
    except (ValueError, OverflowError):
        return _INF  # poles at 0, -1, -2, ... and overflow


def _c_erf(x):
    return _math.erf(_f(x))


def _c_erfc(x):
    return _math.erfc(_f(x))


def _c_atan(x):
    return _math.atan(_f(x))


def _c_tanh(x):
    return _math.tanh(_f(x))


def _c_asinh(x):
    return _math.asinh(_f(x))


def _c_isnan(x):
    return _math.isnan(_f(x))


def _c_isinf(x):
    return _math.isinf(_f(x))


def _c_isfinite(x):
    return _math.isfinite(_f(x))


def _c_signbit(x):
    return _math.copysign(1.0, _f(x)) < 0.0


def _c_ldexp(x, e):
    x = _f(x)
    try:
        return _math.ldexp(x, _int(e))
    except OverflowError:
        return _math.copysign(_INF, x)


def _c_frexp(x):
    return _math.frexp(_f(x))


def _c_modf(x):
    f, i = _math.modf(_f(x))
    return f, i


def _c_remainder(x, y):
    x = _f(x)
    y = _f(y)
    try:
        return _math.remainder(x, y)
    except ValueError:
        return _NAN


def _make_module(name, doc, attrs, package=True):
    m = _types.ModuleType(name, doc)
    if package:
        m.__path__ = []
    m.__package__ = name if package else name.rpartition(".")[0]
    for key, value in attrs.items():
        setattr(m, key, value)
    return m


_libc_math_attrs = {
    "sqrt": _c_sqrt,
    "sin": _domain_nan(_math.sin),
    "cos": _domain_nan(_math.cos),
    "tan": _domain_nan(_math.tan),
    "asin": _domain_nan(_math.asin),
    "acos": _domain_nan(_math.acos),
    "atan": _c_atan,
    "atan2": _c_atan2,
    "sinh": _c_sinh,
    "cosh": _c_cosh,
    "tanh": _c_tanh,
    "asinh": _c_asinh,
    "acosh": _c_acosh,
    "atanh": _c_atanh,
    "exp": _c_exp,
    "exp2": _c_exp2,
    "expm1": _c_expm1,
    "log": _log_like(_math.log, 0.0),
    "log2": _log_like(_math.log2, 0.0),
    "log10": _log_like(_math.log10, 0.0),
    "log1p": _log_like(_math.log1p, -1.0),
    "pow": _c_pow,
    "fabs": _c_fabs,
    "floor": _c_floor,
    "ceil": _c_ceil,
    "trunc": _c_trunc,
    "round": _c_round,
    "rint": _c_rint,
    "nearbyint": _c_rint,
    "fmod": _c_fmod,
    "remainder": _c_remainder,
    "fmin": _c_fmin,
    "fma": _c_fma,
    "fmax": _c_fmax,
    "fdim": _c_fdim,
    "hypot": _c_hypot,
    "copysign": _c_copysign,
    "cbrt": _c_cbrt,
    "erf": _c_erf,
    "erfc": _c_erfc,
    "tgamma": _c_tgamma,
    "lgamma": _c_lgamma,
    "isnan": _c_isnan,
    "isinf": _c_isinf,
    "isfinite": _c_isfinite,
    "signbit": _c_signbit,
    "ldexp": _c_ldexp,
    "frexp": _c_frexp,
    "modf": _c_modf,
    "M_PI": _math.pi,
    "M_PI_2": _math.pi / 2.0,
    "M_PI_4": _math.pi / 4.0,
    "M_1_PI": 1.0 / _math.pi,
    "M_2_PI": 2.0 / _math.pi,
    "M_2_SQRTPI": 2.0 / _math.sqrt(_math.pi),
    "M_E": _math.e,
    "M_LN2": _math.log(2.0),
    "M_LN10": _math.log(10.0),
    "M_LOG2E": 1.0 / _math.log(2.0),
    "M_LOG10E": 1.0 / _math.log(10.0),
    "M_SQRT2": _math.sqrt(2.0),
    "M_SQRT1_2": _math.sqrt(0.5),
    "INFINITY": _INF,
    "NAN": _NAN,
    "HUGE_VAL": _INF,
}
for _key, _value in list(_libc_math_attrs.items()):
    if _callable(_value):
        _value.__name__ = _key
        _value.__qualname__ = _key
del _key, _value


def _c_abs(x):
    return _abs(_int(x))


# C memory in pure mode: a block is a pointer whose items are its bytes,
# zeroed; `cython.cast(cython.p_double, p)` makes items of the element type
# (more than the block holds, which C code never reads).
def _malloc(size):
    return _Pointer(p_char, [0] * _int(size))


def _calloc(n, size):
    return _Pointer(p_char, [0] * (_int(n) * _int(size)))


def _realloc(p, size):
    # The block keeps its items' type: seen as `char`s, the doubles a
    # `p_double` block holds would be truncated.
    if not _isinstance(p, _Pointer):
        return _Pointer(p_char, [0] * _int(size))
    items = list(p._items[p._off:p._off + size])
    return _Pointer(p._type, items + [0] * (_int(size) - _len(items)))


def _free(p):
    return None


def _elements(p, n):
    """How many of `p`'s elements `n` bytes are."""
    return _int(n) // _max(1, sizeof(p._type.base))


def _filled(t, byte):
    """The value of type `t` each of whose bytes is `byte`, as memset leaves
    it (x86-64 and aarch64 are little-endian)."""
    if _isinstance(t, _ScalarType):
        raw = _builtins.bytes([byte]) * _max(1, t.size)
        if t.kind == "float":
            return _struct.unpack("<d" if t.size == 8 else "<f", raw)[0]
        if t.kind == "complex":
            part = _struct.unpack("<d" if t.size == 16 else "<f", raw[:t.size // 2])[0]
            return _builtins.complex(part, part)
        if t.kind == "bint":
            return byte != 0
        if t.kind == "int":
            return _int.from_bytes(raw, "little", signed=t.signed)
        return None
    if _isinstance(t, _StructType):
        names = list(t.members)[:1] if t.is_union else list(t.members)
        return t(**{k: _filled(t.members[k], byte) for k in names})
    # A pointer: NULL, or an address no pure-mode pointer has.
    return cast(t, 0) if byte == 0 else _int.from_bytes(_builtins.bytes([byte]) * _SIZE, "little")


def _memset(p, c, n):
    count = _elements(p, n)
    byte = _int(c) & 0xFF
    p._items[p._off:p._off + count] = [_filled(p._type.base, byte) for _ in _range(count)]
    return p


def _memcpy(dst, src, n):
    count = _elements(dst, n)
    dst._items[dst._off:dst._off + count] = [cast(dst._type.base, v) for v in src._items[src._off:src._off + count]]
    return dst


def _qsort(base, n, size, compar):
    """C's qsort over the shim's pointers: the `n` elements of `size` bytes
    at `base` put in the order `compar(a, b)` gives (negative: a first),
    `a` and `b` pointers (of `base`'s type) to the elements compared.
    Python's sort is stable; C's qsort need not be, so elements `compar`
    calls equal may end in another order than in compiled code."""
    n = _int(n)
    if n <= 1:
        return None
    per = _elements(base, size)
    if per < 1:
        raise ValueError("qsort: an element of %d bytes is smaller than %r's items" % (_int(size), base))
    items, off, ptype = base._items, base._off, base._type

    def pointer(element):
        q = _Pointer(ptype)
        q._items = element
        q._off = 0
        return q

    elements = [pointer(items[off + i * per:off + (i + 1) * per]) for i in _range(n)]
    elements.sort(key=_functools.cmp_to_key(lambda a, b: _int(compar(a, b))))
    items[off:off + n * per] = [v for q in elements for v in q._items]
    return None


_libc_stdlib_attrs = {"abs": _c_abs, "labs": _c_abs, "llabs": _c_abs,
                      "malloc": _malloc, "calloc": _calloc, "realloc": _realloc, "free": _free,
                      "qsort": _qsort}
def _strlen(s):
    """C's strlen of what compiled code passes as a `char*`: a bytes or
    bytearray object's characters (up to the first NUL), a str as the C
    string of a literal, a shim pointer's items up to the first zero;
    other objects CPython's TypeError, as `PyBytes_AsString` raises it."""
    if _isinstance(s, _builtins.str):
        s = s.encode("ascii")
    if _isinstance(s, (_builtins.bytes, _builtins.bytearray)):
        n = s.find(b"\0")
        return _len(s) if n < 0 else n
    if _isinstance(s, _Pointer):
        n = 0
        while s._off + n < _len(s._items) and s._items[s._off + n]:
            n += 1
        return n
    raise _builtins.TypeError("expected bytes, %s found" % _builtins.type(s).__name__)


_libc_string_attrs = {"memset": _memset, "memcpy": _memcpy, "memmove": _memcpy, "strlen": _strlen}

_libc_limits_attrs = {
    "CHAR_BIT": 8,
    "SCHAR_MIN": -(1 << 7), "SCHAR_MAX": (1 << 7) - 1, "UCHAR_MAX": (1 << 8) - 1,
    "CHAR_MIN": -(1 << 7), "CHAR_MAX": (1 << 7) - 1,
    "SHRT_MIN": -(1 << 15), "SHRT_MAX": (1 << 15) - 1, "USHRT_MAX": (1 << 16) - 1,
    "INT_MIN": -(1 << 31), "INT_MAX": (1 << 31) - 1, "UINT_MAX": (1 << 32) - 1,
    "LONG_MIN": -(1 << (8 * _LONG - 1)), "LONG_MAX": (1 << (8 * _LONG - 1)) - 1,
    "ULONG_MAX": (1 << (8 * _LONG)) - 1,
    "LLONG_MIN": -(1 << 63), "LLONG_MAX": (1 << 63) - 1, "ULLONG_MAX": (1 << 64) - 1,
}

_libc_float_attrs = {
    "DBL_MAX": _sys.float_info.max,
    "DBL_MIN": _sys.float_info.min,
    "DBL_EPSILON": _sys.float_info.epsilon,
    "DBL_DIG": _sys.float_info.dig,
    "DBL_MANT_DIG": _sys.float_info.mant_dig,
    "FLT_MAX": 3.4028234663852886e+38,
    "FLT_MIN": 1.1754943508222875e-38,
    "FLT_EPSILON": 1.1920928955078125e-07,
}

_libc_math = _make_module("cython.cimports.libc.math",
                          "C <math.h> with C semantics (pure-Python shim).",
                          _libc_math_attrs, package=False)
_libc_stdlib = _make_module("cython.cimports.libc.stdlib", "C <stdlib.h> (subset).",
                            _libc_stdlib_attrs, package=False)
_libc_string = _make_module("cython.cimports.libc.string", "C <string.h> (subset).",
                            _libc_string_attrs, package=False)
_libc_limits = _make_module("cython.cimports.libc.limits", "C <limits.h>.",
                            _libc_limits_attrs, package=False)
_libc_float = _make_module("cython.cimports.libc.float", "C <float.h> (subset).",
                           _libc_float_attrs, package=False)
_libc = _make_module("cython.cimports.libc", "C standard library (shim).",
                     {"math": _libc_math, "stdlib": _libc_stdlib, "string": _libc_string,
                      "limits": _libc_limits, "float": _libc_float})

# cython.cimports.cpython.buffer: CPython's `Py_buffer` struct and the
# `PyBUF_*` request flags (Include/pybuffer.h). Interpreted code cannot
# export a buffer (a class's `__getbuffer__` is never called), as with
# Cython's own shadow module; the names exist so the same file runs.
_PyBUF_ND = 0x0008
_PyBUF_STRIDES = 0x0010 | _PyBUF_ND
_PyBUF_INDIRECT = 0x0100 | _PyBUF_STRIDES
_cpython_buffer_attrs = {
    "Py_buffer": struct(buf=p_void, obj=object, len=Py_ssize_t, itemsize=Py_ssize_t,
                        readonly=int, ndim=int, format=pointer(char),
                        shape=pointer(Py_ssize_t), strides=pointer(Py_ssize_t),
                        suboffsets=pointer(Py_ssize_t), internal=p_void),
    "PyBUF_SIMPLE": 0, "PyBUF_WRITABLE": 0x0001, "PyBUF_WRITEABLE": 0x0001,
    "PyBUF_FORMAT": 0x0004, "PyBUF_ND": _PyBUF_ND, "PyBUF_STRIDES": _PyBUF_STRIDES,
    "PyBUF_C_CONTIGUOUS": 0x0020 | _PyBUF_STRIDES, "PyBUF_F_CONTIGUOUS": 0x0040 | _PyBUF_STRIDES,
    "PyBUF_ANY_CONTIGUOUS": 0x0080 | _PyBUF_STRIDES, "PyBUF_INDIRECT": _PyBUF_INDIRECT,
    "PyBUF_CONTIG": _PyBUF_ND | 0x0001, "PyBUF_CONTIG_RO": _PyBUF_ND,
    "PyBUF_STRIDED": _PyBUF_STRIDES | 0x0001, "PyBUF_STRIDED_RO": _PyBUF_STRIDES,
    "PyBUF_RECORDS": _PyBUF_STRIDES | 0x0005, "PyBUF_RECORDS_RO": _PyBUF_STRIDES | 0x0004,
    "PyBUF_FULL": _PyBUF_INDIRECT | 0x0005, "PyBUF_FULL_RO": _PyBUF_INDIRECT | 0x0004,
    "PyBUF_READ": 0x100, "PyBUF_WRITE": 0x200,
}
_cpython_buffer = _make_module("cython.cimports.cpython.buffer", "CPython's buffer protocol (shim).",
                               _cpython_buffer_attrs, package=False)
_cpython = _make_module("cython.cimports.cpython", "CPython's C API (shim, the buffer protocol).",
                        dict(_cpython_buffer_attrs, buffer=_cpython_buffer))
cimports = _make_module("cython.cimports", "cimport emulation (shim).", {"libc": _libc, "cpython": _cpython})


class _PxdTypes(object):
    """``from cython.cimports.<mod> import T`` in plain Python when
    ``<mod>.pxd`` is on ``sys.path`` and no Python module ``<mod>`` is: a
    module of the `.pxd`'s ``ctypedef`` names (function pointer types as
    ``_FunctionPointerType``, scalar ones as ``typedef``s of the shim's
    types), the names a file's annotations and casts spell, so a module
    whose compiled functions use them runs interpreted too. C functions
    and variables are not there: plain Python cannot call C."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        prefix = "cython.cimports."
        if not fullname.startswith(prefix) or fullname.count(".") != 2:
            return None
        name = fullname[_len(prefix):]
        if name in ("libc", "cpython"):
            return None
        import importlib.machinery
        import importlib.util
        import os.path
        try:
            if importlib.util.find_spec(name) is not None:
                return None
        except (ImportError, ValueError):
            pass
        for entry in _sys.path:
            pxd = os.path.join(entry or os.curdir, name + ".pxd")
            if os.path.isfile(pxd):
                return importlib.machinery.ModuleSpec(fullname, cls, origin=pxd)
        return None

    @staticmethod
    def create_module(spec):
        return None

    @staticmethod
    def exec_module(module):
        import re
        with _builtins.open(module.__spec__.origin, encoding="utf-8") as f:
            text = f.read()
        g = globals()
        for line in text.splitlines():
            words = line.split("#")[0].split()
            if not words or words[0] != "ctypedef":
                continue
            fn = re.match(r"\s*ctypedef\s+[^(]*\(\s*\*\s*([A-Za-z_]\w*)\s*\)", line)
            if fn:
                setattr(module, fn.group(1), _FunctionPointerType(fn.group(1)))
                continue
            if len(words) >= 3 and words[-1].isidentifier() and "*" not in line and words[1] not in ("struct", "union", "enum"):
                base = "".join(w for w in words[1:-1] if w != "const")
                base = {"unsignedint": "uint", "unsignedchar": "uchar", "unsignedshort": "ushort",
                        "unsignedlong": "ulong", "unsignedlonglong": "ulonglong", "longlong": "longlong"}.get(base, base)
                if _isinstance(g.get(base), CythonType):
                    setattr(module, words[-1], typedef(g[base], words[-1]))


if not _embedded:
    for _mod in (cimports, _libc, _libc_math, _libc_stdlib, _libc_string, _libc_limits,
                 _libc_float, _cpython, _cpython_buffer, parallel):
        _sys.modules.setdefault(_mod.__name__, _mod)
    del _mod
    _sys.modules.setdefault("cython.dataclasses", dataclasses)
    if not _builtins.any(_isinstance(f, _type_of) and f.__name__ == "_PxdTypes" for f in _sys.meta_path):
        _sys.meta_path.append(_PxdTypes)
