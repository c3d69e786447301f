"""Numba kernels of the filters: EKF and UKF time and measurement updates, the IMM cycle,
gating of many measurements against many tracks, and whole-sequence filtering.

Written by hand because a measurement update must cost microseconds (the benchmark target is
50,000 updates per second) and filterpy/Stone Soup spend ~100 us per update in Python
overhead. Small dense linear algebra (d <= 4 measurement components, 8 states) is unrolled
into loops; the innovation covariance is factored by Cholesky.

Conventions: state (8,) and its layout as in :mod:`dynamics_kernels`; measurement ``z`` (4,)
and noise ``R`` (4, 4) padded past the code's dimension; sensor vector ``sp`` (8,) as in
:mod:`measurement_kernels`. Several models (IMM): states ``xs`` (K, 8), covariances
``Ps`` (K, 8, 8), probabilities ``mu`` (K,), model parameters ``mps`` (K, N_MODEL) and mean
sojourn times ``tau`` (K,) s of the Markov mode chain. ``ukf`` (3,) = UKF alpha, beta, kappa;
``use_ukf`` picks the unscented instead of the extended updates.
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
    process_noise,
    propagate_state,
    stop_thrust,
)
from missilewatch.tracking.measurement_kernels import meas_dim, measure, wrap_angle, wrap_index

_LOG_2PI = math.log(2.0 * math.pi)


# ---------------------------------------------------------------------------------------
# Small linear algebra
# ---------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, error_model="numpy")
def cholesky(A, n, L):
    """Lower Cholesky factor of the symmetric PSD n x n block of ``A`` into ``L``.

    Semi-definite matrices are accepted: a pivot below 1e-13 of its own diagonal entry gives a
    zero column (the direction has no uncertainty). The test is per entry, so that it does not
    depend on units: an innovation covariance holds m^2 (range, ~1e9 after a long coast) beside
    rad^2 (angles, ~1e-5), and a threshold relative to the largest entry would zero the
    angles. Returns False on a negative pivot (beyond round-off).
    """
    dmax = 0.0
    for i in range(n):
        if A[i, i] > dmax:
            dmax = A[i, i]
    for j in range(n):
        ajj = max(A[j, j], 0.0)
        s = A[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        for i in range(j + 1, n):
            L[j, i] = 0.0
        if s <= 1e-13 * ajj:
            if s < -1e-7 * ajj - 1e-15 * dmax:
                return False
            L[j, j] = 0.0
            for i in range(j + 1, n):
                L[i, j] = 0.0
            continue
        d = math.sqrt(s)
        L[j, j] = d
        for i in range(j + 1, n):
            t = A[i, j]
            for k in range(j):
                t -= L[i, k] * L[j, k]
            L[i, j] = t / d
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def chol_solve(L, n, b):
    """Solve (L L') y = b in place for a vector ``b`` (n,), L from :func:`cholesky`."""
    for i in range(n):
        t = b[i]
        for k in range(i):
            t -= L[i, k] * b[k]
        b[i] = t / L[i, i]
    for i in range(n - 1, -1, -1):
        t = b[i]
        for k in range(i + 1, n):
            t -= L[k, i] * b[k]
        b[i] = t / L[i, i]


@njit(cache=True, nogil=True, error_model="numpy")
def _symmetrize(P):
    n = P.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            a = 0.5 * (P[i, j] + P[j, i])
            P[i, j] = a
            P[j, i] = a


# ---------------------------------------------------------------------------------------
# Extended Kalman filter
# ---------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, error_model="numpy")
def innovation_moments(x, P, mcode, sp, R, zhat, H, S, PHt):
    """Predicted measurement ``zhat``, Jacobian ``H``, innovation covariance ``S`` = H P H' + R
    and P H' (EKF linearisation at ``x``). Returns the dimension."""
    d = meas_dim(mcode)
    measure(x, mcode, sp, zhat, H, True)
    n = N_STATE
    for i in range(n):
        for a in range(d):
            acc = 0.0
            for m in range(n):
                acc += P[i, m] * H[a, m]
            PHt[i, a] = acc
    for a in range(d):
        for b in range(d):
            acc = R[a, b]
            for m in range(n):
                acc += H[a, m] * PHt[m, b]
            S[a, b] = acc
    for a in range(d):
        for b in range(a + 1, d):
            s = 0.5 * (S[a, b] + S[b, a])
            S[a, b] = s
            S[b, a] = s
    return d


@njit(cache=True, nogil=True, error_model="numpy")
def mahalanobis(nu, S, d):
    """nu' S^-1 nu and ln det S for the d x d block of S; (inf, inf) if S is not PD."""
    L = np.empty((4, 4))
    if not cholesky(S, d, L):
        return math.inf, math.inf
    y = np.empty(4)
    logdet = 0.0
    for i in range(d):
        if L[i, i] <= 0.0:
            return math.inf, math.inf
        logdet += 2.0 * math.log(L[i, i])
        y[i] = nu[i]
    # Forward substitution only: nu' S^-1 nu = |L^-1 nu|^2.
    q = 0.0
    for i in range(d):
        t = y[i]
        for k in range(i):
            t -= L[i, k] * y[k]
        y[i] = t / L[i, i]
        q += y[i] * y[i]
    return q, logdet


@njit(cache=True, nogil=True, error_model="numpy")
def innovation(z, zhat, d, widx, nu):
    """nu = z - zhat with the angle component ``widx`` wrapped to [-pi, pi)."""
    for a in range(d):
        nu[a] = z[a] - zhat[a]
    if widx >= 0:
        nu[widx] = wrap_angle(nu[widx])


@njit(cache=True, nogil=True, error_model="numpy")
def gain_update(x, P, nu, S, PHt, H, R, d, joseph):
    """x += K nu, P updated with K = P H' S^-1 (Joseph form when ``joseph`` and H given).

    Returns (NIS, ln det S); NIS = inf (and nothing changed) if S is not positive definite.
    """
    n = N_STATE
    L = np.empty((4, 4))
    if not cholesky(S, d, L):
        return math.inf, math.inf
    logdet = 0.0
    for i in range(d):
        if L[i, i] <= 0.0:
            return math.inf, math.inf
        logdet += 2.0 * math.log(L[i, i])
    # K' = S^-1 (P H')' column by column: K[i, :] = S^-1 PHt[i, :]
    K = np.empty((n, 4))
    b = np.empty(4)
    for i in range(n):
        for a in range(d):
            b[a] = PHt[i, a]
        chol_solve(L, d, b)
        for a in range(d):
            K[i, a] = b[a]
    w = np.empty(4)
    for a in range(d):
        w[a] = nu[a]
    chol_solve(L, d, w)
    nis = 0.0
    for a in range(d):
        nis += nu[a] * w[a]
    for i in range(n):
        acc = 0.0
        for a in range(d):
            acc += K[i, a] * nu[a]
        x[i] += acc
    if joseph:
        # P = (I - K H) P (I - K H)' + K R K'
        IKH = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                acc = 1.0 if i == j else 0.0
                for a in range(d):
                    acc -= K[i, a] * H[a, j]
                IKH[i, j] = acc
        T = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                acc = 0.0
                for m in range(n):
                    acc += IKH[i, m] * P[m, j]
                T[i, j] = acc
        KR = np.empty((n, 4))
        for i in range(n):
            for a in range(d):
                acc = 0.0
                for c in range(d):
                    acc += K[i, c] * R[c, a]
                KR[i, a] = acc
        for i in range(n):
            for j in range(i, n):
                acc = 0.0
                for m in range(n):
                    acc += T[i, m] * IKH[j, m]
                for a in range(d):
                    acc += KR[i, a] * K[j, a]
                P[i, j] = acc
                P[j, i] = acc
    else:
        # P -= K S K' = K PHt'
        for i in range(n):
            for j in range(i, n):
                acc = 0.0
                for a in range(d):
                    acc += K[i, a] * PHt[j, a]
                P[i, j] -= acc
                if j != i:
                    P[j, i] = P[i, j]
    return nis, logdet


@njit(cache=True, nogil=True, error_model="numpy")
def ekf_update(x, P, z, R, mcode, sp):
    """EKF measurement update (Joseph form) in place; returns (NIS, ln det S, d)."""
    n = N_STATE
    zhat = np.empty(4)
    H = np.zeros((4, n))
    S = np.empty((4, 4))
    PHt = np.empty((n, 4))
    nu = np.empty(4)
    d = innovation_moments(x, P, mcode, sp, R, zhat, H, S, PHt)
    innovation(z, zhat, d, wrap_index(mcode), nu)
    nis, logdet = gain_update(x, P, nu, S, PHt, H, R, d, True)
    return nis, logdet, d


# ---------------------------------------------------------------------------------------
# Unscented Kalman filter
# ---------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, error_model="numpy")
def sigma_weights(ukf):
    """(lambda, Wm0, Wc0, Wi) of the scaled unscented transform for N_STATE states."""
    n = N_STATE
    alpha, beta, kappa = ukf[0], ukf[1], ukf[2]
    lam = alpha * alpha * (n + kappa) - n
    wm0 = lam / (n + lam)
    wc0 = wm0 + 1.0 - alpha * alpha + beta
    wi = 0.5 / (n + lam)
    return lam, wm0, wc0, wi


@njit(cache=True, nogil=True, error_model="numpy")
def sigma_points(x, P, lam, X):
    """2n+1 sigma points of (x, P) into rows of ``X``; False if P is not PSD."""
    n = N_STATE
    L = np.empty((n, n))
    if not cholesky(P, n, L):
        return False
    c = math.sqrt(n + lam)
    for j in range(n):
        X[0, j] = x[j]
    for k in range(n):
        for j in range(n):
            X[1 + k, j] = x[j] + c * L[j, k]
            X[1 + n + k, j] = x[j] - c * L[j, k]
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def ukf_predict(x, P, dt, mp, ukf):
    """UKF time update over ``dt`` (in place): sigma points through the equations of motion,
    plus the same process noise as the EKF's. Returns False if P is not PSD."""
    n = N_STATE
    lam, wm0, wc0, wi = sigma_weights(ukf)
    Q = np.empty((n, n))
    process_noise(x, dt, mp, Q)
    stop_thrust(x, P, dt, mp)
    X = np.empty((2 * n + 1, n))
    if not sigma_points(x, P, lam, X):
        return False
    for k in range(2 * n + 1):
        row = X[k].copy()
        propagate_state(row, dt, mp)
        X[k] = row
    for j in range(n):
        acc = wm0 * X[0, j]
        for k in range(1, 2 * n + 1):
            acc += wi * X[k, j]
        x[j] = acc
    for i in range(n):
        for j in range(i, n):
            acc = wc0 * (X[0, i] - x[i]) * (X[0, j] - x[j])
            for k in range(1, 2 * n + 1):
                acc += wi * (X[k, i] - x[i]) * (X[k, j] - x[j])
            acc += Q[i, j]
            P[i, j] = acc
            P[j, i] = acc
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def ukf_moments(x, P, mcode, sp, R, ukf, zhat, S, Pxz):
    """Unscented predicted measurement, innovation covariance and cross covariance."""
    n = N_STATE
    lam, wm0, wc0, wi = sigma_weights(ukf)
    d = meas_dim(mcode)
    widx = wrap_index(mcode)
    X = np.empty((2 * n + 1, n))
    if not sigma_points(x, P, lam, X):
        return -1
    Z = np.empty((2 * n + 1, 4))
    dummy = np.empty((4, n))
    zk = np.empty(4)
    for k in range(2 * n + 1):
        measure(X[k], mcode, sp, zk, dummy, False)
        for a in range(d):
            Z[k, a] = zk[a]
    # Angles averaged as offsets from the central point's, wrapped.
    if widx >= 0:
        for k in range(1, 2 * n + 1):
            Z[k, widx] = Z[0, widx] + wrap_angle(Z[k, widx] - Z[0, widx])
    for a in range(d):
        acc = wm0 * Z[0, a]
        for k in range(1, 2 * n + 1):
            acc += wi * Z[k, a]
        zhat[a] = acc
    for a in range(d):
        for b in range(d):
            acc = wc0 * (Z[0, a] - zhat[a]) * (Z[0, b] - zhat[b])
            for k in range(1, 2 * n + 1):
                acc += wi * (Z[k, a] - zhat[a]) * (Z[k, b] - zhat[b])
            S[a, b] = acc + R[a, b]
    for i in range(n):
        for a in range(d):
            acc = wc0 * (X[0, i] - x[i]) * (Z[0, a] - zhat[a])
            for k in range(1, 2 * n + 1):
                acc += wi * (X[k, i] - x[i]) * (Z[k, a] - zhat[a])
            Pxz[i, a] = acc
    if widx >= 0:
        zhat[widx] = zhat[widx] % (2.0 * math.pi)
    return d


@njit(cache=True, nogil=True, error_model="numpy")
def ukf_update(x, P, z, R, mcode, sp, ukf):
    """UKF measurement update in place; returns (NIS, ln det S, d)."""
    n = N_STATE
    zhat = np.empty(4)
    S = np.empty((4, 4))
    Pxz = np.empty((n, 4))
    nu = np.empty(4)
    d = ukf_moments(x, P, mcode, sp, R, ukf, zhat, S, Pxz)
    if d < 0:
        return math.inf, math.inf, meas_dim(mcode)
    innovation(z, zhat, d, wrap_index(mcode), nu)
    H = np.empty((4, n))
    nis, logdet = gain_update(x, P, nu, S, Pxz, H, R, d, False)
    _symmetrize(P)
    return nis, logdet, d


# ---------------------------------------------------------------------------------------
# One filter cycle, and the IMM
# ---------------------------------------------------------------------------------------


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
        Pxz = np.empty((n, 4))
        return ukf_moments(x, P, mcode, sp, R, ukf, zhat, S, Pxz)
    H = np.zeros((4, n))
    PHt = np.empty((n, 4))
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
def imm_step(xs, Ps, mu, dt, z, R, mcode, sp, mps, tau, use_ukf, ukf):
    """One IMM cycle (mix, predict each model over ``dt``, update with z, mode probabilities),
    in place. K = 1 is a plain EKF/UKF step.

    Returns (NIS, d): the NIS of z against the mode-mixed predicted measurement distribution.
    """
    K = mu.shape[0]
    n = N_STATE
    cbar = np.empty(K)
    imm_mix(xs, Ps, mu, dt, tau, mps, cbar)
    d = meas_dim(mcode)
    widx = wrap_index(mcode)
    loglik = np.full(K, -math.inf)
    zh = np.zeros((K, 4))
    Ss = np.zeros((K, 4, 4))
    nu = np.empty(4)
    for j in range(K):
        if cbar[j] <= 0.0:
            continue
        x = xs[j]
        P = Ps[j]
        if not time_update(x, P, dt, mps[j], use_ukf, ukf):
            cbar[j] = 0.0
            continue
        zhat = np.empty(4)
        S = np.empty((4, 4))
        if use_ukf:
            Pxz = np.empty((n, 4))
            if ukf_moments(x, P, mcode, sp, R, ukf, zhat, S, Pxz) < 0:
                cbar[j] = 0.0
                continue
            innovation(z, zhat, d, widx, nu)
            H = np.empty((4, n))
            Sc = S.copy()
            nis_j, logdet = gain_update(x, P, nu, Sc, Pxz, H, R, d, False)
            _symmetrize(P)
        else:
            H = np.zeros((4, n))
            PHt = np.empty((n, 4))
            innovation_moments(x, P, mcode, sp, R, zhat, H, S, PHt)
            innovation(z, zhat, d, widx, nu)
            Sc = S.copy()
            nis_j, logdet = gain_update(x, P, nu, Sc, PHt, H, R, d, True)
        for a in range(d):
            zh[j, a] = zhat[a]
            for b in range(d):
                Ss[j, a, b] = S[a, b]
        if math.isfinite(nis_j):
            loglik[j] = -0.5 * (nis_j + logdet + d * _LOG_2PI)
    # Mode probabilities.
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
    # NIS of the mixture of predicted measurements (weights cbar).
    zbar = np.zeros(4)
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
    Sbar = np.zeros((4, 4))
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
    innovation(z, zbar, d, widx, nu)
    nis, _ = mahalanobis(nu, Sbar, d)
    return nis, d


@njit(cache=True, nogil=True, error_model="numpy")
def predict_combined(xs, Ps, mu, dt, mps, tau, use_ukf, ukf, x, P):
    """Predict every model over ``dt`` (no mixing; copies) and moment-match into (x, P)."""
    K = mu.shape[0]
    n = N_STATE
    cbar = np.empty(K)
    Pi = np.empty((K, K))
    mode_transition(mu, dt, tau, Pi)
    for j in range(K):
        c = 0.0
        for i in range(K):
            c += Pi[i, j] * mu[i]
        cbar[j] = c
    xp = np.empty((K, n))
    Pp = np.empty((K, n, n))
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
    combine(xp, Pp, cbar, x, P)


@njit(cache=True, nogil=True, error_model="numpy")
def gate_matrix(xs, Ps, mu, t_tracks, t_scan, mps, taus, use_ukf, ukf, z, R, mcode, sp, min_mode_prob,
                d2, cost):
    """Gate distances d2 (T, M) and assignment costs (T, M) of M measurements (all taken at
    ``t_scan``) against T tracks, as the IMM cycle would predict them.

    ``taus`` (T, K): each track's mean sojourn times. Each track is mixed and every model
    predicted to ``t_scan``; d2 is the smallest
    Mahalanobis distance over the models whose predicted probability is at least
    ``min_mode_prob`` (and the most probable one), and the cost is -2 ln of the mixture
    likelihood sum_j c_j N(nu_j; 0, S_j) without the 2 pi terms.
    """
    T = xs.shape[0]
    M = z.shape[0]
    K = mu.shape[1]
    zhat = np.empty(4)
    S = np.empty((4, 4))
    nu = np.empty(4)
    cbar = np.empty(K)
    for t in range(T):
        x = xs[t].copy()
        P = Ps[t].copy()
        m_ = mu[t].copy()
        dt = t_scan - t_tracks[t]
        imm_mix(x, P, m_, dt, taus[t], mps, cbar)
        jbest = 0
        for j in range(K):
            if cbar[j] > cbar[jbest]:
                jbest = j
        for j in range(K):
            if cbar[j] > 0.0 and not time_update(x[j], P[j], dt, mps[j], use_ukf, ukf):
                cbar[j] = 0.0
        for m in range(M):
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
            d2[t, m] = best
            if math.isfinite(lse_max):
                acc = 0.0
                for j in range(K):
                    if math.isfinite(terms[j]):
                        acc += math.exp(terms[j] - lse_max)
                cost[t, m] = -2.0 * (lse_max + math.log(acc))
            else:
                cost[t, m] = math.inf


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


@njit(cache=True, nogil=True, error_model="numpy")
def ekf_sequence(x, P, t0, ts, z, R, mcode, sp, mp):
    """Single-model EKF over a whole sequence (in place on x, P); returns the NIS per update.

    The benchmark's loop: one time update and one measurement update per measurement.
    """
    N = ts.shape[0]
    nis = np.empty(N)
    t = t0
    for k in range(N):
        predict(x, P, ts[k] - t, mp)
        t = ts[k]
        q, _ld, _d = ekf_update(x, P, z[k], R[k], mcode[k], sp[k])
        nis[k] = q
    return nis
