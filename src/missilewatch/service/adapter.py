"""The service's one contact with the watch (``missilewatch.pipeline``).

Everything the live service needs from the pipeline passes through here: validating a JSON
line of ``missilewatch.measurement/1``, feeding it to a :class:`~missilewatch.pipeline.watch.Watch`,
and turning what the watch says (its ``TimelineEvent``s and ``TrackLog``s) into JSON-ready
event dicts for the event log. A change of the watch's API is a change of this file only.

Event dicts: ``kind`` (``track.initiated``, ``track.updated``, ``track.confirmed``,
``track.deleted``, ``launch``, ``prediction``, ``prediction.note``, ``decision``,
``alert.issued``/``updated``/``cancelled``/``closed``, ``impact``, ``measurement.rejected``),
``t_s`` (s from the session epoch), ``track`` (``T<n>`` or None), ``text`` (words), ``data``.
Positions in degrees and km at this edge, as the names say.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from typing import Any

import numpy as np
from pydantic import ValidationError

from missilewatch.alerts.cap import render_cap
from missilewatch.alerts.model import Alert, MsgType
from missilewatch.alerts.text import render_text
from missilewatch.assessment.policy import Policy
from missilewatch.earth.frames import ecef2geodetic
from missilewatch.errors import InputError
from missilewatch.pipeline.partner_tracks import TrackRecord, check_track_line, is_track_line, parse_track_line
from missilewatch.pipeline.partner_tracks import report as track_report
from missilewatch.pipeline.source import parse_line, parse_record
from missilewatch.pipeline.watch import TimelineEvent, TrackLog, Watch, WatchConfig
from missilewatch.sensors.measurement_io import MeasurementRecord, parse_utc
from missilewatch.tracking.measurements import MTYPE_CODES

#: ``earth.frames.ecef2geodetic`` refuses points within 100 km of the Earth's centre (m).
MIN_SENSOR_RADIUS_M = 100_000.0

# Seconds of measurement time between two track.updated events of one track.
TRACK_UPDATE_EVERY_S = 2.0
VALIDATION_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Checked:
    """One validated line: the sensor id and time of validity, or the reason it is rejected."""

    ok: bool
    sensor_id: str | None = None
    time_utc: dt.datetime | None = None
    reason: str | None = None
    record: Any = None  # the validated MeasurementRecord: the watch need not validate it again


def check_line(line: str, where: str) -> Checked:
    """Validate one JSON line as the watch would read it (without feeding any watch); a
    partner's track report (``missilewatch.track/1``) as :mod:`~missilewatch.pipeline.partner_tracks` reads it."""
    if is_track_line(line):
        rec, t, err = check_track_line(line, where)
        return Checked(False, reason=err) if rec is None else Checked(True, rec.sensor_id, t, record=rec)
    try:
        record = MeasurementRecord.model_validate_json(line)
    except ValidationError:  # worded as the watch words it
        return Checked(False, reason=parse_line(line, VALIDATION_EPOCH, 0, where).error)
    if _surely_measurable(record):
        t_s = (parse_utc(record.time_utc) - VALIDATION_EPOCH).total_seconds()
        return Checked(True, sensor_id=record.sensor_id, time_utc=VALIDATION_EPOCH + dt.timedelta(seconds=t_s),
                       record=record)
    item = parse_record(record, line, VALIDATION_EPOCH, 0, where)
    m = item.measurement
    if m is None:
        return Checked(False, reason=item.error)
    return Checked(True, sensor_id=m.sensor_id, time_utc=VALIDATION_EPOCH + dt.timedelta(seconds=float(m.t_s)),
                   record=record)


def _surely_measurable(record: MeasurementRecord) -> bool:
    """True when the watch's conversion of a record that passed the schema
    (:func:`~missilewatch.tracking.measurements.from_record`) cannot refuse it: the sensor
    position given in ECEF, finite and well away from the Earth's centre, every variance
    positive. The schema checked the rest (type, values, covariance, times). False: take the
    full conversion for the verdict and the watch's wording of the reason (tests hold the two
    to the same verdicts). Saves the frame conversion on the ingest path."""
    r = record.sensor_position.ecef_m
    if r is None or len(r) != 3 or not all(math.isfinite(v) for v in r) or \
            math.fsum(v * v for v in r) < (1.01 * MIN_SENSOR_RADIUS_M) ** 2:
        return False
    if record.type not in MTYPE_CODES or not all(math.isfinite(v) for v in record.sensor_velocity_ecef_mps):
        return False
    return all(len(row) == len(record.covariance) and row[i] > 0 for i, row in enumerate(record.covariance))


def warm_up(policy: Policy | None = None) -> None:
    """Load once, before the first measurement, what the first assessment would otherwise load
    on the measurement path (region outlines, zone index, policy): seconds, not milliseconds."""
    from missilewatch.assessment.policy import load_policy
    from missilewatch.geography.regions import all_regions
    from missilewatch.geography.zones import classify_points

    all_regions()
    classify_points(np.array([40.8]), np.array([140.7]))
    if policy is None:
        load_policy()


def warm_up_lines() -> list[str]:
    """The packaged warm-up records (JSON lines; see :func:`warm_up_watch`)."""
    from importlib.resources import files

    return json.loads(files("missilewatch.service").joinpath("data/watch_warmup.json").read_text())["lines"]


def warm_up_check() -> None:
    """Validate the warm-up records once (:func:`check_line`), so the first request does not
    load the frame conversion's kernels (about a second on a busy machine)."""
    for line in warm_up_lines()[:5]:
        check_line(line, "warm-up record")


def warm_up_watch(policy: Policy | None = None) -> dict[str, int]:
    """Run the packaged warm-up records (``data/watch_warmup.json``: the first 70 records of
    the simulated 2022-10-04 flight, through its first impact prediction) through a throwaway
    watch, so that the first prediction of the service's own stream does not pay for loading
    kernels and tables (~0.1 CPU-s, several hundred milliseconds of latency on a busy machine).
    Returns the event kinds it made, counted."""
    lines = warm_up_lines()
    first = dt.datetime.fromisoformat(json.loads(lines[0])["time_utc"].replace("Z", "+00:00"))
    watch = LiveWatch(first.replace(second=0, microsecond=0), 0, policy)
    kinds: dict[str, int] = {}
    for i, line in enumerate(lines):
        for ev in watch.ingest(line, i):
            kinds[ev["kind"]] = kinds.get(ev["kind"], 0) + 1
    return kinds


def _alert_state(msg: Alert) -> str:
    if msg.passed_regions:
        return "closed"
    return {MsgType.ALERT: "issued", MsgType.UPDATE: "updated", MsgType.CANCEL: "cancelled"}[msg.msg_type]


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


class LiveWatch:
    """A watch of one service session: epoch, policy, and the session tag in alert identifiers.

    :meth:`ingest` takes one stored JSON line and returns the event dicts it causes."""

    def __init__(self, epoch: dt.datetime, session_id: int, policy: Policy | None = None) -> None:
        self.epoch = epoch
        self.session_id = session_id
        self._events: list[TimelineEvent] = []
        config = WatchConfig(policy=policy) if policy is not None else None
        # Alert identifiers are scoped by the session (missilewatch-S<id>-T<track>-<n>): unique
        # across sessions, and the same when a restart rebuilds the session's watch.
        self.watch = Watch(epoch, config, on_event=self._events.append, alert_scope=f"S{session_id}")
        self._shown: dict[int, float] = {}  # track id -> t_s of its last track.updated event
        self._ended: set[int] = set()
        self.last_time_s = -math.inf

    # -- input -----------------------------------------------------------------------------

    def ingest(self, line: str, seq: int, record: Any = None) -> list[dict]:
        """Feed one JSON line (already validated and stored) to the watch; ``record``: its
        validated MeasurementRecord when the ingest has it (the same item, without a second
        validation)."""
        if isinstance(record, TrackRecord) or (record is None and is_track_line(line)):
            return self._ingest_track(line, seq, record)
        where = f"measurement {seq}"
        item = parse_line(line, self.epoch, seq, where) if record is None else \
            parse_record(record, line, self.epoch, seq, where)
        self._events.clear()
        self.watch.step(item)  # this worker thread is off the ack path: predictions run here too
        if item.measurement is not None:
            self.last_time_s = max(self.last_time_s, float(item.measurement.t_s))
        return self._convert()

    def _ingest_track(self, line: str, seq: int, record: TrackRecord | None) -> list[dict]:
        """A partner's track report (stored in the same ordered stream) into the watch."""
        self._events.clear()
        try:
            r = parse_track_line(line, self.epoch, seq) if record is None else track_report(record, self.epoch, seq)
        except InputError as exc:
            return [self._ev("measurement.rejected", max(self.last_time_s, 0.0), f"track report {seq}: {exc}", None)]
        self.watch.ingest_track(r)  # its events reach self._events through on_event
        self.watch.predict_due()
        self.last_time_s = max(self.last_time_s, r.t_s)
        return self._convert()

    def finish(self, reason: str = "session closed") -> list[dict]:
        """End of the session's stream: the watch closes every open launch."""
        self._events.clear()
        self.watch.finish()
        return self._convert()

    def live_tracks(self) -> int:
        """Tracks still flying (confirmed or launch-detected, not ended)."""
        return sum(1 for log in self.watch.tracks.values() if self._is_shown(log) and log.ended_t_s is None
                   and not log.closed)

    # -- conversion ------------------------------------------------------------------------

    @staticmethod
    def _is_shown(log: TrackLog) -> bool:
        return log.confirmed_t_s is not None or log.launch_detected

    def utc(self, t_s: float) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=float(t_s))

    def _ev(self, kind: str, t_s: float, text: str, track: str | None, data: dict | None = None) -> dict:
        return {"kind": kind, "t_s": float(t_s), "time_utc": self.utc(t_s).isoformat(), "track": track,
                "text": text, "data": data or {}}

    def _convert(self) -> list[dict]:
        out: list[dict] = []
        for log in self.watch.tracks.values():
            if self._is_shown(log) and log.track_id not in self._shown and log.last_snapshot is not None:
                self._shown[log.track_id] = -math.inf
                out.append(self._ev("track.initiated", log.born_t_s, f"track {log.launch_id} initiated",
                                    log.launch_id, self._track_data(log)))
        for ev in self._events:
            out.extend(self._timeline(ev))
        for log in self.watch.tracks.values():
            snap = log.last_snapshot
            if log.track_id not in self._shown or snap is None or log.track_id in self._ended:
                continue
            if log.ended_t_s is not None:
                self._ended.add(log.track_id)
                if log.confirmed_t_s is None:  # the watch reports only confirmed tracks ending
                    out.append(self._ev("track.deleted", log.ended_t_s, f"track {log.launch_id} ended: "
                                        f"{log.end_reason}", log.launch_id, {"reason": log.end_reason}))
                continue
            if snap.t_s - self._shown[log.track_id] >= TRACK_UPDATE_EVERY_S:
                self._shown[log.track_id] = snap.t_s
                data = self._track_data(log)
                out.append(self._ev("track.updated", snap.t_s, f"track {log.launch_id} at {data['lat_deg']:.3f}, "
                                    f"{data['lon_deg']:.3f}, {data['alt_km']:.1f} km", log.launch_id, data))
        return out

    def _track_data(self, log: TrackLog) -> dict[str, Any]:
        snap = log.last_snapshot
        assert snap is not None  # only tracks with a snapshot are shown
        x, P = snap.state.x, snap.state.P
        lat, lon, h = (float(v) for v in ecef2geodetic(*x[:3]))
        return {
            "t_utc": self.utc(snap.t_s).isoformat(), "lat_deg": _r(lat, 5), "lon_deg": _r(lon, 5),
            "alt_km": _r(h / 1e3, 3), "r_ecef_m": [_r(v, 1) for v in x[:3]], "v_ecef_mps": [_r(v, 2) for v in x[3:6]],
            "speed_mps": _r(float(np.linalg.norm(x[3:6])), 1),
            "sigma_pos_m": _r(math.sqrt(max(float(np.trace(P[:3, :3])), 0.0)), 1),
            "boost_probability": _r(snap.boost_probability, 3), "status": snap.status,
            "confirmed": log.confirmed_t_s is not None, "launch_detected": log.launch_detected,
            "sensors": list(snap.sensors), "n_updates": int(snap.n_updates),
            "born_utc": self.utc(log.born_t_s).isoformat(),
            # position and velocity covariance (m, m/s; ECEF), full precision: for allied fusion
            "P_ecef": [[float(v) for v in row[:6]] for row in P[:6]],
        }

    def _timeline(self, ev: TimelineEvent) -> list[dict]:
        track = None if ev.track_id is None else f"T{ev.track_id}"
        log = self.watch.tracks.get(ev.track_id) if ev.track_id is not None else None
        if ev.kind == "launch":
            return [self._ev("launch", ev.t_s, ev.text, track)]
        if ev.kind == "confirmed":
            return [self._ev("track.confirmed", ev.t_s, ev.text, track, self._track_data(log) if log else {})]
        if ev.kind == "deleted":
            if ev.track_id is not None:
                self._ended.add(ev.track_id)
            return [self._ev("track.deleted", ev.t_s, ev.text, track,
                             {"reason": log.end_reason if log else ""})]
        if ev.kind == "impact":
            return [self._ev("impact", ev.t_s, ev.text, track)]
        if ev.kind == "rejected":
            return [self._ev("measurement.rejected", ev.t_s, ev.text, track)]
        if ev.kind == "alert":
            return [self._alert(ev, track)]
        if ev.kind == "prediction":
            rec = log.last_assessed if log is not None else None
            if rec is None or "impact_lat_deg" not in ev.data:
                return [self._ev("prediction.note", ev.t_s, ev.text, track)]
            assert log is not None  # rec comes from it
            warned = log.warned_from_last_assessed
            return [self._ev("prediction", ev.t_s, ev.text, track, self._prediction_data(rec)),
                    self._ev("decision", ev.t_s, self._decision_text(rec, warned), track,
                             self._decision_data(rec, warned))]
        return [self._ev(ev.kind, ev.t_s, ev.text, track)]

    def _prediction_data(self, rec) -> dict[str, Any]:
        p = rec.prediction
        a, b = p.footprint.semi_axes_km
        lat, lon = p.footprint.polygon(36)
        overflown = []
        if rec.assessment is not None:
            for o in rec.assessment.overflown:
                d = o.to_dict()
                d["enter_utc"], d["exit_utc"] = self.utc(o.enter_s).isoformat(), self.utc(o.exit_s).isoformat()
                overflown.append(d)
        ground = []
        if rec.ground_track is not None:
            gt = rec.ground_track
            for t, la, lo, al in zip(gt.t_s[::3], gt.lat_deg[::3], gt.lon_deg[::3], gt.alt_km[::3], strict=False):
                ground.append([_r(t - p.t_s, 1), _r(la, 4), _r(lo, 4), _r(al, 2)])
        return {
            "t_utc": self.utc(p.t_s).isoformat(), "impact_lat_deg": _r(p.impact_lat_deg, 5),
            "impact_lon_deg": _r(p.impact_lon_deg, 5), "impact_utc": self.utc(p.t_impact_s).isoformat(),
            "impact_sigma_s": _r(p.t_impact_sigma_s, 2), "time_to_impact_s": _r(p.time_to_impact_s, 1),
            "semi_major_km": _r(a, 3), "semi_minor_km": _r(b, 3), "orientation_deg": _r(p.footprint.orientation_deg, 2),
            "footprint_polygon": [[_r(la, 5), _r(lo, 5)] for la, lo in zip(lat, lon, strict=True)],
            "apogee_km": _r(p.apogee_km, 2), "range_km": _r(p.range_km, 2),
            "range_class": p.range_class.value if p.range_class else None,
            "trajectory_type": p.trajectory_type.value if p.trajectory_type else None,
            "boost_probability": _r(rec.boost_probability, 3), "overflown": overflown,
            "ground_track": ground,
        }

    def _decision_text(self, rec, warned: bool) -> str:
        """The decision in words; one the watch may not warn from yet (still boosting, too
        uncertain, one sensor's evidence) says so, so that nobody reads it as a warning."""
        d = rec.assessment
        threat = "threat of damage" if d.threat_of_damage else "no threat of damage"
        regions = ", ".join(d.alert_regions) or "no region"
        if warned:
            return f"T{rec.track_id}: {d.impact_zone.replace('_', ' ')}; {threat}; warn {regions}"
        why = "still boosting" if self.watch.policy.boosting(rec.boost_probability) else "not yet certain enough"
        return (f"T{rec.track_id}: provisional ({why}; nobody is warned from it): {d.impact_zone.replace('_', ' ')}; "
                f"{threat}; would concern {regions}")

    @staticmethod
    def _decision_data(rec, warned: bool) -> dict[str, Any]:
        d = rec.assessment
        return {"warned_from": warned, "impact_zone": d.impact_zone, "impact_country": d.impact_country,
                "impact_reference": d.impact_reference, "threat_of_damage": d.threat_of_damage,
                "intercept_recommended": d.intercept_recommended, "alert_regions": list(d.alert_regions),
                "reasons": list(d.reasons)}

    def _alert(self, ev: TimelineEvent, track: str | None) -> dict:
        msg: Alert = ev.data["message"]
        state = _alert_state(msg)
        text = ev.text
        data = {
            "identifier": msg.identifier, "launch_id": msg.launch_id, "msg_type": msg.msg_type.value,
            "state": state, "sent_utc": msg.sent.isoformat(), "regions": msg.region_names,
            "region_times_utc": {r.region: r.time_utc.isoformat() for r in msg.regions},
            "cancelled_regions": [list(c) for c in msg.cancelled_regions],
            "passed_regions": list(msg.passed_regions),
            "references": [i for i, _ in msg.references],
            "threat_of_damage": msg.plan.threat_of_damage, "impact_text": msg.plan.impact_text,
            "cap_xml": render_cap(msg), "text_en": render_text(msg, "en"), "text_ja": render_text(msg, "ja"),
        }
        return self._ev(f"alert.{state}", ev.t_s, text, track, data)


def report_from_received(directory, out, tz: dt.tzinfo) -> dict[str, Any]:
    """The report ``replay --out`` writes, made from a directory holding what the service
    received (``measurements.jsonl`` in commit order, with the simulation's ``truth.parquet``):
    the same stream through the batch watch. Returns the summary with the batch alerts as
    (msg_type, regions, sent) for comparison with the live ones."""
    from pathlib import Path

    from missilewatch.pipeline.replay import replay
    from missilewatch.pipeline.report import write_report
    from missilewatch.pipeline.source import from_directory

    result = replay(from_directory(Path(directory)))
    page = write_report(result, out, tz)
    summary = dict(result.summary)
    summary["report"] = str(page)
    summary["batch_alerts"] = [(m.msg_type.value, m.region_names, m.sent.isoformat())
                               for m in result.watch.alerts.messages()]
    return summary
