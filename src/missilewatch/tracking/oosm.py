"""The out-of-sequence buffer: a measurement older than a track's latest update (an infrared
report arrives ~10 s late) is filtered exactly, by buffer and reprocess.

Each track keeps its estimates after every update for ``lag_s`` seconds. An older measurement
is gated against the estimate just before it; on update the track is rolled back to that
estimate and the measurement and every later one are filtered again in time order. Older than
``lag_s``: not associated with the track.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking import oosm_kernels as ok
from missilewatch.tracking.filters import KalmanFilter
from missilewatch.tracking.measurement_kernels import MAX_MEAS_DIM, N_SENSOR
from missilewatch.tracking.measurements import Measurement
from missilewatch.tracking.models import N_STATE
from missilewatch.tracking.modes import ModeKeeper
from missilewatch.tracking.track_state import BOOST_PROBABILITY_THRESHOLD, HistoryEntry, TrackState


@dataclass(frozen=True)
class OutOfSequenceSettings:
    """Settings of the out-of-sequence buffer."""

    #: How long (s of measurement time) a track keeps its past estimates for reprocessing.
    lag_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.lag_s >= 0:
            raise InputError("oosm_lag_s", self.lag_s, "must be >= 0 s")


def _time(e: HistoryEntry) -> float:
    return e.t


class OutOfSequenceBuffer:
    """Buffer and reprocess (module docstring)."""

    def __init__(self, settings: OutOfSequenceSettings, kf: KalmanFilter, modes: ModeKeeper) -> None:
        self.settings = settings
        self.filter = kf
        self.modes = modes

    def reference(self, tr: TrackState, t: float) -> HistoryEntry | None:
        """The estimate a measurement at ``t`` < the track's time is gated against (None: older
        than the buffer)."""
        if t < tr.t - self.settings.lag_s:
            return None
        hist = tr.history
        k = bisect_right(hist, t, key=_time)
        return hist[k - 1] if k > 0 else hist[0]

    def trim(self, tr: TrackState) -> None:
        """Forget the estimates older than the lag (keeping the last one before it)."""
        hist = tr.history
        cut = tr.t - self.settings.lag_s
        if len(hist) < 2 or hist[1].t >= cut:
            return
        j = 0
        while j + 1 < len(hist) and hist[j + 1].t < cut:
            j += 1
        if j:
            tr.history = hist[j:]

    def reprocess(self, tr: TrackState, m: Measurement) -> tuple[float, int]:
        """Insert an out-of-sequence measurement: roll back, filter it and the later ones.
        Returns the NIS and dof of ``m``."""
        hist = tr.history
        k = bisect_right(hist, m.t_s, key=_time)
        base = hist[k - 1] if k > 0 else hist[0]
        later = [e.m for e in hist[max(k, 1):] if e.m is not None]
        new, t, lb, dof = self._refilter(base, [m, *later])
        first = (new[0].nis, dof)
        if k > 0:
            tr.history = hist[:k] + new
        else:
            # Before the earliest kept estimate: that estimate, predicted back and updated,
            # holds all it knew; the new entry becomes the base.
            tr.history = new
            tr.origin = new[0].xs[0, 0:3].copy()
        last = new[-1]
        tr.set_estimate(last.xs, last.Ps, last.mu, t)
        tr.last_boost_t = lb
        return first

    def _refilter(self, base: HistoryEntry, ms: list[Measurement]) -> tuple[list[HistoryEntry], float, float, int]:
        """Filter ``ms`` (time order) from ``base`` in one compiled loop (:func:`oosm_kernels.refilter`):
        the history entries after each, the final time, last boosting time, the first's dof."""
        n, kf, modes = len(ms), self.filter, self.modes
        K = base.xs.shape[0]
        z = np.empty((n, MAX_MEAS_DIM))
        R = np.empty((n, MAX_MEAS_DIM, MAX_MEAS_DIM))
        sp = np.empty((n, N_SENSOR))
        for i, mm in enumerate(ms):
            z[i], R[i], sp[i] = mm.kernel_inputs
        ts = np.array([mm.t_s for mm in ms])
        codes = np.array([mm.code for mm in ms], dtype=np.int64)
        xs, Ps, mu = base.xs.copy(), base.Ps.copy(), base.mu.copy()
        hxs, hPs, hmu = np.empty((n, K, N_STATE)), np.empty((n, K, N_STATE, N_STATE)), np.empty((n, K))
        hnis, dims, hlb = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n)
        t, lb = ok.refilter(xs, Ps, mu, base.t, base.last_boost_t, ts, z, R, codes, sp, kf.mps,
                            modes.chain.tau_table, modes.chain.window, modes.thrust, BOOST_PROBABILITY_THRESHOLD,
                            modes.settings.collapse_probability, kf.use_ukf, kf.ukf_params,
                            hxs, hPs, hmu, hnis, dims, hlb)
        new = [HistoryEntry(float(ts[i]), ms[i], hxs[i], hPs[i], hmu[i], float(hnis[i]), float(hlb[i]))
               for i in range(n)]
        return new, float(t), float(lb), int(dims[0])
