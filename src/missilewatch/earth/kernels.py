"""Numba scalar kernels of the Earth model (WGS84 geometry, zonal gravity, USSA76 density).

Pure functions of floats, `math` only, no project objects, so they can be called from other
njit code (e.g. the flight propagator's inner loop) or moved to a GPU.  Units: radians,
metres, seconds; positions in ECEF (WGS84).  The `_v` forms loop the scalar kernels over
1-D float64 arrays of equal length (the public, broadcasting API is in `frames`,
`gravity` and `atmosphere`).

Written by hand (not pyproj) because they must be callable inside compiled loops;
they are tested against pyproj, pymap3d, the published 1976 tables and ussa1976.
Compiled with error_model="numpy": no checks on division, so a bad input (the Earth's
centre, NaN) gives NaN/inf instead of raising; the public wrappers validate first.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from numba import njit

from missilewatch.earth.constants import (
    GM_EARTH,
    J2,
    J3,
    J4,
    R_GRAVITY,
    WGS84_A,
    WGS84_B,
    WGS84_E2,
)
from missilewatch.errors import DataError

# ---------------------------------------------------------------------------------------
# Geodetic <-> ECEF
# ---------------------------------------------------------------------------------------

_A = WGS84_A
_B = WGS84_B
_E2 = WGS84_E2
_E4 = WGS84_E2 * WGS84_E2
_ONE_MINUS_E2 = 1.0 - WGS84_E2
_INV_A2 = 1.0 / (WGS84_A * WGS84_A)


@njit(cache=True, nogil=True, error_model="numpy")
def geodetic_to_ecef(lat, lon, h):
    """Geodetic (lat rad, lon rad, h m above the WGS84 ellipsoid) -> ECEF (x, y, z) m."""
    slat = math.sin(lat)
    clat = math.cos(lat)
    n = _A / math.sqrt(1.0 - _E2 * slat * slat)
    rxy = (n + h) * clat
    return rxy * math.cos(lon), rxy * math.sin(lon), (n * _ONE_MINUS_E2 + h) * slat


@njit(cache=True, nogil=True, error_model="numpy")
def _cbrt_near_one(a):
    """Cube root of a >= 1, fast where a < 1.05 (every point above h = -100 km).

    Series start 1 + e/3 - e^2/9 (error < 1e-5) and one Halley step (cubic convergence):
    correct to the last bit, about twice as fast as pow(a, 1/3).
    """
    e = a - 1.0
    if e > 0.05:
        return a ** (1.0 / 3.0)
    t = 1.0 + e * (1.0 / 3.0 - e * (1.0 / 9.0))
    t3 = t * t * t
    return t * (t3 + 2.0 * a) / (2.0 * t3 + a)


@njit(cache=True, nogil=True, error_model="numpy")
def _vermeille_k_d(x, y, z):
    """Auxiliary k and d of Vermeille (2011) for the ECEF point (x, y, z) m."""
    rho2 = x * x + y * y
    p = rho2 * _INV_A2
    q = _ONE_MINUS_E2 * z * z * _INV_A2
    r = (p + q - _E4) / 6.0
    s = _E4 * p * q / (4.0 * r * r * r)
    t = _cbrt_near_one(1.0 + s + math.sqrt(s * (2.0 + s)))
    u = r * (1.0 + t + 1.0 / t)
    v = math.sqrt(u * u + _E4 * q)
    w = _E2 * (u + v - q) / (2.0 * v)
    k = math.sqrt(u + v + w * w) - w
    d = k * math.sqrt(rho2) / (k + _E2)
    return k, d


@njit(cache=True, nogil=True, error_model="numpy")
def ecef_to_geodetic(x, y, z):
    """ECEF (x, y, z) m -> geodetic (lat rad, lon rad, h m), WGS84.

    Closed form of Vermeille (2011), "An analytical method to transform geocentric into
    geodetic coordinates", J. Geodesy 85:105-117, valid outside the evolute of the
    ellipse (all points more than ~45 km from the Earth's centre, i.e. every h > -6300 km).
    Exact to ~2e-8 m (see tests/earth); the z-axis and the poles need no special case.
    Longitude in (-pi, pi].
    """
    k, d = _vermeille_k_d(x, y, z)
    dz = math.sqrt(d * d + z * z)
    lat = 2.0 * math.atan2(z, d + dz)
    h = (k + _E2 - 1.0) / k * dz
    lon = math.atan2(y, x)
    if lon == -math.pi:  # y == -0.0 on the negative x half-axis
        lon = math.pi
    return lat, lon, h


@njit(cache=True, nogil=True, error_model="numpy")
def radial_height(x, y, z, r):
    """Height above the ellipsoid measured along the geocentric radius (m); ``r`` = |(x, y, z)|.

    Differs from the geodetic height by less than 0.6 m below 100 km and 5 m at 1,000 km
    (second order in the flattening). It costs one square root where the exact closed form
    costs a cube root and four: for uses, like the drag density, that need no more.
    """
    cos2 = (x * x + y * y) / (r * r)
    return r - _A * math.sqrt(_ONE_MINUS_E2 / (1.0 - _E2 * cos2))


@njit(cache=True, nogil=True, error_model="numpy")
def geodetic_height(x, y, z):
    """Height above the WGS84 ellipsoid (m) of the ECEF point (x, y, z) m.

    Same closed form and accuracy as `ecef_to_geodetic`, without the two arctangents.
    """
    k, d = _vermeille_k_d(x, y, z)
    return (k + _E2 - 1.0) / k * math.sqrt(d * d + z * z)


# ---------------------------------------------------------------------------------------
# Gravity
# ---------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, error_model="numpy")
def gravity_ecef(x, y, z, order):
    """Gravitational acceleration (m/s^2) at ECEF (x, y, z) m, in ECEF, no centrifugal term.

    Potential V = GM/r [1 - sum_{n=2..order} J_n (R/r)^n P_n(z/r)], g = grad V.
    order: 0 or 1 = point mass, 2 = + J2, 3 = + J2, J3, 4 = + J2, J3, J4.
    For each zonal term, with u = z/r and unit vector e = (x, y, z)/r:
        g_n = GM J_n R^n / r^(n+2) [((n+1) P_n(u) + u P_n'(u)) e - P_n'(u) e_z].
    """
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    inv_r = 1.0 / r
    ex = x * inv_r
    ey = y * inv_r
    ez = z * inv_r
    gm_r2 = GM_EARTH / r2
    # point mass
    radial = -gm_r2
    axial = 0.0
    if order >= 2:
        u = ez
        u2 = u * u
        rr = R_GRAVITY * inv_r
        c = gm_r2 * rr * rr  # GM R^2 / r^4
        p = 0.5 * (3.0 * u2 - 1.0)
        dp = 3.0 * u
        radial += c * J2 * (3.0 * p + u * dp)
        axial -= c * J2 * dp
        if order >= 3:
            c *= rr
            p = 0.5 * u * (5.0 * u2 - 3.0)
            dp = 0.5 * (15.0 * u2 - 3.0)
            radial += c * J3 * (4.0 * p + u * dp)
            axial -= c * J3 * dp
            if order >= 4:
                c *= rr
                p = (35.0 * u2 * u2 - 30.0 * u2 + 3.0) / 8.0
                dp = 0.5 * u * (35.0 * u2 - 15.0)
                radial += c * J4 * (5.0 * p + u * dp)
                axial -= c * J4 * dp
    return radial * ex, radial * ey, radial * ez + axial


# ---------------------------------------------------------------------------------------
# US Standard Atmosphere 1976 density
# ---------------------------------------------------------------------------------------

_TABLE_PATH = Path(__file__).with_name("data") / "ussa1976_density.npz"


def _load_density_table() -> tuple[np.ndarray, float, float]:
    try:
        with np.load(_TABLE_PATH) as data:
            log_rho = np.ascontiguousarray(data["log_rho"], dtype=np.float64)
            z0 = float(data["z0_m"])
            dz = float(data["dz_m"])
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"atmosphere table {_TABLE_PATH} is missing or damaged: {exc}") from exc
    if log_rho.ndim != 1 or log_rho.size < 2 or not np.all(np.isfinite(log_rho)) or dz <= 0.0:
        raise DataError(f"atmosphere table {_TABLE_PATH} is damaged")
    return log_rho, z0, dz


_LOG_RHO, _Z0, _DZ = _load_density_table()
_INV_DZ = 1.0 / _DZ
_N_LAST = _LOG_RHO.size - 2  # last usable cell index
#: Top of the model (m): density is 0 above.
H_TOP = _Z0 + _DZ * (_LOG_RHO.size - 1)

# Bottom layer of USSA76 (0 .. 11 km geopotential), used below sea level.
_R0_GEOPOT = 6356766.0  # m, USSA76 effective Earth radius for geopotential altitude
_T0 = 288.15  # K
_LAPSE0 = -0.0065  # K/m
_RHO0 = 1.2250  # kg/m^3 (1.225 from p0 M0 / (R* T0))
_G0 = 9.80665
_M0 = 28.9644e-3  # kg/mol
_RSTAR = 8.31432  # J/(mol K), the 1976 value
_EXP0 = -(_G0 * _M0 / (_RSTAR * _LAPSE0)) - 1.0  # density exponent of the bottom layer
_H_FLOOR = -100_000.0  # m, clamp for the sub-sea-level extrapolation


@njit(cache=True, nogil=True, error_model="numpy")
def atmosphere_density(h):
    """US Standard Atmosphere 1976 mass density (kg/m^3) at geometric altitude h (m).

    0 .. 1000 km: tabulated log(density) (uniform step, linear interpolation in log space,
    index computed arithmetically: O(1)).  h < 0: the 1976 bottom layer (lapse rate
    -6.5 K/km) extrapolated below sea level, exactly, clamped at h = -100 km.
    h > 1000 km: 0.0.  NaN in, NaN out.
    """
    if h != h:
        return math.nan
    if h > H_TOP:
        return 0.0
    if h < _Z0:
        hh = h if h > _H_FLOOR else _H_FLOOR
        hgp = _R0_GEOPOT * hh / (_R0_GEOPOT + hh)
        return _RHO0 * ((_T0 + _LAPSE0 * hgp) / _T0) ** _EXP0
    s = (h - _Z0) * _INV_DZ
    i = int(s)
    if i > _N_LAST:
        i = _N_LAST
    f = s - i
    a = _LOG_RHO[i]
    return math.exp(a + f * (_LOG_RHO[i + 1] - a))


# ---------------------------------------------------------------------------------------
# Vectorised forms (1-D float64 arrays)
# ---------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, error_model="numpy")
def geodetic_to_ecef_v(lat, lon, h):
    """Vectorised geodetic_to_ecef over 1-D arrays (rad, rad, m) -> (x, y, z) arrays, m."""
    n = lat.shape[0]
    x = np.empty(n)
    y = np.empty(n)
    z = np.empty(n)
    for i in range(n):
        x[i], y[i], z[i] = geodetic_to_ecef(lat[i], lon[i], h[i])
    return x, y, z


@njit(cache=True, nogil=True, error_model="numpy")
def ecef_to_geodetic_v(x, y, z):
    """Vectorised ecef_to_geodetic over 1-D arrays (m) -> (lat rad, lon rad, h m) arrays."""
    n = x.shape[0]
    lat = np.empty(n)
    lon = np.empty(n)
    h = np.empty(n)
    for i in range(n):
        lat[i], lon[i], h[i] = ecef_to_geodetic(x[i], y[i], z[i])
    return lat, lon, h


@njit(cache=True, nogil=True, error_model="numpy")
def geodetic_height_v(x, y, z):
    """Vectorised geodetic_height over 1-D arrays (m) -> h array (m)."""
    n = x.shape[0]
    h = np.empty(n)
    for i in range(n):
        h[i] = geodetic_height(x[i], y[i], z[i])
    return h


@njit(cache=True, nogil=True, error_model="numpy")
def gravity_ecef_v(r, order):
    """Vectorised gravity_ecef: r (N, 3) ECEF m -> (N, 3) gravitational acceleration m/s^2."""
    n = r.shape[0]
    g = np.empty((n, 3))
    for i in range(n):
        g[i, 0], g[i, 1], g[i, 2] = gravity_ecef(r[i, 0], r[i, 1], r[i, 2], order)
    return g


@njit(cache=True, nogil=True, error_model="numpy")
def atmosphere_density_v(h):
    """Vectorised atmosphere_density over a 1-D array of geometric altitudes (m) -> kg/m^3."""
    n = h.shape[0]
    rho = np.empty(n)
    for i in range(n):
        rho[i] = atmosphere_density(h[i])
    return rho
