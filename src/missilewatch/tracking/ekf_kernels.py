"""Numba kernels of the extended Kalman filter: innovation moments with the analytic measurement
Jacobian, the gain and Joseph-form covariance update, and a whole-sequence EKF loop.

Written by hand because a measurement update must cost microseconds (the benchmark target is
50,000 updates per second) and filterpy/Stone Soup spend ~100 us per update in Python
overhead. Small dense linear algebra (d <= MAX_MEAS_DIM measurement components, N_STATE
states) is unrolled into loops; the innovation covariance is factored by Cholesky.

Conventions: state (N_STATE,) as in :mod:`dynamics_kernels`; measurement ``z``
(MAX_MEAS_DIM,) and noise ``R`` (MAX_MEAS_DIM, MAX_MEAS_DIM) padded past the code's
dimension; sensor vector ``sp`` (8,) as in :mod:`measurement_kernels`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.tracking.dynamics_kernels import N_STATE, predict
from missilewatch.tracking.linalg_kernels import chol_solve, cholesky
from missilewatch.tracking.measurement_kernels import MAX_MEAS_DIM, meas_dim, measure, wrap_angle, wrap_index


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
    L = np.empty((MAX_MEAS_DIM, MAX_MEAS_DIM))
    if not cholesky(S, d, L):
        return math.inf, math.inf
    logdet = 0.0
    for i in range(d):
        if L[i, i] <= 0.0:
            return math.inf, math.inf
        logdet += 2.0 * math.log(L[i, i])
    # K' = S^-1 (P H')' column by column: K[i, :] = S^-1 PHt[i, :]
    K = np.empty((n, MAX_MEAS_DIM))
    b = np.empty(MAX_MEAS_DIM)
    for i in range(n):
        for a in range(d):
            b[a] = PHt[i, a]
        chol_solve(L, d, b)
        for a in range(d):
            K[i, a] = b[a]
    w = np.empty(MAX_MEAS_DIM)
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
        KR = np.empty((n, MAX_MEAS_DIM))
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
    zhat = np.empty(MAX_MEAS_DIM)
    H = np.zeros((MAX_MEAS_DIM, n))
    S = np.empty((MAX_MEAS_DIM, MAX_MEAS_DIM))
    PHt = np.empty((n, MAX_MEAS_DIM))
    nu = np.empty(MAX_MEAS_DIM)
    d = innovation_moments(x, P, mcode, sp, R, zhat, H, S, PHt)
    innovation(z, zhat, d, wrap_index(mcode), nu)
    nis, logdet = gain_update(x, P, nu, S, PHt, H, R, d, True)
    return nis, logdet, d


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

