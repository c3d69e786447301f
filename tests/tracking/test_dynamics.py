"""The filters' motion model against the flight kernels, finite differences, SciPy's DOP853
and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from missilewatch.errors import InputError
from missilewatch.flight import kernels as fl
from missilewatch.tracking import dynamics_kernels as dk
from missilewatch.tracking.models import (
    MotionModel,
    ballistic_model,
    boost_model,
    constant_velocity_model,
)

from .conftest import ncv_matrices


def _state(flight, i, beta=7000.0, a_t=0.0):
    return np.concatenate([flight.r_ecef[i], flight.v_ecef[i], [math.log(beta), a_t]])


def _reentry_index(flight, h_m=40_000.0):
    lat, lon, h = flight.geodetic
    apo = int(np.argmax(h))
    return apo + int(np.nonzero(h[apo:] < h_m)[0][0])


def test_equations_of_motion_match_flight_kernels(mrbm_flight):
    """Same forces as flight.kernels.deriv (gravity J2, Coriolis, centrifugal, drag)."""
    mp = ballistic_model().params
    for i in (150, _reentry_index(mrbm_flight)):
        x = _state(mrbm_flight, i)
        out = np.empty(8)
        dk.deriv(x, mp, out)
        p = np.zeros(fl.N_PARAMS)
        p[fl.P_INV_BETA] = 1.0 / 7000.0
        p[fl.P_ORDER] = 2
        p[fl.P_ROTATING] = 1
        p[fl.P_DRAG] = 1
        ref = np.empty(6)
        fl.deriv(0.0, x[:6].copy(), p, ref)
        np.testing.assert_allclose(out[:6], ref, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("model,where", [
    (ballistic_model(), "reentry"), (ballistic_model(), "vacuum"), (boost_model(), "boost"),
])
def test_jacobian_matches_central_differences(mrbm_flight, model, where):
    mp = model.params
    if where == "reentry":
        x = _state(mrbm_flight, _reentry_index(mrbm_flight))
    elif where == "vacuum":
        x = _state(mrbm_flight, 300)
    else:
        x = _state(mrbm_flight, 60, a_t=35.0)
    A = np.empty((3, 8))
    dat = dk.jacobian_rows(x, mp, A)
    steps = [2.0, 2.0, 2.0, 1e-2, 1e-2, 1e-2, 1e-4, 1e-3]
    fd = np.empty((3, 8))
    fd7 = 0.0
    for j, h in enumerate(steps):
        e = np.zeros(8)
        e[j] = h
        a = np.empty(8)
        b = np.empty(8)
        dk.deriv(x + e, mp, a)
        dk.deriv(x - e, mp, b)
        fd[:, j] = (a[3:6] - b[3:6]) / (2 * h)
        if j == 7:
            fd7 = (a[7] - b[7]) / (2 * h)
    scale = np.abs(fd).max(axis=1, keepdims=True)
    assert np.abs(A - fd).max() < 1e-5 * scale.max()
    # Position block (gravity gradient with J2, density gradient) to 1e-5 relative.
    np.testing.assert_allclose(A[:, :3], fd[:, :3], rtol=0, atol=1e-5 * np.abs(fd[:, :3]).max() + 1e-12)
    assert dat == pytest.approx(fd7, rel=1e-6, abs=1e-12)


def test_transition_matrix_matches_finite_differences(mrbm_flight):
    mp = ballistic_model().params
    x0 = _state(mrbm_flight, _reentry_index(mrbm_flight, 70_000.0))
    dt = 20.0
    Phi = np.empty((8, 8))
    dk.transition_matrix(x0.copy(), dt, mp, Phi)
    steps = [1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3, 1e-4, 1e-3]
    fd = np.zeros((8, 8))
    for j, h in enumerate(steps[:7]):
        e = np.zeros(8)
        e[j] = h
        a = x0 + e
        b = x0 - e
        dk.propagate_state(a, dt, mp)
        dk.propagate_state(b, dt, mp)
        fd[:, j] = (a - b) / (2 * h)
    err = np.abs(Phi[:6, :7] - fd[:6, :7]) / (np.abs(fd[:6, :7]).max(axis=0) + 1e-12)
    assert err.max() < 1e-4


def test_propagation_matches_truth_flight(mrbm_flight):
    """From a coasting sample of a flown trajectory to 200 s later and through re-entry."""
    mp = ballistic_model().params
    f = mrbm_flight
    for i0, n in ((150, 200), (_reentry_index(f, 120_000.0), 60)):
        n = min(n, len(f.t_s) - 2 - i0)
        x = _state(f, i0, beta=7000.0)
        P = np.eye(8)
        dk.predict(x, P, f.t_s[i0 + n] - f.t_s[i0], mp)
        # The truth's own integration tolerance is ~1 m (flight.propagate defaults).
        assert np.linalg.norm(x[:3] - f.r_ecef[i0 + n]) < 15.0
        assert np.linalg.norm(x[3:6] - f.v_ecef[i0 + n]) < 0.3


def test_rk4_matches_dop853_reference(mrbm_flight):
    """The fixed-step RK4 against SciPy's DOP853 at rtol 1e-12 on the same equations."""
    mp = ballistic_model().params
    x0 = _state(mrbm_flight, _reentry_index(mrbm_flight, 100_000.0))

    def f(_t, y):
        out = np.empty(8)
        dk.deriv(y, mp, out)
        return out

    ref = solve_ivp(f, (0.0, 40.0), x0, method="DOP853", rtol=1e-12, atol=1e-9).y[:, -1]
    x = x0.copy()
    dk.propagate_state(x, 40.0, mp)
    # Through re-entry (the tabulated density's slope jumps every 250 m): < 1 m in 40 s.
    assert np.linalg.norm(x[:3] - ref[:3]) < 1.0
    assert np.linalg.norm(x[3:6] - ref[3:6]) < 0.05
    # Above the atmosphere, 300 s in 10-s steps: millimetres.
    x0 = _state(mrbm_flight, 200)
    ref = solve_ivp(f, (0.0, 300.0), x0, method="DOP853", rtol=1e-12, atol=1e-9).y[:, -1]
    x = x0.copy()
    dk.propagate_state(x, 300.0, mp)
    assert np.linalg.norm(x[:3] - ref[:3]) < 0.01


def test_boost_model_is_the_flight_gravity_turn():
    """a_T(t0) = v_e / (tau - t0) reproduces flight's gravity-turn segment (drag off)."""
    ve, tau, t0 = 2600.0, 137.5, 40.0
    r = np.array([-3_050_000.0, 4_010_000.0, 4_100_000.0])
    v = np.array([600.0, 300.0, 900.0])
    p = np.zeros(fl.N_PARAMS)
    p[fl.P_ORDER] = 2
    p[fl.P_ROTATING] = 1
    p[fl.P_MODE] = fl.MODE_GRAVITY_TURN
    p[fl.P_VE] = ve
    p[fl.P_TAU] = tau
    p[fl.P_T_SEG0] = t0
    y = np.concatenate([r, v])
    k = np.empty((7, 6))
    work = np.empty((4, 6))
    grid = np.empty((1, 7))
    fl.integrate(y, t0, t0 + 30.0, p, 1e-12, 1e-6, 0.0, 1.0, False, 0.0, 0.0, grid, 0, k, work)
    model = boost_model(exhaust_velocity_mps=ve, a_max_mps2=1000.0, h_max_s=0.5)
    x = np.concatenate([r, v, [0.0, ve / (tau - t0)]])
    dk.propagate_state(x, 30.0, model.params)
    assert np.linalg.norm(x[:3] - y[:3]) < 0.05
    assert np.linalg.norm(x[3:6] - y[3:6]) < 1e-3
    assert x[7] == pytest.approx(ve / (tau - t0 - 30.0), rel=1e-8)


def test_constant_velocity_model_is_the_textbook_ncv():
    """The kernel predicts exactly the textbook NCV F and Q (Bar-Shalom 6.2.2)."""
    q, dt = 2.5, 3.0
    mp = constant_velocity_model(q).params
    x = np.array([7e6, 1e5, -2e5, 100.0, -50.0, 20.0, 8.0, 0.0])
    P = np.diag([100.0, 200.0, 300.0, 4.0, 5.0, 6.0, 0.0, 0.0])
    x1, P1 = x.copy(), P.copy()
    dk.predict(x1, P1, dt, mp)
    F, Q = ncv_matrices(dt, q)
    np.testing.assert_allclose(x1, F @ x, rtol=1e-14, atol=1e-8)
    np.testing.assert_allclose(P1, F @ P @ F.T + Q, rtol=1e-12, atol=1e-9)


def test_thrust_stop_moments_match_quadrature():
    """Mean and covariance added when the motor stops at a uniform time within dt."""
    a, var_a, dt = 60.0, 16.0, 4.0
    x = np.array([7e6, 0.0, 0.0, 0.0, 1000.0, 0.0, 8.0, a])
    P = np.zeros((8, 8))
    P[7, 7] = var_a
    x1, P1 = x.copy(), P.copy()
    dk.stop_thrust(x1, P1, dt, ballistic_model().params)
    u = np.linspace(0.0, 1.0, 200_001)
    m2 = a * a + var_a
    dv = dt * u
    dr = dt * dt * (u - u * u / 2)
    mean_v, mean_r = a * np.trapezoid(dv, u), a * np.trapezoid(dr, u)
    var_v = m2 * np.trapezoid(dv * dv, u) - mean_v**2
    var_r = m2 * np.trapezoid(dr * dr, u) - mean_r**2
    cov_rv = m2 * np.trapezoid(dr * dv, u) - mean_r * mean_v
    assert x1[4] - 1000.0 == pytest.approx(mean_v, rel=1e-9)
    assert x1[1] == pytest.approx(mean_r, rel=1e-9)
    assert P1[4, 4] == pytest.approx(var_v, rel=1e-6)
    assert P1[1, 1] == pytest.approx(var_r, rel=1e-6)
    assert P1[1, 4] == pytest.approx(cov_rv, rel=1e-6)
    assert x1[7] == 0.0 and not P1[7].any()


def test_model_rejects_bad_values():
    with pytest.raises(InputError, match="q_acc"):
        MotionModel(q_acc=-1.0)
    with pytest.raises(InputError, match="gravity_order"):
        MotionModel(gravity_order=1)
    with pytest.raises(InputError, match="h_max_s"):
        MotionModel(h_max_s=0.0)
