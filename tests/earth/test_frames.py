"""Public frames API against pyproj, pymap3d and published values."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pymap3d
import pytest
from pyproj import Transformer

from missilewatch import earth
from missilewatch.errors import InputError

UTC = dt.UTC


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(4242)


def _random_geodetic(rng, n):
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lon = rng.uniform(-180, 180, n)
    h = rng.uniform(-10e3, 4e7, n)
    lat[:20] = 90.0
    lat[20:40] = -90.0
    lon[40:60] = 180.0
    lon[60:80] = -180.0
    return lat, lon, h


# ------------------------------------------------------------------ geodetic <-> ECEF


def test_geodetic2ecef_vs_pyproj(rng):
    lat, lon, h = _random_geodetic(rng, 3000)
    x, y, z = earth.geodetic2ecef(lat, lon, h)
    tr = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    rx, ry, rz = tr.transform(lon, lat, h)
    assert max(np.abs(x - rx).max(), np.abs(y - ry).max(), np.abs(z - rz).max()) < 1e-6


def test_ecef2geodetic_vs_pyproj_and_round_trip(rng):
    lat, lon, h = _random_geodetic(rng, 3000)
    tr = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    x, y, z = tr.transform(lon, lat, h)
    la, lo, hh = earth.ecef2geodetic(x, y, z)
    qlon, qlat, qh = tr.transform(x, y, z, direction="INVERSE")
    near = h < 1e6
    assert np.abs(hh - qh)[near].max() < 2e-2  # PROJ's iterative inverse: mm..cm
    assert np.abs(la - qlat)[near].max() < 1e-7
    # round trip through our own forward transform (exact): sub-micrometre
    x2, y2, z2 = earth.geodetic2ecef(la, lo, hh)
    assert max(np.abs(x2 - x).max(), np.abs(y2 - y).max(), np.abs(z2 - z).max()) < 1e-6
    assert np.all((lo > -180.0) & (lo <= 180.0))


def test_scalar_in_scalar_out_and_broadcasting():
    x, y, z = earth.geodetic2ecef(0.0, 0.0, 0.0)
    assert isinstance(x, float)
    assert (x, y, z) == pytest.approx((earth.WGS84_A, 0.0, 0.0), abs=1e-9)
    x, y, z = earth.geodetic2ecef(np.zeros((2, 3)), [0.0, 90.0, 180.0], 0.0)
    assert x.shape == (2, 3)
    lat, lon, h = earth.ecef2geodetic(0.0, 0.0, -earth.WGS84_B - 5.0)
    assert (lat, h) == pytest.approx((-90.0, 5.0), abs=1e-9)


# ------------------------------------------------------------------ ENU / AER


def test_enu_and_aer_vs_pymap3d(rng):
    n = 500
    lat0 = rng.uniform(-89.9, 89.9, n)
    lon0 = rng.uniform(-180, 180, n)
    h0 = rng.uniform(-400, 5000, n)
    lat = lat0 + rng.uniform(-10, 10, n)
    lon = lon0 + rng.uniform(-10, 10, n)
    h = rng.uniform(0, 2e6, n)
    lat = np.clip(lat, -90, 90)
    x, y, z = pymap3d.geodetic2ecef(lat, lon, h)
    e, nn, u = earth.ecef2enu(x, y, z, lat0, lon0, h0)
    pe, pn, pu = pymap3d.ecef2enu(x, y, z, lat0, lon0, h0)
    assert max(np.abs(e - pe).max(), np.abs(nn - pn).max(), np.abs(u - pu).max()) < 1e-5
    az, el, srange = earth.ecef2aer(x, y, z, lat0, lon0, h0)
    paz, pel, prange = pymap3d.ecef2aer(x, y, z, lat0, lon0, h0)
    daz = np.abs((az - paz + 180.0) % 360.0 - 180.0)
    assert daz.max() < 1e-9 and np.abs(el - pel).max() < 1e-9
    assert np.abs(srange - prange).max() < 1e-5
    assert np.all((az >= 0) & (az < 360))
    # inverses
    bx, by, bz = earth.aer2ecef(az, el, srange, lat0, lon0, h0)
    assert max(np.abs(bx - x).max(), np.abs(by - y).max(), np.abs(bz - z).max()) < 1e-5
    px, py, pz = pymap3d.aer2ecef(paz, pel, prange, lat0, lon0, h0)
    assert max(np.abs(bx - px).max(), np.abs(by - py).max(), np.abs(bz - pz).max()) < 1e-5
    glat, glon, gh = earth.aer2geodetic(az, el, srange, lat0, lon0, h0)
    assert np.abs(gh - h).max() < 1e-4
    gaz, gel, grange = earth.geodetic2aer(lat, lon, h, lat0, lon0, h0)
    assert np.abs(grange - prange).max() < 1e-5
    ge, gn, gu = earth.geodetic2enu(lat, lon, h, lat0, lon0, h0)
    assert np.abs(gu - pu).max() < 1e-5


def test_enu_aer_closed_forms():
    # straight up from an observer on the ellipsoid
    az, el, r = earth.enu2aer(0.0, 0.0, 1000.0)
    assert (el, r) == pytest.approx((90.0, 1000.0))
    assert earth.enu2aer(1.0, 0.0, 0.0)[0] == pytest.approx(90.0)
    assert earth.enu2aer(-1.0, 0.0, 0.0)[0] == pytest.approx(270.0)
    e, n, u = earth.aer2enu(45.0, 30.0, 2.0)
    assert (e, n, u) == pytest.approx((math.sqrt(1.5), math.sqrt(1.5), 1.0))
    # 100 km up from (0, 0, 0) is +x in ECEF
    x, y, z = earth.enu2ecef(0.0, 0.0, 100e3, 0.0, 0.0, 0.0)
    assert (x, y, z) == pytest.approx((earth.WGS84_A + 100e3, 0.0, 0.0), abs=1e-6)


def test_enu_rotation_is_orthonormal_and_matches_ecef2enu(rng):
    lat = rng.uniform(-np.pi / 2, np.pi / 2, 50)
    lon = rng.uniform(-np.pi, np.pi, 50)
    rot = earth.enu_rotation(lat, lon)
    assert rot.shape == (50, 3, 3)
    eye = np.einsum("nij,nkj->nik", rot, rot)
    np.testing.assert_allclose(eye, np.broadcast_to(np.eye(3), eye.shape), atol=1e-15)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-14)
    d = rng.normal(size=(50, 3)) * 1e5
    x0, y0, z0 = earth.geodetic2ecef(np.degrees(lat), np.degrees(lon), 0.0)
    e, n, u = earth.ecef2enu(
        x0 + d[:, 0], y0 + d[:, 1], z0 + d[:, 2], np.degrees(lat), np.degrees(lon), 0.0
    )
    np.testing.assert_allclose(np.einsum("nij,nj->ni", rot, d), np.stack([e, n, u], 1), atol=1e-8)
    assert earth.enu_rotation(0.3, 0.2).shape == (3, 3)
    # pymap3d builds the same matrix from its ENU basis: east at lat 0, lon 90 deg is -x
    np.testing.assert_allclose(earth.enu_rotation(0.0, np.pi / 2)[0], [-1.0, 0.0, 0.0], atol=1e-15)


# ------------------------------------------------------------------ time, GMST, ECI


def test_gmst_vallado_example_3_5():
    """Vallado, Fundamentals of Astrodynamics, example 3-5.

    1992-08-20 12:14 UT1 -> GMST 152.578787886 deg.
    """
    t = dt.datetime(1992, 8, 20, 12, 14, tzinfo=UTC)
    assert math.degrees(earth.gmst_rad(t)) == pytest.approx(152.578787886, abs=1e-6)
    # same instant as datetime64 and as seconds since J2000
    t64 = np.datetime64("1992-08-20T12:14:00")
    assert earth.gmst_rad(t64) == pytest.approx(earth.gmst_rad(t), abs=1e-12)
    s = (t - earth.J2000_UTC).total_seconds()
    assert earth.gmst_rad(s) == pytest.approx(earth.gmst_rad(t), abs=1e-12)
    # another zone, same instant
    jst = dt.timezone(dt.timedelta(hours=9))
    assert earth.gmst_rad(t.astimezone(jst)) == pytest.approx(earth.gmst_rad(t), abs=1e-12)


def test_gmst_at_j2000_and_rate():
    # GMST at J2000.0 = 18h 41m 50.54841s = 280.46061837 deg
    assert math.degrees(earth.gmst_rad(0.0)) == pytest.approx(280.46061837, abs=1e-7)
    # one sidereal day later the angle is back (to the IAU 1982 rate)
    sidereal_day = 86164.0905
    d = earth.gmst_rad(sidereal_day) - earth.gmst_rad(0.0)
    assert abs((d + math.pi) % (2 * math.pi) - math.pi) < 1e-6


def test_gmst_vs_pymap3d_greenwichsrt():
    from pymap3d.sidereal import greenwichsrt, juliandate

    times = [
        dt.datetime(2017, 9, 3, 0, 9, 30),
        dt.datetime(2024, 1, 1, 6, 0, 0),
        dt.datetime(1999, 12, 31, 23, 59, 59),
    ]
    for t in times:
        ours = earth.gmst_rad(t.replace(tzinfo=UTC))
        theirs = greenwichsrt(juliandate(t)) % (2 * math.pi)
        assert abs((ours - theirs + math.pi) % (2 * math.pi) - math.pi) < 1e-8


def test_eci_ecef_vs_pymap3d_and_round_trip(rng):
    from pymap3d.eci import eci2ecef_numpy

    t = dt.datetime(2023, 3, 16, 2, 55, 0, tzinfo=UTC)
    r = rng.normal(size=(20, 3)) * 7e6
    ours = earth.eci2ecef(r, t)
    px, py, pz = eci2ecef_numpy(r[:, 0], r[:, 1], r[:, 2], t.replace(tzinfo=None))
    # pymap3d keeps the Julian date as one float (~40 us resolution): ~2e-9 rad, 2 cm here
    np.testing.assert_allclose(ours, np.stack([px, py, pz], axis=1), rtol=0, atol=0.1)
    np.testing.assert_allclose(earth.ecef2eci(ours, t), r, atol=1e-8)
    # per-row times
    ts = np.datetime64("2023-03-16T02:55:00") + np.arange(20) * np.timedelta64(60, "s")
    rr = earth.eci2ecef(r, ts)
    np.testing.assert_allclose(earth.ecef2eci(rr, ts), r, atol=1e-8)
    np.testing.assert_allclose(rr[0], ours[0], atol=1e-9)


def test_state_transform_velocity_is_time_derivative(rng):
    """v_ecef from eci2ecef_state equals d/dt of the ECEF position (finite difference)."""
    t0 = 7.3e8
    r0 = np.array([5.1e6, -3.2e6, 2.9e6])
    v = np.array([-2100.0, 5300.0, 1800.0])
    r_ecef, v_ecef = earth.eci2ecef_state(r0, v, t0)
    dt_s = 1e-2
    rp = earth.eci2ecef(r0 + v * dt_s, t0 + dt_s)
    rm = earth.eci2ecef(r0 - v * dt_s, t0 - dt_s)
    np.testing.assert_allclose(v_ecef, (rp - rm) / (2 * dt_s), atol=1e-5)
    # and back
    r_back, v_back = earth.ecef2eci_state(r_ecef, v_ecef, t0)
    np.testing.assert_allclose(r_back, r0, atol=1e-8)
    np.testing.assert_allclose(v_back, v, atol=1e-10)
    # a point at rest on the equator moves at omega * a in ECI
    _, v_eci = earth.ecef2eci_state([earth.WGS84_A, 0.0, 0.0], [0.0, 0.0, 0.0], t0)
    assert np.linalg.norm(v_eci) == pytest.approx(earth.OMEGA_EARTH * earth.WGS84_A, rel=1e-12)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: earth.geodetic2ecef(95.0, 0.0, 0.0), "lat_deg"),
        (lambda: earth.geodetic2ecef(np.nan, 0.0, 0.0), "lat_deg"),
        (lambda: earth.geodetic2ecef(10.0, [0.0, np.inf], 0.0), "lon_deg"),
        (lambda: earth.geodetic2ecef(10.0, 0.0, "high"), "h_m"),
        (lambda: earth.ecef2geodetic(np.nan, 1.0, 1.0), "x"),
        (lambda: earth.ecef2geodetic(1.0, 2.0, 3.0), "x, y, z"),
        (lambda: earth.ecef2enu(7e6, 0.0, 0.0, -91.0, 0.0, 0.0), "lat0_deg"),
        (lambda: earth.ecef2aer(7e6, 0.0, 0.0, 10.0, 0.0, np.nan), "h0_m"),
        (lambda: earth.aer2enu(10.0, 95.0, 1.0), "el_deg"),
        (lambda: earth.aer2enu(10.0, 5.0, -1.0), "srange_m"),
        (lambda: earth.enu_rotation(2.0, 0.0), "lat0_rad"),
        (lambda: earth.gmst_rad(dt.datetime(2020, 1, 1)), "t"),
        (lambda: earth.gmst_rad(np.datetime64("NaT")), "t"),
        (lambda: earth.gmst_rad(np.nan), "t"),
        (lambda: earth.eci2ecef([1.0, 2.0], 0.0), "r_eci"),
        (lambda: earth.eci2ecef(np.zeros((4, 3)) + 7e6, np.zeros(3)), "t"),
        (lambda: earth.eci2ecef_state([7e6, 0, 0], [np.nan, 0, 0], 0.0), "v_eci"),
    ],
)
def test_invalid_input_names_field(call, field):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.field == field
    assert field in str(info.value)
