"""`"…%s…" % (values…)` joined without parsing the format at run time, and
`xs.append(v)` on a local that always holds a list, against CPython."""
import cython


class Loud:
    def __repr__(self):
        return "Loud!"


def message(a: cython.double, n: cython.int, flag: cython.bint, z: complex):
    return "a=%r n=%d i=%i s=%s flag=%s z=%r 100%% %a" % (a, n, n, a, flag, z, "é")


def fallbacks(x, n: cython.int, f: cython.double):
    # Not joined (an object, a width, %d of a float): the ordinary `%`.
    return ("%s|%r" % (x, x), "%5d" % (n,), "%d" % (f,), "%s" % (x,))


def wrong_count(n: cython.int):
    return "%d %d" % (n,)


def collect(n: cython.int, bad):
    out = []
    for i in range(n):
        out.append(i * i)
        out.append("%d" % (i,))
    out.append(bad[0])
    return out


def append_in_try(values):
    out = []
    for v in values:
        try:
            out.append(10 // v)
        except ZeroDivisionError as e:
            out.append(str(e))
    return out
