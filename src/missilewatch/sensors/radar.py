"""Ground-based and ship-borne radar: coverage, Earth horizon, Pd against range, noise, false
alarms.

A radar measures slant range, azimuth and elevation in the east-north-up frame at its own
position (and range rate when it has one), each with independent Gaussian noise. Its coverage
is a range interval, an elevation interval and an azimuth sector (or the full circle); a target
is seen only when the straight line of sight clears the WGS84 ellipsoid.

Scanning: a ``sector`` radar (a phased array) revisits its whole sector every ``revisit_s``
seconds and reports all targets at the scan instant. A ``rotating`` radar turns clockwise once
every ``revisit_s`` seconds, its beam pointing north at the start of each turn, and sees a
target when the beam passes the target's azimuth.

Detection: Swerling I with SNR ~ 1/R^4 (see :mod:`missilewatch.sensors.detection`); false
alarms: a Poisson number per scan with mean ``false_alarms_per_scan``, uniform in range,
azimuth and elevation over the coverage (every resolution cell equally likely), range rate
uniform in +-``max_range_rate_mps``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missilewatch.errors import InputError
from missilewatch.sensors.detection import pd_at_range, snr_for_pd
from missilewatch.sensors.geometry import TWO_PI, line_of_sight_clear, range_az_el_rate, wrap_pi
from missilewatch.sensors.measurements import MeasurementBatch, Sightings, assemble
from missilewatch.sensors.platform import FixedSite, PlatformState, WaypointTrack
from missilewatch.sensors.targets import TargetTruth

SCAN_MODES = ("sector", "rotating")


@dataclass(frozen=True)
class Radar:
    """A radar on a fixed site or a ship. SI units: m, rad, s, m/s."""

    sensor_id: str
    platform: FixedSite | WaypointTrack
    max_range_m: float
    revisit_s: float
    sigma_range_m: float
    sigma_az_rad: float
    sigma_el_rad: float
    sigma_range_rate_mps: float | None = None
    min_range_m: float = 10_000.0
    scan: str = "sector"
    az_center_rad: float = 0.0
    az_half_width_rad: float = math.pi
    min_elevation_rad: float = 0.0
    max_elevation_rad: float = math.pi / 2
    pd_ref: float = 0.5
    ref_range_m: float | None = None
    pfa: float = 1e-6
    false_alarms_per_scan: float = 0.0
    max_range_rate_mps: float = 8000.0
    latency_s: float = 0.0
    phase_s: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        f = self.sensor_id
        positive = {"max_range_m": self.max_range_m, "revisit_s": self.revisit_s,
                    "max_range_rate_mps": self.max_range_rate_mps}
        for key, val in positive.items():
            if not (math.isfinite(val) and val > 0):
                raise InputError(f"{f}.{key}", val, "must be > 0")
        for key in ("sigma_range_m", "sigma_az_rad", "sigma_el_rad", "latency_s",
                    "false_alarms_per_scan", "min_range_m"):
            val = getattr(self, key)
            if not (math.isfinite(val) and val >= 0):
                raise InputError(f"{f}.{key}", val, "must be >= 0")
        if self.sigma_range_rate_mps is not None and not self.sigma_range_rate_mps >= 0:
            raise InputError(f"{f}.sigma_range_rate_mps", self.sigma_range_rate_mps, "must be >= 0")
        if not self.min_range_m < self.max_range_m:
            raise InputError(f"{f}.min_range_m", self.min_range_m, "must be below max_range_m")
        if self.scan not in SCAN_MODES:
            raise InputError(f"{f}.scan", self.scan, f"must be one of {', '.join(SCAN_MODES)}")
        if not 0 < self.az_half_width_rad <= math.pi:
            raise InputError(f"{f}.az_half_width_rad", self.az_half_width_rad, "must be in (0, pi]")
        if not -math.pi / 2 <= self.min_elevation_rad < self.max_elevation_rad <= math.pi / 2:
            raise InputError(f"{f}.min_elevation_rad", self.min_elevation_rad,
                             "needs -pi/2 <= min elevation < max elevation <= pi/2")
        snr_for_pd(self.pd_ref, self.pfa)  # raises on a bad pd_ref / pfa
        if self.ref_range_m is not None and not self.ref_range_m > 0:
            raise InputError(f"{f}.ref_range_m", self.ref_range_m, "must be > 0")
        if self.phase_s is not None and not 0 <= self.phase_s < self.revisit_s:
            raise InputError(f"{f}.phase_s", self.phase_s, "must be in [0, revisit_s)")

    @property
    def sensor_type(self) -> str:
        return "radar"

    @property
    def mtype(self) -> str:
        return "range_az_el" if self.sigma_range_rate_mps is None else "range_az_el_rr"

    @property
    def sigmas(self) -> np.ndarray:
        """Standard deviations of the measured components (range, az, el[, range rate])."""
        s = [self.sigma_range_m, self.sigma_az_rad, self.sigma_el_rad]
        if self.sigma_range_rate_mps is not None:
            s.append(self.sigma_range_rate_mps)
        return np.array(s)

    @property
    def covariance(self) -> np.ndarray:
        """Measurement noise covariance (d, d), SI units squared."""
        return np.diag(self.sigmas**2)

    @property
    def reference_range_m(self) -> float:
        """Range at which Pd = pd_ref (default: the maximum range)."""
        return self.max_range_m if self.ref_range_m is None else self.ref_range_m

    def pd(self, range_m: np.ndarray, rcs_scale: float = 1.0) -> np.ndarray:
        """Detection probability at slant range ``range_m`` (inside the coverage)."""
        return pd_at_range(range_m, self.pd_ref, self.reference_range_m, self.pfa, rcs_scale)

    def in_coverage(self, range_m: np.ndarray, az_rad: np.ndarray, el_rad: np.ndarray) -> np.ndarray:
        """True where (range, az, el) lies inside the range, elevation and azimuth limits."""
        ok = (range_m >= self.min_range_m) & (range_m <= self.max_range_m)
        ok &= (el_rad >= self.min_elevation_rad) & (el_rad <= self.max_elevation_rad)
        if self.scan == "sector" and self.az_half_width_rad < math.pi:
            ok &= np.abs(wrap_pi(az_rad - self.az_center_rad)) <= self.az_half_width_rad
        return ok

    def observe(self, targets: list[TargetTruth], t_start_s: float, t_end_s: float,
                rng: np.random.Generator) -> MeasurementBatch:
        """All measurements (detections and false alarms) in [t_start_s, t_end_s]."""
        phase = rng.uniform(0.0, self.revisit_s) if self.phase_s is None else self.phase_s
        scans = t_start_s + phase + self.revisit_s * np.arange(
            int(math.floor((t_end_s - t_start_s - phase) / self.revisit_s)) + 1)
        parts = [self._detect(tg, scans, rng) for tg in targets]
        parts.append(self._false_alarms(scans, t_end_s, rng))
        return assemble(self.sensor_id, self.sensor_type, self.mtype, self.latency_s, parts)

    # -- internals ------------------------------------------------------------------------

    def _times_on(self, tg: TargetTruth, scans: np.ndarray) -> np.ndarray:
        """Times at which the target is illuminated, one per scan that overlaps its flight."""
        if self.scan == "sector":
            return scans[(scans >= tg.t_start_s) & (scans <= tg.t_end_s)]
        lo = np.searchsorted(scans, tg.t_start_s - self.revisit_s)
        k = scans[lo: np.searchsorted(scans, tg.t_end_s, side="right")]
        omega = TWO_PI / self.revisit_s
        t = k.copy()
        for _ in range(3):  # fixed point: beam azimuth = target azimuth at that time
            tc = np.clip(t, tg.t_start_s, tg.t_end_s)
            _, az, _, _ = self._geometry(tg, tc)[0]
            t = k + np.mod(az, TWO_PI) / omega
        return t[(t >= tg.t_start_s) & (t <= tg.t_end_s)]

    def _geometry(self, tg: TargetTruth, t: np.ndarray,
                  ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], PlatformState, np.ndarray]:
        ps = self.platform.state(t)
        r, v, _ = tg.state_at(t)
        rae = range_az_el_rate(ps.r_ecef, ps.v_ecef, ps.lat_rad, ps.lon_rad, r, v)
        return rae, ps, r

    def _detect(self, tg: TargetTruth, scans: np.ndarray, rng: np.random.Generator) -> Sightings | None:
        t = self._times_on(tg, scans)
        n = t.size
        # Draw for every candidate sighting, visible or not, so the random stream does not
        # depend on the geometry.
        u = rng.random(n)
        noise = rng.standard_normal((n, self.sigmas.size))
        if n == 0:
            return None
        (rng_m, az, el, rr), ps, r = self._geometry(tg, t)
        seen = self.in_coverage(rng_m, az, el) & line_of_sight_clear(ps.r_ecef, r)
        seen &= u < self.pd(rng_m, tg.rcs_scale)
        truth = np.stack([rng_m, az, el, rr][: self.sigmas.size], -1)
        z = truth + noise * self.sigmas
        z[:, 1] = np.mod(z[:, 1], TWO_PI)
        m = int(seen.sum())
        return Sightings(t[seen], z[seen], np.broadcast_to(self.covariance, (m, *self.covariance.shape)),
                         ps.take(seen), tg.object_id)

    def _false_alarms(self, scans: np.ndarray, t_end_s: float, rng: np.random.Generator) -> Sightings | None:
        lam = self.false_alarms_per_scan
        counts = rng.poisson(lam, scans.size) if lam > 0 else np.zeros(scans.size, dtype=np.int64)
        n = int(counts.sum())
        t = np.repeat(scans, counts)
        rmin, rmax = self.min_range_m, self.max_range_m
        rg = rng.uniform(rmin, rmax, n)
        if self.scan == "sector" and self.az_half_width_rad < math.pi:
            az = self.az_center_rad + rng.uniform(-self.az_half_width_rad, self.az_half_width_rad, n)
        else:
            az = rng.uniform(0.0, TWO_PI, n)
        az = np.mod(az, TWO_PI)
        el = rng.uniform(self.min_elevation_rad, self.max_elevation_rad, n)
        rr = rng.uniform(-self.max_range_rate_mps, self.max_range_rate_mps, n)
        if self.scan == "rotating":
            t = t + az / (TWO_PI / self.revisit_s)
        keep = t <= t_end_s
        if n == 0 or not keep.any():
            return None
        z = np.stack([rg, az, el, rr][: self.sigmas.size], -1)[keep]
        t = t[keep]
        return Sightings(t, z, np.broadcast_to(self.covariance, (t.size, *self.covariance.shape)),
                         self.platform.state(t), "")
