"""Numba kernels of impact prediction: powered flight to burnout of many samples (the thrust
continuation of a track still in boost) and the apogee of an arc, with the tracking filters' equations of motion
(:mod:`missilewatch.tracking.dynamics_kernels`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.earth.kernels import geodetic_height
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
def _height_after(base, tt, mp):
    st = base.copy()
    propagate_state(st, tt, mp)
    return geodetic_height(st[0], st[1], st[2])


@njit(cache=True, nogil=True, error_model="numpy")
def apogee_height(x, mp, t_limit_s):
    """Highest geodetic altitude (m) of the arc through state ``x`` (8,) under the model ``mp``:
    10-s steps forward while climbing (backward while descending) until the height drops,
    then a golden-section search within one step either side of the highest step."""
    s = x.copy()
    step = 10.0 if s[3] * s[0] + s[4] * s[1] + s[5] * s[2] > 0.0 else -10.0
    prev = s.copy()
    h_prev = geodetic_height(prev[0], prev[1], prev[2])
    t = 0.0
    while abs(t) < t_limit_s:
        nxt = prev.copy()
        propagate_state(nxt, step, mp)
        h_next = geodetic_height(nxt[0], nxt[1], nxt[2])
        if h_next < h_prev or h_next < 0.0:
            break
        prev, h_prev, t = nxt, h_next, t + step
    base = prev.copy()
    propagate_state(base, -abs(step), mp)
    lo, hi = 0.0, 2.0 * abs(step)
    g = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = hi - g * (hi - lo), lo + g * (hi - lo)
    fc, fd = _height_after(base, c, mp), _height_after(base, d, mp)
    for _ in range(40):
        if fc > fd:
            hi, d, fd = d, c, fc
            c = hi - g * (hi - lo)
            fc = _height_after(base, c, mp)
        else:
            lo, c, fc = c, d, fd
            d = lo + g * (hi - lo)
            fd = _height_after(base, d, mp)
        if hi - lo < 1e-3:
            break
    return max(fc, fd, h_prev)
