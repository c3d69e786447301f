"""Standard range as a band over the plausible profiles of a lofted test.

Range and apogee fix the burnout energy of a test, not the missile: how long the motors burn and
how many stages they are in are left open, and they decide how much of the delta-v a lofted
boost spends against gravity compared with a standard one. So the same test re-flies to
different standard ranges depending on the assumed burn. Published analyses give a figure with
its spread for the same reason (e.g. D. Wright, UCS, 28 July 2017: "10,400 to 11,000 km").

Here every generic profile with one or two stages and a lift-off thrust-to-weight ratio within
``LIFTOFF_TW_BOUNDS`` (burn times scaled at equal delta-v) is fitted to the reported range and
apogee; those whose flight time disagrees with a reported one by more than the reporting
uncertainty are dropped; each remaining one is re-flown on its range-maximising pitch programme
(non-rotating Earth, the convention of published figures). The band is their spread; the
central figure is the reconstruction's own profile (the one that matches the flight time).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from missilewatch.errors import ConvergenceError
from missilewatch.flight.boost import BoostProfile, RangeClass, generic_profile
from missilewatch.flight.capability import HALF_CIRCUMFERENCE_KM, standard_range
from missilewatch.flight.profile_fit import burn_scale_bounds, liftoff_thrust_to_weight, scan_burn_scales

# A reported flight time is a rounded minute count from sensors of its own accuracy, and the
# generic model's flight time is itself within ~5 % of the official ones: profiles whose flight
# time is within this of the reported one are kept, s (the larger of the two).
FLIGHT_TIME_BAND_S = 90.0
FLIGHT_TIME_BAND_REL = 0.03
# Burn-time scales tried per stage count, evenly over the lift-off thrust-to-weight bounds.
N_SCALES = 7


def flight_time_tolerance_s(reported_s: float) -> float:
    """Flight-time disagreement within which a profile stays in the band, s."""
    return max(FLIGHT_TIME_BAND_S, FLIGHT_TIME_BAND_REL * reported_s)


@dataclass(frozen=True)
class ProfileRange:
    """One plausible profile: its stages, burn, lift-off T/W, flight time and standard range."""

    stages: int
    burn_s: float
    liftoff_tw: float
    flight_time_s: float
    standard_range_km: float
    global_reach: bool
    kept: bool  # False: its flight time disagrees with the reported one

    def to_dict(self) -> dict:
        return {"stages": self.stages, "burn_s": round(self.burn_s, 1), "liftoff_tw": round(self.liftoff_tw, 2),
                "flight_time_s": round(self.flight_time_s, 1),
                "standard_range_km": round(self.standard_range_km, 1), "global_reach": self.global_reach,
                "kept": self.kept}


@dataclass(frozen=True)
class StandardRangeBand:
    """Standard range (non-rotating Earth) over the plausible profiles, km."""

    low_km: float
    central_km: float
    high_km: float
    members: tuple[ProfileRange, ...]
    flight_time_tolerance_s: float | None
    # True when no plausible profile flies the reported flight time (within the tolerance): the
    # band is then over range and apogee alone, and the flight time is an unmet figure.
    flight_time_ignored: bool = False

    @property
    def kept(self) -> tuple[ProfileRange, ...]:
        return tuple(m for m in self.members if m.kept)

    @property
    def high_global_reach(self) -> bool:
        return self.high_km >= HALF_CIRCUMFERENCE_KM

    def holds(self, km: float) -> bool:
        return self.low_km <= km <= self.high_km

    def drivers(self) -> dict:
        """What moves the figure: range by burn time and by number of stages (kept profiles)."""
        out: dict = {}
        kept = self.kept
        if kept:
            shortest = min(kept, key=lambda m: m.burn_s)
            longest = max(kept, key=lambda m: m.burn_s)
            out["burn_time"] = {"burn_s": [round(shortest.burn_s), round(longest.burn_s)],
                                "standard_range_km": [round(shortest.standard_range_km),
                                                      round(longest.standard_range_km)]}
            for n in sorted({m.stages for m in kept}):
                km = [m.standard_range_km for m in kept if m.stages == n]
                out[f"{n}_stage"] = [round(min(km)), round(max(km))]
        return out

    def explanation(self) -> str:
        """One sentence on what drives the width."""
        d = self.drivers()
        if "burn_time" not in d or len(self.kept) < 2:
            return "only one plausible profile fits the reported figures: the band has no width"
        b = d["burn_time"]
        stages = ", ".join(f"{k.split('_')[0]} stage{'s' if k[0] != '1' else ''}: "
                           f"{v[0]:,}-{v[1]:,} km" for k, v in d.items() if k.endswith("_stage"))
        return (f"burn time drives the width ({b['burn_s'][0]}-{b['burn_s'][1]} s of burn give "
                f"{b['standard_range_km'][0]:,}-{b['standard_range_km'][1]:,} km: the longer the burn, "
                f"the more delta-v the lofted boost spent against gravity that a standard one keeps); "
                f"{stages}")

    def to_dict(self) -> dict:
        return {"low_km": round(self.low_km, 1), "central_km": round(self.central_km, 1),
                "high_km": round(self.high_km, 1), "high_global_reach": self.high_global_reach,
                "flight_time_tolerance_s": (None if self.flight_time_tolerance_s is None
                                            else round(self.flight_time_tolerance_s, 1)),
                "flight_time_ignored": self.flight_time_ignored,
                "drivers": self.drivers(), "explanation": self.explanation(),
                "profiles": [m.to_dict() for m in self.members]}


def _stages_burning(profile: BoostProfile) -> int:
    """Stages that ignite before thrust termination."""
    t, n = 0.0, 0
    for st in profile.stages:
        if t < profile.burn_end_s:
            n += 1
        t += st.burn_s
    return n


def band_bases(own: BoostProfile) -> tuple[BoostProfile, ...]:
    """Generic profiles the band scans: one stage (the reconstruction's own class when it has
    one stage, else the IRBM) and two stages (the ICBM)."""
    one = own if len(own.stages) == 1 else generic_profile(RangeClass.IRBM)
    one = generic_profile(one.range_class)
    return (one, generic_profile(RangeClass.ICBM))


def standard_range_band(
    own: BoostProfile,
    central_km: float,
    launch_lat_deg: float,
    launch_lon_deg: float,
    target_lat_deg: float,
    target_lon_deg: float,
    azimuth_deg: float,
    apogee_km: float,
    flight_time_s: float | None,
) -> StandardRangeBand:
    """The band of standard ranges over the plausible profiles that fly the reported figures.

    ``own``: the reconstruction's fitted profile and ``central_km`` its standard range; the other
    arguments as in the reconstruction (``azimuth_deg`` toward the target).
    """
    tol = None if flight_time_s is None else flight_time_tolerance_s(flight_time_s)
    members: list[ProfileRange] = []
    for base in band_bases(own):
        lo, hi = burn_scale_bounds(base)
        fits = scan_burn_scales(base, np.linspace(lo, hi, N_SCALES), launch_lat_deg, launch_lon_deg,
                                target_lat_deg, target_lon_deg, azimuth_deg, apogee_km)
        for f in fits:
            if not f.ok:
                continue
            kept = tol is None or flight_time_s is None or abs(f.flight_time_s - flight_time_s) <= tol
            try:
                std = standard_range(f.profile, launch_lat_deg, launch_lon_deg, float(f.x[0]), rotating=False)
            except ConvergenceError:
                continue
            members.append(ProfileRange(
                stages=_stages_burning(f.profile), burn_s=f.profile.burn_end_s,
                liftoff_tw=liftoff_thrust_to_weight(f.profile), flight_time_s=f.flight_time_s,
                standard_range_km=std.range_km, global_reach=std.global_reach, kept=kept,
            ))
    ignored = tol is not None and bool(members) and not any(m.kept for m in members)
    if ignored:
        members = [replace(m, kept=True) for m in members]
    km = [m.standard_range_km for m in members if m.kept] + [central_km]
    return StandardRangeBand(low_km=min(km), central_km=central_km, high_km=max(km),
                             members=tuple(members), flight_time_tolerance_s=tol, flight_time_ignored=ignored)
