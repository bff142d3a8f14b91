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
    text = (lead + "import cython{nl}{nl}" + FUNC + '{nl}def g():{nl}    f"{{(yield f(1))}}"{nl}').format(nl=nl)
    m, b = build_and_import(tmp_path, "le_%d_%d" % (len(nl), len(lead)), text.encode())
    assert "1 function native" in b.stdout
    assert m.f(2) == 3 and next(m.g()) == 2
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


@pytest.mark.parametrize("codec, raw", [
    ("iso-8859-9", b"\x80\x9f\xd0\xfd"),  # C1 controls are themselves; WHATWG reads windows-1254
    ("tis-620", b"\x80\x9f\xa1"),
    ("utf-7", b"+AOkgrA-"),
    ("euc-jp", "\u65e5\u672c".encode("euc-jp")),
    ("l1", b"\x80\xe9"),
    ("UTF8", "\u00e9\u20ac".encode()),
    ("US-ASCII", b"abc"),
    ("latin", b"\x9f"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_declared_codec_decodes_as_cpython(tmp_path, codec, raw):
    """Every declared name means what Python's codecs make of it (issue 13):
    the literal holds what CPython's own import of the file gives."""
    data = ("# -*- coding: %s -*-\r\nimport cython\r\nS = '" % codec).encode(codec) + raw \
        + ("'\r\n\r\n" + FUNC.format(nl="\r\n")).encode(codec)  # utf-7 writes `+` as `+-`
    expected = {}
    exec(compile(data, "x.py", "exec", dont_inherit=True), expected)
    name = "cod_" + codec.replace("-", "_").lower()
    m, b = build_and_import(tmp_path, name, data)
    assert m.S == expected["S"] and m.f(1) == 2
    assert "1 function native" in b.stdout


def cpython_refusal(data):
    """CPython's SyntaxError message for importing `data`."""
    try:
        compile(data, "enc.py", "exec", dont_inherit=True)
    except SyntaxError as e:
        return e.msg
    raise AssertionError("CPython accepts %r" % data)


@pytest.mark.parametrize("data, line", [
    (b"# coding: x-user-defined\nimport cython\n", 1),  # a WHATWG label, not a Python codec
    (b"# coding: rot13\nimport cython\n", 1),
    (b"# coding: utf-7\nx = 1\ny = '+\xff'\n", 3),
    (b"# coding: iso-8859-8\r\nx = 1\r\ny = '\xff'\r\n", 3),
    (b"# coding: ascii\r\nx = 1\r\ny = '\xe9'\r\n", 3),
    (b"# coding: utf8\n\nx = '\xff'\n", 3),
    (b"\xef\xbb\xbf# coding: utf8\nx = 1\n", 1),  # only names CPython reads as utf-8 go with a BOM
    (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", 1),
], ids=["x-user-defined", "rot13", "utf-7", "iso-8859-8", "ascii", "utf8", "bom-utf8", "bom-latin1"])
def test_declared_codec_refused_as_cpython_refuses(tmp_path, data, line):
    src = tmp_path / "enc.py"
    src.write_bytes(data)
    b = run_compiler(src, tmp_path)
    assert b.returncode == 1, b.stderr
    assert "error: %s\n" % cpython_refusal(data) in b.stderr, b.stderr
    assert "enc.py:%d:" % line in b.stderr, b.stderr


@pytest.mark.parametrize("data, message, where", [
    (b"\xef\xbb\xbfab\nx = \xff\n", "(unicode error) 'utf-8' codec can't decode byte 0xff: invalid start byte", "2:5"),
    (b"# coding: utf-8\nx = '\xe2\x82'\n", "(unicode error) 'utf-8' codec can't decode byte 0xe2: invalid continuation byte", "2:6"),
    (b"\r\r\r\xff\n", "Non-UTF-8 code starting with '\\xff' on line 4,", "4:1"),
    (b"x = 1\r\ny = '\xe9'\r\n", "Non-UTF-8 code starting with '\\xe9' on line 2,", "2:6"),
], ids=["bom", "declared-utf-8", "cr", "crlf"])
def test_utf8_error_position(tmp_path, data, message, where):
    """The message's line and the diagnostic's position are the offending
    byte's, counted in the raw file with universal newlines."""
    src = tmp_path / "enc.py"
    src.write_bytes(data)
    b = run_compiler(src, tmp_path)
    assert b.returncode == 1, b.stderr
    assert message in b.stderr and "enc.py:%s\n" % where in b.stderr, b.stderr
    assert "no encoding declared" not in b.stderr or not data.startswith((b"\xef\xbb\xbf", b"# coding"))


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
