"""Reconstruction of a flight from reported figures.

Given the launch site, the impact point (or azimuth and range) and the apogee (and optionally
the flight time), find a generic boost profile, launch azimuth, pitch programme and thrust
termination whose flight on the rotating Earth (J2 gravity, drag) lands on the impact point
with that apogee. Unknowns: azimuth, kick angle, cutoff time (and a burn-time scale when the
flight time is given); solved by SciPy ``least_squares`` on the impact miss (east, north) and
the apogee error, after a coarse grid search for the start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares, minimize_scalar

from missilewatch.errors import ConvergenceError, InputError
from missilewatch.flight.boost import BoostProfile, RangeClass, generic_profile
from missilewatch.flight.capability import (
    StandardRange,
    TrajectoryType,
    energy_equivalent_range_km,
    keplerian_surface_speed_mps,
    standard_range,
    trajectory_type,
)
from missilewatch.flight.plausibility import check_reported
from missilewatch.flight.propagate import GEOD, Trajectory, fly
from missilewatch.flight.sites import check_lat_lon, resolve_site

# Reconstruction tolerances: impact within 1 km of the target and apogee within 1 km.
MATCH_TOL_KM = 1.0
# Pitch-over beyond this would fly the boost through the dense atmosphere.
MAX_KICK_DEG = 45.0
# Burn times may be scaled by this much (same delta-v) to match a reported flight time.
BURN_SCALE_BOUNDS = (0.5, 2.0)


@dataclass(frozen=True)
class Reconstruction:
    """A reconstructed flight and its figures (SI inside, km/deg in the named fields)."""

    launch_name: str
    launch_lat_deg: float
    launch_lon_deg: float
    azimuth_deg: float
    profile: BoostProfile
    trajectory: Trajectory
    standard: StandardRange
    standard_rotating: StandardRange
    target_lat_deg: float
    target_lon_deg: float
    reported_apogee_km: float
    range_class: RangeClass
    reported_flight_time_s: float | None = None

    @property
    def flight_time_s(self) -> float:
        return self.trajectory.flight_time_s

    @property
    def range_km(self) -> float:
        return self.trajectory.ground_range_m / 1e3

    @property
    def apogee_km(self) -> float:
        return self.trajectory.apogee_m / 1e3

    @property
    def burnout_speed_mps(self) -> float:
        return self.trajectory.burnout_speed_mps

    @property
    def burnout_altitude_km(self) -> float:
        return self.trajectory.burnout_altitude_m / 1e3

    @property
    def burnout_time_s(self) -> float:
        return float(self.trajectory.burnout[0])

    @property
    def max_speed_mps(self) -> float:
        return float(self.trajectory.speed_mps.max())

    @property
    def impact_lat_deg(self) -> float:
        return self.trajectory.impact_lat_lon_deg[0]

    @property
    def impact_lon_deg(self) -> float:
        return self.trajectory.impact_lat_lon_deg[1]

    @property
    def impact_miss_km(self) -> float:
        """Distance from the reconstructed impact to the target point, km."""
        return GEOD.inv(self.target_lon_deg, self.target_lat_deg, self.impact_lon_deg,
                        self.impact_lat_deg)[2] / 1e3

    @property
    def standard_range_km(self) -> float:
        """Range on a minimum-energy trajectory, non-rotating Earth, km."""
        return self.standard.range_km

    @property
    def standard_range_energy_km(self) -> float:
        """Minimum-energy range of the burnout energy (published analyses' method), km."""
        b = self.trajectory.burnout
        return energy_equivalent_range_km(float(np.linalg.norm(b[1:4])), float(np.linalg.norm(b[4:7])))

    @property
    def global_reach(self) -> bool:
        """On its best trajectory the missile reaches any point on Earth."""
        return self.standard.global_reach

    @property
    def standard_range_rotating_km(self) -> float:
        """Range on a minimum-energy trajectory, rotating Earth, same azimuth, km."""
        return self.standard_rotating.range_km

    @property
    def trajectory_type(self) -> TrajectoryType:
        return trajectory_type(self.range_km, self.apogee_km)

    def ground_track(self, step_s: float = 10.0) -> dict[str, np.ndarray]:
        """Samples every ``step_s`` s plus the impact: t_s, lat_deg, lon_deg, alt_km arrays."""
        tr = self.trajectory
        lat, lon, h = tr.geodetic
        t = tr.t_s
        stride = max(1, int(round(step_s / (t[1] - t[0])))) if len(t) > 2 else 1
        idx = np.unique(np.r_[np.arange(0, len(t), stride), len(t) - 1])
        return {"t_s": t[idx], "lat_deg": lat[idx], "lon_deg": lon[idx], "alt_km": h[idx] / 1e3}

    def to_dict(self, track_step_s: float = 10.0) -> dict:
        """The JSON fields of ``missilewatch reconstruct --json``."""
        gt = self.ground_track(track_step_s)
        return {
            "launch": {"name": self.launch_name, "lat_deg": self.launch_lat_deg,
                       "lon_deg": self.launch_lon_deg},
            "azimuth_deg": round(self.azimuth_deg, 3),
            "flight_time_s": round(self.flight_time_s, 1),
            "reported_flight_time_s": self.reported_flight_time_s,
            "range_km": round(self.range_km, 1),
            "apogee_km": round(self.apogee_km, 1),
            "burnout_time_s": round(self.burnout_time_s, 1),
            "burnout_speed_mps": round(self.burnout_speed_mps, 1),
            "burnout_altitude_km": round(self.burnout_altitude_km, 1),
            "max_speed_mps": round(self.max_speed_mps, 1),
            "impact": {"lat_deg": round(self.impact_lat_deg, 4), "lon_deg": round(self.impact_lon_deg, 4),
                       "t_s": round(self.flight_time_s, 1)},
            "impact_miss_km": round(self.impact_miss_km, 3),
            "range_class": self.range_class.value,
            "trajectory_type": self.trajectory_type.value,
            "profile": self.profile.name,
            "kick_deg": round(self.profile.kick_deg, 3),
            "standard_range_km": round(self.standard_range_km, 1),
            "standard_range_rotating_km": round(self.standard_range_rotating_km, 1),
            "standard_range_energy_km": round(self.standard_range_energy_km, 1),
            "global_reach": self.global_reach,
            "ground_track": [
                {"t_s": round(float(t), 1), "lat_deg": round(float(a), 4), "lon_deg": round(float(o), 4),
                 "alt_km": round(float(h), 2)}
                for t, a, o, h in zip(gt["t_s"], gt["lat_deg"], gt["lon_deg"], gt["alt_km"])
            ],
        }


def _check_positive(name: str, value: float | None, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value is None or not math.isfinite(value) or value <= 0:
        raise InputError(name, value, "must be a positive number")


def _miss_vector_km(lat_t, lon_t, lat, lon) -> tuple[float, float]:
    """East and north components of the miss from target to point, km (geodesic)."""
    az, _baz, d = GEOD.inv(lon_t, lat_t, lon, lat)
    a = math.radians(az)
    return d * math.sin(a) / 1e3, d * math.cos(a) / 1e3


def _profile_at(base: BoostProfile, x: np.ndarray, burn_scale: float) -> BoostProfile:
    kick, cut_frac = float(x[1]), float(x[2])
    prof = base.scaled_burn(burn_scale) if burn_scale != 1.0 else base
    return prof.with_(kick_deg=kick, cutoff_s=max(1.0, cut_frac * prof.total_burn_s))


@dataclass
class _Fit:
    """One solved (azimuth, kick, cutoff fraction) for a burn-time scale."""

    x: np.ndarray
    residual_km: np.ndarray
    profile: BoostProfile
    flight_time_s: float

    @property
    def ok(self) -> bool:
        return (math.hypot(self.residual_km[0], self.residual_km[1]) <= MATCH_TOL_KM
                and abs(self.residual_km[2]) <= MATCH_TOL_KM)


def _solve_shape(base, burn_scale, lat0, lon0, lat_t, lon_t, az0, apogee_km, x_start=None) -> _Fit:
    """Least squares on (azimuth, kick, cutoff fraction): impact on target, apogee matched."""

    def residuals(x, dt=10.0):
        tr = fly(lat0, lon0, float(x[0]), _profile_at(base, x, burn_scale), dt_out_s=dt)
        if not tr.impacted:
            return np.full(3, 1e4)
        lat, lon = tr.impact_lat_lon_deg
        de, dn = _miss_vector_km(lat_t, lon_t, lat, lon)
        return np.array([de, dn, tr.apogee_m / 1e3 - apogee_km])

    if x_start is None:
        # Coarse start: kick and cutoff on a grid, azimuth straight at the target.
        best_cost = np.inf
        for kick in (0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 18.0, 24.0, 30.0):
            for frac in np.linspace(0.3, 1.0, 15):
                x = np.array([az0, kick, frac])
                cost = float(np.linalg.norm(residuals(x, dt=20.0)))
                if cost < best_cost:
                    x_start, best_cost = x, cost
    lo, hi = np.array([az0 - 20.0, 0.05, 0.05]), np.array([az0 + 20.0, MAX_KICK_DEG, 1.0])
    x0 = np.clip(x_start, lo + 1e-9, hi - 1e-9)
    sol = least_squares(residuals, x0, bounds=(lo, hi), x_scale=[1.0, 1.0, 0.05],
                        diff_step=1e-6, xtol=1e-10, ftol=1e-10, max_nfev=200)
    prof = _profile_at(base, sol.x, burn_scale)
    t_flight = fly(lat0, lon0, float(sol.x[0]), prof, dt_out_s=10.0).flight_time_s
    return _Fit(sol.x, sol.fun, prof, t_flight)


def _fit_profile(base, lat0, lon0, lat_t, lon_t, az0, apogee_km, flight_time_s) -> _Fit:
    """Solve the shape; with a flight time, also the burn-time scale that matches it best."""
    fit = _solve_shape(base, 1.0, lat0, lon0, lat_t, lon_t, az0, apogee_km)
    if flight_time_s is None or not fit.ok:
        return fit
    fits = {1.0: fit}

    def time_miss(scale: float) -> float:
        near = min(fits, key=lambda s: abs(s - scale))
        f = _solve_shape(base, scale, lat0, lon0, lat_t, lon_t, az0, apogee_km, fits[near].x)
        fits[scale] = f
        return abs(f.flight_time_s - flight_time_s) if f.ok else 1e9

    minimize_scalar(time_miss, bounds=BURN_SCALE_BOUNDS, method="bounded", options={"xatol": 1e-3})
    good = [f for f in fits.values() if f.ok]
    return min(good, key=lambda f: abs(f.flight_time_s - flight_time_s))


def reconstruct(
    launch,
    *,
    impact: tuple[float, float] | None = None,
    azimuth_deg: float | None = None,
    range_km: float | None = None,
    apogee_km: float,
    flight_time_s: float | None = None,
    range_class: RangeClass | str | None = None,
) -> Reconstruction:
    """Reconstruct a flight from reported figures.

    ``launch``: a site name from the catalogue or (lat_deg, lon_deg). Give either ``impact``
    (lat_deg, lon_deg) or ``azimuth_deg`` and ``range_km``. ``apogee_km`` is required;
    ``flight_time_s`` (optional) is matched as well as the profile allows.
    ``range_class`` forces the generic profile; by default the smallest class able to fly it.
    Raises InputError on bad figures, ConvergenceError when no profile fits.
    """
    if isinstance(launch, str):
        name, lat0, lon0 = resolve_site(launch)
    else:
        lat0, lon0 = (float(v) for v in launch)
        check_lat_lon(lat0, lon0, "launch")
        name = f"{lat0:.3f},{lon0:.3f}"
    _check_positive("apogee_km", apogee_km)
    _check_positive("flight_time_s", flight_time_s, allow_none=True)
    if impact is not None:
        if azimuth_deg is not None or range_km is not None:
            raise InputError("impact", impact, "give either the impact point or azimuth and range, not both")
        lat_t, lon_t = (float(v) for v in impact)
        check_lat_lon(lat_t, lon_t, "impact")
        az_t, _baz, dist = GEOD.inv(lon0, lat0, lon_t, lat_t)
        range_km = dist / 1e3
        if range_km < 1.0:
            raise InputError("impact", impact, "is within 1 km of the launch site")
    else:
        if azimuth_deg is None or range_km is None:
            raise InputError("impact", None, "give the impact point, or both azimuth and range")
        if not math.isfinite(azimuth_deg):
            raise InputError("azimuth_deg", azimuth_deg, "must be a finite number")
        _check_positive("range_km", range_km)
        if range_km > 19_000:
            raise InputError("range_km", range_km, "exceeds half the Earth's circumference")
        az_t = float(azimuth_deg)
        lon_t, lat_t, _ = GEOD.fwd(lon0, lat0, az_t, range_km * 1e3)
    if apogee_km > 20_000:
        raise InputError("apogee_km", apogee_km, "is beyond any ballistic missile (> 20,000 km)")
    check_reported(range_km, apogee_km, flight_time_s)

    v_needed = keplerian_surface_speed_mps(range_km, apogee_km)
    if range_class is not None:
        classes = [generic_profile(range_class).range_class]
    else:
        classes = [c for c in RangeClass if generic_profile(c).ideal_delta_v_mps > 0.9 * v_needed + 600.0]
        if not classes:
            raise ConvergenceError(
                f"range {range_km:.0f} km with apogee {apogee_km:.0f} km needs ~{v_needed:.0f} m/s, "
                "beyond every generic profile"
            )
    failures = []
    for rc in classes:
        base = generic_profile(rc)
        fit = _fit_profile(base, lat0, lon0, lat_t, lon_t, az_t, apogee_km, flight_time_s)
        prof = fit.profile
        if fit.ok:
            az = float(fit.x[0])
            traj = fly(lat0, lon0, az, prof, dt_out_s=1.0)
            std = standard_range(prof, lat0, lon0, az, rotating=False)
            std_rot = standard_range(prof, lat0, lon0, az, rotating=True)
            return Reconstruction(
                launch_name=name, launch_lat_deg=lat0, launch_lon_deg=lon0, azimuth_deg=az,
                profile=prof, trajectory=traj, standard=std, standard_rotating=std_rot,
                target_lat_deg=lat_t, target_lon_deg=lon_t, reported_apogee_km=apogee_km,
                reported_flight_time_s=flight_time_s,
                range_class=RangeClass.from_range_km(std.range_km),
            )
        miss = math.hypot(fit.residual_km[0], fit.residual_km[1])
        failures.append(f"{rc.value}: miss {miss:.1f} km, apogee off {abs(fit.residual_km[2]):.1f} km")
    raise ConvergenceError(
        f"no generic profile flies range {range_km:.0f} km with apogee {apogee_km:.0f} km "
        f"({'; '.join(failures)})"
    )
