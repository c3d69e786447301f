"""Sensor geometry against closed forms and pymap3d: horizon, az/el/range, range rate."""

import math

import numpy as np
import pymap3d
import pytest

from missilewatch.earth.constants import WGS84_A
from missilewatch.sensors import FixedSite, Radar, TargetTruth, WaypointTrack
from missilewatch.sensors.geometry import line_of_sight_clear, range_az_el_rate


def _ecef(lat, lon, h):
    return np.array(pymap3d.geodetic2ecef(lat, lon, h))


@pytest.mark.parametrize("h_s, h_t", [(10e3, 300e3), (0.0, 1000e3), (35_786e3, 100e3)])
def test_horizon_in_the_equatorial_plane_matches_the_circle_closed_form(h_s, h_t):
    # In the equatorial plane the ellipsoid is a circle of radius a: a target at height H is
    # visible from height h exactly while the longitude difference is below
    # acos(a / (a + h)) + acos(a / (a + H)).
    limit = math.degrees(math.acos(WGS84_A / (WGS84_A + h_s)) + math.acos(WGS84_A / (WGS84_A + h_t)))
    sensor = _ecef(0.0, 0.0, h_s)
    eps = 1e-4  # degrees, about 11 m on the ground
    assert line_of_sight_clear(sensor, _ecef(0.0, limit - eps, h_t))
    assert not line_of_sight_clear(sensor, _ecef(0.0, limit + eps, h_t))


def _radar(site, **kw):
    base = dict(sensor_id="r", platform=site, max_range_m=5e6, revisit_s=1.0, sigma_range_m=0.0,
                sigma_az_rad=0.0, sigma_el_rad=0.0, min_range_m=1.0, min_elevation_rad=-1.0,
                pd_ref=0.999, ref_range_m=1e9, phase_s=0.0)
    base.update(kw)
    return Radar(**base)


def _static(oid, r, t_end=10.0):
    t = np.array([0.0, t_end])
    return TargetTruth(oid, t, np.array([r, r]), np.zeros((2, 3)))


@pytest.mark.parametrize("lat0, lon0", [(40.89, 140.33), (26.13, 127.71), (-33.0, 151.0)])
def test_a_target_just_below_the_horizon_is_not_seen_and_just_above_is(lat0, lon0):
    # A radar on the ellipsoid surface (h = 0), elevation mask turned off (down to -57 deg):
    # only the Earth hides the target. Targets placed with pymap3d at -0.01 / +0.01 deg
    # elevation, 800 km away, azimuth 300 deg.
    radar = _radar(FixedSite(lat0, lon0, 0.0))
    below = np.array(pymap3d.aer2ecef(300.0, -0.01, 800e3, lat0, lon0, 0.0))
    above = np.array(pymap3d.aer2ecef(300.0, +0.01, 800e3, lat0, lon0, 0.0))
    # the point below the horizon is still above the ellipsoid: only the line of sight hides it
    assert pymap3d.ecef2geodetic(*below)[2] > 10e3
    batch = radar.observe([_static("below", below), _static("above", above)], 0.0, 5.0,
                          np.random.default_rng(1))
    assert set(batch.object_id[~batch.false_alarm]) == {"above"}
    assert len(batch) == 6


def test_range_azimuth_elevation_match_pymap3d():
    rng = np.random.default_rng(7)
    lat0, lon0, h0 = 38.08, 138.37, 1000.0
    site = FixedSite(lat0, lon0, h0)
    lat = lat0 + rng.uniform(-10, 10, 50)
    lon = lon0 + rng.uniform(-10, 10, 50)
    h = rng.uniform(1e3, 2e6, 50)
    tgt = np.stack(pymap3d.geodetic2ecef(lat, lon, h), -1)
    ps = site.state(np.zeros(50))
    rg, az, el, _ = range_az_el_rate(ps.r_ecef, ps.v_ecef, ps.lat_rad, ps.lon_rad, tgt, np.zeros_like(tgt))
    az_ref, el_ref, rg_ref = pymap3d.ecef2aer(tgt[:, 0], tgt[:, 1], tgt[:, 2], lat0, lon0, h0)
    np.testing.assert_allclose(rg, rg_ref, rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.degrees(az), az_ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.degrees(el), el_ref, rtol=0, atol=1e-9)


def test_range_rate_is_the_derivative_of_range_for_a_moving_ship():
    ship = WaypointTrack(((39.0, 134.0), (40.0, 136.0)), speed_mps=10.0)
    t = np.array([100.0, 3000.0])
    r0 = np.array(pymap3d.geodetic2ecef(41.0, 130.0, 300e3))
    vt = np.array([1500.0, -2000.0, 700.0])
    dt = 1e-3

    def rng_at(tt):
        ps = ship.state(tt)
        r = r0 + vt * tt[:, None]
        return range_az_el_rate(ps.r_ecef, ps.v_ecef, ps.lat_rad, ps.lon_rad, r, np.broadcast_to(vt, r.shape))

    rg_plus, rg_minus = rng_at(t + dt)[0], rng_at(t - dt)[0]
    rr = rng_at(t)[3]
    np.testing.assert_allclose(rr, (rg_plus - rg_minus) / (2 * dt), atol=1e-3)
