"""Where a sensor is at a given time: a fixed site, a ship on a waypoint track, a GEO satellite.

``state(t_s)`` gives, for an array of times (s from the scenario epoch), the ECEF position
(K, 3) m, the ECEF velocity (K, 3) m/s and the geodetic latitude and longitude (rad).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from missilewatch.earth.frames import enu_rotation, geodetic2ecef
from missilewatch.errors import InputError

GEOD = Geod(ellps="WGS84")
KNOT_MPS = 1852.0 / 3600.0
GEO_ALTITUDE_M = 35_786_000.0


@dataclass(frozen=True)
class PlatformState:
    """Sensor positions at K times: ECEF r (K, 3) m, v (K, 3) m/s, geodetic lat, lon (K,) rad,
    height (K,) m."""

    r_ecef: np.ndarray
    v_ecef: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    h_m: np.ndarray

    def take(self, index: np.ndarray) -> PlatformState:
        """The states at ``index`` (a boolean mask or integer indices)."""
        return PlatformState(self.r_ecef[index], self.v_ecef[index], self.lat_rad[index],
                             self.lon_rad[index], self.h_m[index])


def _check_lat_lon(field: str, lat_deg: float, lon_deg: float) -> None:
    if not (math.isfinite(lat_deg) and -90.0 <= lat_deg <= 90.0):
        raise InputError(f"{field}.lat_deg", lat_deg, "must be within [-90, 90] degrees")
    if not (math.isfinite(lon_deg) and -180.0 <= lon_deg <= 360.0):
        raise InputError(f"{field}.lon_deg", lon_deg, "must be within [-180, 360] degrees")


@dataclass(frozen=True)
class FixedSite:
    """A sensor fixed to the Earth: geodetic latitude, longitude (deg), height (m, WGS84)."""

    lat_deg: float
    lon_deg: float
    h_m: float = 0.0

    def __post_init__(self) -> None:
        _check_lat_lon("site", self.lat_deg, self.lon_deg)
        if not math.isfinite(self.h_m):
            raise InputError("site.h_m", self.h_m, "must be finite")

    @property
    def r_ecef(self) -> np.ndarray:
        """ECEF position (3,) m."""
        return np.array(geodetic2ecef(self.lat_deg, self.lon_deg, self.h_m))

    def state(self, t_s: np.ndarray) -> PlatformState:
        n = np.asarray(t_s).size
        return PlatformState(
            r_ecef=np.broadcast_to(self.r_ecef, (n, 3)),
            v_ecef=np.zeros((n, 3)),
            lat_rad=np.full(n, math.radians(self.lat_deg)),
            lon_rad=np.full(n, math.radians(self.lon_deg)),
            h_m=np.full(n, float(self.h_m)),
        )


def geostationary(lon_deg: float) -> FixedSite:
    """A geostationary satellite over the equator at ``lon_deg`` (fixed in ECEF)."""
    return FixedSite(0.0, lon_deg, GEO_ALTITUDE_M)


@dataclass(frozen=True)
class WaypointTrack:
    """A ship sailing geodesic legs between waypoints at constant speed.

    ``waypoints``: ((lat_deg, lon_deg), ...) at least two; ``speed_mps`` > 0; the ship is at
    the first waypoint at ``start_s`` (s from the scenario epoch) and, with ``loop``, sails back
    to the first waypoint and round again (a patrol); otherwise it stops at the last one.
    ``h_m``: antenna height above the ellipsoid, m.
    """

    waypoints: tuple[tuple[float, float], ...]
    speed_mps: float
    h_m: float = 20.0
    loop: bool = True
    start_s: float = 0.0

    def __post_init__(self) -> None:
        if len(self.waypoints) < 2:
            raise InputError("track.waypoints", self.waypoints, "needs at least two waypoints")
        for i, (lat, lon) in enumerate(self.waypoints):
            _check_lat_lon(f"track.waypoints[{i}]", lat, lon)
        if not (math.isfinite(self.speed_mps) and self.speed_mps > 0):
            raise InputError("track.speed", self.speed_mps, "must be > 0")

    def _legs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        pts = list(self.waypoints) + ([self.waypoints[0]] if self.loop else [])
        lat = np.array([p[0] for p in pts], dtype=float)
        lon = np.array([p[1] for p in pts], dtype=float)
        az, _baz, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        return lat[:-1], lon[:-1], np.asarray(az), np.asarray(dist)

    def state(self, t_s: np.ndarray) -> PlatformState:
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        lat0, lon0, az, dist = self._legs()
        cum = np.concatenate([[0.0], np.cumsum(dist)])
        total = cum[-1]
        s = np.maximum(t - self.start_s, 0.0) * self.speed_mps
        moving = t >= self.start_s
        if self.loop:
            s = np.mod(s, total)
        else:
            moving &= s < total
            s = np.minimum(s, total * (1 - 1e-12))
        leg = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(dist) - 1)
        lon, lat, back_az = GEOD.fwd(lon0[leg], lat0[leg], az[leg], s - cum[leg])
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        heading = np.radians(np.asarray(back_az) + 180.0)
        speed = np.where(moving, self.speed_mps, 0.0)
        lat_r, lon_r = np.radians(lat), np.radians(lon)
        enu_v = np.stack([speed * np.sin(heading), speed * np.cos(heading), np.zeros_like(speed)], -1)
        rot = enu_rotation(lat_r, lon_r)
        v = np.einsum("kji,kj->ki", rot, enu_v)
        x, y, z = geodetic2ecef(lat, lon, np.full_like(lat, self.h_m))
        return PlatformState(
            r_ecef=np.stack([np.atleast_1d(x), np.atleast_1d(y), np.atleast_1d(z)], -1),
            v_ecef=v, lat_rad=lat_r, lon_rad=lon_r, h_m=np.full_like(lat, self.h_m),
        )
