"""Measurements as the tracker consumes them, and the measurement models' Python face.

A :class:`Measurement` is one detection in the ``missilewatch.measurement/1`` conventions of
:mod:`missilewatch.sensors.measurement_io` (SI: m, rad, m/s; radar in the sensor's ENU frame,
infrared line-of-sight angles in ECEF axes). :func:`from_stream` adapts the sensors' columnar
:class:`~missilewatch.sensors.measurements.MeasurementStream` (what ``read_jsonl`` returns
and the simulator produces); the truth columns are never read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking import measurement_kernels as mk
from missilewatch.tracking.models import N_STATE

#: Measurement type names (the file format's ``type``) and kernel codes.
MTYPE_CODES: dict[str, int] = {
    "range_az_el": mk.MC_RAE,
    "range_az_el_rr": mk.MC_RAE_RR,
    "los_angles": mk.MC_LOS,
    "position_ecef": mk.MC_POS,
}
RADAR_TYPES = frozenset({"range_az_el", "range_az_el_rr"})
INFRARED_TYPES = frozenset({"los_angles"})


@dataclass(frozen=True, eq=False)
class Measurement:
    """One detection.

    ``t_s``: time of validity (s from the epoch); ``t_report_s``: when it reached the tracker.
    ``z`` (d,), ``R`` (d, d) noise covariance; ``sensor_r_ecef``/``sensor_v_ecef`` (3,) and the
    sensor's geodetic ``sensor_lat_rad``/``sensor_lon_rad`` at ``t_s``. ``seq``: the caller's
    index (stream order), kept in events.
    """

    t_s: float
    sensor_id: str
    mtype: str
    z: np.ndarray
    R: np.ndarray = field(repr=False)
    sensor_r_ecef: np.ndarray = field(repr=False)
    sensor_v_ecef: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(3))
    sensor_lat_rad: float = 0.0
    sensor_lon_rad: float = 0.0
    t_report_s: float | None = None
    seq: int = -1

    def __post_init__(self) -> None:
        if self.mtype not in MTYPE_CODES:
            raise InputError("type", self.mtype, f"must be one of {', '.join(MTYPE_CODES)}")
        d = mk.MEAS_DIM[MTYPE_CODES[self.mtype]]
        z = np.asarray(self.z, dtype=float).reshape(-1)
        R = np.asarray(self.R, dtype=float)
        if z.shape != (d,) or not np.isfinite(z).all():
            raise InputError("values", z.tolist(), f"must be {d} finite numbers for type {self.mtype}")
        if R.shape != (d, d) or not np.isfinite(R).all():
            raise InputError("covariance", R.shape, f"must be a finite {d}x{d} matrix")
        if np.any(np.diag(R) <= 0):
            raise InputError("covariance", np.diag(R).tolist(), "variances must be > 0")
        if not math.isfinite(self.t_s):
            raise InputError("t_s", self.t_s, "must be finite")
        rs = np.asarray(self.sensor_r_ecef, dtype=float).reshape(3)
        vs = np.asarray(self.sensor_v_ecef, dtype=float).reshape(3)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "R", R)
        object.__setattr__(self, "sensor_r_ecef", rs)
        object.__setattr__(self, "sensor_v_ecef", vs)
        if self.t_report_s is None:
            object.__setattr__(self, "t_report_s", float(self.t_s))

    @cached_property
    def code(self) -> int:
        return MTYPE_CODES[self.mtype]

    @cached_property
    def dim(self) -> int:
        return int(self.z.size)

    @property
    def is_radar(self) -> bool:
        return self.mtype in RADAR_TYPES

    @property
    def is_infrared(self) -> bool:
        return self.mtype in INFRARED_TYPES

    @property
    def sensor_vector(self) -> np.ndarray:
        """Kernel sensor vector (8,): ECEF position, velocity, latitude, longitude."""
        return np.concatenate([self.sensor_r_ecef, self.sensor_v_ecef,
                               [self.sensor_lat_rad, self.sensor_lon_rad]])

    @cached_property
    def kernel_inputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z (MAX_MEAS_DIM,), R (MAX_MEAS_DIM, MAX_MEAS_DIM), sensor vector (8,)) for the
        kernels, made once (read-only: do not modify)."""
        z, R = self.padded()
        return z, R, self.sensor_vector

    def padded(self) -> tuple[np.ndarray, np.ndarray]:
        """(z (4,), R (4, 4)) zero-padded for the kernels."""
        z = np.zeros(mk.MAX_MEAS_DIM)
        R = np.zeros((mk.MAX_MEAS_DIM, mk.MAX_MEAS_DIM))
        d = self.dim
        z[:d] = self.z
        R[:d, :d] = self.R
        return z, R


def from_stream(stream, start: int = 0) -> list[Measurement]:
    """Measurements of a sensors ``MeasurementStream`` (or a loaded file's ``.stream``), in order.

    ``seq`` is ``start`` + the row index. Truth columns are ignored. The rows are checked all
    at once (what :class:`Measurement` checks one by one); a row that fails is made through
    the constructor, which names the fault. The rows that pass are made without it, with their
    kernel inputs (views of stream-wide padded arrays) ready.
    """
    s = getattr(stream, "stream", stream)
    n = len(s)
    if n == 0:
        return []
    mtypes = s.mtype.tolist()
    codes = [MTYPE_CODES.get(t, -1) for t in mtypes]
    dims = np.array([mk.MEAS_DIM[c] if c >= 0 else 0 for c in codes], dtype=np.int64)
    values = np.asarray(s.values, dtype=float)
    cov = np.asarray(s.covariance, dtype=float)
    inside = np.arange(values.shape[1])[None, :] < dims[:, None]  # (n, MAX_DIM): the first d components
    square = inside[:, :, None] & inside[:, None, :]
    with np.errstate(invalid="ignore"):
        zp = np.where(inside, values, 0.0)
        Rp = np.where(square, cov, 0.0)
        diag = np.where(inside, np.diagonal(cov, axis1=1, axis2=2), 1.0)
        good = ((dims > 0) & np.isfinite(zp).all(axis=1) & np.isfinite(Rp).all(axis=(1, 2)) & (diag > 0).all(axis=1)
                & np.isfinite(s.t_s))
    if zp.shape[1] != mk.MAX_MEAS_DIM:
        good[:] = False  # not the kernels' layout: every row through the constructor
    rs = np.asarray(s.sensor_r_ecef, dtype=float)
    vs = np.asarray(s.sensor_v_ecef, dtype=float)
    lat = np.asarray(s.sensor_lat_rad, dtype=float)
    lon = np.asarray(s.sensor_lon_rad, dtype=float)
    sp = np.concatenate([rs, vs, lat[:, None], lon[:, None]], axis=1)
    t_s, t_rep, sid = s.t_s.tolist(), s.t_report_s.tolist(), s.sensor_id.tolist()
    lat_l, lon_l, ok = lat.tolist(), lon.tolist(), good.tolist()
    out = []
    for i in range(n):
        d = int(dims[i])
        if not ok[i]:
            out.append(Measurement(
                t_s=float(t_s[i]), sensor_id=str(sid[i]), mtype=str(mtypes[i]), z=values[i, :d], R=cov[i, :d, :d],
                sensor_r_ecef=rs[i], sensor_v_ecef=vs[i], sensor_lat_rad=lat_l[i], sensor_lon_rad=lon_l[i],
                t_report_s=float(t_rep[i]), seq=start + i))
            continue
        m = object.__new__(Measurement)
        m.__dict__.update(
            t_s=float(t_s[i]), sensor_id=str(sid[i]), mtype=str(mtypes[i]), z=values[i, :d], R=cov[i, :d, :d],
            sensor_r_ecef=rs[i], sensor_v_ecef=vs[i], sensor_lat_rad=lat_l[i], sensor_lon_rad=lon_l[i],
            t_report_s=float(t_rep[i]), seq=start + i, code=codes[i], dim=d, kernel_inputs=(zp[i], Rp[i], sp[i]))
        out.append(m)
    return out


def from_record(record, epoch, seq: int = -1) -> Measurement:
    """A measurement from one validated JSON line (``sensors.measurement_io.MeasurementRecord``)."""
    from missilewatch.earth.frames import ecef2geodetic, geodetic2ecef
    from missilewatch.sensors.measurement_io import parse_utc

    t = (parse_utc(record.time_utc) - epoch).total_seconds()
    t_rep = (parse_utc(record.report_time_utc) - epoch).total_seconds() if record.report_time_utc else t
    p = record.sensor_position
    if p.ecef_m is not None:
        r = np.array(p.ecef_m, float)
        lat, lon, _ = ecef2geodetic(*r)
    else:
        lat, lon = p.lat_deg, p.lon_deg
        r = np.array(geodetic2ecef(p.lat_deg, p.lon_deg, p.h_m), float)
    return Measurement(t_s=t, sensor_id=record.sensor_id, mtype=record.type, z=np.array(record.values),
                       R=np.array(record.covariance), sensor_r_ecef=r,
                       sensor_v_ecef=np.array(record.sensor_velocity_ecef_mps, float),
                       sensor_lat_rad=math.radians(float(lat)), sensor_lon_rad=math.radians(float(lon)),
                       t_report_s=t_rep, seq=seq)


def scans(measurements: Iterable[Measurement]) -> Iterator[list[Measurement]]:
    """Group measurements into scans: runs with the same (sensor, time of validity), in order."""
    group: list[Measurement] = []
    key = None
    for m in measurements:
        k = (m.sensor_id, m.t_s)
        if group and k != key:
            yield group
            group = []
        key = k
        group.append(m)
    if group:
        yield group


def predict_measurement(x: np.ndarray, m: Measurement) -> tuple[np.ndarray, np.ndarray]:
    """Predicted measurement h(x) (d,) and Jacobian H (d, 8) of state ``x`` for ``m``'s model."""
    zhat = np.zeros(mk.MAX_MEAS_DIM)
    H = np.zeros((mk.MAX_MEAS_DIM, N_STATE))
    mk.measure(np.asarray(x, float), m.code, m.sensor_vector, zhat, H, True)
    d = m.dim
    return zhat[:d], H[:d]


def residual(m: Measurement, zhat: np.ndarray) -> np.ndarray:
    """z - zhat with the angle component wrapped to [-pi, pi)."""
    nu = m.z - zhat
    w = mk.WRAP_INDEX[m.code]
    if w >= 0:
        nu[w] = (nu[w] + math.pi) % (2 * math.pi) - math.pi
    return nu


def radar_to_ecef(m: Measurement) -> tuple[np.ndarray, np.ndarray]:
    """ECEF position (3,) m of a radar detection and its covariance (3, 3) (linearised)."""
    if not m.is_radar:
        raise InputError("type", m.mtype, "only radar measurements carry a position")
    rng, az, el = m.z[:3]
    ce, se, ca, sa = math.cos(el), math.sin(el), math.cos(az), math.sin(az)
    enu = np.array([rng * ce * sa, rng * ce * ca, rng * se])
    J = np.array([
        [ce * sa, rng * ce * ca, -rng * se * sa],
        [ce * ca, -rng * ce * sa, -rng * se * ca],
        [se, 0.0, rng * ce],
    ])
    lat, lon = m.sensor_lat_rad, m.sensor_lon_rad
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    rot = np.array([[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]])
    r = m.sensor_r_ecef + rot.T @ enu
    Jr = rot.T @ J
    C = Jr @ m.R[:3, :3] @ Jr.T
    return r, 0.5 * (C + C.T)


def los_unit_vector(m: Measurement) -> np.ndarray:
    """ECEF unit vector (3,) of an infrared line-of-sight measurement."""
    if not m.is_infrared:
        raise InputError("type", m.mtype, "only line-of-sight measurements carry a direction")
    a, d = m.z
    return np.array([math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d)])
