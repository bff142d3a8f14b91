"""The ``pyc-aot`` command line (``python -m pyc_aot`` and the ``pyc-aot``
console script): the same subcommands, options, output and exit codes as the
Rust ``pyc-aot`` binary, with the compiler running in this process.

One difference: ``--python`` defaults to the interpreter running this
command rather than to ``python3`` on ``PATH``.
"""

import argparse
import os
import sys
from typing import List, Optional

from . import COMPILER_VERSION, CompileError, _native, annotate as _annotate, compile as _compile, targets as _targets


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pyc-aot", description="Compile typed Python to a CPython extension module"
    )
    p.add_argument("-V", "--version", action="version", version=f"pyc-aot {COMPILER_VERSION}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    b = sub.add_parser(
        "build",
        help="Compile FILE.py into FILE<EXT_SUFFIX> (e.g. fib.cpython-311-x86_64-linux-gnu.so)",
        description="Compile FILE.py into FILE<EXT_SUFFIX> (e.g. fib.cpython-311-x86_64-linux-gnu.so). "
        "Given directories, globs ('src/**/*.py') or several files, build every module they name, in parallel, "
        "skipping those that are up to date; a package's __init__.py found in a directory or glob stays Python.",
    )
    b.add_argument("files", metavar="FILE", nargs="+")
    b.add_argument(
        "-o",
        "--out-dir",
        metavar="OUT_DIR",
        help="Directory to write the module to (default: next to FILE); for many modules, "
        "the root of their package layout",
    )
    b.add_argument(
        "-j", "--jobs", metavar="N", type=_positive, help="Modules to build at once when building many (default: one per core)"
    )
    b.add_argument(
        "--target",
        default="native",
        help="CPU to generate code for: `native`, `x86-64`, `x86-64-v3`, `skylake-avx512`, … "
        "(see `pyc-aot targets`) [default: native]",
    )
    b.add_argument(
        "--python",
        default=None,
        help="Python interpreter the module is for (its extension suffix and ABI) [default: this one]",
    )
    b.add_argument("--strict", action="store_true", help="Treat a function left to Python as an error")
    b.add_argument(
        "--emit",
        choices=["hir", "mir", "clif", "asm"],
        help="Print the typed HIR, the wrappers' MIR, Cranelift IR or machine code instead of writing a module",
    )
    b.add_argument("-q", "--quiet", action="store_true", help="Print nothing on success")
    b.add_argument("--annotate", action="store_true", help="Also write the annotate report FILE.html (see `pyc-aot annotate`)")
    b.add_argument("-I", dest="include_dirs", metavar="DIR", action="append", default=[],
                   help="Directory where .pxd files (after the module's own) and C headers are found")
    b.add_argument("-L", dest="library_dirs", metavar="DIR", action="append", default=[],
                   help="Directory where libraries given with -l are found")
    b.add_argument("-l", dest="libraries", metavar="NAME", action="append", default=[],
                   help="Library to link the module with (C code its .pxd declares)")
    _add_annotate_parser(sub)
    sub.add_parser(
        "targets",
        help="List the CPU names `--target` accepts and the features each enables",
        description="List the CPU names `--target` accepts and the features each enables.",
    )
    return p


def _add_annotate_parser(sub) -> None:
    what = ("Write FILE.html: the source shaded by the Python interaction of each line's compiled code; "
            "click a line for its MIR, Cranelift IR and machine code")
    a = sub.add_parser("annotate", help=what, description=what + ".")
    a.add_argument("file", metavar="FILE")
    a.add_argument("-o", "--output", help="Where to write the report (default: FILE.html next to FILE)")
    a.add_argument("--target", default="native", help="CPU to generate code for (the first one of a list) [default: native]")
    a.add_argument("--python", default=None, help="Python interpreter the code is for [default: this one]")


def _failed(err: Exception) -> int:
    """Print a compile error as the binary does (or an internal error); its exit code."""
    if isinstance(err, CompileError):
        sys.stdout.flush()
        sys.stderr.write(err.rendered)
        return 1
    sys.stderr.write(f"error: {err}\n")  # an internal compiler error
    return 101


def _run_annotate(file, output, target, python, quiet) -> int:
    try:
        written = _annotate(file, target=target, output=output, python=python)
    except (CompileError, RuntimeError) as err:
        return _failed(err)
    if not quiet:
        print(f"wrote {written}")
    return 0


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: at least 1")
    return n


def _echo(out: str, err: str) -> None:
    if out:
        sys.stdout.write(out)
        sys.stdout.flush()
    if err:
        sys.stderr.write(err)
        sys.stderr.flush()


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `pyc-aot targets | head -3`
        sys.stderr.close()
        return 141


def _main(argv: Optional[List[str]]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "targets":
        for name, features in _targets():
            if name == "native":
                print(f"{'native':<22} the CPU of this machine")
                continue
            shown = [f[len("has_"):] if f.startswith("has_") else f for f in features]
            print(f"{name:<22} {' '.join(shown) if shown else 'baseline (SSE2)'}")
        return 0
    if args.command == "annotate":
        return _run_annotate(args.file, args.output, args.target, args.python, False)

    # `build wrap_fib.py cfib.c`: C sources go into the module.
    c_sources = [f for f in args.files if f.endswith(".c")]
    args.files = [f for f in args.files if not f.endswith(".c")]
    wraps_c = c_sources or args.include_dirs or args.library_dirs or args.libraries
    if not args.files:
        sys.stderr.write("error: name the Python module to build (the C sources go into it)\n")
        return 2
    if _native.is_many(args.files):
        if wraps_c:
            sys.stderr.write("error: C sources, `-I`, `-L` and `-l` go with one module: name one Python file\n")
            return 2
        if args.emit:
            sys.stderr.write("error: `--emit` prints the code of one module: name one file\n")
            return 2
        if args.annotate:
            sys.stderr.write("error: `--annotate` writes the report of one module: name one file (or run `annotate` on each)\n")
            return 2
        jobs = args.jobs or os.cpu_count() or 1
        ok = _native.build_many(
            args.files, args.out_dir, args.target, args.python or sys.executable or "python3", args.strict, jobs, args.quiet, _echo
        )
        return 0 if ok else 1
    try:
        path, report = _compile(
            args.files[0],
            target=args.target,
            output_dir=args.out_dir,
            strict=args.strict,
            python=args.python,
            emit=args.emit,
            sources=c_sources,
            include_dirs=args.include_dirs,
            library_dirs=args.library_dirs,
            libraries=args.libraries,
        )
    except (CompileError, RuntimeError) as err:
        return _failed(err)
    if report.warnings and not args.quiet:
        print(report.warnings, file=sys.stderr)
    if report.listing:
        sys.stdout.write(report.listing)
    if path is not None and not args.quiet:
        print(report.summary())
        if report.cannot_import:
            print(report.cannot_import, file=sys.stderr)
    if args.annotate and path is not None:
        return _run_annotate(args.files[0], None, args.target, args.python, args.quiet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
