"""C-level programs as a Cython pure-mode user writes them (issue 14), each
once left (partly) to Python: a linked list of `malloc`ed structs whose
pointer locals are never declared (inferred, as Cython infers them: also
tests/test_struct_inference.py), a cclass owning a `realloc`ed buffer whose
`copy` builds another instance into an undeclared local (`other = C()`
holds a `C`, as Cython infers), `qsort` of an array of structs with a
comparator taking `cython.const[cython.p_void]` and the result read in a
comprehension over the struct pointer, pointers indexed by objects (a
comprehension's variable, an untyped parameter: converted to `Py_ssize_t`),
memoryviews and C arrays too;
unions held in structs (`v.num.d`) and bit masks of cast constants.
Differential against CPython running the same file with the shim where the
shim models it, else against Cython 3.3.1's results for the same file
(`cythonize -i -3`); no leaks."""

import sysconfig
import textwrap

from conftest import call, growth, import_extension, import_source, run_compiler, same_value

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

LINKED = "# A singly linked list of malloc'd nodes (next as void*), a stack API.\nimport cython\nfrom cython.cimports.libc.stdlib import malloc, free\n\nNode = cython.struct(value=cython.long, next=cython.p_void)\n\n\n@cython.cfunc\ndef push(head: cython.pointer(Node), v: cython.long) -> cython.pointer(Node):\n    n = cython.cast(cython.pointer(Node), malloc(cython.sizeof(Node)))\n    if n == cython.NULL:\n        raise MemoryError()\n    n.value = v\n    n.next = head\n    return n\n\n\n@cython.cfunc\ndef length(head: cython.pointer(Node)) -> cython.int:\n    k: cython.int = 0\n    p = head\n    while p:\n        k += 1\n        p = cython.cast(cython.pointer(Node), p.next)\n    return k\n\n\n@cython.cfunc\ndef free_all(head: cython.pointer(Node)) -> cython.void:\n    p = head\n    while p != cython.NULL:\n        nxt = cython.cast(cython.pointer(Node), p.next)\n        free(p)\n        p = nxt\n\n\n@cython.cfunc\ndef reverse(head: cython.pointer(Node)) -> cython.pointer(Node):\n    prev: cython.pointer(Node) = cython.NULL\n    cur = head\n    while cur:\n        nxt = cython.cast(cython.pointer(Node), cur.next)\n        cur.next = prev\n        prev = cur\n        cur = nxt\n    return prev\n\n\ndef build_sum(n: cython.int) -> tuple:\n    head: cython.pointer(Node) = cython.NULL\n    i: cython.int\n    for i in range(n):\n        head = push(head, i * i)\n    head = reverse(head)\n    s: cython.long = 0\n    first: cython.long = head.value if head else -1\n    p = head\n    while p:\n        s += p.value\n        p = cython.cast(cython.pointer(Node), p.next)\n    k = length(head)\n    free_all(head)\n    return s, k, first\n\n\ndef to_list(n: cython.int) -> list:\n    head: cython.pointer(Node) = cython.NULL\n    i: cython.int\n    for i in range(n):\n        head = push(head, 3 * i - 1)\n    out = []\n    p = head\n    while p:\n        out.append(p.value)\n        p = cython.cast(cython.pointer(Node), p.next)\n    free_all(head)\n    return out\n"

DYNARRAY = '# A growable array of doubles owned by a cclass (malloc/realloc/free).\nimport cython\nfrom cython.cimports.libc.stdlib import malloc, realloc, free\nfrom cython.cimports.libc.string import memcpy\n\n\n@cython.cclass\nclass DoubleVec:\n    data: cython.p_double\n    n: cython.Py_ssize_t\n    cap: cython.Py_ssize_t\n\n    def __cinit__(self):\n        self.cap = 4\n        self.n = 0\n        self.data = cython.cast(cython.p_double, malloc(self.cap * cython.sizeof(cython.double)))\n        if not self.data:\n            raise MemoryError()\n\n    def __dealloc__(self):\n        free(self.data)\n\n    @cython.cfunc\n    def grow(self) -> cython.void:\n        newcap = self.cap * 2\n        p = cython.cast(cython.p_double, realloc(self.data, newcap * cython.sizeof(cython.double)))\n        if p == cython.NULL:\n            raise MemoryError()\n        self.data = p\n        self.cap = newcap\n\n    def append(self, x: cython.double):\n        if self.n == self.cap:\n            self.grow()\n        self.data[self.n] = x\n        self.n += 1\n\n    def __len__(self):\n        return self.n\n\n    def __getitem__(self, i: cython.Py_ssize_t) -> cython.double:\n        if i < 0:\n            i += self.n\n        if i < 0 or i >= self.n:\n            raise IndexError("index out of range")\n        return self.data[i]\n\n    def total(self) -> cython.double:\n        s = 0.0\n        i: cython.Py_ssize_t\n        for i in range(self.n):\n            s += self.data[i]\n        return s\n\n    def copy(self) -> "DoubleVec":\n        other = DoubleVec()\n        while other.cap < self.n:\n            other.grow()\n        memcpy(other.data, self.data, self.n * cython.sizeof(cython.double))\n        other.n = self.n\n        return other\n\n\ndef run(n: cython.int) -> tuple:\n    v = DoubleVec()\n    i: cython.int\n    for i in range(n):\n        v.append(i * 0.5)\n    w = v.copy()\n    w.append(100.0)\n    return len(v), len(w), v.total(), w.total(), w[-1], (v[0] if n else -1.0)\n\n\ndef bad_index(n: cython.int, i: cython.int) -> float:\n    v = DoubleVec()\n    k: cython.int\n    for k in range(n):\n        v.append(k)\n    return v[i]\n'

QSORT = '# Sorting an array of structs with qsort and a comparator on void pointers.\nimport cython\nfrom cython.cimports.libc.stdlib import malloc, free, qsort\n\nItem = cython.struct(key=cython.double, idx=cython.int)\n\n\n@cython.cfunc\n@cython.nogil\n@cython.exceptval(check=False)\ndef by_key(a: cython.const[cython.p_void], b: cython.const[cython.p_void]) -> cython.int:\n    x = cython.cast(cython.pointer(Item), a)\n    y = cython.cast(cython.pointer(Item), b)\n    if x.key < y.key:\n        return -1\n    if x.key > y.key:\n        return 1\n    return x.idx - y.idx\n\n\ndef argsort(xs: list) -> list:\n    n: cython.Py_ssize_t = len(xs)\n    items = cython.cast(cython.pointer(Item), malloc(max(n, 1) * cython.sizeof(Item)))\n    i: cython.Py_ssize_t\n    for i in range(n):\n        items[i].key = xs[i]\n        items[i].idx = i\n    qsort(items, n, cython.sizeof(Item), by_key)\n    out = [items[i].idx for i in range(n)]\n    free(items)\n    return out\n'

OBJECT_INDEX = '# Pointer elements indexed by objects (comprehension variables, untyped).\nimport cython\nfrom cython.cimports.libc.stdlib import malloc, free\n\n\ndef pick(idx: list) -> list:\n    p = cython.cast(cython.p_int, malloc(8 * cython.sizeof(cython.int)))\n    k: cython.int\n    for k in range(8):\n        p[k] = k * k\n    try:\n        return [p[i] for i in idx]\n    finally:\n        free(p)\n\n\ndef store(i) -> int:\n    p = cython.cast(cython.p_long, malloc(4 * cython.sizeof(cython.long)))\n    p[0] = 5\n    p[i] = 7\n    r = p[0]\n    free(p)\n    return r\n'


def _both(tmp_path, src, name):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(src))
    b = run_compiler(path, outdir=tmp_path / "out", args=["--strict"])
    assert b.ok and b.counts()[1] == 0, b.describe()
    py = import_source(name + "_py", path)
    nat = import_extension(name, tmp_path / "out" / (name + SUFFIX))
    return b, py, nat


def _same(py, nat, fn, args):
    want, got = call(getattr(py, fn), args), call(getattr(nat, fn), args)
    assert want.ok == got.ok, (fn, args, want, got)
    if want.ok:
        assert same_value(want.value, got.value), (fn, args, want, got)
    else:
        assert (want.exc_type, want.message) == (got.exc_type, got.message), (fn, args, want, got)


def test_linked_list_of_malloced_structs(tmp_path):
    b, py, nat = _both(tmp_path, LINKED, "probe_linked")
    assert b.counts() == (6, 0), b.describe()
    for n in (0, 1, 2, 10, 500):
        _same(py, nat, "build_sum", (n,))
        _same(py, nat, "to_list", (n,))
    _same(py, nat, "build_sum", ("3",))
    assert nat.build_sum(10) == (285, 10, 0) and nat.to_list(5) == [11, 8, 5, 2, -1]  # Cython 3.3.1
    assert growth(lambda: (nat.build_sum(20), nat.to_list(7))) < 50


def test_cclass_owning_a_buffer(tmp_path):
    # Plain Python never calls `__cinit__`: Cython 3.3.1's results instead.
    b, _, nat = _both(tmp_path, DYNARRAY, "probe_dynarray")
    assert b.counts() == (12, 0), b.describe()
    assert nat.run(0) == (0, 1, 0.0, 100.0, 100.0, -1.0)
    assert nat.run(3) == (3, 4, 1.5, 101.5, 100.0, 0.0)
    assert nat.run(100) == (100, 101, 2475.0, 2575.0, 100.0, 0.0)
    assert (nat.bad_index(3, 1), nat.bad_index(3, -3)) == (1.0, 0.0)
    got = call(nat.bad_index, (3, 5))
    assert (got.exc_type, got.message) == (IndexError, "index out of range"), got
    assert growth(lambda: (nat.run(10), call(nat.bad_index, (2, 9)))) < 50


def test_qsort_of_structs_read_in_a_comprehension(tmp_path):
    b, py, nat = _both(tmp_path, QSORT, "probe_qsort")
    assert b.counts() == (2, 0), b.describe()
    for xs in ([3.0, 1.0, 2.0], [], [1.0, 1.0, 0.5, -3.0, 7.0], [float(i % 7) for i in range(100)]):
        _same(py, nat, "argsort", (xs,))
    assert nat.argsort([1.0, 1.0, 0.5, -3.0, 7.0]) == [3, 2, 0, 1, 4]  # Cython 3.3.1
    _same(py, nat, "argsort", (None,))
    assert growth(lambda: nat.argsort([2.0, 1.0, 3.0])) < 50


def test_pointers_indexed_by_objects(tmp_path):
    # Cython 3.3.1's results (the shim's pointers raise other errors); the
    # overflow's message is pyc-aot's for every object to C integer
    # conversion.
    b, _, nat = _both(tmp_path, OBJECT_INDEX, "probe_objindex")
    assert b.counts() == (2, 0), b.describe()
    assert nat.pick([0, 3, 7]) == [0, 9, 49] and nat.pick([True, 2]) == [1, 4]
    assert (nat.store(0), nat.store(1)) == (7, 5)
    for fn, args, exc, message in [
        ("pick", ([1.5],), TypeError, "'float' object cannot be interpreted as an integer"),
        ("pick", ([None],), TypeError, "'NoneType' object cannot be interpreted as an integer"),
        ("pick", (["1"],), TypeError, "'str' object cannot be interpreted as an integer"),
        ("pick", ([2 ** 70],), OverflowError, None),
        ("store", (1.0,), TypeError, "'float' object cannot be interpreted as an integer"),
        ("store", (None,), TypeError, "'NoneType' object cannot be interpreted as an integer"),
    ]:
        got = call(getattr(nat, fn), args)
        assert got.exc_type is exc and (message is None or got.message == message), (fn, args, got)
    assert growth(lambda: (nat.pick([1, 2]), call(nat.pick, ([1.5],)), call(nat.store, (None,)))) < 50


def test_views_and_c_arrays_indexed_by_objects(tmp_path):
    b, py, nat = _both(tmp_path, """
        import cython

        def mv(v: cython.double[:], idx: list) -> list:
            return [v[i] for i in idx]

        def carr(idx: list) -> list:
            a: cython.int[8]
            k: cython.int
            for k in range(8):
                a[k] = k * 10
            return [a[i] for i in idx]
    """, "probe_view_index")
    assert b.counts() == (2, 0), b.describe()
    import array
    v = array.array("d", [1.0, 2.0, 3.0])
    # Cython 3.3.1's results and errors (the overflow's message is pyc-aot's).
    assert nat.mv(v, [0, 2, -1]) == [1.0, 3.0, 3.0] and nat.carr([0, 2, 7]) == [0, 20, 70]
    for idx, exc, message in [([1.5], TypeError, "'float' object cannot be interpreted as an integer"),
                              ([None], TypeError, "'NoneType' object cannot be interpreted as an integer"),
                              ([2 ** 70], OverflowError, None)]:
        for got in (call(nat.mv, (v, idx)), call(nat.carr, (idx,))):
            assert got.exc_type is exc and (message is None or got.message == message), (idx, got)
    got = call(nat.mv, (v, [5]))
    assert (got.exc_type, got.message) == (IndexError, "Out of bounds on buffer access (axis 0)"), got
    assert growth(lambda: (nat.mv(v, [1, 2]), nat.carr([3]), call(nat.mv, (v, [None])))) < 50


UNIONS = '# Type punning through unions; a tagged value struct holding a union.\nimport cython\n\nBits = cython.union(d=cython.double, u=cython.ulonglong)\nFBits = cython.union(f=cython.float, i=cython.uint)\nValue = cython.struct(tag=cython.int, num=Bits)\n\n\n@cython.cfunc\ndef double_bits(x: cython.double) -> cython.ulonglong:\n    b: Bits\n    b.d = x\n    return b.u\n\n\n@cython.cfunc\ndef float_bits(x: cython.float) -> cython.uint:\n    b: FBits\n    b.f = x\n    return b.i\n\n\ndef exponent(x: float) -> int:\n    return (double_bits(x) >> 52) & 0x7FF\n\n\ndef sign_and_bits(x: float) -> tuple:\n    u = double_bits(x)\n    return u >> 63, u & ((1 << 52) - 1), float_bits(x)\n\n\ndef next_up(x: float) -> float:\n    b: Bits\n    b.d = x\n    b.u = b.u + 1\n    return b.d\n\n\ndef tagged(x: float) -> float:\n    v: Value\n    v.tag = 1\n    v.num.d = x\n    w: Value = v\n    w.num.u = w.num.u ^ (cython.cast(cython.ulonglong, 1) << 63)\n    return w.num.d + v.tag\n'

UNION_FIELDS = 'import cython\nfrom cython.cimports.libc.stdlib import malloc, free\nBits = cython.union(d=cython.double, u=cython.ulonglong)\nValue = cython.struct(tag=cython.int, num=Bits)\nOuter = cython.struct(v=Value, k=cython.double)\n\ndef build(x: float) -> float:\n    v: Value = Value(tag=2, num=Bits(d=x))\n    o: Outer\n    o.v = v\n    o.k = 1.0\n    o.v.num.u = o.v.num.u + 1\n    return o.v.num.d - v.num.d + o.v.tag + o.k\n\ndef mem(x: float) -> float:\n    vs = cython.cast(cython.pointer(Value), malloc(2 * cython.sizeof(Value)))\n    vs[1].tag = 3\n    vs[1].num.d = x\n    v: Value = vs[1]\n    r = v.num.d + v.tag\n    free(vs)\n    return r\n'


def test_unions_in_structs_and_bit_masks(tmp_path):
    # A struct holding a union (`v.num.d`, copied whole, built with
    # `Value(tag=…, num=Bits(d=…))`), and a mask `cython.cast(cython.ulonglong,
    # 1) << 63` (a C value: before, a Python int that overflowed). The shim
    # cannot run a bare `b: Bits`: Cython 3.3.1's results.
    b, _, nat = _both(tmp_path, UNIONS, "probe_unions")
    assert b.counts() == (6, 0), b.describe()
    assert (nat.exponent(1.0), nat.exponent(0.0), nat.exponent(1e300)) == (1023, 0, 2019)
    assert nat.sign_and_bits(-2.5) == (1, 1125899906842624, 3223322624)
    assert nat.next_up(1.0) == 1.0000000000000002
    assert nat.tagged(3.0) == -2.0 and same_value(nat.tagged(-0.0), 1.0)
    path = tmp_path / "probe_union_fields.py"
    path.write_text(UNION_FIELDS)
    b = run_compiler(path, outdir=tmp_path / "out")
    assert b.ok and b.counts() == (1, 1) and "function `mem` left to Python: it copies a union it cannot address" in b.stderr, b.describe()
    nat = import_extension("probe_union_fields", tmp_path / "out" / ("probe_union_fields" + SUFFIX))
    assert (nat.build(1.0), nat.build(-2.5), nat.mem(2.5)) == (3.0, 2.9999999999999996, 5.5)
    assert growth(lambda: (nat.build(1.0), nat.mem(1.0))) < 50
