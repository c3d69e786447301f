"""Numba kernels of impact prediction: powered flight to burnout of many samples (the thrust
continuation of a track still in boost) and the apogee of an arc, with the tracking filters' equations of motion
(:mod:`missilewatch.tracking.dynamics_kernels`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.earth.constants import GM_EARTH, OMEGA_EARTH, WGS84_A
from missilewatch.earth.kernels import ecef_to_geodetic, geodetic_height
from missilewatch.flight import kernels as fk
from missilewatch.flight.propagate import NEVER_FALLS_PERIGEE_M
from missilewatch.tracking.dynamics_kernels import M_VE, propagate_state


@njit(cache=True, nogil=True, error_model="numpy")
def thrust_to_burnout(X, burn_s, ve, mp):
    """Fly each state (rows of ``X`` (N, 8)) for ``burn_s[i]`` s under the boost model ``mp``
    with exhaust velocity ``ve[i]`` (m/s); returns the burnout states (N, 8)."""
    n = X.shape[0]
    out = np.empty_like(X)
    p = mp.copy()
    for i in range(n):
        p[M_VE] = ve[i]
        x = X[i].copy()
        propagate_state(x, burn_s[i], p)
        out[i] = x
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _rate_and_height(s):
    """Rate of climb (m/s, the velocity along the geodetic normal, which is the gradient of the
    height above the ellipsoid) and that height (m) of state ``s``."""
    lat, lon, h = ecef_to_geodetic(s[0], s[1], s[2])
    cl = math.cos(lat)
    return cl * math.cos(lon) * s[3] + cl * math.sin(lon) * s[4] + math.sin(lat) * s[5], h


@njit(cache=True, nogil=True, error_model="numpy")
def _flown(s, tt, mp):
    st = s.copy()
    propagate_state(st, tt, mp)
    return st


#: The apogee's time is sought to this many seconds (its height is then exact to micrometres).
APOGEE_TIME_TOL_S = 1e-4
#: At most this many refinements of the apogee's time (it takes 3 to 5).
APOGEE_MAX_ITER = 40
#: Step (s) of the search for the highest point before the refinement.
APOGEE_STEP_S = 10.0


@njit(cache=True, nogil=True, error_model="numpy")
def apogee_height(x, mp, t_limit_s):
    """Highest geodetic altitude (m) of the arc through state ``x`` (8,) under the model ``mp``:
    10-s steps forward while climbing (backward while descending) until the height drops,
    then the root of the rate of climb within the step either side of the highest step
    (Illinois regula falsi, each try flown on from the latest state still climbing: the rate
    falls almost linearly, by about g, so 3 to 5 short flights do what ~20 flights of up to
    20 s did in a golden-section search on the height)."""
    step = APOGEE_STEP_S if x[3] * x[0] + x[4] * x[1] + x[5] * x[2] > 0.0 else -APOGEE_STEP_S
    prev = x.copy()
    h_prev = geodetic_height(prev[0], prev[1], prev[2])
    last = prev  # the step before prev (prev itself until a step is taken)
    nxt = prev
    t = 0.0
    stopped = False
    while abs(t) < t_limit_s:
        nxt = _flown(prev, step, mp)
        h_next = geodetic_height(nxt[0], nxt[1], nxt[2])
        if h_next < h_prev or h_next < 0.0:
            stopped = True
            break
        last, prev, h_prev, t = prev, nxt, h_next, t + step
    if not stopped:
        nxt = _flown(prev, step, mp)
    if last is prev:
        last = _flown(prev, -step, mp)
    # Earlier and later neighbours (10 s) of the highest step, in time order.
    early, late = (last, nxt) if step > 0.0 else (nxt, last)
    f_mid, _ = _rate_and_height(prev)
    if f_mid > 0.0:
        s_lo, s_hi = prev, late
    else:
        s_lo, s_hi = early, prev
    f_lo, h_lo = _rate_and_height(s_lo)
    f_hi, h_hi = _rate_and_height(s_hi)
    best = max(h_prev, h_lo, h_hi)
    if not (f_lo > 0.0 and f_hi < 0.0):
        return best  # no turning point inside: the highest of the ends and the step
    lo, hi = 0.0, abs(step)
    side = 0
    t_old = -1.0
    for _ in range(APOGEE_MAX_ITER):
        tt = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        st = _flown(s_lo, tt - lo, mp)
        f, h = _rate_and_height(st)
        best = max(best, h)
        if abs(tt - t_old) < APOGEE_TIME_TOL_S or f == 0.0:
            break
        t_old = tt
        if f > 0.0:
            lo, f_lo, s_lo = tt, f, st
            if side == -1:
                f_hi *= 0.5
            side = -1
        else:
            hi, f_hi = tt, f
            if side == 1:
                f_lo *= 0.5
            side = 1
    return best


@njit(cache=True, nogil=True, error_model="numpy")
def never_falls_row(x, y, z, vx, vy, vz, rotating):
    """:func:`missilewatch.flight.propagate.never_falls` of one ECEF state (m, m/s): its
    two-body perigee (inertial velocity) more than ``NEVER_FALLS_PERIGEE_M`` above the
    equatorial radius, or leaving on an escape orbit."""
    if rotating:
        vx, vy = vx - OMEGA_EARTH * y, vy + OMEGA_EARTH * x
    rn = math.sqrt(x * x + y * y + z * z)
    energy = 0.5 * (vx * vx + vy * vy + vz * vz) - GM_EARTH / rn
    hx, hy, hz = y * vz - z * vy, z * vx - x * vz, x * vy - y * vx
    h2 = hx * hx + hy * hy + hz * hz
    e = math.sqrt(max(1.0 + 2.0 * energy * h2 / GM_EARTH**2, 0.0))
    perigee = h2 / GM_EARTH / (1.0 + e)
    escaping = energy >= 0.0 and x * vx + y * vy + z * vz > 0.0
    return escaping or perigee > WGS84_A + NEVER_FALLS_PERIGEE_M


@njit(cache=True, nogil=True)
def sample_impacts(S, t0, inv_beta, order, rotating, drag, t_max, rtol, atol, h_max, impact, status, lat, lon):
    """Ground impacts of the samples of a prediction, as ``flight.propagate_to_impact`` finds
    them without trajectories, in one call: ``S`` (N, >=6) ECEF states, ``t0`` and
    ``inv_beta`` (N,). Writes ``impact`` (N, 7) = [t, r, v] (NaN where none), ``status`` (N,)
    (``flight.kernels.STATUS_*``) and the impact's geodetic ``lat``, ``lon`` (rad, NaN where
    none). States below the ellipsoid, or that provably stay up, are not integrated."""
    p = np.zeros(fk.N_PARAMS)
    p[fk.P_ORDER] = order
    p[fk.P_ROTATING] = rotating
    p[fk.P_DRAG] = drag
    p[fk.P_MODE] = fk.MODE_BALLISTIC
    k = np.empty((7, 6))
    work = np.empty((4, 6))
    grid = np.empty((1, 7))
    y = np.empty(6)
    for i in range(S.shape[0]):
        for j in range(6):
            y[j] = S[i, j]
        lat[i] = np.nan
        lon[i] = np.nan
        if geodetic_height(y[0], y[1], y[2]) < 0.0:
            status[i] = fk.STATUS_START_UNDERGROUND
            impact[i, :] = np.nan
            continue
        if never_falls_row(y[0], y[1], y[2], y[3], y[4], y[5], rotating != 0.0):
            status[i] = fk.STATUS_TIMEOUT
            impact[i, :] = np.nan
            continue
        p[fk.P_INV_BETA] = inv_beta[i]
        t, st, _gn = fk._propagate_one(y, t0[i], p, t_max, rtol, atol, h_max, 0.0, grid, k, work)
        status[i] = st
        impact[i, 0] = t
        for j in range(6):
            impact[i, j + 1] = y[j]
        la, lo, _h = ecef_to_geodetic(y[0], y[1], y[2])
        lat[i] = la
        lon[i] = lo
