"""Sensor models: ground and ship-borne radar, space-based infrared early warning, the
notional sensor catalogue, and the measurement format (JSON Lines / Parquet).

Sensors look at :class:`TargetTruth` objects and return :class:`MeasurementBatch` es; the
scenario simulator merges them into one :class:`MeasurementStream`.
"""

from missilewatch.sensors.catalogue import catalogue, catalogued
from missilewatch.sensors.detection import pd_at_range, snr_for_pd, swerling1_pd
from missilewatch.sensors.geometry import line_of_sight_clear, los_angles, range_az_el_rate
from missilewatch.sensors.infrared import InfraredSensor
from missilewatch.sensors.measurements import (
    COMPONENTS,
    MeasurementBatch,
    MeasurementStream,
    merge,
)
from missilewatch.sensors.platform import FixedSite, WaypointTrack, geostationary
from missilewatch.sensors.radar import Radar
from missilewatch.sensors.spec import InfraredSpec, RadarSpec, SpecError, parse_sensor
from missilewatch.sensors.targets import TargetTruth

__all__ = [
    "COMPONENTS",
    "FixedSite",
    "InfraredSensor",
    "InfraredSpec",
    "MeasurementBatch",
    "MeasurementStream",
    "Radar",
    "RadarSpec",
    "SpecError",
    "TargetTruth",
    "WaypointTrack",
    "catalogue",
    "catalogued",
    "geostationary",
    "line_of_sight_clear",
    "los_angles",
    "merge",
    "parse_sensor",
    "pd_at_range",
    "range_az_el_rate",
    "snr_for_pd",
    "swerling1_pd",
]
