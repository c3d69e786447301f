"""The multi-target tracker: scans in, track events out.

``Tracker.process(measurements)`` takes one measurement, a list, or a sensors
``MeasurementStream`` (in stream order: report time, then time of validity) and returns a
:class:`TrackerOutput`: the events of that call (initiated, confirmed, updated, deleted) and
the tracks alive after it. Inside, measurements are taken scan by scan (same sensor, same time
of validity):

1. gating of every measurement against every track predicted to the scan time (IMM
   mode-mixed prediction; chi-square gate of the measurement's dimension);
2. global nearest neighbour assignment (``association.gnn``);
3. the filter update of each assigned track. A measurement older than a track's latest update
   (an infrared report arrives ~10 s late) is an out-of-sequence measurement: the track is
   rolled back to its estimate just before it (kept for ``oosm_lag_s``) and the measurement
   and every later one are filtered again in time order (buffer and reprocess: exact);
4. initiation from unassociated detections (radar two-point, infrared launch detection);
5. M-of-N confirmation of tentative tracks: M hits among the first N scans of the sensors that
   have detected the track (a scan is seen when its sensor reports anything at that time);
   confirmation waits while the track's position is within the merge gate of a confirmed
   track (a duplicate about to be merged, e.g. radar detections of a missile whose infrared
   track has not yet seen its burnout);
6. after the call: merging of duplicate tracks of one object, deletion of tracks that were not
   confirmed, that coasted too long, that became too uncertain, or that reached the ground.

Several sensors are fused by updating each track with each assigned measurement in time
order (sequential updates; out-of-order ones by reprocessing).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import chi2

from missilewatch.earth.kernels import geodetic_height
from missilewatch.errors import InputError
from missilewatch.tracking import filter_kernels as fk
from missilewatch.tracking.association import gate_threshold, gnn
from missilewatch.tracking.filters import KalmanFilter, boost_ballistic_imm
from missilewatch.tracking.initiation import (
    InitiationConfig,
    Seed,
    best_partner,
    launch_detection,
    seed,
)
from missilewatch.tracking.measurements import Measurement, from_stream, scans
from missilewatch.tracking.models import N_STATE, GaussianState, MotionModel, ballistic_model, boost_model

TENTATIVE = "tentative"
CONFIRMED = "confirmed"
EVENT_KINDS = ("initiated", "confirmed", "updated", "deleted")


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings (SI units).

    ``filter_kind``: "ekf" or "ukf"; ``imm``: boost/ballistic IMM (else the ballistic model
    alone). Gates hold a measurement of the track with ``gate_probability``. Confirmation: M
    hits among the first N scans. Deletion: tentative tracks without an update for
    ``tentative_timeout_s``; confirmed tracks after ``coast_boost_s`` without update while
    more likely boosting than not; a ballistic track coasts through coverage gaps (a lofted
    ICBM is out of every radar's sight for most of its hour of flight) until it has certainly
    impacted, its predicted position ``impact_sigmas`` standard deviations (along the local
    vertical) under the ground, or until its position standard deviation (largest axis)
    exceeds ``max_position_sigma_m``; ``coast_ballistic_s`` optionally caps that coast (no
    cap by default).
    Restarts: within ``restart_window_s`` of the last time a track was more likely boosting
    than not, the IMM may go back from ballistic to boost (a stage igniting after staging or
    a coast between stages), with mean ballistic sojourn ``restart_sojourn_s``; the boost
    model takes the estimate with its ignition prior on the thrust acceleration. After that
    window a ballistic track stays ballistic.
    Out-of-sequence measurements up to ``oosm_lag_s`` old are reprocessed. Two tracks whose
    position and velocity agree within the chi-square ``merge_probability`` are merged; a
    tentative track whose position agrees with a confirmed one's within the chi-square
    ``duplicate_probability`` is not confirmed yet.
    """

    filter_kind: str = "ekf"
    imm: bool = True
    ballistic: MotionModel = field(default_factory=ballistic_model)
    boost: MotionModel = field(default_factory=boost_model)
    gate_probability: float = 0.9999
    gate_mode_probability: float = 0.01
    collapse_probability: float = 1e-6
    confirm_m: int = 4
    confirm_n: int = 6
    tentative_timeout_s: float = 8.0
    coast_boost_s: float = 30.0
    coast_ballistic_s: float = math.inf
    impact_sigmas: float = 3.0
    restart_window_s: float = 60.0
    restart_sojourn_s: float = 300.0
    max_position_sigma_m: float = 100_000.0
    oosm_lag_s: float = 30.0
    merge_probability: float = 0.999
    duplicate_probability: float = 0.99999
    radar_boost_probability: float = 0.5
    infrared_boost_probability: float = 0.95
    initiation: InitiationConfig = field(default_factory=InitiationConfig)

    def __post_init__(self) -> None:
        if not 1 <= self.confirm_m <= self.confirm_n:
            raise InputError("confirm_m", self.confirm_m, f"must be in [1, confirm_n={self.confirm_n}]")
        if not 0 < self.gate_probability < 1:
            raise InputError("gate_probability", self.gate_probability, "must be in (0, 1)")
        for name in ("merge_probability", "duplicate_probability"):
            if not 0 < getattr(self, name) < 1:
                raise InputError(name, getattr(self, name), "must be in (0, 1)")
        for name in ("tentative_timeout_s", "coast_boost_s", "coast_ballistic_s",
                     "max_position_sigma_m", "restart_sojourn_s"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be > 0")
        for name in ("impact_sigmas", "restart_window_s"):
            if not (getattr(self, name) >= 0 and math.isfinite(getattr(self, name))):
                raise InputError(name, getattr(self, name), "must be a finite number >= 0")
        if not self.oosm_lag_s >= 0:
            raise InputError("oosm_lag_s", self.oosm_lag_s, "must be >= 0 s")
        for name in ("radar_boost_probability", "infrared_boost_probability"):
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(name, getattr(self, name), "must be in [0, 1]")

    def make_filter(self) -> KalmanFilter:
        if self.imm:
            return boost_ballistic_imm(self.filter_kind, self.ballistic, self.boost)
        return KalmanFilter((self.ballistic,), self.filter_kind)


@dataclass(frozen=True)
class TrackSnapshot:
    """A track as it stands: combined estimate, model probabilities and bookkeeping.

    ``origin_ecef``: the track's earliest position estimate (the launch-point end of the
    track); ``launch_detected``: initiated from an infrared launch detection.
    """

    track_id: int
    status: str
    state: GaussianState
    mode_probabilities: np.ndarray
    boost_probability: float
    n_updates: int
    sensors: tuple[str, ...]
    born_t_s: float
    confirmed_t_s: float | None
    last_update_t_s: float
    origin_ecef: np.ndarray
    launch_detected: bool

    @property
    def t_s(self) -> float:
        return self.state.t_s

    @property
    def confirmed(self) -> bool:
        return self.status == CONFIRMED


@dataclass(frozen=True)
class TrackEvent:
    """Something that happened to a track: ``kind`` in EVENT_KINDS, at time ``t_s`` (of the
    measurement, or the tracker clock for deletions), the track as it then stood, why (for
    deletions), and for updates the measurement's ``seq``, its NIS and degrees of freedom."""

    kind: str
    track_id: int
    t_s: float
    track: TrackSnapshot
    reason: str = ""
    measurement_seq: int = -1
    sensor_id: str = ""
    nis: float = math.nan
    nis_dof: int = 0


@dataclass(frozen=True)
class TrackerOutput:
    """Events of one ``process`` call and the tracks alive after it."""

    events: tuple[TrackEvent, ...]
    tracks: tuple[TrackSnapshot, ...]

    @property
    def confirmed(self) -> tuple[TrackSnapshot, ...]:
        return tuple(t for t in self.tracks if t.confirmed)


@dataclass
class _Entry:
    """One filtered measurement of a track (``m`` None: the initial estimate) and the
    estimate after it."""

    t: float
    m: Measurement | None
    xs: np.ndarray
    Ps: np.ndarray
    mu: np.ndarray
    nis: float = math.nan
    last_boost_t: float = -math.inf


@dataclass
class _Track:
    id: int
    status: str
    xs: np.ndarray
    Ps: np.ndarray
    mu: np.ndarray
    t: float
    born_t: float
    history: list[_Entry]
    opportunities: list[bool]
    sensors: set[str]
    last_update_t: float
    last_report_t: float
    origin: np.ndarray
    launch_detected: bool
    n_updates: int = 0
    confirmed_t: float | None = None
    last_boost_t: float = -math.inf


@dataclass
class TrackerStats:
    """Counters over the tracker's life."""

    measurements: int = 0
    scans: int = 0
    associated: int = 0
    out_of_sequence: int = 0
    unassociated: int = 0
    initiated: int = 0
    confirmed: int = 0
    deleted: int = 0
    merged: int = 0
    unusable: int = 0


class Tracker:
    """Multi-target tracker (see the module docstring)."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self.filter = self.config.make_filter()
        self._tracks: list[_Track] = []
        self._pool: list[Seed] = []
        self._next_id = 1
        self.clock = -math.inf
        self.report_clock = -math.inf
        self.stats = TrackerStats()
        self._thrust = self.filter.thrust_models
        self._merge_gate = float(chi2.ppf(self.config.merge_probability, 6))
        # Mean sojourn times while a restart (ballistic -> boost) is possible.
        self._restart_tau = np.where(self._thrust, self.filter.tau, self.config.restart_sojourn_s)
        self._near_gate = float(chi2.ppf(self.config.duplicate_probability, 3))

    # -- public ----------------------------------------------------------------------------

    @property
    def tracks(self) -> tuple[TrackSnapshot, ...]:
        """Snapshots of the tracks alive now."""
        return tuple(self._snapshot(t) for t in self._tracks)

    def process(self, measurements) -> TrackerOutput:
        """Process one measurement, an iterable of them, or a ``MeasurementStream``."""
        ms = self._as_list(measurements)
        events: list[TrackEvent] = []
        for scan in scans(ms):
            self._process_scan(scan, events)
        self._maintain(events)
        return TrackerOutput(tuple(events), self.tracks)

    def advance(self, t_s: float) -> TrackerOutput:
        """Move the tracker's clock to ``t_s`` (s from the epoch) without a measurement, e.g.
        from a replay's wall clock, and delete the tracks that have landed or been lost."""
        if not np.isfinite(t_s):
            raise InputError("t_s", t_s, "must be finite")
        self.clock = max(self.clock, float(t_s))
        self.report_clock = max(self.report_clock, float(t_s))
        events: list[TrackEvent] = []
        self._maintain(events)
        return TrackerOutput(tuple(events), self.tracks)

    # -- input -----------------------------------------------------------------------------

    @staticmethod
    def _as_list(measurements) -> list[Measurement]:
        if isinstance(measurements, Measurement):
            return [measurements]
        if hasattr(measurements, "mtype") or hasattr(measurements, "stream"):
            return from_stream(measurements)
        out = list(measurements)
        for i, m in enumerate(out):
            if not isinstance(m, Measurement):
                raise InputError(f"measurements[{i}]", type(m).__name__, "must be a tracking.Measurement")
        return out

    # -- one scan --------------------------------------------------------------------------

    def _process_scan(self, scan: list[Measurement], events: list[TrackEvent]) -> None:
        t = scan[0].t_s
        self.clock = max(self.clock, t)
        self.report_clock = max(self.report_clock, max(m.t_report_s for m in scan))
        self.stats.scans += 1
        self.stats.measurements += len(scan)
        cfg = self.config
        refs = []
        for tr in self._tracks:
            ref = self._reference(tr, t)
            if ref is not None:
                refs.append((tr, ref))
        assigned: dict[int, _Track] = {}
        if refs:
            K = self.filter.n_models
            T, M = len(refs), len(scan)
            xs = np.empty((T, K, N_STATE))
            Ps = np.empty((T, K, N_STATE, N_STATE))
            mu = np.empty((T, K))
            tt = np.empty(T)
            taus = np.empty((T, K))
            for i, (_tr, e) in enumerate(refs):
                xs[i], Ps[i], mu[i], tt[i] = e.xs, e.Ps, e.mu, e.t
                taus[i] = self._tau(e.t, e.last_boost_t)
            z = np.zeros((M, 4))
            R = np.zeros((M, 4, 4))
            for j, m in enumerate(scan):
                z[j], R[j] = m.padded()
            codes = np.array([m.code for m in scan], dtype=np.int64)
            sp = np.array([m.sensor_vector for m in scan])
            d2 = np.empty((T, M))
            cost = np.empty((T, M))
            fk.gate_matrix(xs, Ps, mu, tt, t, self.filter.mps, taus, self.filter.use_ukf,
                           self.filter.ukf_params, z, R, codes, sp, cfg.gate_mode_probability, d2, cost)
            thr = np.array([gate_threshold(m.dim, cfg.gate_probability) for m in scan])
            for ti, mi in gnn(d2, cost, thr):
                assigned[mi] = refs[ti][0]
        for mi, tr in assigned.items():
            self._update(tr, scan[mi], events)
        # M-of-N bookkeeping: a scan of a sensor that has seen a tentative track, without it.
        sensor = scan[0].sensor_id
        hit = {id(tr) for tr in assigned.values()}
        for tr in self._tracks:
            if tr.status == TENTATIVE and id(tr) not in hit and sensor in tr.sensors and t > tr.born_t:
                if len(tr.opportunities) < cfg.confirm_n:
                    tr.opportunities.append(False)
        for mi, m in enumerate(scan):
            if mi not in assigned:
                self.stats.unassociated += 1
                self._initiate(m, events)

    def _reference(self, tr: _Track, t: float) -> _Entry | None:
        """The estimate a measurement at ``t`` is gated against (None: too old)."""
        if t >= tr.t:
            return _Entry(tr.t, None, tr.xs, tr.Ps, tr.mu, math.nan, tr.last_boost_t)
        if t < tr.t - self.config.oosm_lag_s:
            return None
        hist = tr.history
        k = bisect_right([e.t for e in hist], t)
        return hist[k - 1] if k > 0 else hist[0]

    def _update(self, tr: _Track, m: Measurement, events: list[TrackEvent]) -> None:
        f = self.filter
        z, R = m.padded()
        sp = m.sensor_vector
        if m.t_s >= tr.t:
            tau = self._tau(tr.t, tr.last_boost_t)
            nis, d = fk.imm_step(tr.xs, tr.Ps, tr.mu, m.t_s - tr.t, z, R, m.code, sp, f.mps, tau,
                                 f.use_ukf, f.ukf_params)
            tr.t = m.t_s
            tr.last_boost_t = self._boost_time(tr.mu, m.t_s, tr.last_boost_t)
            self._collapse(tr.mu, self._tau(tr.t, tr.last_boost_t))
            tr.history.append(_Entry(m.t_s, m, tr.xs.copy(), tr.Ps.copy(), tr.mu.copy(), nis,
                                     tr.last_boost_t))
        else:
            nis, d = self._reprocess(tr, m)
            self.stats.out_of_sequence += 1
        self._trim(tr)
        self.stats.associated += 1
        tr.n_updates += 1
        tr.sensors.add(m.sensor_id)
        tr.last_update_t = max(tr.last_update_t, m.t_s)
        tr.last_report_t = max(tr.last_report_t, m.t_report_s)
        if tr.status == TENTATIVE and len(tr.opportunities) < self.config.confirm_n:
            tr.opportunities.append(True)
        events.append(TrackEvent("updated", tr.id, m.t_s, self._snapshot(tr), "", m.seq, m.sensor_id,
                                 float(nis), int(d)))
        if (tr.status == TENTATIVE and sum(tr.opportunities) >= self.config.confirm_m
                and not self._near_confirmed(tr)):
            tr.status = CONFIRMED
            tr.confirmed_t = m.t_s
            self.stats.confirmed += 1
            events.append(TrackEvent("confirmed", tr.id, m.t_s, self._snapshot(tr)))

    def _near_confirmed(self, tr: _Track) -> bool:
        """True when ``tr``'s position is within the (3-dof) merge gate of a confirmed track:
        its confirmation waits, as it is likely a duplicate about to be merged."""
        for other in self._tracks:
            if other is tr or other.status != CONFIRMED:
                continue
            t = max(tr.t, other.t)
            xa, Pa = self._predicted(tr, t)
            xb, Pb = self._predicted(other, t)
            d = xa[0:3] - xb[0:3]
            try:
                q = float(d @ np.linalg.solve(Pa[0:3, 0:3] + Pb[0:3, 0:3], d))
            except np.linalg.LinAlgError:
                continue
            if q <= self._near_gate:
                return True
        return False

    def _reprocess(self, tr: _Track, m: Measurement) -> tuple[float, int]:
        """Insert an out-of-sequence measurement: roll back, filter it and the later ones."""
        f = self.filter
        hist = tr.history
        k = bisect_right([e.t for e in hist], m.t_s)
        base = hist[k - 1] if k > 0 else hist[0]
        later = [e.m for e in hist[max(k, 1):] if e.m is not None]
        xs, Ps, mu = base.xs.copy(), base.Ps.copy(), base.mu.copy()
        t = base.t
        lb = base.last_boost_t
        new: list[_Entry] = []
        first = (math.nan, 0)
        for i, mm in enumerate([m, *later]):
            z, R = mm.padded()
            nis, d = fk.imm_step(xs, Ps, mu, mm.t_s - t, z, R, mm.code, mm.sensor_vector, f.mps,
                                 self._tau(t, lb), f.use_ukf, f.ukf_params)
            t = mm.t_s
            lb = self._boost_time(mu, t, lb)
            self._collapse(mu, self._tau(t, lb))
            new.append(_Entry(t, mm, xs.copy(), Ps.copy(), mu.copy(), nis, lb))
            if i == 0:
                first = (nis, d)
        if k > 0:
            tr.history = hist[:k] + new
        else:
            # Before the earliest kept estimate: that estimate, predicted back and updated,
            # holds all it knew; the new entry becomes the base.
            tr.history = new
            tr.origin = new[0].xs[0, 0:3].copy()
        tr.xs, tr.Ps, tr.mu, tr.t = xs, Ps, mu, t
        tr.last_boost_t = lb
        return first

    def _tau(self, t: float, last_boost_t: float) -> np.ndarray:
        """Mean sojourn times of the IMM's modes for a step starting at ``t``: a ballistic
        estimate may turn back into boost (a stage igniting) within ``restart_window_s`` of the
        last time the track was more likely boosting than not, and never after."""
        if self._thrust.any() and t - last_boost_t <= self.config.restart_window_s:
            return self._restart_tau
        return self.filter.tau

    def _boost_time(self, mu: np.ndarray, t: float, last_boost_t: float) -> float:
        """The last time the track was more likely boosting than not, after an update at t."""
        if self._thrust.any() and float(mu[self._thrust].sum()) > 0.5:
            return max(last_boost_t, t)
        return last_boost_t

    def _collapse(self, mu: np.ndarray, tau: np.ndarray) -> None:
        """A model below ``collapse_probability`` is dropped for good once no other model can
        turn into it (ballistic flight does not turn back into boost after the restart window:
        the ballistic model's sojourn is then infinite)."""
        low = (mu > 0) & (mu < self.config.collapse_probability)
        if low.any() and not np.isfinite(tau[~low]).any():
            mu[low] = 0.0
            mu /= mu.sum()

    def _trim(self, tr: _Track) -> None:
        lag = self.config.oosm_lag_s
        hist = tr.history
        cut = tr.t - lag
        j = 0
        while j + 1 < len(hist) and hist[j + 1].t < cut:
            j += 1
        if j:
            tr.history = hist[j:]

    # -- initiation ------------------------------------------------------------------------

    def _initiate(self, m: Measurement, events: list[TrackEvent]) -> None:
        cfg = self.config
        icfg = cfg.initiation
        if m.is_radar:
            s = seed(m)
            horizon = self.clock - 2.0 * icfg.window_s
            self._pool = [p for p in self._pool if p.m.t_s >= horizon]
            found = best_partner(s, self._pool, icfg)
            if found is None:
                self._pool.append(s)
                return
            i, state = found
            partner = self._pool.pop(i)
            self._new_track(state, cfg.radar_boost_probability, [True, True],
                            {m.sensor_id, partner.m.sensor_id}, False, events, m)
        elif m.is_infrared:
            state = launch_detection(m, icfg)
            if state is None:
                self.stats.unusable += 1
                return
            self._new_track(state, cfg.infrared_boost_probability, [True], {m.sensor_id}, True,
                            events, m)
        else:
            self.stats.unusable += 1

    def _new_track(self, state: GaussianState, p_boost: float, opportunities: list[bool],
                   sensors: set[str], launch: bool, events: list[TrackEvent], m: Measurement) -> None:
        f = self.filter
        if f.n_models > 1:
            mu = np.where(self._thrust, p_boost / max(1, self._thrust.sum()),
                          (1.0 - p_boost) / max(1, (~self._thrust).sum()))
            mu = mu / mu.sum()
        else:
            mu = np.ones(1)
        est = f.estimate(state, mu)
        xs, Ps, mu = est.copy_arrays()
        tr = _Track(
            id=self._next_id, status=TENTATIVE, xs=xs, Ps=Ps, mu=mu, t=state.t_s, born_t=state.t_s,
            history=[_Entry(state.t_s, None, xs.copy(), Ps.copy(), mu.copy(), math.nan, state.t_s)],
            opportunities=list(opportunities), sensors=set(sensors), last_update_t=state.t_s,
            last_report_t=m.t_report_s,
            origin=state.x[0:3].copy(), launch_detected=launch, n_updates=len(opportunities),
            last_boost_t=state.t_s,
        )
        self._next_id += 1
        self._tracks.append(tr)
        self.stats.initiated += 1
        events.append(TrackEvent("initiated", tr.id, state.t_s, self._snapshot(tr), "", m.seq, m.sensor_id))

    # -- maintenance -----------------------------------------------------------------------

    def _predicted(self, tr: _Track, t: float) -> tuple[np.ndarray, np.ndarray]:
        x = np.empty(N_STATE)
        P = np.empty((N_STATE, N_STATE))
        f = self.filter
        fk.predict_combined(tr.xs, tr.Ps, tr.mu, max(0.0, t - tr.t), f.mps,
                            self._tau(tr.t, tr.last_boost_t), f.use_ukf, f.ukf_params, x, P)
        return x, P

    def _maintain(self, events: list[TrackEvent]) -> None:
        cfg = self.config
        now = self.clock
        keep: list[_Track] = []
        for tr in self._tracks:
            reason = ""
            if tr.status == TENTATIVE:
                if self.report_clock - tr.last_report_t > cfg.tentative_timeout_s:
                    reason = "not confirmed: no update"
                elif len(tr.opportunities) >= cfg.confirm_n and sum(tr.opportunities) < cfg.confirm_m:
                    reason = f"not confirmed: fewer than {cfg.confirm_m} of {cfg.confirm_n}"
            else:
                # A ballistic track coasts on its equations of motion (J2, drag) until it has
                # fallen (below) or become too uncertain, however long it is out of sight.
                boosting = float(tr.mu[self._thrust].sum()) > 0.5 if self._thrust.any() else False
                coast = self.report_clock - tr.last_report_t
                if coast > (cfg.coast_boost_s if boosting else cfg.coast_ballistic_s):
                    reason = "lost: no update"
            if not reason and now > tr.t:
                x, P = self._predicted(tr, now)
                if self._impacted(x, P):
                    reason = "impact"
                elif math.sqrt(max(np.linalg.eigvalsh(P[0:3, 0:3]).max(), 0.0)) > cfg.max_position_sigma_m:
                    reason = "lost: too uncertain"
            if reason:
                self.stats.deleted += 1
                events.append(TrackEvent("deleted", tr.id, now, self._snapshot(tr), reason))
            else:
                keep.append(tr)
        self._tracks = keep
        self._merge(events)

    def _impacted(self, x: np.ndarray, P: np.ndarray) -> bool:
        """The predicted position is more than ``impact_sigmas`` standard deviations of its
        height under the ground: the object has certainly fallen (a long coast leaves a height
        uncertainty of kilometres; a tracked re-entry, metres)."""
        h = geodetic_height(x[0], x[1], x[2])
        if h >= 0.0:
            return False
        up = x[0:3] / np.linalg.norm(x[0:3])
        sigma_h = math.sqrt(max(float(up @ P[0:3, 0:3] @ up), 0.0))
        return -h > self.config.impact_sigmas * sigma_h

    def _merge(self, events: list[TrackEvent]) -> None:
        if len(self._tracks) < 2:
            return
        t = max(tr.t for tr in self._tracks)
        pred = [self._predicted(tr, t) for tr in self._tracks]
        gone: set[int] = set()
        for i in range(len(self._tracks)):
            for j in range(i + 1, len(self._tracks)):
                if i in gone or j in gone:
                    continue
                (xa, Pa), (xb, Pb) = pred[i], pred[j]
                d = xa[0:6] - xb[0:6]
                S = Pa[0:6, 0:6] + Pb[0:6, 0:6]
                try:
                    q = float(d @ np.linalg.solve(S, d))
                except np.linalg.LinAlgError:
                    continue
                if q > self._merge_gate:
                    continue
                a, b = self._tracks[i], self._tracks[j]
                rank = lambda tr: (tr.status == CONFIRMED, -tr.born_t, -tr.id)  # noqa: E731
                keep, drop = (a, b) if rank(a) > rank(b) else (b, a)
                pk, pd = pred[self._tracks.index(keep)][1], pred[self._tracks.index(drop)][1]
                if np.trace(pd[0:3, 0:3]) < np.trace(pk[0:3, 0:3]):
                    # The surviving identity takes the better estimate (and its history).
                    keep.xs, keep.Ps, keep.mu, keep.t = drop.xs, drop.Ps, drop.mu, drop.t
                    keep.history = drop.history
                    keep.last_boost_t = drop.last_boost_t
                keep.sensors |= drop.sensors
                keep.last_update_t = max(keep.last_update_t, drop.last_update_t)
                keep.last_report_t = max(keep.last_report_t, drop.last_report_t)
                keep.n_updates += drop.n_updates
                if drop.born_t < keep.born_t:
                    keep.origin = drop.origin
                    keep.born_t = drop.born_t
                    keep.launch_detected = keep.launch_detected or drop.launch_detected
                gone.add(self._tracks.index(drop))
                self.stats.merged += 1
                self.stats.deleted += 1
                events.append(TrackEvent("deleted", drop.id, self.clock, self._snapshot(drop),
                                         f"merged into track {keep.id}"))
                events.append(TrackEvent("updated", keep.id, keep.t, self._snapshot(keep), "merged"))
        self._tracks = [tr for k, tr in enumerate(self._tracks) if k not in gone]

    # -- snapshots -------------------------------------------------------------------------

    def _snapshot(self, tr: _Track) -> TrackSnapshot:
        x = np.empty(N_STATE)
        P = np.empty((N_STATE, N_STATE))
        fk.combine(tr.xs, tr.Ps, tr.mu, x, P)
        pb = float(tr.mu[self._thrust].sum()) if self._thrust.any() else 0.0
        return TrackSnapshot(
            track_id=tr.id, status=tr.status, state=GaussianState(tr.t, x, P),
            mode_probabilities=tr.mu.copy(), boost_probability=pb, n_updates=tr.n_updates,
            sensors=tuple(sorted(tr.sensors)), born_t_s=tr.born_t, confirmed_t_s=tr.confirmed_t,
            last_update_t_s=tr.last_update_t, origin_ecef=tr.origin.copy(),
            launch_detected=tr.launch_detected,
        )
