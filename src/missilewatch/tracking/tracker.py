"""The multi-target tracker: scans in, track events out.

``Tracker.process(measurements)`` takes one measurement, a list, or a sensors
``MeasurementStream`` (in stream order: report time, then time of validity) and returns a
:class:`TrackerOutput`: the events of that call (initiated, confirmed, updated, deleted) and
the tracks alive after it. It composes parts with one job each, in the manner of Stone Soup's
components, each with its own settings:

1. :class:`~missilewatch.tracking.gating.Gate`: every measurement of a scan (same sensor, same
   time of validity) against every track predicted to the scan time, a cheap bound first;
2. :class:`~missilewatch.tracking.association.GlobalNearestNeighbour`: the assignment;
3. the filter's update of each assigned track (:class:`~missilewatch.tracking.filters.KalmanFilter`,
   reusing the gate's prediction), or for a measurement older than the track's latest update
   the :class:`~missilewatch.tracking.oosm.OutOfSequenceBuffer` (roll back and reprocess);
   the :class:`~missilewatch.tracking.modes.ModeKeeper` keeps the IMM's restart window;
4. :class:`~missilewatch.tracking.initiation.Initiator`: unassociated detections start tracks;
5. :class:`~missilewatch.tracking.confirmation.MofNConfirmer`: M-of-N confirmation;
6. after the call, :class:`~missilewatch.tracking.deletion.Deleter` and
   :class:`~missilewatch.tracking.merging.Merger`.

Several sensors are fused by updating each track with each assigned measurement in time order
(sequential updates; out-of-order ones by reprocessing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking.association import GlobalNearestNeighbour
from missilewatch.tracking.coasting import CoastingDeletion
from missilewatch.tracking.confirmation import (
    ConfirmationSettings,
    MofNConfirmer,
    certainly_apart,
    positions_within,
)
from missilewatch.tracking.deletion import Deleter, DeletionSettings
from missilewatch.tracking.filters import GatePrediction, KalmanFilter, boost_ballistic_imm
from missilewatch.tracking.gating import Gate, GateSettings
from missilewatch.tracking.initiation import InitiationConfig, Initiator, Start
from missilewatch.tracking.measurements import Measurement, from_stream, scans
from missilewatch.tracking.merging import Merger, MergeSettings
from missilewatch.tracking.models import N_STATE, MotionModel, ballistic_model, boost_model
from missilewatch.tracking.modes import ModeKeeper, ModeSettings
from missilewatch.tracking.oosm import OutOfSequenceBuffer, OutOfSequenceSettings
from missilewatch.tracking.track_reports import PartnerTracks, TrackReport
from missilewatch.tracking.track_state import (
    BOOST_PROBABILITY_THRESHOLD,
    CONFIRMED,
    EVENT_KINDS,
    TENTATIVE,
    HistoryEntry,
    StateArrays,
    TrackerOutput,
    TrackEvent,
    TrackSnapshot,
    TrackState,
    frozen_instance,
)

__all__ = [
    "BOOST_PROBABILITY_THRESHOLD", "CONFIRMED", "EVENT_KINDS", "TENTATIVE", "Tracker", "TrackerConfig",
    "TrackerOutput", "TrackerStats", "TrackEvent", "TrackSnapshot",
]


def _report_time(m: Measurement) -> float:
    """When the measurement reached the tracker (its time of validity when not given)."""
    return m.t_report_s if m.t_report_s is not None else m.t_s


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings: the filter and each part's own settings."""

    #: "ekf" or "ukf".
    filter_kind: str = "ekf"
    #: Boost/ballistic IMM (else the ballistic model alone).
    imm: bool = True
    #: The ballistic model (forces, process noise).
    ballistic: MotionModel = field(default_factory=ballistic_model)
    #: The boost model.
    boost: MotionModel = field(default_factory=boost_model)
    #: Gating.
    gating: GateSettings = field(default_factory=GateSettings)
    #: The IMM's restart window and model collapse.
    modes: ModeSettings = field(default_factory=ModeSettings)
    #: Track initiation (two-point radar, infrared launch detection).
    initiation: InitiationConfig = field(default_factory=InitiationConfig)
    #: M-of-N confirmation.
    confirmation: ConfirmationSettings = field(default_factory=ConfirmationSettings)
    #: Deletion (timeouts, coasts, impact, uncertainty).
    deletion: DeletionSettings = field(default_factory=DeletionSettings)
    #: Merging of duplicates.
    merging: MergeSettings = field(default_factory=MergeSettings)
    #: Out-of-sequence buffer.
    oosm: OutOfSequenceSettings = field(default_factory=OutOfSequenceSettings)

    def make_filter(self) -> KalmanFilter:
        if self.imm:
            return boost_ballistic_imm(self.filter_kind, self.ballistic, self.boost)
        return KalmanFilter((self.ballistic,), self.filter_kind)


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
        cfg = self.config = config or TrackerConfig()
        self.filter = cfg.make_filter()
        self.modes = ModeKeeper(cfg.modes, self.filter)
        self.gate = Gate(cfg.gating, self.filter)
        self.associator = GlobalNearestNeighbour()
        self.initiator = Initiator(cfg.initiation)
        self.confirmer = MofNConfirmer(cfg.confirmation)
        self.deleter = Deleter(cfg.deletion)
        self.coasting = CoastingDeletion(self.filter, self.deleter)
        self.merger = Merger(cfg.merging)
        self.oosm = OutOfSequenceBuffer(cfg.oosm, self.filter, self.modes)
        self.arrays = StateArrays(self.filter.n_models)
        self._tracks: list[TrackState] = []
        self._slots: np.ndarray | None = None
        self._next_id = 1
        self.clock = -math.inf
        self.report_clock = -math.inf
        self.stats = TrackerStats()
        self._changed: set[TrackState] = set()  # tracks changed since the last maintenance pass
        self._maintained = (math.nan, math.nan)  # (clock, report clock) of the last full pass
        self._collapse_probability = cfg.modes.collapse_probability
        self.partners = PartnerTracks(self)

    # -- public ----------------------------------------------------------------------------

    @property
    def tracks(self) -> tuple[TrackSnapshot, ...]:
        """Snapshots of the tracks alive now (each taken anew only when its track changed)."""
        return tuple([t._snapshot if t._snapshot_version == t.version and t._snapshot is not None
                      else self._snapshot(t) for t in self._tracks])

    def process(self, measurements) -> TrackerOutput:
        """Process one measurement, an iterable of them, or a ``MeasurementStream``."""
        events: list[TrackEvent] = []
        if isinstance(measurements, Measurement):
            self._process_scan([measurements], events)
        else:
            ms = self._as_list(measurements)
            first = ms[0] if ms else None
            if first is not None and all(m.t_s == first.t_s and m.sensor_id == first.sensor_id for m in ms):
                self._process_scan(ms, events)  # one scan (the usual call)
            else:
                for scan in scans(ms):
                    self._process_scan(scan, events)
        self._maintain(events)
        if self.partners.local:
            self.partners.note_local(events)
        return TrackerOutput(tuple(events), self.tracks)

    def process_report(self, report: TrackReport) -> TrackerOutput:
        """A partner node's track report as a track-level update (:mod:`.track_reports`)."""
        events: list[TrackEvent] = []
        self.partners.apply(report, events)
        self._maintain(events)
        self.partners.note_local([e for e in events if e.kind == "deleted"])
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
        if not isinstance(measurements, list | tuple) and (hasattr(measurements, "mtype")
                                                         or hasattr(measurements, "stream")):
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
        self.report_clock = max(self.report_clock, max(_report_time(m) for m in scan))
        self.stats.scans += 1
        self.stats.measurements += len(scan)
        assigned = self._associate(scan, t)
        for mi, (tr, pred) in assigned.items():
            self._update(tr, scan[mi], pred, events)
        self._changed.update(self.confirmer.missed(self._tracks, scan[0].sensor_id, t,
                                                   {tr.id for tr, _ in assigned.values()}))
        for mi, m in enumerate(scan):
            if mi not in assigned:
                self.stats.unassociated += 1
                self._initiate(m, events)

    def _associate(self, scan: list[Measurement], t: float) -> dict[int, tuple[TrackState, GatePrediction | None]]:
        """Measurement index -> (track, the gate's prediction of it to the scan, or None)."""
        if not self._tracks:
            return {}
        a = self.arrays
        rows = self._rows()
        in_order = a.t[rows] <= t
        if in_order.all():
            current, past = self._tracks, []
        else:
            current = [tr for tr, ok in zip(self._tracks, in_order.tolist(), strict=True) if ok]
            rows = rows[in_order]
            past = [(tr, ref) for tr, ok in zip(self._tracks, in_order.tolist(), strict=True)
                    if not ok and (ref := self.oosm.reference(tr, t)) is not None]
        thresholds = self.gate.thresholds(scan)
        parts = []
        if current:
            res = self.gate.gate(a.xs, a.Ps, a.mu, a.t, a.last_boost_t, self.modes.chain, rows, scan, thresholds,
                                 self.coasting.by_slot())
            parts.append((current, res, True))
        if past:
            res = self._gate_history(past, scan, thresholds)
            parts.append(([tr for tr, _ in past], res, False))
        tracks = parts[0][0] if len(parts) == 1 else [tr for p in parts for tr in p[0]]
        d2 = np.concatenate([p[1].d2 for p in parts]) if len(parts) > 1 else parts[0][1].d2
        cost = np.concatenate([p[1].cost for p in parts]) if len(parts) > 1 else parts[0][1].cost
        pairs = []
        for ti, mi in self.associator.associate(d2, cost, thresholds):
            pred = parts[0][1].prediction(ti) if ti < len(current) and parts[0][2] else None
            pairs.append((mi, tracks[ti], pred))
        if len(pairs) > 1 and past:
            # Updates in the tracks' order (as the gate matrix of all tracks would give them).
            order = {id(tr): k for k, tr in enumerate(self._tracks)}
            pairs.sort(key=lambda p: order[id(p[1])])
        return {mi: (tr, pred) for mi, tr, pred in pairs}

    def _rows(self) -> np.ndarray:
        """Slots of the live tracks in the arrays, in the tracks' order (cached)."""
        if self._slots is None:
            self._slots = np.array([tr.slot for tr in self._tracks], dtype=np.int64)
        return self._slots

    def _gate_history(self, past: list[tuple[TrackState, HistoryEntry]], scan: list[Measurement],
                      thresholds: np.ndarray):
        """Gate a scan older than these tracks' latest updates against their buffered estimates."""
        n, K = len(past), self.filter.n_models
        xs = np.empty((n, K, N_STATE))
        Ps = np.empty((n, K, N_STATE, N_STATE))
        mu = np.empty((n, K))
        t_ref = np.empty(n)
        lb = np.empty(n)
        for i, (_tr, e) in enumerate(past):
            xs[i], Ps[i], mu[i], t_ref[i], lb[i] = e.xs, e.Ps, e.mu, e.t, e.last_boost_t
        return self.gate.gate(xs, Ps, mu, t_ref, lb, self.modes.chain, np.arange(n, dtype=np.int64), scan,
                              thresholds)

    def _update(self, tr: TrackState, m: Measurement, pred: GatePrediction | None,
                events: list[TrackEvent]) -> None:
        combined = None
        t = m.t_s
        in_order = t >= tr.t
        if pred is not None and in_order:
            a = self.arrays
            u = self.filter.update_slot(a.xs, a.Ps, a.mu, a.t, a.last_boost_t, tr.slot, m, pred, self.modes.chain,
                                        self._collapse_probability)
            nis, d, combined = u.nis, u.dof, (u.x, u.P)
            tr.history.append(HistoryEntry(t, m, u.xs, u.Ps, u.mu, nis, u.last_boost_t))
        elif in_order:
            t0, lb = tr.t, tr.last_boost_t
            nis, d = self.filter.update_arrays(tr.xs, tr.Ps, tr.mu, t - t0, m, self.modes.tau_at(t0, lb))
            tr.t = t
            tr.last_boost_t = lb = self.modes.boost_time(tr.mu, t, lb)
            self.modes.collapse(tr.mu, self.modes.tau_at(t, lb))
            tr.history.append(HistoryEntry(t, m, tr.xs.copy(), tr.Ps.copy(), tr.mu.copy(), nis, lb))
        else:
            nis, d = self.oosm.reprocess(tr, m)
            self.stats.out_of_sequence += 1
        self.oosm.trim(tr)
        self.stats.associated += 1
        tr.n_updates += 1
        tr.sensors.add(m.sensor_id)
        if t > tr.last_update_t:
            tr.last_update_t = t
        t_report = m.t_report_s if m.t_report_s is not None else t
        if t_report > tr.last_report_t:
            tr.last_report_t = t_report
        tr.changed()
        self._changed.add(tr)
        if tr.status == TENTATIVE:
            self.confirmer.hit(tr)
        snap = tr.snapshot(self.filter.combine, self.modes.boost_probability, combined)
        events.append(frozen_instance(TrackEvent, kind="updated", track_id=tr.id, t_s=t, track=snap,
                                      reason="", measurement_seq=m.seq, sensor_id=m.sensor_id, nis=float(nis),
                                      nis_dof=int(d)))
        if tr.status == TENTATIVE and self.confirmer.ready(tr, self._tracks, self._near):
            tr.status = CONFIRMED
            tr.confirmed_t = m.t_s
            tr.changed()
            self.stats.confirmed += 1
            events.append(TrackEvent("confirmed", tr.id, m.t_s, self._snapshot(tr)))

    def _near(self, a: TrackState, b: TrackState, gate: float) -> bool:
        """Positions of two tracks, predicted to the later of their times, within ``gate``."""
        t = max(a.t, b.t)
        ba = self.filter.bound(a.xs, a.Ps, a.mu, max(0.0, t - a.t), self._tau(a))
        bb = self.filter.bound(b.xs, b.Ps, b.mu, max(0.0, t - b.t), self._tau(b))
        if certainly_apart(ba, bb, gate):
            return False
        (xa, Pa), (xb, Pb) = self._predicted(a, t), self._predicted(b, t)
        return positions_within(xa, Pa, xb, Pb, gate)

    # -- initiation ------------------------------------------------------------------------

    def _initiate(self, m: Measurement, events: list[TrackEvent]) -> None:
        start = self.initiator.initiate(m, self.clock)
        if start is None:
            if self.initiator.unusable:
                self.stats.unusable += 1
            return
        self._new_track(start, m, events)

    def _new_track(self, start: Start, m: Measurement, events: list[TrackEvent]) -> None:
        est = self.filter.estimate(start.state, self.modes.initial_probabilities(start.p_boost))
        tr = TrackState(self._next_id, self.arrays, est.xs, est.Ps, est.mu, start.state.t_s,
                        sensors=set(start.sensors), opportunities=list(start.opportunities),
                        t_report=_report_time(m), origin=start.state.x[0:3],
                        launch_detected=start.launch_detected, n_updates=len(start.opportunities))
        self._next_id += 1
        self._tracks.append(tr)
        self._slots = None
        self._changed.add(tr)
        self.stats.initiated += 1
        events.append(TrackEvent("initiated", tr.id, start.state.t_s, self._snapshot(tr), "", m.seq,
                                 m.sensor_id))

    # -- maintenance -----------------------------------------------------------------------

    def _tau(self, tr: TrackState) -> np.ndarray:
        return self.modes.tau_at(tr.t, tr.last_boost_t)

    def _predicted(self, tr: TrackState, t: float) -> tuple[np.ndarray, np.ndarray]:
        return self.filter.predict_arrays(tr.xs, tr.Ps, tr.mu, max(0.0, t - tr.t), self._tau(tr))

    def _bounds(self, tracks: list[TrackState], t: float, rows: np.ndarray | None = None) -> np.ndarray:
        """Cheap bounds (len(tracks), N_BOUND) of the tracks' predictions to ``t``."""
        a = self.arrays
        if rows is None:
            rows = np.array([tr.slot for tr in tracks], dtype=np.int64)
        return self.filter.bounds(a.xs, a.Ps, a.mu, a.t, a.last_boost_t, self.modes.chain, rows, t)

    def _maintain(self, events: list[TrackEvent]) -> None:
        """Delete the tracks that landed, were lost or cannot be confirmed, then merge
        duplicates. A track that did not change since the previous pass, at the same clock and
        report clock, gets the same answer as then (it stayed), so such a pass checks only the
        tracks changed since (the usual case when a scan's measurements come one at a time)."""
        now, report_clock = self.clock, self.report_clock
        changed, self._changed = self._changed, set()
        if not self._tracks:
            return
        if now == self._maintained[0] and report_clock == self._maintained[1]:
            subset = [tr for tr in self._tracks if tr in changed] if changed else []
            if subset:
                rows = np.array([tr.slot for tr in subset], dtype=np.int64)
                self._delete_due(subset, rows, now, events)
        else:
            self._maintained = (now, report_clock)
            self._delete_due(self._tracks, self._rows(), now, events)
        if not changed:
            return  # no estimate changed since the last merge pass: nothing new to merge
        merged = self.merger.merge(self._tracks, self._merge_candidates, self._merge_distances,
                                   lambda k, d: self._merged(k, d, events))
        if len(merged) != len(self._tracks):
            self._tracks, self._slots = merged, None

    def _delete_due(self, tracks: list[TrackState], rows: np.ndarray, now: float,
                    events: list[TrackEvent]) -> None:
        """Delete those of ``tracks`` (slots ``rows``) that have a reason to go at ``now``."""
        check = self.deleter.may_fire(self._bounds(tracks, now, rows)) if math.isfinite(now) else None
        settings = self.deleter.settings
        quiet = min(settings.coast_boost_s, settings.coast_ballistic_s)
        report_clock = self.report_clock
        gone: list[TrackState] = []
        for k, tr in enumerate(tracks):
            full = True if check is None else bool(check[k])
            gap = report_clock - tr.last_report_t
            tentative = tr.status == TENTATIVE
            if not full and gap <= quiet and not tentative:
                continue  # nothing can fire (the common case)
            reason = self.deleter.coast_reason(tentative, self.modes.boosting(tr.mu), gap,
                                               self.confirmer.failed(tr) if tentative else "")
            if not reason and full and now > tr.t:
                reason = self.coasting.reason(tr, now, self._tau(tr))
            if reason:
                self._delete(tr, reason, events)
                gone.append(tr)
        if gone:
            drop = set(gone)
            self._tracks, self._slots = [tr for tr in self._tracks if tr not in drop], None

    def _track_rows(self, tracks: list[TrackState]) -> np.ndarray:
        return self._rows() if tracks is self._tracks else np.array([tr.slot for tr in tracks], dtype=np.int64)

    def _merge_candidates(self, tracks: list[TrackState], dirty: np.ndarray,
                          gate: float) -> tuple[np.ndarray, np.ndarray]:
        a = self.arrays
        return self.filter.close_pairs(a.xs, a.Ps, a.mu, a.t, a.last_boost_t, self.modes.chain,
                                       self._track_rows(tracks), dirty, gate)

    def _merge_distances(self, tracks: list[TrackState], pairs: np.ndarray,
                         times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = self.arrays
        return self.filter.pair_distances(a.xs, a.Ps, a.mu, a.t, a.last_boost_t, self.modes.chain,
                                          self._track_rows(tracks), pairs, times, 6)

    def _delete(self, tr: TrackState, reason: str, events: list[TrackEvent]) -> None:
        self.stats.deleted += 1
        events.append(TrackEvent("deleted", tr.id, self.clock, self._snapshot(tr), reason))
        tr.release()
        self.coasting.forget(tr.id)

    def _merged(self, keep: TrackState, drop: TrackState, events: list[TrackEvent]) -> None:
        self.stats.merged += 1
        self._changed.add(keep)
        self._delete(drop, f"merged into track {keep.id}", events)
        events.append(TrackEvent("updated", keep.id, keep.t, self._snapshot(keep), "merged"))

    # -- snapshots -------------------------------------------------------------------------

    def _snapshot(self, tr: TrackState, combined: tuple[np.ndarray, np.ndarray] | None = None) -> TrackSnapshot:
        """The track's snapshot; ``combined``: its moment-matched (x, P) when already made."""
        return tr.snapshot(self.filter.combine, self.modes.boost_probability, combined)
