"""The out-of-sequence buffer: a measurement older than a track's latest update (an infrared
report arrives ~10 s late) is filtered exactly, by buffer and reprocess.

Each track keeps its estimates after every update for ``lag_s`` seconds. An older measurement
is gated against the estimate just before it; on update the track is rolled back to that
estimate and the measurement and every later one are filtered again in time order. Older than
``lag_s``: not associated with the track.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from missilewatch.errors import InputError
from missilewatch.tracking.filters import KalmanFilter
from missilewatch.tracking.measurements import Measurement
from missilewatch.tracking.modes import ModeKeeper
from missilewatch.tracking.track_state import HistoryEntry, TrackState


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
        xs, Ps, mu = base.xs.copy(), base.Ps.copy(), base.mu.copy()
        t, lb = base.t, base.last_boost_t
        new: list[HistoryEntry] = []
        first: tuple[float, int] = (math.nan, 0)
        for i, mm in enumerate([m, *later]):
            nis, d = self.filter.update_arrays(xs, Ps, mu, mm.t_s - t, mm, self.modes.tau_at(t, lb))
            t = mm.t_s
            lb = self.modes.boost_time(mu, t, lb)
            self.modes.collapse(mu, self.modes.tau_at(t, lb))
            new.append(HistoryEntry(t, mm, xs.copy(), Ps.copy(), mu.copy(), nis, lb))
            if i == 0:
                first = (nis, d)
        if k > 0:
            tr.history = hist[:k] + new
        else:
            # Before the earliest kept estimate: that estimate, predicted back and updated,
            # holds all it knew; the new entry becomes the base.
            tr.history = new
            tr.origin = new[0].xs[0, 0:3].copy()
        tr.set_estimate(xs, Ps, mu, t)
        tr.last_boost_t = lb
        return first
