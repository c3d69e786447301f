"""Numba kernels of impact prediction: batched powered flight to burnout (the thrust
continuation of a track still in boost) and batched state propagation.

Same equations of motion as the tracking filters (:mod:`missilewatch.tracking.dynamics_kernels`);
parallel over samples.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from missilewatch.tracking.dynamics_kernels import M_VE, propagate_state


@njit(cache=True, parallel=True)
def thrust_to_burnout(X, burn_s, ve, mp):
    """Fly each state (rows of ``X`` (N, 8)) for ``burn_s[i]`` s under the boost model ``mp``
    with exhaust velocity ``ve[i]`` (m/s); returns the burnout states (N, 8)."""
    n = X.shape[0]
    out = np.empty_like(X)
    for i in prange(n):
        p = mp.copy()
        p[M_VE] = ve[i]
        x = X[i].copy()
        propagate_state(x, burn_s[i], p)
        out[i] = x
    return out


@njit(cache=True, parallel=True)
def propagate_states(X, dt, mp):
    """Propagate each row of ``X`` (N, 8) by ``dt[i]`` s under model ``mp`` (N, 8) out."""
    n = X.shape[0]
    out = np.empty_like(X)
    for i in prange(n):
        x = X[i].copy()
        propagate_state(x, dt[i], mp)
        out[i] = x
    return out
