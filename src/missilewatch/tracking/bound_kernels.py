"""Numba kernels of cheap, conservative bounds on where an IMM estimate can be after ``dt``
seconds, so that gating, merging and deletion skip the full prediction (RK4 with variational
equations, ~10 us a model) for the pairs and tracks that certainly fail their test.

:func:`motion_bound` gives a sphere that holds the predicted mean of every model (centre and
radius, m) and a bound on the standard deviation of the predicted position along any axis
(sigma, m): the largest eigenvalue of any model's predicted position covariance, and of the
moment-matched mixture, is at most sigma^2. The bound uses only the estimate at hand:

- mean: the models' means lie within ``spread`` of the most probable one's; over dt the mean
  moves as r + v dt + d with |d| <= a dt^2 / 2, a bounding gravity and the rotating-frame terms,
  the thrust a boost model may reach (its ``a_max``, its ignition prior), and drag at the
  lowest height the object can reach with the smallest ballistic coefficient of the models (the
  drag displacement is also at most the distance flown);
- covariance: sigma_pos + dt sigma_vel + dt^2/2 sigma_acc (acceleration errors from a_T, from
  the drag's dependence on ln beta, speed and height, and gravity gradients) with the models'
  spread, times a safety factor for the transition matrix's other terms, plus the process noise
  (q_acc dt^3 + q_jerk dt^5 / 20 as a trace).

Beyond ``MAX_BOUND_DT_S`` the bound is not used (it returns a negative sigma). Tests compare
it with the full prediction on simulated flights (boost, coast, re-entry).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.earth.constants import OMEGA_EARTH
from missilewatch.earth.kernels import atmosphere_density, geodetic_height
from missilewatch.tracking.dynamics_kernels import (
    I_AT,
    I_LNB,
    M_A_MAX,
    M_DRAG,
    M_IGN_AT,
    M_IGN_SIGMA,
    M_Q_ACC,
    M_Q_JERK,
    M_THRUST,
    M_VE,
)
from missilewatch.tracking.imm_kernels import mode_transition

#: Longest interval (s) over which the bound is used; a longer prediction is done in full.
MAX_BOUND_DT_S = 120.0
#: Acceleration bound of gravity (<= 9.83 m/s^2 at the surface) and the centrifugal term, m/s^2.
GRAVITY_BOUND_MPS2 = 12.0
#: Safety factor on the linear growth of the position sigma (transition-matrix cross terms).
SIGMA_FACTOR = 1.25
#: Height margin (m) under the lowest reachable height when taking the air density for drag.
DRAG_HEIGHT_MARGIN_M = 1000.0
#: Density scale height (m) bounding the change of drag with height (USSA76 < 8.5 km).
SCALE_HEIGHT_M = 6000.0
#: Gravity-gradient bound (1/s^2): 2 GM / r^3 at the surface is 3.1e-6.
GRAVITY_GRADIENT_BOUND = 3.2e-6
#: Indices of the bound vector written by :func:`motion_bound`.
#: B_DROP: the part of the radius that may lower the height (the thrust models' displacement
#: is left out while every model climbs through the interval: thrust along a climbing velocity
#: lifts).
B_CX, B_CY, B_CZ, B_RADIUS, B_SIGMA, B_DROP = 0, 1, 2, 3, 4, 5
N_BOUND = 6
#: Height margin (m) of :func:`lowest_height` (the sag of a mean of points tens of km apart,
#: the geodetic against the geocentric vertical).
HEIGHT_MARGIN_M = 200.0


@njit(cache=True, nogil=True, error_model="numpy")
def _thrust_weight(mu, tau, mps, dt, min_prob):
    """Weight of the thrust models' predictions in the bound: with ``min_prob`` >= 0 (the
    models taken one by one, as the gate does), 1 when a thrust model will be at least
    ``min_prob`` likely (or the most likely) after the interval, else 0; with ``min_prob`` < 0
    (the moment-matched mixture), the thrust models' predicted probability."""
    K = mu.shape[0]
    Pi = np.empty((K, K))
    mode_transition(mu, dt, tau, Pi)
    c_thrust = 0.0
    c_max = 0.0
    c_thrust_max = 0.0
    for j in range(K):
        c = 0.0
        for i in range(K):
            c += Pi[i, j] * mu[i]
        c_max = max(c_max, c)
        if mps[j, M_THRUST] != 0.0:
            c_thrust += c
            c_thrust_max = max(c_thrust_max, c)
    if min_prob < 0.0:
        return min(c_thrust, 1.0)
    if c_thrust_max > 0.0 and c_thrust_max >= min(min_prob, c_max):
        return 1.0
    return 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _spread(xs, Ps, mu, i0, acc):
    """Over the models with mu > 0, into ``acc`` (8,): largest distance of positions and of
    velocities from model i0's, largest position and velocity covariance traces, a_T variance,
    ln(beta) variance, largest |a_T|, smallest ln(beta)."""
    acc[:7] = 0.0
    acc[7] = math.inf
    for i in range(mu.shape[0]):
        if mu[i] <= 0.0:
            continue
        dr = dv = 0.0
        for a in range(3):
            dr += (xs[i, a] - xs[i0, a]) ** 2
            dv += (xs[i, 3 + a] - xs[i0, 3 + a]) ** 2
        acc[0] = max(acc[0], math.sqrt(dr))
        acc[1] = max(acc[1], math.sqrt(dv))
        acc[2] = max(acc[2], Ps[i, 0, 0] + Ps[i, 1, 1] + Ps[i, 2, 2])
        acc[3] = max(acc[3], Ps[i, 3, 3] + Ps[i, 4, 4] + Ps[i, 5, 5])
        acc[4] = max(acc[4], Ps[i, I_AT, I_AT])
        acc[5] = max(acc[5], Ps[i, I_LNB, I_LNB])
        acc[6] = max(acc[6], abs(xs[i, I_AT]))
        acc[7] = min(acc[7], xs[i, I_LNB])


@njit(cache=True, nogil=True, error_model="numpy")
def _model_limits(mps):
    """Largest process noises, whether any model has drag, and the thrust models' largest
    acceleration (m/s^2), ignition sigma, smallest exhaust speed v_e (m/s) and largest ignition
    a_T over the model parameter rows ``mps`` (K, M_*)."""
    q_acc = 0.0
    drag = False
    a_thr = sig_thr = q_jerk = a_ign = 0.0
    ve = math.inf
    for j in range(mps.shape[0]):
        q_acc = max(q_acc, mps[j, M_Q_ACC])
        drag = drag or mps[j, M_DRAG] != 0.0
        if mps[j, M_THRUST] != 0.0:
            q_jerk = max(q_jerk, mps[j, M_Q_JERK])
            a_thr = max(a_thr, mps[j, M_A_MAX], mps[j, M_IGN_AT] + 3.0 * mps[j, M_IGN_SIGMA])
            sig_thr = max(sig_thr, mps[j, M_IGN_SIGMA])
            ve = min(ve, mps[j, M_VE])
            a_ign = max(a_ign, mps[j, M_IGN_AT])
    return q_acc, drag, a_thr, sig_thr, q_jerk, a_ign, ve


@njit(cache=True, nogil=True, error_model="numpy")
def motion_bound(xs, Ps, mu, tau, mps, dt, min_prob, out):
    """Bound of the predicted means and position covariance of an IMM estimate over ``dt`` s
    into ``out`` (N_BOUND,): centre (m, ECEF), radius (m), sigma (m; -1 when not bounded).
    ``min_prob``: >= 0 bounds each model whose predicted probability is at least that (the
    gate's models); < 0 bounds the moment-matched mixture of the models (its mean and
    covariance), where an unlikely thrust model weighs little."""
    K = mu.shape[0]
    h = abs(dt)
    i0 = 0
    for i in range(K):
        if mu[i] > mu[i0]:
            i0 = i
    sp = np.empty(8)
    _spread(xs, Ps, mu, i0, sp)
    spread_r, spread_v = sp[0], sp[1]
    for a in range(3):
        out[a] = xs[i0, a] + xs[i0, 3 + a] * dt
    if h > MAX_BOUND_DT_S:
        out[B_RADIUS] = math.inf
        out[B_SIGMA] = -1.0
        out[B_DROP] = math.inf
        return
    speed = math.sqrt(xs[i0, 3] ** 2 + xs[i0, 4] ** 2 + xs[i0, 5] ** 2) + spread_v
    sig_p = math.sqrt(max(sp[2], 0.0)) + 2.0 * spread_r
    sig_v = math.sqrt(max(sp[3], 0.0)) + 2.0 * spread_v
    q_acc, drag, a_thr, sig_thr, q_jerk, a_ign, ve = _model_limits(mps)
    # Unpowered models (and what they mix in: a_T stops within the interval); the Coriolis
    # term of a speed grown by at most 300 m/s^2 (no unpowered force reaches that but drag,
    # which slows).
    acc_g = GRAVITY_BOUND_MPS2 + 2.0 * OMEGA_EARTH * (speed + 300.0 * h)
    acc = acc_g + sp[6]
    v_max = speed + acc * h
    a_drag = 0.0
    if drag and math.isfinite(sp[7]):
        h_low = geodetic_height(out[0], out[1], out[2]) - spread_r - 0.5 * acc * h * h - DRAG_HEIGHT_MARGIN_M
        a_drag = atmosphere_density(max(h_low, 0.0)) * v_max * v_max / (2.0 * math.exp(sp[7]))
    disp0 = 0.5 * acc * h * h + min(0.5 * a_drag * h * h, v_max * h)
    # a_T's own uncertainty, and for an unpowered model the uncertain stop of a mixed-in a_T
    # (position std 0.37 |a_T| h^2 at most, as dynamics_kernels.stop_thrust adds it).
    drag_err = math.sqrt(max(sp[5], 0.0)) + 2.0 * sig_v / max(speed, 100.0) + sig_p / SCALE_HEIGHT_M
    sig_a0 = math.sqrt(max(sp[4], 0.0)) + sp[6] + a_drag * drag_err + GRAVITY_GRADIENT_BOUND * sig_p
    sig0 = SIGMA_FACTOR * (sig_p + h * sig_v + 0.5 * h * h * sig_a0) + math.sqrt(q_acc * h**3)
    # Thrust models: up to their largest acceleration, with the ignition prior's uncertainty.
    disp1 = 0.5 * (acc + a_thr) * h * h
    # The mean a_T (the linearisation point) grows as da/dt = a^2 / v_e, so an a_T error grows
    # by 1 / (1 - a t / v_e)^2; past half of the singular time the thrust models are not bounded.
    growth = 1.0 - max(sp[6], a_ign) * h / ve
    unbounded = growth < 0.5
    amp = 1.0 / (growth * growth) if not unbounded else math.inf
    sig_thr = amp * max(sig_thr, math.sqrt(max(sp[4], 0.0)))
    sig1 = (SIGMA_FACTOR * (sig_p + h * sig_v + 0.5 * h * h * (sig_a0 + sig_thr))
            + math.sqrt(q_acc * h**3 + q_jerk * h**5 / 20.0) * amp)
    w = _thrust_weight(mu, tau, mps, dt, min_prob) if a_thr > 0.0 else 0.0
    if w > 0.0 and unbounded:
        out[B_RADIUS] = math.inf
        out[B_SIGMA] = -1.0
        out[B_DROP] = math.inf
        return
    rc = math.sqrt(xs[i0, 0] ** 2 + xs[i0, 1] ** 2 + xs[i0, 2] ** 2)
    v_up = (xs[i0, 0] * xs[i0, 3] + xs[i0, 1] * xs[i0, 4] + xs[i0, 2] * xs[i0, 5]) / rc - spread_v
    # Climbing through the interval, any thrust (a_T along the velocity) lifts: only gravity,
    # the rotating-frame terms and drag lower the means.
    climbing = v_up - (acc_g + a_drag) * h > 0.0
    drop = 0.5 * acc_g * h * h + min(0.5 * a_drag * h * h, v_max * h)
    out[B_DROP] = spread_r + spread_v * h + drop if climbing else math.inf
    if min_prob >= 0.0:
        out[B_RADIUS] = spread_r + spread_v * h + (disp1 if w > 0.0 else disp0)
        out[B_SIGMA] = sig1 if w > 0.0 else sig0
        out[B_DROP] = min(out[B_DROP], out[B_RADIUS])
        return
    # Mixture: mean within the unpowered models' sphere moved by w times the thrust models'
    # offset; covariance (1 - w) P0 + w P1 + w (1 - w) offset offset'.
    gap = disp0 + disp1 + 2.0 * (spread_r + spread_v * h)
    out[B_RADIUS] = spread_r + spread_v * h + disp0 + w * gap
    out[B_SIGMA] = math.sqrt(sig0 * sig0 + w * sig1 * sig1 + w * gap * gap)
    out[B_DROP] = min(out[B_DROP], out[B_RADIUS])


@njit(cache=True, nogil=True, error_model="numpy")
def lowest_height(b):
    """Lower bound (m) of the geodetic height of the predicted means of a :func:`motion_bound`."""
    return geodetic_height(b[B_CX], b[B_CY], b[B_CZ]) - b[B_DROP] - HEIGHT_MARGIN_M


@njit(cache=True, nogil=True, error_model="numpy")
def apart(ba, bb, gate):
    """True when two estimates' bounds ``ba``, ``bb`` (predicted to one time) are certainly
    farther apart than a chi-square ``gate`` on their position difference (any dof >= 3 of
    position and velocity): the Mahalanobis distance of the positions is at least
    |d|^2 / (sigma_a^2 + sigma_b^2) (the sigmas carry their own safety factor)."""
    if ba[B_SIGMA] < 0.0 or bb[B_SIGMA] < 0.0:
        return False
    d = math.sqrt((ba[B_CX] - bb[B_CX]) ** 2 + (ba[B_CY] - bb[B_CY]) ** 2 + (ba[B_CZ] - bb[B_CZ]) ** 2)
    d -= ba[B_RADIUS] + bb[B_RADIUS]
    if d <= 0.0:
        return False
    return d * d > gate * (ba[B_SIGMA] ** 2 + bb[B_SIGMA] ** 2)


@njit(cache=True, nogil=True, error_model="numpy")
def sojourn_times(t, last_boost_t, tau_table, window):
    """Mean sojourn times (K,) of an estimate at ``t`` last boosting at ``last_boost_t``: row 1
    of ``tau_table`` (2, K) within ``window`` s of it (a motor may ignite again), else row 0."""
    return tau_table[1] if t - last_boost_t <= window else tau_table[0]


@njit(cache=True, nogil=True, error_model="numpy")
def bound_rows(xs, Ps, mu, t_ref, last_boost_t, tau_table, window, rows, t, mps, out):
    """:func:`motion_bound` of the moment-matched estimates ``rows`` of the arrays predicted to
    ``t`` (never backwards) into ``out`` (len(rows), N_BOUND); sojourn times as
    :func:`sojourn_times`."""
    for k in range(rows.shape[0]):
        r = rows[k]
        tau = sojourn_times(t_ref[r], last_boost_t[r], tau_table, window)
        motion_bound(xs[r], Ps[r], mu[r], tau, mps, max(0.0, t - t_ref[r]), -1.0, out[k])


@njit(cache=True, nogil=True, error_model="numpy")
def may_be_down_or_lost(bounds, max_sigma, out):
    """Per bound: True unless the predicted mean is certainly above the ground and the position
    sigma certainly below ``max_sigma`` (then neither deletion test can fire)."""
    for k in range(bounds.shape[0]):
        b = bounds[k]
        out[k] = b[B_SIGMA] < 0.0 or b[B_SIGMA] >= max_sigma or lowest_height(b) <= 0.0
