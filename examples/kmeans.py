"""k-means clustering (Lloyd's algorithm) returning NumPy arrays: the
centers start at k evenly spaced points of the data, then each step assigns
every point to its nearest center and moves each center to the mean of its
points (a center with no points stays where it is). The arrays are made
with `np.zeros`/`np.empty` inside the functions and worked on through typed
memoryviews, as Cython users write it.

    pyc-aot build --strict examples/kmeans.py
"""

import cython
import numpy as np


@cython.cfunc
def nearest(points: cython.double[:, :], i: cython.Py_ssize_t, centers: cython.double[:, ::1]) -> cython.Py_ssize_t:
    """The index of the center nearest to point i (the first of equals)."""
    best: cython.Py_ssize_t = 0
    best_dist: cython.double = 0.0
    c: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for c in range(centers.shape[0]):
        dist: cython.double = 0.0
        for j in range(centers.shape[1]):
            diff: cython.double = points[i, j] - centers[c, j]
            dist += diff * diff
        if c == 0 or dist < best_dist:
            best = c
            best_dist = dist
    return best


def kmeans(data, k: cython.int, iterations: cython.int):
    """The k centers (a k x d float64 array) after `iterations` steps of
    Lloyd's algorithm over the rows of `data` (anything NumPy reads as a
    2-D array of numbers)."""
    points: cython.double[:, :] = np.asarray(data, dtype=np.float64)
    n: cython.Py_ssize_t = points.shape[0]
    d: cython.Py_ssize_t = points.shape[1]
    if k < 1 or k > n:
        raise ValueError("k must be between 1 and the number of points")
    result = np.empty((k, d))
    centers: cython.double[:, ::1] = result
    sums: cython.double[:, ::1] = np.zeros((k, d))
    counts: cython.Py_ssize_t[::1] = np.zeros(k, dtype=np.intp)
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    c: cython.Py_ssize_t
    step: cython.int
    for c in range(k):
        for j in range(d):
            centers[c, j] = points[c * n // k, j]
    for step in range(iterations):
        sums[:, :] = 0.0
        counts[:] = 0
        for i in range(n):
            c = nearest(points, i, centers)
            counts[c] += 1
            for j in range(d):
                sums[c, j] += points[i, j]
        for c in range(k):
            if counts[c] > 0:
                for j in range(d):
                    centers[c, j] = sums[c, j] / counts[c]
    return result


def assign(data, centers_data):
    """The index of the nearest center for each row of `data`, as an
    intp array."""
    points: cython.double[:, :] = np.asarray(data, dtype=np.float64)
    centers: cython.double[:, ::1] = np.ascontiguousarray(centers_data, dtype=np.float64)
    labels = np.zeros(points.shape[0], dtype=np.intp)
    out: cython.Py_ssize_t[::1] = labels
    i: cython.Py_ssize_t
    for i in range(points.shape[0]):
        out[i] = nearest(points, i, centers)
    return labels


def blobs(n: cython.int, k: cython.int, d: cython.int, seed: cython.int):
    """n points in d dimensions around k centers, from a small linear
    congruential generator (the same numbers everywhere)."""
    data = np.zeros((n, d))
    pts: cython.double[:, ::1] = data
    state: cython.ulonglong = seed
    i: cython.Py_ssize_t
    j: cython.Py_ssize_t
    for i in range(n):
        for j in range(d):
            state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
            noise: cython.double = (state >> 11) * (1.0 / 9007199254740992.0) - 0.5
            pts[i, j] = 10.0 * (i % k) + (j + 1) * (i % k) + noise
    return data


if __name__ == "__main__":
    data = blobs(3000, 4, 3, 7)
    centers = kmeans(data, 4, 10)
    labels = assign(data, centers)
    print("centers", [[round(v, 6) for v in row] for row in centers.tolist()])
    print("cluster sizes", np.bincount(labels, minlength=4).tolist())
