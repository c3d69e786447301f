"""The decision policy: a TOML file (packaged default modelled on Japan's J-Alert rules).

Resolution order: an explicit path, then ``$MISSILEWATCH_POLICY``, then the packaged
``data/default_policy.toml``. The file is validated with pydantic (it crosses an edge); the
rest of the code sees a frozen dataclass.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from missilewatch.errors import ConfigError

ENV_POLICY = "MISSILEWATCH_POLICY"
DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "data" / "default_policy.toml"
ZONE_NAMES = ("land", "territorial_sea", "eez", "high_seas")


@dataclass(frozen=True)
class Gate:
    """When a prediction may be warned from (see ``assessment.gate``)."""

    max_boost_probability: float = 0.5  # above it the track is taken as still boosting
    max_footprint_km: float = 300.0  # 95 % footprint semi-major axis above which it is too uncertain
    min_impact_probability: float = 0.5  # below it the prediction is not used at all


@dataclass(frozen=True)
class Policy:
    """What to warn, report and recommend (distances in km at this edge of the config file)."""

    name: str
    description: str
    protected_countries: tuple[str, ...]
    flight_corridor_km: float
    impact_vicinity_km: float
    damage_zones: tuple[str, ...]
    report_zones: tuple[str, ...]
    ellipse_sigma: float
    intercept_when_threat: bool
    source: str  # the file it came from
    gate: Gate = Gate()

    def boosting(self, boost_probability: float) -> bool:
        """A track this likely to be boosting is taken as still boosting (no warning from it)."""
        return boost_probability > self.gate.max_boost_probability


class _Alert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flight_corridor_km: float = Field(ge=0.0, le=2000.0)
    impact_vicinity_km: float = Field(ge=0.0, le=2000.0)


class _Impact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    damage_zones: list[str]
    report_zones: list[str] = []
    ellipse_sigma: float = Field(default=1.0, gt=0.0, le=10.0)

    @field_validator("damage_zones", "report_zones")
    @classmethod
    def _zones(cls, v: list[str]) -> list[str]:
        bad = [z for z in v if z not in ZONE_NAMES]
        if bad:
            raise ValueError(f"unknown zone(s) {bad}; known: {list(ZONE_NAMES)}")
        return v


class _Gate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_boost_probability: float = Field(default=0.5, ge=0.0, le=1.0)
    max_footprint_km: float = Field(default=300.0, gt=0.0, le=20000.0)
    min_impact_probability: float = Field(default=0.5, ge=0.0, le=1.0)


class _Intercept(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when_threat_of_damage: bool = True


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    protected_countries: list[str] = Field(min_length=1)
    alert: _Alert
    impact: _Impact
    intercept: _Intercept = _Intercept()
    gate: _Gate = _Gate()

    @field_validator("protected_countries")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        out = [c.upper() for c in v]
        bad = [c for c in out if len(c) != 3 or not c.isalpha()]
        if bad:
            raise ValueError(f"not ISO 3166-1 alpha-3 codes: {bad}")
        return out


def policy_path(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Path:
    """The policy file to use: explicit path, else $MISSILEWATCH_POLICY, else the packaged default."""
    env = os.environ if environ is None else environ
    chosen = path if path is not None else env.get(ENV_POLICY) or DEFAULT_POLICY_PATH
    return Path(chosen)


def load_policy(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Policy:
    """Read and validate a policy file; ConfigError says which file and what is wrong."""
    p = policy_path(path, environ)
    try:
        raw = tomllib.loads(p.read_text())
    except OSError as exc:
        raise ConfigError(f"policy file {p}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"policy file {p}: not valid TOML ({exc})") from None
    try:
        f = _PolicyFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ConfigError(f"policy file {p}: {where}: {first['msg']}") from None
    from missilewatch.geography.data import countries

    known = set(countries().country_code)
    unknown = [c for c in f.protected_countries if c not in known]
    if unknown:
        raise ConfigError(f"policy file {p}: protected_countries: no such country in the data: {unknown}")
    return Policy(
        name=f.name,
        description=f.description,
        protected_countries=tuple(f.protected_countries),
        flight_corridor_km=f.alert.flight_corridor_km,
        impact_vicinity_km=f.alert.impact_vicinity_km,
        damage_zones=tuple(f.impact.damage_zones),
        report_zones=tuple(f.impact.report_zones),
        ellipse_sigma=f.impact.ellipse_sigma,
        intercept_when_threat=f.intercept.when_threat_of_damage,
        source=str(p),
        gate=Gate(**f.gate.model_dump()),
    )
