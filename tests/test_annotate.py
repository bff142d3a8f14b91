"""`pyc-aot annotate`: the report of every example opens in a real browser
(headless Chromium driven by Playwright), a click on a line expands it to
its machine code, and a screenshot of examples/fib.py's report is taken.
Also the report's errors (a file that does not parse, a missing file, an
unwritable output) and `build --annotate`.

Skipped, saying why, when Debian's chromium or the `playwright` package is
missing (`.ci/run` installs chromium, `tests/run.sh` puts playwright in the
venv). Playwright never downloads a browser here: it drives /usr/bin/chromium.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, compiler_path

EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.py") if "setuptools_project" not in p.parts)
CHROMIUM = os.environ.get("PYC_AOT_CHROMIUM", "/usr/bin/chromium")
# What works on a closed network: no sandbox as root, no background traffic.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def annotate(src, out, *args):
    """Runs from the repository, so an example's report is titled `examples/…`."""
    shown = src.relative_to(ROOT) if src.is_relative_to(ROOT) else src
    return subprocess.run([str(compiler_path()), "annotate", str(shown), "-o", str(out), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("annotate")
    pages = {}
    for src in EXAMPLES:
        page = out / (src.stem + ".html")
        r = annotate(src, page)
        assert r.returncode == 0, r.stderr
        pages[src] = page
    return pages


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (%s); `apt-get install chromium`" % CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the `playwright` package is not installed (pip install playwright)")
    # A fresh, empty profile (Playwright passes it as --user-data-dir).
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield context
        context.close()


def test_every_examples_report_opens_in_chromium(reports, browser):
    page = browser.new_page()
    for src, html in reports.items():
        page.goto(html.as_uri())
        assert page.title() == "pyc-aot: %s" % src.relative_to(ROOT), src
        lines = page.locator(".src .l")
        assert lines.count() == len(src.read_text().removesuffix("\n").split("\n")), src
        assert "native" in page.locator("header .counts").inner_text()
    page.close()


def test_clicking_a_line_of_fib_shows_its_machine_code_and_a_screenshot_is_taken(reports, browser, tmp_path):
    page = browser.new_page()
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(reports[ROOT / "examples" / "fib.py"].as_uri())
    header = page.locator("header").inner_text()
    assert "1 function native, 0 left to Python" in header, header
    assert "target" in header and "ms" in header
    # The def line carries the wrappers (boxing, unboxing): yellow; the loop is native: white.
    assert int(page.locator("#L4").get_attribute("data-score")) > 0
    assert page.locator("#L10").get_attribute("data-score") == "0"
    code = page.locator("#X10")
    assert code.is_hidden()
    page.locator("#L10").click()
    assert code.is_visible()
    assert page.locator("#L10").get_attribute("aria-expanded") == "true"
    asm = code.locator("pre.asm").first.inner_text()
    assert asm.strip(), "no machine code under line 10"
    assert code.locator("pre.clif").count() > 0
    shot = tmp_path / "fib.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("PYC_AOT_SCREENSHOT"):  # how docs/annotate-fib.png was made
        shutil.copy(shot, os.environ["PYC_AOT_SCREENSHOT"])
    page.locator("#L4").click()
    assert "PyFloat_FromDouble" in page.locator("#X4").inner_text()
    assert page.locator("#X4 pre.mir").count() > 0
    page.close()


def test_functions_left_to_python_are_marked_with_the_reason(tmp_path):
    src = tmp_path / "mixed.py"
    src.write_text("import cython\n\n\ndef f(n: cython.int) -> cython.int:\n    return n + 1\n\n\n"
                   "def g(xs: cython.int):\n    f\"{(yield xs)}\"\n")
    r = annotate(src, tmp_path / "mixed.html")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "mixed.html").read_text()
    assert "1 function native, 1 left to Python" in html
    assert 'class="why"' in html and "left to Python:" in html


def test_the_report_is_self_contained(reports):
    html = reports[ROOT / "examples" / "fib.py"].read_text()
    for remote in ("http://", "https://", "<link", "src="):
        assert remote not in html


def test_errors_name_file_line_and_cause(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n    pass\n")
    r = annotate(bad, tmp_path / "bad.html")
    assert r.returncode == 1 and "bad.py:1:" in r.stderr, r.stderr
    assert not (tmp_path / "bad.html").exists()
    r = annotate(tmp_path / "missing.py", tmp_path / "m.html")
    assert r.returncode == 1 and "cannot read" in r.stderr and "missing.py" in r.stderr, r.stderr
    r = annotate(ROOT / "examples" / "fib.py", tmp_path / "no" / "such" / "dir" / "fib.html")
    assert r.returncode == 1 and "cannot write the annotate report" in r.stderr and "fib.html" in r.stderr, r.stderr


def test_build_annotate_writes_the_report_beside_the_module(tmp_path):
    src = tmp_path / "fib.py"
    shutil.copy(ROOT / "examples" / "fib.py", src)
    r = subprocess.run([str(compiler_path()), "build", str(src), "--annotate"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "fib.html").exists()
    assert any(p.suffix == ".so" for p in tmp_path.iterdir())
