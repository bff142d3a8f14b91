"""The ``%%pyc_aot`` cell magic (``%load_ext pyc_aot``), like Cython's
``%%cython``: the cell is compiled into an extension module whose public
names land in the notebook's namespace.

::

    %%pyc_aot --target native --annotate
    import cython

    def fib(n: cython.int) -> cython.double:
        ...

Modules are cached by content (the cell, the target's CPU features, the
compiler and interpreter versions) in ``$XDG_CACHE_HOME/pyc-aot/magic``
(default ``~/.cache/pyc-aot/magic``), under the import hook's rules: the
directory is created 0700 and used only if no one but you or root could have
written it. Running a cell again loads its module from the cache, or from
this process when already loaded. ``--annotate`` shows the annotate report
(``pyc-aot annotate``) under the cell.
"""

import hashlib
import html
import importlib.machinery
import importlib.util
import os
import sys

from . import COMPILER_VERSION, EXTENSION_SUFFIX, _native, annotate, compile
from .importer import _make_private_dirs, _stat_distrust, _user_cache_dir


def cache_dir() -> str:
    """Where compiled cells go: beside the import hook's cache."""
    return os.path.join(os.path.dirname(_user_cache_dir()), "magic")


def _trusted_cache() -> str:
    directory = cache_dir()
    _make_private_dirs(directory)
    _, why = _stat_distrust(directory)
    if why:
        raise RuntimeError(f"pyc-aot: not using the cache {directory}: {why}")
    return directory


def _module_name(cell: str, target: str) -> str:
    key = "\0".join([cell, _native.target_id(target), COMPILER_VERSION, sys.version])
    return "_pyc_aot_magic_" + hashlib.sha256(key.encode()).hexdigest()[:20]


def _load(name: str, path: str):
    if name in sys.modules:
        return sys.modules[name]
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[name] = module
    return module


def run_cell(cell: str, target: str = "native", want_annotation: bool = False):
    """Compiles (or finds in the cache) ``cell`` and returns ``(module,
    annotate report's path or None)``."""
    directory = _trusted_cache()
    name = _module_name(cell, target)
    source = os.path.join(directory, name + ".py")
    built = os.path.join(directory, name + EXTENSION_SUFFIX)
    if not os.path.exists(built) or not os.path.exists(source):
        with open(source, "w", encoding="utf-8") as f:
            f.write(cell)
        _, report = compile(source, target=target, output_dir=directory)
        if report.warnings:  # functions left to Python, and why
            print(report.warnings, file=sys.stderr)
    page = None
    if want_annotation:
        page = os.path.join(directory, name + ".html")
        if not os.path.exists(page):
            annotate(source, target=target, output=page)
    return _load(name, built), page


def register(ipython) -> None:
    from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

    @magic_arguments()
    @argument("--target", default="native", help="CPU to compile for (see `pyc-aot targets`)")
    @argument("--annotate", action="store_true", help="show the annotate report under the cell")
    def pyc_aot(line, cell):
        """Compile the cell with pyc-aot; its public names land in the namespace."""
        args = parse_argstring(pyc_aot, line)
        module, report = run_cell(cell, target=args.target, want_annotation=args.annotate)
        ipython.user_ns.update({k: v for k, v in vars(module).items() if not k.startswith("_")})
        if report is None:
            return None
        from IPython.display import HTML

        with open(report, encoding="utf-8") as f:
            page = f.read()
        # In a frame of its own, so the report's styles and script stay in it.
        return HTML('<div><iframe srcdoc="%s" style="width: 100%%; height: 32em; border: 1px solid #ddd"></iframe></div>'
                    % html.escape(page, quote=True))

    ipython.register_magic_function(pyc_aot, magic_kind="cell", magic_name="pyc_aot")
