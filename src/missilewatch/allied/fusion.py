"""Track-to-track fusion of the local tracks and the tracks partners send (state and
covariance of position and velocity, ECEF m and m/s).

- :func:`ci_fuse`: covariance intersection, P^-1 = w P1^-1 + (1 - w) P2^-1, x = P (w P1^-1 x1 +
  (1 - w) P2^-1 x2), with w in [0, 1] minimising det P (``scipy.optimize.minimize_scalar``).
  Consistent whatever the unknown correlation of the two estimates, so information two nodes
  share (the same measurement in both tracks) is not counted twice.
- :func:`t2t_distance`: both estimates predicted to a common time (the later one) with the
  tracker's ballistic filter, then the chi-square statistic of their difference, d^2 =
  dx' (P1 + P2)^-1 dx, 6 degrees of freedom (cross-covariance ignored: a conservative test).
  A track that may still be boosting (boost probability above 1 %) is predicted as the watch's
  tracker predicts its own (:func:`missilewatch.tracking.track_reports.predict_report`: its IMM
  of boost and ballistic flight), and the pair is tested on position only (3 degrees of
  freedom), allowing an unknown acceleration over the gap
  (:func:`missilewatch.tracking.track_reports.boost_allowance`): a tracker under thrust lags by
  more than its covariance says.
- :class:`FusedPicture`: the local tracks are the first clusters (a local track that fits
  another's cluster joins it: the watch's own duplicate); each partner's tracks are
  assigned to them (global nearest neighbour inside the gate, ``scipy.optimize.
  linear_sum_assignment``) or start clusters of their own; a cluster's fused estimate is the
  CI of its members at the latest member time, with the provenance of every member (node,
  track, sensors).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.optimize import linear_sum_assignment

from missilewatch.earth.frames import ecef2geodetic
from missilewatch.tracking.filters import KalmanFilter
from missilewatch.tracking.modes import ModeKeeper
from missilewatch.tracking.track_reports import (
    BOOSTING,
    association_statistic,
    ci_weight,
    gate_threshold,
    predict_report,
)


def ci_fuse(x1: np.ndarray, P1: np.ndarray, x2: np.ndarray, P2: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Covariance intersection of two estimates; returns (x, P, w), w from
    :func:`missilewatch.tracking.track_reports.ci_weight`."""
    x1, x2 = np.atleast_1d(np.asarray(x1, float)), np.atleast_1d(np.asarray(x2, float))
    P1, P2 = np.atleast_2d(np.asarray(P1, float)), np.atleast_2d(np.asarray(P2, float))
    w = ci_weight(P1, P2)
    I1, I2 = np.linalg.inv(P1), np.linalg.inv(P2)
    P = np.linalg.inv(w * I1 + (1.0 - w) * I2)
    x = P @ (w * I1 @ x1 + (1.0 - w) * I2 @ x2)
    return x, 0.5 * (P + P.T), w


@lru_cache(maxsize=1)
def _watch_imm() -> tuple[KalmanFilter, ModeKeeper]:
    """The filter of the watch's tracker and its mode keeper."""
    from missilewatch.pipeline.watch import WatchConfig  # here: the picture needs no watch until it fuses

    cfg = WatchConfig().tracker
    filt = cfg.make_filter()
    return filt, ModeKeeper(cfg.modes, filt)


def predict6(t_s: float, x6: np.ndarray, P6: np.ndarray, to_s: float,
             boost_probability: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity (and covariance) of a track estimate predicted from ``t_s`` to
    ``to_s``, as the watch's tracker would (:func:`missilewatch.tracking.track_reports.predict_report`)."""
    return predict_report(t_s, x6, P6, boost_probability, to_s, *_watch_imm())


def t2t_test(a: TrackEstimate, b: TrackEstimate) -> tuple[float, int]:
    """Chi-square statistic of two track estimates at their common (later) time, and its
    degrees of freedom (6; 3, position only, when either may be boosting)."""
    t = max(a.t_s, b.t_s)
    xa, Pa = predict6(a.t_s, a.x, a.P, t, a.boost_probability)
    xb, Pb = predict6(b.t_s, b.x, b.P, t, b.boost_probability)
    return association_statistic(xa, Pa, xb, Pb, a.boosting or b.boosting, a.t_s - b.t_s)


def t2t_distance(a: TrackEstimate, b: TrackEstimate) -> float:
    """The statistic of :func:`t2t_test` as a fraction of its gate (chi-square quantile
    :func:`~missilewatch.tracking.track_reports.gate_threshold`): associated when <= 1."""
    d2, k = t2t_test(a, b)
    return d2 / gate_threshold(k)


@dataclass(frozen=True)
class TrackEstimate:
    """One node's track: time (s from the picture's epoch), x (6,), P (6, 6), provenance."""

    node: str
    track: str
    t_s: float
    x: np.ndarray
    P: np.ndarray
    sensors: tuple[str, ...] = ()
    boost_probability: float = 0.0

    @property
    def boosting(self) -> bool:
        return self.boost_probability > BOOSTING

    @property
    def key(self) -> str:
        return f"{self.node}:{self.track}"


@dataclass
class FusedTrack:
    id: str
    t_s: float
    x: np.ndarray
    P: np.ndarray
    members: list[TrackEstimate] = field(default_factory=list)

    def to_dict(self, epoch: dt.datetime) -> dict:
        lat, lon, h = (float(v) for v in ecef2geodetic(*self.x[:3]))
        return {"id": self.id, "t_utc": (epoch + dt.timedelta(seconds=self.t_s)).isoformat(),
                "lat_deg": lat, "lon_deg": lon, "alt_km": h / 1e3, "r_ecef_m": [float(v) for v in self.x[:3]],
                "v_ecef_mps": [float(v) for v in self.x[3:6]],
                "sigma_pos_m": math.sqrt(max(float(np.trace(self.P[:3, :3])), 0.0)),
                "P_ecef": [[float(v) for v in row] for row in self.P],
                "provenance": [{"node": m.node, "track": m.track, "sensors": list(m.sensors)} for m in self.members]}


def fuse_members(members: list[TrackEstimate]) -> tuple[float, np.ndarray, np.ndarray, float]:
    """CI of the members, in order, at the latest member time; and the highest boost probability."""
    t = max(m.t_s for m in members)
    x, P = predict6(members[0].t_s, members[0].x, members[0].P, t, members[0].boost_probability)
    for m in members[1:]:
        xm, Pm = predict6(m.t_s, m.x, m.P, t, m.boost_probability)
        x, P, _ = ci_fuse(x, P, xm, Pm)
    return t, x, P, max(m.boost_probability for m in members)


class FusedPicture:
    """Local and received tracks (thread-safe); :meth:`fused` associates and fuses them."""

    def __init__(self, node: str, stale_s: float = 60.0) -> None:
        self.node, self.stale_s = node, stale_s
        self.epoch: dt.datetime | None = None
        self._tracks: dict[str, TrackEstimate] = {}
        self._ended: set[str] = set()
        self._lock = threading.Lock()
        self.gate = 1.0  # t2t_distance is in units of its gate

    def seconds(self, when: dt.datetime) -> float:
        if self.epoch is None:
            self.epoch = when.replace(second=0, microsecond=0)
        return (when - self.epoch).total_seconds()

    def apply(self, node: str, ev: dict) -> None:
        """A track event (``track.*``) of ``node`` (this node's or a partner's)."""
        kind, track, data = ev.get("kind", ""), ev.get("track"), ev.get("data") or {}
        if not kind.startswith("track.") or not track:
            return
        key = f"{node}:{track}"
        with self._lock:
            if kind == "track.deleted":
                self._ended.add(key)
                self._tracks.pop(key, None)
                return
            if not (data.get("confirmed") or data.get("launch_detected")) or not data.get("P_ecef") \
                    or key in self._ended:
                return
            t = self.seconds(dt.datetime.fromisoformat(data["t_utc"]))
            x = np.array(list(data["r_ecef_m"]) + list(data["v_ecef_mps"]), float)
            P = np.array(data["P_ecef"], float)
            if x.shape != (6,) or P.shape != (6, 6) or not (np.isfinite(x).all() and np.isfinite(P).all()):
                return
            self._tracks[key] = TrackEstimate(node, track, t, x, P, tuple(data.get("sensors") or ()),
                                              float(data.get("boost_probability") or 0.0))

    def fused(self) -> list[FusedTrack]:
        with self._lock:
            tracks = list(self._tracks.values())
        if not tracks:
            return []
        latest = max(t.t_s for t in tracks)
        live = [t for t in tracks if latest - t.t_s <= self.stale_s]
        # This node's own tracks first, newest first: one that fits a cluster already made joins
        # it (the watch's own duplicate of one missile, e.g. a track lost and started again).
        clusters: list[list[TrackEstimate]] = []
        for t in sorted((t for t in live if t.node == self.node), key=lambda t: -t.t_s):
            best: tuple[float, int] | None = None
            for j, c in enumerate(clusters):
                tc, xc, Pc, pb = fuse_members(c)
                d = t2t_distance(t, TrackEstimate("", "", tc, xc, Pc, (), pb))
                if d <= self.gate and (best is None or d < best[0]):
                    best = (d, j)
            if best is None:
                clusters.append([t])
            else:
                clusters[best[1]].append(t)
        for peer in sorted({t.node for t in live} - {self.node}):
            theirs = [t for t in live if t.node == peer]
            heads = [fuse_members(c) for c in clusters]
            used: set[int] = set()
            if heads:
                cost = np.full((len(theirs), len(heads)), 1e9)
                for i, t in enumerate(theirs):
                    for j, (tc, xc, Pc, pb) in enumerate(heads):
                        d = t2t_distance(t, TrackEstimate("", "", tc, xc, Pc, (), pb))
                        if d <= self.gate:
                            cost[i, j] = d
                rows, cols = linear_sum_assignment(cost)
                for i, j in zip(rows, cols, strict=True):
                    if cost[i, j] < 1e9:
                        clusters[j].append(theirs[i])
                        used.add(i)
            clusters.extend([t] for i, t in enumerate(theirs) if i not in used)
        out = []
        for c in clusters:
            tf, xf, Pf, _ = fuse_members(c)
            out.append(FusedTrack(f"F-{c[0].node}-{c[0].track}", tf, xf, Pf, c))
        return out

    def as_dicts(self) -> list[dict]:
        fused = self.fused()
        assert self.epoch is not None or not fused
        return [f.to_dict(self.epoch) for f in fused] if self.epoch else []
