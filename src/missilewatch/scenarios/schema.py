"""Scenario files (YAML): schema, validation, loading.

A scenario is one or more launches, the sensors that watch them, and a seed. Each launch is
given either by reported figures that a flight reconstruction fits (impact point, or azimuth
and range, plus apogee and optionally flight time) or directly by a generic profile's pitch
programme (range class, azimuth, kick angle, optional cutoff). Every bad field is reported
by its path (``launches[0].apogee_km``) in one :class:`~missilewatch.sensors.spec.SpecError`.

Units at this edge: degrees, km, s, m/s; times ISO 8601 with a timezone (local offsets such
as +09:00 are kept as written and converted to UTC inside).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from missilewatch.errors import InputError
from missilewatch.scenarios.safe_yaml import read_limited, safe_load_limited
from missilewatch.sensors.catalogue import catalogue
from missilewatch.sensors.spec import InfraredSpec, RadarSpec, SensorSpec, spec_error

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlaceSpec(_Strict):
    """A point on the Earth: latitude, longitude in degrees, with an optional name."""

    name: str = ""
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)


class ImpactFromSpec(_Strict):
    """An impact point as officials describe it: "about 3,200 km east of Kamaishi".

    The point lies ``distance_km`` from the named place along the geodesic that leaves it at
    ``bearing_deg`` (clockwise from north: 90 = east, 270 = west).
    """

    place: str
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)
    bearing_deg: float = Field(ge=0, lt=360)
    distance_km: float = Field(gt=0, le=20_000)


class FailureSpec(_Strict):
    """A boost-phase failure: thrust ends at ``boost_ends_s`` after launch (the missile then
    falls short); with ``tumble`` the body tumbles and falls with the lower ballistic
    coefficient ``tumble_beta_kg_m2``."""

    boost_ends_s: float = Field(gt=0, le=1000)
    tumble: bool = False
    tumble_beta_kg_m2: float = Field(default=1500.0, gt=0)


class BreakupSpec(_Strict):
    """The missile breaks into ``pieces`` objects (itself and pieces - 1 fragments).

    When: ``t_s`` after launch, or the time it falls through ``descent_altitude_km`` on the way
    down. Fragments leave with velocity kicks of RMS magnitude ``delta_v_mps`` (random,
    seeded) and fall with ballistic coefficient ``beta_kg_m2``; their radar cross-section is
    ``rcs_scale`` times the missile's.
    """

    pieces: int = Field(ge=2, le=50)
    t_s: float | None = Field(default=None, gt=0)
    descent_altitude_km: float | None = Field(default=None, gt=0)
    delta_v_mps: float = Field(default=30.0, ge=0, le=2000)
    beta_kg_m2: float = Field(default=2000.0, gt=0)
    rcs_scale: float = Field(default=0.3, gt=0)

    @model_validator(mode="after")
    def _when(self) -> BreakupSpec:
        if (self.t_s is None) == (self.descent_altitude_km is None):
            raise ValueError("give exactly one of t_s or descent_altitude_km")
        return self


class LaunchSpec(_Strict):
    """One launch (see the module docstring for the two ways to give the flight)."""

    id: str = Field(pattern=ID_PATTERN)
    missile: str = ""
    site: str = Field(min_length=1)
    time: AwareDatetime | None = None
    t_s: float | None = Field(default=None, ge=0)
    range_class: Literal["SRBM", "MRBM", "IRBM", "ICBM"] | None = None
    impact: PlaceSpec | None = None
    impact_from: ImpactFromSpec | None = None
    azimuth_deg: float | None = Field(default=None, ge=-360, le=360)
    range_km: float | None = Field(default=None, gt=0, le=19_000)
    apogee_km: float | None = Field(default=None, gt=0, le=20_000)
    flight_time_s: float | None = Field(default=None, gt=0, le=10_000)
    kick_deg: float | None = Field(default=None, ge=0, lt=90)
    cutoff_s: float | None = Field(default=None, gt=0)
    failure: FailureSpec | None = None
    breakup: BreakupSpec | None = None
    rcs_scale: float = Field(default=1.0, gt=0)
    reported: dict[str, Any] | None = None

    @field_validator("range_class", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _one_flight(self) -> LaunchSpec:
        if self.time is not None and self.t_s is not None:
            raise ValueError("give time or t_s, not both")
        if self.kick_deg is not None:
            extra = [n for n in ("impact", "impact_from", "range_km", "apogee_km", "flight_time_s")
                     if getattr(self, n) is not None]
            if extra:
                raise ValueError(f"a direct profile (kick_deg) takes no {', '.join(extra)}")
            if self.azimuth_deg is None or self.range_class is None:
                raise ValueError("a direct profile (kick_deg) needs azimuth_deg and range_class")
            return self
        if self.cutoff_s is not None:
            raise ValueError("cutoff_s belongs to a direct profile (with kick_deg); "
                             "for a failure use failure.boost_ends_s")
        given = [self.impact is not None, self.impact_from is not None,
                 self.azimuth_deg is not None or self.range_km is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of impact, impact_from, or azimuth_deg with range_km "
                             "(or a direct profile with kick_deg)")
        if given[2] and (self.azimuth_deg is None or self.range_km is None):
            raise ValueError("azimuth_deg and range_km go together")
        if self.apogee_km is None:
            raise ValueError("apogee_km is required to reconstruct the flight")
        return self


class CatalogueRef(_Strict):
    """A catalogued sensor, optionally with some fields changed: {catalogue: ID, FIELD: VALUE}."""

    model_config = ConfigDict(extra="allow", frozen=True)
    catalogue: str


def _sensor_entry_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "sensor-id"
    if isinstance(value, CatalogueRef) or (isinstance(value, dict) and "catalogue" in value):
        return "catalogue-ref"
    if isinstance(value, (dict, RadarSpec, InfraredSpec)):
        return "sensor-definition"
    return None


#: One entry of ``sensors``: a catalogue id, {catalogue: id, changes...}, or a full definition.
SensorEntry = Annotated[
    Annotated[str, Tag("sensor-id")]
    | Annotated[CatalogueRef, Tag("catalogue-ref")]
    | Annotated[SensorSpec, Tag("sensor-definition")],
    Discriminator(_sensor_entry_kind, custom_error_type="sensor_entry",
                  custom_error_message="must be a catalogue id, {catalogue: ID, ...} or a sensor definition with type"),
]


class ScenarioSpec(_Strict):
    """A whole scenario file."""

    name: str = Field(pattern=ID_PATTERN)
    title: str = ""
    description: str = ""
    epoch: AwareDatetime | None = None
    seed: int = Field(default=0, ge=0, lt=2**63)
    truth_dt_s: float = Field(default=1.0, ge=0.05, le=10.0)
    end_margin_s: float = Field(default=0.0, ge=0, le=3600)
    launches: list[LaunchSpec] = Field(min_length=1, max_length=500)
    sensors: list[SensorEntry] | None = None  # None: every catalogued sensor ("all" in files)
    resolved: dict[str, Any] | None = None

    @field_validator("sensors", mode="before")
    @classmethod
    def _all_sensors(cls, v: Any) -> Any:
        if v is None or v == "all":
            return None
        if isinstance(v, str):
            raise ValueError("must be 'all' or a list of sensors")
        return v

    @field_validator("name", mode="before")
    @classmethod
    def _date_name(cls, v: Any) -> Any:
        # YAML reads an unquoted 2022-10-04 as a date; a scenario named by its date is fine.
        return v.isoformat() if isinstance(v, dt.date) else v

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSpec:
        ids = [la.id for la in self.launches]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"launch ids must be unique; repeated: {', '.join(dup)}")
        if self.epoch is not None:
            early = [la.id for la in self.launches if la.time is not None and la.time < self.epoch]
            if early:
                raise ValueError(f"launches before the epoch: {', '.join(early)}")
        if self.epoch is None and all(la.time is None for la in self.launches):
            raise ValueError("give an epoch or a time for at least one launch")
        return self

    # -- derived ----------------------------------------------------------------------------

    @property
    def epoch_utc(self) -> dt.datetime:
        """Time zero of the scenario (UTC): the epoch, else the earliest launch time."""
        if self.epoch is not None:
            return self.epoch.astimezone(dt.UTC)
        return min(la.time for la in self.launches if la.time is not None).astimezone(dt.UTC)

    def launch_t_s(self, launch: LaunchSpec) -> float:
        """Launch time in seconds from the epoch."""
        if launch.time is not None:
            return (launch.time - self.epoch_utc).total_seconds()
        return float(launch.t_s or 0.0)

    def sensor_specs(self) -> list[RadarSpec | InfraredSpec]:
        """The scenario's sensors as full specifications (catalogue entries resolved)."""
        cat = catalogue()
        if self.sensors is None:
            return list(cat.values())
        out: list[RadarSpec | InfraredSpec] = []
        for i, s in enumerate(self.sensors):
            if isinstance(s, str):
                if s not in cat:
                    raise InputError(f"sensors[{i}]", s, f"unknown sensor; catalogue has {', '.join(cat)}")
                out.append(cat[s])
            elif isinstance(s, CatalogueRef):
                if s.catalogue not in cat:
                    raise InputError(f"sensors[{i}].catalogue", s.catalogue,
                                     f"unknown sensor; catalogue has {', '.join(cat)}")
                base = cat[s.catalogue]
                merged = {**base.model_dump(exclude_none=True), **(s.model_extra or {})}
                try:
                    out.append(type(base).model_validate(merged))
                except ValidationError as exc:
                    raise spec_error(exc, prefix=f"sensors[{i}]") from None
            else:
                out.append(s)
        ids = [s.id for s in out]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise InputError("sensors", dup, "sensor ids must be unique")
        return out


def parse_scenario(data: Any, where: str = "") -> ScenarioSpec:
    """Validate a scenario mapping; SpecError naming every bad field."""
    if not isinstance(data, dict):
        raise InputError(where or "scenario", type(data).__name__, "must be a mapping of fields")
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise spec_error(exc, where) from None
    spec.sensor_specs()  # resolve catalogue references now, so errors show at load time
    return spec


def load_scenario_file(path: Path | str) -> ScenarioSpec:
    """Read and validate a scenario YAML file."""
    p = Path(path)
    return parse_scenario_text(read_limited(p, "scenario"), str(p))


def parse_scenario_text(text: str, where: str = "scenario") -> ScenarioSpec:
    """Validate scenario YAML text."""
    try:
        data = safe_load_limited(text, where)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(where, f"YAML{at}", f"is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_scenario(data, where)
