"""str's methods called by name on an exact str go straight to their C
functions (issue 12, Cython's cached unbound methods), and a str's truth
reads its length: results, exception types and messages as CPython's on
exact strs (empty, non-ASCII, wide), str subclasses (their overrides
kept), other types and None, wrong argument types and counts, missing
methods, keywords; the method looked up before an argument that runs code;
no leak on the normal or the error path."""

import sys

import pytest

from conftest import LEAK_CALLS, attempt, growth


@pytest.fixture(scope="module")
def m(pyc):
    return pyc.pair("object_str")


class Sub(str):
    """A str subclass whose overrides must be called."""

    def strip(self, chars=None):
        return ("Sub.strip", chars)

    def lower(self):
        return "Sub.lower"

    def split(self, sep=None, maxsplit=-1):
        return ["Sub.split", sep, maxsplit]

    def join(self, items):
        return "Sub.join"

    def startswith(self, *a):
        return "Sub.startswith"

    def __bool__(self):
        return False

    def __len__(self):
        return 7


class Plain(str):
    """A str subclass without overrides (str's methods, through the lookup)."""


class Items:
    """An iterable (a fresh iterator each time) that is no list or tuple."""

    def __iter__(self):
        return iter(["p", "ü"])


class Strippy:
    """Not a str at all, with a `strip` of its own."""

    def strip(self, chars=None):
        return ("Strippy.strip", chars)

    def lower(self):
        return "Strippy.lower"


WORDS = ["", "a", " Hello, World!  ", "...!?", "ÄÖü Straße", "\u3000wide\u3000", "ﬁ ǅ", "x\x00y",
         "\U0001F600 smile \U0001F600", "MiXeD cAsE 123", Sub("  sub  "), Plain("  Plain!  "),
         Strippy(), None, 5, b" bytes ", ["list"]]
CHARS = [None, "", " ", "!?.,", "ÄS", "\U0001F600 ", 5, b"x", ("t",), Sub(" "), Plain(" ")]


def test_strip_lower_typed(m):
    # A str parameter: only strs (and None) are passed.
    m.assert_same("strip_lower", ["", "Hello!", "...", "ÄÖÜ!", "\U0001F600?"], exact=True)


@pytest.mark.parametrize("name", ["strip_global", "strip0", "cases", "split0", "truth", "missing", "by_keyword",
                                  "join_const"])
def test_one_argument(m, name):
    m.assert_same(name, [(w,) for w in WORDS] + [(["a", "b"],), (("x", 1),), (Items(),)], exact=True)


@pytest.mark.parametrize("name", ["strip_arg", "sides", "lower_arg", "split_sep", "rsplit_sep", "join",
                                  "starts_ends", "replace", "finds", "index"])
def test_two_arguments(m, name):
    args = [(w, c) for w in WORDS for c in CHARS]
    args += [("a,b,,c", ","), ("a,b,,c", ""), (",", ["x", "y"]), ("", ["x", 1]), ("é", ("a", "b")),
             ("ab", Items()), ("abcabc", "bc"), ("abc", "zz")]
    m.assert_same(name, args, exact=True)


def test_more_arguments(m):
    m.assert_same("split_max", [("a b c d", " ", n) for n in (-1, 0, 1, 2, 10, "1", None, 2 ** 70)]
                  + [(Sub("a b"), " ", 1), ("a b", 5, 1), (None, " ", 1)], exact=True)
    m.assert_same("replace_n", [("aaaa", "a", "b", n) for n in (-1, 0, 2, 9, "2", 2.0)]
                  + [("aaaa", 1, "b", 1), ("aaaa", "a", None, 1), (Plain("aa"), "a", "b", 1),
                     (Sub("aa"), "a", "b", 1), ("", "", "x", -1), ("ß", "ß", "ss", 1)], exact=True)
    m.assert_same("starts_range", [("hello", p, a, b) for p in ("h", "l", ("x", "l"), 5, "")
                                   for a, b in ((0, 5), (2, 4), (-3, None), (None, None), ("1", 2))], exact=True)


def test_join_built(m):
    m.assert_same("join_built", [0, 1, 5], exact=True)


def test_truth(m):
    m.assert_same("truth", [("",), ("x",), ("\U0001F600",), (Sub("abc"),), (Plain(""),), (0,), ([],), ((1,),)],
                  exact=True)
    m.assert_same("truth_typed", ["", "a", "é", None], exact=True)


def test_lookup_before_argument(m):
    for s in ("  x  ", Strippy(), None, Sub("y")):
        log_py, log_nat = [], []
        py = attempt(m.py.order, s, log_py)
        nat = attempt(m.native.order, s, log_nat)
        assert (py, log_py) == (nat, log_nat)


def test_loop(m):
    words = ["The", "cat,", "", "...", "SAT!", "Ünïcode?", Sub("sub"), Plain(" Plain. ")]
    m.assert_same("loop", [(words, "!?.,"), (words, None), (["x"], 5), ([1], None)], exact=True)


def test_exact_str_is_fast(m):
    # The fast path calls str's C functions: a method on an exact str
    # behaves as str's own even if looked-up names would differ.
    m.assert_native("loop")
    assert m.native.loop(["  A,", "b"], " ,") == ["a", "b"]


@pytest.mark.parametrize("case", [
    ("strip_global", ("  Hello!  ",)), ("strip_arg", (" x ", 5)), ("strip_arg", ("..x..", ".")),
    ("split0", ("a b c",)), ("split_sep", ("a,b", "")), ("split_sep", ("a,b", 1)), ("join", (",", ["a", 1])),
    ("join", ("-", ["a", "b"])), ("join_const", (["a", "b"],)), ("starts_ends", ("ab", 5)), ("starts_ends", ("ab", "a")),
    ("replace", ("aa", "a", 1)), ("replace", ("aa", "a", "bb")), ("index", ("abc", "z")), ("index", ("abc", "c")),
    ("lower_arg", ("A", 1)), ("cases", ("ÄB",)), ("missing", ("x",)), ("truth", ("x",)), ("truth", ("",)),
    ("strip_arg", (Sub("x"), "x")), ("strip_arg", (None, "x")), ("loop", (["A.", "", "b"], ".")),
    ("join_built", (3,)), ("replace_n", ("aaaa", "a", "b", "2")), ("by_keyword", ("a,b",)),
])
def test_no_leak(m, case):
    name, args = case
    f = getattr(m.native, name)
    assert growth(lambda: attempt(f, *args)) < LEAK_CALLS // 10, name
