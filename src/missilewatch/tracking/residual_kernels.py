"""Numba kernel of one measurement's consistency with a track estimate: is the track near the
measurement (a cheap pre-test), its normalised innovation squared per degree of freedom, and
the clock offset that best explains the residual. The sensor-health check of the watch's edge
calls it once per (measurement, track) pair, so it is compiled (SI units, ECEF).

Measurement codes and sensor vector as :mod:`measurement_kernels`; ``z`` (MAX_MEAS_DIM,) and
``R`` (MAX_MEAS_DIM, MAX_MEAS_DIM) zero-padded as the tracker's kernel inputs.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.earth.constants import GM_EARTH, OMEGA_EARTH
from missilewatch.tracking.dynamics_kernels import N_STATE
from missilewatch.tracking.ekf_kernels import innovation, innovation_moments
from missilewatch.tracking.measurement_kernels import (
    MAX_MEAS_DIM,
    MC_LOS,
    MC_RAE,
    MC_RAE_RR,
    SP_LAT,
    SP_LON,
    wrap_index,
)

#: Results of :func:`near_nis_offset`.
NOT_NEAR = 0
FOUND = 1
FAILED = -1


@njit(cache=True, nogil=True, error_model="numpy")
def near(x, mcode, z, sp, near_m, near_rad):
    """Whether the track position ``x[:3]`` is within ``near_m`` of a radar detection's position
    or within ``near_rad`` of an infrared line of sight (always True for other codes)."""
    if mcode == MC_RAE or mcode == MC_RAE_RR:
        rng, az, el = z[0], z[1], z[2]
        e = rng * math.cos(el) * math.sin(az)
        n = rng * math.cos(el) * math.cos(az)
        u = rng * math.sin(el)
        lat, lon = sp[SP_LAT], sp[SP_LON]
        sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
        dx = sp[0] + (-so * e - sl * co * n + cl * co * u) - x[0]
        dy = sp[1] + (co * e - sl * so * n + cl * so * u) - x[1]
        dz = sp[2] + (cl * n + sl * u) - x[2]
        return math.sqrt(dx * dx + dy * dy + dz * dz) < near_m
    if mcode == MC_LOS:
        a, d = z[0], z[1]
        ux, uy, uz = math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d)
        wx, wy, wz = x[0] - sp[0], x[1] - sp[1], x[2] - sp[2]
        nw = math.sqrt(wx * wx + wy * wy + wz * wz)
        return nw > 0 and (ux * wx + uy * wy + uz * wz) / nw > math.cos(near_rad)
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def _invert(S, d, Si):
    """Inverse of the leading d x d block of S into Si (Gauss-Jordan, partial pivoting);
    False when singular."""
    A = np.zeros((MAX_MEAS_DIM, 2 * MAX_MEAS_DIM))
    for i in range(d):
        for j in range(d):
            A[i, j] = S[i, j]
        A[i, d + i] = 1.0
    for c in range(d):
        p = c
        for r in range(c + 1, d):
            if abs(A[r, c]) > abs(A[p, c]):
                p = r
        if A[p, c] == 0.0 or not math.isfinite(A[p, c]):
            return False
        if p != c:
            for j in range(2 * d):
                A[c, j], A[p, j] = A[p, j], A[c, j]
        piv = A[c, c]
        for j in range(2 * d):
            A[c, j] /= piv
        for r in range(d):
            if r != c and A[r, c] != 0.0:
                f = A[r, c]
                for j in range(2 * d):
                    A[r, j] -= f * A[c, j]
    for i in range(d):
        for j in range(d):
            Si[i, j] = A[i, d + j]
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def near_nis_offset(x, P, dt, mcode, z, R, sp, near_m, near_rad, out):
    """A track estimate ``x`` (8,), ``P`` (8, 8) against a measurement ``dt`` s later: NOT_NEAR
    when :func:`near` says no; else the estimate flown on by ``dt`` (gravity, Coriolis,
    centrifugal: a second-order step; linear covariance), and into ``out`` (2,) the NIS per
    degree of freedom and the clock offset (s, > 0: the sensor's clock is fast; NaN when the
    motion does not show it); FOUND, or FAILED when the innovation covariance is singular or
    the NIS not finite."""
    if not near(x, mcode, z, sp, near_m, near_rad):
        return NOT_NEAR
    n = N_STATE
    r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2]
    g = -GM_EARTH / r2**1.5
    w = OMEGA_EARTH
    acc = np.empty(3)
    acc[0] = g * x[0] + (2 * w * x[4] + w * w * x[0])
    acc[1] = g * x[1] + (-2 * w * x[3] + w * w * x[1])
    acc[2] = g * x[2]
    xt = x.copy()
    for i in range(3):
        xt[i] = x[i] + x[3 + i] * dt + 0.5 * acc[i] * dt * dt
        xt[3 + i] = x[3 + i] + acc[i] * dt
    # Pt = F P F' with F = I + dt in the position-velocity block.
    FP = P.copy()
    for i in range(3):
        for j in range(n):
            FP[i, j] = P[i, j] + dt * P[3 + i, j]
    Pt = FP.copy()
    for i in range(n):
        for j in range(3):
            Pt[i, j] = FP[i, j] + dt * FP[i, 3 + j]
    zhat = np.zeros(MAX_MEAS_DIM)
    H = np.zeros((MAX_MEAS_DIM, n))
    S = np.zeros((MAX_MEAS_DIM, MAX_MEAS_DIM))
    PHt = np.zeros((n, MAX_MEAS_DIM))
    d = innovation_moments(xt, Pt, mcode, sp, R, zhat, H, S, PHt)
    nu = np.empty(d)
    innovation(z, zhat, d, wrap_index(mcode), nu)
    Si = np.zeros((MAX_MEAS_DIM, MAX_MEAS_DIM))
    if not _invert(S, d, Si):
        return FAILED
    rate = np.zeros(MAX_MEAS_DIM)
    for i in range(d):
        s = 0.0
        for k in range(3):
            s += H[i, k] * xt[3 + k] + H[i, 3 + k] * acc[k]
        rate[i] = s
    nis = 0.0
    den = 0.0
    num = 0.0
    for i in range(d):
        for j in range(d):
            nis += nu[i] * Si[i, j] * nu[j]
            den += rate[i] * Si[i, j] * rate[j]
            num += rate[i] * Si[i, j] * nu[j]
    nis /= d
    if not math.isfinite(nis):
        return FAILED
    out[0] = nis
    out[1] = -num / den if den > 0 else math.nan
    return FOUND
