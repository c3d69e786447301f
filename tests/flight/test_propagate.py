"""Full force model: against SciPy DOP853, frame consistency, drag, batch and bad input."""

import math

import numpy as np
import pytest
from reference_propagation import reference_impact

from missilewatch.earth.constants import OMEGA_EARTH
from missilewatch.errors import InputError
from missilewatch.flight.propagate import ForceModel, Tolerance, propagate_to_impact, state_from_flight_path

FULL = ForceModel(gravity_order=4, rotating=True, drag=True)


def _rot_z(angle):
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def test_twenty_minute_flight_matches_dop853_within_100_m():
    r0, v0 = state_from_flight_path(40.6, 126.4, 120e3, 5400.0, 35.0, 80.0)
    t_ref, r_ref, _ = reference_impact(r0, v0, 8000.0, force=FULL)
    res = propagate_to_impact(r0, v0, 8000.0, force=FULL)
    assert t_ref > 1100.0  # a 20-minute class flight
    miss = np.linalg.norm(res.r_impact[0] - r_ref)
    assert miss < 100.0
    assert abs(res.t_impact_s[0] - t_ref) < 0.05


def test_rotating_frame_equals_inertial_propagation():
    """Coriolis and centrifugal terms: same flight computed in the inertial frame and rotated.

    Zonal gravity and the ellipsoid are symmetric about the spin axis, so without drag the
    inertial flight of v + w x r, rotated back by -w t, must land where the ECEF flight lands.
    """
    r0, v0 = state_from_flight_path(39.2, 125.7, 100e3, 5000.0, 30.0, 95.0)
    rot = propagate_to_impact(r0, v0, force=ForceModel(gravity_order=2, rotating=True, drag=False),
                              tol=Tolerance(1e-12, 1e-6))
    v_inertial = v0 + np.cross([0.0, 0.0, OMEGA_EARTH], r0)
    ine = propagate_to_impact(r0, v_inertial, force=ForceModel(gravity_order=2, rotating=False, drag=False),
                              tol=Tolerance(1e-12, 1e-6))
    t = ine.t_impact_s[0]
    r_back = _rot_z(-OMEGA_EARTH * t) @ ine.r_impact[0]
    assert rot.t_impact_s[0] == pytest.approx(t, abs=1e-4)
    assert np.linalg.norm(rot.r_impact[0] - r_back) < 0.05
    # And rotation matters: ignoring it moves the impact by tens of km.
    assert np.linalg.norm(ine.r_impact[0] - rot.r_impact[0]) > 10e3


def test_drag_shortens_range_and_j2_moves_impact():
    r0, v0 = state_from_flight_path(40.6, 126.4, 80e3, 3000.0, 40.0, 90.0)
    vac = propagate_to_impact(r0, v0, force=ForceModel(drag=False))
    light = propagate_to_impact(r0, v0, 500.0)
    assert np.linalg.norm(light.r_impact[0] - r0) < np.linalg.norm(vac.r_impact[0] - r0) - 1e3
    j0 = propagate_to_impact(r0, v0, force=ForceModel(gravity_order=0, drag=False))
    assert np.linalg.norm(j0.r_impact[0] - vac.r_impact[0]) > 100.0


def test_batch_equals_single_runs():
    states = [state_from_flight_path(40.0, 126.0 + i, 100e3, 4000.0 + 300 * i, 30.0 + 5 * i, 90.0) for i in range(5)]
    r = np.array([s[0] for s in states])
    v = np.array([s[1] for s in states])
    batch = propagate_to_impact(r, v, 6000.0)
    for i in range(5):
        one = propagate_to_impact(r[i], v[i], 6000.0)
        np.testing.assert_allclose(batch.r_impact[i], one.r_impact[0], atol=1e-6)
    lat, lon, h = batch.impact_geodetic
    assert np.all(np.abs(h) < 1e-2) and np.all(lon > 126.0)


def test_trajectory_output_is_sampled_and_padded():
    r0, v0 = state_from_flight_path(40.0, 126.0, 100e3, 3000.0, 45.0, 90.0)
    res = propagate_to_impact(r0, v0, dt_out_s=5.0, t_max_s=3000.0)
    n = res.n_samples[0]
    traj = res.trajectories[0]
    np.testing.assert_allclose(np.diff(traj[:n, 0]), 5.0)
    assert np.isnan(traj[n:, 0]).all()
    assert traj[n - 1, 0] <= res.t_impact_s[0]


def test_no_impact_reports_timeout_status():
    r0, v0 = state_from_flight_path(0.0, 0.0, 400e3, 7800.0, 0.0, 90.0)  # orbital
    res = propagate_to_impact(r0, v0, force=ForceModel(drag=False), t_max_s=600.0)
    assert res.status[0] == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(r_ecef=[[np.nan, 0, 0]], v_ecef=[[0, 0, 0]]), "r_ecef"),
        (dict(r_ecef=[[7e6, 0, 0]], v_ecef=[[0, 0]]), "r_ecef"),
        (dict(r_ecef=[[7e6, 0, 0]], v_ecef=[[0, 0, 0]], beta=-1.0), "beta"),
        (dict(r_ecef=[[7e6, 0, 0]], v_ecef=[[0, 0, 0]], dt_out_s=0.0), "dt_out_s"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InputError, match=field):
        propagate_to_impact(**kwargs)


def test_bad_force_model():
    with pytest.raises(InputError, match="gravity_order"):
        ForceModel(gravity_order=1)


def test_serial_and_parallel_batches_agree_exactly():
    """Small batches run on the calling thread, large ones on a thread team: same numbers."""
    from missilewatch.flight import propagate as fp

    rng = np.random.default_rng(7)
    n = fp.PARALLEL_MIN_STATES + 6
    r, v = zip(*(state_from_flight_path(40.0 + rng.uniform(-1, 1), 128.0, 100e3, 3000.0 + rng.uniform(0, 500),
                                        20.0, 80.0) for _ in range(n)), strict=True)
    r, v = np.array(r), np.array(v)
    big = propagate_to_impact(r, v, 3000.0, dt_out_s=20.0)
    small = [propagate_to_impact(r[i:i + 6], v[i:i + 6], 3000.0, dt_out_s=20.0) for i in range(0, n, 6)]
    assert np.array_equal(big.t_impact_s, np.concatenate([s.t_impact_s for s in small]))
    assert np.array_equal(big.r_impact, np.concatenate([s.r_impact for s in small]))
    small_traj = np.concatenate([s.trajectories for s in small])
    assert np.array_equal(np.nan_to_num(big.trajectories), np.nan_to_num(small_traj))


def test_states_that_cannot_fall_are_not_integrated():
    """A 400 km circular orbit and an escaping state provably stay up (two-body perigee,
    inertial frame): status 1 at once, impact NaN; a ballistic state is integrated as before;
    a state under the ground is refused (status 3)."""
    from missilewatch.earth.constants import GM_EARTH, OMEGA_EARTH, WGS84_A
    from missilewatch.flight.propagate import never_falls

    r_orbit = np.array([WGS84_A + 400e3, 0.0, 0.0])
    v_circ = math.sqrt(GM_EARTH / np.linalg.norm(r_orbit))
    v_orbit = np.array([0.0, v_circ, 0.0]) - np.cross([0.0, 0.0, OMEGA_EARTH], r_orbit)  # ECEF velocity
    r_esc = np.array([WGS84_A + 300e3, 0.0, 0.0])
    v_esc = np.array([12_000.0, 0.0, 0.0])
    r_bal, v_bal = state_from_flight_path(40.0, 128.0, 100e3, 4000.0, 30.0, 90.0)
    r_low, v_low = np.array([WGS84_A - 10e3, 0.0, 0.0]), np.array([0.0, 100.0, 0.0])
    r = np.array([r_orbit, r_esc, r_bal, r_low])
    v = np.array([v_orbit, v_esc, v_bal, v_low])
    assert never_falls(np.hstack([r, v])).tolist() == [True, True, False, False]
    b = propagate_to_impact(r, v, 5000.0)
    assert b.status.tolist() == [1, 1, 0, 3]
    assert np.isnan(b.r_impact[[0, 1, 3]]).all() and np.isfinite(b.r_impact[2]).all()
    ref = propagate_to_impact(r_bal, v_bal, 5000.0)
    assert b.t_impact_s[2] == ref.t_impact_s[0]
    # With a trajectory asked for, the orbit is flown (and sampled) to the time limit.
    traj = propagate_to_impact(r_orbit, v_orbit, 5000.0, t_max_s=600.0, dt_out_s=60.0)
    assert traj.status[0] == 1 and traj.n_samples[0] == 11
