"""Coordinate frames: geodetic (WGS84), ECEF, local ENU / AER, and ECI <-> ECEF.

Public, broadcasting API with pymap3d's names.  Degrees only where a name says so
(`lat_deg`, `az_deg`), metres everywhere.  Scalar inputs give Python floats back, array
inputs arrays of the broadcast shape.  Bad input (NaN, |latitude| > 90, negative range)
raises `missilewatch.errors.InputError` naming the field.

Geodetic <-> ECEF go through the Numba kernels (tested against pyproj's EPSG:4979 <->
EPSG:4978, pymap3d and the exact forward transform); the rest is plain NumPy.

ECI here is the frame obtained from ECEF by the rotation about the z-axis through the
Greenwich mean sidereal time (IAU 1982, UT1 taken equal to UTC).  Precession, nutation,
polar motion and UT1-UTC are neglected: it is a pseudo-inertial frame of date good for
a flight of minutes, not GCRS.  Using UTC for UT1 (|UT1-UTC| < 0.9 s) rotates ECEF by at
most 6.6e-5 rad (about 0.4 km on the equator).
"""

from __future__ import annotations

import datetime as _dt
import math

import numpy as np
import numpy.typing as npt

from missilewatch.earth import _checks
from missilewatch.earth.constants import OMEGA_EARTH
from missilewatch.earth.kernels import ecef_to_geodetic_v, geodetic_to_ecef_v
from missilewatch.errors import InputError

__all__ = [
    "J2000_UTC",
    "aer2ecef",
    "aer2enu",
    "aer2geodetic",
    "ecef2aer",
    "ecef2eci",
    "ecef2eci_state",
    "ecef2enu",
    "ecef2geodetic",
    "eci2ecef",
    "eci2ecef_state",
    "enu2aer",
    "enu2ecef",
    "enu_rotation",
    "geodetic2aer",
    "geodetic2ecef",
    "geodetic2enu",
    "gmst_rad",
    "j2000_seconds",
]

#: Minimum distance from the Earth's centre accepted by ecef2geodetic, m (the closed form
#: is valid outside the ~45 km evolute of the ellipse).
_MIN_RADIUS_M = 100_000.0

#: What the broadcasting functions return per component: a float for scalar input, else an array.
FloatOrArray = float | np.ndarray
Triple = tuple[FloatOrArray, FloatOrArray, FloatOrArray]


# ---------------------------------------------------------------------------------------
# Geodetic <-> ECEF
# ---------------------------------------------------------------------------------------


def _broadcast(*arrays: np.ndarray) -> tuple[tuple[int, ...], list[np.ndarray]]:
    b = np.broadcast_arrays(*arrays)
    shape = b[0].shape
    return shape, [np.ascontiguousarray(a, dtype=np.float64).reshape(-1) for a in b]


def geodetic2ecef(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, h_m: npt.ArrayLike) -> Triple:
    """Geodetic (deg, deg, m above WGS84) -> ECEF (x, y, z) m."""
    lat = _checks.latitude_deg("lat_deg", lat_deg)
    lon = _checks.finite("lon_deg", lon_deg)
    h = _checks.finite("h_m", h_m)
    shape, (la, lo, hh) = _broadcast(lat, lon, h)
    x, y, z = geodetic_to_ecef_v(np.radians(la), np.radians(lo), hh)
    return _checks.scalar_or_array(shape, x), _checks.scalar_or_array(shape, y), _checks.scalar_or_array(shape, z)


def ecef2geodetic(x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike) -> Triple:
    """ECEF (x, y, z) m -> geodetic (lat_deg, lon_deg in (-180, 180], h_m above WGS84).

    Exact to < 1e-6 m for every point more than 100 km from the Earth's centre.
    """
    xa = _checks.finite("x", x)
    ya = _checks.finite("y", y)
    za = _checks.finite("z", z)
    shape, (xx, yy, zz) = _broadcast(xa, ya, za)
    r = np.sqrt(xx * xx + yy * yy + zz * zz)
    if r.size and r.min() < _MIN_RADIUS_M:
        raise InputError(
            "x, y, z", float(r.min()), "point is within 100 km of the Earth's centre (m)"
        )
    lat, lon, h = ecef_to_geodetic_v(xx, yy, zz)
    return (
        _checks.scalar_or_array(shape, np.degrees(lat)),
        _checks.scalar_or_array(shape, np.degrees(lon)),
        _checks.scalar_or_array(shape, h),
    )


# ---------------------------------------------------------------------------------------
# Local frames (ENU, AER)
# ---------------------------------------------------------------------------------------


def enu_rotation(lat0_rad: npt.ArrayLike, lon0_rad: npt.ArrayLike) -> np.ndarray:
    """Rotation matrix ECEF -> ENU at geodetic (lat0, lon0) in radians.

    Shape (3, 3) for scalars, (..., 3, 3) for arrays; rows are the east, north and up unit
    vectors in ECEF, so `enu = R @ (r_ecef - r0_ecef)` and `d_ecef = R.T @ enu`.
    """
    lat = _checks.latitude_rad("lat0_rad", lat0_rad)
    lon = _checks.finite("lon0_rad", lon0_rad)
    lat, lon = np.broadcast_arrays(lat, lon)
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    zero = np.zeros_like(sl)
    rows = [
        [-so, co, zero],
        [-sl * co, -sl * so, cl],
        [cl * co, cl * so, sl],
    ]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def _origin(lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, h0_m: npt.ArrayLike,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lat0 = _checks.latitude_deg("lat0_deg", lat0_deg)
    lon0 = _checks.finite("lon0_deg", lon0_deg)
    h0 = _checks.finite("h0_m", h0_m)
    shape, (la, lo, hh) = _broadcast(lat0, lon0, h0)
    x0, y0, z0 = geodetic_to_ecef_v(np.radians(la), np.radians(lo), hh)
    return (
        x0.reshape(shape),
        y0.reshape(shape),
        z0.reshape(shape),
        np.radians(la).reshape(shape),
        np.radians(lo).reshape(shape),
    )


def _rotate_to_enu(dx: np.ndarray, dy: np.ndarray, dz: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    t = co * dx + so * dy
    e = -so * dx + co * dy
    n = -sl * t + cl * dz
    u = cl * t + sl * dz
    return e, n, u


def _rotate_from_enu(e: np.ndarray, n: np.ndarray, u: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    t = cl * u - sl * n
    dx = co * t - so * e
    dy = so * t + co * e
    dz = sl * u + cl * n
    return dx, dy, dz


def _out(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> Triple:
    """The three components broadcast to one shape, as floats for a scalar shape."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))

    def one(arr: np.ndarray) -> FloatOrArray:
        return _checks.scalar_or_array(
            shape, arr if np.shape(arr) == shape else np.broadcast_to(arr, shape).copy()
        )

    return one(a), one(b), one(c)


def ecef2enu(x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike,
             lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, h0_m: npt.ArrayLike) -> Triple:
    """ECEF point (m) -> local east, north, up (m) at the geodetic origin (deg, deg, m)."""
    xa = _checks.finite("x", x)
    ya = _checks.finite("y", y)
    za = _checks.finite("z", z)
    x0, y0, z0, lat, lon = _origin(lat0_deg, lon0_deg, h0_m)
    return _out(*_rotate_to_enu(xa - x0, ya - y0, za - z0, lat, lon))


def enu2ecef(e: npt.ArrayLike, n: npt.ArrayLike, u: npt.ArrayLike,
             lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, h0_m: npt.ArrayLike) -> Triple:
    """Local east, north, up (m) at the geodetic origin (deg, deg, m) -> ECEF (m)."""
    ea = _checks.finite("e", e)
    na = _checks.finite("n", n)
    ua = _checks.finite("u", u)
    x0, y0, z0, lat, lon = _origin(lat0_deg, lon0_deg, h0_m)
    dx, dy, dz = _rotate_from_enu(ea, na, ua, lat, lon)
    return _out(x0 + dx, y0 + dy, z0 + dz)


def enu2aer(e: npt.ArrayLike, n: npt.ArrayLike, u: npt.ArrayLike) -> Triple:
    """East, north, up (m) -> azimuth (deg, clockwise from north, [0, 360)), elevation
    (deg, [-90, 90]), slant range (m)."""
    ea = _checks.finite("e", e)
    na = _checks.finite("n", n)
    ua = _checks.finite("u", u)
    horiz = np.hypot(ea, na)
    az = np.degrees(np.arctan2(ea, na))
    az = np.where(az < 0.0, az + 360.0, az)
    az = np.where(az >= 360.0, 0.0, az)  # -1e-17 + 360 rounds to 360
    el = np.degrees(np.arctan2(ua, horiz))
    rng = np.hypot(horiz, ua)
    return _out(az, el, rng)


def aer2enu(az_deg: npt.ArrayLike, el_deg: npt.ArrayLike, srange_m: npt.ArrayLike) -> Triple:
    """Azimuth (deg), elevation (deg), slant range (m >= 0) -> east, north, up (m)."""
    az = np.radians(_checks.finite("az_deg", az_deg))
    el_d = _checks.finite("el_deg", el_deg)
    bad = np.abs(el_d) > 90.0
    if bad.any():
        raise InputError("el_deg", el_d[bad].flat[0].item(), "must be within [-90, 90] degrees")
    rng = _checks.finite("srange_m", srange_m)
    if (rng < 0).any():
        raise InputError("srange_m", rng[rng < 0].flat[0].item(), "must be >= 0")
    el = np.radians(el_d)
    horiz = rng * np.cos(el)
    return _out(horiz * np.sin(az), horiz * np.cos(az), rng * np.sin(el))


def ecef2aer(x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike,
             lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, h0_m: npt.ArrayLike) -> Triple:
    """ECEF target (m) seen from the geodetic observer (deg, deg, m) -> (az_deg, el_deg,
    range_m)."""
    return enu2aer(*ecef2enu(x, y, z, lat0_deg, lon0_deg, h0_m))


def aer2ecef(az_deg: npt.ArrayLike, el_deg: npt.ArrayLike, srange_m: npt.ArrayLike,
             lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, h0_m: npt.ArrayLike) -> Triple:
    """Azimuth, elevation (deg), slant range (m) from the geodetic observer -> ECEF (m)."""
    return enu2ecef(*aer2enu(az_deg, el_deg, srange_m), lat0_deg, lon0_deg, h0_m)


def geodetic2enu(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, h_m: npt.ArrayLike,
                 lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, h0_m: npt.ArrayLike) -> Triple:
    """Geodetic target (deg, deg, m) -> ENU (m) at the geodetic origin."""
    return ecef2enu(*geodetic2ecef(lat_deg, lon_deg, h_m), lat0_deg, lon0_deg, h0_m)


def geodetic2aer(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, h_m: npt.ArrayLike,
                 lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, h0_m: npt.ArrayLike) -> Triple:
    """Geodetic target (deg, deg, m) seen from the geodetic observer -> (az, el deg, range m)."""
    return ecef2aer(*geodetic2ecef(lat_deg, lon_deg, h_m), lat0_deg, lon0_deg, h0_m)


def aer2geodetic(az_deg: npt.ArrayLike, el_deg: npt.ArrayLike, srange_m: npt.ArrayLike,
                 lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, h0_m: npt.ArrayLike) -> Triple:
    """Azimuth, elevation (deg), slant range (m) from the observer -> geodetic (deg, deg, m)."""
    return ecef2geodetic(*aer2ecef(az_deg, el_deg, srange_m, lat0_deg, lon0_deg, h0_m))


# ---------------------------------------------------------------------------------------
# Time and sidereal angle
# ---------------------------------------------------------------------------------------

#: J2000.0 epoch taken on the UTC scale: 2000-01-01T12:00:00 UTC.
J2000_UTC = _dt.datetime(2000, 1, 1, 12, 0, 0, tzinfo=_dt.UTC)
_J2000_NP = np.datetime64("2000-01-01T12:00:00", "ns")
_SECONDS_PER_CENTURY = 36525.0 * 86400.0


def j2000_seconds(t: object) -> FloatOrArray:
    """Seconds since J2000.0 (2000-01-01T12:00:00 UTC), float or float64 array.

    t: a timezone-aware `datetime` (naive ones are refused), a sequence of them, a numpy
    `datetime64` (scalar or array, read as UTC), or numbers already in seconds since
    J2000.0 UTC (returned as float64).  Leap seconds are ignored, as UT1 ignores them.
    """
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None or t.utcoffset() is None:
            raise InputError("t", t, "datetime must be timezone-aware (UTC)")
        return (t - J2000_UTC).total_seconds()
    if isinstance(t, (list, tuple)) and t and all(isinstance(v, _dt.datetime) for v in t):
        return np.array([j2000_seconds(v) for v in t], dtype=np.float64)
    if isinstance(t, np.datetime64) or (
        isinstance(t, np.ndarray) and np.issubdtype(t.dtype, np.datetime64)
    ):
        if np.isnat(np.asarray(t)).any():
            raise InputError("t", t, "must not be NaT")
        ns = (np.asarray(t).astype("datetime64[ns]") - _J2000_NP).astype(np.int64)
        out = ns.astype(np.float64) * 1e-9
        return float(out) if out.ndim == 0 else out
    a = _checks.finite("t", t)
    return float(a) if a.ndim == 0 else a


def gmst_rad(t: object) -> FloatOrArray:
    """Greenwich mean sidereal time (rad, [0, 2 pi)), IAU 1982 model, UT1 = UTC.

    GMST = 67310.54841 s + (876600 h + 8640184.812866 s) T + 0.093104 s T^2 - 6.2e-6 s T^3,
    T in Julian centuries of UT1 from J2000.0 (Aoki et al. 1982; Vallado eq. 3-47).
    t: see `j2000_seconds`.
    """
    s = np.asarray(j2000_seconds(t), dtype=np.float64)
    tc = s / _SECONDS_PER_CENTURY
    # 876600 h * T = s exactly; reduce it modulo one day first to keep precision
    gmst_s = (
        67310.54841 + np.mod(s, 86400.0) + tc * (8640184.812866 + tc * (0.093104 - 6.2e-6 * tc))
    )
    theta = np.mod(gmst_s, 86400.0) * (2.0 * math.pi / 86400.0)
    return float(theta) if theta.ndim == 0 else theta


# ---------------------------------------------------------------------------------------
# ECI <-> ECEF
# ---------------------------------------------------------------------------------------


def _theta_for(r: np.ndarray, t: object, field: str) -> np.ndarray:
    theta = np.asarray(gmst_rad(t), dtype=np.float64)
    try:
        np.broadcast_shapes(theta.shape, r.shape[:-1])
    except ValueError as exc:
        raise InputError(
            "t", f"shape {theta.shape}", f"does not broadcast with {field} of shape {r.shape}"
        ) from exc
    return theta


def _rot_z(r: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Components of r in a frame rotated by +theta about z (R3(theta) @ r)."""
    c, s = np.cos(theta), np.sin(theta)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    return np.stack(np.broadcast_arrays(c * x + s * y, -s * x + c * y, z), axis=-1)


def eci2ecef(r_eci: npt.ArrayLike, t: object) -> np.ndarray:
    """ECI position(s) (..., 3) m at time(s) t -> ECEF (..., 3) m (rotation by GMST)."""
    r = _checks.vectors("r_eci", r_eci)
    return _rot_z(r, _theta_for(r, t, "r_eci"))


def ecef2eci(r_ecef: npt.ArrayLike, t: object) -> np.ndarray:
    """ECEF position(s) (..., 3) m at time(s) t -> ECI (..., 3) m."""
    r = _checks.vectors("r_ecef", r_ecef)
    return _rot_z(r, -_theta_for(r, t, "r_ecef"))


def _omega_cross(r: np.ndarray) -> np.ndarray:
    return np.stack(
        np.broadcast_arrays(-OMEGA_EARTH * r[..., 1], OMEGA_EARTH * r[..., 0], 0.0 * r[..., 2]),
        axis=-1,
    )


def eci2ecef_state(r_eci: npt.ArrayLike, v_eci: npt.ArrayLike, t: object) -> tuple[np.ndarray, np.ndarray]:
    """ECI state (m, m/s) -> ECEF state: r = R r_eci, v = R v_eci - omega x r_ecef."""
    r = _checks.vectors("r_eci", r_eci)
    v = _checks.vectors("v_eci", v_eci)
    theta = _theta_for(r, t, "r_eci")
    r_ecef = _rot_z(r, theta)
    return r_ecef, _rot_z(v, theta) - _omega_cross(r_ecef)


def ecef2eci_state(r_ecef: npt.ArrayLike, v_ecef: npt.ArrayLike, t: object) -> tuple[np.ndarray, np.ndarray]:
    """ECEF state (m, m/s) -> ECI state: r = R^T r_ecef, v = R^T (v_ecef + omega x r_ecef)."""
    r = _checks.vectors("r_ecef", r_ecef)
    v = _checks.vectors("v_ecef", v_ecef)
    theta = _theta_for(r, t, "r_ecef")
    return _rot_z(r, -theta), _rot_z(v + _omega_cross(r), -theta)
