"""Issue 12: unpacking targets (tuple/list patterns, nested, starred) in
`for` and assignment, and `def` signatures (defaults)."""
import cython


def pairs_sum(pts):
    s = 0
    for a, b in pts:
        s += a * b
    return s


def enumerate_nested(pts):
    s = 0
    for (i, (x, y)) in enumerate(pts):
        s += i * x + y
    return s


def star_first(x):
    a, *rest = x
    return a, rest


def star_middle(x):
    a, *m, b = x
    return a, m, b


def star_last(x):
    *init, z = x
    return init, z


def list_target(x):
    [p, q, r] = x
    return p - q - r


def one_target(x):
    (a,) = x
    return a


def nested_assign(x):
    (a, [b, c]), d = x
    return a, b, c, d


def nested_partial(x):
    # The nested pattern fails before `d` is stored, as in Python.
    d = "unset"
    try:
        (a, b), d = x
    except ValueError:
        return d
    return a, b, d


def typed_targets(pts):
    s: cython.double = 0.0
    x: cython.double
    y: cython.double
    for x, y in pts:
        s += x * y
    return s


def swap_through(x):
    a, b = x
    a, b = b, a
    return a, b


def for_else(pts):
    for k, v in pts:
        if k == v:
            break
    else:
        return "none"
    return k


def bodies(pairs):
    e = 0.0
    for (([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2)) in pairs:
        dx = x1 - x2
        dy = y1 - y2
        dz = z1 - z2
        e -= (m1 * m2) / ((dx * dx + dy * dy + dz * dz) ** 0.5)
        v1[0] += dx
        v2[0] -= dx
    return e


def dict_items(d):
    out = []
    for k, v in d.items():
        out.append(k * v)
    return out


def aug_item(d, k, v):
    d[k] += v
    d[k] *= 2
    return d


def aug_index(a, i: cython.int, v):
    a[i] -= v
    a[i - 1] //= 2
    return a


def aug_attr(o, v):
    o.x += v
    o.x -= v
    return o.x


SHARED = [1, 2]
calls = 0


def counted():
    global_calls = [0]
    return global_calls


def with_defaults(a, b=SHARED, *, c=[], d=1.5, e=None):
    c.append(a)
    return a, b, len(c), d, e


def float_default(x=0.0, y=-1):
    return x + y


def evaluated_once(x=counted()):
    x[0] += 1
    return x[0]


def typed_and_object(n: cython.int = 3, scale=2.0):
    return n * scale


def calls_with_defaults(k):
    return with_defaults(k), float_default(), float_default(k), evaluated_once(), typed_and_object(), typed_and_object(k, scale=k)


SHARED = "rebound after the defs: the defaults keep the list"


def float_ops(a, b):
    return a + b, a - b, a * b, a / b


def set_index(a, i: cython.Py_ssize_t, v):
    a[i] = v
    a[0] = i
    return a


counter = 0
LAST = None


def bump_global(k):
    global counter
    for i in range(k):
        counter += 1
    return counter


def set_last(v):
    global LAST, counter
    LAST = v
    counter = counter * 2
    return LAST, counter


def read_cached_global():
    # Read before and after a rebinding by another function: the cached
    # lookup sees the new value.
    a = LAST
    set_last("new")
    return a, LAST
