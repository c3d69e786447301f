"""Sensor-to-target geometry on the WGS84 ellipsoid, for arrays of many sightings at once.

All positions and velocities are ECEF metres and m/s; angles in radians. Azimuth is clockwise
from geodetic north in [0, 2 pi), elevation above the local geodetic horizontal plane.
"""

from __future__ import annotations

import numpy as np

from missilewatch.earth.constants import WGS84_A, WGS84_B

_SCALE = np.array([1.0 / WGS84_A, 1.0 / WGS84_A, 1.0 / WGS84_B])
TWO_PI = 2.0 * np.pi


def line_of_sight_clear(r_sensor: np.ndarray, r_target: np.ndarray) -> np.ndarray:
    """True where the straight segment sensor -> target does not pass through the ellipsoid.

    ``r_sensor``, ``r_target``: (..., 3) ECEF m, broadcast together. Scaling the axes by
    (1/a, 1/a, 1/b) turns the ellipsoid into the unit sphere and keeps straight lines
    straight, so the test is the closest approach of a segment to the origin. A sensor on the
    surface sees exactly the half-space above its geodetic tangent plane (geometric line of
    sight: atmospheric refraction is not modelled).
    """
    p = np.asarray(r_sensor, dtype=float) * _SCALE
    q = np.asarray(r_target, dtype=float) * _SCALE
    d = q - p
    dd = np.einsum("...i,...i->...", d, d)
    s = -np.einsum("...i,...i->...", p, d) / np.where(dd > 0, dd, 1.0)
    s = np.clip(s, 0.0, 1.0)
    closest = p + s[..., None] * d
    r2 = np.einsum("...i,...i->...", closest, closest)
    # 1e-12 relative slack (~6 um) so that a sensor standing on the surface is not occluded by
    # its own foot point.
    return r2 >= 1.0 - 1e-12


def local_enu(lat_rad: np.ndarray, lon_rad: np.ndarray, vec_ecef: np.ndarray) -> np.ndarray:
    """Components (..., 3) of ECEF vectors in the east-north-up frame at (lat, lon) (rad)."""
    v = np.asarray(vec_ecef, dtype=float)
    sl, cl = np.sin(lat_rad), np.cos(lat_rad)
    so, co = np.sin(lon_rad), np.cos(lon_rad)
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    t = co * x + so * y
    return np.stack([-so * x + co * y, -sl * t + cl * z, cl * t + sl * z], axis=-1)


def range_az_el_rate(
    r_sensor: np.ndarray,
    v_sensor: np.ndarray,
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    r_target: np.ndarray,
    v_target: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Slant range (m), azimuth (rad, [0, 2 pi)), elevation (rad), range rate (m/s).

    Sensor at ECEF ``r_sensor`` moving with ``v_sensor`` whose geodetic position is
    (``lat_rad``, ``lon_rad``); the target's ECEF state (``r_target``, ``v_target``). Range rate
    is d|r_t - r_s|/dt, the same in any frame.
    """
    rel = np.asarray(r_target, float) - np.asarray(r_sensor, float)
    vrel = np.asarray(v_target, float) - np.asarray(v_sensor, float)
    enu = local_enu(lat_rad, lon_rad, rel)
    e, n, u = enu[..., 0], enu[..., 1], enu[..., 2]
    horiz = np.hypot(e, n)
    rng = np.sqrt(horiz * horiz + u * u)
    az = np.mod(np.arctan2(e, n), TWO_PI)
    el = np.arctan2(u, horiz)
    rr = (rel * vrel).sum(-1) / np.where(rng > 0, rng, 1.0)
    return rng, az, el, rr


def los_angles(r_sensor: np.ndarray, r_target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line-of-sight angles in ECEF axes: (alpha, delta) rad.

    alpha = atan2(u_y, u_x) in [0, 2 pi), delta = asin(u_z), u the unit vector from sensor to
    target. These are the right ascension and declination of the line of sight measured in
    the Earth-fixed frame.
    """
    rel = np.asarray(r_target, float) - np.asarray(r_sensor, float)
    u = rel / np.linalg.norm(rel, axis=-1, keepdims=True)
    return np.mod(np.arctan2(u[..., 1], u[..., 0]), TWO_PI), np.arcsin(np.clip(u[..., 2], -1, 1))


def los_unit_vector(alpha: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """ECEF unit vector (..., 3) of line-of-sight angles (alpha, delta) rad."""
    cd = np.cos(delta)
    return np.stack([cd * np.cos(alpha), cd * np.sin(alpha), np.sin(delta)], axis=-1)


def wrap_pi(angle: np.ndarray) -> np.ndarray:
    """Angle wrapped into [-pi, pi)."""
    return np.mod(np.asarray(angle) + np.pi, TWO_PI) - np.pi
