"""Nested functions and lambdas: a lambda as a sort key, a closure called in
a hot loop, closures made and called (bench/objects.py)."""


def sort_pairs(rows):
    return sorted(rows, key=lambda p: p[1])


def closure_loop(n):
    scale = 3
    def f(x):
        return x * scale + 1
    t = 0
    for i in range(n):
        t += f(i)
    return t


def make_adder(c):
    def add(x):
        return x + c
    return add


def make_and_call(n):
    t = 0
    for i in range(n):
        t += make_adder(i)(1)
    return t


def counter_calls(n):
    count = 0
    def bump(k=1):
        nonlocal count
        count += k
    for _ in range(n):
        bump()
    return count
