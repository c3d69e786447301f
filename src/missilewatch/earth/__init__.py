"""Earth model: WGS84 constants, frames, gravity and the US Standard Atmosphere 1976.

Public API (SI units; degrees only where a name says so):

- frames: geodetic2ecef, ecef2geodetic, ecef2enu, enu2ecef, enu2aer, aer2enu, ecef2aer,
  aer2ecef, geodetic2enu, geodetic2aer, aer2geodetic, enu_rotation, gmst_rad,
  j2000_seconds, eci2ecef, ecef2eci, eci2ecef_state, ecef2eci_state
- gravity: gravity(r_ecef, order=2)
- atmosphere: density(h_m), temperature(h_m), pressure(h_m)
- constants: WGS84_A, WGS84_F, WGS84_B, WGS84_E2, WGS84_EP2, GM_EARTH, OMEGA_EARTH, J2..J4

Numba scalar kernels for compiled callers live in `missilewatch.earth.kernels`.
"""

from missilewatch.earth.atmosphere import density, pressure, temperature
from missilewatch.earth.constants import (
    GM_EARTH,
    J2,
    J3,
    J4,
    OMEGA_EARTH,
    R_GRAVITY,
    WGS84_A,
    WGS84_B,
    WGS84_E2,
    WGS84_EP2,
    WGS84_F,
)
from missilewatch.earth.frames import (
    J2000_UTC,
    aer2ecef,
    aer2enu,
    aer2geodetic,
    ecef2aer,
    ecef2eci,
    ecef2eci_state,
    ecef2enu,
    ecef2geodetic,
    eci2ecef,
    eci2ecef_state,
    enu2aer,
    enu2ecef,
    enu_rotation,
    geodetic2aer,
    geodetic2ecef,
    geodetic2enu,
    gmst_rad,
    j2000_seconds,
)
from missilewatch.earth.gravity import gravity

__all__ = [
    "GM_EARTH",
    "J2",
    "J2000_UTC",
    "J3",
    "J4",
    "OMEGA_EARTH",
    "R_GRAVITY",
    "WGS84_A",
    "WGS84_B",
    "WGS84_E2",
    "WGS84_EP2",
    "WGS84_F",
    "aer2ecef",
    "aer2enu",
    "aer2geodetic",
    "density",
    "ecef2aer",
    "ecef2eci",
    "ecef2eci_state",
    "ecef2enu",
    "ecef2geodetic",
    "eci2ecef",
    "eci2ecef_state",
    "enu2aer",
    "enu2ecef",
    "enu_rotation",
    "geodetic2aer",
    "geodetic2ecef",
    "geodetic2enu",
    "gmst_rad",
    "gravity",
    "j2000_seconds",
    "pressure",
    "temperature",
]
