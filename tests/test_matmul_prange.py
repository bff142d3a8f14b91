"""examples/matmul_prange.py's tiled kernel (`matmul_tiled`: blocks of 16
rows on the thread team, tiles of 64 rows by 256 columns of `b`) against
the same file run as plain Python (the shim's prange is a serial range):
integer-valued doubles, so every result is exact and the same in any
order, for 1, 2 and OpenMP's default thread count, row counts that leave a
part block, `k` longer than a tile and more columns than one; random
doubles within a tolerance of NumPy's `@` and bit for bit the row kernel's
(`matmul`: the same order of `k` per element); the shapes' ValueError as
Python's."""
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "matmul_prange.py"


@pytest.fixture(scope="module")
def ex(pyc):
    p = pyc.pair(EXAMPLE.read_text(), stem="matmul_prange")
    assert "left to Python" not in p.build.stderr, p.build.stderr
    return p


def ints(rng, r, k):
    return rng.integers(-8, 9, size=(r, k)).astype(np.float64)


@pytest.mark.parametrize("n, m, p", [(0, 3, 4), (1, 1, 1), (2, 3, 2), (3, 5, 7), (16, 16, 16), (17, 9, 5), (33, 70, 11), (5, 130, 300), (19, 64, 257)])
def test_integer_valued_against_plain_python(ex, n, m, p):
    rng = np.random.default_rng(n * 1000 + m * 10 + p)
    a, b = ints(rng, n, m), ints(rng, m, p)
    want = np.zeros((n, p))
    ex.py.matmul_tiled(a, b, want, 2)
    assert (want == a @ b).all()
    for threads in (1, 2, 0):
        c = np.full((n, p), np.nan)
        assert ex.native.matmul_tiled(a, b, c, threads) is None
        assert (c == want).all(), threads
    c = np.full((n, p), np.nan)
    ex.native.matmul_tiled_serial(a, b, c)
    assert (c == want).all()


@pytest.mark.parametrize("n", [1, 15, 31, 100])
def test_random_doubles(ex, n):
    rng = np.random.default_rng(n)
    a, b = rng.random((n, 70)) - 0.5, rng.random((70, 300)) - 0.5
    rows, tiled1, tiled2 = np.zeros((n, 300)), np.zeros((n, 300)), np.zeros((n, 300))
    ex.native.matmul(a, b, rows, 2)
    ex.native.matmul_tiled(a, b, tiled1, 1)
    ex.native.matmul_tiled(a, b, tiled2, 2)
    # Each element adds its products in the order of k in every kernel.
    assert (tiled1 == rows).all() and (tiled2 == rows).all()
    assert np.allclose(tiled2, a @ b, rtol=1e-12, atol=1e-12)
    if n <= 15:
        want = np.zeros((n, 300))
        ex.py.matmul_tiled(a, b, want, 2)
        assert (tiled2 == want).all()


def test_shapes_that_do_not_match(ex):
    a, b = np.ones((3, 4)), np.ones((5, 2))
    for mod in (ex.native, ex.py):
        with pytest.raises(ValueError, match="matmul: shapes do not match"):
            mod.matmul_tiled(a, b, np.zeros((3, 2)), 2)
        with pytest.raises(ValueError, match="matmul: shapes do not match"):
            mod.matmul_tiled_serial(np.ones((3, 5)), b, np.zeros((2, 2)))
