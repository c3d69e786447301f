"""Propagated flights against the closed-form Kepler solution (point mass, no rotation/drag)."""

import math

import numpy as np
import pytest
from kepler import kepler_arc
from pyproj import Geod

from missilewatch.earth.kernels import ecef_to_geodetic
from missilewatch.flight.propagate import ForceModel, Tolerance, propagate_to_impact, state_from_flight_path

GEOD = Geod(ellps="WGS84")
KEPLER_FORCE = ForceModel(gravity_order=0, rotating=False, drag=False)
TIGHT = Tolerance(rtol=1e-13, atol_m=1e-7, h_max_s=20.0)


def _ground_range(r_a, r_b) -> float:
    lat_a, lon_a, _ = ecef_to_geodetic(*r_a)
    lat_b, lon_b, _ = ecef_to_geodetic(*r_b)
    return GEOD.inv(math.degrees(lon_a), math.degrees(lat_a), math.degrees(lon_b), math.degrees(lat_b))[2]


def _max_radius(traj: np.ndarray) -> float:
    """Largest |r| on 1-s samples, refined by a parabola through the three highest."""
    rad = np.linalg.norm(traj[:, 1:4], axis=1)
    i = int(np.nanargmax(rad))
    a, b, c = rad[i - 1 : i + 2]
    return b - 0.125 * (a - c) ** 2 / (a - 2 * b + c)


@pytest.mark.parametrize(
    "alt_km, speed, gamma, az",
    [
        (120.0, 5400.0, 35.0, 80.0),  # IRBM-like, ~20 minutes
        (300.0, 6500.0, 75.0, 100.0),  # lofted, ~50 minutes
        (40.0, 2000.0, 40.0, 150.0),  # SRBM-like
        (200.0, 4800.0, 25.0, 10.0),  # northbound, over high latitudes
    ],
)
def test_propagation_matches_kepler(alt_km, speed, gamma, az):
    r0, v0 = state_from_flight_path(40.6, 126.4, alt_km * 1e3, speed, gamma, az)
    ref = kepler_arc(r0, v0)
    res = propagate_to_impact(r0, v0, force=KEPLER_FORCE, dt_out_s=1.0, tol=TIGHT)
    assert res.status[0] == 0
    t_num = res.t_impact_s[0]
    assert t_num == pytest.approx(ref.t_impact, rel=1e-6)
    assert _ground_range(r0, res.r_impact[0]) == pytest.approx(_ground_range(r0, ref.r_impact), rel=1e-6)
    traj = res.trajectories[0, : res.n_samples[0]]
    assert _max_radius(traj) == pytest.approx(ref.apoapsis_radius, rel=1e-6)
    # The impact really is on the ellipsoid.
    assert abs(ecef_to_geodetic(*res.r_impact[0])[2]) < 1e-3


def test_kepler_arc_rejects_escape():
    r0, v0 = state_from_flight_path(0.0, 0.0, 200e3, 12_000.0, 30.0, 90.0)
    with pytest.raises(ValueError, match="elliptic"):
        kepler_arc(r0, v0)


def test_default_tolerance_close_to_kepler():
    """Default (fast) tolerances stay within 20 m of the closed form on a 20-min flight."""
    r0, v0 = state_from_flight_path(40.6, 126.4, 120e3, 5400.0, 35.0, 80.0)
    ref = kepler_arc(r0, v0)
    res = propagate_to_impact(r0, v0, force=KEPLER_FORCE)
    assert ref.t_impact > 1000.0
    assert np.linalg.norm(res.r_impact[0] - ref.r_impact) < 20.0
