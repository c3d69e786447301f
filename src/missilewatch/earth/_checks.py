"""Input checks shared by the public earth API (raise InputError naming the field)."""

from __future__ import annotations

import numpy as np

from missilewatch.errors import InputError


def _first_bad(a: np.ndarray, bad: np.ndarray) -> object:
    return a[bad].flat[0].item()


def finite(field: str, value: object) -> np.ndarray:
    """`value` as a float64 array; InputError if it is not numeric or holds NaN/inf."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(field, value, "must be a number or an array of numbers") from exc
    bad = ~np.isfinite(a)
    if bad.any():
        raise InputError(field, _first_bad(a, bad), "must be finite")
    return a


def latitude_deg(field: str, value: object) -> np.ndarray:
    """Finite latitude in degrees within [-90, 90]."""
    a = finite(field, value)
    bad = np.abs(a) > 90.0
    if bad.any():
        raise InputError(field, _first_bad(a, bad), "latitude must be within [-90, 90] degrees")
    return a


def latitude_rad(field: str, value: object) -> np.ndarray:
    """Finite latitude in radians within [-pi/2, pi/2]."""
    a = finite(field, value)
    bad = np.abs(a) > np.pi / 2
    if bad.any():
        raise InputError(field, _first_bad(a, bad), "latitude must be within [-pi/2, pi/2] rad")
    return a


def vectors(field: str, value: object) -> np.ndarray:
    """Finite float64 array of shape (..., 3)."""
    a = finite(field, value)
    if a.ndim == 0 or a.shape[-1] != 3:
        raise InputError(field, f"array of shape {a.shape}", "must have shape (..., 3)")
    return a


def scalar_or_array(shape: tuple[int, ...], arr: np.ndarray) -> float | np.ndarray:
    """Give a Python float back for scalar inputs, an array of `shape` otherwise."""
    if shape == ():
        return float(arr.reshape(-1)[0])
    return arr.reshape(shape)
