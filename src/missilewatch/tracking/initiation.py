"""Track initiation from unassociated measurements.

- Radar, two-point: two detections (any radars) 0.5 to ``window_s`` seconds apart whose
  positions imply a speed a missile can have give position = the later detection and
  velocity = the difference quotient corrected for gravity over the interval, with the
  covariance of that linear combination; a range rate on the later detection then updates it.
- Infrared launch detection: a line of sight from a space-based sensor (no range) seen while
  the motor burns. The state is placed where the line of sight crosses the altitude
  ``ir_altitude_m`` (the plume clears the clouds near 10 km), with the along-sight
  uncertainty of ``ir_altitude_sigma_m`` in altitude, a climbing velocity, and thrust.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missilewatch.earth.constants import OMEGA_EARTH, WGS84_A
from missilewatch.earth.kernels import geodetic_height, gravity_ecef
from missilewatch.errors import InputError
from missilewatch.tracking.measurements import (
    Measurement,
    los_unit_vector,
    predict_measurement,
    radar_to_ecef,
)
from missilewatch.tracking.models import (
    I_AT,
    I_LNB,
    LNB_PRIOR_MEAN,
    LNB_PRIOR_SIGMA,
    N_STATE,
    GaussianState,
)


@dataclass(frozen=True)
class InitiationConfig:
    """Limits and priors of track initiation (SI units)."""

    #: Longest interval (s) between the two radar detections of a two-point start ...
    window_s: float = 6.0
    #: ... and the shortest.
    min_dt_s: float = 0.5
    #: Slowest speed (m/s) two detections may imply (slower: clutter or a ship).
    min_speed_mps: float = 50.0
    #: Fastest speed (m/s) two detections may imply.
    max_speed_mps: float = 8000.0
    #: Detections under this height (m) do not start tracks.
    min_altitude_m: float = -2000.0
    #: Largest unknown acceleration (m/s^2) over the interval (its velocity uncertainty).
    max_acc_mps2: float = 100.0
    #: Height (m) where an infrared line of sight is placed (the plume clears the clouds).
    ir_altitude_m: float = 15_000.0
    #: Its standard deviation in height (m).
    ir_altitude_sigma_m: float = 10_000.0
    #: Climbing speed (m/s) of an infrared launch detection ...
    ir_climb_speed_mps: float = 600.0
    #: ... and its standard deviation per axis (m/s).
    ir_speed_sigma_mps: float = 500.0
    #: Prior thrust acceleration (m/s^2) of an infrared launch detection ...
    thrust_mean_mps2: float = 25.0
    #: ... and its standard deviation (m/s^2).
    thrust_sigma_mps2: float = 15.0
    #: Probability that a track started from two radar detections is boosting.
    radar_boost_probability: float = 0.5
    #: Probability that a track started from an infrared launch detection is boosting.
    infrared_boost_probability: float = 0.95

    def __post_init__(self) -> None:
        for name in ("radar_boost_probability", "infrared_boost_probability"):
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(name, getattr(self, name), "must be in [0, 1]")
        for name in ("window_s", "max_speed_mps", "ir_altitude_sigma_m", "ir_speed_sigma_mps"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be > 0")


@dataclass(frozen=True)
class Seed:
    """An unassociated radar detection kept for pairing: ECEF position and covariance, and
    what every pairing reads of them: the geodetic height (m) and the covariance's diagonal."""

    m: Measurement
    r: np.ndarray
    C: np.ndarray
    h: float
    diag: tuple[float, float, float]


def seed(m: Measurement) -> Seed:
    """A pairing candidate from a radar detection."""
    r, C = radar_to_ecef(m)
    return Seed(m, r, C, _height(r), (float(C[0, 0]), float(C[1, 1]), float(C[2, 2])))


def _height(r: np.ndarray) -> float:
    return float(geodetic_height(float(r[0]), float(r[1]), float(r[2])))


def _accel(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Gravity (J2) plus the rotating-frame terms at (r, v), m/s^2."""
    g = np.array(gravity_ecef(float(r[0]), float(r[1]), float(r[2]), 2))
    w = OMEGA_EARTH
    g[0] += 2 * w * v[1] + w * w * r[0]
    g[1] += -2 * w * v[0] + w * w * r[1]
    return g


def two_point(s1: Seed, s2: Seed, cfg: InitiationConfig) -> GaussianState | None:
    """State at s2's time from two radar detections, or None when they cannot be one object."""
    dt = s2.m.t_s - s1.m.t_s
    if not (cfg.min_dt_s <= dt <= cfg.window_s):
        return None
    if s1.h < cfg.min_altitude_m or s2.h < cfg.min_altitude_m:
        return None
    d = s2.r - s1.r
    a, b = s1.diag, s2.diag  # the trace of C1 + C2, summed as np.trace sums it
    slack = 3.0 * math.sqrt((a[0] + b[0]) + (a[1] + b[1]) + (a[2] + b[2])) + 0.5 * cfg.max_acc_mps2 * dt * dt
    dist = float(np.linalg.norm(d))
    if dist > cfg.max_speed_mps * dt + slack or dist < cfg.min_speed_mps * dt - slack:
        return None
    v_mean = d / dt
    # Over the interval r2 = r1 + v2 dt - a dt^2 / 2: correct the chord for the acceleration.
    v = v_mean + 0.5 * _accel(0.5 * (s1.r + s2.r), v_mean) * dt
    x = np.zeros(N_STATE)
    x[0:3] = s2.r
    x[3:6] = v
    x[I_LNB] = LNB_PRIOR_MEAN
    P = np.zeros((N_STATE, N_STATE))
    # Unknown (thrust) acceleration up to max_acc over dt: velocity error ~ a dt / 2 (uniform).
    qv = (0.5 * cfg.max_acc_mps2 * dt) ** 2 / 3.0
    P[0:3, 0:3] = s2.C
    P[0:3, 3:6] = s2.C / dt
    P[3:6, 0:3] = s2.C / dt
    P[3:6, 3:6] = (s1.C + s2.C) / dt**2 + qv * np.eye(3)
    P[I_LNB, I_LNB] = LNB_PRIOR_SIGMA**2
    P[I_AT, I_AT] = 0.0
    state = GaussianState(s2.m.t_s, x, P)
    if s2.m.mtype == "range_az_el_rr":
        return _range_rate_update(state, s2.m)
    return state


def _range_rate_update(state: GaussianState, m: Measurement, gate: float = 25.0) -> GaussianState | None:
    """Scalar Kalman update with the range rate of ``m`` (its position was used already);
    None when the range rate contradicts the two-point velocity (chi-square 1 dof > gate)."""
    zhat, H = predict_measurement(state.x, m)
    h = H[3]
    nu = m.z[3] - zhat[3]
    s = float(h @ state.P @ h + m.R[3, 3])
    if nu * nu / s > gate:
        return None
    k = state.P @ h / s
    x = state.x + k * nu
    ikh = np.eye(N_STATE) - np.outer(k, h)
    P = ikh @ state.P @ ikh.T + np.outer(k, k) * m.R[3, 3]
    return GaussianState(state.t_s, x, 0.5 * (P + P.T))


def best_partner(new: Seed, pool: list[Seed], cfg: InitiationConfig) -> tuple[int, GaussianState] | None:
    """Index in ``pool`` and initial state of the best earlier partner of ``new``.

    Prefers the most recent partner (shortest extrapolation), then the one whose two-point
    velocity fits the range rate best (when there is one).
    """
    best = None
    for i, s in enumerate(pool):
        st = two_point(s, new, cfg)
        if st is None:
            continue
        dt = new.m.t_s - s.m.t_s
        score = (round(dt, 6), float(np.trace(st.P[0:3, 0:3])))
        if best is None or score < best[0]:
            best = (score, i, st)
    if best is None:
        return None
    return best[1], best[2]


def launch_detection(m: Measurement, cfg: InitiationConfig) -> GaussianState | None:
    """Initial state from an infrared line of sight (a launch detection); None when the
    line of sight does not reach the atmosphere's bottom layer."""
    u = los_unit_vector(m)
    s = m.sensor_r_ecef
    h0 = cfg.ir_altitude_m
    # Near crossing of a sphere of radius a + h0, refined by Newton on the geodetic height.
    R0 = WGS84_A + h0
    b = float(s @ u)
    c = float(s @ s) - R0 * R0
    disc = b * b - c
    if disc < 0:
        rho = -b
    else:
        rho = -b - math.sqrt(disc)
    if rho <= 0:
        return None
    for _ in range(8):
        p = s + rho * u
        up = p / np.linalg.norm(p)
        dh = float(u @ up)
        err = _height(p) - h0
        if abs(err) < 1.0 or abs(dh) < 1e-6:
            break
        rho -= err / dh
    p = s + rho * u
    up = p / np.linalg.norm(p)
    dhds = abs(float(u @ up))
    if dhds < 0.05 or abs(_height(p) - h0) > 100.0:
        return None  # grazing line of sight: the crossing is ill-defined
    sig_along = cfg.ir_altitude_sigma_m / dhds
    sig_cross2 = (rho * rho) * float(m.R[1, 1])
    C = sig_along**2 * np.outer(u, u) + sig_cross2 * (np.eye(3) - np.outer(u, u))
    x = np.zeros(N_STATE)
    x[0:3] = p
    x[3:6] = cfg.ir_climb_speed_mps * up
    x[I_LNB] = LNB_PRIOR_MEAN
    x[I_AT] = cfg.thrust_mean_mps2
    P = np.zeros((N_STATE, N_STATE))
    P[0:3, 0:3] = 0.5 * (C + C.T)
    P[3:6, 3:6] = cfg.ir_speed_sigma_mps**2 * np.eye(3)
    P[I_LNB, I_LNB] = LNB_PRIOR_SIGMA**2
    P[I_AT, I_AT] = cfg.thrust_sigma_mps2**2
    return GaussianState(m.t_s, x, P)


@dataclass(frozen=True)
class Start:
    """What a new track starts from: its state, the probability that it is boosting, its first
    M-of-N opportunities, the sensors that saw it and whether it is an infrared launch detection."""

    state: GaussianState
    p_boost: float
    opportunities: tuple[bool, ...]
    sensors: frozenset[str]
    launch_detected: bool


class Initiator:
    """Track initiation from unassociated measurements (module docstring): radar detections wait
    in a pool for a partner; infrared lines of sight start a track at once."""

    def __init__(self, config: InitiationConfig) -> None:
        self.config = config
        self.pool: list[Seed] = []
        self.unusable = False

    def initiate(self, m: Measurement, clock: float) -> Start | None:
        """A track start from ``m`` (None: kept for pairing, or unusable; see ``unusable``)."""
        cfg = self.config
        self.unusable = False
        if m.is_radar:
            s = seed(m)
            horizon = clock - 2.0 * cfg.window_s
            self.pool = [p for p in self.pool if p.m.t_s >= horizon]
            found = best_partner(s, self.pool, cfg)
            if found is None:
                self.pool.append(s)
                return None
            i, state = found
            partner = self.pool.pop(i)
            return Start(state, cfg.radar_boost_probability, (True, True),
                         frozenset({m.sensor_id, partner.m.sensor_id}), False)
        if m.is_infrared:
            launch = launch_detection(m, cfg)
            if launch is not None:
                return Start(launch, cfg.infrared_boost_probability, (True,), frozenset({m.sensor_id}), True)
        self.unusable = True
        return None
