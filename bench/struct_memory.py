#!/usr/bin/env python3
"""A kernel over structs holding structs in C memory (`Body` holding two
`Vec3`s in one `malloc`ed block, stepped as `ps[i].pos.x += ps[i].vel.x * dt`),
counted by callgrind (independent of load): pyc-aot, Cython 3.3.1
(`cythonize -i -3`, CFLAGS=-O3) and CPython with the shim, on the same file.

    python3 bench/struct_memory.py     # writes bench/struct_memory_results.md

Instructions per particle and step: step(N, S2) minus step(N, S1) over
N * (S2 - S1) (start-up, imports, filling and summing cancel out).
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from callgrind import per_iteration  # noqa: E402

VENV_PY = os.path.join(HERE, ".work", "venv", "bin", "python")
PYC_AOT = os.environ.get("PYC_AOT_BIN", os.path.join(ROOT, "target", "release", "pyc-aot"))
SHIM = os.path.join(ROOT, "compiler", "src", "shim", "cython_shim.py")

SOURCE = '''\
import cython
from cython.cimports.libc.stdlib import malloc, free

Vec3 = cython.struct(x=cython.double, y=cython.double, z=cython.double)
Body = cython.struct(pos=Vec3, vel=Vec3, mass=cython.double)


def step(n: cython.int, steps: cython.int, dt: cython.double) -> cython.double:
    ps: cython.pointer(Body) = cython.cast(cython.pointer(Body), malloc(n * cython.sizeof(Body)))
    if not ps:
        raise MemoryError()
    i: cython.int
    k: cython.int
    for i in range(n):
        ps[i].pos = Vec3(x=i * 0.5, y=1.0 + i, z=-i * 0.25)
        ps[i].vel = Vec3(x=(i % 7) - 3.0, y=(i % 5) - 2.0, z=(i % 3) - 1.0)
        ps[i].mass = 1.0 + i % 4
    for k in range(steps):
        for i in range(n):
            ps[i].vel.y -= 9.81 * dt
            ps[i].pos.x += ps[i].vel.x * dt
            ps[i].pos.y += ps[i].vel.y * dt
            ps[i].pos.z += ps[i].vel.z * dt
            if ps[i].pos.y < 0.0:
                ps[i].pos.y = -ps[i].pos.y
                ps[i].vel.y = -0.9 * ps[i].vel.y
    t: cython.double = 0.0
    for i in range(n):
        t += ps[i].mass * (ps[i].pos.x + ps[i].pos.y * 2.0 + ps[i].pos.z * 3.0)
    free(ps)
    return t
'''

PROGRAM = "import sys; sys.path.insert(0, %r)\nimport nested_bench as m\nm.step(%d, %d, 0.01)\n"


def main():
    work = tempfile.mkdtemp(prefix="struct_memory_")
    ours, theirs, plain = (os.path.join(work, d) for d in ("ours", "theirs", "plain"))
    for d in (ours, theirs, plain):
        os.makedirs(d)
        with open(os.path.join(d, "nested_bench.py"), "w") as f:
            f.write(SOURCE)
    subprocess.run([PYC_AOT, "build", os.path.join(ours, "nested_bench.py"), "-o", ours, "--python", VENV_PY], check=True, capture_output=True)
    os.remove(os.path.join(ours, "nested_bench.py"))
    env = dict(os.environ, CFLAGS="-O3")
    subprocess.run([os.path.join(os.path.dirname(VENV_PY), "cythonize"), "-i", "-3", "-q", "nested_bench.py"], cwd=theirs, check=True, capture_output=True, env=env)
    os.remove(os.path.join(theirs, "nested_bench.py"))
    with open(SHIM) as src, open(os.path.join(plain, "cython.py"), "w") as dst:
        dst.write(src.read())
    n, s1, s2 = 4096, 20, 70
    rows = []
    for label, d, (n_, a, b) in (("pyc-aot", ours, (n, s1, s2)), ("Cython 3.3.1", theirs, (n, s1, s2)), ("CPython + shim", plain, (64, 2, 6))):
        per = per_iteration(VENV_PY, lambda steps, d=d, n_=n_: PROGRAM % (d, n_, steps), a, b) / n_
        rows.append((label, per))
        print(label, round(per, 2), flush=True)
    base = rows[0][1]
    with open(os.path.join(HERE, "struct_memory_results.md"), "w") as f:
        f.write("# A kernel over structs holding structs in C memory (`bench/struct_memory.py`)\n\n")
        f.write("`step(n, steps, dt)`: `Body` structs (two `Vec3`s and a mass, 56 bytes) in one `malloc`ed\n"
                "block, each step `ps[i].vel.y -= g * dt`, three `ps[i].pos.c += ps[i].vel.c * dt` and a\n"
                "bounce. Callgrind instructions per particle and step (step(4096, 70) minus step(4096, 20);\n"
                "CPython with the shim step(64, 6) minus step(64, 2)), one run each.\n\n")
        f.write("| build | instructions | vs pyc-aot |\n|---|---:|---:|\n")
        for label, per in rows:
            f.write("| %s | %.1f | %.2fx |\n" % (label, per, per / base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
