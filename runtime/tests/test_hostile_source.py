"""The compiler runs inside the user's interpreter: deep nesting, odd line
endings and encodings must come back as results or CompileError, never kill
the interpreter (issue 10, items 1, 2 and 18)."""
from conftest import py

DEEP = "import cython\n\ndef f(n: cython.int) -> cython.int:\n    return %s\n"


def test_deep_nesting_is_a_compile_error_in_process(tmp_path):
    for name, body in [("neg", "-" * 365000 + "n"), ("par", "(" * 500000 + "n" + ")" * 500000)]:
        (tmp_path / (name + ".py")).write_text(DEEP % body)
    p = py(
        "import pyc_aot\n"
        "for name in ('neg', 'par'):\n"
        "    try:\n"
        "        pyc_aot.compile(name + '.py')\n"
        "    except pyc_aot.CompileError as e:\n"
        "        print(name, e.line, e.message[:40])\n",
        cwd=tmp_path,
    )
    lines = p.stdout.splitlines()
    assert lines[0].startswith("neg 4 statements and expressions nest more"), p.stdout
    assert lines[1].startswith("par 4 too many nested parentheses"), p.stdout


def test_cr_line_endings_and_latin1_through_the_import_hook(tmp_path):
    (tmp_path / "crmod.py").write_bytes(b"import cython\r\rdef f(n: cython.int) -> cython.int:\r    return n + 1\r")
    (tmp_path / "latmod.py").write_bytes(
        "# -*- coding: latin-1 -*-\nimport cython\nS = 'caf\u00e9'\n\ndef f(n: cython.int) -> cython.int:\n    return n + 2\n".encode("latin-1")
    )
    p = py(
        "import pyc_aot\npyc_aot.install()\nimport crmod, latmod\n"
        "print(crmod.f(1), latmod.f(1), latmod.S, type(crmod.f).__name__ != 'function')\n",
        cwd=tmp_path,
    )
    assert p.stdout.split() == ["2", "3", "caf\u00e9", "True"], p.stdout + p.stderr
