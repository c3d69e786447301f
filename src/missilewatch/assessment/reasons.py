"""Why the assessment decided what it did, as codes with parameters (``alerts.text`` renders them
in English and Japanese), and why a region is warned.

Parameters are plain values (numbers in km and s since launch, ISO 3166-1 alpha-3 codes, the
data's English names) so that any renderer can word them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any


class AlertCause(StrEnum):
    """Why a region is warned (the value is the JSON form)."""

    OVERFLIGHT = "overflight"  # the predicted ground track passes over the region
    CORRIDOR = "flight path nearby"  # it passes within the policy's flight corridor
    IMPACT_VICINITY = "impact nearby"  # the impact area is in or near the region

    @property
    def falls_near(self) -> bool:
        """The missile may fall in or near the region (an impact warning)."""
        return self is AlertCause.IMPACT_VICINITY


class ReasonCode(StrEnum):
    """Kinds of finding. Parameters of each (``Reason.params``) are listed beside it."""

    #: Where the impact is predicted and the verdict. ref_place, ref_distance_km, ref_bearing_deg;
    #: zone, country, country_name (centre); region, region_country, region_country_name (on land);
    #: outside_protected (bool); protected, protected_names; verdict ("threat", "reported",
    #: "none"); via_area (the impact area, not its centre, decides); area_hits: ((country,
    #: country_name, zone), ...) for a threat.
    IMPACT = "impact"
    #: The track flies over a protected region. country, country_name, region, enter_s, exit_s,
    #: alt_min_km.
    OVERFLIGHT = "overflight"
    #: The track passes near a protected region it does not fly over. country, region, time_s,
    #: distance_km, corridor_km.
    CORRIDOR = "corridor"
    #: The impact area is near a protected coast. within_km, protected, protected_names.
    VICINITY = "vicinity"
    #: Regions warned. regions: ((region, country, time_s or nan), ...).
    WARNING = "warning"
    #: Nobody to warn. (no parameters)
    NO_WARNING = "no_warning"
    #: Interception. decision ("recommended", "not_by_policy", "no_threat"); protected,
    #: protected_names.
    INTERCEPT = "intercept"
    #: Gates on a prediction before it may be warned from (``assessment.gate``).
    #: No usable impact (nothing reaches the ground). (no parameters)
    GATE_NO_IMPACT = "gate_no_impact"
    #: Too likely not to fall. impact_probability, min_impact_probability.
    GATE_UNLIKELY_IMPACT = "gate_unlikely_impact"
    #: Still more likely boosting than not. boost_probability, max_boost_probability.
    GATE_BOOSTING = "gate_boosting"
    #: Footprint too long to warn from. footprint_km, max_footprint_km.
    GATE_FOOTPRINT = "gate_footprint"
    #: May be warned from. (no parameters)
    GATE_OPEN = "gate_open"


@dataclass(frozen=True, eq=False)
class Reason:
    """One finding: a code and its parameters."""

    code: ReasonCode
    params: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def to_dict(self) -> dict:
        return {"code": self.code.value, **{k: _plain(v) for k, v in self.params.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 3) if math.isfinite(value) else None
    return value
