"""Measurement files: JSON Lines (one self-describing measurement per line) and Parquet.

Format ``missilewatch.measurement/1``, in stream order (report time, then time of validity).
Every value is SI: metres, radians, metres per second, seconds. One JSON line::

    {"schema": "missilewatch.measurement/1", "seq": 0,
     "sensor_id": "shariki-tpy2", "sensor_type": "radar",
     "type": "range_az_el_rr", "frame": "ENU",
     "time_utc": "2022-10-03T22:24:01.250000Z", "t_s": 121.25,
     "epoch_utc": "2022-10-03T22:22:00.000000Z",
     "report_time_utc": "2022-10-03T22:24:01.250000Z", "t_report_s": 121.25,
     "components": ["range_m", "az_rad", "el_rad", "range_rate_mps"],
     "values": [812345.6, 4.71, 0.12, -2345.6],
     "covariance": [[25.0, 0, 0, 0], [0, 2.5e-07, 0, 0], [0, 0, 2.5e-07, 0], [0, 0, 0, 0.25]],
     "sensor_position": {"lat_deg": 40.89, "lon_deg": 140.33, "h_m": 20.0,
                         "ecef_m": [-3702011.1, 3094381.2, 4153817.7]},
     "sensor_velocity_ecef_mps": [0.0, 0.0, 0.0],
     "truth": {"object_id": "M1", "false_alarm": false}}

Fields:

- ``time_utc``: time of validity (UTC, ISO 8601, microseconds, ``Z``); ``t_s`` the same as
  seconds from ``epoch_utc`` (the scenario's time zero). ``report_time_utc`` / ``t_report_s``:
  when the measurement reaches the user (validity + the sensor's latency).
- ``type`` and ``components``: what ``values`` holds, in order, and the order of the rows and
  columns of ``covariance`` (the measurement-noise covariance, SI units squared):

  * ``range_az_el``: slant range (m), azimuth (rad, clockwise from geodetic north, [0, 2 pi)),
    elevation (rad, above the geodetic horizontal plane), in the ``ENU`` frame at the sensor's
    position given in ``sensor_position`` (WGS84 geodetic and ECEF).
  * ``range_az_el_rr``: the same plus range rate (m/s, positive when opening).
  * ``los_angles``: line of sight from the sensor to the object, angles of its unit vector u in
    ``ECEF`` axes: ``los_alpha_rad`` = atan2(u_y, u_x) in [0, 2 pi), ``los_delta_rad`` =
    asin(u_z). No range.
- ``sensor_position`` / ``sensor_velocity_ecef_mps``: where the sensor was at ``time_utc``
  (a ship moves; a geostationary satellite is fixed in ECEF).
- ``record_id`` (optional): the sender's identifier of the record (at most 80 characters);
  a record id seen twice from one sensor is a duplicate.
- ``sensor_id``: at most 80 characters, letters, digits, ``_ . -``.
- ``truth``: present only in simulated data: the true ``object_id`` (null for a false alarm) and
  ``false_alarm``. A tracker must not read it; metrics may.

To feed real sensor data, write the same lines; ``seq``, ``t_s``, ``epoch_utc``,
``report_time_utc``, ``t_report_s``, ``sensor_type``, ``frame``, ``components`` and ``truth``
may be left out (the reader derives them). :func:`read_jsonl` validates every line and reports
each bad one by line number without stopping.

The Parquet file holds the same rows as flat columns (``range_m`` ... ``los_delta_rad`` null
where the type has no such component, ``covariance`` flattened row-major, ``sensor_x_m`` ...)
and the schema name, epoch and scenario in its key-value metadata.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from missilewatch.earth.frames import ecef2geodetic, geodetic2ecef
from missilewatch.sensors.measurements import COMPONENTS, FRAMES, MAX_DIM, MeasurementStream
from missilewatch.sensors.spec import SENSOR_ID_PATTERN, field_path

SCHEMA = "missilewatch.measurement/1"
#: Longest sensor or record identifier (characters); the store keeps them whole.
MAX_ID_LENGTH = 80
SENSOR_TYPES = {"range_az_el": "radar", "range_az_el_rr": "radar", "los_angles": "infrared"}
_ALL_COMPONENTS = ("range_m", "az_rad", "el_rad", "range_rate_mps", "los_alpha_rad", "los_delta_rad")

if TYPE_CHECKING:  # pyarrow is imported where a table is made (about 35 MB)
    import pyarrow as pa


# ---------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------


def _epoch_ns(epoch: dt.datetime) -> np.datetime64:
    return np.datetime64(epoch.astimezone(dt.UTC).replace(tzinfo=None), "ns")


def utc_strings(epoch: dt.datetime, t_s: np.ndarray) -> list[str]:
    """ISO 8601 UTC strings with microseconds and ``Z`` of ``epoch + t_s``."""
    ns = _epoch_ns(epoch) + np.round(np.asarray(t_s, float) * 1e9).astype("timedelta64[ns]")
    return [s + "Z" for s in np.datetime_as_string(ns.astype("datetime64[us]"), unit="us")]


def _utc_string(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> dt.datetime:
    """A timezone-aware datetime from ISO 8601 text (``Z`` or an offset required)."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("time must carry a timezone (Z or +HH:MM)")
    return t.astimezone(dt.UTC)


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def _row_dicts(stream: MeasurementStream, epoch: dt.datetime, with_truth: bool):
    times = utc_strings(epoch, stream.t_s)
    reports = utc_strings(epoch, stream.t_report_s)
    epoch_s = _utc_string(epoch)
    lat = np.degrees(stream.sensor_lat_rad)
    lon = np.degrees(stream.sensor_lon_rad)
    for i in range(len(stream)):
        mtype = stream.mtype[i]
        comps = COMPONENTS[mtype]
        d = len(comps)
        row = {
            "schema": SCHEMA,
            "seq": i,
            "sensor_id": stream.sensor_id[i],
            "sensor_type": stream.sensor_type[i],
            "type": mtype,
            "frame": FRAMES[mtype],
            "time_utc": times[i],
            "t_s": float(stream.t_s[i]),
            "epoch_utc": epoch_s,
            "report_time_utc": reports[i],
            "t_report_s": float(stream.t_report_s[i]),
            "components": list(comps),
            "values": stream.values[i, :d].tolist(),
            "covariance": stream.covariance[i, :d, :d].tolist(),
            "sensor_position": {
                "lat_deg": float(lat[i]), "lon_deg": float(lon[i]), "h_m": float(stream.sensor_h_m[i]),
                "ecef_m": stream.sensor_r_ecef[i].tolist(),
            },
            "sensor_velocity_ecef_mps": stream.sensor_v_ecef[i].tolist(),
        }
        if with_truth:
            oid = stream.object_id[i]
            row["truth"] = {"object_id": oid or None, "false_alarm": bool(stream.false_alarm[i])}
        yield row


def write_jsonl(path: Path, stream: MeasurementStream, epoch: dt.datetime, *, with_truth: bool = True) -> None:
    """Write the stream as JSON Lines (byte-for-byte reproducible)."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in _row_dicts(stream, epoch, with_truth):
            fh.write(json.dumps(row, allow_nan=False, separators=(", ", ": ")))
            fh.write("\n")


def stream_table(stream: MeasurementStream, epoch: dt.datetime, metadata: dict[str, str] | None = None) -> pa.Table:
    """The stream as an Arrow table (one row per measurement, flat columns)."""
    import pyarrow as pa

    n = len(stream)
    cols: dict[str, pa.Array] = {}
    cols["seq"] = pa.array(np.arange(n, dtype=np.int64))
    ns = _epoch_ns(epoch) + np.round(stream.t_s * 1e9).astype("timedelta64[ns]")
    cols["time_utc"] = pa.array(ns.astype("datetime64[us]"), type=pa.timestamp("us", tz="UTC"))
    cols["t_s"] = pa.array(stream.t_s, type=pa.float64())
    cols["t_report_s"] = pa.array(stream.t_report_s, type=pa.float64())
    for name in ("sensor_id", "sensor_type"):
        cols[name] = pa.array(getattr(stream, name).tolist(), type=pa.string())
    cols["type"] = pa.array(stream.mtype.tolist(), type=pa.string())
    cols["frame"] = pa.array([FRAMES[m] for m in stream.mtype.tolist()], type=pa.string())
    dims = np.array([len(COMPONENTS[m]) for m in stream.mtype.tolist()], dtype=np.int64)
    cols["dim"] = pa.array(dims.astype(np.int8))
    for comp in _ALL_COMPONENTS:
        vals = np.full(n, np.nan)
        for mtype, comps in COMPONENTS.items():
            if comp in comps:
                sel = stream.mtype == mtype
                vals[sel] = stream.values[sel, comps.index(comp)]
        cols[comp] = pa.array(vals, mask=np.isnan(vals), type=pa.float64())
    flat = [stream.covariance[i, :d, :d].ravel() for i, d in enumerate(dims)]
    offsets = np.concatenate([[0], np.cumsum(dims * dims)]).astype(np.int32)
    values = np.concatenate(flat) if flat else np.empty(0)
    cols["covariance"] = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.float64()))
    for j, axis in enumerate("xyz"):
        cols[f"sensor_{axis}_m"] = pa.array(stream.sensor_r_ecef[:, j], type=pa.float64())
    for j, axis in enumerate("xyz"):
        cols[f"sensor_v{axis}_mps"] = pa.array(stream.sensor_v_ecef[:, j], type=pa.float64())
    cols["sensor_lat_deg"] = pa.array(np.degrees(stream.sensor_lat_rad), type=pa.float64())
    cols["sensor_lon_deg"] = pa.array(np.degrees(stream.sensor_lon_rad), type=pa.float64())
    cols["sensor_h_m"] = pa.array(stream.sensor_h_m, type=pa.float64())
    oid = stream.object_id.tolist()
    cols["object_id"] = pa.array([o or None for o in oid], type=pa.string())
    cols["false_alarm"] = pa.array(stream.false_alarm.astype(bool), type=pa.bool_())
    meta = {"schema": SCHEMA, "epoch_utc": _utc_string(epoch), **(metadata or {})}
    return pa.table(cols).replace_schema_metadata({k: str(v) for k, v in meta.items()})


def write_parquet_table(path: Path, table: pa.Table) -> None:
    """Write a table with fixed settings so the same table gives the same bytes."""
    import pyarrow.parquet as pq

    pq.write_table(table, path, compression="zstd", compression_level=3, use_dictionary=True,
                   write_statistics=True, row_group_size=1 << 20, data_page_size=1 << 20)


def write_parquet(path: Path, stream: MeasurementStream, epoch: dt.datetime,
                  metadata: dict[str, str] | None = None) -> None:
    """Write the stream as Parquet (flat columns, reproducible bytes)."""
    write_parquet_table(path, stream_table(stream, epoch, metadata))


# ---------------------------------------------------------------------------------------
# Reading (real or simulated data)
# ---------------------------------------------------------------------------------------


class _SensorPosition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat_deg: float | None = Field(default=None, ge=-90, le=90)
    lon_deg: float | None = Field(default=None, ge=-180, le=360)
    h_m: float | None = None
    ecef_m: list[float] | None = Field(default=None, min_length=3, max_length=3)

    @model_validator(mode="after")
    def _some(self) -> _SensorPosition:
        if self.ecef_m is None and None in (self.lat_deg, self.lon_deg, self.h_m):
            raise ValueError("give ecef_m or lat_deg, lon_deg and h_m")
        return self


class _Truth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object_id: str | None = None
    false_alarm: bool = False


class MeasurementRecord(BaseModel):
    """One JSON line of ``missilewatch.measurement/1`` (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    schema_: Literal["missilewatch.measurement/1"] | None = Field(default=None, alias="schema")
    seq: int | None = None
    record_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)
    sensor_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=SENSOR_ID_PATTERN)
    sensor_type: Literal["radar", "infrared"] | None = None
    type: Literal["range_az_el", "range_az_el_rr", "los_angles"]
    frame: Literal["ENU", "ECEF"] | None = None
    time_utc: str = Field(max_length=64)
    t_s: float | None = None
    epoch_utc: str | None = Field(default=None, max_length=64)
    report_time_utc: str | None = Field(default=None, max_length=64)
    t_report_s: float | None = None
    components: list[str] | None = Field(default=None, max_length=MAX_DIM)
    values: list[float] = Field(max_length=MAX_DIM)
    covariance: list[list[float]] = Field(max_length=MAX_DIM)
    sensor_position: _SensorPosition
    sensor_velocity_ecef_mps: list[float] = Field(default=[0.0, 0.0, 0.0], min_length=3, max_length=3)
    truth: _Truth | None = None

    @model_validator(mode="after")
    def _consistent(self) -> MeasurementRecord:
        comps = COMPONENTS[self.type]
        d = len(comps)
        if self.components is not None and tuple(self.components) != comps:
            raise ValueError(f"components must be {list(comps)} for type {self.type}")
        if self.frame is not None and self.frame != FRAMES[self.type]:
            raise ValueError(f"frame must be {FRAMES[self.type]} for type {self.type}")
        if len(self.values) != d or not all(math.isfinite(v) for v in self.values):
            raise ValueError(f"values must be {d} finite numbers for type {self.type}")
        problem = _covariance_problem(self.covariance, d)
        if problem is not None:
            raise ValueError(problem)
        for name in ("time_utc", "epoch_utc", "report_time_utc"):
            text = getattr(self, name)
            if text is not None:
                parse_utc(text)
        return self


#: Verdicts of :func:`_check_covariance` by (dimension, covariance): a sensor reports the same
#: few covariances over and over, and the verdict depends on nothing else.
_COVARIANCE_PROBLEMS: dict[tuple, str | None] = {}
_COVARIANCE_PROBLEMS_MAX = 4096


def _covariance_problem(covariance: list[list[float]], d: int) -> str | None:
    """Why a record's covariance is refused (None: it is not): :func:`_check_covariance`,
    remembered for covariances seen before."""
    try:
        key = (d, tuple(tuple(row) for row in covariance))
        return _COVARIANCE_PROBLEMS[key]
    except KeyError:
        pass
    except TypeError:  # rows that are not lists: checked, not remembered
        return _check_covariance(covariance, d)
    problem = _check_covariance(covariance, d)
    if len(_COVARIANCE_PROBLEMS) >= _COVARIANCE_PROBLEMS_MAX:
        _COVARIANCE_PROBLEMS.clear()
    _COVARIANCE_PROBLEMS[key] = problem
    return problem


def _check_covariance(covariance: list[list[float]], d: int) -> str | None:
    cov = np.array(covariance, dtype=float) if covariance else np.empty((0, 0))
    if cov.shape != (d, d) or not np.isfinite(cov).all():
        return f"covariance must be a finite {d}x{d} matrix"
    if not np.allclose(cov, cov.T) or np.linalg.eigvalsh(cov).min() < -1e-12 * max(1.0, abs(cov).max()):
        return "covariance must be symmetric positive semi-definite"
    return None


@dataclass(frozen=True)
class LoadedMeasurements:
    """Measurements read from a file: the stream, its epoch, and one line per bad record."""

    stream: MeasurementStream
    epoch: dt.datetime
    problems: list[str]


def read_jsonl(path: Path | str, epoch: dt.datetime | None = None) -> LoadedMeasurements:
    """Read and validate a measurement JSON Lines file (simulated or real).

    ``epoch``: time zero of ``t_s``; default the file's ``epoch_utc``, else the first time.
    Bad lines are skipped, never silently: each is listed in ``problems`` with its line number
    and the field at fault. Rows keep the file's order.
    """
    records: list[MeasurementRecord] = []
    problems: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(MeasurementRecord.model_validate_json(line))
            except ValidationError as exc:
                err = exc.errors()[0]
                problems.append(f"line {lineno}: {field_path(err['loc'])}: "
                                f"{err['msg'].removeprefix('Value error, ')}")
    if epoch is None:
        first_epoch = next((r.epoch_utc for r in records if r.epoch_utc), None)
        epoch = parse_utc(first_epoch) if first_epoch else (
            min(parse_utc(r.time_utc) for r in records) if records else dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    return LoadedMeasurements(_records_to_stream(records, epoch), epoch, problems)


def _records_to_stream(records: list[MeasurementRecord], epoch: dt.datetime) -> MeasurementStream:
    n = len(records)
    t = np.array([(parse_utc(r.time_utc) - epoch).total_seconds() for r in records], dtype=float)
    t_rep = np.array([
        (parse_utc(r.report_time_utc) - epoch).total_seconds() if r.report_time_utc
        else (r.t_report_s if r.t_report_s is not None else t[i])
        for i, r in enumerate(records)], dtype=float)
    values = np.full((n, MAX_DIM), np.nan)
    cov = np.full((n, MAX_DIM, MAX_DIM), np.nan)
    sr = np.empty((n, 3))
    lat = np.empty(n)
    lon = np.empty(n)
    h = np.empty(n)
    for i, r in enumerate(records):
        d = len(r.values)
        values[i, :d] = r.values
        cov[i, :d, :d] = r.covariance
        p = r.sensor_position
        if p.ecef_m is not None:
            sr[i] = p.ecef_m
            la, lo, hh = (float(v) for v in ecef2geodetic(*p.ecef_m))
        else:
            # The record's validator wants ecef_m or all three of lat_deg, lon_deg and h_m.
            assert p.lat_deg is not None and p.lon_deg is not None and p.h_m is not None
            la, lo, hh = p.lat_deg, p.lon_deg, p.h_m
            sr[i] = geodetic2ecef(la, lo, hh)
        lat[i], lon[i], h[i] = math.radians(la), math.radians(lo), hh
    return MeasurementStream(
        sensor_id=np.array([r.sensor_id for r in records], dtype=object),
        sensor_type=np.array([r.sensor_type or SENSOR_TYPES[r.type] for r in records], dtype=object),
        mtype=np.array([r.type for r in records], dtype=object),
        t_s=t, t_report_s=t_rep, values=values, covariance=cov, sensor_r_ecef=sr,
        sensor_v_ecef=np.array([r.sensor_velocity_ecef_mps for r in records], dtype=float).reshape(n, 3),
        sensor_lat_rad=lat, sensor_lon_rad=lon, sensor_h_m=h,
        object_id=np.array([(r.truth.object_id or "") if r.truth else "" for r in records], dtype=object),
        false_alarm=np.array([bool(r.truth and r.truth.false_alarm) for r in records], dtype=bool),
    )
