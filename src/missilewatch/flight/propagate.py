"""Public propagation API: batched ballistic states to impact, and boosted flights.

All positions and velocities are ECEF (WGS84) in m and m/s, times in s from the given epoch
(the launch for :func:`fly`). With ``ForceModel(rotating=False)`` the same arrays are read in
an inertial frame that coincides with ECEF at t = 0 and the Earth does not turn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from missilewatch.earth.constants import GM_EARTH, OMEGA_EARTH, WGS84_A
from missilewatch.earth.kernels import ecef_to_geodetic_v, geodetic_height, geodetic_height_v, geodetic_to_ecef
from missilewatch.errors import InputError
from missilewatch.flight import kernels as k
from missilewatch.flight.boost import BoostProfile, build_segments

GEOD = Geod(ellps="WGS84")

# Default integration tolerances: impact within ~10 m of a DOP853 solution at 1e-12 for
# 20-minute flights (tests/flight/test_propagate.py, benchmarks/bench_propagate.py), far
# inside the uncertainty of any prediction.
DEFAULT_RTOL = 1e-7
DEFAULT_ATOL_M = 1.0
DEFAULT_H_MAX_S = 300.0
# Below this many states a batch runs on the calling thread: a thread team's wake-up (~0.1 ms
# idle, tens of ms on a loaded machine) outweighs the work of a few short flights, and on two
# cores the team spends more CPU than it saves in wall time on a few hundred flights (the 67
# boost-phase predictions of 2022-10-04 and the salvo, 415 flights each: 1.06 s of CPU and
# 0.58 s wall with the team against 0.73 s and 0.72 s on the calling thread), CPU the live
# service needs for its ingest. Batches of campaigns and reconstructions stay parallel.
PARALLEL_MIN_STATES = 1024
# A state whose osculating (two-body, inertial) perigee lies this far above the equatorial
# radius, or that leaves on an escape orbit, cannot come down within hours: J2 moves a perigee
# by kilometres, and the air above 150 km takes days to lower one. Such states are not
# integrated when no trajectory is asked for (status 1, no impact, impact row NaN).
NEVER_FALLS_PERIGEE_M = 150e3


@dataclass(frozen=True)
class ForceModel:
    """What acts on the missile: gravity up to J_order (0, 2, 3, 4), Earth rotation, drag."""

    gravity_order: int = 2
    rotating: bool = True
    drag: bool = True

    def __post_init__(self) -> None:
        if self.gravity_order not in (0, 2, 3, 4):
            raise InputError("gravity_order", self.gravity_order, "must be 0, 2, 3 or 4")


@dataclass(frozen=True)
class Tolerance:
    """Integrator tolerances: relative, absolute on position (m), and the largest step (s)."""

    rtol: float = DEFAULT_RTOL
    atol_m: float = DEFAULT_ATOL_M
    h_max_s: float = DEFAULT_H_MAX_S


@dataclass(frozen=True)
class ImpactBatch:
    """Result of :func:`propagate_to_impact` for N states.

    ``status`` per state: 0 impact, 1 no impact within ``t_max``, 2 step-size underflow,
    3 below the ellipsoid at the start.
    ``trajectories`` (N, K, 7) rows [t, x, y, z, vx, vy, vz], NaN after ``n_samples``.
    """

    t_impact_s: np.ndarray
    r_impact: np.ndarray
    v_impact: np.ndarray
    status: np.ndarray
    trajectories: np.ndarray | None = None
    n_samples: np.ndarray | None = None

    @cached_property
    def impact_geodetic(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Impact latitude, longitude (deg) and height (m, ~0) per state."""
        lat, lon, h = ecef_to_geodetic_v(self.r_impact[:, 0], self.r_impact[:, 1], self.r_impact[:, 2])
        return np.degrees(lat), np.degrees(lon), h


def state_from_flight_path(
    lat_deg: float, lon_deg: float, alt_m: float, speed_mps: float, gamma_deg: float, azimuth_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """ECEF position and velocity of a point given speed, flight-path angle and azimuth.

    ``gamma_deg``: angle of the velocity above the local (geodetic) horizontal;
    ``azimuth_deg``: clockwise from north. Returns (r_ecef (3,), v_ecef (3,)).
    """
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    r = np.array(geodetic_to_ecef(lat, lon, alt_m))
    up = np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])
    east = np.array([-math.sin(lon), math.cos(lon), 0.0])
    north = np.cross(up, east)
    g, a = math.radians(gamma_deg), math.radians(azimuth_deg)
    v = speed_mps * (math.sin(g) * up + math.cos(g) * (math.sin(a) * east + math.cos(a) * north))
    return r, v


def _as_states(r_ecef: npt.ArrayLike, v_ecef: npt.ArrayLike) -> np.ndarray:
    r = np.atleast_2d(np.asarray(r_ecef, dtype=float))
    v = np.atleast_2d(np.asarray(v_ecef, dtype=float))
    if r.shape != v.shape or r.shape[-1] != 3 or r.ndim != 2:
        raise InputError("r_ecef/v_ecef", (r.shape, v.shape), "must both be (N, 3) arrays")
    if not (np.isfinite(r).all() and np.isfinite(v).all()):
        raise InputError("r_ecef/v_ecef", "non-finite", "positions and velocities must be finite")
    return np.ascontiguousarray(np.hstack([r, v]))


def never_falls(states: np.ndarray, rotating: bool = True) -> np.ndarray:
    """(N,) True where an ECEF state [r, v] (m, m/s) provably stays up for hours: its two-body
    orbit in the inertial frame (v + omega x r when the frame rotates) has its perigee more than
    ``NEVER_FALLS_PERIGEE_M`` above the equatorial radius, or it is leaving on an escape orbit."""
    r, v = states[:, :3], states[:, 3:6]
    x, y, z = r[:, 0], r[:, 1], r[:, 2]
    vx, vy, vz = v[:, 0], v[:, 1], v[:, 2]
    if rotating:  # v + omega x r, omega = (0, 0, OMEGA_EARTH) (np.cross's terms, without its overhead)
        vx, vy = vx - OMEGA_EARTH * y, vy + OMEGA_EARTH * x
        v = np.stack([vx, vy, vz], axis=1)
    rn = np.linalg.norm(r, axis=1)
    energy = 0.5 * np.einsum("ij,ij->i", v, v) - GM_EARTH / rn
    hx, hy, hz = y * vz - z * vy, z * vx - x * vz, x * vy - y * vx
    h2 = hx * hx + hy * hy + hz * hz
    e = np.sqrt(np.maximum(1.0 + 2.0 * energy * h2 / GM_EARTH**2, 0.0))
    perigee = h2 / GM_EARTH / (1.0 + e)
    escaping = (energy >= 0.0) & (np.einsum("ij,ij->i", r, v) > 0.0)
    return escaping | (perigee > WGS84_A + NEVER_FALLS_PERIGEE_M)


def propagate_to_impact(
    r_ecef: npt.ArrayLike,
    v_ecef: npt.ArrayLike,
    beta: npt.ArrayLike = np.inf,
    *,
    force: ForceModel = ForceModel(),
    t0: npt.ArrayLike = 0.0,
    t_max_s: float = 10_000.0,
    dt_out_s: float | None = None,
    tol: Tolerance = Tolerance(),
) -> ImpactBatch:
    """Propagate N ballistic states to ground impact (altitude 0 on the WGS84 ellipsoid).

    ``beta``: ballistic coefficient m/(Cd A), kg/m^2, scalar or (N,); ``inf`` means no drag.
    ``t0``: epoch of each state, s. With ``dt_out_s`` the trajectories are sampled every
    ``dt_out_s`` seconds from ``t0`` (memory N * t_max/dt_out * 56 bytes). Without it, states
    that provably stay up (:func:`never_falls`) are not integrated (status 1, impact row NaN);
    states below the ellipsoid to begin with never are (status 3, impact row NaN).
    """
    states = _as_states(r_ecef, v_ecef)
    n = states.shape[0]
    beta_arr = np.broadcast_to(np.asarray(beta, dtype=float), (n,))
    if np.any(~(beta_arr > 0)):
        raise InputError("beta", beta, "ballistic coefficient must be > 0 kg/m^2")
    inv_beta = np.ascontiguousarray(1.0 / beta_arr)
    t0_arr = np.ascontiguousarray(np.broadcast_to(np.asarray(t0, dtype=float), (n,)))
    if dt_out_s is not None and not dt_out_s > 0:
        raise InputError("dt_out_s", dt_out_s, "must be > 0 s")
    if not t_max_s > 0:
        raise InputError("t_max_s", t_max_s, "must be > 0 s")
    if dt_out_s:
        n_rows = int(math.floor(t_max_s / dt_out_s)) + 2
        grids = np.full((n, n_rows, 7), np.nan)
        grid_dt = float(dt_out_s)
    else:
        grids = np.empty((1, 1, 7))
        grid_dt = 0.0
    impact = np.empty((n, 7))
    status = np.empty(n, dtype=np.int64)
    n_samples = np.zeros(n, dtype=np.int64)
    underground = geodetic_height_v(states[:, 0].copy(), states[:, 1].copy(), states[:, 2].copy()) < 0.0
    run = ~underground if dt_out_s else ~(underground | never_falls(states, force.rotating))
    impact[~run] = np.nan
    status[~run] = k.STATUS_TIMEOUT
    status[underground] = k.STATUS_START_UNDERGROUND
    if run.any():
        sub = np.flatnonzero(run)
        part = (states, t0_arr, inv_beta) if run.all() else (
            np.ascontiguousarray(states[sub]), np.ascontiguousarray(t0_arr[sub]), np.ascontiguousarray(inv_beta[sub]))
        imp, st, ns = (impact, status, n_samples) if run.all() else (
            np.empty((len(sub), 7)), np.empty(len(sub), dtype=np.int64), np.zeros(len(sub), dtype=np.int64))
        kernel = k.propagate_batch if len(sub) >= PARALLEL_MIN_STATES else k.propagate_batch_serial
        kernel(
            *part, float(force.gravity_order), 1.0 if force.rotating else 0.0,
            1.0 if force.drag else 0.0, float(t_max_s), tol.rtol, tol.atol_m, tol.h_max_s, grid_dt,
            grids, imp, st, ns,
        )
        if not run.all():
            impact[sub], status[sub], n_samples[sub] = imp, st, ns
    return ImpactBatch(
        t_impact_s=impact[:, 0],
        r_impact=impact[:, 1:4],
        v_impact=impact[:, 4:7],
        status=status,
        trajectories=grids if grid_dt > 0 else None,
        n_samples=n_samples if grid_dt > 0 else None,
    )


@dataclass(frozen=True)
class Trajectory:
    """A flight sampled in time from launch (t = 0) to impact.

    ``t_s`` (K,), ``r_ecef`` (K, 3), ``v_ecef`` (K, 3); the last sample is the impact.
    ``burnout`` = [t, x, y, z, vx, vy, vz] at thrust termination; ``status`` as ImpactBatch.
    """

    t_s: np.ndarray
    r_ecef: np.ndarray
    v_ecef: np.ndarray
    burnout: np.ndarray
    status: int
    force: ForceModel = field(default_factory=ForceModel)

    @property
    def impacted(self) -> bool:
        """True when the flight ended on the ground."""
        return self.status == k.STATUS_IMPACT

    @cached_property
    def geodetic(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Latitude (deg), longitude (deg), height above the ellipsoid (m) per sample."""
        lat, lon, h = ecef_to_geodetic_v(self.r_ecef[:, 0], self.r_ecef[:, 1], self.r_ecef[:, 2])
        return np.degrees(lat), np.degrees(lon), h

    @property
    def flight_time_s(self) -> float:
        """Time from launch to impact (or to the end of propagation), s."""
        return float(self.t_s[-1] - self.t_s[0])

    @property
    def speed_mps(self) -> np.ndarray:
        """Speed relative to the Earth (ECEF) per sample, m/s."""
        return np.linalg.norm(self.v_ecef, axis=1)

    @property
    def apogee_index(self) -> int:
        """Index of the highest sample."""
        return int(np.argmax(self.geodetic[2]))

    @property
    def apogee_m(self) -> float:
        """Highest altitude above the ellipsoid, m (refined by a parabola through 3 samples)."""
        h = self.geodetic[2]
        i = self.apogee_index
        if 0 < i < len(h) - 1:
            t = self.t_s[i - 1 : i + 2]
            if t[1] - t[0] == t[2] - t[1]:
                a, b, c = h[i - 1 : i + 2]
                den = a - 2 * b + c
                if den < 0:
                    return float(b - 0.125 * (a - c) ** 2 / den)
        return float(h[i])

    @property
    def burnout_speed_mps(self) -> float:
        """Earth-relative speed at thrust termination, m/s."""
        return float(np.linalg.norm(self.burnout[4:7]))

    @property
    def burnout_altitude_m(self) -> float:
        """Altitude above the ellipsoid at thrust termination, m."""
        x, y, z = self.burnout[1:4]
        return float(geodetic_height(x, y, z))

    @property
    def impact_lat_lon_deg(self) -> tuple[float, float]:
        """Latitude and longitude of the last sample (the impact), degrees."""
        lat, lon, _ = self.geodetic
        return float(lat[-1]), float(lon[-1])

    @property
    def ground_range_m(self) -> float:
        """Geodesic distance on the ellipsoid from the launch point to the impact, m."""
        lat, lon, _ = self.geodetic
        return float(GEOD.inv(lon[0], lat[0], lon[-1], lat[-1])[2])

    @property
    def track_length_m(self) -> float:
        """Length of the ground track on the ellipsoid (sum of geodesic steps), m.

        Unlike :attr:`ground_range_m` it keeps growing past half the Earth's circumference.
        """
        lat, lon, _ = self.geodetic
        return float(np.sum(GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]))

    def downrange_m(self) -> np.ndarray:
        """Geodesic distance of each sample's ground point from the launch point, m."""
        lat, lon, _ = self.geodetic
        n = len(lat)
        return GEOD.inv(np.full(n, lon[0]), np.full(n, lat[0]), lon, lat)[2]


def fly(
    launch_lat_deg: float,
    launch_lon_deg: float,
    azimuth_deg: float,
    profile: BoostProfile,
    *,
    force: ForceModel = ForceModel(),
    dt_out_s: float = 1.0,
    t_max_s: float = 10_000.0,
    tol: Tolerance = Tolerance(),
) -> Trajectory:
    """Fly a boost profile from a launch point on the ellipsoid to ground impact.

    Launch from rest on the Earth's surface (ECEF); azimuth clockwise from north, degrees.
    Sampled every ``dt_out_s`` s; the impact is appended as the final sample.
    """
    for name, value in (("launch_lat_deg", launch_lat_deg), ("launch_lon_deg", launch_lon_deg),
                        ("azimuth_deg", azimuth_deg)):
        if not math.isfinite(value):
            raise InputError(name, value, "must be a finite number")
    if abs(launch_lat_deg) > 90.0:
        raise InputError("launch_lat_deg", launch_lat_deg, "must be within [-90, 90]")
    segs, ends = build_segments(
        profile, math.radians(azimuth_deg), gravity_order=force.gravity_order,
        rotating=force.rotating, drag=force.drag,
    )
    x, y, z = geodetic_to_ecef(math.radians(launch_lat_deg), math.radians(launch_lon_deg), 0.0)
    state = np.array([x, y, z, 0.0, 0.0, 0.0])
    n_rows = int(math.floor(t_max_s / dt_out_s)) + 2
    grid = np.empty((n_rows, 7))
    burnout = np.empty(7)
    t_end, status, rows = k.fly_segments(
        state, segs, ends, float(t_max_s), tol.rtol, tol.atol_m, tol.h_max_s, float(dt_out_s),
        grid, burnout,
    )
    samples = grid[:rows]
    if status == k.STATUS_IMPACT and (rows == 0 or samples[-1, 0] < t_end):
        samples = np.vstack([samples, np.concatenate([[t_end], state])])
    return Trajectory(
        t_s=samples[:, 0].copy(), r_ecef=samples[:, 1:4].copy(), v_ecef=samples[:, 4:7].copy(),
        burnout=burnout, status=int(status), force=force,
    )
