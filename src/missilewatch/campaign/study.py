"""Study files (YAML): the space of launches a campaign samples, validated like scenario files.

A study crosses these dimensions, and every cell of the product is run ``seeds_per_cell``
times with independent seeds:

- ``sites``: launch sites (catalogue names or "LAT,LON");
- ``targets``: bearings from the site (``bearings_deg``, flown to each flight's ``range_km``),
  Japan's prefectures (``prefectures``: ``all`` or names; aimed at a point inside each) and
  named points (``points``); ``aim_sigma_km`` scatters the aim point of each run (seeded);
- ``flights``: range class and trajectory (``standard``: the minimum-energy apogee for the
  range; ``lofted``: ``loft_factor`` times it, or an explicit ``apogee_km``);
- ``launch_times`` (ISO 8601 with zone), ``salvo_sizes`` (missiles ``salvo_interval_s`` apart);
- ``networks``: sensor networks (``sensors``: ``all`` or catalogue ids; ``out``: sensors off;
  ``change``: ``{id: {field: value}}`` e.g. a ship's moved patrol; ``add``: more sensors as in
  scenario files);
- ``policies``: decision policy files (TOML; none: the packaged default).

Every bad field is reported by its path (``flights[1].loft_factor``) in one
:class:`~missilewatch.sensors.spec.SpecError`. Units at this edge: degrees, km, s.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from missilewatch.errors import ConfigError, InputError, MissilewatchError
from missilewatch.sensors.spec import SpecError, spec_error

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
#: The country whose admin-1 regions ``targets.prefectures`` names.
PREFECTURE_COUNTRY = "JPN"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PointSpec(_Strict):
    """A named aim point (degrees)."""

    name: str = Field(pattern=ID_PATTERN)
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)


class TargetsSpec(_Strict):
    """Where the launches go: bearings, prefectures and/or points (at least one)."""

    bearings_deg: list[float] = Field(default_factory=list)
    prefectures: Literal["all"] | list[str] = Field(default_factory=list)
    points: list[PointSpec] = Field(default_factory=list)
    aim_sigma_km: float = Field(default=0.0, ge=0, le=500)

    @field_validator("bearings_deg")
    @classmethod
    def _bearings(cls, v: list[float]) -> list[float]:
        bad = [b for b in v if not 0 <= b < 360]
        if bad:
            raise ValueError(f"bearings must be in [0, 360) deg; got {bad}")
        return v

    @model_validator(mode="after")
    def _some(self) -> TargetsSpec:
        if not self.bearings_deg and not self.prefectures and not self.points:
            raise ValueError("give bearings_deg, prefectures or points")
        return self


class FlightSpec(_Strict):
    """A kind of flight: range class, trajectory type, and (for bearings) its range."""

    name: str = Field(pattern=ID_PATTERN)
    range_class: Literal["SRBM", "MRBM", "IRBM", "ICBM"]
    trajectory: Literal["standard", "lofted"] = "standard"
    range_km: float | None = Field(default=None, gt=0, le=19_000)
    apogee_km: float | None = Field(default=None, gt=0, le=20_000)
    loft_factor: float = Field(default=3.0, gt=1, le=30)

    @field_validator("range_class", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _apogee(self) -> FlightSpec:
        if self.trajectory == "standard" and self.apogee_km is not None:
            raise ValueError("a standard trajectory takes no apogee_km (it is the minimum-energy apogee); "
                             "use trajectory: lofted")
        return self


class NetworkSpec(_Strict):
    """A sensor network: a catalogue subset, sensors out, changed fields, added sensors."""

    name: str = Field(pattern=ID_PATTERN)
    sensors: Literal["all"] | list[str] = "all"
    out: list[str] = Field(default_factory=list)
    change: dict[str, dict[str, Any]] = Field(default_factory=dict)
    add: list[dict[str, Any]] = Field(default_factory=list)


class PolicySpec(_Strict):
    """A decision policy: a TOML file (relative to the study file), or the packaged default."""

    name: str = Field(pattern=ID_PATTERN)
    file: str | None = None


class StudySpec(_Strict):
    """A whole study file."""

    name: str = Field(pattern=ID_PATTERN)
    title: str = ""
    description: str = ""
    seed: int = Field(default=0, ge=0, lt=2**63)
    seeds_per_cell: int = Field(default=1, ge=1, le=10_000)
    chunk_size: int = Field(default=4, ge=1, le=1000)
    sites: list[str] = Field(min_length=1)
    targets: TargetsSpec
    flights: list[FlightSpec] = Field(min_length=1)
    launch_times: list[AwareDatetime] = Field(
        default_factory=lambda: [dt.datetime(2024, 1, 1, tzinfo=dt.UTC)], min_length=1)
    salvo_sizes: list[int] = Field(default_factory=lambda: [1], min_length=1)
    salvo_interval_s: float = Field(default=20.0, ge=0, le=3600)
    networks: list[NetworkSpec] = Field(default_factory=lambda: [NetworkSpec(name="catalogue")], min_length=1)
    policies: list[PolicySpec] = Field(default_factory=lambda: [PolicySpec(name="default")], min_length=1)
    countries: list[str] = Field(default_factory=lambda: [PREFECTURE_COUNTRY], min_length=1)

    @field_validator("salvo_sizes")
    @classmethod
    def _salvos(cls, v: list[int]) -> list[int]:
        bad = [n for n in v if not 1 <= n <= 50]
        if bad:
            raise ValueError(f"salvo sizes must be 1 to 50; got {bad}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> StudySpec:
        for what, names in (("flights", [f.name for f in self.flights]), ("networks", [n.name for n in self.networks]),
                            ("policies", [p.name for p in self.policies])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{what} names must be unique; repeated: {', '.join(dup)}")
        return self

    def digest(self) -> str:
        """Hash of the validated study: a campaign directory belongs to exactly one study."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


# -- semantic checks (names that only the catalogues know) ---------------------------------


def _problems(spec: StudySpec, base_dir: Path | None) -> list[tuple[str, Any, str]]:
    from missilewatch.flight.sites import resolve_site
    from missilewatch.scenarios.schema import parse_scenario

    out: list[tuple[str, Any, str]] = []
    for i, s in enumerate(spec.sites):
        try:
            resolve_site(s, f"sites[{i}]")
        except InputError as exc:
            out.append((f"sites[{i}]", s, exc.problem))
    if spec.targets.bearings_deg:
        out.extend((f"flights[{i}].range_km", None, "required when targets has bearings_deg")
                   for i, f in enumerate(spec.flights) if f.range_km is None)
    if isinstance(spec.targets.prefectures, list):
        known = prefecture_names()
        for i, p in enumerate(spec.targets.prefectures):
            if p not in known:
                out.append((f"targets.prefectures[{i}]", p, "unknown prefecture; see `missilewatch campaign "
                            "prefectures`"))
    for i, net in enumerate(spec.networks):
        try:
            entries = network_entries(net)
            parse_scenario({"name": "check", "epoch": "2024-01-01T00:00:00Z", "sensors": [e for _, e in entries],
                            "launches": [{"id": "L", "site": "Sunan", "azimuth_deg": 90, "range_km": 500,
                                          "apogee_km": 100}]})
        except SpecError as exc:
            for f, v, p in exc.problems:
                m = re.match(r"sensors\[(\d+)\]\.?(.*)", f)
                if m and int(m.group(1)) < len(entries):
                    f = ".".join(x for x in (entries[int(m.group(1))][0], m.group(2)) if x)
                out.append((f"networks[{i}].{f}", v, p))
        except InputError as exc:
            out.append((f"networks[{i}].{exc.field}", exc.value, exc.problem))
    for i, pol in enumerate(spec.policies):
        if pol.file is not None:
            try:
                load_policy_file(pol.file, base_dir)
            except MissilewatchError as exc:
                out.append((f"policies[{i}].file", pol.file, str(exc)))
    from missilewatch.geography.data import countries

    codes = set(countries().country_code)
    out.extend((f"countries[{i}]", c, "unknown ISO alpha-3 country code")
               for i, c in enumerate(spec.countries) if c not in codes)
    return out


def network_entries(net: NetworkSpec) -> list[tuple[str, Any]]:
    """The network as (field of the study, scenario ``sensors`` entry) pairs: catalogue ids,
    {catalogue: id, changes...}, added definitions."""
    from missilewatch.sensors.catalogue import catalogue

    cat = catalogue()
    base = list(cat) if net.sensors == "all" else list(net.sensors)
    unknown = [s for s in base if s not in cat]
    if unknown:
        raise InputError("sensors", unknown, f"unknown sensor; catalogue has {', '.join(cat)}")
    for field, ids in (("out", net.out), ("change", list(net.change))):
        unknown = [s for s in ids if s not in base]
        if unknown:
            raise InputError(field, unknown, f"not in the network's sensors ({', '.join(base)})")
    out: list[tuple[str, Any]] = []
    for s in base:
        if s in net.out:
            continue
        out.append((f"change.{s}", {"catalogue": s, **net.change[s]}) if s in net.change else (f"sensors.{s}", s))
    return out + [(f"add[{i}]", a) for i, a in enumerate(net.add)]


def network_sensors(net: NetworkSpec) -> list[Any]:
    """The network as a scenario ``sensors`` list."""
    return [entry for _, entry in network_entries(net)]


def load_policy_file(file: str, base_dir: Path | None):
    """A policy file named in a study (relative to the study's folder)."""
    from missilewatch.assessment.policy import load_policy

    p = Path(file)
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    if not p.is_file():
        raise ConfigError(f"policy file {p}: no such file")
    return load_policy(p)


def prefecture_names() -> list[str]:
    """Names of Japan's prefectures as the geography package ships them, sorted."""
    from missilewatch.geography.regions import all_regions

    return sorted(r.name for r in all_regions().regions if r.country == PREFECTURE_COUNTRY and r.name)


# -- loading -------------------------------------------------------------------------------


def parse_study(data: Any, where: str = "study", base_dir: Path | None = None) -> StudySpec:
    """Validate a study mapping; SpecError naming every bad field."""
    if not isinstance(data, dict):
        raise InputError(where, type(data).__name__, "must be a mapping of fields")
    try:
        spec = StudySpec.model_validate(data)
    except ValidationError as exc:
        raise spec_error(exc, where) from None
    problems = _problems(spec, base_dir)
    if problems:
        raise SpecError(problems, where)
    return spec


def parse_study_text(text: str, where: str = "study", base_dir: Path | None = None) -> StudySpec:
    """Validate study YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(where, f"YAML{at}", f"is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_study(data, where, base_dir)


def _data():
    return resources.files("missilewatch.campaign").joinpath("data")


def builtin_studies() -> list[str]:
    """Names of the built-in studies."""
    return sorted(p.name.removesuffix(".yaml") for p in _data().iterdir() if p.name.endswith(".yaml"))


def study_text(name_or_path: str | Path) -> tuple[str, str, Path | None]:
    """(YAML text, where, folder for relative paths) of a built-in study or a study file."""
    text = str(name_or_path)
    if text in builtin_studies():
        return _data().joinpath(f"{text}.yaml").read_text(encoding="utf-8"), f"{text}.yaml", None
    p = Path(text)
    if p.suffix in (".yaml", ".yml") or p.exists():
        try:
            return p.read_text(encoding="utf-8"), str(p), p.resolve().parent
        except OSError as exc:
            raise InputError("study", str(p), f"cannot be read ({exc.strerror})") from None
    raise InputError("study", text, f"is neither a built-in study ({', '.join(builtin_studies())}) nor a .yaml file")


def load_study(name_or_path: str | Path) -> StudySpec:
    """A built-in study by name, or a study file by path."""
    text, where, base = study_text(name_or_path)
    return parse_study_text(text, where, base)
