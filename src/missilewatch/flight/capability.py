"""Range capability: what a tested missile would reach on a standard trajectory.

A lofted test (high apogee, short range) shows the missile's energy; published analyses
(e.g. D. Wright, Union of Concerned Scientists, 2017) convert it to the range the same missile
reaches on a minimum-energy trajectory. Here the same boost profile (same stages, same thrust
termination) is flown again with the pitch programme that maximises range, on a non-rotating
Earth and, for a given azimuth, on the rotating Earth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from scipy.optimize import minimize_scalar

from missilewatch.earth.constants import GM_EARTH
from missilewatch.flight.boost import BoostProfile
from missilewatch.flight.propagate import ForceModel, fly

# Mean Earth radius (IUGG R1), m: the sphere of the closed-form trajectory relations.
R_MEAN = 6_371_008.8

# Apogee relative to the minimum-energy apogee for the same range: above LOFTED_RATIO the
# trajectory is lofted, below DEPRESSED_RATIO depressed, in between standard.
LOFTED_RATIO = 1.5
DEPRESSED_RATIO = 0.6


class TrajectoryType(str, Enum):
    """Shape of a trajectory relative to the minimum-energy one of the same range."""

    STANDARD = "standard"
    LOFTED = "lofted"
    DEPRESSED = "depressed"


def minimum_energy_apogee_km(range_km: float, radius_m: float = R_MEAN) -> float:
    """Apogee altitude (km) of the minimum-energy Keplerian trajectory over ``range_km``.

    Closed form on a sphere: a = R (1 + sin(psi/2)) / 2, e = cos(psi/2) / (1 + sin(psi/2)),
    apogee radius a (1 + e); psi the range angle.
    """
    psi = range_km * 1e3 / radius_m
    s, c = math.sin(psi / 2.0), math.cos(psi / 2.0)
    a = radius_m * (1.0 + s) / 2.0
    e = c / (1.0 + s)
    return (a * (1.0 + e) - radius_m) / 1e3


def minimum_energy_speed_mps(range_km: float, radius_m: float = R_MEAN) -> float:
    """Speed at the surface of the minimum-energy Keplerian trajectory over ``range_km``, m/s."""
    psi = range_km * 1e3 / radius_m
    a = radius_m * (1.0 + math.sin(psi / 2.0)) / 2.0
    return math.sqrt(GM_EARTH * (2.0 / radius_m - 1.0 / a))


# Half the mean circumference, km: a range beyond it reaches every point of the Earth.
HALF_CIRCUMFERENCE_KM = math.pi * R_MEAN / 1e3


def minimum_energy_range_km(speed_mps: float, radius_m: float = R_MEAN) -> float:
    """Range (km) of the minimum-energy Keplerian trajectory flown with a surface speed.

    Inverse of :func:`minimum_energy_speed_mps` in closed form: with x = v^2 R / GM,
    sin(psi/2) = x / (2 - x). Capped at half the circumference (global reach).
    """
    x = speed_mps * speed_mps * radius_m / GM_EARTH
    if x >= 1.0:
        return HALF_CIRCUMFERENCE_KM
    return 2.0 * math.asin(x / (2.0 - x)) * radius_m / 1e3


def energy_equivalent_range_km(r_m: float, speed_mps: float, radius_m: float = R_MEAN) -> float:
    """Minimum-energy range (km) of a burnout state's energy: the state at radius ``r_m`` with
    ``speed_mps`` has the energy of a surface launch at sqrt(v^2 + 2 GM (1/R - 1/r)); the
    method of published conversions of lofted tests (it ignores the different gravity losses
    of a standard boost)."""
    v_eq2 = speed_mps * speed_mps + 2.0 * GM_EARTH * (1.0 / radius_m - 1.0 / r_m)
    return minimum_energy_range_km(math.sqrt(max(v_eq2, 0.0)), radius_m)


def keplerian_surface_speed_mps(range_km: float, apogee_km: float, radius_m: float = R_MEAN) -> float:
    """Speed at the surface of the Keplerian arc with a given range and apogee, m/s.

    The conic through the apogee radius r_a with both surface points at +-psi/2 from it:
    e = (r_a - R) / (r_a - R cos(psi/2)), a = r_a / (1 + e).
    """
    psi = range_km * 1e3 / radius_m
    r_a = radius_m + apogee_km * 1e3
    e = (r_a - radius_m) / (r_a - radius_m * math.cos(psi / 2.0))
    a = r_a / (1.0 + e)
    return math.sqrt(GM_EARTH * (2.0 / radius_m - 1.0 / a))


def trajectory_type(range_km: float, apogee_km: float) -> TrajectoryType:
    """Lofted, standard or depressed, from apogee against the minimum-energy apogee."""
    ratio = apogee_km / minimum_energy_apogee_km(max(range_km, 1.0))
    if ratio > LOFTED_RATIO:
        return TrajectoryType.LOFTED
    if ratio < DEPRESSED_RATIO:
        return TrajectoryType.DEPRESSED
    return TrajectoryType.STANDARD


@dataclass(frozen=True)
class StandardRange:
    """Maximum range of a boost profile and the kick angle (deg) that gives it.

    ``global_reach``: the missile reaches half the circumference or more (every point on
    Earth); ``range_km`` is then capped at :data:`HALF_CIRCUMFERENCE_KM`.
    """

    range_km: float
    kick_deg: float
    apogee_km: float
    flight_time_s: float
    global_reach: bool = False


def standard_range(
    profile: BoostProfile,
    launch_lat_deg: float,
    launch_lon_deg: float,
    azimuth_deg: float,
    *,
    rotating: bool,
) -> StandardRange:
    """Range (km, along the ground track) of ``profile`` on its range-maximising pitch programme.

    Flights that go into orbit score zero in the search; if the best one does, the missile
    has global reach.
    ``rotating=False``: a non-rotating Earth (the figure published analyses quote);
    ``rotating=True``: the rotating Earth, launched in ``azimuth_deg``.
    """
    force = ForceModel(rotating=rotating)

    def neg_range(kick: float) -> float:
        tr = fly(launch_lat_deg, launch_lon_deg, azimuth_deg, profile.with_(kick_deg=kick),
                 force=force, dt_out_s=30.0)
        return -tr.track_length_m if tr.impacted else 0.0

    # Coarse scan first: range against kick has one maximum, but flat tails at both ends.
    grid = [2.0 + 4.0 * i for i in range(11)]
    best = min(grid, key=neg_range)
    lo, hi = max(0.5, best - 4.0), min(60.0, best + 4.0)
    res = minimize_scalar(neg_range, bounds=(lo, hi), method="bounded", options={"xatol": 0.01})
    tr = fly(launch_lat_deg, launch_lon_deg, azimuth_deg, profile.with_(kick_deg=float(res.x)),
             force=force, dt_out_s=1.0)
    if not tr.impacted:  # the best pitch programme puts it in orbit
        return StandardRange(HALF_CIRCUMFERENCE_KM, float(res.x), math.inf, math.inf, global_reach=True)
    km = tr.track_length_m / 1e3
    return StandardRange(min(km, HALF_CIRCUMFERENCE_KM), float(res.x), tr.apogee_m / 1e3, tr.flight_time_s,
                         global_reach=km >= HALF_CIRCUMFERENCE_KM)

