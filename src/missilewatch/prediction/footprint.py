"""The impact footprint: a confidence ellipse in the local east-north plane at the predicted
impact point (km), with containment tests and a boundary polygon for maps and CAP areas.

Local east/north offsets are azimuthal equidistant about the centre (geodesic distance d and
azimuth a on WGS84: east = d sin a, north = d cos a), which agree with the tangent-plane ENU
to first order and stay exact both ways for footprints hundreds of km long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from pyproj import Geod

from missilewatch.errors import InputError

GEOD = Geod(ellps="WGS84")


def offsets_km(lat_deg, lon_deg, lat0_deg: float, lon0_deg: float) -> np.ndarray:
    """East/north offsets (..., 2) in km of points from (lat0, lon0) (azimuthal equidistant)."""
    lat = np.asarray(lat_deg, float)
    lon = np.asarray(lon_deg, float)
    lat, lon = np.broadcast_arrays(lat, lon)
    az, _baz, d = GEOD.inv(np.full(lat.shape, lon0_deg), np.full(lat.shape, lat0_deg), lon, lat)
    a = np.radians(np.asarray(az, float))
    d = np.asarray(d, float) / 1e3
    return np.stack([d * np.sin(a), d * np.cos(a)], axis=-1)


def from_offsets_km(east_km, north_km, lat0_deg: float, lon0_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes (deg) of east/north offsets (km) from (lat0, lon0)."""
    e = np.asarray(east_km, float)
    n = np.asarray(north_km, float)
    az = np.degrees(np.arctan2(e, n))
    d = np.hypot(e, n) * 1e3
    lon, lat, _ = GEOD.fwd(np.full(e.shape, lon0_deg), np.full(e.shape, lat0_deg), az, d)
    return np.asarray(lat, float), np.asarray(lon, float)


@dataclass(frozen=True)
class Footprint:
    """Ellipse {p : p' C^-1 p <= chi2_2(confidence)} around (center_lat_deg, center_lon_deg),
    p the east/north offset in km, C = ``covariance_enu_km2`` (2, 2)."""

    center_lat_deg: float
    center_lon_deg: float
    covariance_enu_km2: np.ndarray = field(repr=False)
    confidence: float = 0.95

    def __post_init__(self) -> None:
        C = np.asarray(self.covariance_enu_km2, float)
        if C.shape != (2, 2) or not np.isfinite(C).all():
            raise InputError("covariance_enu_km2", C.shape, "must be a finite 2x2 matrix")
        if not 0 < self.confidence < 1:
            raise InputError("confidence", self.confidence, "must be in (0, 1)")
        C = 0.5 * (C + C.T)
        # A degenerate ellipse (a single point) gets a 1 m floor so that it stays invertible.
        w, V = np.linalg.eigh(C)
        C = (V * np.maximum(w, 1e-6)) @ V.T
        object.__setattr__(self, "covariance_enu_km2", C)

    @property
    def scale2(self) -> float:
        """chi-square quantile of 2 degrees of freedom at the confidence: -2 ln(1 - p), the
        closed form of that distribution (an exponential of mean 2)."""
        return -2.0 * math.log1p(-self.confidence)

    @cached_property
    def semi_axes_km(self) -> tuple[float, float]:
        """(semi-major, semi-minor) axes of the ellipse, km (worked out once: the watch, the
        assessment and the metrics each ask)."""
        w = np.linalg.eigvalsh(self.covariance_enu_km2)
        k = math.sqrt(self.scale2)
        return float(k * math.sqrt(w[1])), float(k * math.sqrt(w[0]))

    @property
    def semi_major_km(self) -> float:
        return self.semi_axes_km[0]

    @property
    def semi_minor_km(self) -> float:
        return self.semi_axes_km[1]

    @property
    def orientation_deg(self) -> float:
        """Azimuth of the major axis, degrees clockwise from north, in [0, 180)."""
        w, V = np.linalg.eigh(self.covariance_enu_km2)
        e, n = V[:, 1]
        return float(math.degrees(math.atan2(e, n)) % 180.0)

    @property
    def area_km2(self) -> float:
        a, b = self.semi_axes_km
        return math.pi * a * b

    def offsets_km(self, lat_deg, lon_deg) -> np.ndarray:
        """East/north offsets (..., 2) in km of points from the centre."""
        return offsets_km(lat_deg, lon_deg, self.center_lat_deg, self.center_lon_deg)

    def mahalanobis2(self, lat_deg, lon_deg) -> np.ndarray:
        """Squared Mahalanobis distance of points from the centre."""
        d = self.offsets_km(lat_deg, lon_deg)
        Ci = np.linalg.inv(self.covariance_enu_km2)
        return np.einsum("...i,ij,...j->...", d, Ci, d)

    def contains(self, lat_deg, lon_deg):
        """True where the point (degrees) lies inside the ellipse; bool or bool array."""
        lat = np.asarray(lat_deg, float)
        lon = np.asarray(lon_deg, float)
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()) or np.any(np.abs(lat) > 90):
            raise InputError("lat_deg/lon_deg", (lat_deg, lon_deg), "must be finite, |lat| <= 90")
        inside = self.mahalanobis2(lat, lon) <= self.scale2
        return bool(inside) if np.ndim(inside) == 0 else inside

    def polygon(self, n: int = 72) -> tuple[np.ndarray, np.ndarray]:
        """Closed boundary (n + 1 points, first = last): latitudes, longitudes in degrees."""
        if n < 3:
            raise InputError("n", n, "needs at least 3 vertices")
        w, V = np.linalg.eigh(self.covariance_enu_km2)
        k = math.sqrt(self.scale2)
        a = np.linspace(0.0, 2.0 * math.pi, n + 1)
        pts = V @ (k * np.sqrt(np.maximum(w, 0.0))[:, None] * np.stack([np.cos(a), np.sin(a)]))
        lat, lon = from_offsets_km(pts[0], pts[1], self.center_lat_deg, self.center_lon_deg)
        lat[-1], lon[-1] = lat[0], lon[0]
        return lat, lon
