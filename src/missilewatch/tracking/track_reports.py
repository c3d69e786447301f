"""Track reports of partner nodes as track-level updates of the tracker's tracks.

A :class:`TrackReport` is another node's estimate of one of its tracks: position and velocity
(ECEF m, m/s) with their covariance at ``t_s``, the sensors behind it and its boost
probability. :class:`PartnerTracks` (one per :class:`~missilewatch.tracking.tracker.Tracker`)
associates each report with a local track (chi-square gate on the two estimates at their later
time, 99.9 %, position only while either may be boosting, with :func:`boost_allowance`) or
starts a local track from it, and updates that track with one of two methods:

- **Decorrelated tracklet** (equivalent measurement, Drummond 1997; Tian & Bar-Shalom 2009):
  the information the partner gained since its previous report of the same track,
  ``I = P^-1 - Pp^-1`` and ``i = P^-1 x - Pp^-1 xp`` (``xp``, ``Pp``: the previous report
  predicted to the same time on the ballistic model), is a measurement of the state
  independent of what this node already took from that partner track; it is applied as a
  linear update along the eigenvectors of ``I`` with positive eigenvalues (``y = V' I^+ i``,
  noise ``diag(1/lambda)``). Both reports are predicted without process noise for it: the
  partner's noise is not known here, and less noise than it used makes ``Pp`` smaller, so the
  increment taken is never more than the true one (directions it would make negative are
  dropped). The same report twice, or a report that only predicts the last
  one forward, carries no information and changes nothing. The first report of a partner
  track for a local track is its whole estimate.
- **Covariance intersection** with the local track (Julier & Uhlmann 1997; the weight
  minimising det P), consistent whatever the correlation, when the tracklet would count
  something twice or its prediction is unreliable: the report's sensors include a sensor whose
  information this track already holds from another source (a measurement shared with both
  nodes, or this node's own track fed back through the partner), or the partner track or this
  node's track may have been boosting in the last ``TRACKLET_AFTER_BOOST_S`` (the ballistic
  prediction of the previous report does not know the thrust, so the difference would be
  biased, and a tracker under thrust lags by more than its covariance says).

Tracks started from a report are confirmed by the usual M-of-N rule: every report of a partner
track that updates it is a hit (a partner sends only tracks it has confirmed or detected at
launch, so two reports of it confirm). A report older than the local track by more than
``max_age_s`` (30 s) only moves the decorrelation reference: what it adds is mostly in the local
track's later measurements already, and flown forward over the gap (unknown thrust, a partner
unsure whether it still boosts) it could pull a good track off the radar data. (5 s was tried:
on the three live nodes it left the fused track stale at the end of boost, so JPN's radars
started and warned from a second track more often.) An out-of-sequence measurement that
rolls a track back past a report update loses that report's increment (conservative).
Each track keeps the partner tracks and sensors that went into it (:attr:`PartnerTracks.sources`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking.filters import KalmanFilter, ModeEstimate
from missilewatch.tracking.models import (
    I_AT,
    I_LNB,
    LNB_PRIOR_MEAN,
    LNB_PRIOR_SIGMA,
    N_STATE,
    GaussianState,
    ballistic_model,
)
from missilewatch.tracking.modes import ModeKeeper
from missilewatch.tracking.track_state import CONFIRMED, HistoryEntry, TrackEvent, TrackState

if TYPE_CHECKING:
    from missilewatch.tracking.tracker import Tracker

DIM = 6
#: A report that may be boosting (boost probability above this) is fused by CI.
BOOSTING = 0.01
#: The association test of an estimate that may be boosting (position only) allows an unknown
#: acceleration of this size (m/s^2, 1 sigma; an IRBM nears 60 m/s^2 at burnout) over the gap
#: between the two estimates, at least ``BOOST_MEMORY_S`` (s): a tracker under thrust lags and
#: is over-confident (ROK's first boosting reports of 2022-10-04 sit 4 sigma off in velocity).
#: The fusion itself takes the report as :func:`predict_report` predicts it.
BOOST_ACCEL_SIGMA = 50.0
BOOST_MEMORY_S = 10.0
GATE_PROBABILITY = 0.999
#: Eigenvalues of the information increment below this fraction of the largest eigenvalue of
#: the report's information are taken as no information (numerical noise of the difference).
INFO_FLOOR = 1e-9
#: Smallest CI weight of the local track (its covariance is inflated by at most 1 / this).
CI_MIN_WEIGHT = 0.01
#: The tracklet waits this long (s) after a report of the partner track or this node's track
#: last looked boosting: a tracker lags under thrust more than its covariance says (and its
#: boost probability may fall before the thrust ends), so meanwhile its reports go by CI.
TRACKLET_AFTER_BOOST_S = 30.0
#: Thrust acceleration prior (m/s^2: mean, sigma) of a track started from a boosting report.
THRUST_PRIOR = (25.0, 15.0)


@dataclass(frozen=True, eq=False)
class TrackReport:
    """One partner node's track estimate: ``t_s`` (s from the epoch), ``x`` (6,) ECEF position
    and velocity (m, m/s), ``P`` (6, 6), the sensors behind it, its boost probability."""

    node: str
    track: str
    t_s: float
    x: np.ndarray
    P: np.ndarray = field(repr=False)
    sensors: tuple[str, ...] = ()
    boost_probability: float = 0.0
    seq: int = -1

    def __post_init__(self) -> None:
        x = np.asarray(self.x, float).reshape(-1)
        P = np.asarray(self.P, float)
        if x.shape != (DIM,) or not np.isfinite(x).all():
            raise InputError("r_ecef_m/v_ecef_mps", x.tolist(), "must be 6 finite numbers")
        if P.shape != (DIM, DIM) or not np.isfinite(P).all():
            raise InputError("P_ecef", P.shape, "must be a finite 6x6 matrix")
        P = 0.5 * (P + P.T)
        if np.linalg.eigvalsh(P).min() <= 0:
            raise InputError("P_ecef", np.diag(P).tolist(), "must be positive definite")
        if not math.isfinite(self.t_s):
            raise InputError("time_utc", self.t_s, "must be finite")
        if not 0.0 <= self.boost_probability <= 1.0:
            raise InputError("boost_probability", self.boost_probability, "must be in [0, 1]")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "P", P)

    @property
    def key(self) -> str:
        return f"{self.node}:{self.track}"

    @property
    def sensor_id(self) -> str:
        """The name this node's tracker gives the source of its updates: ``partner-<node>``."""
        return f"partner-{self.node}"

    @property
    def boosting(self) -> bool:
        return self.boost_probability > BOOSTING


@lru_cache(maxsize=4)
def _ballistic(q_acc: float | None) -> KalmanFilter:
    return KalmanFilter((ballistic_model() if q_acc is None else ballistic_model(q_acc=q_acc),), "ekf")


def predict_pv(t_s: float, x6: np.ndarray, P6: np.ndarray, to_s: float,
               q_acc: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity (and covariance) predicted from ``t_s`` to ``to_s`` on the
    ballistic model (ln beta at its prior, no thrust; its default acceleration noise, or
    ``q_acc`` m^2/s^3)."""
    if to_s == t_s:
        return x6, P6
    x, P = augmented(x6, P6, thrust=False)
    out = _ballistic(q_acc).predict(GaussianState(t_s, x, P), to_s)
    Pout = out.P[:6, :6]
    return out.x[:6].copy(), 0.5 * (Pout + Pout.T)


def augmented(x6: np.ndarray, P6: np.ndarray, thrust: bool) -> tuple[np.ndarray, np.ndarray]:
    """The tracker's state (N_STATE,) and covariance of a position-velocity estimate: ln beta
    at its prior and, with ``thrust``, a_T at ``THRUST_PRIOR`` (else 0 and almost certain)."""
    x = np.zeros(N_STATE)
    P = np.zeros((N_STATE, N_STATE))
    x[:DIM], P[:DIM, :DIM] = x6, P6
    x[I_LNB], P[I_LNB, I_LNB] = LNB_PRIOR_MEAN, LNB_PRIOR_SIGMA**2
    x[I_AT], P[I_AT, I_AT] = (THRUST_PRIOR[0], THRUST_PRIOR[1] ** 2) if thrust else (0.0, 1e-6)
    return x, P


def report_estimate(t_s: float, x6: np.ndarray, P6: np.ndarray, boost_probability: float,
                    filt: KalmanFilter, modes: ModeKeeper) -> ModeEstimate:
    """A partner's position-velocity estimate as the tracker's model estimate: every model
    holds it (ln beta at its prior; the thrust models a_T at ``THRUST_PRIOR``), weighted by its
    boost probability (kept inside (0.001, 0.999): either may be wrong)."""
    p_boost = min(max(boost_probability, 1e-3), 1.0 - 1e-3)
    x, P = augmented(x6, P6, thrust=True)
    return filt.estimate(GaussianState(t_s, x, P), modes.initial_probabilities(p_boost))


def predict_report(t_s: float, x6: np.ndarray, P6: np.ndarray, boost_probability: float, to_s: float,
                   filt: KalmanFilter, modes: ModeKeeper) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity (and covariance) of a partner's estimate predicted from ``t_s`` to
    ``to_s``: on the ballistic model when it is not boosting; when it may be (boost probability
    above ``BOOSTING``), as the tracker predicts its own tracks, on its IMM of boost and ballistic
    flight (:func:`report_estimate`), the moment-matched mixture of the models.

    The thrust's unknown magnitude then widens the estimate along the velocity, its pitch
    programme across it, and the mean moves with the expected thrust. (A ballistic prediction
    plus white-noise acceleration over at least 10 s was used before: that block is rank one
    per axis, so a late report claimed to know ``p - 5 s v`` while the thrust it did not know
    moved just that. Boosting reports of the 2022-10-04 flight predicted 3 s on had a mean NEES
    of 12,500 that way, and 15 on the IMM; see tests/allied/test_partner_track_stream.py.)"""
    if boost_probability <= BOOSTING:
        return predict_pv(t_s, x6, P6, to_s)
    est = report_estimate(t_s, x6, P6, boost_probability, filt, modes)
    if to_s != t_s:
        est = filt.predict(est, to_s)
    x, P = filt.combine(est.xs, est.Ps, est.mu)
    return x[:DIM].copy(), 0.5 * (P[:DIM, :DIM] + P[:DIM, :DIM].T)


def boost_allowance(gap_s: float) -> np.ndarray:
    """Position covariance (3, 3; m^2) the association test adds for an estimate that may be
    boosting, ``gap_s`` (s) from the other: ``BOOST_ACCEL_SIGMA`` over at least ``BOOST_MEMORY_S``."""
    dt = max(abs(gap_s), BOOST_MEMORY_S)
    return (BOOST_ACCEL_SIGMA * dt**2 / 2.0) ** 2 * np.eye(3)


def information_increment(x: np.ndarray, P: np.ndarray, xp: np.ndarray,
                          Pp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The decorrelated tracklet of an estimate (x, P) over its own earlier estimate (xp, Pp)
    at the same time: (V (k, 6), y (k,), r (k,)): y = V' x_true + noise of variance r, the
    independent information gained (k = 0: none)."""
    Y, Yp = np.linalg.inv(P), np.linalg.inv(Pp)
    I_ = Y - Yp
    i_ = Y @ x - Yp @ xp
    lam, V = np.linalg.eigh(0.5 * (I_ + I_.T))
    keep = lam > INFO_FLOOR * float(np.linalg.eigvalsh(Y).max())
    V, lam = V[:, keep], lam[keep]
    return V.T, (V.T @ i_) / lam, 1.0 / lam


def ci_weight(Pa: np.ndarray, Pb: np.ndarray) -> float:
    """Covariance-intersection weight w of ``Pa`` (1 - w of ``Pb``) minimising det P."""
    Ia, Ib = np.linalg.inv(Pa), np.linalg.inv(Pb)

    def logdet(w: float) -> float:
        sign, ld = np.linalg.slogdet(w * Ia + (1.0 - w) * Ib)
        return -ld if sign > 0 else math.inf

    from scipy.optimize import minimize_scalar  # here: a replay that gets no partner track never loads it

    w = float(minimize_scalar(logdet, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-6}).x)
    for edge in (0.0, 1.0):
        if logdet(edge) < logdet(w):
            w = edge
    return w


@lru_cache(maxsize=4)
def gate_threshold(dof: int) -> float:
    """The chi-square quantile ``GATE_PROBABILITY`` for ``dof`` degrees of freedom."""
    from scipy.stats import chi2  # here: scipy.stats costs a replay ~15 MB it otherwise avoids

    return float(chi2.ppf(GATE_PROBABILITY, dof))


def association_statistic(xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray, Pb: np.ndarray, boosting: bool,
                          gap_s: float) -> tuple[float, int]:
    """Chi-square statistic of two position-velocity estimates at one time (cross-covariance
    ignored: a conservative test) and its degrees of freedom: 6, or 3 (position only, with
    :func:`boost_allowance` for the ``gap_s`` between their own times) when either may be
    boosting. Infinite when the sum of covariances is singular."""
    k = 3 if boosting else DIM
    d = (xa[:DIM] - xb[:DIM])[:k]
    S = (Pa[:DIM, :DIM] + Pb[:DIM, :DIM])[:k, :k]
    if boosting:
        S = S + boost_allowance(gap_s)
    try:
        return float(d @ np.linalg.solve(S, d)), k
    except np.linalg.LinAlgError:
        return math.inf, k


def _linear_update(xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, H: np.ndarray, y: np.ndarray,
                   R: np.ndarray) -> None:
    """IMM measurement update in place with the linear measurement y = H x + v, v ~ N(0, R)
    (Joseph form per model; model probabilities by the models' likelihoods)."""
    K_, n = xs.shape[0], xs.shape[1]
    like = np.zeros(K_)
    for j in range(K_):
        if mu[j] <= 0:
            continue
        P = Ps[j]
        S = H @ P @ H.T + R
        nu = y - H @ xs[j]
        Sinv = np.linalg.inv(S)
        G = P @ H.T @ Sinv
        xs[j] = xs[j] + G @ nu
        A = np.eye(n) - G @ H
        Pn = A @ P @ A.T + G @ R @ G.T
        Ps[j] = 0.5 * (Pn + Pn.T)
        sign, ld = np.linalg.slogdet(S)
        like[j] = -0.5 * (float(nu @ Sinv @ nu) + ld) if sign > 0 else -math.inf
    ok = mu > 0
    lw = np.where(ok, np.log(np.where(ok, mu, 1.0)) + like, -math.inf)
    lw -= lw.max()
    w = np.exp(lw)
    mu[...] = w / w.sum()


@dataclass
class _Link:
    """A partner track's tie to a local track: the local track id, the last report used, and
    the last time a report of that partner track may have been boosting."""

    track_id: int
    last: TrackReport
    boost_seen_t: float = -math.inf


class PartnerTracks:
    """Partner track reports into a tracker (module docstring)."""

    def __init__(self, tracker: Tracker, max_age_s: float = 30.0) -> None:
        self.tracker = tracker
        self.max_age_s = max_age_s
        self.links: dict[str, _Link] = {}
        #: local track id -> {source: sensors}: the partner tracks ("node:track") that went into it.
        self.sources: dict[int, dict[str, set[str]]] = {}
        #: local track id -> sensors of this node's own measurements in it (kept from the first
        #: report on, see :meth:`note_local`).
        self.local: dict[int, set[str]] = {}
        self.stats = {"reports": 0, "tracklet": 0, "ci": 0, "initiated": 0, "stale": 0, "empty": 0}

    # -- one report ------------------------------------------------------------------------

    def apply(self, r: TrackReport, events: list[TrackEvent]) -> None:
        tk = self.tracker
        self.stats["reports"] += 1
        tk.clock = max(tk.clock, r.t_s)
        tk.report_clock = max(tk.report_clock, r.t_s)
        live = {tr.id: tr for tr in tk._tracks}
        link = self.links.get(r.key)
        tr = live.get(link.track_id) if link is not None else None
        if tr is None:
            link = None
            tr = self._associate(r, list(live.values()))
        if tr is None:
            self._initiate(r, events)
            return
        if r.t_s < tr.t - self.max_age_s:
            self.stats["stale"] += 1
            if link is not None and r.t_s > link.last.t_s:
                link.last = r
            return
        self._update(tr, r, link, events)

    def _predicted(self, r: TrackReport, t: float) -> tuple[np.ndarray, np.ndarray]:
        """The report's position and velocity (and covariance) at ``t`` (:func:`predict_report`)."""
        return predict_report(r.t_s, r.x, r.P, r.boost_probability, t, self.tracker.filter, self.tracker.modes)

    def _associate(self, r: TrackReport, tracks: list[TrackState]) -> TrackState | None:
        best: tuple[float, TrackState] | None = None
        for tr in tracks:
            t = max(tr.t, r.t_s)
            x, P = self.tracker._predicted(tr, t)
            xr, Pr = self._predicted(r, t)
            boosting = r.boosting or self.tracker.modes.boost_probability(tr.mu) > BOOSTING
            d2, k = association_statistic(x, P, xr, Pr, boosting, tr.t - r.t_s)
            d2 /= gate_threshold(k)
            if d2 <= 1.0 and (best is None or d2 < best[0]):
                best = (d2, tr)
        return None if best is None else best[1]

    def note_local(self, events: list[TrackEvent]) -> None:
        """The tracker's own events of one call: the sensors of its measurements per track."""
        for ev in events:
            if ev.kind == "deleted":
                for d in (self.local, self.sources):
                    d.pop(ev.track_id, None)
            elif ev.track_id in self.local and ev.kind == "updated" and ev.sensor_id:
                self.local[ev.track_id].add(ev.sensor_id)

    def _common(self, tr: TrackState, r: TrackReport) -> bool:
        """Whether the report holds information this track already has from another source."""
        src = self.sources.get(tr.id, {})
        others = set().union(*(s for k, s in src.items() if k != r.key)) if src else set()
        return bool(set(r.sensors) & (self.local.setdefault(tr.id, set(tr.sensors)) | others))

    def _update(self, tr: TrackState, r: TrackReport, link: _Link | None, events: list[TrackEvent]) -> None:
        tk = self.tracker
        t = max(tr.t, r.t_s)
        est = tk.filter.predict(ModeEstimate(tr.t, tr.xs.copy(), tr.Ps.copy(), tr.mu.copy()), t)
        xs, Ps, mu = est.xs.copy(), est.Ps.copy(), est.mu.copy()
        xr, Pr = self._predicted(r, t)
        prev = link.last if link is not None else None
        H = np.zeros((DIM, N_STATE))
        H[:, :DIM] = np.eye(DIM)
        boost_seen = max(link.boost_seen_t if link is not None else -math.inf,
                         r.t_s if r.boosting or tk.modes.boost_probability(tr.mu) > BOOSTING else -math.inf)
        if self._common(tr, r) or t - boost_seen < TRACKLET_AFTER_BOOST_S:
            x, P = tk.filter.combine(xs, Ps, mu)
            w = max(ci_weight(P[:DIM, :DIM], Pr), CI_MIN_WEIGHT)
            if w < 1.0:
                d = np.ones(N_STATE)
                d[:DIM] = 1.0 / math.sqrt(w)
                Ps = Ps * d[None, :, None] * d[None, None, :]  # local information scaled by w
                _linear_update(xs, Ps, mu, H, xr, Pr / (1.0 - w))
            self.stats["ci"] += 1
        else:
            if prev is None:
                Hk, y, R = H, xr, Pr
            else:
                # Both predicted without process noise: the partner's own noise is not known
                # here, and less noise than it used takes less than its increment, never more.
                xr0, Pr0 = predict_pv(r.t_s, r.x, r.P, t, 0.0)
                xp, Pp = predict_pv(prev.t_s, prev.x, prev.P, t, 0.0)
                V, y, rv = information_increment(xr0, Pr0, xp, Pp)
                Hk, R = V @ H, np.diag(rv)
            if y.size:
                _linear_update(xs, Ps, mu, Hk, y, R)
                self.stats["tracklet"] += 1
            else:
                self.stats["empty"] += 1
        self.links[r.key] = _Link(tr.id, r if prev is None or r.t_s >= prev.t_s else prev, boost_seen)
        lb = tk.modes.boost_time(mu, t, tr.last_boost_t)
        tk.modes.collapse(mu, tk.modes.tau_at(t, lb))
        tr.set_estimate(xs, Ps, mu, t)
        tr.last_boost_t = lb
        tr.history.append(HistoryEntry(t, None, xs.copy(), Ps.copy(), mu.copy(), math.nan, lb))
        tk.oosm.trim(tr)
        self._note(tr, r)
        tk.confirmer.hit(tr)
        events.append(TrackEvent("updated", tr.id, t, tk._snapshot(tr), "", r.seq, r.sensor_id))
        if tk.confirmer.ready(tr, tk._tracks, tk._near):
            tr.status = CONFIRMED
            tr.confirmed_t = t
            tr.changed()
            tk.stats.confirmed += 1
            events.append(TrackEvent("confirmed", tr.id, t, tk._snapshot(tr)))

    def _note(self, tr: TrackState, r: TrackReport) -> None:
        tr.n_updates += 1
        tr.sensors.update(r.sensors)
        self.sources.setdefault(tr.id, {}).setdefault(r.key, set()).update(r.sensors)
        tr.last_update_t = max(tr.last_update_t, r.t_s)
        tr.last_report_t = max(tr.last_report_t, r.t_s)
        tr.changed()
        self.tracker._changed.add(tr)  # seen by the next maintenance pass

    def _initiate(self, r: TrackReport, events: list[TrackEvent]) -> None:
        tk = self.tracker
        est = report_estimate(r.t_s, r.x, r.P, r.boost_probability, tk.filter, tk.modes)
        tr = TrackState(tk._next_id, tk.arrays, est.xs, est.Ps, est.mu, r.t_s, sensors=set(r.sensors),
                        opportunities=[True], t_report=r.t_s, origin=r.x[:3], launch_detected=False,
                        n_updates=1)
        tk._next_id += 1
        tk._tracks.append(tr)
        tk._slots = None
        tk._changed.add(tr)
        tk.stats.initiated += 1
        self.stats["initiated"] += 1
        self.links[r.key] = _Link(tr.id, r, r.t_s if r.boosting else -math.inf)
        self.sources[tr.id] = {r.key: set(r.sensors)}
        self.local[tr.id] = set()
        events.append(TrackEvent("initiated", tr.id, r.t_s, tk._snapshot(tr), "", r.seq, r.sensor_id))
