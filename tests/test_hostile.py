"""Hostile and unusual input to the generated code (issue 10): strings with
NULs, odd module and function names, narrow loop variables, deep recursion
on small stacks. Crashes run in subprocesses so they fail only their test."""

import pytest

from conftest import INT64_MAX, INT64_MIN, load_snippet, run_python, signal_name

MESSAGES = r'''
import cython


def nul(n: int) -> int:
    if n == 0:
        raise ValueError('a\x00b')
    if n == 1:
        raise KeyError('\x00')
    if n == 2:
        raise ValueError('caf\xe9\x00\u20ac\x00')
    assert n != 3, 'x\x00y'
    return n
'''


def test_messages_keep_nul_bytes(pyc):
    m = pyc.pair(MESSAGES, stem="nulmsg")
    m.assert_same("nul", [(0,), (1,), (2,), (3,), (4,)])
    m.assert_values("nul", [((0,), (ValueError, "a\x00b"))])
