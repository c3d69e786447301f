"""Space-based infrared early warning: sees the hot plume of a missile while its motor burns.

The sensor (a geostationary satellite by default) takes a frame every ``frame_period_s``
seconds. An object is detected in a frame (probability ``pd``) when its motor is burning
(the time is within its boost phase, up to and including burnout), it has climbed above
``min_altitude_m`` (the plume clears the cloud tops), and the Earth does not hide it. A
detection is a line of sight only, no range: the ECEF angles alpha = atan2(u_y, u_x),
delta = asin(u_z) of the unit vector u from the satellite to the object, each with Gaussian
noise. The angular error is isotropic with standard deviation ``sigma_los_rad`` across the line
of sight, so the variance of alpha is sigma^2 / cos^2(delta) and that of delta is sigma^2.
Detections reach the user ``latency_s`` seconds after the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missilewatch.earth.kernels import geodetic_height_v
from missilewatch.errors import InputError
from missilewatch.sensors.geometry import TWO_PI, line_of_sight_clear, los_angles
from missilewatch.sensors.measurements import MeasurementBatch, Sightings, assemble
from missilewatch.sensors.platform import FixedSite
from missilewatch.sensors.targets import TargetTruth


@dataclass(frozen=True)
class InfraredSensor:
    """A staring infrared early-warning sensor on a satellite fixed in ECEF (e.g. GEO)."""

    sensor_id: str
    platform: FixedSite
    frame_period_s: float
    sigma_los_rad: float
    latency_s: float = 0.0
    pd: float = 0.95
    min_altitude_m: float = 0.0
    phase_s: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        f = self.sensor_id
        if not (math.isfinite(self.frame_period_s) and self.frame_period_s > 0):
            raise InputError(f"{f}.frame_period_s", self.frame_period_s, "must be > 0")
        for key in ("sigma_los_rad", "latency_s", "min_altitude_m"):
            val = getattr(self, key)
            if not (math.isfinite(val) and val >= 0):
                raise InputError(f"{f}.{key}", val, "must be >= 0")
        if not 0 < self.pd <= 1:
            raise InputError(f"{f}.pd", self.pd, "must be in (0, 1]")
        if self.phase_s is not None and not 0 <= self.phase_s < self.frame_period_s:
            raise InputError(f"{f}.phase_s", self.phase_s, "must be in [0, frame_period_s)")

    @property
    def sensor_type(self) -> str:
        return "infrared"

    @property
    def mtype(self) -> str:
        return "los_angles"

    def covariance(self, delta_rad: np.ndarray) -> np.ndarray:
        """Noise covariance (n, 2, 2) of (alpha, delta) at declinations ``delta_rad``."""
        delta = np.atleast_1d(np.asarray(delta_rad, dtype=float))
        cov = np.zeros((delta.size, 2, 2))
        cov[:, 0, 0] = (self.sigma_los_rad / np.cos(delta)) ** 2
        cov[:, 1, 1] = self.sigma_los_rad**2
        return cov

    def observe(self, targets: list[TargetTruth], t_start_s: float, t_end_s: float,
                rng: np.random.Generator) -> MeasurementBatch:
        """All detections of burning motors in [t_start_s, t_end_s]."""
        phase = rng.uniform(0.0, self.frame_period_s) if self.phase_s is None else self.phase_s
        frames = t_start_s + phase + self.frame_period_s * np.arange(
            int(math.floor((t_end_s - t_start_s - phase) / self.frame_period_s)) + 1)
        parts = [self._detect(tg, frames, rng) for tg in targets]
        return assemble(self.sensor_id, self.sensor_type, self.mtype, self.latency_s, parts)

    def _detect(self, tg: TargetTruth, frames: np.ndarray, rng: np.random.Generator) -> Sightings | None:
        t = frames[tg.thrusting(frames) & (frames <= tg.t_end_s)]
        n = t.size
        u = rng.random(n)
        noise = rng.standard_normal((n, 2))
        if n == 0:
            return None
        ps = self.platform.state(t)
        r, _, _ = tg.state_at(t)
        h = geodetic_height_v(r[:, 0].copy(), r[:, 1].copy(), r[:, 2].copy())
        seen = (h >= self.min_altitude_m) & line_of_sight_clear(ps.r_ecef, r) & (u < self.pd)
        alpha, delta = los_angles(ps.r_ecef, r)
        cov = self.covariance(delta)
        z = np.stack([alpha, delta], -1) + noise * np.sqrt(np.stack([cov[:, 0, 0], cov[:, 1, 1]], -1))
        z[:, 0] = np.mod(z[:, 0], TWO_PI)
        return Sightings(t[seen], z[seen], cov[seen], ps.take(seen), tg.object_id)
