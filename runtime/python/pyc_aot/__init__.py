"""pyc-aot: compile typed Python to CPython extension modules, in-process.

Entry points:

* ``pyc_aot.compile("fib.py", target="native")`` — build one module; returns
  ``(path, report)``; raises :class:`CompileError` with file, line, column and
  the rendered message.
* ``python -m pyc_aot build fib.py …`` / the ``pyc-aot`` console script — the
  same command line as the Rust ``pyc-aot`` binary.
* ``pyc_aot.setuptools`` — ``aot_extensions(...)`` and ``build_ext`` for
  ``setup.py``.
* ``pyc_aot.install()`` / ``pyc_aot.uninstall()`` — compile on import.
* ``pyc_aot.annotate("fib.py")`` — write ``fib.html``, the annotate report.
* ``%load_ext pyc_aot`` then ``%%pyc_aot`` in IPython/Jupyter — compile a cell.
* ``from pyc_aot import cython`` — the plain-Python stand-ins for Cython's
  pure-Python-mode names, so typed files run uncompiled too.
"""

import importlib.machinery as _machinery
import os as _os
import sys as _sys
from . import _native
from ._errors import CacheWarning, CompileError, CompileWarning, ErrorLocation
from ._errors import record as _record

# Kept light on purpose: `import pyc_aot` runs before every hooked import, so
# no dataclasses, typing or pathlib at import time.

__all__ = [
    "CacheWarning",
    "CompileError",
    "CompileWarning",
    "ErrorLocation",
    "LeftToPython",
    "ObjectResult",
    "Report",
    "annotate",
    "compile",
    "compile_object",
    "install",
    "uninstall",
    "targets",
    "COMPILER_VERSION",
    "EXTENSION_SUFFIX",
]

#: Version of the compiler inside this package.
COMPILER_VERSION: str = _native.COMPILER_VERSION
__version__ = COMPILER_VERSION

#: The extension suffix of the running interpreter, e.g. ``.cpython-311-x86_64-linux-gnu.so``.
EXTENSION_SUFFIX: str = _machinery.EXTENSION_SUFFIXES[0]

#: The interpreter modules are built for unless ``python=`` says otherwise.
_SELF = _sys.executable or "python3"
if _sys.executable:
    # We run inside the interpreter we build for: tell the compiler its facts
    # so that it never starts a subprocess to ask.
    _native.remember_python(_sys.executable, EXTENSION_SUFFIX, _sys.version_info[1])

LeftToPython = _record("LeftToPython", "function line column reason",
                       "A function that stays interpreted Python, and why (1-based line and column).")


class Report:
    """What a build did.

    ``path``: the module written (``None`` when ``emit`` asked for a listing);
    ``compiled``: names of the functions compiled to machine code;
    ``left_to_python``: :class:`LeftToPython` entries for functions kept as
    Python inside the module; ``warnings``: the rendered warnings;
    ``listing``: what ``emit=`` asked for; ``elapsed_ms``; ``cannot_import``:
    one line saying why this machine cannot import the module (a CPU or
    architecture it lacks), else ``None``.
    """

    __slots__ = ("path", "compiled", "left_to_python", "warnings", "listing", "elapsed_ms", "cannot_import")

    def __init__(self, path=None, compiled=(), left_to_python=(), warnings="", listing="", elapsed_ms=0.0,
                 cannot_import=None):
        self.path = path
        self.compiled = list(compiled)
        self.left_to_python = list(left_to_python)
        self.warnings = warnings
        self.listing = listing
        self.elapsed_ms = elapsed_ms
        self.cannot_import = cannot_import

    @property
    def native_functions(self) -> int:
        return len(self.compiled)

    def summary(self) -> str:
        """One line, as the ``pyc-aot build`` command prints it."""
        n = self.native_functions
        return "wrote {} ({} function{} native, {} left to Python) in {:.0f} ms".format(
            self.path, n, "" if n == 1 else "s", len(self.left_to_python), self.elapsed_ms
        )

    def __repr__(self) -> str:
        return "Report(path={!r}, compiled={!r}, left_to_python={!r}, elapsed_ms={:.1f})".format(
            self.path, self.compiled, self.left_to_python, self.elapsed_ms
        )

    def __eq__(self, other):
        if not isinstance(other, Report):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in self.__slots__)


ObjectResult = _record("ObjectResult", "object module ext_suffix libraries report",
                       """An unlinked module: link ``object`` (with ``-l`` each of ``libraries``)
into ``<module><ext_suffix>``; ``report`` is the :class:`Report`.""")


def _report(d: dict) -> Report:
    from pathlib import Path

    return Report(
        path=Path(d["output"]) if d["output"] is not None else None,
        compiled=list(d["compiled"]),
        left_to_python=[LeftToPython(*t) for t in d["left_to_python"]],
        warnings=d["warnings"],
        listing=d["listing"],
        elapsed_ms=d["elapsed_ms"],
        cannot_import=d.get("cannot_import"),
    )


def _paths(xs) -> "list[str]":
    return [_os.fspath(x) for x in xs]


def compile(path, target="native", output_dir=None, strict=False, *, python=None, emit=None,
            sources=(), include_dirs=(), library_dirs=(), libraries=()):
    """Compile the typed Python file ``path`` into an extension module.

    ``target``: ``native`` (the CPU of this machine), ``x86-64`` (any x86-64
    CPU), ``x86-64-v2/v3/v4`` or a CPU name (see :func:`targets`).
    ``output_dir``: where to write ``<name><EXT_SUFFIX>`` (default: next to
    the source). ``strict``: a function left to Python is an error.
    ``python``: the interpreter to build for (default: this one).
    ``emit``: ``"hir"``, ``"mir"``, ``"clif"`` or ``"asm"`` to get a listing in
    ``report.listing`` instead of a module.
    ``sources``, ``include_dirs``, ``library_dirs``, ``libraries``: the C code
    the module wraps (C sources compiled into it with ``$CC``/``cc``, where
    ``.pxd`` files and headers are found, libraries to link), as for
    ``pyc-aot build m.py lib.c -I dir -L dir -l name``.

    Returns ``(path of the module, report)``; the path is ``None`` with ``emit``.
    Raises :class:`CompileError`.
    """
    out = _os.fspath(output_dir) if output_dir is not None else None
    d = _native.build(_os.fspath(path), out, target, python or _SELF, bool(strict), emit,
                      _paths(sources), _paths(include_dirs), _paths(library_dirs), list(libraries))
    report = _report(d)
    return report.path, report


def compile_object(path, target="native", strict=False, *, python=None, include_dirs=()) -> ObjectResult:
    """Compile ``path`` to an object file's bytes without linking (for build
    systems that link with their own tools; ``.pxd`` files are looked for
    beside it, then in ``include_dirs``). Raises :class:`CompileError`."""
    obj, module, suffix, libraries, d = _native.compile_object(
        _os.fspath(path), target, python or _SELF, bool(strict), _paths(include_dirs))
    return ObjectResult(obj, module, suffix, list(libraries), _report(d))


def annotate(path, target="native", output=None, *, python=None) -> str:
    """Write the annotate report of ``path`` (``pyc-aot annotate``): the
    source as HTML, each line shaded by the Python interaction of its compiled
    code, a click showing its MIR, Cranelift IR and machine code. ``output``:
    the file to write (default: ``path`` with ``.html``). Returns its path.
    Raises :class:`CompileError`."""
    out = _os.fspath(output) if output is not None else None
    written, _native_count, _left = _native.annotate(_os.fspath(path), target, python or _SELF, out)
    return written


def load_ipython_extension(ipython):
    """``%load_ext pyc_aot``: registers the ``%%pyc_aot`` cell magic."""
    from .magic import register

    register(ipython)


def targets() -> "list[tuple[str, list[str]]]":
    """Every name ``target=`` accepts, with the CPU features it enables."""
    return [(name, list(features)) for name, features in _native.targets()]


def install(*args, **kwargs):
    """Compile opted-in ``.py`` modules when they are first imported.

    See :func:`pyc_aot.importer.install` for the arguments.
    """
    from . import importer

    return importer.install(*args, **kwargs)


def uninstall() -> bool:
    """Remove the import hook :func:`install` added; True if there was one."""
    from . import importer

    return importer.uninstall()
