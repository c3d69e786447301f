"""Impact prediction against the propagator, Monte Carlo truth and the tracked 2022-10-04
flight; footprint geometry; apogee; range class; bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from missilewatch.errors import InputError
from missilewatch.flight import propagate_to_impact
from missilewatch.flight.boost import RangeClass
from missilewatch.flight.capability import TrajectoryType, minimum_energy_apogee_km
from missilewatch.prediction import Footprint, apogee_m, predict_impact, standard_range_km
from missilewatch.tracking import GaussianState

GEOD = Geod(ellps="WGS84")


def _km(lat1, lon1, lat2, lon2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1e3


def _state(flight, i, P=None, beta=10_000.0):
    x = np.concatenate([flight.r_ecef[i], flight.v_ecef[i], [math.log(beta), 0.0]])
    return GaussianState(float(flight.t_s[i]), x, np.eye(8) * 1e-6 if P is None else P)


def test_point_prediction_is_the_propagated_impact(irbm_flight):
    f = irbm_flight
    p = predict_impact(_state(f, 300))
    lat, lon = f.impact_lat_lon_deg
    assert _km(lat, lon, p.impact_lat_deg, p.impact_lon_deg) < 0.1
    assert p.t_impact_s == pytest.approx(f.t_s[-1], abs=0.5)
    assert p.footprint.semi_major_km < 0.1 and p.impact_probability == 1.0
    assert p.contains(lat, lon)


def _realistic_covariance(rng):
    A = rng.standard_normal((7, 7))
    C = A @ A.T / 7
    s = np.array([400.0, 400.0, 400.0, 4.0, 4.0, 4.0, 0.5])
    C = C * np.outer(s, s) / np.sqrt(np.outer(np.diag(C), np.diag(C)))
    P = np.zeros((8, 8))
    P[:7, :7] = C
    return P


@pytest.mark.parametrize("method", ["unscented", "monte-carlo"])
def test_footprint_covers_monte_carlo_truth(irbm_flight, method):
    """True states drawn from the estimate's Gaussian fall inside the 95% footprint about 95%
    of the time (400 draws: binomial 95% interval ~[0.927, 0.971])."""
    rng = np.random.default_rng(21)
    st = _state(irbm_flight, 500, _realistic_covariance(rng))
    p = predict_impact(st, method=method, n_samples=600, rng=np.random.default_rng(5))
    idx = np.r_[0:7]
    draws = rng.multivariate_normal(st.x[idx], st.P[np.ix_(idx, idx)], 400)
    b = propagate_to_impact(draws[:, 0:3], draws[:, 3:6], np.exp(draws[:, 6]), t0=st.t_s)
    lat, lon, _ = b.impact_geodetic
    frac = np.mean(p.contains(lat, lon))
    assert 0.915 <= frac <= 0.98
    assert p.t_impact_sigma_s == pytest.approx(np.std(b.t_impact_s), rel=0.2)


def test_footprint_geometry():
    C = np.array([[100.0, 30.0], [30.0, 25.0]])
    fp = Footprint(38.0, 150.0, C)
    w, V = np.linalg.eigh(C)
    k = math.sqrt(-2.0 * math.log(0.05))  # chi-square 2 dof at 95%: -2 ln(0.05)
    assert fp.semi_major_km == pytest.approx(k * math.sqrt(w[1]))
    assert fp.semi_minor_km == pytest.approx(k * math.sqrt(w[0]))
    assert fp.contains(38.0, 150.0)
    az = math.radians(fp.orientation_deg)
    for scale, inside in ((0.99, True), (1.01, False)):
        d = scale * fp.semi_major_km * 1e3
        lon, lat, _ = GEOD.fwd(150.0, 38.0, math.degrees(az), d)
        assert fp.contains(lat, lon) is inside
    lat, lon = fp.polygon(36)
    assert lat.size == 37 and lat[0] == lat[-1] and lon[0] == lon[-1]
    np.testing.assert_allclose(fp.mahalanobis2(lat, lon), k * k, rtol=1e-6)
    assert fp.area_km2 == pytest.approx(math.pi * fp.semi_major_km * fp.semi_minor_km)
    with pytest.raises(InputError, match="lat_deg"):
        fp.contains(95.0, 150.0)


def test_apogee_forward_and_backward(irbm_flight):
    f = irbm_flight
    i = f.apogee_index
    for j in (i - 200, i + 250):
        assert apogee_m(_state(f, j).x) == pytest.approx(f.apogee_m, abs=200.0)


@pytest.mark.parametrize("offset_s", [-400.0, -37.0, -3.0, 0.0, 6.0, 180.0])
def test_apogee_is_the_highest_point_of_the_model_arc(irbm_flight, offset_s):
    """The apogee search (steps, then the root of the rate of climb) against a brute-force scan
    of the same arc, flown with the same model every 0.05 s around the highest point and refined
    by a parabola: same height to the centimetre, climbing, descending or at the top."""
    from missilewatch.earth.kernels import geodetic_height
    from missilewatch.prediction.impact import _BALLISTIC
    from missilewatch.tracking.dynamics_kernels import propagate_state

    f = irbm_flight
    i = f.apogee_index
    t_apo = float(f.t_s[i])
    j = int(np.searchsorted(f.t_s, t_apo + offset_s))
    x = _state(f, j).x.copy()
    x[7] = 0.0
    t_x = float(f.t_s[j])
    # Coarse then fine scans of the model arc (RK4 with the filters' steps) about the truth's top.
    s = x.copy()
    propagate_state(s, t_apo - 30.0 - t_x, _BALLISTIC.params)
    heights = []
    for _ in range(1201):
        heights.append(geodetic_height(s[0], s[1], s[2]))
        propagate_state(s, 0.05, _BALLISTIC.params)
    h = np.array(heights)
    k = int(np.argmax(h))
    assert 0 < k < len(h) - 1
    a, b, c = h[k - 1:k + 2]
    brute = b - 0.125 * (a - c) ** 2 / (a - 2 * b + c)
    assert apogee_m(x) == pytest.approx(brute, abs=0.01)


def test_standard_range_closed_form_and_lofted_class():
    for r in (300.0, 1000.0, 4500.0, 9000.0):
        assert standard_range_km(r, minimum_energy_apogee_km(r)) == pytest.approx(r, rel=1e-5)
    # Hwasong-15, 2017-11-29: about 950 km, apogee about 4,475 km (Japan MOD): an ICBM.
    assert RangeClass.from_range_km(standard_range_km(950.0, 4475.0)) is RangeClass.ICBM


def test_tracked_aomori_flight(aomori_tracked):
    """Every 4th update after confirmation: the 95% footprint holds the true impact in 90 to
    99 % of them; the last prediction misses by < 10 km; figures of an IRBM."""
    r, events = aomori_tracked
    truth = r.objects[0]
    lat, lon = truth.impact_lat_lon_deg
    ups = [e for e in events if e.kind == "updated" and e.track.confirmed and e.nis_dof > 0][::4]
    preds = [predict_impact(e.track) for e in ups]
    inside = np.array([p.contains(lat, lon) for p in preds])
    assert 0.90 <= inside.mean() <= 0.99
    last = preds[-1]
    assert _km(lat, lon, last.impact_lat_deg, last.impact_lon_deg) < 10.0
    assert last.t_impact_s == pytest.approx(truth.t_s[-1], abs=30.0)
    assert last.apogee_km == pytest.approx(1000.0, abs=30.0)
    assert last.range_km == pytest.approx(r.launches[0].trajectory.ground_range_m / 1e3, rel=0.02)
    assert last.range_class is RangeClass.IRBM
    assert last.trajectory_type is TrajectoryType.STANDARD
    # While it still burns the footprint stretches along the track (continued thrust).
    boost = [p for p in preds if p.boost_probability > 0.5]
    assert boost and all(p.footprint.semi_major_km > 10 * last.footprint.semi_major_km for p in boost)


def test_bad_input_names_the_field(irbm_flight):
    st = _state(irbm_flight, 300)
    with pytest.raises(InputError, match="method"):
        predict_impact(st, method="guess")
    with pytest.raises(InputError, match="n_samples"):
        predict_impact(st, method="monte-carlo", n_samples=3)
    with pytest.raises(InputError, match="launch_lat_deg"):
        predict_impact(st, launch_lat_deg=40.0)
    with pytest.raises(InputError, match="boost_probability"):
        predict_impact(st, boost_probability=2.0)
    with pytest.raises(InputError, match="track"):
        predict_impact("not a track")


def test_continued_thrust_draws_stay_suborbital():
    """A track half-way between boost and coast: its continued-thrust draws burn at least
    MIN_BURNING_ACCEL_MPS2 and at most a mass ratio of MAX_REMAINING_MASS_RATIO more, so no draw
    is put on an orbit (with a floor of 1 m/s^2 and no mass-ratio bound, a fifth of them were)."""
    import numpy as np

    from missilewatch.earth.kernels import geodetic_height_v
    from missilewatch.flight.propagate import never_falls
    from missilewatch.prediction import impact as imp

    x = np.zeros(8)
    x[:3] = [-3.05e6, 4.05e6, 3.95e6]  # ~100 km over the Sea of Japan
    x[3:6] = [-900.0, -1500.0, 1200.0]
    x[imp.I_AT] = 15.0
    P = np.diag([1e6, 1e6, 1e6, 1e4, 1e4, 1e4, 0.1, 400.0])  # a_T spread down to and below 0
    burn_states, burn = imp._continued_thrust(x, P, 400, np.random.default_rng(3))
    assert burn.max() <= imp.EXHAUST_VELOCITY_RANGE_MPS[1] / imp.MIN_BURNING_ACCEL_MPS2
    up = geodetic_height_v(*(burn_states[:, i].copy() for i in range(3))) > 0.0
    assert up.sum() > 100
    assert not never_falls(burn_states[up, :6]).any()


def test_thrust_samples_sets_the_continued_thrust_draws():
    """A boosting track's prediction draws ``thrust_samples`` continued-thrust flights (the
    watch asks for fewer while nobody may be warned from it), ``n_samples`` by default, beside
    the 15 sigma points of its ballistic part; a count under 10 names the field."""
    from missilewatch.prediction import impact as imp

    x = np.zeros(8)
    x[:3] = [-3.05e6, 4.05e6, 3.95e6]
    x[3:6] = [-900.0, -1500.0, 1200.0]
    x[6] = math.log(5000.0)
    x[imp.I_AT] = 15.0
    st = GaussianState(0.0, x, np.diag([1e6, 1e6, 1e6, 1e4, 1e4, 1e4, 0.1, 4.0]))
    few = predict_impact(st, boost_probability=0.9, thrust_samples=100)
    full = predict_impact(st, boost_probability=0.9)
    assert 15 < few.samples_lat_deg.size <= 15 + 100 < full.samples_lat_deg.size <= 15 + 400
    assert few.sample_weights.sum() == pytest.approx(1.0)
    assert _km(few.impact_lat_deg, few.impact_lon_deg, full.impact_lat_deg, full.impact_lon_deg) < \
        0.5 * full.footprint.semi_major_km
    with pytest.raises(InputError, match="thrust_samples"):
        predict_impact(st, boost_probability=0.9, thrust_samples=5)


def test_sample_impacts_are_flights_propagate_to_impact():
    """The prediction's one-call impacts of its samples equal flight.propagate_to_impact's to
    the bit: falling states (with drag), states on an orbit or escaping (never integrated), one
    below the ground, one that does not come down within t_max."""
    from missilewatch.flight.propagate import never_falls, state_from_flight_path
    from missilewatch.prediction.impact import _sample_impacts
    from missilewatch.prediction.kernels import never_falls_row

    rng = np.random.default_rng(4)
    rows = []
    for _ in range(40):
        r, v = state_from_flight_path(rng.uniform(30, 45), rng.uniform(120, 140), rng.uniform(20e3, 900e3),
                                      rng.uniform(500.0, 11_500.0), rng.uniform(-60, 60), rng.uniform(0, 360))
        rows.append(np.concatenate([r, v, [math.log(rng.uniform(100.0, 5e4))]]))
    r, v = state_from_flight_path(35.0, 130.0, -5.0, 100.0, 0.0, 90.0)  # below the ellipsoid
    rows.append(np.concatenate([r, v, [8.0]]))
    S = np.array(rows)
    t0 = rng.uniform(0.0, 300.0, len(S))
    got = _sample_impacts(S, t0, 3_000.0)
    want = propagate_to_impact(S[:, :3], S[:, 3:6], np.exp(np.clip(S[:, 6], math.log(50.0), math.log(1e6))),
                               t0=t0, t_max_s=3_000.0)
    assert set(want.status.tolist()) >= {0, 1, 3}
    np.testing.assert_array_equal(got.status, want.status)
    np.testing.assert_array_equal(got.t_impact_s, want.t_impact_s)
    np.testing.assert_array_equal(got.r_impact, want.r_impact)
    lat, lon, _ = want.impact_geodetic
    np.testing.assert_array_equal(got.lat_deg, lat)
    np.testing.assert_array_equal(got.lon_deg, lon)
    for rot in (True, False):
        nf = never_falls(S[:, :6], rot)
        assert nf.any() and not nf.all()
        assert [never_falls_row(*s[:6], rot) for s in S] == nf.tolist()
