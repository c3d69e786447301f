"""Deletion tests of tracks that coast, without flying each one from its last update every time.

The deleter's two prediction tests (impact, too uncertain) need the track predicted to the
clock. While the cheap bound of that prediction (:mod:`bound_kernels`) shows the track above
the ground and certain enough, the tests are skipped; past ``MAX_BOUND_DT_S`` (120 s) of coast
the bound gives up, and a track coasting through a coverage gap (minutes of a midcourse no
radar sees) was flown from its last update to the clock at every new clock time: an
integration that grows with the coast (75 us on average, 220 us after 800 s), hundreds of
times per flight.

An :class:`Anchor` keeps the last such prediction of a track (per-model arrays, their
probabilities, its time) while the track does not change, and bounds the next clocks from it:
when that bound rules both tests out, the track stays, as the full prediction would say (it
lies inside the bound); otherwise the full prediction from the last update decides, exactly
as before, and becomes the new anchor. Only a track on one model that it cannot leave (the
other models' probabilities exactly 0, its own mean sojourn infinite: a ballistic track after
its IMM collapsed) is anchored, so the prediction from the anchor is the same single-model
prediction as from the last update, in two legs instead of one.

The gate has the same trouble: every measurement of a scan is gated against such a track, its
bound given up, so the track was flown from its last update for each one (70 us, 30 ms of a
20-minute IRBM run with the catalogue). :meth:`CoastingDeletion.by_slot` hands the anchors to
the gate kernel, which bounds the track from its anchor instead; the measurements outside get
no distance (infinite, as the gate's bound gives them), the others are gated exactly as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missilewatch.tracking import bound_kernels as bk
from missilewatch.tracking.deletion import Deleter
from missilewatch.tracking.filters import KalmanFilter
from missilewatch.tracking.models import N_STATE
from missilewatch.tracking.track_state import TrackState


@dataclass
class Anchor:
    """A track's prediction to ``t`` (s): per-model ``xs`` (K, 8), ``Ps`` (K, 8, 8), ``mu``
    (K,), with the sojourn times ``tau`` (K,) used; valid while the track's ``version`` holds.
    ``track`` and its ``slot`` in the state arrays, for the gate."""

    version: int
    t: float
    xs: np.ndarray
    Ps: np.ndarray
    mu: np.ndarray
    tau: np.ndarray
    track: TrackState
    slot: int


def absorbing(mu: np.ndarray, tau: np.ndarray) -> bool:
    """True when the mixture ``mu`` sits on one model (every other probability exactly 0) whose
    mean sojourn ``tau`` is infinite: its prediction stays on that model."""
    on = np.flatnonzero(mu)
    return on.size == 1 and math.isinf(tau[on[0]])


class CoastingDeletion:
    """The deleter's prediction tests of one tracker's tracks, anchored (module docstring);
    the anchors also bound the gate's prediction of such a track (:meth:`by_slot`)."""

    def __init__(self, kf: KalmanFilter, deleter: Deleter) -> None:
        self.kf = kf
        self.deleter = deleter
        self._anchors: dict[int, Anchor] = {}
        self._bound = np.empty((1, bk.N_BOUND))
        self._fire = np.empty(1, dtype=bool)
        K = kf.n_models
        self._slot_xs = np.zeros((0, K, N_STATE))
        self._slot_Ps = np.zeros((0, K, N_STATE, N_STATE))
        self._slot_mu = np.zeros((0, K))
        self._slot_t = np.full(0, math.nan)

    def by_slot(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The valid anchors as arrays indexed by the tracks' slots: (xs, Ps, mu, t), t NaN
        where there is none (:func:`gate_kernels.gate_tracks`); None when there is none at all.
        An anchor of a track changed since is dropped here."""
        if not self._anchors:
            return None
        for tid, a in list(self._anchors.items()):
            if a.track.version != a.version:
                self.forget(tid)
        return (self._slot_xs, self._slot_Ps, self._slot_mu, self._slot_t) if self._anchors else None

    def _keep(self, a: Anchor) -> None:
        """Keep ``a`` (replacing its track's previous anchor) and write it into the slot arrays."""
        self.forget(a.track.id)
        if a.slot >= self._slot_t.size:
            n = max(2 * self._slot_t.size, a.slot + 1, 16)
            grow = n - self._slot_t.size
            self._slot_xs = np.concatenate([self._slot_xs, np.zeros((grow, *self._slot_xs.shape[1:]))])
            self._slot_Ps = np.concatenate([self._slot_Ps, np.zeros((grow, *self._slot_Ps.shape[1:]))])
            self._slot_mu = np.concatenate([self._slot_mu, np.zeros((grow, *self._slot_mu.shape[1:]))])
            self._slot_t = np.concatenate([self._slot_t, np.full(grow, math.nan)])
        self._slot_xs[a.slot], self._slot_Ps[a.slot], self._slot_mu[a.slot] = a.xs, a.Ps, a.mu
        self._slot_t[a.slot] = a.t
        self._anchors[a.track.id] = a

    def reason(self, tr: TrackState, now: float, tau: np.ndarray) -> str:
        """Why ``tr`` goes at ``now`` (> its time) by its prediction ("" when it stays);
        ``tau``: its mean sojourn times from its last update."""
        a = self._anchors.get(tr.id)
        if a is not None and a.version == tr.version and 0.0 <= now - a.t <= bk.MAX_BOUND_DT_S:
            bk.motion_bound(a.xs, a.Ps, a.mu, a.tau, self.kf.mps, now - a.t, -1.0, self._bound[0])
            bk.may_be_down_or_lost(self._bound, self.deleter.settings.max_position_sigma_m, self._fire)
            if not self._fire[0]:
                return ""
        if not absorbing(tr.mu, tau):
            self.forget(tr.id)
            return self.deleter.prediction_reason(*self.kf.predict_arrays(tr.xs, tr.Ps, tr.mu, now - tr.t, tau))
        xs, Ps, mu, x, P = self.kf.predict_models(tr.xs, tr.Ps, tr.mu, now - tr.t, tau)
        self._keep(Anchor(tr.version, now, xs, Ps, mu, tau, tr, tr.slot))
        return self.deleter.prediction_reason(x, P)

    def forget(self, track_id: int) -> None:
        """The track is gone (or changed): its anchor too."""
        a = self._anchors.pop(track_id, None)
        if a is not None:
            self._slot_t[a.slot] = math.nan
