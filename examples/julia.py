"""The Julia set of *High Performance Python* (Gorelick and Ozsvald,
chapters 2 and 7): `calc_pure_python` builds Python lists of complex
coordinates `zs` and constants `cs`, and `calculate_z_serial_purepython`
iterates z = z * z + c at each point until |z| reaches 2 or `maxiter`
steps, returning the step counts as a list. The annotations are the book's
Cython version in pure-Python mode: `z` and `c` complex (C complex pairs in
Cython), `n` and `i` C ints, `abs(z) < 2` as written.

    pyc-aot build --strict examples/julia.py
"""

import cython

# The area of complex space to investigate, and the constant of the set.
x1, x2, y1, y2 = -1.8, 1.8, -1.8, 1.8
c_real, c_imag = -0.62772, -0.42193


def calculate_z_serial_purepython(maxiter: cython.int, zs: list, cs: list) -> list:
    """Calculate output list using Julia update rule"""
    i: cython.int
    n: cython.int
    z: complex
    c: complex
    output: list = [0] * len(zs)
    for i in range(len(zs)):
        n = 0
        z = zs[i]
        c = cs[i]
        while n < maxiter and abs(z) < 2:
            z = z * z + c
            n += 1
        output[i] = n
    return output


def calc_pure_python(desired_width: cython.int, max_iterations: cython.int) -> list:
    """Create a list of complex coordinates (zs) and complex parameters
    (cs), build the Julia set, and return the step counts."""
    x_step: cython.double = (x2 - x1) / desired_width
    y_step: cython.double = (y1 - y2) / desired_width
    x: list = []
    y: list = []
    ycoord: cython.double = y2
    while ycoord > y1:
        y.append(ycoord)
        ycoord += y_step
    xcoord: cython.double = x1
    while xcoord < x2:
        x.append(xcoord)
        xcoord += x_step
    # The book builds the coordinate lists by hand, as Python users do.
    zs: list = []
    cs: list = []
    for yc in y:
        for xc in x:
            zs.append(complex(xc, yc))
            cs.append(complex(c_real, c_imag))
    return calculate_z_serial_purepython(max_iterations, zs, cs)


if __name__ == "__main__":
    counts = calc_pure_python(100, 300)
    print("Length of x:", 100, "total iterations:", sum(counts))
