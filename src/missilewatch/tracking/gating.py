"""Gating: which measurements of a scan may come from which track.

A measurement gates with a track when its Mahalanobis distance against the track's IMM
prediction to the scan time (smallest over the models that are at least ``mode_probability``
likely, and the most likely one) is under the chi-square quantile of ``probability`` for the
measurement's dimension. A cheap bound in ECEF (:mod:`gate_kernels`) first removes the pairs
that are certainly outside, and the tracks with no measurement left are not predicted at all,
so the cost of a scan grows with the tracks near its measurements, not with all tracks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking.association import gate_threshold
from missilewatch.tracking.filters import GateResult, KalmanFilter, ModeChain, ScanArrays
from missilewatch.tracking.measurements import Measurement


@dataclass(frozen=True)
class GateSettings:
    """Settings of the gate."""

    #: Probability that a measurement of the track falls inside its gate.
    probability: float = 0.9999
    #: Models less likely than this (but for the most likely one) do not open the gate.
    mode_probability: float = 0.01
    #: Reject pairs by the cheap ECEF bound before the full test (same result, faster).
    use_bound: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.probability < 1:
            raise InputError("gate_probability", self.probability, "must be in (0, 1)")
        if not 0 <= self.mode_probability <= 1:
            raise InputError("gate_mode_probability", self.mode_probability, "must be in [0, 1]")


class Gate:
    """Gate distances and costs of a scan against estimates held in one block of arrays."""

    def __init__(self, settings: GateSettings, kf: KalmanFilter) -> None:
        self.settings = settings
        self.filter = kf
        self._single: dict[int, np.ndarray] = {}  # dimension -> thresholds of a one-measurement scan
        self._many: dict[tuple[int, ...], np.ndarray] = {}  # dimensions -> thresholds of a scan

    def thresholds(self, scan: list[Measurement]) -> np.ndarray:
        """Gate per measurement (chi-square quantile of its dimension; not to be written)."""
        p = self.settings.probability
        if len(scan) == 1:
            d = scan[0].dim
            got = self._single.get(d)
            if got is None:
                got = self._single[d] = np.array([gate_threshold(d, p)])  # shared: never written
            return got
        dims = tuple([m.dim for m in scan])
        got = self._many.get(dims)
        if got is None:
            got = self._many[dims] = np.array([gate_threshold(d, p) for d in dims])  # shared: never written
        return got

    def gate(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, t_ref: np.ndarray, last_boost_t: np.ndarray,
             chain: ModeChain, rows: np.ndarray, scan: list[Measurement], thresholds: np.ndarray,
             anchors: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> GateResult:
        """Distances and costs (len(rows), len(scan)) against the estimates ``rows``
        (``anchors``: see :meth:`KalmanFilter.gate`)."""
        return self.filter.gate(xs, Ps, mu, t_ref, last_boost_t, chain, rows, scan[0].t_s, ScanArrays.of(scan),
                                thresholds, self.settings.mode_probability, self.settings.use_bound, anchors)
