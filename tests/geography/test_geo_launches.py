"""Done-when of issue 3 on the official figures of ../shared/data/launches_public.csv.

Each impact is placed from its description ("about 250 km west of the Oga Peninsula"). Where a
report names what the missile flew over and where it fell, the impact is put on the great circle
(geodesic) through the launch site and the overflown point, at the stated distance from the
reference place ("east" is then only approximate, as the issue says).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from pyproj import Geod

from missilewatch.geography import gazetteer
from missilewatch.geography.overflight import GroundTrack, overflights
from missilewatch.geography.zones import Zone, zone_at

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


def great_circle_track(row: dict, impact: tuple[float, float], n: int = 300) -> GroundTrack:
    """Launch-to-impact geodesic, time proportional to distance, parabolic altitude to the apogee."""
    lat0, lon0 = float(row["site_lat"]), float(row["site_lon"])
    az, _, d = GEOD.inv(lon0, lat0, impact[1], impact[0])
    s = np.linspace(0.0, d, n)
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), np.full(n, az), s)
    x = s / d
    return GroundTrack.from_arrays(x * float(row["flight_time_s"]), lat, lon, 4.0 * float(row["apogee_km"] or 500) * x * (1 - x))


def japan_eez(lat: float, lon: float) -> str:
    z = zone_at(lat, lon)
    return "inside" if z.country == "JPN" and z.zone in (Zone.EEZ, Zone.TERRITORIAL_SEA) else "outside"


def test_every_impact_classified_as_japan_said(public_launches):
    assert len(public_launches) == 6
    for row in public_launches:
        lat, lon = place_impact(row)
        km, _, ref = _parse(row["impact_description"])
        _, _, d = GEOD.inv(ref.lon_deg, ref.lat_deg, lon, lat)
        assert d / 1000.0 == pytest.approx(km, abs=1.0)  # placed where the report says
        assert japan_eez(lat, lon) == row["japan_eez"], (row["date_local"], lat, lon, zone_at(lat, lon))


@pytest.mark.parametrize("date, region", [("2017-08-29", "Hokkaido"), ("2017-09-15", "Hokkaido"), ("2022-10-04", "Aomori")])
def test_great_circle_tracks_overfly_the_reported_region(public_launches, date, region):
    row = next(r for r in public_launches if r["date_local"] == date)
    assert row["overflight"].startswith(region)
    track = great_circle_track(row, place_impact(row))
    passes = overflights(track)
    japan = [p for p in passes if p.country == "JPN"]
    assert japan and {p.region for p in japan} == {region}
    assert all(p.enter_s < p.exit_s for p in passes)
    assert [p.enter_s for p in passes] == sorted(p.enter_s for p in passes)
    assert passes[0].country == "PRK" and passes[0].enter_s == pytest.approx(0.0, abs=1e-6)


def test_reference_places_are_where_they_say():
    """Every gazetteer place lies on (or within 3 km of) the land of its country and region."""
    from missilewatch.geography.regions import nearest_region

    for p in gazetteer.places():
        z = zone_at(p.lat_deg, p.lon_deg)
        assert z.country == p.country or (z.zone is not Zone.LAND and z.coast_distance_km < 3.0), p
        if p.region:
            region, km = nearest_region(p.lat_deg, p.lon_deg, p.country)
            assert region.name == p.region and km < 3.0, (p, region.name, km)
