"""Every example with a `__main__` block, compiled and run under
`PYTHONMALLOC=debug` (CPython's debug allocators: a write past a block, a
use after free, a release of memory the allocator does not own, or a call
into the object allocator without the GIL aborts the process), its output
compared with the same file run as plain Python (issue 12's stress test).

The compiled module is imported under its own name and its `__main__` block
run in the module's namespace, so the block calls the compiled functions."""

import ast
from pathlib import Path

import pytest

from conftest import EXT_SUFFIX, ROOT, run_compiler, run_python

EXAMPLES = ROOT / "examples"
# speedup.py builds and times other modules itself; it is not a program of its own.
SKIP = {"speedup"}


def main_block(path):
    """The source of the module's `if __name__ == "__main__":` body, or None."""
    text = path.read_text()
    for node in ast.parse(text).body:
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"):
            lines = text.splitlines()[node.body[0].lineno - 1:node.body[-1].end_lineno]
            indent = len(lines[0]) - len(lines[0].lstrip())
            return "\n".join(line[indent:] for line in lines) + "\n"
    return None


NAMES = sorted(p.stem for p in EXAMPLES.glob("*.py") if p.stem not in SKIP and main_block(p))


def numpy_available():
    return run_python("import numpy").returncode == 0


def runner(name, main, suffix):
    """Imports `name`, checks its file ends in `suffix` (the compiled
    module, or the source), then runs the `__main__` block in it."""
    return ("import sys, importlib\n"
            "sys.argv = [%r]\n"
            "m = importlib.import_module(%r)\n"
            "assert m.__file__.endswith(%r), m.__file__\n"
            "exec(compile(%r, %r, 'exec'), vars(m))\n" % (name + ".py", name, suffix, main, name + ".py"))


def test_examples_found():
    assert {"julia", "wordfreq", "kmeans", "richards", "primes", "nbody_cclass"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_main_under_debug_malloc(name, tmp_path, shim_dir):
    src = EXAMPLES / (name + ".py")
    if "import numpy" in src.read_text() and not numpy_available():
        pytest.skip("NumPy is not installed for this interpreter")
    build = run_compiler(src, tmp_path)
    assert build.ok, build.describe()
    main = main_block(src)
    # One thread: a parallel reduction then adds in the serial order, so the
    # printed floats match plain Python's exactly.
    debug = {"PYTHONMALLOC": "debug", "OMP_NUM_THREADS": "1"}
    compiled = run_python(runner(name, main, EXT_SUFFIX), path=[tmp_path, shim_dir], env_extra=debug, cpu_seconds=600)
    assert compiled.returncode == 0, "exit %s\n%s%s" % (compiled.returncode, compiled.stdout, compiled.stderr)
    assert "Debug memory block" not in compiled.stderr and "Fatal Python error" not in compiled.stderr, compiled.stderr
    # The source alone in a directory of its own (examples/ may hold a built
    # module of the same name, which an import would prefer).
    plain_dir = tmp_path / "plain"
    plain_dir.mkdir()
    (plain_dir / src.name).write_text(src.read_text())
    plain = run_python(runner(name, main, ".py"), path=[plain_dir, shim_dir], cpu_seconds=600)
    assert plain.returncode == 0, plain.stderr
    assert compiled.stdout == plain.stdout
    assert compiled.stdout.strip(), "the example printed nothing"
