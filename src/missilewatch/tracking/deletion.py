"""Deletion of tracks that were not confirmed, that coasted too long, that became too
uncertain, or that reached the ground.

Tentative tracks go after ``tentative_timeout_s`` of report time without an update, or when
they can no longer be confirmed. A boosting confirmed track goes after ``coast_boost_s`` without
an update. A ballistic track coasts on its equations of motion through coverage gaps (a lofted
ICBM is out of every radar's sight for most of its hour of flight) until it has certainly
impacted, its predicted position ``impact_sigmas`` standard deviations (along the local
vertical) under the ground, or until its position standard deviation (largest axis) exceeds
``max_position_sigma_m``; ``coast_ballistic_s`` optionally caps that coast. The two
prediction tests are skipped for the tracks whose cheap bound (:mod:`bound_kernels`) shows
them above the ground and certain enough.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missilewatch.earth.kernels import geodetic_height
from missilewatch.errors import InputError
from missilewatch.tracking import bound_kernels as bk


@dataclass(frozen=True)
class DeletionSettings:
    """Settings of track deletion (s, m)."""

    #: Report time a tentative track may go without an update.
    tentative_timeout_s: float = 8.0
    #: Report time a confirmed, boosting track may go without an update.
    coast_boost_s: float = 30.0
    #: Report time a confirmed ballistic track may go without an update (no cap by default).
    coast_ballistic_s: float = math.inf
    #: Standard deviations of height under the ground that make an impact certain.
    impact_sigmas: float = 3.0
    #: Largest position standard deviation (largest axis) of a coasting track.
    max_position_sigma_m: float = 100_000.0

    def __post_init__(self) -> None:
        for name in ("tentative_timeout_s", "coast_boost_s", "coast_ballistic_s", "max_position_sigma_m"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be > 0")
        if not (self.impact_sigmas >= 0 and math.isfinite(self.impact_sigmas)):
            raise InputError("impact_sigmas", self.impact_sigmas, "must be a finite number >= 0")


class Deleter:
    """Reasons to delete a track (module docstring); empty when it stays."""

    def __init__(self, settings: DeletionSettings) -> None:
        self.settings = settings

    def may_fire(self, bounds: np.ndarray) -> np.ndarray:
        """Per track, from its cheap bound (:mod:`bound_kernels`) at the clock: False when the
        prediction tests certainly pass (above the ground, certain enough)."""
        out = np.empty(bounds.shape[0], dtype=bool)
        bk.may_be_down_or_lost(bounds, self.settings.max_position_sigma_m, out)
        return out

    def coast_reason(self, tentative: bool, boosting: bool, report_gap_s: float, failed: str) -> str:
        """Reason from the bookkeeping alone (no prediction); ``failed``: why a tentative track
        can no longer be confirmed (empty when it can)."""
        s = self.settings
        if tentative:
            if report_gap_s > s.tentative_timeout_s:
                return "not confirmed: no update"
            if failed:
                return failed
            return ""
        if report_gap_s > (s.coast_boost_s if boosting else s.coast_ballistic_s):
            return "lost: no update"
        return ""

    def prediction_reason(self, x: np.ndarray, P: np.ndarray) -> str:
        """Reason from the track's combined prediction (x, P) to the clock."""
        if self.impacted(x, P):
            return "impact"
        if self.too_uncertain(P):
            return "lost: too uncertain"
        return ""

    def too_uncertain(self, P: np.ndarray) -> bool:
        """The largest position standard deviation (largest eigenvalue of the position block)
        exceeds ``max_position_sigma_m``. The largest eigenvalue of a covariance is at most its
        trace, so a trace under the limit (with a margin for rounding) settles it without the
        eigen-decomposition."""
        limit2 = self.settings.max_position_sigma_m ** 2
        if P[0, 0] + P[1, 1] + P[2, 2] <= limit2 * (1.0 - 1e-9):
            return False
        return math.sqrt(max(np.linalg.eigvalsh(P[0:3, 0:3]).max(), 0.0)) > self.settings.max_position_sigma_m

    def impacted(self, x: np.ndarray, P: np.ndarray) -> bool:
        """The predicted position is more than ``impact_sigmas`` standard deviations of its
        height under the ground: the object has certainly fallen (a long coast leaves a height
        uncertainty of kilometres; a tracked re-entry, metres)."""
        h = geodetic_height(x[0], x[1], x[2])
        if h >= 0.0:
            return False
        up = x[0:3] / np.linalg.norm(x[0:3])
        sigma_h = math.sqrt(max(float(up @ P[0:3, 0:3] @ up), 0.0))
        return -h > self.settings.impact_sigmas * sigma_h
