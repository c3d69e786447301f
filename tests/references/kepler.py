"""Closed-form Keplerian flight (point-mass Earth, no rotation, no drag): the reference that
propagated flights are checked against.

The conic follows from the state (r0, v0); position along it is a function of true anomaly,
time from Kepler's equation. The impact is where the conic meets the WGS84 ellipsoid (altitude
0), found on the conic by a bracketing root search in true anomaly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from missilewatch.earth.constants import GM_EARTH
from missilewatch.earth.kernels import ecef_to_geodetic
from missilewatch.errors import InputError


@dataclass(frozen=True)
class KeplerArc:
    """A suborbital conic: elements and the impact on the ellipsoid.

    Lengths in m, times in s from the initial state, angles in rad. ``r_impact`` in the
    inertial frame that coincides with ECEF (the Earth does not turn).
    """

    a: float
    e: float
    apoapsis_radius: float
    t_apoapsis: float
    t_impact: float
    r_impact: np.ndarray
    r_apoapsis: np.ndarray


def _elements(r0: np.ndarray, v0: np.ndarray):
    r = float(np.linalg.norm(r0))
    v2 = float(v0 @ v0)
    h = np.cross(r0, v0)
    e_vec = np.cross(v0, h) / GM_EARTH - r0 / r
    e = float(np.linalg.norm(e_vec))
    a = 1.0 / (2.0 / r - v2 / GM_EARTH)
    if not (0.0 < e < 1.0 and a > 0.0):
        raise InputError("state", (r0, v0), "is not on a closed (elliptic) orbit")
    p_hat = e_vec / e
    q_hat = np.cross(h / np.linalg.norm(h), p_hat)
    nu0 = math.atan2(float(r0 @ q_hat), float(r0 @ p_hat))
    return a, e, p_hat, q_hat, nu0


def _time_since_periapsis(nu: float, a: float, e: float) -> float:
    """Time from periapsis to true anomaly nu in (-pi, 3pi), s (unwrapped across apoapsis)."""
    turns = math.floor((nu + math.pi) / (2.0 * math.pi))
    nu_w = nu - 2.0 * math.pi * turns
    big_e = 2.0 * math.atan(math.sqrt((1.0 - e) / (1.0 + e)) * math.tan(nu_w / 2.0))
    mean = big_e - e * math.sin(big_e) + 2.0 * math.pi * turns
    return mean / math.sqrt(GM_EARTH / a**3)


def kepler_arc(r0, v0) -> KeplerArc:
    """Closed-form flight from an inertial state (m, m/s) to the ellipsoid."""
    r0 = np.asarray(r0, dtype=float)
    v0 = np.asarray(v0, dtype=float)
    a, e, p_hat, q_hat, nu0 = _elements(r0, v0)
    p = a * (1.0 - e * e)

    def position(nu: float) -> np.ndarray:
        return p / (1.0 + e * math.cos(nu)) * (math.cos(nu) * p_hat + math.sin(nu) * q_hat)

    def height(nu: float) -> float:
        x, y, z = position(nu)
        return ecef_to_geodetic(x, y, z)[2]

    if nu0 > math.pi:
        nu0 -= 2.0 * math.pi
    nu_apo = math.pi
    if height(nu_apo) <= 0.0 or nu0 >= nu_apo:
        raise InputError("state", (r0, v0), "does not rise to an apoapsis above the ground")
    nu_imp = brentq(height, nu_apo, 2.0 * math.pi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    t0 = _time_since_periapsis(nu0, a, e)
    return KeplerArc(
        a=a,
        e=e,
        apoapsis_radius=a * (1.0 + e),
        t_apoapsis=_time_since_periapsis(nu_apo, a, e) - t0,
        t_impact=_time_since_periapsis(nu_imp, a, e) - t0,
        r_impact=position(nu_imp),
        r_apoapsis=position(nu_apo),
    )
