"""Numba kernels of the merge test between pairs of tracks: a cheap bound first, then the
chi-square distance between the two moment-matched IMM predictions to the later of the two
tracks' times.

Conventions as in :mod:`imm_kernels`; estimates are rows of blocks ``xs`` (N, K, 8), ``Ps``,
``mu``, times ``t_ref`` (N,), mean sojourn times from the last boosting times as in
:func:`bound_kernels.sojourn_times`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.tracking.bound_kernels import N_BOUND, apart, motion_bound, sojourn_times
from missilewatch.tracking.dynamics_kernels import N_STATE
from missilewatch.tracking.imm_kernels import predict_combined
from missilewatch.tracking.linalg_kernels import chol_solve, cholesky


@njit(cache=True, nogil=True, error_model="numpy")
def _quadratic(d, S, n):
    """d' S^-1 d for the n x n block of S (inf when S is not positive definite)."""
    L = np.empty((n, n))
    if not cholesky(S, n, L):
        return math.inf
    for i in range(n):
        if L[i, i] <= 0.0:
            return math.inf
    y = d.copy()
    chol_solve(L, n, y)
    q = 0.0
    for i in range(n):
        q += d[i] * y[i]
    return q


@njit(cache=True, nogil=True, error_model="numpy")
def _bound_at(xs, Ps, mu, t_ref, last_boost_t, tau_table, window, r, t, mps, out):
    tau = sojourn_times(t_ref[r], last_boost_t[r], tau_table, window)
    motion_bound(xs[r], Ps[r], mu[r], tau, mps, max(0.0, t - t_ref[r]), -1.0, out)


@njit(cache=True, nogil=True, error_model="numpy")
def candidate_pairs(xs, Ps, mu, t_ref, last_boost_t, tau_table, window, rows, dirty, mps, gate, out, times):
    """Pairs (i, j), i < j in lexicographic order, of indices into ``rows`` with at least one
    ``dirty`` member whose cheap bounds at the later of their times are not certainly apart
    for the chi-square ``gate``, into ``out`` (n (n - 1) / 2, 2) and their times into
    ``times``; returns their number."""
    n = rows.shape[0]
    ba = np.empty(N_BOUND)
    bb = np.empty(N_BOUND)
    k = 0
    for i in range(n):
        for j in range(i + 1, n):
            if not (dirty[i] or dirty[j]):
                continue
            t = max(t_ref[rows[i]], t_ref[rows[j]])
            _bound_at(xs, Ps, mu, t_ref, last_boost_t, tau_table, window, rows[i], t, mps, ba)
            _bound_at(xs, Ps, mu, t_ref, last_boost_t, tau_table, window, rows[j], t, mps, bb)
            if not apart(ba, bb, gate):
                out[k, 0] = i
                out[k, 1] = j
                times[k] = t
                k += 1
    return k


@njit(cache=True, nogil=True, error_model="numpy")
def pair_distances(xs, Ps, mu, t_ref, last_boost_t, tau_table, window, rows, mps, use_ukf, ukf, pairs, times,
                   n_dim, q_out, traces):
    """For each pair (i, j) of ``pairs`` (P, 2) (indices into ``rows``): the chi-square distance
    of the first ``n_dim`` state components (3: position, 6: position and velocity) of the two
    estimates predicted to ``times[k]`` (never backwards), d' (P_i + P_j)^-1 d, into ``q_out``
    (P,), and the traces of their predicted position covariances into ``traces`` (P, 2)."""
    d = np.empty(n_dim)
    S = np.empty((n_dim, n_dim))
    x = np.empty((2, N_STATE))
    P = np.empty((2, N_STATE, N_STATE))
    for k in range(pairs.shape[0]):
        for s in range(2):
            r = rows[pairs[k, s]]
            tau = sojourn_times(t_ref[r], last_boost_t[r], tau_table, window)
            predict_combined(xs[r], Ps[r], mu[r], max(0.0, times[k] - t_ref[r]), mps, tau, use_ukf, ukf, x[s], P[s])
            traces[k, s] = P[s, 0, 0] + P[s, 1, 1] + P[s, 2, 2]
        for u in range(n_dim):
            d[u] = x[0, u] - x[1, u]
            for v in range(n_dim):
                S[u, v] = P[0, u, v] + P[1, u, v]
        q_out[k] = _quadratic(d, S, n_dim)
