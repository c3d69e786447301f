"""Fitting a generic boost profile to reported figures: the shape (launch azimuth, kick angle,
thrust termination) that lands on the target with the reported apogee, and the burn-time scale
that matches a reported flight time.

Burn times are scaled with the delta-v kept (``BoostProfile.scaled_burn``), which changes the
thrust-to-weight ratio at lift-off; only missiles with a lift-off thrust-to-weight ratio within
:data:`LIFTOFF_TW_BOUNDS` are considered. Below ~1.2 a vehicle barely climbs (no ballistic
missile is built that way) and its gravity turn becomes a hover that any tiny kick tips into the
ground, so fits there are not physics but numerical accidents; above ~3 the generic pitch
programme (kick, then gravity turn) can no longer shape a standard trajectory.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, least_squares

from missilewatch.errors import ConvergenceError
from missilewatch.flight.boost import BoostProfile
from missilewatch.flight.propagate import GEOD, fly

# Reconstruction tolerances: impact within 1 km of the target and apogee within 1 km.
MATCH_TOL_KM = 1.0
# Pitch-over beyond this would fly the boost through the dense atmosphere.
MAX_KICK_DEG = 45.0
# Lift-off thrust-to-weight ratios of the profiles a fit may use (see the module docstring).
LIFTOFF_TW_BOUNDS = (1.2, 3.0)
# A fitted flight time within this of the reported one counts as met, s.
FLIGHT_TIME_MATCH_S = 2.0
# Bisections toward the edge of the feasible burn scales when a flight time is out of reach.
N_EDGE_BISECTIONS = 14
# Standard gravity, m/s^2 (thrust-to-weight ratios).
G0 = 9.80665


def liftoff_thrust_to_weight(profile: BoostProfile) -> float:
    """Thrust-to-weight ratio of a profile at lift-off (first stage ignition)."""
    return profile.stages[0].initial_acceleration_mps2 / G0


def burn_scale_bounds(profile: BoostProfile) -> tuple[float, float]:
    """Burn-time scales that keep the lift-off thrust-to-weight ratio within LIFTOFF_TW_BOUNDS."""
    tw = liftoff_thrust_to_weight(profile)
    return tw / LIFTOFF_TW_BOUNDS[1], tw / LIFTOFF_TW_BOUNDS[0]


def miss_vector_km(lat_t: float, lon_t: float, lat: float, lon: float) -> tuple[float, float]:
    """East and north components of the miss from target to point, km (geodesic)."""
    az, _baz, d = GEOD.inv(lon_t, lat_t, lon, lat)
    a = math.radians(az)
    return d * math.sin(a) / 1e3, d * math.cos(a) / 1e3


def _profile_at(base: BoostProfile, x: np.ndarray, burn_scale: float) -> BoostProfile:
    kick, cut_frac = float(x[1]), float(x[2])
    prof = base.scaled_burn(burn_scale) if burn_scale != 1.0 else base
    return prof.with_(kick_deg=kick, cutoff_s=max(1.0, cut_frac * prof.total_burn_s))


@dataclass
class ShapeFit:
    """One solved (azimuth, kick, cutoff fraction) for a burn-time scale.

    ``residual_km``: impact miss east, north and apogee error (km).
    """

    x: np.ndarray
    residual_km: np.ndarray
    profile: BoostProfile
    flight_time_s: float
    burn_scale: float

    @property
    def ok(self) -> bool:
        return (math.hypot(self.residual_km[0], self.residual_km[1]) <= MATCH_TOL_KM
                and abs(self.residual_km[2]) <= MATCH_TOL_KM)


def solve_shape(base: BoostProfile, burn_scale: float, lat0: float, lon0: float, lat_t: float, lon_t: float,
                az0: float, apogee_km: float, x_start: np.ndarray | None = None) -> ShapeFit:
    """Least squares on (azimuth, kick, cutoff fraction): impact on target, apogee matched."""

    def residuals(x: np.ndarray, dt: float = 10.0) -> np.ndarray:
        tr = fly(lat0, lon0, float(x[0]), _profile_at(base, x, burn_scale), dt_out_s=dt)
        if not tr.impacted:
            return np.full(3, 1e4)
        lat, lon = tr.impact_lat_lon_deg
        de, dn = miss_vector_km(lat_t, lon_t, lat, lon)
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
        if x_start is None:  # every residual was NaN: nothing to start the least squares from
            raise ConvergenceError("no start point: every flight of the coarse grid gave NaN residuals")
    lo, hi = np.array([az0 - 20.0, 0.05, 0.05]), np.array([az0 + 20.0, MAX_KICK_DEG, 1.0])
    x0 = np.clip(x_start, lo + 1e-9, hi - 1e-9)
    sol = least_squares(residuals, x0, bounds=(lo, hi), x_scale=[1.0, 1.0, 0.05],
                        diff_step=1e-6, xtol=1e-10, ftol=1e-10, max_nfev=200)
    prof = _profile_at(base, sol.x, burn_scale)
    t_flight = fly(lat0, lon0, float(sol.x[0]), prof, dt_out_s=10.0).flight_time_s
    return ShapeFit(sol.x, sol.fun, prof, t_flight, burn_scale)


def scan_burn_scales(base: BoostProfile, scales: Iterable[float], lat0: float, lon0: float, lat_t: float,
                     lon_t: float, az0: float, apogee_km: float) -> list[ShapeFit]:
    """Shape fits along increasing burn-time scales, each started from its neighbour's solution."""
    fits: list[ShapeFit] = []
    x = None
    for s in scales:
        f = solve_shape(base, float(s), lat0, lon0, lat_t, lon_t, az0, apogee_km, x)
        if not f.ok and x is not None:  # a warm start can stall where a cold one would not
            f = solve_shape(base, float(s), lat0, lon0, lat_t, lon_t, az0, apogee_km)
        fits.append(f)
        if f.ok:
            x = f.x
    return fits


def fit_flight_time(base: BoostProfile, lat0: float, lon0: float, lat_t: float, lon_t: float, az0: float,
                    apogee_km: float, flight_time_s: float, n_scan: int = 6) -> ShapeFit:
    """Shape and burn-time scale whose flight lasts ``flight_time_s`` (or as near as the
    plausible profiles allow: the result's flight time then differs, and the caller says so).

    Scans the burn-scale bounds, then solves ft(scale) = flight_time_s by Brent's method
    within the bracketing pair of good fits. Returns a fit that is not ``ok`` when none is.
    """
    s_lo, s_hi = burn_scale_bounds(base)
    fits = scan_burn_scales(base, np.linspace(s_lo, s_hi, n_scan), lat0, lon0, lat_t, lon_t, az0, apogee_km)
    good = [f for f in fits if f.ok]
    if not good:
        return min(fits, key=lambda f: float(np.linalg.norm(f.residual_km)))
    for a, b in zip(good[:-1], good[1:], strict=True):
        if (a.flight_time_s - flight_time_s) * (b.flight_time_s - flight_time_s) <= 0:
            return _solve_bracket(base, a, b, lat0, lon0, lat_t, lon_t, az0, apogee_km, flight_time_s)
    nearest = min(good, key=lambda f: abs(f.flight_time_s - flight_time_s))
    # Out of reach of the scanned fits: if a failed scale lies beyond the nearest good one in the
    # direction of the target, the feasible edge between them is nearer still; bisect to it.
    i = next(k for k, f in enumerate(fits) if f is nearest)
    step = 1 if (nearest.flight_time_s - flight_time_s) * (fits[-1].burn_scale - fits[0].burn_scale) < 0 else -1
    j = i + step
    if 0 <= j < len(fits) and not fits[j].ok:
        good_s, bad_s = nearest.burn_scale, fits[j].burn_scale
        for _ in range(N_EDGE_BISECTIONS):
            mid = 0.5 * (good_s + bad_s)
            f = solve_shape(base, mid, lat0, lon0, lat_t, lon_t, az0, apogee_km, nearest.x)
            if f.ok and abs(f.flight_time_s - flight_time_s) < abs(nearest.flight_time_s - flight_time_s):
                nearest, good_s = f, mid
            else:
                bad_s = mid
    return nearest


def _solve_bracket(base: BoostProfile, a: ShapeFit, b: ShapeFit, lat0: float, lon0: float, lat_t: float,
                   lon_t: float, az0: float, apogee_km: float, flight_time_s: float) -> ShapeFit:
    """Brent's method on ft(scale) - flight_time_s between two good fits that bracket it."""
    cache: dict[float, ShapeFit] = {a.burn_scale: a, b.burn_scale: b}

    def miss(scale: float) -> float:
        near = min(cache, key=lambda s: abs(s - scale))
        f = solve_shape(base, scale, lat0, lon0, lat_t, lon_t, az0, apogee_km, cache[near].x)
        cache[scale] = f
        return f.flight_time_s - flight_time_s if f.ok else math.nan

    try:
        brentq(miss, a.burn_scale, b.burn_scale, xtol=1e-5, maxiter=40)
    except (ValueError, RuntimeError):  # a fit failed inside the bracket: keep the best found
        pass
    ok = [f for f in cache.values() if f.ok]
    return min(ok, key=lambda f: abs(f.flight_time_s - flight_time_s))
