"""Per-sensor health: a sensor whose reports are persistently inconsistent is quarantined
(its measurements no longer reach the tracker) and released when it recovers.

Two kinds of evidence, per sensor:

- the edge's verdicts: ``quarantine_faults`` time-window or physical faults among its last
  ``window`` reports, or ``quarantine_gross`` reports in a row all ``gross_time_s`` or more off
  the stream's clock (a clock minutes off makes every report fall outside the time window);
- its measurements against the fused tracks of the *other* sensors: for a confirmed,
  ballistic track updated by ``reference_sensors`` other sensors within ``reference_age_s``
  and unambiguously the nearest (the next one ``ambiguity`` times farther), the normalised
  innovation (NIS per degree of freedom) of the measurement and the clock offset that best
  explains it (s, least squares along the track's motion). The median NIS per dof of the last
  ``nis_window`` such residuals above ``nis_limit`` (a 10-sigma miss) means a bias or a clock
  error (a healthy sensor's median is about 1; the salvo's crowded tracks reach about 30).
  At most one comparison per sensor every ``residual_every_s`` of measurement time.

While quarantined, a sensor's reports are still checked, so it is released after
``release_clean`` consecutive clean ones. Times in s from the epoch.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking import residual_kernels as rk
from missilewatch.tracking.measurements import Measurement

#: Edge faults that speak of the sensor itself (not of a damaged line).
SENSOR_FAULTS = frozenset({
    "future", "too_old", "report_before_measurement", "range", "angle_domain", "range_rate",
    "covariance", "sensor_position", "sensor_velocity", "wrong_type",
})


@dataclass(frozen=True)
class HealthConfig:
    """Quarantine thresholds (counts, s) and the launch policy (``launch_min_sensors``:
    distinct sensors a track needs before a launch is announced or an alert is issued)."""

    window: int = 12
    quarantine_faults: int = 6
    gross_time_s: float = 120.0
    quarantine_gross: int = 3
    nis_window: int = 9
    nis_limit: float = 100.0
    coarse_nis: float = 1e6
    ambiguity: float = 100.0
    reference_sensors: int = 2
    reference_age_s: float = 10.0
    residual_every_s: float = 2.0
    release_clean: int = 8
    launch_min_sensors: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.quarantine_faults <= self.window:
            raise InputError("quarantine_faults", self.quarantine_faults, f"must be in [1, window={self.window}]")
        for name in ("nis_window", "release_clean", "launch_min_sensors", "quarantine_gross"):
            if getattr(self, name) < 1:
                raise InputError(name, getattr(self, name), "must be >= 1")
        for name in ("nis_limit", "coarse_nis", "reference_age_s", "ambiguity"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be > 0")


@dataclass
class SensorState:
    """What is known of one sensor's health."""

    sensor_id: str
    verdicts: deque = field(default_factory=lambda: deque(maxlen=64))
    nis: deque = field(default_factory=lambda: deque(maxlen=64))
    offsets_s: deque = field(default_factory=lambda: deque(maxlen=64))
    quarantined: bool = False
    since_t_s: float | None = None
    clean_run: int = 0
    reports: int = 0
    first_t_s: float | None = None
    last_residual_t_s: float = -math.inf
    gross_run: int = 0
    quarantines: list[tuple[float, str]] = field(default_factory=list)


@dataclass(frozen=True)
class HealthChange:
    """A sensor quarantined (``quarantined`` True) or released, when and why."""

    sensor_id: str
    t_s: float
    quarantined: bool
    reason: str


class SensorHealth:
    """Health of every sensor seen; feed it verdicts and residuals, ask :meth:`quarantined`."""

    def __init__(self, config: HealthConfig | None = None) -> None:
        self.config = config or HealthConfig()
        self.sensors: dict[str, SensorState] = {}
        self._updated_by: dict[int, dict[str, float]] = {}

    def state(self, sensor_id: str) -> SensorState:
        st = self.sensors.get(sensor_id)
        if st is None:
            st = self.sensors[sensor_id] = SensorState(sensor_id)
        return st

    def quarantined(self, sensor_id: str) -> bool:
        st = self.sensors.get(sensor_id)
        return st is not None and st.quarantined

    # -- evidence --------------------------------------------------------------------------

    def verdict(self, sensor_id: str, t_s: float, fault_reason: str | None, off_s: float = 0.0) -> HealthChange | None:
        """One report's edge verdict (None: clean); ``off_s``: how far off a time fault is (s)."""
        st = self.state(sensor_id)
        st.reports += 1
        if st.first_t_s is None and math.isfinite(t_s):
            st.first_t_s = t_s
        bad = fault_reason in SENSOR_FAULTS
        st.verdicts.append(bad)
        gross = bad and abs(off_s) >= self.config.gross_time_s
        st.gross_run = st.gross_run + 1 if gross else 0
        if bad:
            st.clean_run = 0
            last = list(st.verdicts)[-self.config.window:]
            if not st.quarantined and st.gross_run >= self.config.quarantine_gross:
                return self._quarantine(st, t_s, f"its last {st.gross_run} reports were all at least "
                                        f"{self.config.gross_time_s:g} s off the stream clock (latest: "
                                        f"{fault_reason}, {off_s:+,.0f} s): its clock is wrong")
            if not st.quarantined and sum(last) >= self.config.quarantine_faults:
                return self._quarantine(st, t_s, f"{sum(last)} of its last {len(last)} reports fell outside "
                                        f"the time window or physical bounds (latest: {fault_reason})")
            return None
        if fault_reason is None:
            return self._clean(st, t_s)
        return None

    def residual(self, m: Measurement, references, now_s: float) -> HealthChange | None:
        """Compare a measurement that passed the edge with the others' fused tracks
        (``references``: track snapshots); record the NIS and clock offset if one is near."""
        st = self.state(m.sensor_id)
        if abs(m.t_s - st.last_residual_t_s) < self.config.residual_every_s:
            return None  # one comparison per sensor per residual_every_s keeps the cost bounded
        st.last_residual_t_s = m.t_s
        cands = []
        for snap in (references() if callable(references) else references):
            if all(s == m.sensor_id for s in snap.sensors):
                continue  # a track of this sensor's own reports is no evidence about it
            got = near_nis_and_offset(snap, m)
            if got is not None:
                cands.append((got[0], got[1], snap))
        if not cands:
            return None
        cands.sort(key=lambda c: c[0])
        nis, offset, snap = cands[0]
        if not nis <= self.config.coarse_nis:
            return None
        if len(cands) > 1 and cands[1][0] < self.config.ambiguity * max(nis, 1.0):
            return None  # two tracks could have made it: no evidence about the sensor
        others = {s for s, t in self._updated_by.get(snap.track_id, {}).items()
                  if s != m.sensor_id and abs(m.t_s - t) <= self.config.reference_age_s}
        if snap.boost_probability > 0.5 or not snap.confirmed or len(others) < self.config.reference_sensors:
            return None  # the nearest track is not the others' fused, ballistic track
        best = (nis, offset)
        st.nis.append(best[0])
        st.offsets_s.append(best[1])
        recent = list(st.nis)[-self.config.nis_window:]
        if len(recent) < self.config.nis_window:
            return None
        med = float(statistics.median(recent))
        if med > self.config.nis_limit:
            st.clean_run = 0
            if not st.quarantined:
                off = float(np.median(list(st.offsets_s)[-self.config.nis_window:]))
                return self._quarantine(st, now_s, f"inconsistent with the other sensors' tracks: median "
                                        f"NIS per dof {med:,.1f} over {len(recent)} reports, clock offset "
                                        f"about {off:+,.2f} s")
        return None

    def track_updated(self, track_id: int, sensor_id: str, t_s: float) -> None:
        """A track event: ``sensor_id`` updated ``track_id`` at ``t_s``."""
        self._updated_by.setdefault(track_id, {})[sensor_id] = t_s

    def track_sensors(self, track_id: int) -> set[str]:
        """Sensors (not quarantined) that have updated a track."""
        return {s for s in self._updated_by.get(track_id, {}) if not self.quarantined(s)}

    def enough_sensors(self, track_id: int, launch_detected: bool = False) -> bool:
        """Whether a track rests on the evidence the policy requires."""
        return len(self.track_sensors(track_id)) >= self.config.launch_min_sensors

    # -- transitions -----------------------------------------------------------------------

    def _quarantine(self, st: SensorState, t_s: float, why: str) -> HealthChange:
        st.quarantined, st.since_t_s, st.clean_run = True, t_s, 0
        st.quarantines.append((t_s, why))
        return HealthChange(st.sensor_id, t_s, True, why)

    def _clean(self, st: SensorState, t_s: float) -> HealthChange | None:
        if not st.quarantined:
            return None
        recent = list(st.nis)[-self.config.nis_window:]
        if len(recent) >= self.config.nis_window and float(statistics.median(recent)) > self.config.nis_limit:
            return None
        st.clean_run += 1
        if st.clean_run >= self.config.release_clean:
            st.quarantined, st.clean_run = False, 0
            st.verdicts.clear()
            st.nis.clear()
            return HealthChange(st.sensor_id, t_s, False, f"{self.config.release_clean} consecutive reports "
                                "consistent again")
        return None

    def summary(self) -> dict:
        """JSON-ready: per sensor, quarantines (time, reason) and whether it is quarantined now."""
        return {sid: {"quarantined": st.quarantined, "quarantines": [[round(t, 1), w] for t, w in st.quarantines],
                      "first_report_s": None if st.first_t_s is None else round(st.first_t_s, 1)}
                for sid, st in sorted(self.sensors.items()) if st.quarantines}


#: Cheap pre-test before the NIS: a radar detection within this distance of a track (m), an
#: infrared line of sight within this angle of it (rad).
NEAR_M = 300_000.0
NEAR_RAD = 0.1
#: A track estimate older or newer than this (s) is not flown to the measurement.
MAX_RESIDUAL_DT_S = 20.0


def near_nis_and_offset(snap, m: Measurement, near_m: float = NEAR_M,
                        near_rad: float = NEAR_RAD) -> tuple[float, float] | None:
    """When the track snapshot is near ``m`` (:data:`NEAR_M`, :data:`NEAR_RAD`) and within
    :data:`MAX_RESIDUAL_DT_S` of it: the NIS per dof of ``m`` against the snapshot flown to
    ``m.t_s`` (gravity, Coriolis, centrifugal; linear covariance), and the clock offset (s) that
    best explains the residual (:func:`~missilewatch.tracking.residual_kernels.near_nis_offset`)."""
    dt = m.t_s - snap.t_s
    if not abs(dt) <= MAX_RESIDUAL_DT_S:
        return None
    z, R, sp = m.kernel_inputs
    out = np.empty(2)
    got = rk.near_nis_offset(snap.state.x, snap.state.P, dt, m.code, z, R, sp, near_m, near_rad, out)
    return (float(out[0]), float(out[1])) if got == rk.FOUND else None


def nis_and_offset(snap, m: Measurement) -> tuple[float, float] | None:
    """NIS per dof of ``m`` against a track snapshot flown to ``m.t_s`` (gravity, Coriolis,
    centrifugal; linear covariance), and the clock offset (s) that best explains the residual."""
    return near_nis_and_offset(snap, m, math.inf, math.pi)
