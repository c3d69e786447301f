"""Zone classification: every zone type, straits, median lines, lakes, antimeridian, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from geo_helpers import GEOD, brute_coast_distance_km
from geographiclib.geodesic import Geodesic

from missilewatch.earth.constants import WGS84_A, WGS84_F
from missilewatch.errors import InputError
from missilewatch.geography import zone_kernels as K
from missilewatch.geography.data import countries
from missilewatch.geography.zones import (
    EEZ_M,
    TERRITORIAL_SEA_M,
    Zone,
    _straits,
    classify_points,
    zone_at,
)


def test_land_in_japan_with_coast_distance():
    z = zone_at(35.681, 139.767)  # Tokyo station
    assert z.zone is Zone.LAND and z.country == "JPN"
    assert 1.0 < z.coast_distance_km < 6.0  # Tokyo Bay shore is ~3 km away


@pytest.mark.parametrize(
    "lat, lon, country",
    [
        (35.25, 136.08, "JPN"),  # Lake Biwa
        (47.7, -87.5, "USA"),  # Lake Superior, US side
        (47.9, -86.0, "CAN"),  # Lake Superior, Canadian side
        (53.5, 108.0, "RUS"),  # Lake Baikal
        (-1.0, 33.0, "UGA"),  # Lake Victoria
    ],
)
def test_lakes_are_land_of_their_country(lat, lon, country):
    z = zone_at(lat, lon)
    assert z.zone is Zone.LAND and z.country == country


def test_caspian_is_sea_in_the_data():
    z = zone_at(42.0, 50.5)
    assert z.zone in (Zone.EEZ, Zone.TERRITORIAL_SEA) and z.country in {"AZE", "TKM", "KAZ", "RUS", "IRN"}


def test_territorial_sea_eez_high_seas_by_distance():
    # A point 10 km, 100 km and 500 km off a straight stretch of the Pacific coast of Iwate/Aomori.
    for dist_km, zone in ((10.0, Zone.TERRITORIAL_SEA), (100.0, Zone.EEZ), (800.0, Zone.HIGH_SEAS)):
        lon, lat, _ = GEOD.fwd(141.80, 40.30, 90.0, dist_km * 1000.0)
        z = zone_at(lat, lon)
        assert z.zone is zone, (dist_km, z)
        assert z.country == ("JPN" if zone is not Zone.HIGH_SEAS else None)


def test_thresholds_match_geodesic_distance():
    """Points straddling 12 nm and 200 nm: the zone flips where the GeographicLib distance crosses."""
    for base, inner in ((TERRITORIAL_SEA_M / 1000.0, Zone.TERRITORIAL_SEA), (EEZ_M / 1000.0, Zone.EEZ)):
        # Find where the distance along the path crosses the limit, then check around it.
        offs = np.arange(0.0, base + 200.0, 0.5)
        n = len(offs)
        lon_p, lat_p, _ = GEOD.fwd(np.full(n, 141.80), np.full(n, 40.30), np.full(n, 90.0), offs * 1e3)
        d = classify_points(lat_p, lon_p).coast_distance_m / 1000.0
        cross = offs[np.argmax(d > base)]
        seen = set()
        for off_km in np.arange(cross - 3.0, cross + 3.01, 0.5):
            lon, lat, _ = GEOD.fwd(141.80, 40.30, 90.0, off_km * 1000.0)
            ref = brute_coast_distance_km(lat, lon, radius_km=base + 100.0)
            z = zone_at(lat, lon)
            assert abs(z.coast_distance_km - ref) < 0.05
            if abs(ref - base) > 0.06:
                inside = ref < base
                assert (z.zone is inner) == inside, (off_km, ref, z)
                seen.add(inside)
        assert seen == {True, False}


@pytest.mark.parametrize(
    "lat, lon",
    [(40.30, 142.3), (38.0, 137.0), (34.0, 129.9), (41.0, 139.2), (36.5, 131.0), (24.9, 125.0), (42.5, 145.9)],
)
def test_coast_distance_against_geographiclib(lat, lon):
    z = zone_at(lat, lon)
    ref = brute_coast_distance_km(lat, lon)
    # 100 m densification: the reference overestimates by < 0.05 km (1 m beyond a few km).
    assert abs(z.coast_distance_km - ref) < 0.05 + 1e-4 * ref, (z.coast_distance_km, ref)


def test_lambert_distance_against_geographiclib():
    rng = np.random.default_rng(3)
    worst_400 = worst_1000 = 0.0
    for _ in range(300):
        lat1 = rng.uniform(-80, 80)
        lon1 = rng.uniform(-180, 180)
        az = rng.uniform(0, 360)
        s = rng.uniform(1e3, 1.0e6)
        g = Geodesic.WGS84.Direct(lat1, lon1, az, s)
        d = K.lambert_distance(
            math.radians(lat1), math.radians(lon1), math.radians(g["lat2"]), math.radians(g["lon2"]), WGS84_A, WGS84_F
        )
        err = abs(d - s)
        if s <= 4e5:
            worst_400 = max(worst_400, err)
        worst_1000 = max(worst_1000, err)
    assert worst_400 < 5.0  # metres, up to 400 km (the EEZ band)
    assert worst_1000 < 30.0  # metres, up to 1,000 km


def test_index_matches_brute_force_search():
    """The index's candidate lists against a scan of every coast segment (same metric)."""
    from missilewatch.geography.index import packaged

    g = packaged().geometry
    rng = np.random.default_rng(11)
    lat = np.concatenate([rng.uniform(28, 46, 300), np.degrees(np.arcsin(rng.uniform(-1, 1, 200)))])
    lon = np.concatenate([rng.uniform(126, 146, 300), rng.uniform(-180, 180, 200)])
    z = classify_points(lat, lon)
    ref = np.empty(len(lat))
    for i in range(len(lat)):
        px, py, pz = K.unit(math.radians(lat[i]), math.radians(lon[i]))
        ref[i] = _brute(px, py, pz, math.radians(lat[i]), math.radians(lon[i]), g.seg)
    err = z.coast_distance_m - ref
    assert np.all(err > -1e-6)  # never below the true minimum
    near = ref < 30e3
    assert np.all(np.abs(err[near]) < 1e-3)  # exact lists near the coast
    assert np.all(err <= 0.02 * ref)  # sampled lists farther out: within 2 %
    assert np.mean(np.abs(err) < 1.0) > 0.97


def _brute(px, py, pz, rlat, rlon, seg):
    return _brute_kernel(px, py, pz, rlat, rlon, seg)


from numba import njit  # noqa: E402


@njit(cache=True)
def _brute_kernel(px, py, pz, rlat, rlon, seg):
    best = 1e30
    for k in range(seg.shape[0]):
        m = K.seg_metric(px, py, pz, seg, k)
        if m < best:
            best = m
    dist = 1e30
    for k in range(seg.shape[0]):
        if K.seg_metric(px, py, pz, seg, k) <= best * K.REFINE_FACTOR:
            fl, fn = K.seg_foot(px, py, pz, seg, k)
            d = K.lambert_distance(rlat, rlon, fl, fn, WGS84_A, WGS84_F)
            if d < dist:
                dist = d
    return dist


def test_land_against_shapely_point_in_polygon():
    """Against GEOS ray crossing on every ring of the data (even-odd per country)."""
    rng = np.random.default_rng(5)
    lat = np.concatenate([rng.uniform(30, 46, 3000), np.degrees(np.arcsin(rng.uniform(-0.99, 0.99, 3000)))])
    lon = np.concatenate([rng.uniform(125, 146, 3000), rng.uniform(-180, 180, 3000)])
    z = classify_points(lat, lon)
    topo = countries()
    parity = {}
    for r in range(len(topo.ring_country)):
        xy = topo.ring_lonlat(r)
        closure = topo.polar_closure(r)
        if closure is not None:
            xy = np.vstack([xy, closure[1:]])
        if len(xy) < 4:
            continue
        x0, y0 = xy.min(axis=0)
        x1, y1 = xy.max(axis=0)
        box = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        if not box.any():
            continue
        hit = np.zeros(len(lat), dtype=bool)
        hit[box] = shapely.contains_xy(shapely.Polygon(xy), lon[box], lat[box])
        k = int(topo.ring_country[r])
        parity[k] = parity.get(k, np.zeros(len(lat), dtype=bool)) ^ hit
    ref = np.full(len(lat), -1)
    for k, inside in parity.items():
        ref[inside] = k
    ours = np.where(z.zone_code == 0, z.country_index, -1)
    assert np.array_equal(ours, ref)
    assert (ref >= 0).sum() > 1000  # the sample does hit land


def test_straits_have_3_nm_territorial_sea():
    st = _straits()
    assert set(st.names) == {
        "Soya Strait", "Tsugaru Strait", "Tsushima Strait East Channel", "Tsushima Strait West Channel", "Osumi Strait"
    }
    rng = np.random.default_rng(2)
    jpn = countries().index_of("JPN")
    for s, name in enumerate(st.names):
        ring = st.poly[st.off[s] : st.off[s + 1]]
        x0, y0 = ring.min(axis=0)
        x1, y1 = ring.max(axis=0)
        lon, lat = rng.uniform(x0, x1, 20000), rng.uniform(y0, y1, 20000)
        inside = shapely.contains_xy(shapely.Polygon(ring), lon, lat)
        z = classify_points(lat[inside], lon[inside])
        d = z.coast_distance_m
        ours = z.coast_country_index == jpn
        mid = ours & (d > 5556.0 + 50) & (d < TERRITORIAL_SEA_M - 50) & (z.zone_code != 0)
        close = ours & (d < 5556.0 - 50) & (z.zone_code != 0)
        assert mid.sum() > 20 and close.sum() > 20, name
        assert np.all(z.zone_code[mid] == 2), name  # EEZ beyond 3 nm inside the strait
        assert np.all(z.zone_code[close] == 1), name


def test_12_nm_outside_the_straits():
    # West of Sado Island (open sea, no strait): 6-20 km from the coast is territorial sea.
    lon = np.linspace(137.9, 138.3, 200)
    z = classify_points(np.full(len(lon), 38.1), lon)
    mid = (z.coast_distance_m > 6000) & (z.coast_distance_m < 20000) & (z.zone_code != 0)
    assert mid.sum() > 10
    assert np.all(z.zone_code[mid] == 1) and np.all(z.country_index[mid] == countries().index_of("JPN"))


def test_korea_keeps_3_nm_in_the_western_channel():
    # 8 km south-east of the Busan coast, inside the western channel polygon.
    lon, lat, _ = GEOD.fwd(129.08, 35.05, 150.0, 8000.0)
    z = zone_at(lat, lon)
    assert z.country == "KOR" and z.coast_distance_km > 5.6 and z.zone is Zone.EEZ


@pytest.mark.parametrize(
    "a, b, ca, cb",
    [
        ((34.95, 129.05), (34.68, 129.42), "KOR", "JPN"),  # Korea Strait: Busan / Tsushima
        ((43.40, 145.60), (43.85, 145.75), "JPN", "RUS"),  # Nemuro Strait: Nemuro / Kunashir
        ((37.55, 131.0), (36.8, 132.6), "KOR", "JPN"),  # Sea of Japan: Ulleungdo / Oki
    ],
)
def test_median_line_nearest_coast_decides(a, b, ca, cb):
    """Points on the segment between two coasts: the owner changes where GeographicLib distances are equal."""
    lats = np.linspace(a[0], b[0], 41)
    lons = np.linspace(a[1], b[1], 41)
    z = classify_points(lats, lons)
    checked = 0
    for i in range(len(lats)):
        if z.zone_code[i] == 0:
            continue
        da = brute_coast_distance_km(lats[i], lons[i], ca, radius_km=300)
        db = brute_coast_distance_km(lats[i], lons[i], cb, radius_km=300)
        if abs(da - db) < 0.3:
            continue  # on the line itself, within the reference's densification
        expect = ca if da < db else cb
        assert z.country(i) == expect, (lats[i], lons[i], da, db, z.country(i))
        checked += 1
    owners = {z.country(i) for i in range(len(lats)) if z.zone_code[i] != 0}
    assert {ca, cb} <= owners and checked > 20


@pytest.mark.parametrize(
    "lat, lon",
    [(65.5, 179.99), (65.5, -179.99), (-16.6, 179.99), (-16.6, -179.99), (-16.8, 180.0), (52.0, 180.0)],
)
def test_antimeridian_wraps(lat, lon):
    z1 = zone_at(lat, lon)
    z2 = zone_at(lat, lon + 360.0)
    z3 = zone_at(lat, lon - 360.0)
    assert (z1.zone, z1.country) == (z2.zone, z2.country) == (z3.zone, z3.country)
    assert z1.coast_distance_km == pytest.approx(z2.coast_distance_km, abs=1e-6)


def test_antimeridian_continuity():
    # Distance to coast is continuous across 180 deg (Fiji, Chukotka).
    for lat in (-16.6, 65.0):
        west = zone_at(lat, 179.999).coast_distance_km
        east = zone_at(lat, -179.999).coast_distance_km
        assert abs(west - east) < 0.5
    assert zone_at(-16.6, 179.99).country == "FJI" and zone_at(-16.6, -179.99).country == "FJI"


def test_poles_and_antarctica():
    assert zone_at(-89.5, 0.0).zone is Zone.LAND and zone_at(-89.5, 0.0).country == "ATA"
    north = zone_at(90.0, 0.0)
    assert north.zone is Zone.HIGH_SEAS and north.country is None
    # The Antarctic coast generates no maritime zones here.
    assert zone_at(-66.0, 110.0).zone in (Zone.HIGH_SEAS, Zone.LAND)


def test_vectorised_shapes_and_empty():
    z = classify_points(np.array([[35.68, 40.0], [0.0, 10.0]]), np.array([[139.77, 160.0], [-30.0, 10.0]]))
    assert len(z) == 4 and z.zone(0) is Zone.LAND
    assert len(classify_points([], [])) == 0
    rec = z.to_records()[0]
    assert set(rec) >= {"lat_deg", "lon_deg", "zone", "country", "coast_distance_km"}


@pytest.mark.parametrize(
    "lat, lon, field",
    [(95.0, 0.0, "lat_deg"), (-90.5, 0.0, "lat_deg"), (float("nan"), 0.0, "lat_deg"), (0.0, float("inf"), "lon_deg"),
     ("abc", 0.0, "lat_deg"), (0.0, "east", "lon_deg"), (None, 0.0, "lat_deg")],
)
def test_invalid_input(lat, lon, field):
    with pytest.raises(InputError) as exc:
        zone_at(lat, lon)
    assert exc.value.field == field


def test_shape_mismatch_is_input_error():
    with pytest.raises(InputError):
        classify_points([1.0, 2.0, 3.0], [1.0, 2.0])
