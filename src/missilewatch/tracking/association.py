"""Gating and global-nearest-neighbour assignment of measurements to tracks.

Gate: the Mahalanobis distance d^2 = nu' S^-1 nu of a measurement against a track's
predicted measurement below the chi-square quantile of the gate probability for the
measurement's dimension. Assignment: one measurement per track and one track per measurement,
minimising the sum of the pairs' costs (-2 ln likelihood) over gated pairs, by the Hungarian
method of ``scipy.optimize.linear_sum_assignment``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import gammaincinv

from missilewatch.errors import InputError
from missilewatch.tracking import assignment_kernels as ak


def chi2_quantile(probability: float, dof: int) -> float:
    """Chi-square quantile (``scipy.stats.chi2.ppf``, the same formula and figure, through
    ``scipy.special`` so that the tracker does not load scipy.stats)."""
    return float(2.0 * gammaincinv(0.5 * dof, probability))


@lru_cache(maxsize=64)
def gate_threshold(dim: int, probability: float) -> float:
    """Chi-square quantile: a measurement of ``dim`` components from the track falls inside
    with ``probability``."""
    if not 0.0 < probability < 1.0:
        raise InputError("gate_probability", probability, "must be in (0, 1)")
    if dim < 1:
        raise InputError("dim", dim, "must be >= 1")
    return chi2_quantile(probability, dim)


def gnn(d2: np.ndarray, cost: np.ndarray, thresholds: np.ndarray) -> list[tuple[int, int]]:
    """Global-nearest-neighbour pairs (track, measurement).

    ``d2`` (T, M): gate distances; ``cost`` (T, M): assignment cost of gated pairs (e.g. d2 +
    ln det S, or -2 ln of an IMM's mixture likelihood); ``thresholds`` (M,): gate per
    measurement. Among the gated pairs it takes as many as it can, then the cheapest.
    """
    d2 = np.asarray(d2, float)
    cost = np.asarray(cost, float)
    T, M = d2.shape
    if T == 0 or M == 0:
        return []
    if M == 1 or T == 1:
        return _one_line(d2, cost, np.asarray(thresholds, float))
    thresholds = np.asarray(thresholds, float)
    found = np.empty((min(T, M), 2), dtype=np.int64)
    n = ak.unshared_gated_pairs(d2, cost, thresholds, found)
    if n >= 0:
        # No two pairs share a track or a measurement: the assignment takes them all.
        return [(int(r), int(c)) for r, c in found[:n].tolist()]
    gated = np.isfinite(d2) & np.isfinite(cost) & (d2 <= thresholds[None, :])
    c = np.where(gated, cost, 0.0)
    c = c - c[gated].min()
    # Infeasible pairs cost more than all feasible ones together, so the assignment takes as
    # many gated pairs as it can, then the cheapest.
    big = 1.0 + 2.0 * c[gated].sum()
    c = np.where(gated, c, big)
    rows, cols = linear_sum_assignment(c)
    return [(int(r), int(cc)) for r, cc in zip(rows, cols, strict=False) if gated[r, cc]]


def _one_line(d2: np.ndarray, cost: np.ndarray, thresholds: np.ndarray) -> list[tuple[int, int]]:
    """GNN with one measurement (or one track): the cheapest gated pair, the first of equals."""
    M = d2.shape[1]
    best_k = int(ak.cheapest_gated_pair(d2, cost, thresholds))
    return [] if best_k < 0 else [(best_k // M, best_k % M)]


class GlobalNearestNeighbour:
    """Data associator: one measurement per track and one track per measurement (:func:`gnn`).
    Another associator (JPDA) offers the same ``associate``."""

    def associate(self, d2: np.ndarray, cost: np.ndarray, thresholds: np.ndarray) -> list[tuple[int, int]]:
        """Pairs (track row, measurement index) of gated pairs."""
        return gnn(d2, cost, thresholds)
