"""Radar detection probability against range: SNR ~ 1/R^4 and a Swerling I target.

For a Swerling I (slowly fluctuating, Rayleigh) target, one pulse, square-law detector, the
probability of detection at signal-to-noise ratio SNR with false-alarm probability Pfa per
resolution cell has the closed form (Skolnik, *Introduction to Radar Systems*, 3rd ed. 2.9;
Richards, *Fundamentals of Radar Signal Processing*, eq. 6.66):

    Pd = Pfa ** (1 / (1 + SNR))

The radar equation gives SNR = SNR_ref * (R_ref / R)^4 for the same target, so a radar is
described by the Pd it reaches at a reference range.
"""

from __future__ import annotations

import math

import numpy as np

from missilewatch.errors import InputError


def swerling1_pd(snr: np.ndarray, pfa: float) -> np.ndarray:
    """Detection probability of a Swerling I target at linear ``snr`` (not dB)."""
    return np.power(pfa, 1.0 / (1.0 + np.asarray(snr, dtype=float)))


def snr_for_pd(pd: float, pfa: float) -> float:
    """Linear SNR at which a Swerling I target is detected with probability ``pd``."""
    if not 0.0 < pfa < 1.0:
        raise InputError("pfa", pfa, "must be in (0, 1)")
    if not pfa < pd < 1.0:
        raise InputError("pd_ref", pd, f"must be in (pfa={pfa}, 1)")
    return math.log(pfa) / math.log(pd) - 1.0


def pd_at_range(range_m: np.ndarray, pd_ref: float, ref_range_m: float, pfa: float,
                rcs_scale: np.ndarray | float = 1.0) -> np.ndarray:
    """Pd at slant range ``range_m`` for a radar reaching ``pd_ref`` at ``ref_range_m``.

    ``rcs_scale`` multiplies the target's radar cross-section relative to the reference one.
    """
    snr_ref = snr_for_pd(pd_ref, pfa)
    r = np.maximum(np.asarray(range_m, dtype=float), 1.0)
    return swerling1_pd(snr_ref * np.asarray(rcs_scale, float) * (ref_range_m / r) ** 4, pfa)
