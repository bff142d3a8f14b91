"""The C code a module wraps, found as Cython finds it: ``# distutils:``
comments before the module's first statement (``sources``, ``include_dirs``,
``libraries``, ``library_dirs``, paths relative to the module's directory),
and the ``.pxd`` files its ``cython.cimports`` imports name. The import hook
builds with them and puts their contents into its cache key, so editing a C
source or a ``.pxd`` rebuilds the module."""

import os
import re

#: The ``# distutils:`` keys the import hook reads.
KEYS = ("sources", "include_dirs", "libraries", "library_dirs")

_CIMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+cython\.cimports\.([\w.]+)[ \t]+c?import|from[ \t]+cython\.cimports[ \t]+c?import[ \t]+([\w, \t]+)"
                      rb"|import[ \t]+cython\.cimports\.([\w.]+))", re.M)
_CYTHON_PACKAGES = ("libc", "libcpp", "cpython", "posix", "openmp", "numpy", "cython")


def _values(text: str) -> "list[str]":
    """Cython's list syntax: ``a.c b.c`` or ``[a.c, b.c]``, quotes optional."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        items = text[1:-1].split(",")
    else:
        items = text.split()
    return [i.strip().strip("'\"") for i in items if i.strip().strip("'\"")]


def distutils_options(source: bytes, directory: str) -> "dict[str, list[str]]":
    """``{"sources": [...], ...}`` from the leading ``# distutils: key = value`` comments."""
    out = {}
    if b"distutils:" not in source:
        return out
    for raw in source.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if not body.startswith("distutils:"):
            continue
        key, _, value = body[len("distutils:"):].partition("=")
        key = key.strip()
        if key in KEYS:
            values = _values(value)
            if key != "libraries":
                values = [os.path.normpath(os.path.join(directory, v)) for v in values]
            out.setdefault(key, []).extend(values)
    return out


def pxd_files(source: bytes, directory: str, include_dirs=()) -> "list[str]":
    """The ``.pxd`` files the module's cimports name (those that exist)."""
    found = []
    if b"cython.cimports" not in source:
        return found
    for m in _CIMPORT.finditer(source):
        modules = [m.group(1) or m.group(3)] if (m.group(1) or m.group(3)) else [
            n.strip().split()[0] for n in m.group(2).decode("utf-8", "replace").split(",") if n.strip()]
        for module in modules:
            module = module.decode() if isinstance(module, bytes) else module
            if module.split(".")[0] in _CYTHON_PACKAGES:
                continue
            rel = module.replace(".", os.sep) + ".pxd"
            for d in [directory, *include_dirs]:
                path = os.path.join(d, rel)
                if os.path.isfile(path):
                    found.append(path)
                    break
    return found


def inputs(origin: str, source: bytes) -> "tuple[dict[str, list[str]], list[str]]":
    """The build options and every file (C sources, ``.pxd``) the module's build reads besides its source."""
    directory = os.path.dirname(os.path.abspath(origin))
    options = distutils_options(source, directory)
    files = list(options.get("sources", [])) + pxd_files(source, directory, options.get("include_dirs", []))
    return options, files


def contents(files) -> bytes:
    """The files' names and contents, for a cache key (a missing file counts as such)."""
    parts = []
    for path in files:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            data = b"<missing>"
        parts.append(path.encode("utf-8", "surrogateescape") + b"\0" + str(len(data)).encode() + b"\0" + data)
    return b"\0".join(parts)
