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
from enum import StrEnum

import numpy as np
from scipy.optimize import minimize_scalar

from missilewatch.earth.constants import GM_EARTH
from missilewatch.errors import ConvergenceError
from missilewatch.flight.boost import BoostProfile
from missilewatch.flight.propagate import ForceModel, Trajectory, fly

# Mean Earth radius (IUGG R1), m: the sphere of the closed-form trajectory relations.
R_MEAN = 6_371_008.8

# Apogee relative to the minimum-energy apogee for the same range: above LOFTED_RATIO the
# trajectory is lofted, below DEPRESSED_RATIO depressed, in between standard.
LOFTED_RATIO = 1.5
DEPRESSED_RATIO = 0.6


class TrajectoryType(StrEnum):
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


# Kick angles (deg from vertical at the end of the pitch-over) scanned for the range-maximising
# pitch programme: fine at small kicks (long, low-thrust burns turn over by themselves under a
# gravity turn) and up to 80 deg (short, high-thrust burns barely turn).
KICK_SCAN_DEG = (0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 13.0,
                 16.0, 20.0, 25.0, 30.0, 36.0, 42.0, 50.0, 58.0, 66.0, 74.0, 80.0)


# Stretches of the vertical rise and pitch-over tried by the range-maximising re-flight.
RISE_STRETCH = (0.5, 1.0, 1.5, 2.0)


def _scored_range_km(tr: Trajectory, burn_end_s: float) -> float | None:
    """Ground-track length of a flight, km; None when it does not count as a ballistic flight:
    it falls back to the ground before thrust termination (the pitch programme flew it into the
    ground), or it never comes down (orbit, or beyond the propagation time)."""
    if not tr.impacted or tr.flight_time_s <= burn_end_s + 1.0:
        return None
    return tr.track_length_m / 1e3


def standard_range(
    profile: BoostProfile,
    launch_lat_deg: float,
    launch_lon_deg: float,
    azimuth_deg: float,
    *,
    rotating: bool,
) -> StandardRange:
    """Range (km, along the ground track) of ``profile`` on its range-maximising pitch programme.

    The kick angle is scanned over :data:`KICK_SCAN_DEG` (with the vertical rise and pitch-over
    stretched by :data:`RISE_STRETCH`) and refined around the best; flights that
    hit the ground while still under thrust never count. If a kick puts the missile into orbit,
    or the best flight reaches half the circumference, the missile has global reach.
    ``rotating=False``: a non-rotating Earth (the figure published analyses quote);
    ``rotating=True``: the rotating Earth, launched in ``azimuth_deg``.
    Raises ConvergenceError when no pitch programme flies the profile to a ballistic fall.
    """
    force = ForceModel(rotating=rotating)
    burn_end = profile.burn_end_s

    def flight(prof: BoostProfile, kick: float, dt: float) -> Trajectory:
        return fly(launch_lat_deg, launch_lon_deg, azimuth_deg, prof.with_(kick_deg=kick), force=force, dt_out_s=dt)

    # The vertical rise and pitch-over are part of the programme too: a low-thrust missile rises
    # longer before it turns (a 10-s rise tips it into a gravity turn at walking pace).
    best: tuple[float, float, BoostProfile] | None = None  # (km, kick, profile)
    for stretch in RISE_STRETCH:
        prof = profile.with_(vertical_s=profile.vertical_s * stretch, pitch_s=profile.pitch_s * stretch)
        scores = []
        for kick in KICK_SCAN_DEG:
            tr = flight(prof, kick, 30.0)
            km = _scored_range_km(tr, burn_end)
            if km is None and not tr.impacted:
                b = tr.burnout
                if energy_equivalent_range_km(float(np.linalg.norm(b[1:4])), float(np.linalg.norm(b[4:7]))) \
                        >= HALF_CIRCUMFERENCE_KM:
                    return StandardRange(HALF_CIRCUMFERENCE_KM, kick, math.inf, math.inf, global_reach=True)
            scores.append(-1.0 if km is None else km)
        i_best = int(np.argmax(scores))
        if scores[i_best] < 0:
            continue
        lo = KICK_SCAN_DEG[max(i_best - 1, 0)]
        hi = KICK_SCAN_DEG[min(i_best + 1, len(KICK_SCAN_DEG) - 1)]

        def neg_range(kick: float, prof: BoostProfile = prof) -> float:
            km = _scored_range_km(flight(prof, kick, 30.0), burn_end)
            return 0.0 if km is None else -km

        res = minimize_scalar(neg_range, bounds=(lo, hi), method="bounded", options={"xatol": 1e-3 * hi})
        cand = ((-float(res.fun), float(res.x)) if -res.fun >= scores[i_best]
                else (scores[i_best], KICK_SCAN_DEG[i_best]))
        if best is None or cand[0] > best[0]:
            best = (cand[0], cand[1], prof)
    if best is None:
        raise ConvergenceError(
            f"{profile.name} (burn {burn_end:.0f} s) falls back before burnout on every pitch programme"
        )
    _km, kick, best_prof = best
    tr = flight(best_prof, kick, 1.0)
    km = _scored_range_km(tr, burn_end)
    if km is None:  # refined kick went into orbit: that is global reach
        return StandardRange(HALF_CIRCUMFERENCE_KM, kick, math.inf, math.inf, global_reach=True)
    return StandardRange(min(km, HALF_CIRCUMFERENCE_KM), kick, tr.apogee_m / 1e3, tr.flight_time_s,
                         global_reach=km >= HALF_CIRCUMFERENCE_KM)
