"""Generic boost-phase profiles by range class, and their thrust programme as kernel segments.

Generic physics only: round-number stages (exhaust velocity, burn time, mass ratio) that give
each class its typical burnout speed with thrust-to-weight ratios of 1.7 to 2.6. No real
missile's design data.

Thrust programme: vertical rise, a linear pitch-over to the kick angle, then a gravity turn
(thrust along the Earth-relative velocity) until thrust termination (``cutoff_s``) or the end of
the last stage. A stage burns at constant mass flow, so its acceleration is
``a(t) = ve / (tau - t)`` with ``tau = t_start + burn * MR / (MR - 1)``; its ideal delta-v is
``ve * ln(MR)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np

from missilewatch.errors import InputError
from missilewatch.flight import kernels as k


class RangeClass(StrEnum):
    """Range classes by standard-trajectory range (US/NASIC convention)."""

    SRBM = "SRBM"  # < 1,000 km
    MRBM = "MRBM"  # 1,000 - 3,000 km
    IRBM = "IRBM"  # 3,000 - 5,500 km
    ICBM = "ICBM"  # > 5,500 km

    @classmethod
    def parse(cls, value: RangeClass | str) -> RangeClass:
        """A class from its name, any case; ValueError when unknown."""
        return value if isinstance(value, cls) else cls(str(value).upper())

    @classmethod
    def from_range_km(cls, range_km: float) -> RangeClass:
        """Class of a missile from its standard-trajectory range in km."""
        if range_km < 1000.0:
            return cls.SRBM
        if range_km < 3000.0:
            return cls.MRBM
        if range_km < 5500.0:
            return cls.IRBM
        return cls.ICBM


@dataclass(frozen=True)
class Stage:
    """One rocket stage: burn time (s), effective exhaust velocity (m/s), mass ratio m0/mf.

    The mass ratio is that of the whole stack while this stage burns.
    """

    burn_s: float
    exhaust_velocity_mps: float
    mass_ratio: float

    def __post_init__(self) -> None:
        if not self.burn_s > 0:
            raise InputError("stage.burn_s", self.burn_s, "must be > 0 s")
        if not self.exhaust_velocity_mps > 0:
            raise InputError("stage.exhaust_velocity_mps", self.exhaust_velocity_mps, "must be > 0")
        if not self.mass_ratio > 1:
            raise InputError("stage.mass_ratio", self.mass_ratio, "must be > 1")

    @property
    def ideal_delta_v_mps(self) -> float:
        """Tsiolkovsky delta-v of the stage, m/s."""
        return self.exhaust_velocity_mps * math.log(self.mass_ratio)

    @property
    def initial_acceleration_mps2(self) -> float:
        """Thrust acceleration at ignition, m/s^2."""
        return self.exhaust_velocity_mps * (self.mass_ratio - 1.0) / (self.burn_s * self.mass_ratio)


@dataclass(frozen=True)
class BoostProfile:
    """A generic missile: stages, pitch programme, ballistic coefficients.

    ``vertical_s``: vertical rise; ``pitch_s``: duration of the pitch-over; ``kick_deg``: pitch
    from vertical at its end; ``cutoff_s``: thrust termination time from launch (None: burn all
    stages). ``beta_boost`` and ``beta_reentry`` are ballistic coefficients m/(Cd A), kg/m^2.
    """

    name: str
    range_class: RangeClass
    stages: tuple[Stage, ...]
    vertical_s: float = 10.0
    pitch_s: float = 10.0
    kick_deg: float = 5.0
    cutoff_s: float | None = None
    beta_boost: float = 30000.0
    beta_reentry: float = 8000.0

    def __post_init__(self) -> None:
        if not self.stages:
            raise InputError("profile.stages", self.stages, "needs at least one stage")
        if not 0.0 <= self.kick_deg < 90.0:
            raise InputError("profile.kick_deg", self.kick_deg, "must be in [0, 90) degrees")
        if self.cutoff_s is not None and not self.cutoff_s > 0:
            raise InputError("profile.cutoff_s", self.cutoff_s, "must be > 0 s")

    @property
    def total_burn_s(self) -> float:
        """Sum of stage burn times, s."""
        return sum(s.burn_s for s in self.stages)

    @property
    def burn_end_s(self) -> float:
        """Time of thrust termination from launch, s."""
        total = self.total_burn_s
        return total if self.cutoff_s is None else min(self.cutoff_s, total)

    @property
    def ideal_delta_v_mps(self) -> float:
        """Ideal delta-v of all stages, m/s (before cutoff, gravity and drag losses)."""
        return sum(s.ideal_delta_v_mps for s in self.stages)

    def with_(self, **changes: Any) -> BoostProfile:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def scaled_burn(self, factor: float) -> BoostProfile:
        """Same delta-v, all burn times (and the cutoff) multiplied by ``factor``."""
        stages = tuple(replace(s, burn_s=s.burn_s * factor) for s in self.stages)
        cutoff = None if self.cutoff_s is None else self.cutoff_s * factor
        return replace(self, stages=stages, cutoff_s=cutoff)


# Generic profiles: round numbers giving the class's typical burnout speed with margin, so that
# a thrust termination (cutoff) can reach any range in the class.
GENERIC_PROFILES: dict[RangeClass, BoostProfile] = {
    RangeClass.SRBM: BoostProfile(
        "generic SRBM", RangeClass.SRBM, (Stage(100.0, 2500.0, 5.5),),
        vertical_s=5.0, pitch_s=8.0, beta_boost=30000.0, beta_reentry=8000.0,
    ),
    RangeClass.MRBM: BoostProfile(
        "generic MRBM", RangeClass.MRBM, (Stage(120.0, 2700.0, 6.0),),
        vertical_s=8.0, pitch_s=10.0, beta_boost=30000.0, beta_reentry=7000.0,
    ),
    RangeClass.IRBM: BoostProfile(
        "generic IRBM", RangeClass.IRBM, (Stage(140.0, 3000.0, 10.0),),
        vertical_s=10.0, pitch_s=10.0, beta_boost=40000.0, beta_reentry=10000.0,
    ),
    RangeClass.ICBM: BoostProfile(
        "generic ICBM", RangeClass.ICBM,
        (Stage(130.0, 3000.0, 4.5), Stage(170.0, 3300.0, 6.0)),
        vertical_s=12.0, pitch_s=12.0, beta_boost=60000.0, beta_reentry=15000.0,
    ),
}


def generic_profile(range_class: RangeClass | str) -> BoostProfile:
    """The generic profile of a range class ("SRBM", "MRBM", "IRBM", "ICBM")."""
    try:
        return GENERIC_PROFILES[RangeClass.parse(range_class)]
    except ValueError:
        raise InputError("range_class", range_class, "must be one of SRBM, MRBM, IRBM, ICBM") from None


def build_segments(
    profile: BoostProfile,
    azimuth_rad: float,
    *,
    gravity_order: int = 2,
    rotating: bool = True,
    drag: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel segments (params (S, N_PARAMS), end times (S,)) of a boost then ballistic flight.

    Segment boundaries fall on every change of programme (end of vertical rise, end of
    pitch-over, staging, cutoff) so the integrator never steps across a discontinuity.
    """
    burn_end = profile.burn_end_s
    kick = math.radians(profile.kick_deg)
    t_pitch0 = profile.vertical_s
    t_pitch1 = profile.vertical_s + profile.pitch_s
    pitch_rate = kick / profile.pitch_s if profile.pitch_s > 0 else 0.0

    breaks = {0.0, burn_end}
    stage_windows = []
    t0 = 0.0
    for st in profile.stages:
        stage_windows.append((t0, t0 + st.burn_s, st))
        t0 += st.burn_s
        breaks.add(min(t0, burn_end))
    for tb in (t_pitch0, t_pitch1):
        if tb < burn_end:
            breaks.add(tb)
    times = sorted(b for b in breaks if b <= burn_end)

    rows, ends = [], []
    beta_inv_boost = 1.0 / profile.beta_boost
    for a, b in zip(times[:-1], times[1:], strict=True):
        if b - a <= 1e-9:
            continue
        mid = 0.5 * (a + b)
        start, _end, st = next(w for w in stage_windows if w[0] <= mid < w[1])
        p = np.zeros(k.N_PARAMS)
        p[k.P_ORDER] = gravity_order
        p[k.P_ROTATING] = 1.0 if rotating else 0.0
        p[k.P_DRAG] = 1.0 if drag else 0.0
        p[k.P_VE] = st.exhaust_velocity_mps
        p[k.P_TAU] = start + st.burn_s * st.mass_ratio / (st.mass_ratio - 1.0)
        p[k.P_T_SEG0] = a
        # Boost-vehicle drag falls with its mass; scale the stage-start coefficient.
        p[k.P_INV_BETA] = beta_inv_boost * (p[k.P_TAU] - start) / (p[k.P_TAU] - a)
        p[k.P_AZIMUTH] = azimuth_rad
        if mid < t_pitch0:
            p[k.P_MODE] = k.MODE_VERTICAL
        elif mid < t_pitch1:
            p[k.P_MODE] = k.MODE_PITCH
            p[k.P_PITCH_T0] = t_pitch0
            p[k.P_PITCH_RATE] = pitch_rate
            p[k.P_PITCH0] = 0.0
        else:
            p[k.P_MODE] = k.MODE_GRAVITY_TURN
        rows.append(p)
        ends.append(b)
    ballistic = np.zeros(k.N_PARAMS)
    ballistic[k.P_ORDER] = gravity_order
    ballistic[k.P_ROTATING] = 1.0 if rotating else 0.0
    ballistic[k.P_DRAG] = 1.0 if drag else 0.0
    ballistic[k.P_MODE] = k.MODE_BALLISTIC
    ballistic[k.P_INV_BETA] = 1.0 / profile.beta_reentry
    rows.append(ballistic)
    ends.append(np.inf)
    return np.array(rows), np.array(ends)
