"""The sensors the watch knows, with what each can plausibly report.

Built from sensor specifications (a scenario's sensors, or the catalogue). A sensor that is
not registered is handled by an explicit policy: ``reject`` (the default) or ``accept`` (checked
against generic physical bounds only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from missilewatch.errors import InputError
from missilewatch.sensors.platform import FixedSite

UNKNOWN_POLICIES = ("reject", "accept")
#: Farthest any sensor is taken to see (m): beyond the Moon's distance nothing is a missile.
GENERIC_MAX_RANGE_M = 400_000_000.0
#: Margin on a registered radar's maximum range (factor): reach is a nominal figure.
RANGE_MARGIN = 1.25
#: How far a fixed sensor's reported position may be from its registered site (m).
SITE_TOLERANCE_M = 5_000.0


@dataclass(frozen=True, eq=False)
class SensorLimits:
    """One registered sensor: ``kind`` (radar, infrared), reach ``max_range_m``, fixed ECEF
    position ``site_ecef`` (None for a moving platform), report ``latency_s``."""

    sensor_id: str
    kind: str
    max_range_m: float = GENERIC_MAX_RANGE_M
    site_ecef: np.ndarray | None = field(default=None, repr=False)
    latency_s: float = 0.0


@dataclass(frozen=True)
class SensorRegistry:
    """Registered sensors by id and the policy for the others."""

    sensors: dict[str, SensorLimits] = field(default_factory=dict)
    unknown: str = "reject"

    def __post_init__(self) -> None:
        if self.unknown not in UNKNOWN_POLICIES:
            raise InputError("unknown_sensors", self.unknown, f"must be one of {', '.join(UNKNOWN_POLICIES)}")

    def get(self, sensor_id: str) -> SensorLimits | None:
        return self.sensors.get(sensor_id)

    def with_policy(self, unknown: str) -> SensorRegistry:
        return SensorRegistry(dict(self.sensors), unknown)

    def __len__(self) -> int:
        return len(self.sensors)


def limits_from_spec(spec) -> SensorLimits:
    """Limits of one ``RadarSpec`` or ``InfraredSpec``."""
    model = spec.build()
    platform = model.platform
    site = None
    if isinstance(platform, FixedSite):
        site = np.asarray(platform.r_ecef, float)
    if spec.type == "radar":
        return SensorLimits(spec.id, "radar", spec.max_range_km * 1e3 * RANGE_MARGIN, site, spec.latency_s)
    return SensorLimits(spec.id, "infrared", GENERIC_MAX_RANGE_M, site, spec.latency_s)


def registry_from_specs(specs: Iterable, unknown: str = "reject") -> SensorRegistry:
    """A registry of the given sensor specifications."""
    return SensorRegistry({s.id: limits_from_spec(s) for s in specs}, unknown)


def catalogue_registry(unknown: str = "reject") -> SensorRegistry:
    """Every catalogued sensor."""
    from missilewatch.sensors.catalogue import catalogue

    return registry_from_specs(catalogue().values(), unknown)


def site_offset_m(limits: SensorLimits, r_ecef: np.ndarray) -> float:
    """Distance (m) of a reported sensor position from the registered site (0 if moving)."""
    if limits.site_ecef is None:
        return 0.0
    x, y, z = (np.asarray(r_ecef, float) - limits.site_ecef).tolist()
    d = math.sqrt(x * x + y * y + z * z)
    return d if math.isfinite(d) else math.inf
