"""From a launch description to the true flights of its objects (missile and fragments).

Reconstruction from reported figures costs 0.1 to 1 s; its results are cached per process,
so simulating the same scenario again (another seed, a test) does not redo it.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import Geod

from missilewatch.earth.kernels import ecef_to_geodetic_v
from missilewatch.errors import ConvergenceError, InputError
from missilewatch.flight import BoostProfile, Trajectory, fly, generic_profile, propagate_to_impact
from missilewatch.flight.reconstruct import fit_flight
from missilewatch.flight.sites import resolve_site
from missilewatch.scenarios.schema import BreakupSpec, LaunchSpec

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class TruthObject:
    """One object's true flight, scenario time.

    ``t_s`` (K,) s from the scenario epoch; ``r_ecef``, ``v_ecef`` (K, 3); ``events`` maps a
    row index to "launch", "burnout", "breakup" or "impact". ``thrust_end_s`` scenario time of
    motor cut-off (-inf: never thrusts).
    """

    object_id: str
    launch_id: str
    parent_id: str | None
    kind: str
    t_s: np.ndarray
    r_ecef: np.ndarray
    v_ecef: np.ndarray
    thrust_end_s: float
    rcs_scale: float
    events: dict[int, str]
    impacted: bool

    @property
    def impact_lat_lon_deg(self) -> tuple[float, float]:
        lat, lon, _ = ecef_to_geodetic_v(self.r_ecef[-1:, 0].copy(), self.r_ecef[-1:, 1].copy(),
                                         self.r_ecef[-1:, 2].copy())
        return float(np.degrees(lat[0])), float(np.degrees(lon[0]))


@dataclass(frozen=True)
class ResolvedLaunch:
    """A launch with its flight found: site, azimuth, profile, trajectory, objects."""

    launch_id: str
    site_name: str
    lat_deg: float
    lon_deg: float
    t_launch_s: float
    azimuth_deg: float
    profile: BoostProfile
    trajectory: Trajectory
    method: str
    target_lat_deg: float | None
    target_lon_deg: float | None
    objects: tuple[TruthObject, ...]


def impact_point(spec: LaunchSpec) -> tuple[float, float] | None:
    """The target point (lat_deg, lon_deg) of a launch given by impact or impact_from."""
    if spec.impact is not None:
        return spec.impact.lat_deg, spec.impact.lon_deg
    if spec.impact_from is not None:
        f = spec.impact_from
        lon, lat, _ = GEOD.fwd(f.lon_deg, f.lat_deg, f.bearing_deg, f.distance_km * 1e3)
        return float(lat), float(lon)
    return None


@lru_cache(maxsize=64)
def _reconstructed(lat0: float, lon0: float, impact: tuple[float, float] | None, azimuth_deg: float | None,
                   range_km: float | None, apogee_km: float, flight_time_s: float | None,
                   range_class: str | None) -> tuple[float, BoostProfile]:
    fit = fit_flight((lat0, lon0), impact=impact, azimuth_deg=azimuth_deg, range_km=range_km,
                     apogee_km=apogee_km, flight_time_s=flight_time_s, range_class=range_class)
    return fit.azimuth_deg, fit.profile


def launch_profile(spec: LaunchSpec, field: str) -> tuple[str, float, float, float, BoostProfile, str,
                                                          tuple[float, float] | None]:
    """(site name, lat, lon, azimuth_deg, profile before any failure, method, target point)."""
    name, lat0, lon0 = resolve_site(spec.site, f"{field}.site")
    target = impact_point(spec)
    if spec.kick_deg is not None:
        # LaunchSpec's validator requires both with kick_deg; checked again so that the types say so.
        if spec.azimuth_deg is None or spec.range_class is None:
            raise InputError(field, spec.id, "a direct profile (kick_deg) needs azimuth_deg and range_class")
        prof = generic_profile(spec.range_class).with_(kick_deg=spec.kick_deg, cutoff_s=spec.cutoff_s)
        return name, lat0, lon0, float(spec.azimuth_deg), prof, "direct", None
    if spec.apogee_km is None:  # required by LaunchSpec's validator without kick_deg
        raise InputError(f"{field}.apogee_km", None, "apogee_km is required to reconstruct the flight")
    try:
        az, prof = _reconstructed(lat0, lon0, target, None if target else spec.azimuth_deg,
                                  None if target else spec.range_km, spec.apogee_km,
                                  spec.flight_time_s, spec.range_class)
    except ConvergenceError as exc:
        raise InputError(field, spec.apogee_km, f"no flight fits these figures: {exc}") from None
    if target is None:
        # Without an impact point LaunchSpec's validator requires azimuth_deg with range_km.
        if spec.azimuth_deg is None or spec.range_km is None:
            raise InputError(field, spec.id, "give impact, impact_from, or azimuth_deg with range_km")
        lon_t, lat_t, _ = GEOD.fwd(lon0, lat0, spec.azimuth_deg, spec.range_km * 1e3)
        target = (float(lat_t), float(lon_t))
    return name, lat0, lon0, az, prof, "reconstructed", target


def _with_knot(traj: Trajectory) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, str]]:
    """Trajectory samples with the burnout state inserted as a knot (so interpolation never
    straddles the end of thrust), and the event rows."""
    t, r, v = traj.t_s, traj.r_ecef, traj.v_ecef
    tb = float(traj.burnout[0])
    i = int(np.searchsorted(t, tb))
    if i < t.size and abs(t[i] - tb) < 1e-9:
        t, r, v = t.copy(), r.copy(), v.copy()
        r[i], v[i] = traj.burnout[1:4], traj.burnout[4:7]
    elif 0 < i < t.size:
        t = np.insert(t, i, tb)
        r = np.insert(r, i, traj.burnout[1:4], axis=0)
        v = np.insert(v, i, traj.burnout[4:7], axis=0)
    return t, r, v, {0: "launch", i: "burnout", t.size - 1: "impact"}


def _breakup_index(b: BreakupSpec, t: np.ndarray, r: np.ndarray, burnout_idx: int, field: str) -> int:
    if b.t_s is not None:
        idx = int(np.searchsorted(t, b.t_s))
    elif b.descent_altitude_km is not None:
        h = ecef_to_geodetic_v(r[:, 0].copy(), r[:, 1].copy(), r[:, 2].copy())[2]
        apo = int(np.argmax(h))
        below = np.nonzero(h[apo:] <= b.descent_altitude_km * 1e3)[0]
        if below.size == 0 or apo == 0:
            raise InputError(f"{field}.breakup.descent_altitude_km", b.descent_altitude_km,
                             "the flight never falls through this altitude")
        idx = apo + int(below[0])
    else:  # BreakupSpec's validator requires one of them
        raise InputError(f"{field}.breakup", None, "give exactly one of t_s or descent_altitude_km")
    idx = max(idx, burnout_idx)
    if idx >= t.size - 1:
        raise InputError(f"{field}.breakup", b.t_s, "break-up after the impact")
    return idx


def resolve_launch(spec: LaunchSpec, t_launch_s: float, truth_dt_s: float, seed: int,
                   field: str = "launch") -> ResolvedLaunch:
    """Fly one launch and its fragments; times in the result are scenario times."""
    name, lat0, lon0, az, prof, method, target = launch_profile(spec, field)
    if spec.failure is not None:
        f = spec.failure
        if f.boost_ends_s >= prof.burn_end_s:
            raise InputError(f"{field}.failure.boost_ends_s", f.boost_ends_s,
                             f"must be before the nominal end of boost ({prof.burn_end_s:.1f} s)")
        prof = prof.with_(cutoff_s=f.boost_ends_s)
        if f.tumble:
            prof = prof.with_(beta_reentry=f.tumble_beta_kg_m2)
    traj = fly(lat0, lon0, az, prof, dt_out_s=truth_dt_s)
    if not traj.impacted:
        raise InputError(field, spec.id, "the flight did not come down within 10,000 s")
    t, r, v, events = _with_knot(traj)
    burnout_idx = next(i for i, e in events.items() if e == "burnout")
    objects = []
    main_events = dict(events)
    debris: list[TruthObject] = []
    if spec.breakup is not None:
        idx = _breakup_index(spec.breakup, t, r, burnout_idx, field)
        main_events[idx] = "breakup"
        debris = _fragments(spec, spec.breakup, float(t[idx]), r[idx], v[idx], t_launch_s, truth_dt_s, seed)
    objects.append(TruthObject(
        object_id=spec.id, launch_id=spec.id, parent_id=None, kind="missile",
        t_s=t + t_launch_s, r_ecef=r, v_ecef=v, thrust_end_s=float(traj.burnout[0]) + t_launch_s,
        rcs_scale=spec.rcs_scale, events=dict(sorted(main_events.items())), impacted=True,
    ))
    objects.extend(debris)
    return ResolvedLaunch(spec.id, name, lat0, lon0, t_launch_s, az, prof, traj, method,
                          None if target is None else target[0], None if target is None else target[1],
                          tuple(objects))


def _fragments(spec: LaunchSpec, b: BreakupSpec, t_b: float, r_b: np.ndarray, v_b: np.ndarray,
               t_launch_s: float, truth_dt_s: float, seed: int) -> list[TruthObject]:
    """Fragments of a break-up ``b`` at ``t_b`` (s), ECEF ``r_b`` (m), ``v_b`` (m/s): velocity
    kicks N(0, (dv^2/3) I), propagated to impact."""
    n = b.pieces - 1
    rng = np.random.default_rng([seed, zlib.crc32(f"breakup:{spec.id}".encode())])
    dv = rng.standard_normal((n, 3)) * (b.delta_v_mps / math.sqrt(3.0))
    batch = propagate_to_impact(np.repeat(r_b[None], n, 0), v_b[None] + dv, b.beta_kg_m2,
                                t0=float(t_b), t_max_s=20_000.0, dt_out_s=truth_dt_s)
    if batch.trajectories is None or batch.n_samples is None:
        raise RuntimeError("propagate_to_impact kept no samples although dt_out_s was given")
    out = []
    for j in range(n):
        k = int(batch.n_samples[j])
        g = batch.trajectories[j, :k]
        t, r, v = g[:, 0], g[:, 1:4], g[:, 4:7]
        impacted = int(batch.status[j]) == 0
        if impacted and (k == 0 or t[-1] < batch.t_impact_s[j] - 1e-9):
            t = np.append(t, batch.t_impact_s[j])
            r = np.vstack([r, batch.r_impact[j]])
            v = np.vstack([v, batch.v_impact[j]])
        keep = np.concatenate([[True], np.diff(t) > 1e-9])
        t, r, v = t[keep], r[keep], v[keep]
        events = {0: "breakup"}
        if impacted:
            events[t.size - 1] = "impact"
        out.append(TruthObject(
            object_id=f"{spec.id}-f{j + 1}", launch_id=spec.id, parent_id=spec.id, kind="fragment",
            t_s=t + t_launch_s, r_ecef=r, v_ecef=v, thrust_end_s=-math.inf,
            rcs_scale=spec.rcs_scale * b.rcs_scale, events=events, impacted=impacted,
        ))
    return out
