"""Gravitational acceleration of the Earth (vectorised public API).

Zonal field of EGM96/WGS84 through J4 (see `kernels.gravity_ecef`): ECEF positions in
metres, accelerations in m/s^2 in ECEF, without the centrifugal term (the rotating-frame
terms belong to the equations of motion).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from missilewatch.earth import _checks
from missilewatch.earth.kernels import gravity_ecef_v
from missilewatch.errors import InputError

__all__ = ["ORDERS", "gravity"]

#: Accepted values of `order`: 0 point mass, 2 + J2, 3 + J3, 4 + J4.
ORDERS = (0, 2, 3, 4)

_MIN_RADIUS_M = 100_000.0


def gravity(r_ecef: npt.ArrayLike, order: int = 2) -> np.ndarray:
    """Gravitational acceleration (..., 3) m/s^2 at ECEF position(s) r_ecef (..., 3) m."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order not in ORDERS:
        raise InputError("order", order, f"must be one of {ORDERS}")
    r = _checks.vectors("r_ecef", r_ecef)
    flat = np.ascontiguousarray(r, dtype=np.float64).reshape(-1, 3)
    rn = np.sqrt(np.einsum("ij,ij->i", flat, flat))
    if rn.size and rn.min() < _MIN_RADIUS_M:
        raise InputError(
            "r_ecef", float(rn.min()), "point is within 100 km of the Earth's centre (m)"
        )
    return gravity_ecef_v(flat, int(order)).reshape(r.shape)
