"""Numba kernels of the tracking metrics: many track means predicted to the metric grid in one
call, with the filters' own mean propagation
(:func:`~missilewatch.tracking.imm_kernels.predict_mean_combined`: each model's mean propagated
alone with RK4 sub-steps, mixed with the Markov chain's predicted probabilities)."""

from __future__ import annotations

import numpy as np
from numba import njit

from missilewatch.tracking.dynamics_kernels import I_AT, M_THRUST, rk4_step_in, rk4_workspace, step_limit
from missilewatch.tracking.imm_kernels import mode_transition, predict_mean_combined, predicted_probabilities


@njit(cache=True, nogil=True, error_model="numpy")
def predict_means(X, rows, dt, mu, mps, tau, out):
    """``out[i]`` (N_STATE,) = the IMM mean of state ``X[rows[i]]`` predicted over ``dt[i]`` s
    (equal model probabilities ``mu``, models ``mps``, mode time constant ``tau``): the value
    ``predict_mean_combined`` gives for each row, to the bit.

    Rows of one state with growing ``dt`` (a track coasting across the grid) are not flown
    from the state each time: the sub-steps that ``propagate_state`` takes before its last one
    are the same for every longer ``dt``, so each model's state after them is kept and only the
    last sub-step is flown per row (cost linear in the coast, not quadratic)."""
    K = mu.shape[0]
    n = X.shape[1]
    start = np.empty((K, n))
    base = np.empty((K, n))
    done = np.zeros(K)
    tmp = np.empty(n)
    Pi = np.empty((K, K))
    cbar = np.empty(K)
    dummy = np.empty((1, 1))
    ws = rk4_workspace()
    cur = -1
    last = 0.0
    for i in range(rows.shape[0]):
        r = rows[i]
        total = dt[i]
        if total < 0.0:
            predict_mean_combined(X[r], mu, total, mps, tau, tmp)
            out[i] = tmp
            cur = -1
            continue
        if r != cur or total < last:
            cur = r
            for j in range(K):
                for a in range(n):
                    start[j, a] = X[r, a]
                if mps[j, M_THRUST] == 0.0:
                    start[j, I_AT] = 0.0
                for a in range(n):
                    base[j, a] = start[j, a]
                done[j] = 0.0
        last = total
        mode_transition(mu, total, tau, Pi)
        s = predicted_probabilities(Pi, mu, cbar)
        for a in range(n):
            out[i, a] = 0.0
        for j in range(K):
            cbar[j] /= s
            if cbar[j] > 0.0 and total != 0.0:
                mp = mps[j]
                while True:  # the full sub-steps (never the last one) of propagate_state
                    h = step_limit(base[j], mp)
                    if total - done[j] - h < 1e-9:
                        break
                    rk4_step_in(base[j], h, mp, dummy, False, ws)
                    done[j] += h
                for a in range(n):
                    tmp[a] = base[j, a]
                if done[j] < total:
                    rk4_step_in(tmp, total - done[j], mp, dummy, False, ws)
            else:
                for a in range(n):
                    tmp[a] = start[j, a]
            for a in range(n):
                out[i, a] += cbar[j] * tmp[a]
