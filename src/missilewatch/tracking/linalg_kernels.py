"""Numba kernels of small dense linear algebra for the filters: Cholesky factor and solve of
a semi-definite block, symmetrisation, Mahalanobis distance. ``math`` only, no project objects."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.tracking.measurement_kernels import MAX_MEAS_DIM


@njit(cache=True, nogil=True, error_model="numpy")
def cholesky(A, n, L):
    """Lower Cholesky factor of the symmetric PSD n x n block of ``A`` into ``L``.

    Semi-definite matrices are accepted: a pivot below 1e-13 of its own diagonal entry gives a
    zero column (the direction has no uncertainty). The test is per entry, so that it does not
    depend on units: an innovation covariance holds m^2 (range, ~1e9 after a long coast) beside
    rad^2 (angles, ~1e-5), and a threshold relative to the largest entry would zero the
    angles. Returns False on a negative pivot (beyond round-off).
    """
    dmax = 0.0
    for i in range(n):
        if A[i, i] > dmax:
            dmax = A[i, i]
    for j in range(n):
        ajj = max(A[j, j], 0.0)
        s = A[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        for i in range(j + 1, n):
            L[j, i] = 0.0
        if s <= 1e-13 * ajj:
            if s < -1e-7 * ajj - 1e-15 * dmax:
                return False
            L[j, j] = 0.0
            for i in range(j + 1, n):
                L[i, j] = 0.0
            continue
        d = math.sqrt(s)
        L[j, j] = d
        for i in range(j + 1, n):
            t = A[i, j]
            for k in range(j):
                t -= L[i, k] * L[j, k]
            L[i, j] = t / d
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def chol_solve(L, n, b):
    """Solve (L L') y = b in place for a vector ``b`` (n,), L from :func:`cholesky`."""
    for i in range(n):
        t = b[i]
        for k in range(i):
            t -= L[i, k] * b[k]
        b[i] = t / L[i, i]
    for i in range(n - 1, -1, -1):
        t = b[i]
        for k in range(i + 1, n):
            t -= L[k, i] * b[k]
        b[i] = t / L[i, i]


@njit(cache=True, nogil=True, error_model="numpy")
def symmetrize(P):
    n = P.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            a = 0.5 * (P[i, j] + P[j, i])
            P[i, j] = a
            P[j, i] = a


@njit(cache=True, nogil=True, error_model="numpy")
def mahalanobis(nu, S, d):
    """nu' S^-1 nu and ln det S for the d x d block of S; (inf, inf) if S is not PD."""
    L = np.empty((MAX_MEAS_DIM, MAX_MEAS_DIM))
    if not cholesky(S, d, L):
        return math.inf, math.inf
    y = np.empty(MAX_MEAS_DIM)
    logdet = 0.0
    for i in range(d):
        if L[i, i] <= 0.0:
            return math.inf, math.inf
        logdet += 2.0 * math.log(L[i, i])
        y[i] = nu[i]
    # Forward substitution only: nu' S^-1 nu = |L^-1 nu|^2.
    q = 0.0
    for i in range(d):
        t = y[i]
        for k in range(i):
            t -= L[i, k] * y[k]
        y[i] = t / L[i, i]
        q += y[i] * y[i]
    return q, logdet

