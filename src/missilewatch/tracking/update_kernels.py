"""Numba kernel of the tracker's update of one track in its slot of the state arrays: the gate's
IMM prediction taken over, the measurement update, the mode chain's bookkeeping (last boosting
time, model collapse; :mod:`missilewatch.tracking.modes`), a copy for the out-of-sequence
buffer and the moment-matched estimate for the snapshot, in one call.

Arrays as :class:`~missilewatch.tracking.track_state.StateArrays` (``xs`` (N, K, 8), ``Ps``,
``mu`` (N, K), ``t_ref``, ``last_boost_t`` (N,)); ``tau_table`` (2, K) and ``window`` (s) as
:func:`bound_kernels.sojourn_times`; ``thrust`` (K,) the models with thrust.
"""

from __future__ import annotations

from numba import njit

from missilewatch.tracking.imm_kernels import combine, imm_correct
from missilewatch.tracking.oosm_kernels import boost_and_collapse


@njit(cache=True, nogil=True, error_model="numpy")
def update_slot(xs, Ps, mu, t_ref, last_boost_t, slot, pxs, pPs, pcbar, t, z, R, mcode, sp, use_ukf, ukf,
                tau_table, window, thrust, boost_threshold, collapse_probability, hxs, hPs, hmu, x, P):
    """Update the estimate in ``slot`` with the measurement (``z``, ``R``, ``mcode``, ``sp``) at
    ``t`` from the prediction to ``t`` (``pxs`` (K, 8), ``pPs``, ``pcbar`` (K,); not changed):
    the slot's time becomes ``t``, its last boosting time ``t`` when the thrust models'
    probability exceeds ``boost_threshold``, then the models under ``collapse_probability``
    are dropped where none can come back. The estimate is copied into ``hxs``, ``hPs``,
    ``hmu`` and moment-matched into ``x`` (8,), ``P`` (8, 8). Returns (NIS, dof, last boosting
    time) as :func:`imm_kernels.imm_correct`."""
    xk = xs[slot]
    Pk = Ps[slot]
    mk = mu[slot]
    xk[:] = pxs
    Pk[:] = pPs
    cbar = pcbar.copy()
    nis, d = imm_correct(xk, Pk, mk, cbar, z, R, mcode, sp, use_ukf, ukf)
    t_ref[slot] = t
    lb = boost_and_collapse(mk, thrust, boost_threshold, t, last_boost_t[slot], tau_table, window,
                            collapse_probability)
    last_boost_t[slot] = lb
    hxs[:] = xk
    hPs[:] = Pk
    hmu[:] = mk
    combine(xk, Pk, mk, x, P)
    return nis, d, lb
