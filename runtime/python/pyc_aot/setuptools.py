"""setuptools integration: typed ``.py`` files as extension modules.

::

    from setuptools import setup
    from pyc_aot.setuptools import aot_extensions, build_ext

    setup(
        name="demo",
        ext_modules=aot_extensions(["fib.py", "pkg/**/*.py"]),
        cmdclass={"build_ext": build_ext},
    )

``python setup.py build_ext --inplace``, ``pip install .`` and
``python -m build`` then compile each source with pyc-aot (in this process,
no C compiler pass) and link the object with setuptools' own compiler object,
so ``CC``, ``LDSHARED`` and ``LDFLAGS`` apply as for any C extension.
Up-to-date modules are skipped (``--force`` rebuilds them): a module is up to
date when it is newer than its source, the compiler and ``depends``, and its
source and the module itself still hash to what the last build recorded.
``build_ext -j N`` compiles N modules at once (threads: the compiler runs
with the GIL released).

The target CPU is, in order: the extension's own ``target`` (given to
:func:`aot_extensions` or :class:`AotExtension`), the environment variable
``PYC_AOT_TARGET``, and the portable baseline of the platform
(:func:`baseline_target`: ``x86-64`` on x86-64), because a wheel must run on
any CPU of its platform.
"""

import os
import platform
from typing import Dict, Iterable, List, Optional, Tuple, Union

from setuptools import Extension
from setuptools.command.build_ext import build_ext as _build_ext

try:  # setuptools >= 69
    from setuptools.modified import newer_group
except ImportError:  # pragma: no cover - older setuptools
    from distutils.dep_util import newer_group  # type: ignore[no-redef]
try:
    from setuptools.errors import CompileError as _DistutilsCompileError
    from setuptools.errors import SetupError as _SetupError
except ImportError:  # pragma: no cover - older setuptools
    from distutils.errors import CompileError as _DistutilsCompileError  # type: ignore[no-redef]
    from distutils.errors import DistutilsSetupError as _SetupError  # type: ignore[no-redef]

try:  # distutils' own levels: 1-5 in older setuptools, logging's in newer ones
    from distutils import log as _log
except ImportError:  # pragma: no cover
    import logging as _log  # type: ignore[no-redef]

from . import COMPILER_VERSION, CompileError, _cdeps, _native, annotate, compile_object

__all__ = ["AotExtension", "aot_extensions", "baseline_target", "build_ext", "TARGET_ENV"]

#: The environment variable that overrides the default target.
TARGET_ENV = "PYC_AOT_TARGET"

Source = Union[str, Tuple[str, str]]


def baseline_target() -> str:
    """The target every CPU of this platform runs: ``x86-64`` (SSE2) on
    x86-64. On other platforms the compiler knows only ``native``."""
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64", "x64"):
        return "x86-64"
    return "native"


#: What :meth:`AotExtension.of` carries over from a plain Extension.
_EXTENSION_KWARGS = ("include_dirs", "define_macros", "undef_macros", "library_dirs", "libraries",
                     "runtime_library_dirs", "extra_objects", "extra_compile_args", "extra_link_args",
                     "export_symbols", "depends", "language", "optional")


class AotExtension(Extension):
    """An extension module compiled by pyc-aot from one typed ``.py`` file.

    ``source``: the ``.py`` file, or a list of it and the C sources the
    module wraps (compiled with setuptools' compiler and linked in;
    ``.pxd`` files are found beside the ``.py``, then in ``include_dirs``).
    ``target``: the CPU to compile for (``None``: ``$PYC_AOT_TARGET``, else
    :func:`baseline_target`). ``strict``: a function left to Python is an
    error. Other keyword arguments are those of :class:`setuptools.Extension`
    (``include_dirs``, ``libraries``, ``library_dirs``, ``extra_compile_args``
    for the C sources, ``extra_link_args``, ``extra_objects``, ``depends``,
    ``optional``, …).

    :class:`build_ext` also builds a plain :class:`setuptools.Extension`
    whose sources are one ``.py`` file and C files this way, as Cython's
    does: ``Extension("wrap_fib", sources=["wrap_fib.py", "cfib.c"])``.
    """

    def __init__(self, name: str, source: Union[str, List[str]], *, target: Optional[str] = None, strict: bool = False,
                 annotate: bool = False, **kwargs):
        sources = [source] if isinstance(source, str) else list(source)
        source, c_sources = (sources[0] if sources else ""), sources[1:]
        if not source.endswith(".py"):
            raise _SetupError(f"pyc-aot extension {name!r}: source {source!r} is not a .py file")
        for c in c_sources:
            if not c.endswith(".c"):
                raise _SetupError(f"pyc-aot extension {name!r}: {c!r} is not a C source (.c) to link with {source!r}")
        stem = os.path.splitext(os.path.basename(source))[0]
        if name.rsplit(".", 1)[-1] != stem:
            raise _SetupError(
                f"pyc-aot extension {name!r}: its last component must be the source's name {stem!r} "
                f"(the module exports PyInit_{stem})"
            )
        super().__init__(name, [source] + c_sources, **kwargs)
        self.pyc_aot_target = target
        self.pyc_aot_strict = strict
        self.pyc_aot_annotate = annotate

    @property
    def pyc_aot_source(self) -> str:
        return self.sources[0]

    @property
    def c_sources(self) -> List[str]:
        return self.sources[1:]

    @classmethod
    def of(cls, ext: Extension) -> Optional["AotExtension"]:
        """A plain Extension of one ``.py`` source and C sources, as an AotExtension."""
        py = [s for s in ext.sources if s.endswith(".py")]
        if len(py) != 1:
            return None
        kwargs = {k: getattr(ext, k) for k in _EXTENSION_KWARGS if getattr(ext, k, None)}
        return cls(ext.name, py + [s for s in ext.sources if s not in py], **kwargs)

    def resolved_target(self) -> str:
        return self.pyc_aot_target or os.environ.get(TARGET_ENV, "").strip() or baseline_target()


def _module_name(path: str, package_dir: Dict[str, str]) -> str:
    parts = path.replace(os.sep, "/").split("/")
    parts = [p for p in parts if p not in ("", ".")]
    if not parts or not parts[-1].endswith(".py"):
        raise _SetupError(f"pyc-aot: {path!r} is not a .py file")
    parts[-1] = parts[-1][: -len(".py")]
    # Longest package_dir mapping first: {"": "src"} maps src/pkg/m.py to pkg.m.
    for package, directory in sorted(package_dir.items(), key=lambda kv: -len(kv[1])):
        prefix = [p for p in directory.replace(os.sep, "/").split("/") if p not in ("", ".")]
        if parts[: len(prefix)] == prefix:
            rest = parts[len(prefix):]
            parts = (package.split(".") if package else []) + rest
            break
    for p in parts:
        if not p.isidentifier():
            raise _SetupError(f"pyc-aot: {path!r} cannot be a module: {p!r} is not a Python identifier")
    return ".".join(parts)


def aot_extensions(
    sources: Iterable[Source],
    target: Optional[str] = None,
    strict: bool = False,
    package_dir: Optional[Dict[str, str]] = None,
    annotate: bool = False,
    **extension_kwargs,
) -> List[AotExtension]:
    """One :class:`AotExtension` per typed source.

    ``sources``: paths relative to ``setup.py`` with ``/`` separators, e.g.
    ``"pkg/kernels.py"`` (module ``pkg.kernels``), directories (every ``.py``
    file below), globs (``"src/**/*.py"``), or ``(module_name, path)`` pairs.
    A package's ``__init__.py`` (and ``__main__.py``) found in a directory or
    glob stays Python; name it explicitly to compile it. ``package_dir`` maps package names to directories as in
    ``setup()`` (``{"": "src"}`` for a src layout). ``target`` and ``strict``
    apply to every extension; ``annotate=True`` also writes each source's
    annotate report beside it (``pyc-aot annotate``: ``kernels.py`` →
    ``kernels.html``); other keyword arguments go to each
    :class:`AotExtension`.
    """
    if isinstance(sources, bytes):
        raise TypeError("aot_extensions() takes a list of sources or one glob or directory, not bytes")
    if isinstance(sources, str):  # one pattern or directory: aot_extensions("src/**/*.py")
        sources = [sources]
    out = []
    seen = set()
    for s in sources:
        pairs = [s] if isinstance(s, tuple) else [(None, p) for p in _expand(os.fspath(s))]
        for name, path in pairs:
            if name is None:
                name = _module_name(path, package_dir or {})
            if name in seen:
                continue
            seen.add(name)
            out.append(AotExtension(name, path, target=target, strict=strict, annotate=annotate, **extension_kwargs))
    return out


#: Found in a directory or glob, these stay Python: a package's namespace,
#: and what ``python -m pkg`` runs through runpy (which needs a code object).
_KEPT_PYTHON = ("__init__.py", "__main__.py")


def _expand(source: str) -> List[str]:
    """The ``.py`` files a path, directory or glob names (sorted, with ``/``)."""
    import glob

    if any(c in source for c in "*?[") and not os.path.exists(source):
        found = sorted(glob.glob(source, recursive=True))
        if not found:
            raise _SetupError(f"pyc-aot: {source!r} matches no file")
        files = []
        for f in found:
            files += _walk(f) if os.path.isdir(f) else [f] if f.endswith(".py") and _found_ok(f) else []
        return files
    if os.path.isdir(source):
        return _walk(source)
    return [source]


def _found_ok(path: str) -> bool:
    parts = path.replace(os.sep, "/").split("/")
    return parts[-1] not in _KEPT_PYTHON and "__pycache__" not in parts


def _walk(directory: str) -> List[str]:
    files = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".py") and n not in _KEPT_PYTHON]
    return [f.replace(os.sep, "/") for f in files]


class build_ext(_build_ext):
    """setuptools' ``build_ext`` that builds :class:`AotExtension` modules with
    pyc-aot and any other extension as usual."""

    def build_extension(self, ext) -> None:
        if not isinstance(ext, AotExtension):
            aot = AotExtension.of(ext)
            if aot is None:
                return super().build_extension(ext)
            ext = aot
        self._build_aot(ext)

    def copy_extensions_to_source(self) -> None:
        # setuptools copies --inplace modules only when newer by whole-second
        # mtimes (and gives the copy the build's, truncated): a module rebuilt
        # within the second of the last copy would be left behind.
        force, self.force = self.force, True
        try:
            super().copy_extensions_to_source()
        finally:
            self.force = force

    def _stamp(self, ext: AotExtension) -> str:
        target = ext.resolved_target()
        return f"pyc-aot {COMPILER_VERSION} target={_native.target_id(target)} strict={ext.pyc_aot_strict}\n"

    def _build_aot(self, ext: AotExtension) -> None:
        source = ext.pyc_aot_source
        ext_path = self.get_ext_fullpath(ext.name)
        obj_path = os.path.join(self.build_temp, *ext.name.split(".")) + ".o"
        stamp_path = obj_path + ".stamp"
        try:
            stamp = self._stamp(ext)
        except ValueError as e:  # unknown target name
            raise _DistutilsCompileError(f"pyc-aot extension {ext.name!r}: {e}") from None
        # The compiler is part of what the module depends on, and so are the
        # C sources and .pxd files it wraps.
        wrapped = list(ext.c_sources) + _cdeps.pxd_files(_read_bytes(source), os.path.dirname(source) or ".", ext.include_dirs)
        depends = [source, _native.__file__] + wrapped + list(ext.depends)
        # Mtimes alone would trust a module whose source was replaced by an
        # older-dated copy (tar, cp -p, rsync -t) or whose link was cut short:
        # the stamp also names the source and the module by their contents.
        stamp += f"source={_file_hash(source)}\n"
        stamp += "".join(f"wraps {w}={_file_hash(w)}\n" for w in wrapped)
        if ext.pyc_aot_annotate:
            self._annotate(ext, source)
        if (
            not self.force
            and not newer_group(depends, ext_path, "newer")
            and _read(stamp_path) == stamp + f"module={_file_hash(ext_path)}\n"
        ):
            self.announce(f"skipping '{ext.name}' pyc-aot extension (up-to-date)", level=_log.INFO)
            return

        target = ext.resolved_target()
        try:
            result = compile_object(source, target=target, strict=ext.pyc_aot_strict, include_dirs=ext.include_dirs)
        except CompileError as err:
            raise _DistutilsCompileError(str(err)) from None
        report = result.report
        if report.warnings:
            self.announce(report.warnings, level=_log.WARN)
        n = report.native_functions
        self.announce(
            f"pyc-aot: compiled {source} for {target} ({n} function{'' if n == 1 else 's'} native, "
            f"{len(report.left_to_python)} left to Python) in {report.elapsed_ms:.0f} ms",
            level=_log.INFO,
        )

        os.makedirs(os.path.dirname(obj_path) or ".", exist_ok=True)
        os.makedirs(os.path.dirname(ext_path) or ".", exist_ok=True)
        _write_atomic(obj_path, result.object)
        macros = list(ext.define_macros or []) + [(m,) for m in ext.undef_macros or []]
        c_objects = self.compiler.compile(
            ext.c_sources, output_dir=self.build_temp, macros=macros, include_dirs=ext.include_dirs,
            debug=self.debug, extra_postargs=ext.extra_compile_args or [], depends=ext.depends,
        ) if ext.c_sources else []
        libraries = list(self.get_libraries(ext))
        libraries += [lib for lib in result.libraries if lib not in libraries]
        # Linked under a temporary name and renamed: an interrupted link leaves
        # no half-written module under the real name.
        linked = f"{ext_path}.{os.getpid()}.tmp"
        try:
            self.compiler.link_shared_object(
                [obj_path] + c_objects + list(ext.extra_objects or []),
                linked,
                libraries=libraries,
                library_dirs=ext.library_dirs,
                runtime_library_dirs=ext.runtime_library_dirs,
                extra_postargs=ext.extra_link_args or [],
                export_symbols=self.get_export_symbols(ext),
                debug=self.debug,
                build_temp=self.build_temp,
                target_lang="c",
            )
            if wrapped:
                _check_c_symbols(linked)
            os.replace(linked, ext_path)
        finally:
            if os.path.exists(linked):
                os.unlink(linked)
        _write_atomic(stamp_path, (stamp + f"module={_file_hash(ext_path)}\n").encode())


    def _annotate(self, ext: AotExtension, source: str) -> None:
        """The report beside the source, rewritten when older than it or the compiler."""
        report = os.path.splitext(source)[0] + ".html"
        if not self.force and not newer_group([source, _native.__file__], report, "newer"):
            return
        try:
            written = annotate(source, target=ext.resolved_target())
        except CompileError as err:
            raise _DistutilsCompileError(str(err)) from None
        self.announce(f"pyc-aot: wrote the annotate report {written}", level=_log.INFO)


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def _check_c_symbols(path: str) -> None:
    """A C symbol the module's .pxd declares that nothing linked defines is
    named now, not at import: the dynamic loader resolves every symbol of the
    linked module (the interpreter's are this process's). Other loader errors
    (a library not on the loader's path yet) are left to import time."""
    import ctypes
    import re

    try:
        ctypes.CDLL(os.path.abspath(path), mode=os.RTLD_NOW | os.RTLD_LOCAL)
    except OSError as e:
        missing = re.search(r"undefined symbol: (\S+)", str(e))
        if missing:
            raise _DistutilsCompileError(
                f"the C symbol `{missing.group(1)}` declared in a .pxd is not defined by the C sources or libraries "
                "linked: add the C file that defines it to the Extension's sources, or its library to libraries="
            ) from None


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _file_hash(path: str) -> Optional[str]:
    import hashlib

    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def _write_atomic(path: str, data: bytes) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
