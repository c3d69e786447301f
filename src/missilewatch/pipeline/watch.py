"""The watch: measurements in; tracks, impact predictions, decisions and alerts out.

Per measurement (:meth:`Watch.ingest`): the tracker takes it (initiation, association, fusion,
out-of-sequence reprocessing), and nothing else: the measurement path never waits for a
prediction. A confirmed track falls due for prediction every ``predict_every_s`` of measurement
time, and at once when it changes phase (burnout, a next stage lighting); the newest snapshot
of each due track waits in a queue that :meth:`Watch.predict_due` empties on its own cadence
(after every item in a replay, between batches in the live service). Snapshots are immutable,
so when a prediction runs does not change what it says. Per due track: the
impact prediction with its footprint, the predicted ground track (the track's past positions,
its mean state flown on to impact, ending at the predicted impact), the assessment (the
geography issue's policy) and the alert book. While a track is more likely boosting than not,
or while its 95 % footprint is longer than the policy allows (``assessment.gate``), its impact
is not yet a prediction of anything, so no alert is issued from it (the lesson of warnings given for a
missile that never came near). When a track reaches the ground or the
stream ends, its alerts are closed with what is known.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from missilewatch.alerts import AlertBook, AlertKind, RegionNotice, WarningPlan
from missilewatch.alerts.model import Alert
from missilewatch.alerts.text import reason_text
from missilewatch.assessment.decide import Assessment, assess
from missilewatch.assessment.gate import USED, warn_gate
from missilewatch.assessment.impact import ImpactEllipse
from missilewatch.assessment.policy import Policy, load_policy
from missilewatch.assessment.reasons import AlertCause, ReasonCode
from missilewatch.errors import InputError
from missilewatch.flight.propagate import GEOD
from missilewatch.geography.overflight import GroundTrack
from missilewatch.geography.regions import region_outline
from missilewatch.pipeline.edge import Edge, EdgeConfig
from missilewatch.pipeline.guards import LostTrackGuard, RejectLog, alert_prefix, hand_over, health_text
from missilewatch.pipeline.partner_tracks import ingest as ingest_report
from missilewatch.pipeline.registry import SensorRegistry
from missilewatch.pipeline.source import Incoming, parse_line
from missilewatch.prediction import ImpactPrediction, predict_impact
from missilewatch.prediction.ground_track import predicted_ground_track
from missilewatch.tracking import Tracker, TrackerConfig, TrackSnapshot
from missilewatch.tracking.models import ballistic_model
from missilewatch.tracking.track_reports import TrackReport

# The watch's ballistic model has the same forces as the flights it tracks (J2, rotation, drag
# with the estimated beta), so little acceleration noise is left to model: 0.0013 m^2/s^3
# (~0.1 m/s per 10 s). Tuned on scenarios the consistency checks do not use (2017-08-29,
# 2017-11-29, land-impact-akita: mean of their time-averaged NEES 9.07 at 0.0005, 5.97 at
# 0.0013, 4.82 at 0.003; tests/tracking/test_consistency.py); checked on 2022-10-04 (5.99),
# 2017-09-15 (6.12), inside their 95 % bounds; 2022-11-18 (6.64, 0.48 above: velocity over-
# confident in the lofted ICBM's long descent above 100 km) and the salvo (4.94, 0.96 below:
# velocity over-cautious inside the atmosphere, false alarms or not). Default 0.05: conservative.
WATCH_BALLISTIC_Q_ACC = 0.0013


def _watch_tracker() -> TrackerConfig:
    return TrackerConfig(ballistic=ballistic_model(q_acc=WATCH_BALLISTIC_Q_ACC))


@dataclass(frozen=True)
class WatchConfig:
    """Settings of the watch (SI units)."""

    tracker: TrackerConfig = field(default_factory=_watch_tracker)
    predict_every_s: float = 5.0
    prediction_method: str = "unscented"
    #: Continued-thrust draws of a prediction made while the track is taken as boosting. Nobody
    #: is warned from such a prediction whatever its footprint (the alert gate is closed while
    #: boosting), so it is for display: on the 67 boosting predictions of 2022-10-04 and the
    #: salvo, against 8,000 draws, 100 draws put the centre within 4.5 % of the footprint's
    #: semi-major axis (rms; 2.4 % with 400) and the semi-major axis within 25 % (16 % with 400:
    #: the remaining burn makes the impact distribution heavy-tailed, so 400 were no exact
    #: figure either), at a quarter of the cost. After boost the prediction's own default (400).
    boosting_thrust_samples: int = 100
    ground_track_step_s: float = 10.0
    reassess_every_s: float = 30.0
    reassess_move_km: float = 10.0
    policy: Policy | None = None

    def __post_init__(self) -> None:
        if not self.predict_every_s > 0:
            raise InputError("predict_every_s", self.predict_every_s, "must be > 0 s")
        if not self.boosting_thrust_samples >= 10:
            raise InputError("boosting_thrust_samples", self.boosting_thrust_samples, "must be >= 10")
        for name in ("reassess_every_s", "reassess_move_km", "ground_track_step_s"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be > 0")


@dataclass(frozen=True)
class TimelineEvent:
    """One line of the watch's timeline: scenario time (s from the epoch), kind, words, data."""

    t_s: float
    kind: str  # launch, confirmed, prediction, alert, impact, deleted, rejected, sensor
    text: str
    track_id: int | None = None
    data: dict = field(default_factory=dict)


@dataclass
class PredictionRecord:
    """A prediction with its assessment, as made during the run."""

    t_s: float
    track_id: int
    prediction: ImpactPrediction
    assessment: Assessment | None
    boost_probability: float
    ground_track: GroundTrack | None


@dataclass
class TrackLog:
    """What the watch knows of one track."""

    track_id: int
    born_t_s: float
    launch_detected: bool
    confirmed_t_s: float | None = None
    ended_t_s: float | None = None
    end_reason: str = ""
    positions: list[tuple[float, np.ndarray]] = field(default_factory=list)
    last_prediction_t_s: float = -math.inf
    last_prediction_boosting: bool | None = None
    last_snapshot: TrackSnapshot | None = None
    predictions: list[PredictionRecord] = field(default_factory=list)
    last_plan: WarningPlan | None = None
    last_assessed: PredictionRecord | None = None
    warned_from_last_assessed: bool = False  # whether the last assessment could be warned from
    closed: bool = False
    launch_sensor: str = ""
    launch_announced: bool = False
    carries: str | None = None  # launch id of a merged-in track whose alerts this one goes on with

    @property
    def launch_id(self) -> str:
        return f"T{self.track_id}"


class Watch:
    """The streaming pipeline. Feed it with :meth:`ingest` (stream items) or :meth:`push` (JSON
    lines from a program); call :meth:`finish` at the end of the stream."""

    def __init__(
        self,
        epoch: dt.datetime,
        config: WatchConfig | None = None,
        on_event: Callable[[TimelineEvent], None] | None = None,
        recorder=None,
        *,
        sensors: SensorRegistry | None = None,
        edge: EdgeConfig | None = None,
        clock: Callable[[], float] | None = None,
        alert_scope: str | None = None,
    ) -> None:
        if epoch.tzinfo is None:
            raise InputError("epoch", epoch, "must be a timezone-aware UTC instant")
        self.epoch = epoch.astimezone(dt.UTC)
        self.config = config or WatchConfig()
        self.policy = self.config.policy or load_policy()
        self.tracker = Tracker(self.config.tracker)
        self.alerts = AlertBook(alert_prefix(alert_scope))
        self.tracks: dict[int, TrackLog] = {}
        self.track_events: list = []
        self.timeline: list[TimelineEvent] = []
        self.rejected = RejectLog()
        self.edge = Edge(sensors, edge, references=self._references, external_clock=clock)
        self.guard = LostTrackGuard()
        self.accepted = 0
        self.duplicates = 0
        self.clock_s = -math.inf
        self._on_event = on_event
        self._recorder = recorder
        self._seq = 0
        self._due: dict[int, TrackSnapshot] = {}  # track id -> newest snapshot due for prediction

    @property
    def predictions_pending(self) -> int:
        """Tracks waiting for their impact prediction (the prediction queue's depth)."""
        return len(self._due)

    # -- input ---------------------------------------------------------------------------

    def push(self, line: str) -> list[TimelineEvent]:
        """One measurement as a JSON line (the measurement format) from a program; the
        predictions it makes due are run before returning (see :meth:`step`)."""
        item = parse_line(line, self.epoch, self._seq, f"pushed measurement {self._seq}")
        return self.step(item)

    def step(self, item: Incoming) -> list[TimelineEvent]:
        """:meth:`ingest` then :meth:`predict_due`: the batch watch's step per item."""
        return self.ingest(item) + self.predict_due()

    def ingest(self, item: Incoming) -> list[TimelineEvent]:
        """One stream item: through the edge (plausibility, time window, duplicates, sensor
        health), then a measurement to the tracker or a rejection (counted, recorded, never
        fatal). Tracks that fall due for prediction are queued, not predicted (:meth:`predict_due`)."""
        self._seq = max(self._seq, item.seq + 1)
        res = self.edge.admit(item)
        new = [self._emit(ch.t_s, "sensor", health_text(ch)) for ch in res.changes]
        for it in res.items:
            new.extend(self._ingest_one(it))
        new.extend(self._release_held())
        return new

    def _references(self):
        return [log.last_snapshot for log in self.tracks.values()
                if log.ended_t_s is None and log.last_snapshot is not None]

    def _release_held(self) -> list[TimelineEvent]:
        """Close the alerts of lost tracks whose latest possible impact time has passed."""
        out = []
        for tid in self.guard.due(self.clock_s):
            log = self.tracks[tid]
            out.extend(self._close(log, self.clock_s, f"{log.end_reason}; latest possible impact time passed"))
        return out

    def _ingest_one(self, item: Incoming) -> list[TimelineEvent]:
        if not item.accepted and item.reason == "duplicate":
            self.duplicates += 1
            if self._recorder:
                self._recorder.measurement(item, None)
            return []
        if not item.accepted:
            self.rejected.append(item)
            if self._recorder:
                self._recorder.measurement(item, None)
            return [self._emit(self.clock_s if math.isfinite(self.clock_s) else 0.0, "rejected",
                               f"measurement rejected: {item.error}")]
        m = item.measurement
        assert m is not None  # an accepted item carries its measurement
        try:
            out = self.tracker.process(m)
        except (InputError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
            bad = item.rejected("values", "tracker", str(exc))
            self.rejected.append(bad)
            if self._recorder:
                self._recorder.measurement(bad, None)
            return [self._emit(m.t_s, "rejected", f"measurement rejected: {exc}")]
        self.accepted += 1
        self.clock_s = max(self.clock_s, m.t_report_s if m.t_report_s is not None else m.t_s)
        self.track_events.extend(out.events)
        for ev in out.events:
            if ev.kind == "updated" and ev.sensor_id:
                self.edge.health.track_updated(ev.track_id, ev.sensor_id, ev.t_s)
        new: list[TimelineEvent] = []
        updated: dict[int, TrackSnapshot] = {}
        assigned = None
        for ev in out.events:
            new.extend(self._track_event(ev))
            if ev.kind in ("updated", "confirmed") and ev.track.confirmed:
                updated[ev.track_id] = ev.track
            if ev.kind == "updated" and ev.measurement_seq == m.seq:
                assigned = ev.track_id
        if self._recorder:
            self._recorder.measurement(item, assigned)
        self._queue_due(updated)
        return new

    def ingest_track(self, report: TrackReport) -> list[TimelineEvent]:
        """A partner node's track report: see :func:`missilewatch.pipeline.partner_tracks.ingest`."""
        return ingest_report(self, report)

    def _queue_due(self, updated: dict[int, TrackSnapshot]) -> None:  # confirmed tracks just updated
        for tid, snap in updated.items():
            log = self.tracks[tid]
            if log.closed:
                continue
            regular = snap.t_s - log.last_prediction_t_s >= self.config.predict_every_s
            phase_change = log.last_prediction_boosting not in (None, self._boosting(snap))
            if regular or phase_change:
                if regular:  # a phase change adds a prediction without moving the schedule
                    log.last_prediction_t_s = snap.t_s
                log.last_prediction_boosting = self._boosting(snap)
                self._due[tid] = snap  # replaces an older snapshot still waiting, keeps its turn

    def predict_due(self, max_tracks: int | None = None) -> list[TimelineEvent]:
        """Run the impact predictions (and assessments, alerts) of the tracks due, oldest turn
        first; at most ``max_tracks`` of them when given (the rest stay queued)."""
        out: list[TimelineEvent] = []
        while self._due and (max_tracks is None or max_tracks > 0):
            tid = next(iter(self._due))
            snap = self._due.pop(tid)
            log = self.tracks[tid]
            if not log.closed:
                out.extend(self._predict(log, snap))
            max_tracks = None if max_tracks is None else max_tracks - 1
        return out

    def finish(self) -> list[TimelineEvent]:
        """End of the stream: decide what the edge still holds, run the predictions still due,
        then close every launch that still has alerts open (a lost track's too: the stream ends
        here)."""
        res = self.edge.flush()
        new = [self._emit(ch.t_s, "sensor", health_text(ch)) for ch in res.changes]
        for it in res.items:
            new.extend(self._ingest_one(it))
        new.extend(self.predict_due())
        new.extend(self._release_held())
        for log in self.tracks.values():
            if self.guard.held(log.track_id):
                new.append(self._emit(self.clock_s, "alert", f"T{log.track_id}: stream ended while it may still be "
                                      "in flight; its alerts stay", log.track_id))
                continue
            if not log.closed and log.confirmed_t_s is not None:
                new.extend(self._close(log, self.clock_s, "end of the measurement stream"))
        return new

    # -- tracks --------------------------------------------------------------------------

    def _track_event(self, ev) -> list[TimelineEvent]:
        snap = ev.track
        log = self.tracks.get(ev.track_id)
        if log is None:
            log = self.tracks[ev.track_id] = TrackLog(ev.track_id, snap.born_t_s, snap.launch_detected)
        log.last_snapshot = snap
        if ev.kind in ("initiated", "updated", "confirmed"):
            log.positions.append((snap.t_s, snap.state.x[:3].copy()))
        if self._recorder:
            self._recorder.track(log, ev)
        out = []
        if ev.kind == "initiated" and snap.launch_detected:
            log.launch_sensor = ev.sensor_id or "infrared"
        if log.launch_sensor and not log.launch_announced and self.edge.health.enough_sensors(ev.track_id):
            log.launch_announced = True
            out.append(self._emit(ev.t_s, "launch", f"launch detected by {log.launch_sensor} "
                                  f"(track T{ev.track_id})", ev.track_id))
        elif ev.kind == "confirmed":
            log.confirmed_t_s = ev.t_s
            sensors = ", ".join(snap.sensors)
            out.append(self._emit(ev.t_s, "confirmed", f"track T{ev.track_id} confirmed ({sensors})", ev.track_id))
        elif ev.kind == "deleted":
            log.ended_t_s, log.end_reason = ev.t_s, ev.reason
            if hand_over(self.tracks, log, ev.reason):
                out.append(self._emit(ev.t_s, "deleted", f"track T{ev.track_id} ended: {ev.reason}, which goes on "
                                      "with its alerts", ev.track_id))
            elif log.confirmed_t_s is not None:
                out.append(self._emit(ev.t_s, "deleted", f"track T{ev.track_id} ended: {ev.reason}", ev.track_id))
                until = self.guard.hold(log, ev.reason) if not log.closed else None
                if until is not None:
                    out.append(self._emit(ev.t_s, "alert", f"T{ev.track_id} lost: alerts stay until its latest "
                                          f"possible impact, {until - ev.t_s:,.0f} s from now", ev.track_id))
                elif not log.closed:
                    out.extend(self._close(log, ev.t_s, ev.reason))
        return out

    # -- prediction, assessment, alerts --------------------------------------------------

    def _boosting(self, snap: TrackSnapshot) -> bool:
        return self.policy.boosting(snap.boost_probability)

    def _predict(self, log: TrackLog, snap: TrackSnapshot) -> list[TimelineEvent]:
        try:
            thrust = self.config.boosting_thrust_samples if self._boosting(snap) else None
            pred = predict_impact(snap, method=self.config.prediction_method, thrust_samples=thrust)
        except (InputError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
            return [self._emit(snap.t_s, "prediction", f"T{log.track_id}: no impact prediction ({exc})", log.track_id)]
        a, b = pred.footprint.semi_axes_km
        gate = warn_gate(self.policy, pred.impact_lat_deg, pred.impact_probability, snap.boost_probability, a)
        if gate.code not in USED:
            return []
        boosting = gate.code is ReasonCode.GATE_BOOSTING
        warnable = gate.code is ReasonCode.GATE_OPEN and self.edge.health.enough_sensors(log.track_id)
        prev = log.last_assessed
        # A gate that opens (a footprint short enough at last, a second sensor's evidence) is
        # assessed at once, not at the next periodic reassessment.
        if self._reassess(prev, pred, snap.t_s, boosting) or (warnable and not log.warned_from_last_assessed):
            track = predicted_ground_track(log.positions, snap.state.x, snap.t_s, pred, self.config.ground_track_step_s)
            fp = pred.footprint
            # The footprint is a 95 % ellipse; the policy takes 1-sigma axes and its own sigma.
            scale = math.sqrt(fp.scale2) if fp.scale2 > 0 else 1.0
            ellipse = ImpactEllipse(pred.impact_lat_deg, pred.impact_lon_deg, max(a, b) / scale,
                                    min(a, b) / scale, fp.orientation_deg)
            decision = assess(ellipse, track, self.policy, impact_time_s=pred.t_impact_s)
            rec = PredictionRecord(snap.t_s, log.track_id, pred, decision, snap.boost_probability, track)
            log.last_assessed = rec
        else:
            assert prev is not None  # _reassess asks for an assessment when there is none yet
            rec = PredictionRecord(snap.t_s, log.track_id, pred, prev.assessment, snap.boost_probability,
                                   prev.ground_track)
        log.predictions.append(rec)
        if self._recorder:
            self._recorder.prediction(log, rec)
        if log.last_assessed is not rec:
            return []  # nothing new to say; the prediction is recorded
        log.warned_from_last_assessed = warnable
        out = [self._emit(snap.t_s, "prediction", self._prediction_text(log, rec), log.track_id,
                          data={"impact_lat_deg": pred.impact_lat_deg, "impact_lon_deg": pred.impact_lon_deg,
                                "semi_major_km": a, "semi_minor_km": b, "t_impact_s": pred.t_impact_s,
                                "boost_probability": snap.boost_probability})]
        if boosting:
            return out
        if not self.edge.health.enough_sensors(log.track_id):
            return out  # the policy wants a second sensor's evidence before anyone is warned
        if gate.code is ReasonCode.GATE_FOOTPRINT:
            out.append(self._emit(snap.t_s, "prediction", f"T{log.track_id}: {reason_text(gate)}", log.track_id))
            return out
        out.extend(self._plan(log, rec, snap.t_s, final=False))
        return out

    def _reassess(self, prev: PredictionRecord | None, pred: ImpactPrediction, t_s: float, boosting: bool) -> bool:
        """Assess again only when something may have changed: the first time, at the end of
        boost, every ``reassess_every_s``, or when the impact moved by more than
        ``reassess_move_km`` or half the previous footprint."""
        if prev is None or boosting != self.policy.boosting(prev.boost_probability):
            return True
        if t_s - prev.t_s >= self.config.reassess_every_s:
            return True
        moved = float(GEOD.inv(prev.prediction.impact_lon_deg, prev.prediction.impact_lat_deg,
                               pred.impact_lon_deg, pred.impact_lat_deg)[2]) / 1e3
        return moved > max(self.config.reassess_move_km, 0.5 * prev.prediction.footprint.semi_major_km)

    def _prediction_text(self, log: TrackLog, rec: PredictionRecord) -> str:
        p, d = rec.prediction, rec.assessment
        a, b = p.footprint.semi_axes_km
        phase = "boosting, " if self.policy.boosting(rec.boost_probability) else ""
        words = (f"T{log.track_id}: {phase}impact {p.impact_lat_deg:.2f}, {p.impact_lon_deg:.2f} "
                 f"(95% {a:.0f} x {b:.0f} km) in {p.time_to_impact_s:.0f} s, apogee {p.apogee_km:.0f} km")
        if p.range_class is not None:
            words += f", {p.range_class.value}"
        if p.trajectory_type is not None:
            words += f" {p.trajectory_type.value}"
        if d is not None:
            words += f"; {d.impact_reference}, {d.impact_zone}"
            if d.overflown:
                words += "; over " + ", ".join(o.label for o in d.overflown)
        return words

    def _notices(self, decision: Assessment) -> tuple[RegionNotice, ...]:
        notices = []
        for a in decision.alerts:
            falls_here = decision.threat_of_damage and a.region == decision.impact_region
            kind = AlertKind.IMPACT if a.cause.falls_near or falls_here else AlertKind.LAUNCH
            poly = region_outline(a.country, a.region)
            t = decision.impact_time_s if falls_here and decision.impact_time_s is not None else a.time_s
            notices.append(RegionNotice(a.region, a.country, kind, self.epoch + dt.timedelta(seconds=float(t)), poly,
                                        overflown=a.cause is AlertCause.OVERFLIGHT))
        return tuple(notices)

    def _plan(self, log: TrackLog, rec: PredictionRecord, t_s: float, final: bool) -> list[TimelineEvent]:
        d = rec.assessment
        assert d is not None  # plans are made from assessed predictions only
        t_s = min(t_s, self.clock_s) if math.isfinite(self.clock_s) else t_s  # never ahead of the stream
        plan = WarningPlan(
            launch_id=log.carries or log.launch_id,
            made_at=self.epoch + dt.timedelta(seconds=t_s),
            launch_time=self.epoch + dt.timedelta(seconds=log.born_t_s),
            regions=self._notices(d),
            threat_of_damage=d.threat_of_damage,
            intercept_recommended=d.intercept_recommended,
            impact_text=f"{d.impact_reference}, {d.impact_zone.replace('_', ' ')}",
            reasons=tuple(d.reasons),
            final=final,
            impact_lat_deg=rec.prediction.impact_lat_deg,
            impact_lon_deg=rec.prediction.impact_lon_deg,
        )
        log.last_plan = plan
        msgs = self.alerts.update(plan)
        return [self._alert_event(log, m, t_s) for m in msgs]

    def _alert_event(self, log: TrackLog, msg: Alert, t_s: float) -> TimelineEvent:
        if self._recorder:
            self._recorder.alert(msg)
        what = msg.msg_type.value.lower()
        if msg.passed_regions:
            what = "closed"
        regions = ", ".join(msg.region_names) or "-"
        text = f"alert {what} ({msg.identifier}): {regions}"
        if msg.cancelled_regions:
            text += "; withdrawn for " + ", ".join(n for n, _ in msg.cancelled_regions)
        return self._emit(t_s, "alert", text, log.track_id, data={"message": msg})

    def _close(self, log: TrackLog, t_s: float, reason: str) -> list[TimelineEvent]:
        log.closed = True
        self.guard.release(log.track_id)
        last = log.predictions[-1] if log.predictions else None
        out = []
        if last is not None:
            p, d = last.prediction, last.assessment
            where = f"{d.impact_reference}, {d.impact_zone.replace('_', ' ')}" if d is not None else "not assessed"
            out.append(self._emit(t_s, "impact", f"T{log.track_id}: fell near {p.impact_lat_deg:.2f}, "
                                  f"{p.impact_lon_deg:.2f} ({where}); {reason}", log.track_id))
            if log.last_plan is not None:
                out.extend(self._plan(log, last, t_s, final=True))
        return out

    def _emit(self, t_s: float, kind: str, text: str, track_id: int | None = None, data=None) -> TimelineEvent:
        ev = TimelineEvent(float(t_s), kind, text, track_id, data or {})
        self.timeline.append(ev)
        if self._on_event:
            self._on_event(ev)
        return ev

