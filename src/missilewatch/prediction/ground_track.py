"""The predicted ground track of a tracked object: where it has been, then its mean state flown
on to impact, ending at the predicted impact (for overflight and corridor assessment).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from missilewatch.earth.kernels import ecef_to_geodetic_v
from missilewatch.errors import InputError
from missilewatch.flight.propagate import ForceModel, propagate_to_impact
from missilewatch.geography.overflight import GroundTrack
from missilewatch.prediction.impact import ImpactPrediction
from missilewatch.tracking.models import I_LNB

#: The mean state is flown for at most this multiple of the predicted time to impact ...
FLY_ON_FACTOR = 2.0
#: ... and at least this long, s.
FLY_ON_MIN_S = 600.0
#: A predicted impact later than the flown mean's end by more than this (s) is appended as the
#: track's last point (a track still boosting falls beyond where its mean state would).
IMPACT_BEYOND_S = 1.0
#: Samples closer in time than this (s) are one.
SAME_TIME_S = 1e-6


#: Position lists whose arrays are kept (per thread), the most recent first out.
PAST_CACHE_SIZE = 64
_cache = threading.local()


class _Past:
    """The arrays of a growing list of (t_s, r_ecef) positions: times (n,) and positions (n, 3)."""

    def __init__(self, past: Sequence[tuple[float, np.ndarray]]) -> None:
        self.past = past  # held, so that its id is not reused while cached
        self.n = 0
        self.t = np.empty(max(16, len(past)))
        self.r = np.empty((self.t.size, 3))
        self.last: tuple[float, np.ndarray] | None = None

    def extend(self) -> None:
        new = self.past[self.n:]
        m = self.n + len(new)
        if m > self.t.size:
            size = max(m, 2 * self.t.size)
            self.t = np.concatenate([self.t[:self.n], np.empty(size - self.n)])
            self.r = np.concatenate([self.r[:self.n], np.empty((size - self.n, 3))])
        if new:
            self.t[self.n:m] = [t for t, _ in new]
            self.r[self.n:m] = np.array([r for _, r in new], dtype=float).reshape(-1, 3)
        self.n = m
        self.last = self.past[m - 1] if m else None


def _past_arrays(past: Sequence[tuple[float, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Times and positions of ``past`` as arrays; a list seen before (the watch's track log,
    which only grows) is converted from where it was left, not again from its start."""
    lists: dict[int, _Past] = getattr(_cache, "lists", None) or {}
    _cache.lists = lists
    got = lists.pop(id(past), None)
    if got is None or got.past is not past or len(past) < got.n or (got.n and past[got.n - 1] is not got.last):
        got = _Past(past)
    got.extend()
    lists[id(past)] = got
    while len(lists) > PAST_CACHE_SIZE:
        del lists[next(iter(lists))]
    return got.t[:got.n], got.r[:got.n]


def predicted_ground_track(past: Sequence[tuple[float, np.ndarray]], x: np.ndarray, t_s: float,
                           prediction: ImpactPrediction, step_s: float = 10.0) -> GroundTrack | None:
    """Ground track from past positions ``(t_s, r_ecef m)``, the state ``x`` (ECEF position,
    velocity, ..., ln beta at ``I_LNB``) at ``t_s`` flown on every ``step_s`` to impact
    (rotating Earth, J2, drag), and the prediction's impact; None when too short to be a track."""
    beta = float(np.exp(x[I_LNB]))
    fut = propagate_to_impact(x[:3], x[3:6], beta if np.isfinite(beta) and beta > 0 else np.inf, force=ForceModel(),
                              t0=t_s, t_max_s=max(prediction.time_to_impact_s * FLY_ON_FACTOR, FLY_ON_MIN_S),
                              dt_out_s=step_s)
    traj, n_samples = fut.trajectories, fut.n_samples
    assert traj is not None and n_samples is not None  # asked for with dt_out_s
    n = int(n_samples[0])
    t_fut = traj[0, :n, 0]
    t_past, r_past = _past_arrays(past)
    keep_past = t_past < t_fut[0] if n else slice(None)
    t = np.concatenate([t_past[keep_past], t_fut])
    r = np.vstack([r_past[keep_past], traj[0, :n, 1:4]])
    if fut.status[0] == 0:
        t = np.append(t, fut.t_impact_s[0])
        r = np.vstack([r, fut.r_impact[:1]])
    lat, lon, h = ecef_to_geodetic_v(r[:, 0].copy(), r[:, 1].copy(), r[:, 2].copy())
    lat, lon, alt = np.degrees(lat), np.degrees(lon), np.maximum(h / 1e3, 0.0)
    if prediction.t_impact_s > t[-1] + IMPACT_BEYOND_S:
        t = np.append(t, prediction.t_impact_s)
        lat = np.append(lat, prediction.impact_lat_deg)
        lon = np.append(lon, prediction.impact_lon_deg)
        alt = np.append(alt, 0.0)
    order = np.argsort(t, kind="stable")
    t, lat, lon, alt = t[order], lat[order], lon[order], alt[order]
    keep = np.concatenate([[True], np.diff(t) > SAME_TIME_S])
    try:
        return GroundTrack.from_arrays(t[keep], lat[keep], lon[keep], alt[keep])
    except InputError:
        return None
