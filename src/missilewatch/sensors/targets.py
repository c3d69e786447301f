"""What the sensors look at: the true trajectory of each object, interpolated at any time."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.interpolate import CubicHermiteSpline

from missilewatch.errors import InputError


@dataclass(frozen=True)
class TargetTruth:
    """One object's true flight in scenario time.

    ``t_s`` (K,) strictly increasing, s from the scenario epoch; ``r_ecef``, ``v_ecef`` (K, 3)
    m, m/s. ``thrust_end_s``: scenario time at which its motor stops (the IR plume ends);
    ``-inf`` for an object that never thrusts (debris). ``rcs_scale``: radar cross-section
    relative to the radar's reference target. Place a knot at every discontinuity of the
    acceleration (staging, burnout): interpolation is cubic Hermite between knots.
    """

    object_id: str
    t_s: np.ndarray
    r_ecef: np.ndarray
    v_ecef: np.ndarray
    thrust_end_s: float = -np.inf
    rcs_scale: float = 1.0

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s)
        if t.ndim != 1 or t.size < 2 or not np.all(np.diff(t) > 0):
            raise InputError(f"{self.object_id}.t_s", t.size, "needs >= 2 strictly increasing times")
        if self.r_ecef.shape != (t.size, 3) or self.v_ecef.shape != (t.size, 3):
            raise InputError(f"{self.object_id}.r_ecef", self.r_ecef.shape, "must be (K, 3) like v_ecef")

    @property
    def t_start_s(self) -> float:
        return float(self.t_s[0])

    @property
    def t_end_s(self) -> float:
        return float(self.t_s[-1])

    @cached_property
    def _spline(self) -> CubicHermiteSpline:
        return CubicHermiteSpline(self.t_s, self.r_ecef, self.v_ecef, axis=0)

    @cached_property
    def _dspline(self):
        return self._spline.derivative()

    def state_at(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(r (N, 3), v (N, 3), inside (N,) bool) at times ``t_s``; r, v are NaN outside
        [t_start, t_end]."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        inside = (t >= self.t_s[0]) & (t <= self.t_s[-1])
        r = np.full((t.size, 3), np.nan)
        v = np.full((t.size, 3), np.nan)
        if inside.any():
            r[inside] = self._spline(t[inside])
            v[inside] = self._dspline(t[inside])
        return r, v, inside

    def thrusting(self, t_s: np.ndarray) -> np.ndarray:
        """True where the motor burns: flight started and t <= thrust_end_s."""
        t = np.asarray(t_s, dtype=float)
        return (t >= self.t_s[0]) & (t <= self.thrust_end_s)
