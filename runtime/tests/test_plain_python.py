"""Every example, run as plain Python through the stand-ins, gives the same
results as its compiled module."""
import ast
import json
import shutil
import sys
from pathlib import Path

import pytest

import pyc_aot
from conftest import EXAMPLES, PROJECT, py

SCRIPTS_NOT_MODULES = {"speedup.py", "import_hook.py"}
EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.glob("*.py") if p.name not in SCRIPTS_NOT_MODULES)

# Calls beyond each example's own `__main__` block.
EXTRA = {
    "fib.py": ["fib(0)", "fib(1)", "fib(90)", "fib(-3)"],
    "fib_pep484.py": ["fib(0)", "fib(50)"],
    "rfib.py": ["rfib(0)", "rfib(1)", "rfib(20)"],
    "primes.py": ["count_primes(2)", "count_primes(1000)", "nth_prime(1)"],
    "integrate.py": ["integrate_f(-1.0, 2.0, 300)"],
    "mandelbrot.py": ["mandelbrot(30, 20, 50)"],
    # Whole numbers add up exactly in any order, so the thread count cannot show.
    "prange_sum.py": ["parallel_sum(memoryview(__import__('array').array('d', range(1000))))",
                      "parallel_sum_on(memoryview(__import__('array').array('d', range(1000))), 1)",
                      "parallel_sum(memoryview(__import__('array').array('d')))",
                      "serial_sum(memoryview(__import__('array').array('d', [0.5, 1.25, -3.0])))"],
    # Every pixel and every product is computed as serially, in any thread.
    "mandelbrot_prange.py": [
        "(lambda v: (mandelbrot(v, 60, 2), v.tolist()))(memoryview(__import__('array').array('i', bytes(4 * 21 * 17))).cast('B').cast('i', (21, 17)))",
        "(lambda v: (mandelbrot(v, 60, 1), v.tolist()))(memoryview(__import__('array').array('i', bytes(4 * 1 * 5))).cast('B').cast('i', (1, 5)))",
        "mandelbrot(memoryview(__import__('array').array('i')).cast('B').cast('i', (0, 3)), 60, 2)",
        "(lambda v: (mandelbrot_serial(v, 30), v.tolist()))(memoryview(__import__('array').array('i', bytes(4 * 6 * 7))).cast('B').cast('i', (6, 7)))"],
    "matmul_prange.py": [
        "(lambda a, b, c: (matmul(a, b, c, 2), c.tolist()))(*(memoryview(__import__('array').array('d', [1.0 / (v + 1) for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((9, 5), (5, 7), (9, 7))))",
        "(lambda a, b, c: (matmul(a, b, c, 1), c.tolist()))(*(memoryview(__import__('array').array('d', [0.1 * v for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((1, 3), (3, 2), (1, 2))))",
        "(lambda a, b, c: (matmul(a, b, c, 2), c.tolist()))(*(memoryview(__import__('array').array('d', [0.1 * v for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((2, 3), (2, 2), (2, 2))))",
        "(lambda a, b, c: (matmul_serial(a, b, c), c.tolist()))(*(memoryview(__import__('array').array('d', [v - 3.5 for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((4, 4), (4, 4), (4, 4))))",
        # A long `k` (130 and 70 rows of `b`).
        "(lambda a, b, c: (matmul(a, b, c, 2), c.tolist()))(*(memoryview(__import__('array').array('d', [1.0 / (v + 1) for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((5, 130), (130, 3), (5, 3))))",
        "(lambda a, b, c: (matmul_serial(a, b, c), c.tolist()))(*(memoryview(__import__('array').array('d', [0.3 * v - 7.0 for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((3, 70), (70, 4), (3, 4))))",
        # The tiled kernel: a part block of rows, more than one tile of `k`.
        "(lambda a, b, c: (matmul_tiled(a, b, c, 2), c.tolist()))(*(memoryview(__import__('array').array('d', [1.0 / (v + 1) for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((19, 70), (70, 5), (19, 5))))",
        "(lambda a, b, c: (matmul_tiled_serial(a, b, c), c.tolist()))(*(memoryview(__import__('array').array('d', [0.1 * v for v in range(r * k)])).cast('B').cast('d', (r, k)) for r, k in ((1, 3), (3, 2), (1, 2))))"],
    "particles_c.py": ["simulate(1, 10, 0.01)", "simulate(300, 40, 0.02)", "simulate(0, 1, 0.1)"],
    "linked_list_c.py": ["checksum(1000, 3)", "checksum(0, 2)", "checksum(10, 1)", "checksum(5, 0)"],
    "qsort_c.py": ["checksum(1000, 3)", "checksum(0, 1)", "largest(100, 7, 5)", "largest(3, 1, 5)"],
    "vec2_cclass.py": ["orbit(1000, 0.001)", "orbit(0, 0.1)", "orbit(10, 0.0)"],
    "tree_cclass.py": ["build_and_walk(500, 2)", "build_and_walk(0, 1)", "build_and_walk(1, 0)"],
    "nbody_lists.py": ["simulate(100)", "simulate(10, 'jupiter')", "simulate(0)"],
    "julia.py": ["calc_pure_python(30, 60)", "calculate_z_serial_purepython(0, [1j], [1j])",
                 "calculate_z_serial_purepython(20, [], [])", "calculate_z_serial_purepython(20, [0.5, 2j], [0.25, 0])"],
    "wordfreq.py": ["top_words('', 3)", "top_words('!!! ...', 3)", "report('a a b, c. C', 1)", "top_words(SAMPLE, 0)"],
    "kmeans.py": ["kmeans(blobs(50, 3, 2, 1), 1, 3).tolist()", "kmeans(blobs(40, 2, 3, 2), 2, 0).tolist()",
                  "assign(blobs(9, 3, 2, 5), [[0.0, 0.0], [10.0, 10.0]]).tolist()", "kmeans([[1.0, 2.0]], 2, 1)"],
}
# What an example leaves to Python on purpose. newton.py's exception class
# `NoConvergence` has no methods: its body runs as Python, nothing is left.
# richards.py and nqueens.py (pyperformance's, untyped; nqueens' two
# generator functions too) compile every method and function.
LEFT_BY_DESIGN = {}
PROJECT_CALLS = {
    "aotdemo/kernels.py": ["harmonic(1000)", "harmonic(0)", "gcd(-12, 18)", "gcd(0, 0)", "collatz_steps(27)",
                           "longest_collatz(10000)", "collatz_steps(0)"],
    "aotdemo/geometry.py": ["circle_area(2.0)", "polygon_perimeter(6, 1.0)", "integrate_sin(0.0, 3.0, 1000)",
                            "polygon_perimeter(2, 1.0)"],
}

DRIVER = """
import json, sys
sys.path[:0] = {path!r}
import {module} as m
assert m.__file__.endswith({expect!r}), m.__file__
results = []
def show(expr):
    try:
        results.append(repr(eval(expr, vars(m))))
    except Exception as e:
        results.append(type(e).__name__ + ": " + str(e))
for expr in {calls!r}:
    show(expr)
main = {main!r}
if main:
    import io, contextlib
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(main, m.__file__ if m.__file__.endswith(".py") else {source!r}, "exec"), vars(m))
    results.append(out.getvalue())
print(json.dumps(results))
"""


def main_block(source: str) -> str:
    """The body of `if __name__ == "__main__":`, dedented, as source."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            return "\n".join(ast.unparse(stmt) for stmt in node.body) + "\n"
    return ""


def both_ways(source_path, calls, tmp_path, shim_dir):
    module = source_path.stem
    # A private copy, so that no bytecode lands in the repository.
    (tmp_path / "src").mkdir()
    source_path = Path(shutil.copy(source_path, tmp_path / "src" / source_path.name))
    main = main_block(source_path.read_text())
    assert calls or main, f"{source_path.name}: nothing to compare"
    compiled_dir = tmp_path / "compiled"
    _, report = pyc_aot.compile(source_path, output_dir=compiled_dir, target="x86-64")
    common = dict(module=module, calls=calls, main=main, source=str(source_path))
    plain = py(DRIVER.format(path=[str(shim_dir), str(source_path.parent)], expect=".py", **common))
    comp = py(DRIVER.format(path=[str(compiled_dir)], expect=pyc_aot.EXTENSION_SUFFIX, **common))
    return json.loads(plain.stdout), json.loads(comp.stdout), report


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_plain_equals_compiled(name, tmp_path, shim_dir):
    plain, compiled, report = both_ways(EXAMPLES / name, EXTRA.get(name, []), tmp_path, shim_dir)
    left = {entry.function for entry in report.left_to_python}
    assert left == LEFT_BY_DESIGN.get(name, set()), "every example compiles completely"
    assert plain == compiled


@pytest.mark.parametrize("rel", sorted(PROJECT_CALLS))
def test_setuptools_project_module_plain_equals_compiled(rel, tmp_path, shim_dir):
    plain, compiled, report = both_ways(PROJECT / rel, PROJECT_CALLS[rel], tmp_path, shim_dir)
    assert report.left_to_python == []
    assert plain == compiled
    assert any("Error" in r for r in plain), "the error cases are compared too"


def test_setuptools_project_tests_pass_uncompiled(shim_dir):
    # pyc_aot is installed (geometry.py's `from pyc_aot import cython`); the
    # shim directory answers kernels.py's `import cython`.
    from conftest import run

    out = run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "tests"], cwd=PROJECT,
              env={"PYTHONPATH": f"{shim_dir}:{PROJECT}", "PYTHONDONTWRITEBYTECODE": "1"}).stdout
    assert "aotdemo modules are plain Python" in out and "4 passed" in out
