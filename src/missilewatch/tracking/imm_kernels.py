"""Numba kernels of one filter cycle and of the interacting multiple model (IMM): time update
(EKF or UKF), Markov mode transition, mixing with the ignition prior, the measurement update of
every model with the mode probabilities and the NIS of the mode-mixed prediction, moment
matching, and whole-sequence filtering.

Several models: states ``xs`` (K, N_STATE), covariances ``Ps`` (K, N_STATE, N_STATE),
probabilities ``mu`` (K,), model parameters ``mps`` (K, N_MODEL) and mean sojourn times
``tau`` (K,) s of the Markov mode chain. ``use_ukf`` picks the unscented instead of the
extended updates, ``ukf`` (3,) its parameters. Measurement conventions as in :mod:`ekf_kernels`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.tracking.dynamics_kernels import (
    I_AT,
    M_IGN_AT,
    M_IGN_SIGMA,
    M_THRUST,
    N_STATE,
    predict,
    propagate_state,
)
from missilewatch.tracking.ekf_kernels import gain_update, innovation, innovation_moments
from missilewatch.tracking.linalg_kernels import mahalanobis, symmetrize
from missilewatch.tracking.measurement_kernels import MAX_MEAS_DIM, meas_dim, wrap_angle, wrap_index
from missilewatch.tracking.ukf_kernels import ukf_moments, ukf_predict

_LOG_2PI = math.log(2.0 * math.pi)


@njit(cache=True, nogil=True, error_model="numpy")
def time_update(x, P, dt, mp, use_ukf, ukf):
    """Predict (x, P) over ``dt`` s with the EKF or the UKF."""
    if dt == 0.0:
        return True
    if use_ukf:
        return ukf_predict(x, P, dt, mp, ukf)
    predict(x, P, dt, mp)
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def predicted_moments(x, P, mcode, sp, R, use_ukf, ukf, zhat, S):
    """Predicted measurement and innovation covariance of the (predicted) state (x, P)."""
    n = N_STATE
    if use_ukf:
        Pxz = np.empty((n, MAX_MEAS_DIM))
        return ukf_moments(x, P, mcode, sp, R, ukf, zhat, S, Pxz)
    H = np.zeros((MAX_MEAS_DIM, n))
    PHt = np.empty((n, MAX_MEAS_DIM))
    return innovation_moments(x, P, mcode, sp, R, zhat, H, S, PHt)


@njit(cache=True, nogil=True, error_model="numpy")
def mode_transition(mu, dt, tau, Pi):
    """Markov mode transition matrix over ``dt`` into ``Pi`` (K, K): stay with probability
    exp(-dt / tau_i), else move to the other modes in equal shares."""
    K = mu.shape[0]
    for i in range(K):
        stay = math.exp(-abs(dt) / tau[i]) if K > 1 else 1.0
        for j in range(K):
            Pi[i, j] = stay if i == j else (1.0 - stay) / (K - 1)


@njit(cache=True, nogil=True, error_model="numpy")
def imm_mix(xs, Ps, mu, dt, tau, mps, cbar):
    """IMM interaction (in place): mixed initial states and covariances per model; the
    predicted mode probabilities into ``cbar`` (K,).

    An unpowered estimate (a_T = 0, no uncertainty) mixed into a thrust model is a motor
    igniting (a stage after a coast or staging): its a_T is given the thrust model's ignition
    prior N(mps[j, M_IGN_AT], mps[j, M_IGN_SIGMA]^2), independent of the rest of the state.
    """
    K = mu.shape[0]
    n = N_STATE
    if K == 1:
        cbar[0] = 1.0
        return
    Pi = np.empty((K, K))
    mode_transition(mu, dt, tau, Pi)
    w = np.empty((K, K))
    for j in range(K):
        c = 0.0
        for i in range(K):
            c += Pi[i, j] * mu[i]
        cbar[j] = c
        for i in range(K):
            w[i, j] = Pi[i, j] * mu[i] / c if c > 0.0 else (1.0 if i == j else 0.0)
    x0 = np.zeros((K, n))
    P0 = np.zeros((K, n, n))
    xi = np.empty(n)
    for j in range(K):
        ignite = mps[j, M_THRUST] != 0.0
        for i in range(K):
            if w[i, j] == 0.0:
                continue
            lift = ignite and mps[i, M_THRUST] == 0.0
            for a in range(n):
                x0[j, a] += w[i, j] * xs[i, a]
            if lift:
                x0[j, I_AT] += w[i, j] * (mps[j, M_IGN_AT] - xs[i, I_AT])
        for i in range(K):
            if w[i, j] == 0.0:
                continue
            lift = ignite and mps[i, M_THRUST] == 0.0
            for a in range(n):
                xi[a] = xs[i, a]
            if lift:
                xi[I_AT] = mps[j, M_IGN_AT]
            for a in range(n):
                da = xi[a] - x0[j, a]
                for b in range(n):
                    pab = Ps[i, a, b]
                    if lift and (a == I_AT or b == I_AT):
                        pab = mps[j, M_IGN_SIGMA] ** 2 if a == b else 0.0
                    P0[j, a, b] += w[i, j] * (pab + da * (xi[b] - x0[j, b]))
    for j in range(K):
        for a in range(n):
            xs[j, a] = x0[j, a]
            for b in range(n):
                Ps[j, a, b] = P0[j, a, b]


@njit(cache=True, nogil=True, error_model="numpy")
def combine(xs, Ps, mu, x, P):
    """Moment-matched mixture of the model estimates into (x, P)."""
    K = mu.shape[0]
    n = N_STATE
    for a in range(n):
        acc = 0.0
        for j in range(K):
            acc += mu[j] * xs[j, a]
        x[a] = acc
    for a in range(n):
        for b in range(n):
            acc = 0.0
            for j in range(K):
                if mu[j] == 0.0:
                    continue
                acc += mu[j] * (Ps[j, a, b] + (xs[j, a] - x[a]) * (xs[j, b] - x[b]))
            P[a, b] = acc


@njit(cache=True, nogil=True, error_model="numpy")
def imm_predict(xs, Ps, mu, dt, tau, mps, use_ukf, ukf, cbar):
    """IMM time update in place: mix (:func:`imm_mix`), then predict each model with a
    predicted probability ``cbar[j]`` > 0 over ``dt``; a model whose prediction fails (its
    covariance lost definiteness) gets ``cbar[j]`` = 0."""
    imm_mix(xs, Ps, mu, dt, tau, mps, cbar)
    for j in range(mu.shape[0]):
        if cbar[j] <= 0.0:
            continue
        if not time_update(xs[j], Ps[j], dt, mps[j], use_ukf, ukf):
            cbar[j] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _update_model(x, P, z, R, mcode, sp, use_ukf, ukf, zhat, S):
    """Measurement update of one predicted model (x, P) in place; its predicted measurement
    and innovation covariance into ``zhat``, ``S``. Returns (NIS, ln det S); NIS = -1 when the
    unscented moments fail."""
    n = N_STATE
    d = meas_dim(mcode)
    nu = np.empty(MAX_MEAS_DIM)
    if use_ukf:
        Pxz = np.empty((n, MAX_MEAS_DIM))
        if ukf_moments(x, P, mcode, sp, R, ukf, zhat, S, Pxz) < 0:
            return -1.0, 0.0
        innovation(z, zhat, d, wrap_index(mcode), nu)
        H = np.empty((MAX_MEAS_DIM, n))
        nis, logdet = gain_update(x, P, nu, S.copy(), Pxz, H, R, d, False)
        symmetrize(P)
        return nis, logdet
    H = np.zeros((MAX_MEAS_DIM, n))
    PHt = np.empty((n, MAX_MEAS_DIM))
    innovation_moments(x, P, mcode, sp, R, zhat, H, S, PHt)
    innovation(z, zhat, d, wrap_index(mcode), nu)
    return gain_update(x, P, nu, S.copy(), PHt, H, R, d, True)


@njit(cache=True, nogil=True, error_model="numpy")
def _mode_probabilities(mu, cbar, loglik):
    """Posterior mode probabilities into ``mu`` from the predicted ones and the models'
    log-likelihoods (the predicted ones when no model has a finite likelihood)."""
    K = mu.shape[0]
    lmax = -math.inf
    for j in range(K):
        if cbar[j] > 0.0 and loglik[j] > lmax:
            lmax = loglik[j]
    total = 0.0
    for j in range(K):
        if cbar[j] > 0.0 and math.isfinite(loglik[j]):
            mu[j] = cbar[j] * math.exp(loglik[j] - lmax)
        else:
            mu[j] = 0.0
        total += mu[j]
    if total > 0.0:
        for j in range(K):
            mu[j] /= total
    else:
        for j in range(K):
            mu[j] = cbar[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _mixture_nis(z, zh, Ss, cbar, d, widx):
    """NIS of ``z`` against the mixture (weights ``cbar``) of the models' predicted measurements
    ``zh`` (K, MAX_MEAS_DIM) and innovation covariances ``Ss``, moment-matched (angles as
    offsets from the most probable model's, wrapped)."""
    K = cbar.shape[0]
    zbar = np.zeros(MAX_MEAS_DIM)
    j0 = 0
    for j in range(K):
        if cbar[j] > cbar[j0]:
            j0 = j
    for j in range(K):
        if cbar[j] <= 0.0:
            continue
        for a in range(d):
            off = zh[j, a] - zh[j0, a]
            if a == widx:
                off = wrap_angle(off)
            zbar[a] += cbar[j] * off
    for a in range(d):
        zbar[a] += zh[j0, a]
    Sbar = np.zeros((MAX_MEAS_DIM, MAX_MEAS_DIM))
    for j in range(K):
        if cbar[j] <= 0.0:
            continue
        for a in range(d):
            da = zh[j, a] - zbar[a]
            if a == widx:
                da = wrap_angle(da)
            for b in range(d):
                db = zh[j, b] - zbar[b]
                if b == widx:
                    db = wrap_angle(db)
                Sbar[a, b] += cbar[j] * (Ss[j, a, b] + da * db)
    nu = np.empty(MAX_MEAS_DIM)
    innovation(z, zbar, d, widx, nu)
    nis, _ = mahalanobis(nu, Sbar, d)
    return nis


@njit(cache=True, nogil=True, error_model="numpy")
def imm_correct(xs, Ps, mu, cbar, z, R, mcode, sp, use_ukf, ukf):
    """IMM measurement update in place of the predicted models (``cbar`` from
    :func:`imm_predict`): each model updated with z, the mode probabilities into ``mu``.

    Returns (NIS, d): the NIS of z against the mode-mixed predicted measurement distribution.
    """
    K = mu.shape[0]
    d = meas_dim(mcode)
    loglik = np.full(K, -math.inf)
    zh = np.zeros((K, MAX_MEAS_DIM))
    Ss = np.zeros((K, MAX_MEAS_DIM, MAX_MEAS_DIM))
    zhat = np.empty(MAX_MEAS_DIM)
    S = np.empty((MAX_MEAS_DIM, MAX_MEAS_DIM))
    for j in range(K):
        if cbar[j] <= 0.0:
            continue
        nis_j, logdet = _update_model(xs[j], Ps[j], z, R, mcode, sp, use_ukf, ukf, zhat, S)
        if nis_j < 0.0:
            cbar[j] = 0.0
            continue
        for a in range(d):
            zh[j, a] = zhat[a]
            for b in range(d):
                Ss[j, a, b] = S[a, b]
        if math.isfinite(nis_j):
            loglik[j] = -0.5 * (nis_j + logdet + d * _LOG_2PI)
    _mode_probabilities(mu, cbar, loglik)
    return _mixture_nis(z, zh, Ss, cbar, d, wrap_index(mcode)), d


@njit(cache=True, nogil=True, error_model="numpy")
def imm_step(xs, Ps, mu, dt, z, R, mcode, sp, mps, tau, use_ukf, ukf):
    """One IMM cycle in place (:func:`imm_predict` over ``dt``, then :func:`imm_correct` with
    z). K = 1 is a plain EKF/UKF step. Returns (NIS, d) as :func:`imm_correct`."""
    cbar = np.empty(mu.shape[0])
    imm_predict(xs, Ps, mu, dt, tau, mps, use_ukf, ukf, cbar)
    return imm_correct(xs, Ps, mu, cbar, z, R, mcode, sp, use_ukf, ukf)


@njit(cache=True, nogil=True, error_model="numpy")
def predict_combined(xs, Ps, mu, dt, mps, tau, use_ukf, ukf, x, P):
    """Predict every model over ``dt`` (no mixing; copies) and moment-match into (x, P)."""
    K = mu.shape[0]
    cbar = np.empty(K)
    xp = np.empty((K, N_STATE))
    Pp = np.empty((K, N_STATE, N_STATE))
    predict_models(xs, Ps, mu, dt, mps, tau, use_ukf, ukf, xp, Pp, cbar)
    combine(xp, Pp, cbar, x, P)


@njit(cache=True, nogil=True, error_model="numpy")
def predict_models(xs, Ps, mu, dt, mps, tau, use_ukf, ukf, xp, Pp, cbar):
    """Every model predicted over ``dt`` without mixing, into ``xp`` (K, 8), ``Pp`` (K, 8, 8)
    (a model whose predicted probability is 0 is copied as it is), and the predicted model
    probabilities (normalised) into ``cbar`` (K,): :func:`predict_combined` before its moment
    matching."""
    K = mu.shape[0]
    n = N_STATE
    Pi = np.empty((K, K))
    mode_transition(mu, dt, tau, Pi)
    for j in range(K):
        c = 0.0
        for i in range(K):
            c += Pi[i, j] * mu[i]
        cbar[j] = c
    for j in range(K):
        for a in range(n):
            xp[j, a] = xs[j, a]
            for b in range(n):
                Pp[j, a, b] = Ps[j, a, b]
        if cbar[j] > 0.0:
            if not time_update(xp[j], Pp[j], dt, mps[j], use_ukf, ukf):
                cbar[j] = 0.0
    total = 0.0
    for j in range(K):
        total += cbar[j]
    for j in range(K):
        cbar[j] /= total


@njit(cache=True, nogil=True, error_model="numpy")
def predicted_probabilities(Pi, mu, cbar):
    """The Markov chain's predicted model probabilities, unnormalised, into ``cbar`` (K,):
    cbar_j = sum_i Pi[i, j] mu_i; returns their sum."""
    K = mu.shape[0]
    total = 0.0
    for j in range(K):
        c = 0.0
        for i in range(K):
            c += Pi[i, j] * mu[i]
        cbar[j] = c
        total += c
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def predict_mean_combined(x, mu, dt, mps, tau, out):
    """The mean that :func:`predict_combined` gives (EKF only) for the same state ``x`` in every
    model (model j without thrust has its thrust state zeroed), without covariances: the EKF's
    mean does not depend on them, so each model's mean is propagated alone (same sub-steps) and
    mixed with the Markov chain's predicted probabilities. Writes ``out`` (N_STATE,)."""
    K = mu.shape[0]
    n = N_STATE
    Pi = np.empty((K, K))
    mode_transition(mu, dt, tau, Pi)
    cbar = np.empty(K)
    total = predicted_probabilities(Pi, mu, cbar)
    xs = np.empty((K, n))
    for j in range(K):
        cbar[j] /= total
        for a in range(n):
            xs[j, a] = x[a]
        if mps[j, M_THRUST] == 0.0:
            xs[j, I_AT] = 0.0
        if cbar[j] > 0.0 and dt != 0.0:
            propagate_state(xs[j], dt, mps[j])
    for a in range(n):
        acc = 0.0
        for j in range(K):
            acc += cbar[j] * xs[j, a]
        out[a] = acc


@njit(cache=True, nogil=True, error_model="numpy")
def run_sequence(xs, Ps, mu, t0, ts, z, R, mcode, sp, mps, tau, use_ukf, ukf, out_x, out_P, out_mu, out_nis):
    """Filter a whole measurement sequence (times ``ts`` increasing) from (xs, Ps, mu) at t0.

    Writes the mode-combined estimate after each update into out_x (N, 8), out_P (N, 8, 8),
    the mode probabilities into out_mu (N, K) and the NIS into out_nis (N,). In place on xs,
    Ps, mu (the final estimate). Returns the number of updates done.
    """
    N = ts.shape[0]
    t = t0
    for k in range(N):
        nis, _d = imm_step(xs, Ps, mu, ts[k] - t, z[k], R[k], mcode[k], sp[k], mps, tau, use_ukf, ukf)
        t = ts[k]
        combine(xs, Ps, mu, out_x[k], out_P[k])
        for j in range(mu.shape[0]):
            out_mu[k, j] = mu[j]
        out_nis[k] = nis
    return N

