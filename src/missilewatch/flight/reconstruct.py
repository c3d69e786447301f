"""Reconstruction of a flight from reported figures.

Given the launch site, the impact point (or azimuth and range) and the apogee (and optionally
the flight time), find a generic boost profile, launch azimuth, pitch programme and thrust
termination whose flight on the rotating Earth (J2 gravity, drag) lands on the impact point
with that apogee. Unknowns: azimuth, kick angle, cutoff time (and a burn-time scale when the
flight time is given); solved by SciPy ``least_squares`` on the impact miss (east, north) and
the apogee error, after a coarse grid search for the start (``profile_fit``). A reported
flight time that no plausible profile meets is reported with its residual, not hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

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
from missilewatch.flight.profile_fit import (
    FLIGHT_TIME_MATCH_S,
    LIFTOFF_TW_BOUNDS,
    MATCH_TOL_KM,
    ShapeFit,
    fit_flight_time,
    liftoff_thrust_to_weight,
    solve_shape,
)
from missilewatch.flight.propagate import GEOD, Trajectory, fly
from missilewatch.flight.range_band import StandardRangeBand, standard_range_band
from missilewatch.flight.sites import check_lat_lon, resolve_site

__all__ = ["MATCH_TOL_KM", "Reconstruction", "reconstruct", "with_band"]


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
    band: StandardRangeBand | None = None

    @property
    def flight_time_residual_s(self) -> float | None:
        """Fitted minus reported flight time, s (None when no flight time was reported)."""
        if self.reported_flight_time_s is None:
            return None
        return self.flight_time_s - self.reported_flight_time_s

    @property
    def apogee_residual_km(self) -> float:
        """Fitted minus reported apogee, km."""
        return self.apogee_km - self.reported_apogee_km

    @property
    def unmet_figures(self) -> tuple[str, ...]:
        """The reported figures that no plausible generic profile meets, each with the gap."""
        out = []
        res = self.flight_time_residual_s
        if res is not None and abs(res) > FLIGHT_TIME_MATCH_S:
            out.append(
                f"flight_time_s: reported {self.reported_flight_time_s:,.0f} s cannot be met by a generic "
                f"profile with lift-off thrust-to-weight {LIFTOFF_TW_BOUNDS[0]}-{LIFTOFF_TW_BOUNDS[1]} that "
                f"flies this range and apogee; fitted {self.flight_time_s:,.0f} s ({res:+,.0f} s)"
            )
        if self.impact_miss_km > MATCH_TOL_KM:
            out.append(f"impact: missed by {self.impact_miss_km:,.1f} km")
        if abs(self.apogee_residual_km) > MATCH_TOL_KM:
            out.append(f"apogee_km: fitted {self.apogee_km:,.0f} km ({self.apogee_residual_km:+,.1f} km)")
        return tuple(out)

    @property
    def figures_met(self) -> bool:
        """Every reported figure is met within its tolerance."""
        return not self.unmet_figures

    @property
    def liftoff_thrust_to_weight(self) -> float:
        return liftoff_thrust_to_weight(self.profile)

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
            "flight_time_residual_s": (None if self.flight_time_residual_s is None
                                       else round(self.flight_time_residual_s, 1)),
            "figures_met": self.figures_met,
            "unmet_figures": list(self.unmet_figures),
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
            "liftoff_thrust_to_weight": round(self.liftoff_thrust_to_weight, 3),
            "standard_range_km": round(self.standard_range_km, 1),
            "standard_range_rotating_km": round(self.standard_range_rotating_km, 1),
            "standard_range_energy_km": round(self.standard_range_energy_km, 1),
            "global_reach": self.global_reach,
            "standard_range_band": None if self.band is None else self.band.to_dict(),
            "ground_track": [
                {"t_s": round(float(t), 1), "lat_deg": round(float(a), 4), "lon_deg": round(float(o), 4),
                 "alt_km": round(float(h), 2)}
                for t, a, o, h in zip(gt["t_s"], gt["lat_deg"], gt["lon_deg"], gt["alt_km"], strict=True)
            ],
        }


def _check_positive(name: str, value: float | None, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value is None or not math.isfinite(value) or value <= 0:
        raise InputError(name, value, "must be a positive number")


def _fit_class(base: BoostProfile, lat0: float, lon0: float, lat_t: float, lon_t: float, az0: float,
               apogee_km: float, flight_time_s: float | None) -> ShapeFit:
    """The class's nominal profile fitted to range and apogee; with a flight time, the burn-time
    scale too (within the plausible lift-off thrust-to-weight ratios)."""
    fit = solve_shape(base, 1.0, lat0, lon0, lat_t, lon_t, az0, apogee_km)
    if flight_time_s is None or not fit.ok:
        return fit
    timed = fit_flight_time(base, lat0, lon0, lat_t, lon_t, az0, apogee_km, flight_time_s)
    if timed.ok and abs(timed.flight_time_s - flight_time_s) <= abs(fit.flight_time_s - flight_time_s):
        return timed
    return fit


@dataclass(frozen=True)
class FlightFit:
    """The generic profile and azimuth that fly reported figures (:func:`fit_flight`): the
    launch point and name, the target point (deg), the fitted azimuth (deg) and profile."""

    launch_name: str
    launch_lat_deg: float
    launch_lon_deg: float
    target_lat_deg: float
    target_lon_deg: float
    azimuth_deg: float
    profile: BoostProfile


def reconstruct(
    launch: str | Sequence[float],
    *,
    impact: tuple[float, float] | None = None,
    azimuth_deg: float | None = None,
    range_km: float | None = None,
    apogee_km: float,
    flight_time_s: float | None = None,
    range_class: RangeClass | str | None = None,
    band: bool = False,
) -> Reconstruction:
    """Reconstruct a flight from reported figures: :func:`fit_flight`, then its trajectory and
    the standard (minimum-energy) range of its profile on the azimuth, without and with the
    Earth's rotation.

    ``launch``: a site name from the catalogue or (lat_deg, lon_deg). Give either ``impact``
    (lat_deg, lon_deg) or ``azimuth_deg`` and ``range_km``. ``apogee_km`` is required;
    ``flight_time_s`` (optional) is matched as well as the profile allows.
    ``range_class`` forces the generic profile; by default the smallest class able to fly it
    (meeting the flight time if one can). A figure that no plausible profile meets is listed in
    ``unmet_figures`` with its gap, never silently replaced. ``band``: also compute the standard
    range over the plausible profiles (``StandardRangeBand``, a few seconds).
    Raises InputError on bad figures, ConvergenceError when no profile fits.
    """
    fit = fit_flight(launch, impact=impact, azimuth_deg=azimuth_deg, range_km=range_km, apogee_km=apogee_km,
                     flight_time_s=flight_time_s, range_class=range_class)
    prof, az, lat0, lon0 = fit.profile, fit.azimuth_deg, fit.launch_lat_deg, fit.launch_lon_deg
    traj = fly(lat0, lon0, az, prof, dt_out_s=1.0)
    std = standard_range(prof, lat0, lon0, az, rotating=False)
    std_rot = standard_range(prof, lat0, lon0, az, rotating=True)
    rec = Reconstruction(
        launch_name=fit.launch_name, launch_lat_deg=lat0, launch_lon_deg=lon0, azimuth_deg=az,
        profile=prof, trajectory=traj, standard=std, standard_rotating=std_rot,
        target_lat_deg=fit.target_lat_deg, target_lon_deg=fit.target_lon_deg, reported_apogee_km=apogee_km,
        reported_flight_time_s=flight_time_s, range_class=RangeClass.from_range_km(std.range_km),
    )
    return with_band(rec) if band else rec


def fit_flight(
    launch: str | Sequence[float],
    *,
    impact: tuple[float, float] | None = None,
    azimuth_deg: float | None = None,
    range_km: float | None = None,
    apogee_km: float,
    flight_time_s: float | None = None,
    range_class: RangeClass | str | None = None,
) -> FlightFit:
    """The generic profile and azimuth that fly reported figures (arguments, errors and the
    choice of profile as :func:`reconstruct`, which adds the trajectory and its analysis; a
    simulation needs only the fit)."""
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
    best: ShapeFit | None = None
    for rc in classes:
        fit = _fit_class(generic_profile(rc), lat0, lon0, lat_t, lon_t, az_t, apogee_km, flight_time_s)
        if not fit.ok:
            miss = math.hypot(fit.residual_km[0], fit.residual_km[1])
            failures.append(f"{rc.value}: miss {miss:.1f} km, apogee off {abs(fit.residual_km[2]):.1f} km")
            continue
        if best is None or (flight_time_s is not None and abs(fit.flight_time_s - flight_time_s)
                            < abs(best.flight_time_s - flight_time_s)):
            best = fit
        if flight_time_s is None or abs(best.flight_time_s - flight_time_s) <= FLIGHT_TIME_MATCH_S:
            break  # the smallest class that meets every figure
    if best is None:
        raise ConvergenceError(
            f"no generic profile flies range {range_km:.0f} km with apogee {apogee_km:.0f} km "
            f"({'; '.join(failures)})"
        )
    return FlightFit(name, lat0, lon0, lat_t, lon_t, float(best.x[0]), best.profile)


def with_band(rec: Reconstruction) -> Reconstruction:
    """The reconstruction with its standard-range band over the plausible profiles."""
    if rec.band is not None:
        return rec
    az_t = GEOD.inv(rec.launch_lon_deg, rec.launch_lat_deg, rec.target_lon_deg, rec.target_lat_deg)[0]
    rng_band = standard_range_band(rec.profile, rec.standard_range_km, rec.launch_lat_deg, rec.launch_lon_deg,
                                   rec.target_lat_deg, rec.target_lon_deg, float(az_t), rec.reported_apogee_km,
                                   rec.reported_flight_time_s)
    return replace(rec, band=rng_band)
