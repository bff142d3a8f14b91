"""Source text as CPython reads it: line endings, PEP 263 declarations, a BOM,
and nesting too deep for any compiler (issue 10, items 1, 2 and 18)."""

import subprocess
import sys

import pytest

from conftest import import_extension, run_compiler, signal_name

FUNC = "def f(n: cython.int) -> cython.int:{nl}    return n + 1{nl}"


def build_and_import(tmp_path, name, data):
    src = tmp_path / (name + ".py")
    src.write_bytes(data)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    b = run_compiler(src, out)
    assert b.returncode == 0, b.stderr
    return import_extension(name, b.so), b


@pytest.mark.parametrize("nl", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("lead", ["", "x = 41{nl}"], ids=["first", "after_code"])
def test_line_endings(tmp_path, nl, lead):
    text = (lead + "import cython{nl}{nl}" + FUNC + "{nl}def g():{nl}    return [f(1)][0]{nl}").format(nl=nl)
    m, b = build_and_import(tmp_path, "le_%d_%d" % (len(nl), len(lead)), text.encode())
    assert "1 function native" in b.stdout
    assert m.f(2) == 3 and m.g() == 2
    if lead:
        assert m.x == 41


def test_cr_only_diagnostic_has_the_right_line(tmp_path):
    src = tmp_path / "crdiag.py"
    src.write_bytes(b"import cython\r\r\rdef f(n: cython.int = 'a') -> cython.int:\r    return n\r")
    b = run_compiler(src, tmp_path, args=["--strict"])
    assert b.returncode == 1
    assert "crdiag.py:4:" in b.stderr, b.stderr


def test_latin1_declaration(tmp_path):
    data = ("# -*- coding: latin-1 -*-\nimport cython\nS = 'd\u00e9j\u00e0'\n\n"
            "def f(n: cython.int) -> cython.int:\n    return n + 1\n").encode("latin-1")
    m, b = build_and_import(tmp_path, "lat1", data)
    assert m.S == "d\u00e9j\u00e0" and m.f(1) == 2


def test_declaration_on_second_line_and_other_codec(tmp_path):
    data = ("#!/usr/bin/env python\n# vim: set fileencoding=cp1251 :\nimport cython\nS = '\u0416'\n\n"
            "def f(n: cython.int) -> cython.int:\n    return n + 1\n").encode("cp1251")
    m, _ = build_and_import(tmp_path, "cyr", data)
    assert m.S == "\u0416" and m.f(1) == 2


def test_bom(tmp_path):
    data = b"\xef\xbb\xbfimport cython\nS = '\xc3\xa9'\n\n" + FUNC.format(nl="\n").encode()
    m, _ = build_and_import(tmp_path, "bom", data)
    assert m.S == "\u00e9" and m.f(1) == 2


@pytest.mark.parametrize("data, message, line", [
    (b"import cython\nS = '\xe9'\n", "Non-UTF-8 code starting with '\\xe9'", 2),
    (b"# coding: no-such-codec\nimport cython\n", "unknown encoding: no-such-codec", 1),
    (b"\xef\xbb\xbf# coding: latin-1\nimport cython\n", "encoding problem", 1),
    (b"# coding: ascii\nS = '\xe9'\n", "'ascii' codec can't decode", 2),
    (b"import cython\r\rS = '\xe9'\r", "Non-UTF-8 code starting with '\\xe9'", 3),
])
def test_undecodable_source_is_a_located_error(tmp_path, data, message, line):
    src = tmp_path / "enc.py"
    src.write_bytes(data)
    b = run_compiler(src, tmp_path)
    assert b.returncode == 1, b.stderr
    assert message in b.stderr and "enc.py:%d:" % line in b.stderr, b.stderr
    # CPython refuses the same files.
    assert subprocess.run([sys.executable, str(src)], capture_output=True).returncode != 0


@pytest.mark.parametrize("body, message", [
    ("-" * 365000 + "n", "nest more than 3000 levels"),
    ("n" + " ** n" * 20000, "nest more than 3000 levels"),
    ("(" * 500000 + "n" + ")" * 500000, "too many nested parentheses"),
    ("(" * 201 + "n" + ")" * 201, "too many nested parentheses"),
])
def test_too_deep_nesting_is_a_located_error(tmp_path, body, message):
    src = tmp_path / "deep.py"
    src.write_text("import cython\n\ndef f(n: cython.int) -> cython.int:\n    return %s\n" % body)
    b = run_compiler(src, tmp_path)
    assert b.returncode == 1, "exit %s (%s): %s" % (b.returncode, signal_name(b.returncode), b.stderr[-300:])
    assert message in b.stderr and "deep.py:4:" in b.stderr
    assert subprocess.run([sys.executable, "-c", "compile(open(%r).read(), 'deep.py', 'exec')" % str(src)],
                          capture_output=True).returncode != 0


def test_nesting_cpython_accepts_still_compiles(tmp_path):
    src = tmp_path / "deepok.py"
    src.write_text("import cython\n\ndef f(n: cython.int) -> cython.int:\n    return %sn\n" % ("-" * 2000))
    m, _ = build_and_import(tmp_path, "deepok", src.read_bytes())
    assert m.f(5) == 5
