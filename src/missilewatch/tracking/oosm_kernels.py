"""Numba kernel of the out-of-sequence buffer's reprocessing: a track rolled back to a buffered
estimate filters a time-ordered run of measurements again, with the mode chain's bookkeeping
(:mod:`missilewatch.tracking.modes`) after each update, in one compiled loop.

IMM arrays as in :mod:`imm_kernels`; ``tau_table`` (2, K) and ``window`` (s) as
:func:`bound_kernels.sojourn_times`; ``thrust`` (K,) the models with thrust.
"""

from __future__ import annotations

import math

from numba import njit

from missilewatch.tracking.bound_kernels import sojourn_times
from missilewatch.tracking.imm_kernels import imm_step


@njit(cache=True, nogil=True, error_model="numpy")
def collapse_modes(mu, tau, collapse_probability):
    """Drop (in place) the models under ``collapse_probability`` once no other model can turn
    into them (every other model's mean sojourn ``tau`` is infinite); as ``ModeKeeper.collapse``."""
    K = mu.shape[0]
    any_low = False
    for j in range(K):
        if 0.0 < mu[j] < collapse_probability:
            any_low = True
    if not any_low:
        return
    for j in range(K):
        low = mu[j] > 0.0 and mu[j] < collapse_probability
        if not low and math.isfinite(tau[j]):
            return
    total = 0.0
    for j in range(K):
        if mu[j] > 0.0 and mu[j] < collapse_probability:
            mu[j] = 0.0
        total += mu[j]
    for j in range(K):
        mu[j] /= total


@njit(cache=True, nogil=True, error_model="numpy")
def boost_and_collapse(mu, thrust, boost_threshold, t, last_boost_t, tau_table, window, collapse_probability):
    """After an update at ``t`` (s): the last time the thrust models (``thrust`` (K,) flags)
    held more than ``boost_threshold`` of ``mu``, returned, and the unreachable unlikely models
    dropped from ``mu`` in place (:func:`collapse_modes` with the sojourn times then)."""
    p_boost = 0.0
    for j in range(mu.shape[0]):
        if thrust[j]:
            p_boost += mu[j]
    if p_boost > boost_threshold:
        last_boost_t = max(last_boost_t, t)
    collapse_modes(mu, sojourn_times(t, last_boost_t, tau_table, window), collapse_probability)
    return last_boost_t


@njit(cache=True, nogil=True, error_model="numpy")
def refilter(xs, Ps, mu, t, last_boost_t, ts, z, R, mcode, sp, mps, tau_table, window, thrust,
             boost_threshold, collapse_probability, use_ukf, ukf, hxs, hPs, hmu, hnis, hdim, hlb):
    """Filter the measurements ``ts`` (n,), ``z`` (n, 4), ``R`` (n, 4, 4), ``mcode`` (n,),
    ``sp`` (n, 8) in order, in place of the estimate (``xs``, ``Ps``, ``mu`` at ``t``, last
    boosting at ``last_boost_t``): per measurement one IMM cycle with the sojourn times at the
    step's start, the last boosting time moved on when the thrust models' probability exceeds
    ``boost_threshold``, the models collapsed. The estimate after each goes into the history
    rows ``hxs`` (n, K, 8), ``hPs``, ``hmu``, with its NIS ``hnis``, dof ``hdim`` and last
    boosting time ``hlb``. Returns the final (t, last_boost_t)."""
    for i in range(ts.shape[0]):
        tau = sojourn_times(t, last_boost_t, tau_table, window)
        nis, d = imm_step(xs, Ps, mu, ts[i] - t, z[i], R[i], mcode[i], sp[i], mps, tau, use_ukf, ukf)
        t = ts[i]
        last_boost_t = boost_and_collapse(mu, thrust, boost_threshold, t, last_boost_t, tau_table, window,
                                          collapse_probability)
        hxs[i] = xs
        hPs[i] = Ps
        hmu[i] = mu
        hnis[i] = nis
        hdim[i] = d
        hlb[i] = last_boost_t
    return t, last_boost_t
