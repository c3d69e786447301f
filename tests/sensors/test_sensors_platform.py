"""Sensor platforms: a ship on geodesic legs (checked with GeographicLib), a GEO satellite."""

import math

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic

from missilewatch.earth.constants import WGS84_A
from missilewatch.errors import InputError
from missilewatch.sensors import WaypointTrack, geostationary

WGS = Geodesic.WGS84


def test_ship_sails_its_legs_at_its_speed():
    ship = WaypointTrack(((38.0, 135.0), (39.0, 135.0), (39.0, 136.0)), speed_mps=10.0, h_m=0.0, loop=True)
    leg1 = WGS.Inverse(38.0, 135.0, 39.0, 135.0)["s12"]
    leg2 = WGS.Inverse(39.0, 135.0, 39.0, 136.0)["s12"]
    leg3 = WGS.Inverse(39.0, 136.0, 38.0, 135.0)["s12"]
    t = np.array([0.0, 1000.0, (leg1 + 500.0) / 10.0, (leg1 + leg2 + leg3) / 10.0])
    st = ship.state(t)
    lat, lon = np.degrees(st.lat_rad), np.degrees(st.lon_rad)
    assert (lat[0], lon[0]) == pytest.approx((38.0, 135.0))
    assert WGS.Inverse(38.0, 135.0, lat[1], lon[1])["s12"] == pytest.approx(10_000.0, abs=1e-3)
    assert lon[1] == pytest.approx(135.0, abs=1e-9)  # sailing north along the meridian
    assert WGS.Inverse(39.0, 135.0, lat[2], lon[2])["s12"] == pytest.approx(500.0, abs=1e-3)
    assert (lat[3], lon[3]) == pytest.approx((38.0, 135.0), abs=1e-7)  # round the loop
    np.testing.assert_allclose(np.linalg.norm(st.v_ecef, axis=1), 10.0)
    # on the first leg the velocity points north
    north = np.array([-math.sin(st.lat_rad[1]) * math.cos(st.lon_rad[1]),
                      -math.sin(st.lat_rad[1]) * math.sin(st.lon_rad[1]), math.cos(st.lat_rad[1])])
    assert st.v_ecef[1] @ north == pytest.approx(10.0, abs=1e-6)


def test_ship_without_loop_stops_at_the_last_waypoint():
    ship = WaypointTrack(((38.0, 135.0), (38.1, 135.0)), speed_mps=10.0, loop=False)
    st = ship.state(np.array([1e6]))
    assert np.degrees(st.lat_rad[0]) == pytest.approx(38.1, abs=1e-6)
    assert np.linalg.norm(st.v_ecef[0]) == 0.0


def test_geostationary_radius():
    r = geostationary(140.0).r_ecef
    assert np.linalg.norm(r) == pytest.approx(WGS84_A + 35_786e3)
    assert math.degrees(math.atan2(r[1], r[0])) == pytest.approx(140.0)


def test_bad_track_names_the_field():
    with pytest.raises(InputError, match="track.waypoints"):
        WaypointTrack(((38.0, 135.0),), speed_mps=5.0)
    with pytest.raises(InputError, match=r"track.waypoints\[1\].lat_deg"):
        WaypointTrack(((38.0, 135.0), (95.0, 135.0)), speed_mps=5.0)
