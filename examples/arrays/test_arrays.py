"""Tests for examples/arrays: every example compiles with `pyc-aot build --strict`
(no function left to Python) and agrees with a plain NumPy / pure-Python
reference, and with its own source run under CPython, on a few sizes
including 0 and 1.

    .venv/bin/python -m pytest examples/arrays -q --basetemp=/tmp/pt-arrays

The compiler is $PYC_AOT or target/release/pyc-aot.
"""
import importlib.machinery
import importlib.util
import math
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = ["dot", "saxpy", "matmul", "convolve", "mandelbrot2d", "nbody", "spectral_norm", "histogram", "heat"]


def pyc_aot() -> str:
    exe = os.environ.get("PYC_AOT") or os.path.join(ROOT, "target", "release", "pyc-aot")
    if not os.path.isfile(exe):
        pytest.fail(f"pyc-aot binary not found at {exe} (cargo build --release -p pyc-aot)")
    return exe


def build_target() -> str:
    """`native`, or the target of the CPU faked by PYC_AOT_TEST_CPUINFO
    (tests/cpuinfo/README.md), whose modules then check that file."""
    fake = os.environ.get("PYC_AOT_TEST_CPUINFO")
    if not fake:
        return "native"
    with open(fake) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.strip() == "pyc-aot target":
                return value.strip()
    return "x86-64"


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """{name: compiled module}, built once per session into a temporary directory."""
    out = tmp_path_factory.mktemp("arrays-build")
    exe = pyc_aot()
    mods = {}
    for name in EXAMPLES:
        r = subprocess.run([exe, "build", os.path.join(HERE, name + ".py"), "-o", str(out), "--strict",
                            "--python", sys.executable, "--target", build_target()],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert r.returncode == 0, f"pyc-aot build --strict {name}.py failed:\n{r.stdout}"
        assert "0 left to Python" in r.stdout, r.stdout
        so = [f for f in os.listdir(out) if f.startswith(name + ".") and f.endswith(".so")]
        assert len(so) == 1, os.listdir(out)
        path = os.path.join(out, so[0])
        loader = importlib.machinery.ExtensionFileLoader(name, path)
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        assert mod.__file__ == path
        mods[name] = mod
    return mods


def _provide_cython():
    try:
        import cython  # noqa: F401
        return
    except ImportError:
        pass
    shim = os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py")
    loader = importlib.machinery.SourceFileLoader("cython", shim)
    spec = importlib.util.spec_from_file_location("cython", shim, loader=loader)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["cython"] = mod
    loader.exec_module(mod)


@pytest.fixture(scope="session")
def plain():
    """{name: the example's source imported as plain Python}."""
    _provide_cython()
    mods = {}
    for name in EXAMPLES:
        path = os.path.join(HERE, name + ".py")
        loader = importlib.machinery.SourceFileLoader("plain_" + name, path)
        spec = importlib.util.spec_from_file_location("plain_" + name, path, loader=loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        mods[name] = mod
    return mods


def same_bits(x, y):
    x, y = np.asarray(x), np.asarray(y)
    return x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()


def same_float(x, y):
    return type(x) is float and type(y) is float and (x == y or (math.isnan(x) and math.isnan(y)))


rng = np.random.default_rng(12345)


# -- dot --------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 17, 1000])
def test_dot(built, plain, n):
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    ref = float(np.cumsum(a * b)[-1]) if n else 0.0  # left-to-right, like the loop
    got = built["dot"].dot(a, b)
    assert same_float(got, ref)
    assert got == pytest.approx(float(np.dot(a, b)), rel=1e-12, abs=1e-12)
    assert same_float(got, float(plain["dot"].dot(a, b)))  # plain: NumPy scalars
    assert built["dot"].norm(a) == pytest.approx(float(np.linalg.norm(a)), rel=1e-12)


def test_dot_strided_and_errors(built):
    a, b = rng.random(101), rng.random(202)
    assert same_float(built["dot"].dot(a[::2], b[::4]), float(np.cumsum(a[::2] * b[::4])[-1]))
    assert same_float(built["dot"].dot(a[::-1], a[::-1]), float(np.cumsum(a[::-1] ** 2)[-1]))
    with pytest.raises(ValueError, match="differ in length"):
        built["dot"].dot(a, b)
    with pytest.raises(ValueError):
        built["dot"].dot(a.astype(np.float32), a.astype(np.float32))


# -- saxpy ------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 16, 17, 1001])
def test_saxpy(built, plain, n):
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    ref = 2.5 * x + y
    y1, y2 = y.copy(), y.copy()
    assert built["saxpy"].saxpy(2.5, x, y1) is None
    assert same_bits(y1, ref)
    plain["saxpy"].saxpy(2.5, x, y2)
    assert same_bits(y1, y2)
    out = np.full(n, np.nan)
    built["saxpy"].axpy_out(-0.5, x, y, out)
    assert same_bits(out, -0.5 * x + y)


def test_saxpy_aliased_and_strided(built):
    y = rng.standard_normal(33)
    ref = 3.0 * y + y
    built["saxpy"].saxpy(3.0, y, y)  # x is y
    assert same_bits(y, ref)
    x, y, out = rng.standard_normal(40), rng.standard_normal(60), np.zeros(40)
    built["saxpy"].axpy_out(1.5, x[::2], y[::3], out[1::2])
    assert same_bits(out[1::2], 1.5 * x[::2] + y[::3])
    assert not out[::2].any()
    with pytest.raises(ValueError, match="differ in length"):
        built["saxpy"].saxpy(1.0, x, y)
    with pytest.raises(ValueError):  # saxpy writes y: a read-only buffer is refused
        ro = np.zeros(40)
        ro.flags.writeable = False
        built["saxpy"].saxpy(1.0, x, ro)


# -- matmul -----------------------------------------------------------------

def matmul_py(a, b):
    """Pure-Python i-j-k triple loop (sums in the same order as the example)."""
    n, p = a.shape
    m = b.shape[1]
    A, B = a.tolist(), b.tolist()
    c = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            s = 0.0
            for k in range(p):
                s += A[i][k] * B[k][j]
            c[i][j] = s
    return np.array(c, dtype=np.float64).reshape(n, m)


@pytest.mark.parametrize("n,p,m", [(0, 0, 0), (1, 1, 1), (1, 7, 1), (3, 5, 2), (0, 3, 4), (4, 0, 2), (17, 17, 17), (40, 30, 50)])
def test_matmul(built, n, p, m):
    a, b = rng.standard_normal((n, p)), rng.standard_normal((p, m))
    ref = matmul_py(a, b)
    for f in (built["matmul"].matmul, built["matmul"].matmul_ikj):
        c = np.full((n, m), np.nan)
        f(a, b, c)
        assert same_bits(c, ref), f.__name__
        np.testing.assert_allclose(c, a @ b, rtol=1e-12, atol=1e-12)


def test_matmul_errors(built):
    a = np.ones((3, 4))
    with pytest.raises(ValueError, match="shapes"):
        built["matmul"].matmul(a, a, np.zeros((3, 4)))
    with pytest.raises(ValueError):  # ::1 needs C-contiguous arrays
        built["matmul"].matmul(np.asfortranarray(np.ones((4, 4))), np.ones((4, 4)), np.zeros((4, 4)))


# -- convolve ---------------------------------------------------------------

def convolve_ref(img, ker):
    """'valid' convolution, summed over (u, v) in the example's order."""
    kh, kw = ker.shape
    oh, ow = img.shape[0] - kh + 1, img.shape[1] - kw + 1
    s = np.zeros((oh, ow))
    for u in range(kh):
        for v in range(kw):
            s = s + ker[u, v] * img[kh - 1 - u:kh - 1 - u + oh, kw - 1 - v:kw - 1 - v + ow]
    return s


@pytest.mark.parametrize("ih,iw,kh,kw", [(1, 1, 1, 1), (2, 5, 3, 3), (5, 5, 3, 3), (4, 6, 2, 3), (3, 3, 3, 3), (40, 33, 5, 4)])
def test_convolve2d(built, plain, ih, iw, kh, kw):
    img, ker = rng.standard_normal((ih, iw)), rng.standard_normal((kh, kw))
    out = np.full((ih - kh + 1, iw - kw + 1), np.nan)
    built["convolve"].convolve2d(img, ker, out)
    assert same_bits(out, convolve_ref(img, ker))
    if ih * iw <= 100:
        out2 = np.full_like(out, np.nan)
        plain["convolve"].convolve2d(img, ker, out2)
        assert same_bits(out, out2)
    # the flipped kernel: a single 1 at kernel[0, 0] shifts the image
    delta = np.zeros((kh, kw))
    delta[0, 0] = 1.0
    built["convolve"].convolve2d(img, delta, out)
    assert same_bits(out, img[kh - 1:, kw - 1:] + 0.0)


def test_convolve2d_errors(built):
    with pytest.raises(ValueError, match="wrong shape"):
        built["convolve"].convolve2d(np.ones((5, 5)), np.ones((3, 3)), np.zeros((5, 5)))
    with pytest.raises(ValueError, match="empty kernel"):
        built["convolve"].convolve2d(np.ones((5, 5)), np.ones((0, 3)), np.zeros((6, 3)))


@pytest.mark.parametrize("shape", [(0, 0), (1, 1), (0, 4), (3, 4), (100, 37)])
def test_compute(built, plain, shape):
    a1 = rng.integers(-5, 20, shape).astype(np.intc)
    a2 = rng.integers(-1000, 1000, shape).astype(np.intc)
    res = np.full(shape, -1, dtype=np.intc)
    built["convolve"].compute(a1, a2, 3, 4, 5, res)
    ref = np.clip(a1, 2, 10) * 3 + a2 * 4 + 5
    assert same_bits(res, ref.astype(np.intc))
    res2 = np.full(shape, -1, dtype=np.intc)
    plain["convolve"].compute(a1, a2, 3, 4, 5, res2)
    assert same_bits(res, res2)
    with pytest.raises(AssertionError):
        built["convolve"].compute(a1, np.zeros((shape[0] + 1, shape[1]), np.intc), 1, 1, 1, res)


# -- mandelbrot -------------------------------------------------------------

def mandelbrot_ref(h, w, x0, x1, y0, y1, max_iter):
    """Element-wise NumPy version of the same recurrence (same operations and order)."""
    dx = (x1 - x0) / w if w > 0 else 0.0
    dy = (y1 - y0) / h if h > 0 else 0.0
    cr = np.broadcast_to(x0 + np.arange(w) * dx, (h, w))
    ci = np.broadcast_to((y0 + np.arange(h) * dy)[:, None], (h, w))
    zr, zi, zr2, zi2 = (np.zeros((h, w)) for _ in range(4))
    n = np.zeros((h, w), dtype=np.intc)
    for _ in range(max_iter):
        live = zr2 + zi2 <= 4.0
        zi = np.where(live, 2.0 * zr * zi + ci, zi)
        zr = np.where(live, zr2 - zi2 + cr, zr)
        zr2 = np.where(live, zr * zr, zr2)
        zi2 = np.where(live, zi * zi, zi2)
        n += live
    return n


@pytest.mark.parametrize("h,w,max_iter", [(0, 0, 50), (1, 1, 50), (0, 5, 50), (1, 7, 30), (7, 3, 100), (60, 80, 100), (20, 20, 0)])
def test_mandelbrot(built, plain, h, w, max_iter):
    m = built["mandelbrot2d"]
    counts = np.full((h, w), -7, dtype=np.intc)
    m.mandelbrot(counts, -2.0, 1.0, -1.5, 1.5, max_iter)
    ref = mandelbrot_ref(h, w, -2.0, 1.0, -1.5, 1.5, max_iter)
    assert same_bits(counts, ref)
    assert m.total(counts) == int(ref.sum())
    if h * w <= 100:
        c2 = np.full((h, w), -7, dtype=np.intc)
        plain["mandelbrot2d"].mandelbrot(c2, -2.0, 1.0, -1.5, 1.5, max_iter)
        assert same_bits(counts, c2)


def test_mandelbrot_known_checksum(built):
    counts = np.zeros((400, 400), dtype=np.intc)
    built["mandelbrot2d"].mandelbrot(counts, -2.0, 1.0, -1.5, 1.5, 100)
    assert counts.max() == 100 and counts.min() >= 1
    assert counts[200, 266] == 100  # c = 0 + 0i is in the set
    with pytest.raises(ValueError):  # int32 counts only
        built["mandelbrot2d"].mandelbrot(np.zeros((4, 4), dtype=np.int64), -2.0, 1.0, -1.5, 1.5, 10)


# -- nbody ------------------------------------------------------------------

PI = 3.141592653589793
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24


def solar_system():
    """Sun, Jupiter, Saturn, Uranus, Neptune (the Benchmarks Game data)."""
    bodies = [
        ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS),
        ([4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
         [1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05], 9.54791938424326609e-04),
        ([8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
         [-2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05], 2.85885980666130812e-04),
        ([1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
         [2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05], 4.36624404335156298e-05),
        ([1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
         [2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05], 5.15138902046611451e-05),
    ]
    pos = np.array([b[0] for b in bodies])
    vel = np.array([b[1] for b in bodies]) * DAYS_PER_YEAR
    mass = np.array([b[2] * SOLAR_MASS if i else b[2] for i, b in enumerate(bodies)])
    return pos, vel, mass


def advance_py(pos, vel, mass, dt, steps):
    """Pure-Python reference on lists, same operations in the same order."""
    n = len(mass)
    for _ in range(steps):
        for i in range(n):
            for j in range(i + 1, n):
                dx = pos[i][0] - pos[j][0]
                dy = pos[i][1] - pos[j][1]
                dz = pos[i][2] - pos[j][2]
                d2 = dx * dx + dy * dy + dz * dz
                mag = dt / (d2 * math.sqrt(d2))
                mj = mass[j] * mag
                vel[i][0] -= dx * mj
                vel[i][1] -= dy * mj
                vel[i][2] -= dz * mj
                mi = mass[i] * mag
                vel[j][0] += dx * mi
                vel[j][1] += dy * mi
                vel[j][2] += dz * mi
        for i in range(n):
            for k in range(3):
                pos[i][k] += dt * vel[i][k]


def energy_py(pos, vel, mass):
    e = 0.0
    n = len(mass)
    for i in range(n):
        e += 0.5 * mass[i] * (vel[i][0] * vel[i][0] + vel[i][1] * vel[i][1] + vel[i][2] * vel[i][2])
        for j in range(i + 1, n):
            dx = pos[i][0] - pos[j][0]
            dy = pos[i][1] - pos[j][1]
            dz = pos[i][2] - pos[j][2]
            e -= mass[i] * mass[j] / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


def test_nbody_solar_system(built):
    m = built["nbody"]
    pos, vel, mass = solar_system()
    m.offset_momentum(vel, mass)
    assert np.allclose((vel * mass[:, None]).sum(axis=0), 0.0, atol=1e-15)
    assert f"{m.energy(pos, vel, mass):.9f}" == "-0.169075164"
    m.advance(pos, vel, mass, 0.01, 1000)
    assert f"{m.energy(pos, vel, mass):.9f}" == "-0.169087605"  # the Benchmarks Game's output for n=1000


@pytest.mark.parametrize("n,steps", [(0, 10), (1, 10), (2, 50), (5, 200), (12, 20)])
def test_nbody_vs_python(built, plain, n, steps):
    pos, vel = rng.standard_normal((n, 3)) * 5, rng.standard_normal((n, 3)) * 0.01
    mass = rng.random(n) + 0.1
    P, V = pos.tolist(), vel.tolist()
    ref_e0 = energy_py(P, V, mass.tolist())
    advance_py(P, V, mass.tolist(), 0.01, steps)
    ref_e1 = energy_py(P, V, mass.tolist())
    p2, v2 = pos.copy(), vel.copy()
    m = built["nbody"]
    assert same_float(m.energy(pos, vel, mass), ref_e0)
    m.advance(pos, vel, mass, 0.01, steps)
    assert same_bits(pos, np.array(P, dtype=np.float64).reshape(n, 3))
    assert same_bits(vel, np.array(V, dtype=np.float64).reshape(n, 3))
    assert same_float(m.energy(pos, vel, mass), ref_e1)
    if n <= 5 and steps <= 50:
        plain["nbody"].advance(p2, v2, mass, 0.01, steps)
        assert same_bits(pos, p2) and same_bits(vel, v2)


def test_nbody_errors(built):
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        built["nbody"].advance(np.zeros((4, 2)), np.zeros((4, 3)), np.ones(4), 0.1, 1)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        built["nbody"].energy(np.zeros((4, 3)), np.zeros((3, 3)), np.ones(4))
    built["nbody"].offset_momentum(np.zeros((0, 3)), np.ones(0))  # n = 0: nothing to do


# -- spectral norm ----------------------------------------------------------

def spectral_norm_py(n, iterations):
    """The same loops over Python lists (bit-identical to the example)."""
    if n == 0:
        return 0.0

    def a(i, j):
        return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)

    def ata(u):
        t = [sum_seq(a(i, j) * u[j] for j in range(n)) for i in range(n)]
        return [sum_seq(a(j, i) * t[j] for j in range(n)) for i in range(n)]

    u = [1.0] * n
    for _ in range(iterations):
        v = ata(u)
        u = ata(v)
    return math.sqrt(sum_seq(u[i] * v[i] for i in range(n)) / sum_seq(x * x for x in v))


def sum_seq(it):
    s = 0.0
    for x in it:
        s += x
    return s


def spectral_norm_numpy(n, iterations):
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    A = 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)
    u = np.ones(n)
    for _ in range(iterations):
        v = A.T @ (A @ u)
        u = A.T @ (A @ v)
    return float(np.sqrt(u @ v / (v @ v)))


def run_spectral(mod, n, iterations=10):
    return mod.spectral_norm(np.ones(n), np.empty(n), np.empty(n), iterations)


@pytest.mark.parametrize("n", [0, 1, 2, 10, 57])
def test_spectral_norm(built, plain, n):
    got = run_spectral(built["spectral_norm"], n)
    assert same_float(got, spectral_norm_py(n, 10))
    if n:
        assert got == pytest.approx(spectral_norm_numpy(n, 10), rel=1e-12)
    if n <= 10:
        assert same_float(got, float(run_spectral(plain["spectral_norm"], n)))


def test_spectral_norm_known_value(built):
    assert f"{run_spectral(built['spectral_norm'], 100):.9f}" == "1.274219991"  # Benchmarks Game, n=100
    with pytest.raises(ValueError, match="same length"):
        built["spectral_norm"].spectral_norm(np.ones(3), np.empty(2), np.empty(3), 1)


# -- histogram --------------------------------------------------------------

@pytest.mark.parametrize("n,nbins", [(0, 1), (1, 1), (1, 5), (1000, 7), (10007, 256)])
def test_bincount(built, plain, n, nbins):
    values = rng.integers(0, nbins, n).astype(np.intc)
    counts = np.zeros(nbins, dtype=np.int64)
    built["histogram"].bincount(values, counts)
    assert same_bits(counts, np.bincount(values, minlength=nbins).astype(np.int64))
    built["histogram"].bincount(values[::3], counts)  # strided, accumulates
    assert same_bits(counts, (np.bincount(values, minlength=nbins)
                              + np.bincount(values[::3], minlength=nbins)).astype(np.int64))
    if n <= 1000:
        c2 = np.zeros(nbins, dtype=np.int64)
        plain["histogram"].bincount(values, c2)
        c2 += np.bincount(values[::3], minlength=nbins)
        assert same_bits(counts, c2)


def test_bincount_out_of_range(built):
    counts = np.zeros(4, dtype=np.int64)
    for bad in (4, -1):
        with pytest.raises(ValueError, match="out of range"):
            built["histogram"].bincount(np.array([1, bad, 2], dtype=np.intc), counts)
    assert counts.tolist() == [0, 2, 0, 0]  # the 1s before each bad value were counted


@pytest.mark.parametrize("n,lo,hi,nbins", [(0, 0, 10, 3), (1, 0, 1, 1), (1, -5, 5, 4), (5000, -100, 157, 10), (5000, 3, 50, 64)])
def test_histogram(built, plain, n, lo, hi, nbins):
    values = rng.integers(lo - 20, hi + 20, n).astype(np.int64)
    counts = np.zeros(nbins, dtype=np.int64)
    counted = built["histogram"].histogram(values, lo, hi, counts)
    inside = values[(values >= lo) & (values < hi)]
    ref = np.bincount((inside - lo) * nbins // (hi - lo), minlength=nbins).astype(np.int64)
    assert same_bits(counts, ref)
    assert counted == inside.size
    if n <= 1000:
        c2 = np.zeros(nbins, dtype=np.int64)
        assert plain["histogram"].histogram(values, lo, hi, c2) == counted
        assert same_bits(counts, c2)
    with pytest.raises(ValueError, match="lo < hi"):
        built["histogram"].histogram(values, hi, lo, counts)


# -- heat ---------------------------------------------------------------------

def heat_reference(u, alpha, steps):
    u = u.copy()
    for _ in range(steps):
        if len(u) >= 3:
            u[1:-1] = u[1:-1] + alpha * (u[:-2] - 2.0 * u[1:-1] + u[2:])
    return u


@pytest.mark.parametrize("n, steps", [(0, 3), (1, 3), (2, 3), (3, 1), (10, 0), (11, 50), (101, 400)])
def test_heat(built, plain, n, steps):
    u0 = rng.standard_normal(n)
    if n:
        u0[0] = 100.0
    u = u0.copy()
    built["heat"].diffuse(u, np.empty_like(u), 0.25, steps)
    assert same_bits(u, heat_reference(u0, 0.25, steps))
    v = u0.copy()
    plain["heat"].diffuse(v, np.empty_like(v), 0.25, steps)
    assert same_bits(u, v)


def test_heat_errors(built):
    with pytest.raises(ValueError, match="^diffuse: u and tmp must have the same length$"):
        built["heat"].diffuse(np.zeros(5), np.zeros(4), 0.25, 1)
    with pytest.raises(ValueError, match="C-contiguous"):
        built["heat"].diffuse(np.zeros(10)[::2], np.zeros(5), 0.25, 1)
