"""The IMM's modes over a track's life: which mean sojourn times apply, when a track was last
boosting, and when a model is dropped for good.

A ballistic estimate may turn back into boost (a stage igniting after staging or a coast)
within ``restart_window_s`` of the last time the track was more likely boosting than not
(:data:`BOOST_PROBABILITY_THRESHOLD`), with mean ballistic sojourn ``restart_sojourn_s``;
after that window a ballistic track stays ballistic (infinite sojourn), and a model whose
probability falls under ``collapse_probability`` is then dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking.filters import KalmanFilter, ModeChain
from missilewatch.tracking.track_state import BOOST_PROBABILITY_THRESHOLD


@dataclass(frozen=True)
class ModeSettings:
    """Settings of the IMM's mode chain over a track's life."""

    #: Probability under which a model is dropped once no other model can turn into it.
    collapse_probability: float = 1e-6
    #: Seconds after the track was last boosting during which a motor may ignite again.
    restart_window_s: float = 60.0
    #: Mean ballistic sojourn (s) within that window.
    restart_sojourn_s: float = 300.0

    def __post_init__(self) -> None:
        if not 0 <= self.collapse_probability < 1:
            raise InputError("collapse_probability", self.collapse_probability, "must be in [0, 1)")
        if not (self.restart_window_s >= 0 and math.isfinite(self.restart_window_s)):
            raise InputError("restart_window_s", self.restart_window_s, "must be a finite number >= 0")
        if not self.restart_sojourn_s > 0:
            raise InputError("restart_sojourn_s", self.restart_sojourn_s, "must be > 0")


class ModeKeeper:
    """Mode bookkeeping of one filter (see the module docstring)."""

    def __init__(self, settings: ModeSettings, kf: KalmanFilter) -> None:
        self.settings = settings
        self.thrust = kf.thrust_models
        self.has_thrust = bool(self.thrust.any())
        self.tau = kf.tau
        self.restart_tau = np.where(self.thrust, kf.tau, settings.restart_sojourn_s)
        self._table = np.stack([self.tau, self.restart_tau])
        self.chain = ModeChain(self._table, settings.restart_window_s if self.has_thrust else -math.inf)
        self._thrust_index = [int(i) for i in np.flatnonzero(self.thrust)]
        self._thrust_weights = self.thrust.astype(float)

    def tau_at(self, t: float, last_boost_t: float) -> np.ndarray:
        """Mean sojourn times (K,) for a step starting at ``t``."""
        if self.has_thrust and t - last_boost_t <= self.settings.restart_window_s:
            return self.restart_tau
        return self.tau

    def boost_probability(self, mu: np.ndarray) -> float:
        """Probability of the thrust models."""
        if len(self._thrust_index) == 1:
            return float(mu[self._thrust_index[0]])
        return float(mu[self.thrust].sum()) if self.has_thrust else 0.0

    def boost_probabilities(self, mu: np.ndarray) -> np.ndarray:
        """Probabilities of the thrust models of many estimates (``mu`` (N, K))."""
        if len(self._thrust_index) == 1:
            return mu[:, self._thrust_index[0]]
        return mu @ self._thrust_weights

    def boosting(self, mu: np.ndarray) -> bool:
        return self.boost_probability(mu) > BOOST_PROBABILITY_THRESHOLD

    def boost_time(self, mu: np.ndarray, t: float, last_boost_t: float) -> float:
        """The last time the track was more likely boosting than not, after an update at t."""
        return max(last_boost_t, t) if self.boosting(mu) else last_boost_t

    def collapse(self, mu: np.ndarray, tau: np.ndarray) -> None:
        """Drop (in place) the models under ``collapse_probability`` once no other model can
        turn into them (every other model's sojourn is infinite)."""
        c = self.settings.collapse_probability
        if not any(0.0 < p < c for p in mu.tolist()):
            return
        low = (mu > 0) & (mu < c)
        if not np.isfinite(tau[~low]).any():
            mu[low] = 0.0
            mu /= mu.sum()

    def initial_probabilities(self, p_boost: float) -> np.ndarray:
        """Model probabilities of a new track that is boosting with probability ``p_boost``."""
        if self.thrust.size == 1:
            return np.ones(1)
        n_thrust = max(1, int(self.thrust.sum()))
        n_other = max(1, int((~self.thrust).sum()))
        mu = np.where(self.thrust, p_boost / n_thrust, (1.0 - p_boost) / n_other)
        return mu / mu.sum()
