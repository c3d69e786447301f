"""Earth constants: WGS84 ellipsoid, gravity field, rotation rate (SI units).

Sources:
- Ellipsoid (a, 1/f), GM and omega: NIMA TR8350.2, "Department of Defense World Geodetic
  System 1984", 3rd ed., amendment 1 (2000), table 3.1 / 3.3.
- Zonal harmonics J2, J3, J4: unnormalised values of the EGM96 geopotential model
  (Lemoine et al., NASA/TP-1998-206861), J_n = -C_n0 = -sqrt(2n+1) * Cbar_n0, as listed in
  TR8350.2 and in Vallado, "Fundamentals of Astrodynamics and Applications", table D-1.
"""

from __future__ import annotations

import math

#: WGS84 semi-major axis (equatorial radius), m.
WGS84_A: float = 6378137.0
#: WGS84 flattening (dimensionless).
WGS84_F: float = 1.0 / 298.257223563
#: WGS84 semi-minor axis (polar radius), m  (= a (1 - f) = 6356752.314245...).
WGS84_B: float = WGS84_A * (1.0 - WGS84_F)
#: First eccentricity squared, e^2 = f (2 - f).
WGS84_E2: float = WGS84_F * (2.0 - WGS84_F)
#: Second eccentricity squared, e'^2 = e^2 / (1 - e^2).
WGS84_EP2: float = WGS84_E2 / (1.0 - WGS84_E2)
#: First eccentricity.
WGS84_E: float = math.sqrt(WGS84_E2)

#: Earth's gravitational parameter (WGS84, including the atmosphere), m^3/s^2.
GM_EARTH: float = 3.986004418e14
#: Earth's mean angular velocity (WGS84), rad/s.
OMEGA_EARTH: float = 7.292115e-5

#: Unnormalised zonal harmonics (EGM96 / WGS84), dimensionless.
J2: float = 1.08262668e-3
J3: float = -2.53265649e-6
J4: float = -1.61962159e-6
#: Reference radius of the zonal harmonics, m.
R_GRAVITY: float = 6378137.0

__all__ = [
    "GM_EARTH",
    "J2",
    "J3",
    "J4",
    "OMEGA_EARTH",
    "R_GRAVITY",
    "WGS84_A",
    "WGS84_B",
    "WGS84_E",
    "WGS84_E2",
    "WGS84_EP2",
    "WGS84_F",
]
