"""Placing the official impacts from their descriptions (same rule as tests/geography)."""

from __future__ import annotations

import re

from pyproj import Geod

from missilewatch.geography import gazetteer

GEOD = Geod(ellps="WGS84")
BEARING = {"north": 0.0, "east": 90.0, "south": 180.0, "west": 270.0}
DESC = re.compile(r"about ([\d,]+) km (north|east|south|west) of (?:the )?([A-Z][\w-]+(?: [A-Z][\w-]+)*)")


def _parse(desc: str) -> tuple[float, str, gazetteer.Place]:
    m = DESC.search(desc)
    assert m, desc
    return float(m.group(1).replace(",", "")), m.group(2), gazetteer.place(m.group(3))


def _via_point(row: dict, ref: gazetteer.Place) -> gazetteer.Place | None:
    """The overflown point: a place named in the overflight text, or the reference if it lies in
    the overflown region, or the place named like the region (Aomori)."""
    text = row["overflight"]
    if not text:
        return None
    for p in gazetteer.places():
        if p.name in text:
            return p
    region = text.split()[0]
    if ref.region == region:
        return ref
    return gazetteer.place(region)


def place_impact(row: dict) -> tuple[float, float]:
    km, direction, ref = _parse(row["impact_description"])
    via = _via_point(row, ref)
    if via is None:
        return gazetteer.offset(ref, km, BEARING[direction])
    lat0, lon0 = float(row["site_lat"]), float(row["site_lon"])
    az, _, d_via = GEOD.inv(lon0, lat0, via.lon_deg, via.lat_deg)
    # Along the geodesic beyond the overflown point: distance from the reference = km.
    lo, hi = d_via, d_via + 2.5 * km * 1000.0 + 5e5
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lon, lat, _ = GEOD.fwd(lon0, lat0, az, mid)
        _, _, d = GEOD.inv(ref.lon_deg, ref.lat_deg, lon, lat)
        lo, hi = (mid, hi) if d < km * 1000.0 else (lo, mid)
    lon, lat, _ = GEOD.fwd(lon0, lat0, az, 0.5 * (lo + hi))
    return float(lat), float(lon)


