"""Numba kernel of impact prediction: powered flight to burnout of many samples (the thrust
continuation of a track still in boost), with the tracking filters' equations of motion
(:mod:`missilewatch.tracking.dynamics_kernels`)."""

from __future__ import annotations

import numpy as np
from numba import njit

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
