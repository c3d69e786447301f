"""Numba kernel of the assignment's common case: the gated pairs of a scan when no two of them
share a track or a measurement (then the global-nearest-neighbour assignment takes them all)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def unshared_gated_pairs(d2, cost, thresholds, pairs):
    """Gated pairs (finite ``d2`` (T, M) and ``cost``, d2 <= ``thresholds`` (M,)) into
    ``pairs`` (min(T, M), 2) in row-major order; returns their number, or -1 when two of
    them share a track or a measurement."""
    T, M = d2.shape
    row_hits = np.zeros(T, dtype=np.int64)
    col_hits = np.zeros(M, dtype=np.int64)
    n = 0
    for i in range(T):
        for j in range(M):
            q = d2[i, j]
            if math.isfinite(q) and math.isfinite(cost[i, j]) and q <= thresholds[j]:
                row_hits[i] += 1
                col_hits[j] += 1
                if row_hits[i] > 1 or col_hits[j] > 1:
                    return -1
                pairs[n, 0] = i
                pairs[n, 1] = j
                n += 1
    return n


@njit(cache=True, nogil=True, error_model="numpy")
def cheapest_gated_pair(d2, cost, thresholds):
    """Flat index (row-major) of the cheapest gated pair of ``d2`` (T, M), ``cost`` (T, M)
    (d2 <= ``thresholds`` (M,), cost finite or +inf excluded by the comparison), the first of
    equals; -1 when none is gated."""
    T, M = d2.shape
    best = math.inf
    best_k = -1
    for i in range(T):
        for j in range(M):
            c = cost[i, j]
            if d2[i, j] <= thresholds[j] and c < best and c > -math.inf:
                best = c
                best_k = i * M + j
    return best_k
