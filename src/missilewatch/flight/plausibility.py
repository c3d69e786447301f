"""Reported flight figures that no ballistic missile can produce together, refused with the
reason before any reconstruction is tried.

- A flight time shorter than the vacuum conic's: the two-body arc through the launch and impact
  points (spherical Earth of mean radius, no rotation) with the reported apogee is the
  fastest way to fly that range at that height; a real flight, which starts from rest and
  meets drag, takes longer. Reported times are rounded, so ``TIME_MARGIN`` is allowed.
- An apogee far above what the range allows: the most lofted flights on record have an apogee
  of about 6.5 times their range (Hwasong-18, 2023: 6,518 km over 1,002 km); above
  ``MAX_LOFT_RATIO`` x range + ``LOFT_ALLOWANCE_KM`` the flight would be a sounding rocket's
  near-vertical shot, not a missile's.
"""

from __future__ import annotations

import math

from missilewatch.earth.constants import GM_EARTH
from missilewatch.errors import InputError

EARTH_MEAN_RADIUS_M = 6_371_008.8
MAX_LOFT_RATIO = 8.0
LOFT_ALLOWANCE_KM = 200.0
TIME_MARGIN = 0.9


def vacuum_flight_time_s(range_km: float, apogee_km: float) -> float:
    """Time (s) of the symmetric two-body arc from the surface to the surface over a great-circle
    ``range_km`` with apoapsis ``apogee_km`` above a spherical Earth."""
    R = EARTH_MEAN_RADIUS_M
    ra = R + apogee_km * 1e3
    phi = max(range_km * 1e3 / (2 * R), 1e-6)  # half the range angle (>= 6 m of range: e < 1 in floats)
    e = (ra - R) / (ra - R * math.cos(phi))
    a = ra / (1 + e)
    theta = math.pi - phi  # true anomaly of the launch point (apoapsis at pi)
    E = 2 * math.atan2(math.sqrt(1 - e) * math.sin(theta / 2), math.sqrt(1 + e) * math.cos(theta / 2))
    M = E - e * math.sin(E)
    return 2 * (math.pi - M) * math.sqrt(a**3 / GM_EARTH)


def check_reported(range_km: float, apogee_km: float, flight_time_s: float | None = None) -> None:
    """InputError naming the figure when range, apogee and flight time cannot go together."""
    if not (math.isfinite(range_km) and math.isfinite(apogee_km)) or range_km <= 0 or apogee_km <= 0:
        return  # the caller's own checks name non-finite or negative figures
    top = MAX_LOFT_RATIO * range_km + LOFT_ALLOWANCE_KM
    if apogee_km > top:
        raise InputError("apogee_km", apogee_km, f"is far above what a {range_km:,.0f} km range allows "
                         f"(at most {top:,.0f} km: {MAX_LOFT_RATIO:g} x range + {LOFT_ALLOWANCE_KM:g} km)")
    if flight_time_s is not None and math.isfinite(flight_time_s):
        fastest = vacuum_flight_time_s(range_km, apogee_km)
        if flight_time_s < TIME_MARGIN * fastest:
            raise InputError("flight_time_s", flight_time_s, f"is shorter than the vacuum arc over "
                             f"{range_km:,.0f} km with apogee {apogee_km:,.0f} km ({fastest:,.0f} s)")
