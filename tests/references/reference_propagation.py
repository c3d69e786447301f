"""Reference propagation with SciPy ``solve_ivp``: the accuracy reference (DOP853 at rtol 1e-12)
and the speed peer of the Numba propagator. Same force model (the same kernels' physics), an
impact event at altitude 0 on the ellipsoid, one state per call.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from missilewatch.earth.kernels import geodetic_height
from missilewatch.flight import kernels as k
from missilewatch.flight.propagate import ForceModel


def ballistic_params(beta: float, force: ForceModel) -> np.ndarray:
    """Kernel parameter vector of a ballistic segment (see flight.kernels P_*)."""
    p = np.zeros(k.N_PARAMS)
    p[k.P_INV_BETA] = 0.0 if not np.isfinite(beta) else 1.0 / beta
    p[k.P_ORDER] = force.gravity_order
    p[k.P_ROTATING] = 1.0 if force.rotating else 0.0
    p[k.P_DRAG] = 1.0 if force.drag else 0.0
    return p


def solve_ivp_impact(
    r0,
    v0,
    beta: float = np.inf,
    *,
    force: ForceModel = ForceModel(),
    method: str = "DOP853",
    rtol: float = 1e-12,
    atol=1e-6,
    t_max_s: float = 10_000.0,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Impact time (s), position and velocity (ECEF, m and m/s) of one ballistic state."""
    p = ballistic_params(beta, force)
    out = np.empty(6)

    def rhs(t, y):
        k.deriv(t, y, p, out)
        return out.copy()

    def ground(t, y):
        return geodetic_height(y[0], y[1], y[2])

    ground.terminal = True
    ground.direction = -1.0
    y0 = np.concatenate([np.asarray(r0, float), np.asarray(v0, float)])
    sol = solve_ivp(rhs, (0.0, t_max_s), y0, method=method, rtol=rtol, atol=atol, events=ground)
    if not sol.t_events[0].size:
        raise RuntimeError("reference propagation did not reach the ground")
    y = sol.y_events[0][0]
    return float(sol.t_events[0][0]), y[:3].copy(), y[3:].copy()


def reference_impact(r0, v0, beta: float = np.inf, *, force: ForceModel = ForceModel(),
                     t_max_s: float = 10_000.0) -> tuple[float, np.ndarray, np.ndarray]:
    """The accuracy reference: DOP853 at rtol 1e-12, atol 1e-6."""
    return solve_ivp_impact(r0, v0, beta, force=force, t_max_s=t_max_s)
