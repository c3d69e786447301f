"""Numba kernels of the unscented Kalman filter: scaled sigma points, the unscented time update
through the equations of motion and the unscented measurement moments. ``ukf`` (3,) = alpha,
beta, kappa of the scaled unscented transform; other conventions as in :mod:`ekf_kernels`."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.tracking.dynamics_kernels import N_STATE, process_noise, propagate_state, stop_thrust
from missilewatch.tracking.linalg_kernels import cholesky
from missilewatch.tracking.measurement_kernels import MAX_MEAS_DIM, meas_dim, measure, wrap_angle, wrap_index


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
    Z = np.empty((2 * n + 1, MAX_MEAS_DIM))
    dummy = np.empty((MAX_MEAS_DIM, n))
    zk = np.empty(MAX_MEAS_DIM)
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

