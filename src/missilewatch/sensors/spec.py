"""Sensor descriptions as they appear in files (the catalogue, scenario files), validated with
pydantic, and their conversion to the sensor models.

Units at this edge say so in their names: degrees, km, mrad, urad, knots; the models get SI.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from missilewatch.errors import InputError
from missilewatch.sensors.infrared import InfraredSensor
from missilewatch.sensors.platform import KNOT_MPS, FixedSite, WaypointTrack, geostationary
from missilewatch.sensors.radar import Radar

SENSOR_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSpec(_Strict):
    """A fixed place: geodetic latitude, longitude (deg) and height above WGS84 (m)."""

    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)
    h_m: float = Field(default=0.0, ge=-500, le=100_000_000)


class TrackSpec(_Strict):
    """A ship's patrol: waypoints [[lat_deg, lon_deg], ...], speed in knots, antenna height."""

    waypoints: list[tuple[Annotated[float, Field(ge=-90, le=90)],
                          Annotated[float, Field(ge=-180, le=360)]]] = Field(min_length=2)
    speed_kn: float = Field(gt=0, le=60)
    h_m: float = Field(default=20.0, ge=0, le=200)
    loop: bool = True
    start_s: float = 0.0


class RadarSpec(_Strict):
    """A radar on a fixed ``site`` or on a ship following ``track``."""

    type: Literal["radar"]
    id: str = Field(pattern=SENSOR_ID_PATTERN)
    name: str = ""
    notes: str = ""
    site: SiteSpec | None = None
    track: TrackSpec | None = None
    scan: Literal["sector", "rotating"] = "sector"
    az_center_deg: float = Field(default=0.0, ge=-360, le=360)
    az_half_width_deg: float = Field(default=180.0, gt=0, le=180)
    min_elevation_deg: float = Field(default=0.0, ge=-90, le=90)
    max_elevation_deg: float = Field(default=90.0, ge=-90, le=90)
    min_range_km: float = Field(default=10.0, ge=0)
    max_range_km: float = Field(gt=0, le=50_000)
    revisit_s: float = Field(gt=0, le=3600)
    sigma_range_m: float = Field(ge=0)
    sigma_az_mrad: float = Field(ge=0)
    sigma_el_mrad: float = Field(ge=0)
    sigma_range_rate_mps: float | None = Field(default=None, ge=0)
    pd_ref: float = Field(default=0.5, gt=0, lt=1)
    ref_range_km: float | None = Field(default=None, gt=0)
    pfa: float = Field(default=1e-6, gt=0, lt=1)
    false_alarms_per_scan: float = Field(default=0.0, ge=0, le=1000)
    latency_s: float = Field(default=0.0, ge=0)
    phase_s: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_platform(self) -> RadarSpec:
        if (self.site is None) == (self.track is None):
            raise ValueError("give exactly one of site (fixed radar) or track (ship-borne radar)")
        if self.min_elevation_deg >= self.max_elevation_deg:
            raise ValueError("min_elevation_deg must be below max_elevation_deg")
        if self.min_range_km >= self.max_range_km:
            raise ValueError("min_range_km must be below max_range_km")
        if self.phase_s is not None and self.phase_s >= self.revisit_s:
            raise ValueError("phase_s must be below revisit_s")
        return self

    def build(self) -> Radar:
        """The radar model in SI units."""
        platform: FixedSite | WaypointTrack
        if self.site is not None:
            platform = FixedSite(self.site.lat_deg, self.site.lon_deg, self.site.h_m)
        elif self.track is not None:
            tr = self.track
            platform = WaypointTrack(tuple(tr.waypoints), tr.speed_kn * KNOT_MPS,
                                     tr.h_m, tr.loop, tr.start_s)
        else:  # the validator requires exactly one of site and track
            raise InputError(f"sensor {self.id}", None, "give exactly one of site (fixed radar) or track")
        return Radar(
            sensor_id=self.id, platform=platform, name=self.name,
            max_range_m=self.max_range_km * 1e3, min_range_m=self.min_range_km * 1e3,
            revisit_s=self.revisit_s, sigma_range_m=self.sigma_range_m,
            sigma_az_rad=self.sigma_az_mrad * 1e-3, sigma_el_rad=self.sigma_el_mrad * 1e-3,
            sigma_range_rate_mps=self.sigma_range_rate_mps, scan=self.scan,
            az_center_rad=math.radians(self.az_center_deg),
            az_half_width_rad=math.radians(self.az_half_width_deg),
            min_elevation_rad=math.radians(self.min_elevation_deg),
            max_elevation_rad=math.radians(self.max_elevation_deg),
            pd_ref=self.pd_ref, pfa=self.pfa,
            ref_range_m=None if self.ref_range_km is None else self.ref_range_km * 1e3,
            false_alarms_per_scan=self.false_alarms_per_scan, latency_s=self.latency_s,
            phase_s=self.phase_s,
        )


class InfraredSpec(_Strict):
    """A space-based infrared sensor: geostationary at ``geo_lon_deg`` or at a fixed ``site``."""

    type: Literal["infrared"]
    id: str = Field(pattern=SENSOR_ID_PATTERN)
    name: str = ""
    notes: str = ""
    geo_lon_deg: float | None = Field(default=None, ge=-180, le=360)
    site: SiteSpec | None = None
    frame_period_s: float = Field(gt=0, le=600)
    sigma_los_urad: float = Field(ge=0)
    latency_s: float = Field(default=0.0, ge=0)
    pd: float = Field(default=0.95, gt=0, le=1)
    min_altitude_km: float = Field(default=0.0, ge=0)
    phase_s: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_position(self) -> InfraredSpec:
        if (self.geo_lon_deg is None) == (self.site is None):
            raise ValueError("give exactly one of geo_lon_deg (geostationary) or site")
        if self.phase_s is not None and self.phase_s >= self.frame_period_s:
            raise ValueError("phase_s must be below frame_period_s")
        return self

    def build(self) -> InfraredSensor:
        """The infrared sensor model in SI units."""
        if self.site is not None:
            platform = FixedSite(self.site.lat_deg, self.site.lon_deg, self.site.h_m)
        elif self.geo_lon_deg is not None:
            platform = geostationary(self.geo_lon_deg)
        else:  # the validator requires exactly one of site and geo_lon_deg
            raise InputError(f"sensor {self.id}", None, "give exactly one of geo_lon_deg (geostationary) or site")
        return InfraredSensor(
            sensor_id=self.id, platform=platform, name=self.name,
            frame_period_s=self.frame_period_s, sigma_los_rad=self.sigma_los_urad * 1e-6,
            latency_s=self.latency_s, pd=self.pd, min_altitude_m=self.min_altitude_km * 1e3,
            phase_s=self.phase_s,
        )


SensorSpec = Annotated[RadarSpec | InfraredSpec, Field(discriminator="type")]


#: Union branch tags that pydantic puts in error locations; not field names.
UNION_TAGS = {"radar", "infrared", "sensor-id", "catalogue-ref", "sensor-definition"}


def field_path(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a path: ('launches', 0, 'apogee_km') -> launches[0].apogee_km.

    Union branch tags that pydantic inserts (the discriminator value, function names) are
    dropped.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) in UNION_TAGS or "[" in str(part) or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


class SpecError(InputError):
    """One or more fields of a file failed validation; ``problems`` lists (field, value, problem)."""

    def __init__(self, problems: list[tuple[str, Any, str]], where: str = "") -> None:
        self.problems = problems
        field, value, problem = problems[0]
        super().__init__(field, value, problem)
        head = f"{where}: " if where else ""
        self.args = ("; ".join(f"{head}{f}: {p} (got {v!r})" for f, v, p in problems),)

    def __str__(self) -> str:
        return str(self.args[0])


def spec_error(exc: ValidationError, where: str = "", prefix: str = "") -> SpecError:
    """Turn a pydantic ValidationError into a SpecError naming every bad field."""
    problems = []
    for err in exc.errors():
        path = field_path(err["loc"])
        if prefix:
            path = f"{prefix}.{path}" if not path.startswith("[") else f"{prefix}{path}"
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        if isinstance(value, dict):
            value = "{" + ", ".join(sorted(map(str, value))) + "}"
        problems.append((path, value, msg))
    return SpecError(problems, where)


def parse_sensor(data: dict, where: str = "", prefix: str = "sensor") -> RadarSpec | InfraredSpec:
    """Validate one sensor description (a mapping with ``type``)."""
    from pydantic import TypeAdapter

    try:
        return TypeAdapter(SensorSpec).validate_python(data)
    except ValidationError as exc:
        raise spec_error(exc, where, prefix) from None
