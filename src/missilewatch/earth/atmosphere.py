"""US Standard Atmosphere 1976: density, temperature, pressure (vectorised public API).

Geometric altitude h in metres above mean sea level (the ellipsoid, here).  Density comes
from the O(1) Numba kernel (`kernels.atmosphere_density`, 0 at h > 1000 km, bottom layer
extrapolated below sea level).  Temperature is the 1976 closed form over -5 .. 1000 km.
Pressure is the closed form up to 86 km and the tabulated species sum above it.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from missilewatch.earth import _checks
from missilewatch.earth.kernels import _TABLE_PATH, H_TOP, atmosphere_density_v
from missilewatch.errors import DataError, InputError

__all__ = ["H_TOP", "density", "pressure", "temperature"]

# 1976 constants (NOAA-S/T 76-1562, section 1.2)
_G0 = 9.80665  # m/s^2
_M0 = 28.9644e-3  # kg/mol
_RSTAR = 8.31432  # J/(mol K)
_R0 = 6356766.0  # m, radius for geopotential altitude
_GMR = _G0 * _M0 / _RSTAR  # K/m

# Geopotential layers below 86 km: base H (m) and molecular-temperature lapse (K/m).
_HB = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
_LB = np.array([-6.5e-3, 0.0, 1.0e-3, 2.8e-3, 0.0, -2.8e-3, -2.0e-3, 0.0])


def _layer_bases() -> tuple[np.ndarray, np.ndarray]:
    tb = np.empty(_HB.size)
    pb = np.empty(_HB.size)
    tb[0], pb[0] = 288.15, 101325.0
    for i in range(1, _HB.size):
        dh = _HB[i] - _HB[i - 1]
        lapse = _LB[i - 1]
        tb[i] = tb[i - 1] + lapse * dh
        if lapse == 0.0:
            pb[i] = pb[i - 1] * math.exp(-_GMR * dh / tb[i - 1])
        else:
            pb[i] = pb[i - 1] * (tb[i - 1] / tb[i]) ** (_GMR / lapse)
    return tb, pb


_TB, _PB = _layer_bases()

# M/M0 between 80 and 86 km geometric (Table 8 of the 1976 report), 0.5 km steps.
_MRATIO_Z = np.arange(80_000.0, 86_001.0, 500.0)
_MRATIO = np.array(
    [
        1.000000,
        0.999996,
        0.999989,
        0.999971,
        0.999941,
        0.999909,
        0.999870,
        0.999829,
        0.999786,
        0.999741,
        0.999694,
        0.999641,
        0.999579,
    ]
)

_Z_MIN = -5000.0  # lowest altitude of the 1976 tables, m
_Z86 = 86_000.0


def _geopotential(z: np.ndarray) -> np.ndarray:
    return _R0 * z / (_R0 + z)


def _low_layers(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Molecular-scale temperature (K) and pressure (Pa) below 86 km (geometric z, m)."""
    hgp = _geopotential(z)
    i = np.clip(np.searchsorted(_HB, hgp, side="right") - 1, 0, _HB.size - 1)
    lapse = _LB[i]
    tm = _TB[i] + lapse * (hgp - _HB[i])
    with np.errstate(divide="ignore", invalid="ignore"):
        p_grad = _PB[i] * (_TB[i] / tm) ** (_GMR / np.where(lapse == 0.0, 1.0, lapse))
    p_iso = _PB[i] * np.exp(-_GMR * (hgp - _HB[i]) / _TB[i])
    return tm, np.where(lapse == 0.0, p_iso, p_grad)


def _high_temperature(z: np.ndarray) -> np.ndarray:
    """Kinetic temperature (K) 86 .. 1000 km (geometric z, m), 1976 eqs. (25)-(31)."""
    zk = z / 1000.0
    t = np.full_like(zk, 186.8673)
    m2 = (zk > 91.0) & (zk <= 110.0)
    t[m2] = 263.1905 - 76.3232 * np.sqrt(1.0 - ((zk[m2] - 91.0) / -19.9429) ** 2)
    m3 = (zk > 110.0) & (zk <= 120.0)
    t[m3] = 240.0 + 12.0 * (zk[m3] - 110.0)
    m4 = zk > 120.0
    xi = (zk[m4] - 120.0) * (6356.766 + 120.0) / (6356.766 + zk[m4])
    t[m4] = 1000.0 - (1000.0 - 360.0) * np.exp(-0.01875 * xi)
    return t


def _altitudes(h_m: npt.ArrayLike, top: float) -> np.ndarray:
    h = _checks.finite("h_m", h_m)
    bad = (h < _Z_MIN) | (h > top)
    if bad.any():
        raise InputError(
            "h_m", h[bad].flat[0].item(), f"altitude must be within [{_Z_MIN:g}, {top:g}] m"
        )
    return h


def density(h_m: npt.ArrayLike) -> float | np.ndarray:
    """Mass density (kg/m^3) at geometric altitude(s) h_m (m); 0 above 1000 km.

    Within 0.2 % of the 1976 tables over 0 .. 1000 km.  Below sea level the bottom layer is
    extrapolated (clamped at -100 km).  NaN/inf raise InputError("h_m").
    """
    h = _checks.finite("h_m", h_m)
    rho = atmosphere_density_v(np.ascontiguousarray(h, dtype=np.float64).reshape(-1))
    return _checks.scalar_or_array(h.shape, rho)


def temperature(h_m: npt.ArrayLike) -> float | np.ndarray:
    """Kinetic temperature (K) at geometric altitude(s) -5 km .. 1000 km (m)."""
    h = _altitudes(h_m, H_TOP)
    z = h.reshape(-1).astype(np.float64)
    t = np.empty_like(z)
    low = z < _Z86
    tm, _ = _low_layers(z[low])
    t[low] = tm * np.interp(z[low], _MRATIO_Z, _MRATIO, left=1.0, right=_MRATIO[-1])
    t[~low] = _high_temperature(z[~low])
    return _checks.scalar_or_array(h.shape, t)


def _load_log_pressure() -> np.ndarray:
    try:
        with np.load(_TABLE_PATH) as data:
            return np.asarray(data["log_p"], dtype=np.float64)
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"atmosphere table {_TABLE_PATH} lacks pressure: {exc}") from exc


_LOG_P = _load_log_pressure()
_Z_TABLE = np.linspace(0.0, H_TOP, _LOG_P.size)


def pressure(h_m: npt.ArrayLike) -> float | np.ndarray:
    """Pressure (Pa) at geometric altitude(s) -5 km .. 1000 km (m).

    Closed form (hydrostatic, geopotential layers) below 86 km; above, the 1976 species
    integration tabulated by scripts/make_atmosphere_table.py, interpolated in log space.
    """
    h = _altitudes(h_m, H_TOP)
    z = h.reshape(-1).astype(np.float64)
    p = np.empty_like(z)
    low = z < _Z86
    p[low] = _low_layers(z[low])[1]
    p[~low] = np.exp(np.interp(z[~low], _Z_TABLE, _LOG_P))
    return _checks.scalar_or_array(h.shape, p)
