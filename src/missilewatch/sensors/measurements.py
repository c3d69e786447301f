"""Columnar batches of measurements, as the sensor models produce them.

One batch holds the measurements of one sensor (one measurement type); batches are merged
into the scenario's time-ordered stream with :func:`merge`. Values are SI: m, rad, m/s.
The file format written from these batches is documented in :mod:`missilewatch.sensors.measurement_io`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from missilewatch.sensors.platform import PlatformState

#: Measurement types: the components of ``values`` in order (and of the covariance).
COMPONENTS: dict[str, tuple[str, ...]] = {
    "range_az_el": ("range_m", "az_rad", "el_rad"),
    "range_az_el_rr": ("range_m", "az_rad", "el_rad", "range_rate_mps"),
    "los_angles": ("los_alpha_rad", "los_delta_rad"),
}
#: Frame of each measurement type.
FRAMES: dict[str, str] = {
    "range_az_el": "ENU",
    "range_az_el_rr": "ENU",
    "los_angles": "ECEF",
}
MAX_DIM = 4


@dataclass(frozen=True)
class MeasurementBatch:
    """N measurements of one sensor.

    ``t_s``: time of validity (s from the scenario epoch); ``t_report_s``: time it reaches the
    user (t_s + latency). ``values`` (N, 4) and ``covariance`` (N, 4, 4), padded with NaN past
    the type's dimension. ``sensor_r_ecef``/``sensor_v_ecef`` (N, 3) and the sensor's geodetic
    ``sensor_lat_rad``, ``sensor_lon_rad``, ``sensor_h_m`` (N,) at ``t_s``. Truth side:
    ``object_id`` (N,) ("" for a false alarm) and ``false_alarm`` (N,).
    """

    sensor_id: str
    sensor_type: str
    mtype: str
    t_s: np.ndarray
    t_report_s: np.ndarray
    values: np.ndarray
    covariance: np.ndarray
    sensor_r_ecef: np.ndarray
    sensor_v_ecef: np.ndarray
    sensor_lat_rad: np.ndarray
    sensor_lon_rad: np.ndarray
    sensor_h_m: np.ndarray
    object_id: np.ndarray
    false_alarm: np.ndarray

    def __len__(self) -> int:
        return int(self.t_s.size)

    @property
    def dim(self) -> int:
        return len(COMPONENTS[self.mtype])


def pad_values(values: np.ndarray) -> np.ndarray:
    """(N, d) -> (N, MAX_DIM) padded with NaN."""
    out = np.full((values.shape[0], MAX_DIM), np.nan)
    out[:, : values.shape[1]] = values
    return out


def pad_covariance(cov: np.ndarray) -> np.ndarray:
    """(N, d, d) -> (N, MAX_DIM, MAX_DIM) padded with NaN."""
    d = cov.shape[-1]
    out = np.full((cov.shape[0], MAX_DIM, MAX_DIM), np.nan)
    out[:, :d, :d] = cov
    return out


@dataclass(frozen=True)
class Sightings:
    """Measurements of one sensor on one object (or its false alarms, ``object_id`` "").

    ``t_s`` (n,), ``values`` (n, d), ``covariance`` (n, d, d), ``platform`` the sensor's state
    at each of the n times.
    """

    t_s: np.ndarray
    values: np.ndarray
    covariance: np.ndarray
    platform: PlatformState
    object_id: str


def assemble(sensor_id: str, sensor_type: str, mtype: str, latency_s: float,
             parts: list[Sightings | None]) -> MeasurementBatch:
    """One time-ordered batch from the sightings of a sensor (stable within equal times)."""
    kept: list[Sightings] = [p for p in parts if p is not None and p.t_s.size]
    if not kept:
        e = np.empty(0)
        return MeasurementBatch(
            sensor_id, sensor_type, mtype, e, e, np.empty((0, MAX_DIM)),
            np.empty((0, MAX_DIM, MAX_DIM)), np.empty((0, 3)), np.empty((0, 3)), e, e, e,
            np.empty(0, dtype=object), np.empty(0, dtype=bool),
        )
    t = np.concatenate([p.t_s for p in kept])
    order = np.argsort(t, kind="stable")

    def cat(get):
        return np.concatenate([get(p) for p in kept])[order]

    oid = cat(lambda p: np.full(p.t_s.size, p.object_id, dtype=object))
    return MeasurementBatch(
        sensor_id=sensor_id, sensor_type=sensor_type, mtype=mtype,
        t_s=t[order], t_report_s=t[order] + latency_s,
        values=cat(lambda p: pad_values(p.values)),
        covariance=cat(lambda p: pad_covariance(p.covariance)),
        sensor_r_ecef=cat(lambda p: p.platform.r_ecef),
        sensor_v_ecef=cat(lambda p: p.platform.v_ecef),
        sensor_lat_rad=cat(lambda p: p.platform.lat_rad),
        sensor_lon_rad=cat(lambda p: p.platform.lon_rad),
        sensor_h_m=cat(lambda p: p.platform.h_m),
        object_id=oid, false_alarm=oid == "",
    )


@dataclass(frozen=True)
class MeasurementStream:
    """All measurements of a run in stream order, columnar; per-row sensor fields."""

    sensor_id: np.ndarray
    sensor_type: np.ndarray
    mtype: np.ndarray
    t_s: np.ndarray
    t_report_s: np.ndarray
    values: np.ndarray
    covariance: np.ndarray
    sensor_r_ecef: np.ndarray
    sensor_v_ecef: np.ndarray
    sensor_lat_rad: np.ndarray
    sensor_lon_rad: np.ndarray
    sensor_h_m: np.ndarray
    object_id: np.ndarray
    false_alarm: np.ndarray

    def __len__(self) -> int:
        return int(self.t_s.size)

    def counts_by_sensor(self) -> dict[str, dict[str, int]]:
        """{sensor_id: {"detections": n, "false_alarms": m}} in sensor-id order."""
        out: dict[str, dict[str, int]] = {}
        for sid in sorted(set(self.sensor_id.tolist())):
            sel = self.sensor_id == sid
            fa = int(self.false_alarm[sel].sum())
            out[sid] = {"detections": int(sel.sum()) - fa, "false_alarms": fa}
        return out


def merge(batches: list[MeasurementBatch]) -> MeasurementStream:
    """Merge batches into one stream ordered by report time, then time of validity, then
    sensor id, then the order within each batch (a total, reproducible order)."""
    batches = [b for b in batches if len(b)]
    if not batches:
        e = np.empty(0)
        return MeasurementStream(
            np.empty(0, dtype=object), np.empty(0, dtype=object), np.empty(0, dtype=object),
            e, e, np.empty((0, MAX_DIM)), np.empty((0, MAX_DIM, MAX_DIM)), np.empty((0, 3)),
            np.empty((0, 3)), e, e, e, np.empty(0, dtype=object), np.empty(0, dtype=bool),
        )
    sid = np.concatenate([np.full(len(b), b.sensor_id, dtype=object) for b in batches])
    stype = np.concatenate([np.full(len(b), b.sensor_type, dtype=object) for b in batches])
    mtype = np.concatenate([np.full(len(b), b.mtype, dtype=object) for b in batches])
    within = np.concatenate([np.arange(len(b)) for b in batches])
    cat = {f: np.concatenate([getattr(b, f) for b in batches]) for f in (
        "t_s", "t_report_s", "values", "covariance", "sensor_r_ecef", "sensor_v_ecef",
        "sensor_lat_rad", "sensor_lon_rad", "sensor_h_m", "object_id", "false_alarm")}
    # Sensor ids as ranks so that lexsort sorts them as strings.
    ranks = {s: i for i, s in enumerate(sorted(set(sid.tolist())))}
    sid_rank = np.array([ranks[s] for s in sid.tolist()], dtype=np.int64)
    order = np.lexsort((within, sid_rank, cat["t_s"], cat["t_report_s"]))
    return MeasurementStream(
        sensor_id=sid[order], sensor_type=stype[order], mtype=mtype[order],
        **{k: v[order] for k, v in cat.items()},
    )
