"""Distances of many points to many regions, closest approach of a ground track and region
outlines, against Shapely/GEOS with pyproj (GeographicLib) one point at a time, and against a
densified geodesic search."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from missilewatch.geography.overflight import GroundTrack, closest_approaches, overflights
from missilewatch.geography.regions import (
    all_regions,
    bounding_pad_deg,
    distances_km,
    ground_km,
    nearest_region,
    region_outline,
    regions_near,
)

GEOD = Geod(ellps="WGS84")


def _one_by_one_km(lat: float, lon: float, geometry) -> float:
    """The reference: GEOS planar nearest point (tried across the antimeridian), geodesic to it."""
    p = shapely.Point(lon, lat)
    if geometry.contains(p):
        return 0.0
    best = np.inf
    for shift in (0.0, 360.0, -360.0):
        q = shapely.shortest_line(shapely.Point(lon + shift, lat), geometry).coords[1]
        best = min(best, GEOD.inv(lon, lat, q[0], q[1])[2])
    return best / 1000.0


@pytest.fixture(scope="module")
def japan() -> np.ndarray:
    return all_regions().indices_of("JPN")


def test_many_points_to_many_regions_match_geos_point_by_point(japan):
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(30.0, 46.0, 40), rng.uniform(128.0, 146.0, 40)
    rs = all_regions()
    ids = japan[::4]
    km, arg = distances_km(lat, lon, ids)
    for j, r in enumerate(ids):
        ref = [_one_by_one_km(a, b, rs.regions[r].geometry) for a, b in zip(lat, lon, strict=True)]
        assert km[j] == pytest.approx(min(ref), abs=1e-6)
        assert ref[arg[j]] == pytest.approx(km[j], abs=1e-6)
    pair = ground_km(lat[:len(ids)], lon[:len(ids)], ids)
    for q, r in enumerate(ids):
        assert pair[q] == pytest.approx(_one_by_one_km(lat[q], lon[q], rs.regions[r].geometry), abs=1e-6)


def test_nearest_region_across_the_antimeridian_and_far_away():
    # West of the antimeridian the nearest of Japan's regions is found going east (Minamitorishima, Tokyo).
    r, km = nearest_region(20.0, -170.0, "JPN")
    ref = min((_one_by_one_km(20.0, -170.0, x.geometry), x.name) for x in all_regions().regions if x.country == "JPN")
    assert (r.name, km) == (ref[1], pytest.approx(ref[0], abs=1e-6))
    assert r.name == "Tokyo"
    fiji, km = nearest_region(-16.6, -179.95)
    assert fiji.country == "FJI" and km < 30.0


def test_distance_is_close_to_the_true_geodesic_minimum():
    """The planar nearest point is a fair stand-in: against the minimum over the region's outline
    densified every ~1 km along geodesics, within 1 % at a few hundred km."""
    rs = all_regions()
    akita = next(r for r in rs.regions if r.name == "Akita")
    ring = max(akita.geometry.geoms, key=lambda g: g.area).exterior.coords
    pts = []
    for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:], strict=True):
        n = max(2, int(GEOD.inv(x0, y0, x1, y1)[2] / 1000.0))
        pts.extend(GEOD.npts(x0, y0, x1, y1, n, initial_idx=0, terminus_idx=0))
    px, py = np.array(pts).T
    for lat, lon in ((40.0, 137.0), (39.5, 139.0), (41.5, 138.5)):
        true_km = GEOD.inv(np.full(len(px), lon), np.full(len(px), lat), px, py)[2].min() / 1000.0
        km, _ = distances_km(np.array([lat]), np.array([lon]), np.array([rs.regions.index(akita)]))
        assert true_km <= km[0] + 1e-6 <= true_km * 1.01 + 1e-6


def test_bounding_test_drops_only_regions_out_of_reach(japan):
    rng = np.random.default_rng(9)
    lat, lon = rng.uniform(38.0, 40.0, 30), rng.uniform(137.0, 139.0, 30)
    km_all, _ = distances_km(lat, lon, japan)
    kept = regions_near(japan, lat, lon, 150.0)
    assert set(japan[km_all <= 150.0]) <= set(kept) and len(kept) < len(japan)
    km_within, _ = distances_km(lat, lon, japan, within_km=150.0)
    near = km_all <= 150.0
    assert np.allclose(km_within[near], km_all[near]) and np.all(km_within[~near] > 150.0)
    pad_lat, pad_lon = bounding_pad_deg(lat, 150.0)
    assert pad_lat * 110.57 >= 150.0 and pad_lon > pad_lat


def test_inside_is_zero():
    rs = all_regions()
    aomori = rs.regions.index(next(r for r in rs.regions if r.name == "Aomori"))
    km, arg = distances_km(np.array([45.0, 40.82]), np.array([150.0, 140.74]), np.array([aomori]))
    assert km[0] == 0.0 and arg[0] == 1


def test_closest_approach_against_a_dense_scan(japan):
    """A track past Japan: time and distance of the closest approach to each region within the
    corridor, against GEOS + pyproj on the same track sampled every 0.5 km."""
    lon = np.linspace(128.0, 150.0, 60)
    lat = 38.0 + 3.0 * np.sin((lon - 128.0) / 22.0 * np.pi)
    t = (lon - 128.0) * 30.0
    track = GroundTrack.from_arrays(t, lat, lon, np.full(60, 500.0))
    rs = all_regions()
    ids = regions_near(japan, lat, lon, 100.0)
    got_t, got_km = closest_approaches(track, ids, 100.0)
    dense_t = np.linspace(t[0], t[-1], 5000)
    dlat, dlon = np.interp(dense_t, t, lat), np.interp(dense_t, t, lon)
    checked = 0
    for j, r in enumerate(ids):
        d = np.array([_one_by_one_km(a, b, rs.regions[r].geometry) for a, b in zip(dlat, dlon, strict=True)])
        if d.min() > 90.0:
            assert got_km[j] > 80.0
            continue
        checked += 1
        assert got_km[j] == pytest.approx(d.min(), abs=3.0)  # 5 km resampling
        assert got_t[j] == pytest.approx(dense_t[np.argmin(d)], abs=15.0 + 30.0 * 5.0 / 111.0 * 3)
    assert checked >= 3


def test_region_outline_is_latitude_first_and_cached():
    poly = region_outline("JPN", "Aomori")
    assert 4 <= len(poly) <= 61 and poly[0] == poly[-1]
    assert all(40.0 < lat < 42.0 and 139.0 < lon < 142.0 for lat, lon in poly)
    assert region_outline("JPN", "Aomori") is poly and region_outline("JPN", "Atlantis") == ()


def _geos_passes(track: GroundTrack) -> list[tuple[str, float, float]]:
    """Reference for a track that never comes back on itself: GEOS intersection pieces, located
    along the line (Shapely's line_locate_point), mapped to time."""
    xy = np.column_stack([track.unwrapped_lon_deg(), track.lat_deg])
    line = shapely.LineString(xy)
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    out = []
    for r in all_regions().regions:
        inter = shapely.intersection(line, r.geometry)
        for piece in shapely.get_parts(inter):
            c = shapely.get_coordinates(piece)
            if not len(c):
                continue
            a, b = (line.line_locate_point(shapely.Point(p)) for p in (c[0], c[-1]))
            t0, t1 = np.interp([min(a, b), max(a, b)], cum, track.t_s)
            out.append((r.label, float(t0), float(t1)))
    return sorted(out, key=lambda p: (p[1], p[2]))


def test_overflights_match_geos_on_tracks_over_japan():
    rng = np.random.default_rng(17)
    for _ in range(12):
        lat0, lon0 = rng.uniform(33.0, 43.0), rng.uniform(124.0, 128.0)
        n = 300
        lat = lat0 + np.linspace(0.0, rng.uniform(-6.0, 6.0), n)
        lon = lon0 + np.linspace(0.0, rng.uniform(15.0, 25.0), n)
        track = GroundTrack.from_arrays(np.arange(n) * 3.0, lat, lon, np.linspace(50.0, 900.0, n))
        ref = _geos_passes(track)
        got = [(o.label, o.enter_s, o.exit_s) for o in overflights(track)]
        # Pieces of one region less than 1 s apart are one passage, as in overflights().
        merged: list[list] = []
        for label, t0, t1 in ref:
            near = [m for m in merged if m[0] == label and t0 - m[2] <= 1.0 and t1 >= m[1] - 1.0]
            if near:
                near[0][1], near[0][2] = min(near[0][1], t0), max(near[0][2], t1)
            else:
                merged.append([label, t0, t1])
        assert [g[0] for g in got] == [m[0] for m in merged]
        for g, m in zip(got, merged, strict=True):
            assert g[1] == pytest.approx(m[1], abs=1e-6) and g[2] == pytest.approx(m[2], abs=1e-6)


def test_overflights_of_a_track_that_comes_back():
    """From Aomori down into Akita and back across its own path: three passes, each region's
    time as long as a dense point-in-polygon scan says (within its 0.1 s step)."""
    lat = np.array([40.60, 40.25, 40.26, 40.61])
    lon = np.array([140.1, 140.5, 140.1, 140.5])
    t_s = np.array([0.0, 100.0, 200.0, 300.0])
    track = GroundTrack.from_arrays(t_s, lat, lon, np.full(4, 100.0))
    got = [(o.region, o.enter_s, o.exit_s) for o in overflights(track) if o.country == "JPN"]
    assert [g[0] for g in got] == ["Aomori", "Akita", "Aomori"]
    t = np.arange(0.05, 300.0, 0.1)
    la, lo = np.interp(t, t_s, lat), np.interp(t, t_s, lon)
    for name in ("Aomori", "Akita"):
        geom = next(r.geometry for r in all_regions().regions if r.name == name)
        total = sum(b - a for n, a, b in got if n == name)
        assert total == pytest.approx(shapely.contains_xy(geom, lo, la).sum() * 0.1, abs=0.3)
