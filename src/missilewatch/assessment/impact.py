"""Predicted impact with its uncertainty: an ellipse or a cloud of samples, as points to classify."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from missilewatch.errors import InputError
from missilewatch.geography.zones import validate_lat_lon

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class ImpactEllipse:
    """Impact centre with a 1-sigma ellipse: semi-axes (km) and the major axis' azimuth (deg from north)."""

    lat_deg: float
    lon_deg: float
    semi_major_km: float = 0.0
    semi_minor_km: float = 0.0
    orientation_deg: float = 0.0

    def __post_init__(self) -> None:
        validate_lat_lon(self.lat_deg, self.lon_deg)
        for name in ("semi_major_km", "semi_minor_km", "orientation_deg"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                raise InputError(name, v, "must be a finite number")
        if self.semi_minor_km < 0 or self.semi_major_km < self.semi_minor_km:
            raise InputError("semi_minor_km", self.semi_minor_km, "need 0 <= semi_minor_km <= semi_major_km")

    @property
    def centre(self) -> tuple[float, float]:
        return self.lat_deg, self.lon_deg

    def points(self, sigma: float = 1.0, n_boundary: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """(lat_deg, lon_deg) of the centre, two inner rings and the boundary of the sigma-scaled ellipse."""
        a = self.semi_major_km * sigma
        b = self.semi_minor_km * sigma
        lat, lon = np.array([self.lat_deg], dtype=float), np.array([self.lon_deg], dtype=float)
        if a > 0:  # the three rings in one geodesic call
            phi = np.tile(np.linspace(0.0, 2.0 * np.pi, n_boundary, endpoint=False), 3)
            scale = np.repeat([1.0 / 3.0, 2.0 / 3.0, 1.0], n_boundary)
            x = a * scale * np.cos(phi)  # along the major axis
            y = b * scale * np.sin(phi)  # 90 deg clockwise from it
            az = self.orientation_deg + np.degrees(np.arctan2(y, x))
            dist_m = np.hypot(x, y) * 1000.0
            lo, la, _ = GEOD.fwd(np.full(len(phi), self.lon_deg), np.full(len(phi), self.lat_deg), az, dist_m)
            lat, lon = np.concatenate([lat, la]), np.concatenate([lon, lo])
        return lat, ((lon + 180.0) % 360.0) - 180.0


@dataclass(frozen=True, eq=False)
class ImpactSamples:
    """Impact points from a Monte Carlo (the area is the samples themselves)."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray

    def __post_init__(self) -> None:
        lat, lon = validate_lat_lon(self.lat_deg, self.lon_deg)
        if len(lat) == 0:
            raise InputError("lat_deg", self.lat_deg, "need at least one impact sample")
        object.__setattr__(self, "lat_deg", lat)
        object.__setattr__(self, "lon_deg", lon)

    @property
    def centre(self) -> tuple[float, float]:
        """Mean position (via the mean unit vector, so it works across the antimeridian)."""
        la, lo = np.radians(self.lat_deg), np.radians(self.lon_deg)
        v = np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]).mean(axis=1)
        return float(np.degrees(np.arctan2(v[2], np.hypot(v[0], v[1])))), float(np.degrees(np.arctan2(v[1], v[0])))

    def points(self, sigma: float = 1.0, n_boundary: int = 48) -> tuple[np.ndarray, np.ndarray]:
        return self.lat_deg, self.lon_deg
