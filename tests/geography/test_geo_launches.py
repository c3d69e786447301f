"""Done-when of issue 3 on the official figures of ../shared/data/launches_public.csv.

Each impact is placed from its description ("about 250 km west of the Oga Peninsula"). Where a
report names what the missile flew over and where it fell, the impact is put on the great circle
(geodesic) through the launch site and the overflown point, at the stated distance from the
reference place ("east" is then only approximate, as the issue says).
"""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from missilewatch.geography import gazetteer
from missilewatch.geography.overflight import GroundTrack, overflights
from missilewatch.geography.zones import Zone, zone_at

GEOD = Geod(ellps="WGS84")


def place_impact(row: dict) -> tuple[float, float]:
    return gazetteer.place_described(row["impact_description"], float(row["site_lat"]), float(row["site_lon"]),
                                     row["overflight"])


def great_circle_track(row: dict, impact: tuple[float, float], n: int = 300) -> GroundTrack:
    """Launch-to-impact geodesic, time proportional to distance, parabolic altitude to the apogee."""
    lat0, lon0 = float(row["site_lat"]), float(row["site_lon"])
    az, _, d = GEOD.inv(lon0, lat0, impact[1], impact[0])
    s = np.linspace(0.0, d, n)
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), np.full(n, az), s)
    x = s / d
    alt_km = 4.0 * float(row["apogee_km"] or 500) * x * (1 - x)
    return GroundTrack.from_arrays(x * float(row["flight_time_s"]), lat, lon, alt_km)


def japan_eez(lat: float, lon: float) -> str:
    z = zone_at(lat, lon)
    return "inside" if z.country == "JPN" and z.zone in (Zone.EEZ, Zone.TERRITORIAL_SEA) else "outside"


def test_every_impact_classified_as_japan_said(public_launches):
    assert len(public_launches) == 6
    for row in public_launches:
        lat, lon = place_impact(row)
        km, _, ref = gazetteer.parse_relative(row["impact_description"])
        _, _, d = GEOD.inv(ref.lon_deg, ref.lat_deg, lon, lat)
        assert d / 1000.0 == pytest.approx(km, abs=1.0)  # placed where the report says
        assert japan_eez(lat, lon) == row["japan_eez"], (row["date_local"], lat, lon, zone_at(lat, lon))


@pytest.mark.parametrize("date, region",
                         [("2017-08-29", "Hokkaido"), ("2017-09-15", "Hokkaido"), ("2022-10-04", "Aomori")])
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


def test_description_parsing_errors_name_the_field():
    from missilewatch.errors import InputError

    with pytest.raises(InputError, match="description"):
        gazetteer.parse_relative("somewhere in the Pacific")
    with pytest.raises(InputError, match="place"):
        gazetteer.parse_relative("about 100 km east of Atlantis")
