"""Independent references for geography tests (GeographicLib via pyproj, Shapely/GEOS)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pyproj import Geod

from missilewatch.geography.data import countries

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
GEOD = Geod(ellps="WGS84")  # pyproj's port of GeographicLib


def coast_points(country: str | None, lat_deg: float, lon_deg: float, radius_km: float, step_m: float = 100.0):
    """Coast of the data (arcs used once = shoreline) near a point, densified along geodesics.

    Returns (lat, lon) arrays of points every ``step_m`` along every coastline segment of
    ``country`` (None: any country) with an endpoint within ``radius_km``.
    """
    topo = countries()
    k = None if country is None else topo.index_of(country)
    lats, lons = [], []
    for i in range(len(topo.arc_uses)):
        if topo.arc_uses[i] != 1 or (k is not None and topo.arc_owner[i, 0] != k):
            continue
        a, b = topo.arc_offsets[i], topo.arc_offsets[i + 1]
        la, lo = topo.lat_deg[a:b], topo.lon_deg[a:b]
        near = (np.abs(la - lat_deg) < radius_km / 111.0 + 0.1) & (
            np.abs(((lo - lon_deg + 180) % 360) - 180) < radius_km / (111.0 * np.cos(np.radians(lat_deg))) + 0.1
        )
        if not near.any():
            continue
        for j in range(len(la) - 1):
            if not (near[j] or near[j + 1]):
                continue
            if abs(lo[j]) == 180.0 and abs(lo[j + 1]) == 180.0:
                continue  # the antimeridian cut is not a shore
            _, _, d = GEOD.inv(lo[j], la[j], lo[j + 1], la[j + 1])
            n = int(d // step_m)
            lats.append(la[j])
            lons.append(lo[j])
            if n > 0:
                pts = GEOD.npts(lo[j], la[j], lo[j + 1], la[j + 1], n)
                lons.extend(p[0] for p in pts)
                lats.extend(p[1] for p in pts)
            lats.append(la[j + 1])
            lons.append(lo[j + 1])
    return np.asarray(lats), np.asarray(lons)


def brute_coast_distance_km(lat_deg: float, lon_deg: float, country: str | None = None,
                            radius_km: float = 600.0) -> float:
    """Geodesic distance (GeographicLib) to the nearest densified coast point."""
    la, lo = coast_points(country, lat_deg, lon_deg, radius_km)
    assert len(la), "no coast within the search radius"
    _, _, d = GEOD.inv(np.full(len(la), lon_deg), np.full(len(la), lat_deg), lo, la)
    return float(d.min()) / 1000.0
