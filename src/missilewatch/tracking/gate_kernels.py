"""Numba kernels of gating: M measurements of one scan against T tracks, as the IMM cycle would
predict them, with a cheap bound first.

Each measurement gets an anchor in ECEF: a radar detection (or position report) its position
and the trace of its position covariance (sigma_r^2 + rho^2 cos^2 el sigma_az^2 + rho^2
sigma_el^2: the spherical Jacobian's columns are orthogonal); an infrared line of sight its ray
(sensor position, unit vector) and its angular variance. A track's :func:`motion_bound` over
the interval to the scan gives a sphere of its predicted means and a sigma of its predicted
position. The Mahalanobis distance of the measurement is at least that of its position part
(a marginal), which is at least |distance|^2 / (sigma^2 + measurement variance) in ECEF: a pair
whose distance exceeds the gate by a factor 2 (in distance) is outside the gate, and a track
with no measurement left is not predicted at all. What passes is gated exactly as before.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.tracking.bound_kernels import (
    B_CX,
    B_CY,
    B_CZ,
    B_RADIUS,
    B_SIGMA,
    MAX_BOUND_DT_S,
    N_BOUND,
    motion_bound,
    sojourn_times,
)
from missilewatch.tracking.ekf_kernels import innovation
from missilewatch.tracking.imm_kernels import imm_mix, predicted_moments, time_update
from missilewatch.tracking.linalg_kernels import mahalanobis
from missilewatch.tracking.measurement_kernels import (
    MAX_MEAS_DIM,
    MC_LOS,
    MC_POS,
    SP_LAT,
    SP_LON,
    SP_R,
    wrap_index,
)

#: Anchor columns: point or ray origin (A_X..A_Z), ray direction (A_UX..A_UZ), variance (A_VAR:
#: m^2 for a point, rad^2 for a ray), kind (A_KIND: 0 point, 1 ray).
A_X, A_Y, A_Z, A_UX, A_UY, A_UZ, A_VAR, A_KIND = 0, 1, 2, 3, 4, 5, 6, 7
N_ANCHOR = 8


@njit(cache=True, nogil=True, error_model="numpy")
def measurement_anchor(z, R, mcode, sp, out):
    """The ECEF anchor (N_ANCHOR,) of one measurement (layout above)."""
    if mcode == MC_POS:
        for a in range(3):
            out[A_X + a] = z[a]
            out[A_UX + a] = 0.0
        out[A_VAR] = R[0, 0] + R[1, 1] + R[2, 2]
        out[A_KIND] = 0.0
        return
    if mcode == MC_LOS:
        cd = math.cos(z[1])
        u = (cd * math.cos(z[0]), cd * math.sin(z[0]), math.sin(z[1]))
        for a in range(3):
            out[A_X + a] = sp[SP_R + a]
            out[A_UX + a] = u[a]
        out[A_VAR] = R[0, 0] + R[1, 1]
        out[A_KIND] = 1.0
        return
    rng, az, el = z[0], z[1], z[2]
    ce, se, ca, sa = math.cos(el), math.sin(el), math.cos(az), math.sin(az)
    e, n, u = rng * ce * sa, rng * ce * ca, rng * se
    sl, cl = math.sin(sp[SP_LAT]), math.cos(sp[SP_LAT])
    so, co = math.sin(sp[SP_LON]), math.cos(sp[SP_LON])
    out[A_X] = sp[SP_R] - so * e - sl * co * n + cl * co * u
    out[A_Y] = sp[SP_R + 1] + co * e - sl * so * n + cl * so * u
    out[A_Z] = sp[SP_R + 2] + cl * n + sl * u
    for a in range(3):
        out[A_UX + a] = 0.0
    out[A_VAR] = R[0, 0] + rng * rng * (ce * ce * R[1, 1] + R[2, 2])
    out[A_KIND] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def outside(bound, anchor, threshold):
    """True when every model's prediction within ``bound`` is certainly outside the chi-square
    gate ``threshold`` of the measurement with ``anchor``."""
    sigma = bound[B_SIGMA]
    if sigma < 0.0:
        return False
    dx = bound[B_CX] - anchor[A_X]
    dy = bound[B_CY] - anchor[A_Y]
    dz = bound[B_CZ] - anchor[A_Z]
    var = anchor[A_VAR]
    if anchor[A_KIND] != 0.0:
        along = dx * anchor[A_UX] + dy * anchor[A_UY] + dz * anchor[A_UZ]
        rho = math.sqrt(dx * dx + dy * dy + dz * dz)
        if along > 0.0:
            dx -= along * anchor[A_UX]
            dy -= along * anchor[A_UY]
            dz -= along * anchor[A_UZ]
        rho_max = rho + bound[B_RADIUS]
        var = rho_max * rho_max * var
    d = math.sqrt(dx * dx + dy * dy + dz * dz) - bound[B_RADIUS]
    if d <= 0.0:
        return False
    return d * d > 4.0 * threshold * (sigma * sigma + var)


@njit(cache=True, nogil=True, error_model="numpy")
def _gate_track(x, P, cbar, jbest, z, R, mcode, sp, use_ukf, ukf, min_mode_prob, m):
    """(d2, cost) of measurement ``m`` against one predicted IMM estimate (see gate_tracks)."""
    K = cbar.shape[0]
    zhat = np.empty(MAX_MEAS_DIM)
    S = np.empty((MAX_MEAS_DIM, MAX_MEAS_DIM))
    nu = np.empty(MAX_MEAS_DIM)
    best = math.inf
    lse_max = -math.inf
    terms = np.full(K, -math.inf)
    for j in range(K):
        if cbar[j] <= 0.0:
            continue
        d = predicted_moments(x[j], P[j], mcode[m], sp[m], R[m], use_ukf, ukf, zhat, S)
        if d < 0:
            continue
        innovation(z[m], zhat, d, wrap_index(mcode[m]), nu)
        q, ld = mahalanobis(nu, S, d)
        if not math.isfinite(q):
            continue
        if (cbar[j] >= min_mode_prob or j == jbest) and q < best:
            best = q
        terms[j] = math.log(cbar[j]) - 0.5 * (q + ld)
        if terms[j] > lse_max:
            lse_max = terms[j]
    if not math.isfinite(lse_max):
        return best, math.inf
    acc = 0.0
    for j in range(K):
        if math.isfinite(terms[j]):
            acc += math.exp(terms[j] - lse_max)
    return best, -2.0 * (lse_max + math.log(acc))


@njit(cache=True, nogil=True, error_model="numpy")
def gate_tracks(xs, Ps, mu, t_ref, last_boost_t, tau_table, window, rows, t_scan, mps, use_ukf, ukf, z, R,
                mcode, sp, thresholds, min_mode_prob, use_bound, d2, cost, pxs, pPs, pcbar, predicted,
                anchor_xs, anchor_Ps, anchor_mu, anchor_t):
    """Gate distances ``d2`` (T, M) and assignment costs ``cost`` (T, M) of M measurements (all
    taken at ``t_scan``) against the T estimates ``xs[rows[t]]``, ``Ps[rows[t]]``,
    ``mu[rows[t]]`` of times ``t_ref[rows[t]]``, mean sojourn times from their last boosting
    times (:func:`bound_kernels.sojourn_times`).

    Each track is mixed and every model predicted to ``t_scan`` (into ``pxs`` (T, K, 8),
    ``pPs``, ``pcbar`` (T, K); ``predicted[t]`` says it was: an update reuses it); d2 is the
    smallest Mahalanobis distance over the models whose predicted probability is at least
    ``min_mode_prob`` (and the most probable one), the cost -2 ln of the mixture likelihood
    sum_j c_j N(nu_j; 0, S_j) without the 2 pi terms. With ``use_bound``, pairs outside the
    cheap bound (module docstring) get d2 = cost = inf, and a track without any pair left is
    not predicted. An estimate more than ``MAX_BOUND_DT_S`` old has no bound of its own; one
    with an anchor (``anchor_xs``, ``anchor_Ps``, ``anchor_mu`` indexed like ``xs``: its
    prediction to ``anchor_t``, NaN for none or beyond the arrays: see
    :mod:`~missilewatch.tracking.coasting`) within ``MAX_BOUND_DT_S`` before the scan is
    bounded from the anchor instead (the prediction from the estimate lies inside it).
    """
    T = rows.shape[0]
    M = z.shape[0]
    K = mu.shape[1]
    anchors = np.empty((M, N_ANCHOR))
    for m in range(M):
        measurement_anchor(z[m], R[m], mcode[m], sp[m], anchors[m])
    bound = np.empty(N_BOUND)
    near = np.empty(M, dtype=np.bool_)
    for t in range(T):
        r = rows[t]
        dt = t_scan - t_ref[r]
        tau = sojourn_times(t_ref[r], last_boost_t[r], tau_table, window)
        predicted[t] = False
        any_near = False
        if use_bound:
            adt = t_scan - anchor_t[r] if r < anchor_t.shape[0] else math.nan
            if dt > MAX_BOUND_DT_S and 0.0 <= adt <= MAX_BOUND_DT_S:
                motion_bound(anchor_xs[r], anchor_Ps[r], anchor_mu[r], tau, mps, adt, min_mode_prob, bound)
            else:
                motion_bound(xs[r], Ps[r], mu[r], tau, mps, dt, min_mode_prob, bound)
        for m in range(M):
            near[m] = not (use_bound and outside(bound, anchors[m], thresholds[m]))
            any_near = any_near or near[m]
            d2[t, m] = math.inf
            cost[t, m] = math.inf
        if not any_near:
            continue
        x = pxs[t]
        P = pPs[t]
        cbar = pcbar[t]
        x[:] = xs[r]
        P[:] = Ps[r]
        imm_mix(x, P, mu[r], dt, tau, mps, cbar)
        jbest = 0
        for j in range(K):
            if cbar[j] > cbar[jbest]:
                jbest = j
        for j in range(K):
            if cbar[j] > 0.0 and not time_update(x[j], P[j], dt, mps[j], use_ukf, ukf):
                cbar[j] = 0.0
        predicted[t] = True
        for m in range(M):
            if near[m]:
                d2[t, m], cost[t, m] = _gate_track(x, P, cbar, jbest, z, R, mcode, sp, use_ukf, ukf,
                                                   min_mode_prob, m)
