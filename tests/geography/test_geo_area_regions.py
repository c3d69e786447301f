"""Japan's zone areas against the official figures; regions, gazetteer phrases and overflight timing."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic

from missilewatch.errors import InputError
from missilewatch.geography import gazetteer
from missilewatch.geography.data import countries
from missilewatch.geography.overflight import GroundTrack, overflights
from missilewatch.geography.regions import nearest_region, region_at
from missilewatch.geography.zones import classify_points

R_AUTHALIC_KM = 6371.0072  # WGS84 authalic radius


def japan_areas_mkm2(step: float = 0.05) -> dict[str, float]:
    """Area (million km2) of Japan's land, territorial sea and EEZ on a lat/lon grid (area-weighted)."""
    lat = np.arange(15 + step / 2, 52, step)
    lon = np.arange(118 + step / 2, 162, step)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    z = classify_points(la, lo)
    band = np.sin(np.radians(la.ravel() + step / 2)) - np.sin(np.radians(la.ravel() - step / 2))
    cell = R_AUTHALIC_KM**2 * np.radians(step) * band
    jpn = z.country_index == countries().index_of("JPN")
    edge = jpn.reshape(la.shape)
    assert not (edge[0].any() or edge[-1].any() or edge[:, 0].any() or edge[:, -1].any())  # grid holds it all
    return {name: float(cell[jpn & (z.zone_code == code)].sum()) / 1e6
            for code, name in enumerate(("land", "ts", "eez"))}


def test_japan_land_and_sea_areas_against_official_figures():
    a = japan_areas_mkm2()
    # Land: official 0.378 million km2 (Natural Earth assigns the Northern Territories to Russia).
    assert a["land"] == pytest.approx(0.378, rel=0.03)
    # Territorial sea + EEZ: official 4.47 million km2. The data has no Okinotorishima (its EEZ is
    # about 0.4 million km2), Takeshima and the Northern Territories are not Japan's in the data,
    # and baselines are the coastline (no straight baselines): about 3.69 is expected.
    sea = a["ts"] + a["eez"]
    assert 3.5 < sea < 3.9
    assert sea / 4.47 == pytest.approx(0.826, abs=0.03)
    # Okinotorishima (20.42 N, 136.08 E) would add the sea within 200 nm of it that is high seas
    # here or nearer to it than to any coast of the data: about 0.43 million km2, which brings the
    # total to ~92 % of the official figure.
    gain = okinotorishima_gain_mkm2()
    assert 0.35 < gain < 0.5
    assert (sea + gain) / 4.47 == pytest.approx(0.92, abs=0.04)


def okinotorishima_gain_mkm2(step: float = 0.05) -> float:
    from pyproj import Geod

    lat = np.arange(13, 28, step) + step / 2
    lon = np.arange(129, 143, step) + step / 2
    la, lo = (g.ravel() for g in np.meshgrid(lat, lon, indexing="ij"))
    _, _, d = Geod(ellps="WGS84").inv(np.full(len(la), 136.08), np.full(len(la), 20.42), lo, la)
    z = classify_points(la, lo)
    cell = R_AUTHALIC_KM**2 * np.radians(step) * (np.sin(np.radians(la + step / 2)) - np.sin(np.radians(la - step / 2)))
    gain = (d <= 370_400.0) & ((z.zone_code == 3) | ((z.coast_distance_m > d) & (z.zone_code != 0)))
    return float(cell[gain].sum()) / 1e6


def test_region_at_and_nearest():
    assert region_at(43.06, 141.35).name == "Hokkaido"
    assert region_at(40.82, 140.74).name == "Aomori"
    assert region_at(40.0, 134.0) is None
    r, km = nearest_region(39.99, 136.77)  # 250 km west of Oga, at sea
    assert r.country == "JPN" and 200 < km < 260
    with pytest.raises(InputError):
        region_at(95.0, 0.0)


def test_relative_phrase_against_geographiclib():
    kam = gazetteer.place("Kamaishi")
    g = Geodesic.WGS84.Direct(kam.lat_deg, kam.lon_deg, 88.0, 3_180_000.0)
    rel = gazetteer.relative_to(kam, g["lat2"], g["lon2"])
    assert rel.distance_km == pytest.approx(3180.0, abs=1e-3)
    assert rel.bearing_deg == pytest.approx(88.0, abs=1e-6)
    assert rel.phrase() == "about 3,180 km east of Kamaishi"
    lat, lon = gazetteer.offset(kam, 250.0, 270.0)
    inv = Geodesic.WGS84.Inverse(kam.lat_deg, kam.lon_deg, lat, lon)
    assert inv["s12"] == pytest.approx(250_000.0, abs=1e-3) and inv["azi1"] % 360 == pytest.approx(270.0, abs=1e-6)


@pytest.mark.parametrize("bearing, word", [(0, "north"), (44, "northeast"), (91, "east"), (200, "south"),
                                           (250, "west"), (337.6, "north")])
def test_compass(bearing, word):
    assert gazetteer.compass_point(bearing) == word


def test_format_km():
    assert gazetteer.format_km(3184.0) == "3,180" and gazetteer.format_km(47.4) == "47"


def test_unknown_place_is_input_error():
    with pytest.raises(InputError) as exc:
        gazetteer.place("Atlantis")
    assert exc.value.field == "place"


def test_overflight_times_interpolate_the_crossings():
    """A track along 38.1 N over Sado Island at 1 deg/100 s: entry/exit times map the crossing longitudes."""
    lon = np.linspace(137.5, 139.0, 16)
    track = GroundTrack.from_arrays((lon - 137.5) * 100.0, np.full(16, 38.1), lon, np.linspace(100, 250, 16))
    passes = [p for p in overflights(track) if p.region == "Niigata"]
    regions = __import__("missilewatch.geography.regions", fromlist=["x"]).all_regions().regions
    sado = next(r for r in regions if r.name == "Niigata")
    line = shapely.LineString([(137.5, 38.1), (139.0, 38.1)]).intersection(sado.geometry)
    x0 = min(g.bounds[0] for g in getattr(line, "geoms", [line]))
    assert passes[0].enter_s == pytest.approx((x0 - 137.5) * 100.0, abs=1e-6)
    assert passes[0].alt_enter_km == pytest.approx(100 + 150 * (x0 - 137.5) / 1.5, abs=1e-6)


def test_overflight_across_the_antimeridian():
    # Over Fiji's Taveuni/Vanua Levu region crossing 180 deg from west to east.
    lon = np.array([179.0, 179.6, 179.9, -179.9, -179.5])
    track = GroundTrack.from_arrays(np.arange(5) * 10.0, np.full(5, -16.6), lon, np.full(5, 100.0))
    passes = overflights(track)
    assert any(p.country == "FJI" for p in passes)
    assert all(0.0 <= p.enter_s <= p.exit_s <= 40.0 for p in passes)


@pytest.mark.parametrize(
    "t, lat, lon, alt",
    [([0, 1], [0, 95], [0, 0], [0, 0]), ([0, 0], [0, 1], [0, 1], [0, 0]), ([0], [0], [0], [0]),
     ([0, 1], [0, 1], [0, 1], [0, float("nan")])],
)
def test_bad_tracks(t, lat, lon, alt):
    with pytest.raises(InputError):
        GroundTrack.from_arrays(t, lat, lon, alt)
