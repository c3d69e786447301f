"""Physical plausibility of one measurement, before the tracker sees it.

Each check returns None or a :class:`Fault` naming the field, a short reason code (for
counting per sensor and reason) and the problem in words. Units SI: m, rad, m/s, s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missilewatch.pipeline.registry import SITE_TOLERANCE_M, SensorRegistry, site_offset_m
from missilewatch.tracking.measurements import Measurement

#: Sane bounds of the standard deviations a sensor may claim: (smallest, largest).
SIGMA_BOUNDS = {
    "range_m": (1e-3, 100_000.0),
    "az_rad": (1e-9, 0.2),
    "el_rad": (1e-9, 0.2),
    "range_rate_mps": (1e-4, 5_000.0),
    "los_alpha_rad": (1e-9, 0.2),
    "los_delta_rad": (1e-9, 0.2),
    "x_m": (1e-3, 1e6), "y_m": (1e-3, 1e6), "z_m": (1e-3, 1e6),
}
COMPONENT_NAMES = {
    "range_az_el": ("range_m", "az_rad", "el_rad"),
    "range_az_el_rr": ("range_m", "az_rad", "el_rad", "range_rate_mps"),
    "los_angles": ("los_alpha_rad", "los_delta_rad"),
    "position_ecef": ("x_m", "y_m", "z_m"),
}
#: Fastest closing or opening speed taken from a radar (m/s): escape speed plus margin.
MAX_RANGE_RATE_MPS = 15_000.0
#: A sensor sits between 12 km below the ellipsoid and twice geostationary altitude.
SENSOR_RADIUS_M = (6_340_000.0, 2 * 42_164_000.0)
_TWO_PI = 2 * math.pi
_ANGLE_SLACK = 1e-9


@dataclass(frozen=True)
class Fault:
    """Why a measurement is refused: ``field`` at fault, ``reason`` code, ``problem`` in words,
    and for a time fault how many seconds off it is (``off_s``)."""

    field: str
    reason: str
    problem: str
    off_s: float = 0.0  # for time faults: how far off the time is (s)


def _angle(name: str, v: float, lo: float, hi: float) -> Fault | None:
    if lo - _ANGLE_SLACK <= v <= hi + _ANGLE_SLACK:
        return None
    return Fault(name, "angle_domain", f"{v!r} rad is outside [{lo:.6g}, {hi:.6g}]")


def check_values(m: Measurement, registry: SensorRegistry | None) -> Fault | None:
    """Sensor known (or allowed by the policy), values in their domains and within the
    sensor's reach, covariance positive definite with sane standard deviations, and the
    sensor where it should be."""
    limits = registry.get(m.sensor_id) if registry is not None else None
    if registry is not None and limits is None and registry.unknown == "reject":
        return Fault("sensor_id", "unknown_sensor", f"{m.sensor_id!r} is not a registered sensor "
                     "(policy for unknown sensors: reject)")
    if limits is not None:
        wants = "radar" if m.is_radar else "infrared" if m.is_infrared else "position"
        if wants != limits.kind:
            return Fault("type", "wrong_type", f"{m.mtype} from {m.sensor_id}, a {limits.kind} sensor")
    names = COMPONENT_NAMES[m.mtype]
    z = m.z
    if m.is_radar:
        rng = float(z[0])
        reach = limits.max_range_m if limits is not None else 4e8
        if not 0.0 <= rng <= reach:
            return Fault("values.range_m", "range", f"{rng!r} m is outside [0, {reach:,.0f}] m")
        if (f := _angle("values.az_rad", float(z[1]), -math.pi, _TWO_PI)) is not None:
            return f
        if (f := _angle("values.el_rad", float(z[2]), -math.pi / 2, math.pi / 2)) is not None:
            return f
        if m.mtype == "range_az_el_rr" and not abs(float(z[3])) <= MAX_RANGE_RATE_MPS:
            return Fault("values.range_rate_mps", "range_rate", f"{float(z[3])!r} m/s exceeds "
                         f"{MAX_RANGE_RATE_MPS:,.0f} m/s")
    elif m.is_infrared:
        if (f := _angle("values.los_alpha_rad", float(z[0]), -math.pi, _TWO_PI)) is not None:
            return f
        if (f := _angle("values.los_delta_rad", float(z[1]), -math.pi / 2, math.pi / 2)) is not None:
            return f
    fault = _covariance_verdict(m.R, names)
    if fault is not None:
        return fault
    rx, ry, rz = m.sensor_r_ecef.tolist()
    radius = math.sqrt(rx * rx + ry * ry + rz * rz)
    if not SENSOR_RADIUS_M[0] <= radius <= SENSOR_RADIUS_M[1]:
        return Fault("sensor_position", "sensor_position", f"{radius:,.0f} m from the Earth's centre: no sensor "
                     "sits there")
    vx, vy, vz = m.sensor_v_ecef.tolist()
    if not math.sqrt(vx * vx + vy * vy + vz * vz) <= 12_000.0:  # NaN fails too
        return Fault("sensor_velocity_ecef_mps", "sensor_velocity", "must be finite and under 12 km/s")
    if limits is not None and (off := site_offset_m(limits, m.sensor_r_ecef)) > SITE_TOLERANCE_M:
        return Fault("sensor_position", "sensor_position", f"{off / 1e3:,.1f} km from {m.sensor_id}'s "
                     "registered site")
    return None


#: Verdicts of :func:`check_covariance` by (component names, covariance bytes): a sensor reports
#: the same few covariances over and over, and the verdict depends on nothing else.
_COVARIANCE_VERDICTS: dict[tuple[tuple[str, ...], bytes], Fault | None] = {}
_COVARIANCE_VERDICTS_MAX = 4096


def _covariance_verdict(R: np.ndarray, names: tuple[str, ...]) -> Fault | None:
    """:func:`check_covariance`, remembered for covariances seen before (exactly the same bytes)."""
    key = (names, R.tobytes())
    try:
        return _COVARIANCE_VERDICTS[key]
    except KeyError:
        pass
    fault = check_covariance(R, names)
    if len(_COVARIANCE_VERDICTS) >= _COVARIANCE_VERDICTS_MAX:
        _COVARIANCE_VERDICTS.clear()
    _COVARIANCE_VERDICTS[key] = fault
    return fault


def check_covariance(R: np.ndarray, names: tuple[str, ...]) -> Fault | None:
    """Symmetric, positive definite, each standard deviation within :data:`SIGMA_BOUNDS`."""
    rows = R.tolist() if R.ndim == 2 else None
    if rows and all(len(r) == len(rows) for r in rows) and all(
            math.isfinite(r[i]) and all(v == 0.0 for j, v in enumerate(r) if j != i) for i, r in enumerate(rows)):
        # Diagonal (the usual report): symmetric, its correlation matrix the identity (positive
        # definite, no pivot near 0), so the standard deviations alone decide, as below.
        for name, var in zip(names, [rows[i][i] for i in range(len(rows))], strict=True):
            s = math.sqrt(var if var > 0.0 else 0.0)  # as np.sqrt(np.maximum(var, 0.0)), -0.0 too
            lo, hi = SIGMA_BOUNDS[name]
            if not lo <= s <= hi:
                return Fault(f"covariance.{name}", "covariance", f"standard deviation {s:.6g} is outside "
                             f"[{lo:g}, {hi:g}]")
        return None
    return _covariance_by_correlation(R, names)


def _covariance_by_correlation(R: np.ndarray, names: tuple[str, ...]) -> Fault | None:
    """:func:`check_covariance` of any matrix: finite, symmetric, standard deviations, then the
    Cholesky factor of the correlation matrix."""
    if not np.isfinite(R).all():
        return Fault("covariance", "covariance", "must be finite")
    scale = float(np.abs(R).max()) or 1.0
    if float(np.abs(R - R.T).max()) > 1e-9 * scale:
        return Fault("covariance", "covariance", "must be symmetric")
    sig = np.sqrt(np.maximum(np.diag(R), 0.0))
    for name, s in zip(names, sig, strict=True):
        lo, hi = SIGMA_BOUNDS[name]
        if not lo <= s <= hi:
            return Fault(f"covariance.{name}", "covariance", f"standard deviation {s:.6g} is outside "
                         f"[{lo:g}, {hi:g}]")
    corr = R / np.outer(sig, sig)
    try:
        L = np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        return Fault("covariance", "covariance", "must be positive definite")
    if float(np.diag(L).min()) ** 2 < 1e-9:  # a pivot of the correlation matrix ~ 0: singular
        return Fault("covariance", "covariance", "is nearly singular (correlations of +-1)")
    return None
