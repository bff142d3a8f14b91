"""Compile on import, in the manner of ``pyximport``.

::

    import pyc_aot
    pyc_aot.install()      # every module whose source imports cython / pyc_aot
    import fib             # compiled on first import, loaded from the cache after

Opt-in, as with ``pyximport``: ``install(modules=["fib", "mypkg.*"])`` (module
names or ``fnmatch`` patterns), ``install(paths=["*/kernels/*.py",
"/home/me/proj"])`` (patterns or directories matched against the source's
absolute path), or ``typed=True`` (the default when neither is given): every
module whose source has ``import cython``, ``from cython …``, ``import
pyc_aot`` or ``from pyc_aot …`` at the start of a line. Modules of the
standard library and of site-packages are never picked by ``typed``; package
``__init__`` modules always stay Python.

Compiled modules are cached in the source's ``__pycache__`` directory (or,
when that is not writable or Python was told not to write bytecode there
(``-B``, ``PYTHONDONTWRITEBYTECODE``), in ``$XDG_CACHE_HOME/pyc-aot/imports``
(default ``~/.cache/pyc-aot/imports``); or in ``cache_dir``) as
``<name>.pyc-aot-<key><EXT_SUFFIX>``, where the key hashes the source's path
and bytes, the compiler, the Python version and the target's CPU features
(and the contents of the C sources and ``.pxd`` files a module wrapping C
reads: its ``# distutils: sources = …`` comment, as Cython's, names the C
sources, with ``include_dirs``, ``libraries``, ``library_dirs``). A hit loads
without compiling; an edited source gets a new key and recompiles.
A module is compiled into a private temporary directory and renamed into
place, so concurrent importers never see a half-written file.

Loading a cache entry runs its code, so an entry is loaded only when no one
but the current user (or root) could have written it: its directory and the
entry itself must be owned by the current user or root and not writable by
group or others. Directories the hook creates in the user cache are 0700. A
directory or entry that fails this is refused with a
:class:`~pyc_aot.CacheWarning`, and the module is compiled into the next
candidate directory or, failing all, a private temporary directory for this
process. Each entry ends with the SHA-256 and length of the module, written
with it; an entry that does not match (truncated, overwritten, zero length)
is compiled again and replaced.

``importlib.reload(module)`` of a compiled module gives the code of the
source as it is now: the new build has a new file name (the key), is loaded
as a new extension module, and its namespace is copied into the module object
being reloaded (names the new source no longer defines keep their old
values, as with any reload). The functions of the new build keep the new
module's namespace as their globals (``f.__self__`` for compiled functions,
``f.__globals__`` for Python ones): assigning ``module.x = …`` after a
reload is not seen by the new functions' code.

``install(verbose=True)``, or ``PYC_AOT_VERBOSE=1`` in the environment, prints
to stderr what the hook does with each module it picks: compiled (the
functions now native, and each function left to Python with the reason the
``pyc-aot build`` warnings give), loaded from the cache, or imported as plain
Python because it did not compile (with the error's place and cause).

If compiling fails, the module is imported as plain Python with one
:class:`~pyc_aot.CompileWarning` carrying the compiler's message (and, when
no real Cython is installed, ``import cython`` in it gets the stand-in
``pyc_aot.cython``); with ``install(strict=True)`` the import raises
:class:`~pyc_aot.CompileError`.
"""

import _thread
import importlib.machinery as machinery
import os
import stat
import sys
import warnings

from . import _cdeps
from . import COMPILER_VERSION, EXTENSION_SUFFIX, CacheWarning, CompileError, CompileWarning, _native, compile as _compile

# Imported lazily (only when there is something to compile or match):
# fnmatch, shutil, sysconfig, tempfile. A warm-cache import should cost
# little more than loading the extension.

__all__ = ["AotFinder", "install", "uninstall"]

try:  # CPython's built-in SHA-256, without loading OpenSSL as hashlib does (~2 ms)
    from _sha2 import sha256 as _sha256  # 3.12+
except ImportError:
    try:
        from _sha256 import sha256 as _sha256  # 3.9-3.11
    except ImportError:  # other implementations
        from hashlib import sha256 as _sha256

_IMPORTS = (b"import cython", b"import pyc_aot", b"from cython", b"from pyc_aot")


def imports_typing_vocabulary(source: bytes) -> bool:
    """True if a line of ``source`` starts with ``import cython``, ``from
    cython …``, ``import pyc_aot`` or ``from pyc_aot …``."""
    if b"cython" not in source and b"pyc_aot" not in source:
        return False
    for line in source.splitlines():
        line = line.lstrip(b" \t")
        for prefix in _IMPORTS:
            if line.startswith(prefix):
                rest = line[len(prefix):len(prefix) + 1]
                if rest in (b"", b" ", b"\t", b",", b".", b"\r", b"#", b";"):
                    return True
    return False


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _compiler_id() -> str:
    """The compiler's version and the identity of its binary: a reinstalled
    compiler invalidates the cache even if the version did not change."""
    try:
        st = os.stat(_native.__file__)
        return f"{COMPILER_VERSION}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return COMPILER_VERSION


def _system_dirs() -> "tuple[str, ...]":
    """The standard library and the site-packages directories."""
    import site  # already imported at startup, normally

    dirs = [os.path.dirname(os.__file__)]
    try:
        dirs += site.getsitepackages()
    except AttributeError:  # virtualenv's old site.py
        pass
    try:
        dirs.append(site.getusersitepackages())
    except AttributeError:
        pass
    return tuple(sorted({os.path.realpath(d).rstrip(os.sep) + os.sep for d in dirs if d}))


# An entry is the module's bytes, then their SHA-256, their length (8 bytes,
# little-endian) and this marker. ELF loaders ignore bytes past what the
# headers map, so the sealed file loads as it is.
_SEAL = b"pyc-aot\x01"
_SEAL_LEN = 32 + 8 + len(_SEAL)


def _seal(path: str) -> None:
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "ab") as f:
        f.write(_sha256(data).digest() + len(data).to_bytes(8, "little") + _SEAL)


def _damage(path: str) -> "str | None":
    """Why the entry at ``path`` is not a whole module we wrote, or None if it is."""
    data = _read(path)
    if data is None:
        return "it cannot be read"
    if len(data) < _SEAL_LEN or not data.endswith(_SEAL):
        return "it is not sealed (truncated, or not written by pyc-aot)"
    body, digest, size = data[:-_SEAL_LEN], data[-_SEAL_LEN:-_SEAL_LEN + 32], data[-_SEAL_LEN + 32:-len(_SEAL)]
    if int.from_bytes(size, "little") != len(body):
        return f"it holds {len(body)} bytes, {int.from_bytes(size, 'little')} were written"
    if _sha256(body).digest() != digest:
        return "it does not match the hash recorded when it was written"
    return None


def _distrust(st: os.stat_result) -> "str | None":
    """Why a cache directory or entry with status ``st`` could hold someone
    else's code, or None if only the current user or root can have written it."""
    if not hasattr(os, "geteuid"):  # no POSIX owners and modes to go by
        return None
    me = os.geteuid()
    if st.st_uid not in (me, 0):
        return f"it is owned by uid {st.st_uid}, not by you (uid {me}) or root"
    if st.st_mode & 0o022:
        who = "others" if st.st_mode & 0o002 else "its group"
        return f"it is writable by {who} (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _stat_distrust(path: str) -> "tuple[os.stat_result, str | None]":
    """``os.stat(path)`` and why the cache directory there could hold someone
    else's code (see :func:`_distrust`), looking at ``path`` itself first with
    ``lstat``: a symlink is followed only if it is owned by the current user
    or root (in a sticky directory such as a shared ``1777`` cache, only its
    owner can replace or re-point it), and its target must then pass too.
    Raises ``OSError`` as ``os.stat`` does (a missing path, a dangling link
    of ours)."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        if hasattr(os, "geteuid") and st.st_uid not in (os.geteuid(), 0):
            return st, f"it is a symbolic link owned by uid {st.st_uid}, not by you (uid {os.geteuid()}) or root"
        st = os.stat(path)
    return st, _distrust(st)


def _make_private_dirs(path: str) -> None:
    """``os.makedirs(path)`` with every directory it creates 0700
    (``makedirs``' ``mode`` applies to the last one only)."""
    parent = os.path.dirname(path)
    if parent != path and not os.path.isdir(parent):
        _make_private_dirs(parent)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass


def _user_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pyc-aot", "imports")


class AotFinder:
    """The meta-path finder :func:`install` adds (just before ``PathFinder``).

    ``compiled``, ``cached`` and ``fallbacks`` list the modules this process
    compiled, loaded from the cache, and imported as plain Python after a
    failed compile; ``reports`` maps each compiled module to its
    :class:`~pyc_aot.Report` (e.g. the functions left to Python).
    """

    def __init__(
        self,
        modules=None,
        paths=None,
        typed=None,
        target="native",
        strict=False,
        cache_dir=None,
        verbose=None,
    ):
        if isinstance(modules, str) or isinstance(paths, str):
            raise TypeError("modules= and paths= take lists of names or patterns, not a single string")
        self.modules = list(modules or [])
        self.paths = [p if _is_glob(p) else os.path.abspath(os.path.expanduser(p)) for p in (paths or [])]
        self.typed = (modules is None and paths is None) if typed is None else bool(typed)
        self.target = target
        self.strict = bool(strict)
        self.cache_dir = os.path.abspath(cache_dir) if cache_dir else None
        if verbose is None:
            verbose = os.environ.get("PYC_AOT_VERBOSE", "").strip() not in ("", "0")
        self.verbose = bool(verbose)
        # Raises ValueError for an unknown target, at install() time.
        self._target_id = _native.target_id(target)
        self._salt = "\0".join([_compiler_id(), sys.version, EXTENSION_SUFFIX, self._target_id]).encode()
        self._system = _system_dirs()
        # Imported now: importing it lazily inside find_spec would recurse.
        self._fnmatch = __import__("fnmatch") if self.modules or any(map(_is_glob, self.paths)) else None
        self._active = _thread._local()  # inside our own find_spec on this thread
        self._failed = {}  # (origin, key) -> CompileError
        self._refused = set()  # paths already warned about
        self._private = None  # this process's own directory, when no cache directory can be trusted
        self.compiled = []
        self.cached = []
        self.fallbacks = []
        self.reports = {}  # module name -> pyc_aot.Report, for the modules compiled here

    def __repr__(self) -> str:
        return (
            f"<pyc_aot.importer.AotFinder modules={self.modules!r} paths={self.paths!r} "
            f"typed={self.typed} target={self.target!r} strict={self.strict} verbose={self.verbose}>"
        )

    # -- which modules ----------------------------------------------------

    def _name_matches(self, fullname: str) -> bool:
        return any(self._fnmatch.fnmatchcase(fullname, pat) for pat in self.modules)

    def _path_matches(self, origin: str) -> bool:
        for pat in self.paths:
            if _is_glob(pat):
                if self._fnmatch.fnmatch(origin, pat):
                    return True
            elif origin == pat or origin.startswith(pat.rstrip(os.sep) + os.sep):
                return True
        return False

    def _opted_in(self, fullname: str, origin: str) -> "bytes | None":
        """The source if the module is to be compiled, else None."""
        if not (self._name_matches(fullname) or self._path_matches(origin)):
            if not self.typed or os.path.realpath(origin).startswith(self._system):
                return None
            source = _read(origin)
            return source if source is not None and imports_typing_vocabulary(source) else None
        return _read(origin)

    # -- the finder protocol ----------------------------------------------

    def find_spec(self, fullname, path=None, target=None):
        spec = machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.submodule_search_locations is not None:
            return spec
        if not isinstance(spec.loader, machinery.SourceFileLoader) or not (spec.origin or "").endswith(".py"):
            return spec
        if fullname in ("cython", "pyc_aot") or fullname.startswith(("cython.", "pyc_aot.")):
            return spec
        if getattr(self._active, "on", False):
            return spec  # an import made while compiling: never compiled itself
        self._active.on = True
        try:
            origin = os.path.abspath(spec.origin)
            source = self._opted_in(fullname, origin)
            if source is None:
                return spec
            return self._compiled_spec(fullname, origin, source, spec)
        finally:
            self._active.on = False

    def invalidate_caches(self) -> None:
        machinery.PathFinder.invalidate_caches()

    # -- compiling and caching --------------------------------------------

    def key(self, origin: str, source: bytes) -> str:
        h = _sha256(self._salt)
        h.update(b"\0" + origin.encode("utf-8", "surrogateescape") + b"\0")
        h.update(source)
        # The C sources and .pxd files the module wraps: editing one rebuilds it.
        _, files = _cdeps.inputs(origin, source)
        if files:
            h.update(b"\0" + _cdeps.contents(files))
        return h.hexdigest()[:20]

    def _cache_dirs(self, origin: str) -> "list[str]":
        directory = os.path.dirname(origin)
        # Shared caches get one sub-directory per source directory, so that
        # modules of the same name from different places never evict each other.
        shared = _sha256(directory.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        if self.cache_dir:
            return [os.path.join(self.cache_dir, shared)]
        user = os.path.join(_user_cache_dir(), shared)
        if sys.dont_write_bytecode:  # PYTHONDONTWRITEBYTECODE / -B: leave the source tree alone
            return [user]
        return [os.path.join(directory, "__pycache__"), user]

    def _refuse(self, path: str, what: str, why: str) -> None:
        if path in self._refused:
            return
        self._refused.add(path)
        warnings.warn(
            f"pyc-aot: not using the {what} {path}: {why}. Another user could have put code there; "
            "compiling into a directory only you can write to instead.",
            CacheWarning,
            stacklevel=3,
        )

    def _usable_dir(self, directory: str, name: str) -> bool:
        """False for a cache directory that exists and is refused (or is not a directory)."""
        try:
            st, why = _stat_distrust(directory)
        except OSError:
            return True  # created when an entry is written
        if not stat.S_ISDIR(st.st_mode) and not stat.S_ISLNK(st.st_mode):  # a link here: someone else's
            return False
        # A group-writable __pycache__ is common (umask 002) and harmless while
        # it holds no entry for this module: skipped without a word then.
        if why and (os.path.basename(directory) != "__pycache__" or os.path.lexists(os.path.join(directory, name))):
            self._refuse(directory, "cache directory", why)
        return why is None

    def _compiled_spec(self, fullname: str, origin: str, source: bytes, source_spec):
        stem = os.path.splitext(os.path.basename(origin))[0]
        key = self.key(origin, source)
        failed = self._failed.get((origin, key))
        if failed is not None:
            if self.strict:
                raise failed
            return source_spec
        name = f"{stem}.pyc-aot-{key}{EXTENSION_SUFFIX}"
        names = [os.path.join(d, name) for d in self._cache_dirs(origin) if self._usable_dir(d, name)]
        for cached in names:
            try:
                st = os.lstat(cached)
            except OSError:
                continue
            why = _distrust(st) or (None if stat.S_ISREG(st.st_mode) else "it is not a regular file")
            if why:
                self._refuse(cached, "cache entry", why)
                continue
            if _damage(cached) is None:
                self.cached.append(fullname)
                self._say(f"{fullname}: loaded from the cache ({cached})")
                return _extension_spec(fullname, cached)
            # A damaged entry is compiled again below and replaced.
        try:
            cached, report = self._compile(origin, stem, name, names, _cdeps.inputs(origin, source)[0])
        except CompileError as err:
            self._failed[(origin, key)] = err
            if self.strict:
                raise
            self.fallbacks.append(fullname)
            if self.verbose:
                where = f"{err.file}:{err.line}:{err.column}: " if err.line is not None else ""
                self._say(f"{fullname}: stays Python: it did not compile: {where}{err.message}")
            warnings.warn(
                f"pyc-aot could not compile module {fullname!r} ({origin}); importing it as plain Python:\n{err}",
                CompileWarning,
                stacklevel=2,
            )
            _provide_cython()
            return source_spec
        self.compiled.append(fullname)
        self.reports[fullname] = report
        if self.verbose:
            self._say_compiled(fullname, origin, report)
        return _extension_spec(fullname, cached)

    def _say(self, line: str) -> None:
        if self.verbose:
            print(f"pyc-aot: {line}", file=sys.stderr, flush=True)

    def _say_compiled(self, fullname: str, origin: str, report) -> None:
        n = len(report.compiled)
        native = f" ({', '.join(report.compiled)})" if n else ""
        self._say(
            f"{fullname}: compiled {origin} in {report.elapsed_ms:.0f} ms: {n} function{'' if n == 1 else 's'} "
            f"native{native}, {len(report.left_to_python)} left to Python"
        )
        for left in report.left_to_python:
            self._say(f"{fullname}: `{left.function}` (line {left.line}) stays Python: {left.reason}")

    def _private_dir(self) -> str:
        """A directory of this process's own (mkdtemp makes it 0700), removed at exit."""
        if self._private is None:
            import atexit
            import shutil
            import tempfile

            self._private = tempfile.mkdtemp(prefix="pyc-aot-imports-")
            atexit.register(shutil.rmtree, self._private, True)
        return self._private

    def _compile(self, origin: str, stem: str, name: str, names: "list[str]", c_options=None):
        import shutil
        import tempfile

        problems = []
        for final in names + [None]:
            if final is None:  # no cache directory could be used
                try:
                    private = self._private_dir()
                except OSError as e:
                    problems.append(f"cannot create a private directory: {e}")
                    break
                final = os.path.join(private, name)
            directory = os.path.dirname(final)
            try:
                if os.path.basename(directory) == "__pycache__":
                    if not os.path.isdir(directory):
                        os.mkdir(directory, 0o755)  # as CPython would, without group write
                else:
                    _make_private_dirs(directory)
                # Checked again: another user may have created it first.
                _, why = _stat_distrust(directory)
                if why:
                    self._refuse(directory, "cache directory", why)
                    continue
                scratch = tempfile.mkdtemp(prefix=f".{stem}.pyc-aot-", dir=directory)
            except OSError as e:
                problems.append(f"cannot write to {directory}: {e}")
                continue
            try:
                try:
                    built, report = _compile(origin, target=self.target, output_dir=scratch, **(c_options or {}))
                except RuntimeError as e:  # an internal compiler error: a failed compile all the same
                    raise CompileError(f"error: {e}\n") from None
                _seal(built)
                os.chmod(built, 0o755)
                # Atomic: a concurrent importer sees the old name or the whole new file.
                os.replace(built, final)
            except OSError as e:
                problems.append(f"cannot write {final}: {e}")
                continue
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            _remove_stale(final, stem)
            return final, report
        raise CompileError("error: no writable cache directory for compiled modules: " + "; ".join(problems) + "\n")


def _read(path: str) -> "bytes | None":
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _provide_cython() -> None:
    """A module imported as plain Python after a failed compile may `import
    cython`: when no real ``cython`` is installed, the stand-in answers."""
    if "cython" in sys.modules:
        return
    try:
        if machinery.PathFinder.find_spec("cython") is not None:
            return
    except (ImportError, ValueError):
        pass
    from . import cython as stand_in

    sys.modules.setdefault("cython", stand_in)


class _ExtensionLoader(machinery.ExtensionFileLoader):
    """CPython's loader for extension modules, plus reload.

    ``importlib.reload`` calls ``exec_module`` on the existing module object,
    and CPython's would only re-run the old module's own initialisation (the
    module remembers the definition it was created from): the old code
    again. Here a reload loads the new build as a module of its own and
    copies its namespace into the module being reloaded.
    """

    _created = None  # the module create_module made, until exec_module runs it

    def create_module(self, spec):
        module = super().create_module(spec)
        self._created = module
        return module

    def exec_module(self, module):
        if module is self._created:
            self._created = None
            return super().exec_module(module)
        import importlib.util

        spec = _extension_spec(self.name, self.path)
        fresh = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fresh)
        vars(module).update(vars(fresh))


def _extension_spec(fullname: str, path: str):
    spec = machinery.ModuleSpec(fullname, _ExtensionLoader(fullname, path), origin=path)
    spec.has_location = True  # so the module gets __file__
    return spec


def _remove_stale(final: str, stem: str) -> None:
    """Remove the entries of older versions of the same module (best effort)."""
    directory, name = os.path.split(final)
    prefix = f"{stem}.pyc-aot-"
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        if entry != name and entry.startswith(prefix) and entry.endswith(EXTENSION_SUFFIX):
            try:
                os.unlink(os.path.join(directory, entry))
            except OSError:
                pass


def install(modules=None, paths=None, typed=None, target="native", strict=False, cache_dir=None,
            verbose=None) -> AotFinder:
    """Add the compile-on-import hook; returns the finder (see
    :class:`AotFinder`). Replaces a hook installed before.

    ``modules``: module names or ``fnmatch`` patterns to compile.
    ``paths``: ``fnmatch`` patterns or directories, matched against the
    source's absolute path. ``typed``: also compile every module whose source
    imports ``cython`` or ``pyc_aot`` (default: only when neither ``modules``
    nor ``paths`` is given). ``target``: the CPU to compile for (default
    ``native``). ``strict``: a module that fails to compile raises
    :class:`~pyc_aot.CompileError` instead of importing as plain Python.
    ``cache_dir``: where to keep compiled modules (default: ``__pycache__``
    next to the source); it may be shared, as each source directory gets a
    sub-directory of its own that only its creator can write to.
    ``verbose``: print to stderr what was compiled, what stayed Python and
    why (default: whether ``PYC_AOT_VERBOSE`` is set to something other than
    ``0``).
    """
    finder = AotFinder(modules=modules, paths=paths, typed=typed, target=target, strict=strict, cache_dir=cache_dir,
                       verbose=verbose)
    uninstall()
    try:
        index = sys.meta_path.index(machinery.PathFinder)
    except ValueError:
        index = len(sys.meta_path)
    sys.meta_path.insert(index, finder)
    return finder


def uninstall() -> bool:
    """Remove the hook; True if one was installed. Modules already imported stay."""
    before = len(sys.meta_path)
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, AotFinder)]
    machinery.PathFinder.invalidate_caches()
    return len(sys.meta_path) != before
