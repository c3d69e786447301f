"""Partner track reports in the watch's ordered input stream.

A partner node's track (what its sharing terms let it send: state and covariance) enters this
node's stream as one JSON line of ``missilewatch.track/1``, stored and ordered with the
measurements, so that a restart re-runs it where it was::

    {"schema": "missilewatch.track/1", "sensor_id": "partner-ROK", "node": "ROK", "track": "T1",
     "seq": 17, "time_utc": "2022-10-03T22:24:01.250000+00:00",
     "r_ecef_m": [x, y, z], "v_ecef_mps": [vx, vy, vz], "P_ecef": [[...6...] x 6],
     "sensors": ["busan-greenpine"], "boost_probability": 0.0, "confirmed": true}

SI, ECEF (WGS84): m, m/s, covariance of position and velocity (m^2, m^2/s, m^2/s^2).
``sensor_id`` is ``partner-<node>``; ``seq`` the partner link's message number (the record's id
stays unique); ``sensors`` the partner's sensors behind the track (provenance, and what tells
this node's tracker the report shares information with its own, see
:mod:`missilewatch.tracking.track_reports`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from missilewatch.errors import InputError
from missilewatch.sensors.measurement_io import parse_utc
from missilewatch.sensors.spec import SENSOR_ID_PATTERN, field_path
from missilewatch.tracking.track_reports import TrackReport

if TYPE_CHECKING:
    from missilewatch.pipeline.watch import TimelineEvent, Watch

SCHEMA = "missilewatch.track/1"
_MARK = f'"schema":"{SCHEMA}"'
Vec3 = tuple[float, float, float]
Row6 = tuple[float, float, float, float, float, float]


class TrackRecord(BaseModel):
    """One line of ``missilewatch.track/1`` (module docstring)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_: Literal["missilewatch.track/1"] = Field(alias="schema")
    sensor_id: str = Field(pattern=SENSOR_ID_PATTERN, max_length=80)
    node: str = Field(pattern=SENSOR_ID_PATTERN, max_length=40)
    track: str = Field(min_length=1, max_length=40)
    seq: int = -1
    time_utc: str
    r_ecef_m: Vec3
    v_ecef_mps: Vec3
    P_ecef: tuple[Row6, Row6, Row6, Row6, Row6, Row6]
    sensors: tuple[str, ...] = ()
    boost_probability: float = Field(0.0, ge=0.0, le=1.0)
    confirmed: bool = True


def is_track_line(line: str) -> bool:
    """Whether a stored line is a track report (the ingest writes canonical JSON)."""
    return _MARK in line


def track_line(node: str, seq: int, ev: dict[str, Any]) -> str | None:
    """The stream line of a partner's track event (``track.initiated/updated/confirmed`` with
    position, velocity and covariance, of a confirmed or launch-detected track); None else."""
    import json

    data = ev.get("data") or {}
    if ev.get("kind") not in ("track.initiated", "track.updated", "track.confirmed") or not ev.get("track") \
            or not data.get("P_ecef") or not data.get("r_ecef_m") or not data.get("v_ecef_mps") \
            or not data.get("t_utc") or not (data.get("confirmed") or data.get("launch_detected")):
        return None
    rec = {"schema": SCHEMA, "sensor_id": f"partner-{node}", "node": node, "track": str(ev["track"]), "seq": seq,
           "time_utc": data["t_utc"], "r_ecef_m": data["r_ecef_m"], "v_ecef_mps": data["v_ecef_mps"],
           "P_ecef": data["P_ecef"], "sensors": list(data.get("sensors") or ()),
           "boost_probability": data.get("boost_probability") or 0.0, "confirmed": bool(data.get("confirmed"))}
    return json.dumps(rec, separators=(",", ":"), ensure_ascii=False)


def check_track_line(line: str, where: str) -> tuple[TrackRecord | None, dt.datetime | None, str | None]:
    """(record, time of validity, None) or (None, None, the fault naming its field)."""
    try:
        rec = TrackRecord.model_validate_json(line)
        t = parse_utc(rec.time_utc)
        report(rec, t, 0)  # covariance and values as the tracker takes them
    except ValidationError as exc:
        err = exc.errors()[0]
        return None, None, f"{where}: {field_path(err['loc']) or 'line'}: {err['msg']}"
    except InputError as exc:
        return None, None, f"{where}: {exc.field}: {exc.problem}"
    except (ValueError, OverflowError) as exc:
        return None, None, f"{where}: time_utc: {exc}"
    return rec, t, None


def report(rec: TrackRecord, epoch: dt.datetime, seq: int) -> TrackReport:
    """The tracker's :class:`TrackReport` of a record (times in s from ``epoch``)."""
    t = (parse_utc(rec.time_utc) - epoch).total_seconds()
    return TrackReport(rec.node, rec.track, t, np.array([*rec.r_ecef_m, *rec.v_ecef_mps]), np.array(rec.P_ecef),
                       tuple(rec.sensors), float(rec.boost_probability), seq)


def parse_track_line(line: str, epoch: dt.datetime, seq: int) -> TrackReport:
    """A stored line -> the report (raises InputError naming the field)."""
    rec, _t, err = check_track_line(line, f"track report {seq}")
    if rec is None:
        raise InputError("line", line[:200], err or "not a track report")
    return report(rec, epoch, seq)


def ingest(watch: Watch, r: TrackReport) -> list[TimelineEvent]:
    """A partner's track report into ``watch``: to its tracker as a track-level update, past the
    edge (the partner checked its own sensors; the report's values were checked on the way
    in). The report's sensors count as evidence of the track (``launch_min_sensors``); the
    predictions it makes due are queued as a measurement's are."""
    try:
        out = watch.tracker.process_report(r)
    except (InputError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
        return [watch._emit(r.t_s, "rejected", f"track report {r.key} rejected: {exc}")]
    watch.clock_s = max(watch.clock_s, r.t_s)
    watch.track_events.extend(out.events)
    new: list[TimelineEvent] = []
    updated = {}
    for ev in out.events:
        if ev.kind in ("updated", "initiated") and ev.sensor_id == r.sensor_id:
            for sensor in r.sensors:
                watch.edge.health.track_updated(ev.track_id, sensor, ev.t_s)
        new.extend(watch._track_event(ev))
        if ev.kind in ("updated", "confirmed") and ev.track.confirmed:
            updated[ev.track_id] = ev.track
    watch._queue_due(updated)
    return new
