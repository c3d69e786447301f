"""Kernels of missilewatch.earth checked against references nobody here wrote.

- geodetic -> ECEF: pyproj (PROJ, EPSG:4979 -> EPSG:4978).
- ECEF -> geodetic: the closed-form forward transform (truth by construction), pymap3d and
  pyproj (PROJ's inverse is iterative and only cm-accurate far out, hence looser there).
- gravity: finite differences of the zonal potential written here with numpy's Legendre
  series; WGS84 normal gravity (Somigliana, NIMA TR8350.2) at the equator and the pole.
- density: ussa1976 package and the published US Standard Atmosphere 1976 tables.
"""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest
from numpy.polynomial import legendre
from pyproj import Transformer

from missilewatch.earth import constants as c
from missilewatch.earth import kernels as k

RNG_SEED = 20240501


def _sample_geodetic(n: int, rng: np.random.Generator):
    """Random points: uniform on the sphere, heights -10 km .. 50,000 km, plus hard cases."""
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lon = rng.uniform(-180.0, 180.0, n)
    h = np.concatenate(
        [rng.uniform(-10e3, 100e3, n // 2), 10.0 ** rng.uniform(2.0, math.log10(5e7), n - n // 2)]
    )
    # poles, near-poles, antimeridian, prime meridian, equator, z-axis
    lat[:40] = 90.0
    lat[40:80] = -90.0
    lat[80:120] = 90.0 - 1e-9
    lat[120:160] = -(90.0 - 1e-7)
    lon[160:200] = 180.0
    lon[200:240] = -180.0 + 1e-12
    lat[240:280] = 0.0
    h[280:300] = -10e3
    h[300:320] = 5e7
    return lat, lon, h


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(RNG_SEED)
    return _sample_geodetic(5000, rng)


def test_geodetic_to_ecef_matches_pyproj(points):
    lat, lon, h = points
    x, y, z = k.geodetic_to_ecef_v(np.radians(lat), np.radians(lon), h)
    tr = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    rx, ry, rz = tr.transform(lon, lat, h)
    err = np.sqrt((x - rx) ** 2 + (y - ry) ** 2 + (z - rz) ** 2)
    assert err.max() < 1e-6


def test_ecef_to_geodetic_round_trip_sub_mm(points):
    """Inverse of the exact closed-form forward transform: < 1 mm everywhere (got ~1e-8 m)."""
    lat, lon, h = points
    x, y, z = k.geodetic_to_ecef_v(np.radians(lat), np.radians(lon), h)
    la, lo, hh = k.ecef_to_geodetic_v(x, y, z)
    assert np.abs(hh - h).max() < 1e-6
    # horizontal error in metres, measured along the sphere of the point's radius
    radius = np.sqrt(x * x + y * y + z * z)
    dlat = np.abs(la - np.radians(lat)) * radius
    dlon = np.abs(np.angle(np.exp(1j * (lo - np.radians(lon))))) * np.hypot(x, y)
    assert dlat.max() < 1e-6
    assert dlon.max() < 1e-6
    assert np.all(np.abs(la) <= math.pi / 2)
    assert np.all((lo > -math.pi - 1e-15) & (lo <= math.pi))


def test_ecef_to_geodetic_matches_pymap3d_and_pyproj(points):
    lat, lon, h = points
    x, y, z = k.geodetic_to_ecef_v(np.radians(lat), np.radians(lon), h)
    la, lo, hh = k.ecef_to_geodetic_v(x, y, z)
    plat, plon, ph = pymap3d.ecef2geodetic(x, y, z)
    assert np.abs(hh - ph).max() < 1e-3
    # pymap3d's own latitude loses accuracy far out (tens of metres at 40,000 km)
    near = h < 100e3
    assert np.abs(np.degrees(la) - plat)[near].max() < 1e-9
    assert np.abs(np.degrees(la) - plat)[h < 1e6].max() < 1e-6
    tr = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    qlon, qlat, qh = tr.transform(x, y, z, direction="INVERSE")
    low = h < 1e6
    assert np.abs(hh - qh)[low].max() < 2e-2
    assert np.abs(hh - qh).max() < 1.0
    assert np.abs(np.degrees(la) - qlat)[low].max() < 1e-7  # PROJ: ~5 mm


def test_ecef_to_geodetic_axis_and_poles():
    b = c.WGS84_B
    for z in (b, b + 123.456, b - 10e3, b + 4e7):
        lat, lon, h = k.ecef_to_geodetic(0.0, 0.0, z)
        assert lat == pytest.approx(math.pi / 2, abs=1e-15)
        assert h == pytest.approx(z - b, abs=1e-6)
        lat, lon, h = k.ecef_to_geodetic(0.0, 0.0, -z)
        assert lat == pytest.approx(-math.pi / 2, abs=1e-15)
        assert h == pytest.approx(z - b, abs=1e-6)
    lat, lon, h = k.ecef_to_geodetic(-c.WGS84_A - 5.0, 0.0, 0.0)
    assert (lat, abs(lon), h) == pytest.approx((0.0, math.pi, 5.0), abs=1e-9)
    assert k.geodetic_height(c.WGS84_A + 1000.0, 0.0, 0.0) == pytest.approx(1000.0, abs=1e-9)


def test_geodetic_height_v_matches_scalar(points):
    lat, lon, h = points
    x, y, z = k.geodetic_to_ecef_v(np.radians(lat), np.radians(lon), h)
    np.testing.assert_allclose(k.geodetic_height_v(x, y, z), h, atol=1e-6, rtol=0)


# ----------------------------------------------------------------------------- gravity


def _potential(r: np.ndarray, order: int) -> np.ndarray:
    """V = GM/r [1 - sum J_n (R/r)^n P_n(z/r)], written independently of the kernel."""
    rn = np.linalg.norm(r, axis=-1)
    u = r[..., 2] / rn
    js = {2: c.J2, 3: c.J3, 4: c.J4}
    s = np.zeros_like(rn)
    for n in range(2, order + 1):
        coef = np.zeros(n + 1)
        coef[n] = 1.0
        s += js[n] * (c.R_GRAVITY / rn) ** n * legendre.legval(u, coef)
    return c.GM_EARTH / rn * (1.0 - s)


@pytest.mark.parametrize("order", [0, 2, 3, 4])
def test_gravity_is_gradient_of_zonal_potential(order):
    rng = np.random.default_rng(RNG_SEED + order)
    n = 300
    lat = np.arcsin(rng.uniform(-1, 1, n))
    lon = rng.uniform(-math.pi, math.pi, n)
    h = rng.uniform(-5e3, 3e6, n)
    r = np.stack(k.geodetic_to_ecef_v(lat, lon, h), axis=1)
    g = k.gravity_ecef_v(r, order)
    step = 10.0
    fd = np.empty_like(r)
    for axis in range(3):
        d = np.zeros(3)
        d[axis] = step
        fd[:, axis] = (_potential(r + d, order) - _potential(r - d, order)) / (2 * step)
    # J3/J4 terms are ~1e-5 m/s^2: 1e-8 checks each of them
    assert np.abs(g - fd).max() < 1e-8


def test_gravity_point_mass_exact():
    r = np.array([[7e6, -2e6, 3e6], [0.0, 0.0, 6.4e6], [-1e7, 0.0, 0.0]])
    g = k.gravity_ecef_v(r, 0)
    rn = np.linalg.norm(r, axis=1, keepdims=True)
    np.testing.assert_allclose(g, -c.GM_EARTH * r / rn**3, rtol=1e-15, atol=0)


def test_gravity_surface_magnitude_vs_wgs84_normal_gravity():
    """WGS84 normal gravity (TR8350.2): gamma_e = 9.7803253359, gamma_p = 9.8321849378 m/s^2.

    The gravitational part at the equator is gamma_e + omega^2 a (no centrifugal term in
    our kernel); the zonal field through J4 reproduces the ellipsoid's to < 1e-4 m/s^2.
    """
    ge = np.linalg.norm(k.gravity_ecef(c.WGS84_A, 0.0, 0.0, 4))
    assert ge == pytest.approx(9.7803253359 + c.OMEGA_EARTH**2 * c.WGS84_A, abs=1e-4)
    assert ge == pytest.approx(9.8142, abs=1e-3)
    gp = np.linalg.norm(k.gravity_ecef(0.0, 0.0, c.WGS84_B, 4))
    assert gp == pytest.approx(9.8321849378, abs=1e-4)
    # J2 makes the equator stronger than a point mass at the same radius
    g0 = np.linalg.norm(k.gravity_ecef(c.WGS84_A, 0.0, 0.0, 0))
    g2 = np.linalg.norm(k.gravity_ecef(c.WGS84_A, 0.0, 0.0, 2))
    assert g2 - g0 == pytest.approx(1.5 * c.J2 * c.GM_EARTH / c.WGS84_A**2, rel=1e-12)


def test_radial_height_is_the_geodetic_height_to_second_order_in_flattening():
    """Radial height vs the exact geodetic height: < 0.6 m below 100 km, < 5 m at 1,000 km."""
    for h, tol in ((0.0, 1e-6), (10e3, 0.06), (100e3, 0.6), (1000e3, 5.0)):
        worst = 0.0
        for lat_deg in range(-90, 91, 5):
            x, y, z = k.geodetic_to_ecef(math.radians(lat_deg), 0.7, h)
            r = math.sqrt(x * x + y * y + z * z)
            worst = max(worst, abs(k.radial_height(x, y, z, r) - k.geodetic_height(x, y, z)))
        assert worst < tol, (h, worst)
