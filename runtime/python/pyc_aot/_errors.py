"""Errors and warnings of the pyc_aot package (raised by the native compiler too)."""

from operator import itemgetter as _itemgetter

__all__ = ["CacheWarning", "CompileError", "CompileWarning", "ErrorLocation"]


def record(name: str, fields: str, doc: str) -> type:
    """A minimal named tuple (``collections.namedtuple`` costs ~2 ms to import,
    and ``import pyc_aot`` runs before every hooked import)."""
    names = tuple(fields.split())

    def __new__(cls, *values):
        if len(values) != len(names):
            raise TypeError(f"{name}() takes {len(names)} arguments ({', '.join(names)}), got {len(values)}")
        return tuple.__new__(cls, values)

    def __repr__(self):
        return f"{name}(" + ", ".join(f"{n}={v!r}" for n, v in zip(names, self)) + ")"

    ns = {"__slots__": (), "__doc__": doc, "_fields": names, "__new__": __new__, "__repr__": __repr__,
          "__getnewargs__": lambda self: tuple(self), "__module__": "pyc_aot"}
    ns.update({n: property(_itemgetter(i)) for i, n in enumerate(names)})
    return type(name, (tuple,), ns)


ErrorLocation = record("ErrorLocation", "file line column message",
                       "Where one problem is: 1-based line and column in the ``.py`` file.")


class CompileError(Exception):
    """The compiler rejected a module (or could not write it).

    ``str(error)`` is the rendered report, as the ``pyc-aot`` command prints
    it: ``file:line:col: error: …`` with a snippet and a hint. ``file``,
    ``line``, ``column`` and ``message`` describe the first problem (they are
    ``None`` for errors without a place in the source, e.g. a failed link);
    ``locations`` lists every problem.
    """

    def __init__(self, rendered, locations=()):
        super().__init__(rendered)
        self.rendered = rendered
        self.locations = [ErrorLocation(*loc) for loc in locations]
        first = self.locations[0] if self.locations else None
        self.file = first.file if first else None
        self.line = first.line if first else None
        self.column = first.column if first else None
        self.message = first.message if first else _first_line(rendered)

    def __str__(self) -> str:
        return self.rendered.rstrip("\n")

    def __reduce__(self):
        locations = [tuple(loc) for loc in self.locations]
        return (type(self), (self.rendered, locations))


class CompileWarning(UserWarning):
    """A module opted in to compile-on-import was imported as plain Python."""


class CacheWarning(UserWarning):
    """The import hook refused a cache directory or entry that another user
    could have written, and compiled into a private directory instead."""


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[len("error: "):] if line.startswith("error: ") else line
