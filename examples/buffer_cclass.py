"""A growable vector of doubles that exports its memory through the buffer
protocol: a `@cython.cclass` holding a `malloc`ed block, whose
`__getbuffer__`/`__releasebuffer__` (Cython's pure-mode spelling) hand out a
1-D `double` buffer. Compiled, `memoryview(v)`, `numpy.asarray(v)` and a
compiled function taking `cython.double[:]` all read the vector's own
memory, no copy; while any view exists the vector refuses to grow (its
block could move), and a frozen vector exports read-only.

Run as Python (with the `cython` shim) the class is a plain class whose
`__getbuffer__` nothing calls, as with Cython's own shadow module: the
functions below reach the items through `len(v)` and `v[i]` instead, so the
same file gives the same numbers.

    pyc-aot build buffer_cclass.py
    python -c "import buffer_cclass as b; v = b.ramp(1000); print(b.total(v), memoryview(v).shape)"
"""
import cython
from cython.cimports.cpython import Py_buffer, PyBUF_WRITABLE
from cython.cimports.libc.stdlib import malloc, realloc, free


@cython.cclass
class Vector:
    """Doubles in C memory, exported as a 1-D buffer (format 'd')."""

    data: cython.p_double
    size: cython.Py_ssize_t
    capacity: cython.Py_ssize_t
    # shape[0] and strides[0] of the exported buffer: they must live as
    # long as the views, so in the instance's own C memory.
    dims: cython.pointer(cython.Py_ssize_t)
    exports: cython.int
    frozen: cython.bint

    def __init__(self):
        # Compiled, the fields start zeroed before this runs; run as
        # Python, this is what makes them.
        self.data = cython.NULL
        self.dims = cython.NULL
        self.size = 0
        self.capacity = 0
        self.exports = 0
        self.frozen = False

    def __dealloc__(self):
        free(self.data)
        free(self.dims)

    def append(self, x: cython.double):
        """Adds `x` at the end; BufferError while a view of the vector exists."""
        if self.size == self.capacity:
            if self.exports > 0:
                raise BufferError("cannot resize a Vector while a view of it exists")
            cap: cython.Py_ssize_t = 8 if self.capacity == 0 else 2 * self.capacity
            p: cython.p_double = cython.cast(cython.p_double, realloc(self.data, cap * cython.sizeof(cython.double)))
            if not p:
                raise MemoryError()
            self.data = p
            self.capacity = cap
        self.data[self.size] = x
        self.size += 1

    def freeze(self):
        """From now on only read-only views are exported."""
        self.frozen = True

    def views(self) -> int:
        """How many exported views are alive."""
        return self.exports

    def __len__(self):
        return self.size

    def __getitem__(self, i: cython.Py_ssize_t) -> cython.double:
        if i < 0:
            i += self.size
        if i < 0 or i >= self.size:
            raise IndexError("Vector index out of range")
        return self.data[i]

    def __setitem__(self, i: cython.Py_ssize_t, x: cython.double):
        if i < 0:
            i += self.size
        if i < 0 or i >= self.size:
            raise IndexError("Vector assignment index out of range")
        if self.frozen:
            raise ValueError("Vector is frozen")
        self.data[i] = x

    def __getbuffer__(self, buffer: cython.pointer(Py_buffer), flags: cython.int):
        if self.frozen and (flags & PyBUF_WRITABLE):
            raise BufferError("Vector is frozen: only read-only views")
        if not self.dims:
            self.dims = cython.cast(cython.pointer(cython.Py_ssize_t), malloc(2 * cython.sizeof(cython.Py_ssize_t)))
            if not self.dims:
                raise MemoryError()
        self.dims[0] = self.size
        self.dims[1] = cython.sizeof(cython.double)
        buffer.buf = self.data
        buffer.obj = self
        buffer.len = self.size * cython.sizeof(cython.double)
        buffer.itemsize = cython.sizeof(cython.double)
        buffer.readonly = self.frozen
        buffer.ndim = 1
        buffer.format = "d"
        buffer.shape = self.dims
        buffer.strides = self.dims + 1
        buffer.suboffsets = cython.NULL
        buffer.internal = cython.NULL
        self.exports += 1

    def __releasebuffer__(self, buffer: cython.pointer(Py_buffer)):
        self.exports -= 1


def ramp(n: cython.Py_ssize_t) -> Vector:
    """A Vector of `n` items, item `i` being `(i % 97) * 0.5 - 3.0`."""
    v = Vector()
    i: cython.Py_ssize_t
    for i in range(n):
        v.append((i % 97) * 0.5 - 3.0)
    return v


def total(v: cython.double[:]) -> cython.double:
    """The sum of the items, through the exported buffer when compiled."""
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(len(v)):
        s += v[i]
    return s


def dot(a: cython.double[:], b: cython.double[:]) -> cython.double:
    """The dot product of two vectors of the same length."""
    if len(a) != len(b):
        raise ValueError("vectors of different lengths")
    s: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(len(a)):
        s += a[i] * b[i]
    return s


def scale(v: cython.double[:], k: cython.double):
    """Multiplies every item by `k` in place (a writable view)."""
    i: cython.Py_ssize_t
    for i in range(len(v)):
        v[i] = v[i] * k


def sweep(v: Vector, passes: cython.int) -> cython.double:
    """`passes` times: a view of `v` taken (its buffer exported again),
    then `total` and `dot` over it; the benchmark's hot function."""
    s: cython.double = 0.0
    k: cython.int
    for k in range(passes):
        a: cython.double[:] = v
        s += total(a) + dot(a, a)
    return s


def main():
    v = ramp(10000)
    w = ramp(10000)
    # Views of the two vectors (compiled: their exported buffers).
    a: cython.double[:] = v
    b: cython.double[:] = w
    scale(b, 2.0)
    print(total(a), dot(a, b), len(v), len(w))


if __name__ == "__main__":
    main()
