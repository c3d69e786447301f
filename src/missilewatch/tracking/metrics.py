"""Metrics of tracks against truth: RMSE, NEES and NIS with chi-square bounds, GOSPA, track
swaps and breaks.

Truth is any object with ``object_id``, ``t_s`` (K,), ``r_ecef`` and ``v_ecef`` (K, 3) (the
simulator's ``TruthObject``, the sensors' ``TargetTruth``), interpolated by cubic Hermite
splines (:class:`Truth`). Track estimates come from the tracker's events.

GOSPA (Rahmathullah, Garcia-Fernandez, Svensson, "Generalized optimal sub-pattern assignment
metric", FUSION 2017) with alpha = 2: for truth positions X and estimates Y,
GOSPA^p = min over assignments of sum d(x, y)^p (pairs closer than c) + c^p / 2 (missed +
false), decomposed into localisation, missed and false parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.interpolate import CubicHermiteSpline
from scipy.optimize import linear_sum_assignment

from missilewatch.errors import InputError
from missilewatch.tracking import metrics_kernels as mk
from missilewatch.tracking.association import chi2_quantile
from missilewatch.tracking.filters import KalmanFilter
from missilewatch.tracking.tracker import TrackEvent, TrackSnapshot


@dataclass(frozen=True)
class Truth:
    """One object's true flight: times (K,) s, ECEF positions and velocities (K, 3)."""

    object_id: str
    t_s: np.ndarray
    r_ecef: np.ndarray
    v_ecef: np.ndarray

    @classmethod
    def of(cls, obj) -> Truth:
        """From any object with object_id, t_s, r_ecef, v_ecef (duplicate times dropped)."""
        t = np.asarray(obj.t_s, float)
        keep = np.concatenate([[True], np.diff(t) > 0])
        return cls(str(obj.object_id), t[keep], np.asarray(obj.r_ecef, float)[keep],
                   np.asarray(obj.v_ecef, float)[keep])

    @cached_property
    def _spline(self) -> CubicHermiteSpline:
        return CubicHermiteSpline(self.t_s, self.r_ecef, self.v_ecef, axis=0)

    @cached_property
    def _velocity(self):
        return self._spline.derivative()

    def alive(self, t: float) -> bool:
        return bool(self.t_s[0] <= t <= self.t_s[-1])

    def state_at(self, t, *, with_velocity: bool = True) -> np.ndarray:
        """ECEF [r, v] (6,) (or (N, 6) for an array of times) at ``t``; NaN outside the flight
        (and in the velocity columns when ``with_velocity`` is false)."""
        ts = np.atleast_1d(np.asarray(t, float))
        out = np.full((ts.size, 6), np.nan)
        inside = (ts >= self.t_s[0]) & (ts <= self.t_s[-1])
        if inside.any():
            out[inside, :3] = self._spline(ts[inside])
            if with_velocity:
                out[inside, 3:] = self._velocity(ts[inside])
        return out[0] if np.ndim(t) == 0 else out


# ---------------------------------------------------------------------------------------
# Consistency
# ---------------------------------------------------------------------------------------


def nees(x_est: np.ndarray, P: np.ndarray, x_true: np.ndarray) -> np.ndarray:
    """Normalised estimation error squared e' P^-1 e per row: x (N, n), P (N, n, n)."""
    e = np.atleast_2d(np.asarray(x_est, float) - np.asarray(x_true, float))
    P = np.asarray(P, float).reshape(e.shape[0], e.shape[1], e.shape[1])
    return np.einsum("ni,ni->n", e, np.linalg.solve(P, e[..., None])[..., 0])


def chi2_interval(dof: int, n_runs: int = 1, probability: float = 0.95) -> tuple[float, float]:
    """Two-sided interval of the average of ``n_runs`` independent chi-square(``dof``) values.

    The sum of n_runs NEES values of a consistent filter is chi-square(n_runs * dof), so the
    average falls inside with ``probability`` (Bar-Shalom, Li, Kirubarajan 2001, 5.4.2).
    """
    if dof < 1 or n_runs < 1:
        raise InputError("dof/n_runs", (dof, n_runs), "must be >= 1")
    if not 0 < probability < 1:
        raise InputError("probability", probability, "must be in (0, 1)")
    a = (1.0 - probability) / 2.0
    k = dof * n_runs
    return chi2_quantile(a, k) / n_runs, chi2_quantile(1.0 - a, k) / n_runs


def rmse(errors: np.ndarray) -> float:
    """Root mean square of the Euclidean norms of error vectors (N, d)."""
    e = np.atleast_2d(np.asarray(errors, float))
    if e.size == 0:
        return math.nan
    return float(np.sqrt(np.mean(np.sum(e * e, axis=1))))


# ---------------------------------------------------------------------------------------
# GOSPA
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gospa:
    """GOSPA distance and its parts (each a p-th power sum, so distance^p = sum of parts)."""

    distance: float
    localisation: float
    missed: float
    false: float
    pairs: tuple[tuple[int, int], ...]

    @property
    def n_missed(self) -> int:
        return int(round(self.missed))

    @property
    def n_false(self) -> int:
        return int(round(self.false))


def gospa(truth: np.ndarray, estimates: np.ndarray, c: float, p: float = 2.0) -> Gospa:
    """GOSPA (alpha = 2) between truth points (n, d) and estimated points (m, d).

    ``c`` cut-off distance (same unit as the points), ``p`` >= 1. ``missed`` and ``false``: the
    numbers of missed truths and false estimates; ``localisation``: the sum of d^p over the
    assigned pairs; distance = (localisation + c^p/2 (missed + false))^(1/p).
    ``pairs``: (truth index, estimate index) assigned and closer than c.
    """
    if not c > 0 or not p >= 1:
        raise InputError("c/p", (c, p), "need c > 0 and p >= 1")
    X = np.asarray(truth, float).reshape(-1, np.shape(truth)[-1] if np.size(truth) else 1)
    Y = np.asarray(estimates, float).reshape(-1, np.shape(estimates)[-1] if np.size(estimates) else 1)
    n, m = X.shape[0], Y.shape[0]
    pairs: list[tuple[int, int]] = []
    loc = 0.0
    if n and m:
        d = np.linalg.norm(X[:, None, :] - Y[None, :, :], axis=2)
        cost = np.minimum(d, c) ** p
        rows, cols = linear_sum_assignment(cost)
        for r, k in zip(rows, cols, strict=False):
            if d[r, k] < c:
                pairs.append((int(r), int(k)))
                loc += float(d[r, k] ** p)
    missed = n - len(pairs)
    false = m - len(pairs)
    dist = (loc + (c**p / 2.0) * (missed + false)) ** (1.0 / p)
    return Gospa(float(dist), loc, float(missed), float(false), tuple(pairs))


# ---------------------------------------------------------------------------------------
# Evaluation of a tracker run
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateRecord:
    """One update of a confirmed track matched to a truth object."""

    t_s: float
    track_id: int
    object_id: str
    position_error_m: float
    velocity_error_mps: float
    nees: float
    nis: float
    nis_dof: int


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a tracker run against truth (SI units).

    ``updates``: per update of a confirmed track (matched to the nearest truth within
    ``match_distance_m``). ``gospa_t_s``/``gospa_m``: GOSPA of the confirmed tracks' positions
    every grid step. ``swaps``: times a track moved from one object to another; ``breaks``:
    times an object's track identity changed; both from the per-step assignments.
    """

    updates: tuple[UpdateRecord, ...]
    gospa_t_s: np.ndarray
    gospa_m: np.ndarray
    gospa_missed: np.ndarray
    gospa_false: np.ndarray
    swaps: int
    breaks: int
    tracks_per_object: dict[str, tuple[int, ...]]
    false_tracks: tuple[int, ...]

    @property
    def position_rmse_m(self) -> float:
        return rmse(np.array([[u.position_error_m] for u in self.updates]))

    @property
    def velocity_rmse_mps(self) -> float:
        return rmse(np.array([[u.velocity_error_mps] for u in self.updates]))

    @property
    def mean_nees(self) -> float:
        v = np.array([u.nees for u in self.updates])
        return float(v.mean()) if v.size else math.nan

    @property
    def mean_normalised_nis(self) -> float:
        """Mean of NIS / dof (1 for a consistent filter)."""
        v = np.array([u.nis / u.nis_dof for u in self.updates if u.nis_dof > 0 and math.isfinite(u.nis)])
        return float(v.mean()) if v.size else math.nan

    def nees_fraction_inside(self, probability: float = 0.95, dof: int = 6) -> float:
        """Fraction of single NEES values inside their two-sided chi-square interval."""
        lo, hi = chi2_interval(dof, 1, probability)
        v = np.array([u.nees for u in self.updates])
        return float(np.mean((v >= lo) & (v <= hi))) if v.size else math.nan

    def summary(self) -> dict:
        g = self.gospa_m[np.isfinite(self.gospa_m)]
        return {
            "updates": len(self.updates),
            "position_rmse_m": self.position_rmse_m,
            "velocity_rmse_mps": self.velocity_rmse_mps,
            "mean_nees": self.mean_nees,
            "mean_nis_per_dof": self.mean_normalised_nis,
            "mean_gospa_m": float(g.mean()) if g.size else math.nan,
            "swaps": self.swaps,
            "breaks": self.breaks,
            "false_tracks": len(self.false_tracks),
            "tracks_per_object": {k: list(v) for k, v in self.tracks_per_object.items()},
        }


def _update_records(events: list[TrackEvent], truths: list[Truth], limit: float) -> list[UpdateRecord]:
    """One record per update of a confirmed track matched to the nearest truth within ``limit``
    (the first truth of equal distance). Truth is interpolated at all update times at once."""
    ups = [e for e in events if e.kind == "updated" and e.track.confirmed and e.nis_dof != 0]
    if not ups or not truths:
        return []
    t = np.array([e.track.state.t_s for e in ups])
    x = np.array([e.track.state.x[:6] for e in ups])
    P = np.array([e.track.state.P[:6, :6] for e in ups])
    states = np.stack([tr.state_at(t) for tr in truths])  # (n_truth, N, 6), NaN when not alive
    d = np.linalg.norm(states[:, :, :3] - x[None, :, :3], axis=2)
    d = np.where(np.isfinite(d) & (d <= limit), d, np.inf)
    best = np.argmin(d, axis=0)
    rows = np.flatnonzero(np.isfinite(d[best, np.arange(t.size)]))
    s = states[best[rows], rows]
    err = x[rows] - s
    q = nees(x[rows], P[rows], s)
    pos = np.linalg.norm(err[:, :3], axis=1)
    vel = np.linalg.norm(err[:, 3:6], axis=1)
    return [UpdateRecord(float(t[r]), ups[r].track_id, truths[best[r]].object_id, float(pos[k]),
                         float(vel[k]), float(q[k]), ups[r].nis, ups[r].nis_dof)
            for k, r in enumerate(rows)]


def _grid_estimates(f: KalmanFilter, snaps: list[TrackSnapshot], rows: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """ECEF positions (R, 3) of ``snaps[rows[i]]`` predicted with ``f`` to ``t_s[i]``."""
    if rows.size == 0:
        return np.empty((0, 3))
    if f.use_ukf:  # the UKF's mean needs its sigma points: one call per row
        return np.array([f.predict_mean(snaps[r].state, t)[:3] for r, t in zip(rows, t_s, strict=True)])
    X = np.ascontiguousarray(np.array([s.state.x for s in snaps], dtype=float))
    dt = np.ascontiguousarray(t_s - np.array([s.state.t_s for s in snaps])[rows])
    order = np.lexsort((dt, rows))  # each snapshot's rows together, by growing time
    out = np.empty((rows.size, X.shape[1]))
    mk.predict_means(X, np.ascontiguousarray(rows[order]), np.ascontiguousarray(dt[order]),
                     np.full(f.n_models, 1.0 / f.n_models), f.mps, f.tau, out)
    est = np.empty((rows.size, 3))
    est[order] = out[:, :3]
    return est


def _grid_gospa(truth_pos: np.ndarray, truth_alive: np.ndarray, est: np.ndarray, est_gi: np.ndarray, c: float,
                p: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, tuple]]]:
    """GOSPA at every grid time: truths ``truth_pos`` (n_truth, G, 3) where ``truth_alive``,
    estimates ``est`` (R, 3) at grid indices ``est_gi`` (sorted). Returns distance, missed and
    false (G,) and, for the times with assigned pairs, (grid index, ((truth, estimate row), ...)),
    truths indexed as in ``truth_pos``, estimates as in ``est``.

    A time with at most one truth and one estimate is worked out in closed form, all at once;
    the others go through :func:`gospa` (the optimal assignment)."""
    G = truth_alive.shape[1]
    n = truth_alive.sum(0)
    m = np.bincount(est_gi, minlength=G)
    first = np.concatenate([[0], np.cumsum(m)[:-1]])
    dist = np.empty(G)
    missed = np.empty(G)
    false = np.empty(G)
    pairs: list[tuple[int, tuple]] = []
    simple = (n <= 1) & (m <= 1)
    both = np.flatnonzero(simple & (n == 1) & (m == 1))
    X = truth_pos[np.argmax(truth_alive[:, both], axis=0), both] if both.size else np.empty((0, 3))
    d = np.linalg.norm(X - est[first[both]], axis=1)
    paired = d < c
    loc = np.zeros(G)
    hit = np.zeros(G, dtype=bool)
    loc[both[paired]] = d[paired] ** p
    hit[both[paired]] = True
    missed[simple] = n[simple] - hit[simple]
    false[simple] = m[simple] - hit[simple]
    dist[simple] = (loc[simple] + (c**p / 2.0) * (missed[simple] + false[simple])) ** (1.0 / p)
    ti = np.argmax(truth_alive[:, both[paired]], axis=0) if both.size else np.empty(0, dtype=np.int64)
    for gi, t, row in zip(both[paired].tolist(), ti.tolist(), first[both[paired]].tolist(), strict=True):
        pairs.append((gi, ((t, row),)))
    for gi in np.flatnonzero(~simple):
        g = gospa(truth_pos[truth_alive[:, gi], gi].reshape(-1, 3), est[first[gi]:first[gi] + m[gi]], c, p)
        dist[gi], missed[gi], false[gi] = g.distance, g.missed, g.false
        if g.pairs:
            alive = np.flatnonzero(truth_alive[:, gi])
            pairs.append((int(gi), tuple((int(alive[t]), int(first[gi] + e)) for t, e in g.pairs)))
    pairs.sort(key=lambda gp: gp[0])
    return dist, missed, false, pairs


def _grid_rows(events: list[TrackEvent], grid: np.ndarray
               ) -> tuple[list[int], list[int], list[int], list[TrackSnapshot], set[int]]:
    """Which snapshot of which confirmed track is the latest at each grid time (s): rows in grid
    order, tracks by id within a time, as (grid index, track id, snapshot index) per row; the
    snapshots; and the ids of every track ever confirmed."""
    # An estimate is known from its state's time (an out-of-sequence update's event time is
    # earlier than the state it reports).
    by_time = sorted(events, key=lambda e: e.t_s if e.kind == "deleted" else max(e.t_s, e.track.t_s))
    latest: dict[int, TrackSnapshot] = {}
    k = 0
    confirmed_ids: set[int] = set()
    row_gi: list[int] = []
    row_tid: list[int] = []
    row_snap: list[int] = []
    snaps: list[TrackSnapshot] = []
    snap_index: dict[int, int] = {}
    for gi, tg in enumerate(grid):
        while k < len(by_time) and (by_time[k].t_s if by_time[k].kind == "deleted"
                                    else max(by_time[k].t_s, by_time[k].track.t_s)) <= tg:
            e = by_time[k]
            if e.kind == "deleted":
                latest.pop(e.track_id, None)
            elif e.track.confirmed:
                confirmed_ids.add(e.track_id)
                prev = latest.get(e.track_id)
                if prev is None or e.track.state.t_s >= prev.state.t_s:
                    latest[e.track_id] = e.track
                    snap_index[id(e.track)] = len(snaps)
                    snaps.append(e.track)
            k += 1
        for i in sorted(latest):
            row_gi.append(gi)
            row_tid.append(i)
            row_snap.append(snap_index[id(latest[i])])
    return row_gi, row_tid, row_snap, snaps, confirmed_ids


def _matches(pairs, object_ids: list[str], row_tid: list[int]
             ) -> tuple[int, int, dict[str, list[int]], set[int]]:
    """Swaps, breaks, the tracks of each truth object and the tracks ever matched, from the
    GOSPA assignment's (truth index, row) pairs per grid step."""
    track_truth: dict[int, str] = {}
    truth_track: dict[str, int] = {}
    swaps = breaks = 0
    per_object: dict[str, list[int]] = {oid: [] for oid in object_ids}
    matched_tracks: set[int] = set()
    for _gi, step_pairs in pairs:
        for ti, row in step_pairs:
            oid, tid = object_ids[ti], row_tid[row]
            matched_tracks.add(tid)
            if tid in track_truth and track_truth[tid] != oid:
                swaps += 1
            if oid in truth_track and truth_track[oid] != tid:
                breaks += 1
            track_truth[tid] = oid
            truth_track[oid] = tid
            if tid not in per_object[oid]:
                per_object[oid].append(tid)
    return swaps, breaks, per_object, matched_tracks


def evaluate(
    events: Iterable[TrackEvent],
    truths: Iterable,
    *,
    filter: KalmanFilter | None = None,
    grid_dt_s: float = 1.0,
    gospa_c_m: float = 20_000.0,
    match_distance_m: float = 20_000.0,
) -> Evaluation:
    """Metrics of a tracker run (its events, in order) against truth objects.

    Between updates a confirmed track's estimate is predicted with ``filter`` (default: the
    tracker's default filter) to the grid times.
    """
    from missilewatch.tracking.tracker import TrackerConfig

    f = filter or TrackerConfig().make_filter()
    truths = [t if isinstance(t, Truth) else Truth.of(t) for t in truths]
    events = list(events)
    records = _update_records(events, truths, match_distance_m)
    # Grid: latest snapshot of each confirmed, alive track, predicted.
    if not events:
        empty = np.empty(0)
        return Evaluation(tuple(records), empty, empty, empty, empty, 0, 0, {}, ())
    t0 = min(min(t.t_s[0] for t in truths), min(e.t_s for e in events)) if truths else min(e.t_s for e in events)
    t1 = max(max(t.t_s[-1] for t in truths), max(e.t_s for e in events)) if truths else max(e.t_s for e in events)
    grid = np.arange(math.ceil(t0), t1 + 1e-9, grid_dt_s)
    truth_pos = np.stack([t.state_at(grid, with_velocity=False)[:, :3] for t in truths]) \
        if truths else np.empty((0, grid.size, 3))
    truth_alive = np.isfinite(truth_pos[:, :, 0])
    row_gi, row_tid, row_snap, snaps, confirmed_ids = _grid_rows(events, grid)
    gi_arr = np.array(row_gi, dtype=np.int64)
    est = _grid_estimates(f, snaps, np.array(row_snap, dtype=np.int64), grid[gi_arr])
    g_d, g_m, g_f, pairs = _grid_gospa(truth_pos, truth_alive, est, gi_arr, gospa_c_m)
    swaps, breaks, per_object, matched_tracks = _matches(pairs, [t.object_id for t in truths], row_tid)
    false_tracks = tuple(sorted(confirmed_ids - matched_tracks))
    return Evaluation(tuple(records), grid, g_d, g_m, g_f, swaps, breaks,
                      {k2: tuple(v) for k2, v in per_object.items()}, false_tracks)
