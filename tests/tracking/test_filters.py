"""EKF, UKF and IMM: the closed-form Kalman recursion on a linear problem, NEES/NIS chi-square
consistency over Monte Carlo runs, boost/ballistic mode detection, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from missilewatch.errors import InputError
from missilewatch.tracking import (
    GaussianState,
    KalmanFilter,
    Measurement,
    ballistic_model,
    boost_ballistic_imm,
    constant_velocity_model,
    ekf,
    ukf,
)
from missilewatch.tracking.metrics import chi2_interval, nees

from .conftest import ncv_matrices, radar_measurements, radar_site


def _kalman_reference(x0, P0, ts, zs, R, q):
    """The textbook linear Kalman filter (numpy) on the 8-state layout, CV dynamics,
    position measurements."""
    x, P, t = x0.copy(), P0.copy(), 0.0
    out = []
    H = np.zeros((3, 8))
    H[:, :3] = np.eye(3)
    for tk, z in zip(ts, zs, strict=False):
        dt = tk - t
        F, Q = ncv_matrices(dt, q)
        x = F @ x
        P = F @ P @ F.T + Q
        S = H @ P @ H.T + R
        K = P @ H.T @ np.linalg.inv(S)
        nu = z - H @ x
        x = x + K @ nu
        P = (np.eye(8) - K @ H) @ P
        out.append((x.copy(), P.copy(), float(nu @ np.linalg.solve(S, nu))))
        t = tk
    return out


@pytest.mark.parametrize("kind", ["ekf", "ukf"])
def test_linear_problem_is_the_closed_form_kalman_filter(kind):
    q = 3.0
    model = constant_velocity_model(q)
    f = KalmanFilter((model,), kind)
    rng = np.random.default_rng(1)
    x0 = np.array([1e6, 2e6, 3e6, 100.0, -200.0, 50.0, 8.0, 0.0])
    P0 = np.diag([1e4, 1e4, 1e4, 100.0, 100.0, 100.0, 1.0, 0.0])
    ts = np.cumsum(rng.uniform(0.5, 3.0, 40))
    R = np.array([[400.0, 50.0, 0.0], [50.0, 900.0, -30.0], [0.0, -30.0, 100.0]])
    zs = [x0[:3] + x0[3:6] * t + rng.multivariate_normal(np.zeros(3), R) for t in ts]
    ref = _kalman_reference(x0, P0, ts, zs, R, q)
    ms = [Measurement(float(t), "pos", "position_ecef", z, R, np.zeros(3)) for t, z in zip(ts, zs, strict=False)]
    run = f.run(GaussianState(0.0, x0, P0), ms)
    est = GaussianState(0.0, x0, P0)
    for k, (xr, Pr, nisr) in enumerate(ref):
        np.testing.assert_allclose(run.x[k], xr, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(run.P[k], Pr, rtol=1e-7, atol=1e-7)
        assert run.nis[k] == pytest.approx(nisr, rel=1e-7)
        est, nis = f.update(est, ms[k])
        np.testing.assert_allclose(est.x, xr, rtol=1e-9, atol=1e-6)


def _ballistic_runs(flight, filt, n_runs, seed):
    """Monte Carlo runs of a filter on radar measurements of a coasting arc."""
    sl = slice(150, 450, 2)
    t, r, v = flight.t_s[sl], flight.r_ecef[sl], flight.v_ecef[sl]
    sp = radar_site(41.0, 133.0)
    rng = np.random.default_rng(seed)
    P0 = np.diag([300.0**2] * 3 + [30.0**2] * 3 + [1.0, 0.0])
    truth = np.hstack([r, v])
    all_nees, all_nis = [], []
    for _ in range(n_runs):
        ms = radar_measurements(t[1:], r[1:], v[1:], sp, rng)
        x0 = np.concatenate([r[0], v[0], [math.log(7000.0), 0.0]])
        x0[:6] += rng.multivariate_normal(np.zeros(6), P0[:6, :6])
        run = filt.run(GaussianState(float(t[0]), x0, P0), ms)
        all_nees.append(nees(run.x[:, :6], run.P[:, :6, :6], truth[1:]))
        all_nis.append(run.nis)
    return np.array(all_nees), np.array(all_nis)


@pytest.mark.parametrize("kind", ["ekf", "ukf"])
def test_nees_and_nis_within_chi_square_bounds(exact_flight, kind):
    """Average NEES (6 dof) and NIS (4 dof) over 30 runs inside their 95% chi-square
    intervals at most times (Bar-Shalom, Li, Kirubarajan 5.4.2).

    The truth has no process noise, so the filter gets almost none (q = 1e-6 m^2/s^3): any
    more makes the best-determined direction of the state conservative.
    """
    n_runs = 30
    model = ballistic_model(q_acc=1e-6)
    f = ekf(model) if kind == "ekf" else ukf(model)
    ne, ni = _ballistic_runs(exact_flight, f, n_runs, seed=11)
    lo, hi = chi2_interval(6, n_runs)
    assert np.mean((ne.mean(0) >= lo) & (ne.mean(0) <= hi)) >= 0.85
    lo, hi = chi2_interval(4, n_runs)
    assert np.mean((ni.mean(0) >= lo) & (ni.mean(0) <= hi)) >= 0.85
    # Over all runs and times: mean NEES 6 and mean NIS 4 within 10 %.
    assert ne.mean() == pytest.approx(6.0, rel=0.1)
    assert ni.mean() == pytest.approx(4.0, rel=0.1)


def test_ekf_and_ukf_agree_on_the_ballistic_problem(mrbm_flight):
    ne_e, _ = _ballistic_runs(mrbm_flight, ekf(), 1, seed=3)
    ne_u, _ = _ballistic_runs(mrbm_flight, ukf(), 1, seed=3)
    np.testing.assert_allclose(ne_e, ne_u, rtol=0.05, atol=0.05)


def test_imm_detects_boost_and_burnout(mrbm_flight):
    """Radar measurements from 40 s to 200 s of a boosted flight (burnout ~110 s)."""
    f = mrbm_flight
    tb = float(f.burnout[0])
    sl = slice(40, 200)
    t, r, v = f.t_s[sl], f.r_ecef[sl], f.v_ecef[sl]
    sp = radar_site(40.5, 129.5)
    ms = radar_measurements(t[1:], r[1:], v[1:], sp, np.random.default_rng(5))
    imm = boost_ballistic_imm()
    x0 = np.concatenate([r[0], v[0], [math.log(5000.0), 15.0]])
    P0 = np.diag([200.0**2] * 3 + [50.0**2] * 3 + [1.0, 15.0**2])
    est = imm.estimate(GaussianState(float(t[0]), x0, P0), [0.5, 0.5])
    run = imm.run(est, ms)
    p_boost = run.mu[:, 1]
    boosting = (t[1:] > t[0] + 20) & (t[1:] < tb - 5)  # after 20 s of data
    coasting = t[1:] > tb + 10
    assert np.median(p_boost[boosting]) > 0.9
    assert np.mean(p_boost[boosting] > 0.5) > 0.9
    assert np.all(p_boost[coasting] < 0.01)
    e = run.x[:, :3] - r[1:]
    sig = np.sqrt(np.einsum("nii->ni", run.P[:, :3, :3]))
    assert np.mean(np.all(np.abs(e) < 4 * sig, axis=1)) > 0.97
    # Thrust acceleration estimated within 5 % shortly before burnout.
    k = int(np.searchsorted(t[1:], tb - 5))
    stage = next(iter(__import__("missilewatch.flight", fromlist=["generic_profile"])
                      .generic_profile("MRBM").stages))
    tau = stage.burn_s * stage.mass_ratio / (stage.mass_ratio - 1)
    a_true = stage.exhaust_velocity_mps / (tau - t[1:][k])
    assert run.x[k, 7] == pytest.approx(a_true, rel=0.1)


def test_predict_and_update_types():
    f = ekf()
    s = GaussianState(0.0, np.array([7e6, 0, 0, 0, 7000.0, 0, 8.5, 0]), np.eye(8))
    p = f.predict(s, 10.0)
    assert isinstance(p, GaussianState) and p.t_s == 10.0
    imm = boost_ballistic_imm("ukf")
    e = imm.predict(imm.estimate(s), 5.0)
    assert e.xs.shape == (2, 8) and e.mu.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("make", [ekf, lambda: boost_ballistic_imm("ekf"), lambda: boost_ballistic_imm("ukf")])
def test_predict_mean_is_the_mean_of_predict(make):
    """The covariance-free mean (used by the metrics' grid) is predict's mean, to the bit for
    the EKF, over boost and coast, forward and backward."""
    f = make()
    x = np.array([-3.1e6, 4.2e6, 3.9e6, 900.0, 1500.0, 2100.0, 8.5, 25.0])
    s = GaussianState(100.0, x, np.diag([1e4] * 3 + [1e2] * 3 + [1.0, 4.0]))
    for t in (100.0, 101.0, 137.5, 400.0, 60.0):
        assert np.array_equal(f.predict_mean(s, t), f.predict(s, t).x)


def test_filter_rejects_bad_settings():
    with pytest.raises(InputError, match="kind"):
        KalmanFilter(kind="pf")
    with pytest.raises(InputError, match="sojourn_s"):
        KalmanFilter((ballistic_model(),), "ekf", (1.0, 2.0))
    with pytest.raises(InputError, match="mu"):
        boost_ballistic_imm().estimate(GaussianState(0.0, np.zeros(8) + 1e6, np.eye(8)), [0.2, 0.2])
    with pytest.raises(InputError, match="x"):
        GaussianState(0.0, np.zeros(6), np.eye(6))
    sp = radar_site(40.0, 140.0)
    ms = [Measurement(5.0, "r", "range_az_el", [1e5, 0.1, 0.1], np.eye(3), sp[0:3]),
          Measurement(2.0, "r", "range_az_el", [1e5, 0.1, 0.1], np.eye(3), sp[0:3])]
    with pytest.raises(InputError, match="measurements"):
        ekf().run(GaussianState(0.0, np.zeros(8) + 1e6, np.eye(8)), ms)
