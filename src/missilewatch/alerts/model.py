"""Plain values of the alert layer: what the assessment asks to warn, and the alerts issued."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from missilewatch.errors import InputError


class AlertKind(StrEnum):
    """Why a region is warned (J-Alert's message families)."""

    LAUNCH = "launch"  # a missile may fly over or fall near: take shelter
    IMPACT = "impact"  # the missile may fall in or near the region: take shelter immediately


class MsgType(StrEnum):
    """CAP 1.2 msgType values used here."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


def _aware(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InputError(name, value, "must be a timezone-aware datetime")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class RegionNotice:
    """One region to warn: name, ISO 3166 alpha-3 country, kind, and the predicted time.

    ``time_utc``: predicted entry over the region (overflight) or impact time. ``polygon``:
    the region's outline as (lat_deg, lon_deg) pairs for the CAP area, optional. ``overflown``:
    the predicted ground track passes over the region (False: warned only as near the flight
    path or the impact), so that a closing message names only the regions flown over.
    """

    region: str
    country: str
    kind: AlertKind
    time_utc: datetime
    polygon: tuple[tuple[float, float], ...] = ()
    overflown: bool = True

    def __post_init__(self) -> None:
        if not self.region:
            raise InputError("region", self.region, "must be a non-empty name")
        object.__setattr__(self, "time_utc", _aware("time_utc", self.time_utc))
        for lat, lon in self.polygon:
            if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 360):
                raise InputError("polygon", (lat, lon), "vertices must be valid (lat_deg, lon_deg)")


@dataclass(frozen=True)
class WarningPlan:
    """What the assessment wants warned for one launch at one instant.

    ``regions`` empty means nobody is to be warned. ``impact_text`` describes the predicted
    impact in words ("about 3,180 km east of Kamaishi, high seas"); ``reasons`` are the
    assessment's sentences. ``final`` marks the plan made after the missile has fallen.
    """

    launch_id: str
    made_at: datetime
    launch_time: datetime
    regions: tuple[RegionNotice, ...]
    threat_of_damage: bool
    intercept_recommended: bool
    impact_text: str
    reasons: tuple[str, ...] = ()
    origin: str = "North Korea"
    final: bool = False
    impact_lat_deg: float | None = None
    impact_lon_deg: float | None = None

    def __post_init__(self) -> None:
        if not self.launch_id:
            raise InputError("launch_id", self.launch_id, "must be a non-empty identifier")
        object.__setattr__(self, "made_at", _aware("made_at", self.made_at))
        object.__setattr__(self, "launch_time", _aware("launch_time", self.launch_time))
        names = [r.region for r in self.regions]
        if len(names) != len(set(names)):
            raise InputError("regions", names, "each region may appear once")


@dataclass(frozen=True)
class Alert:
    """One message of an alert's life: Alert (issue), Update or Cancel, CAP-ready.

    ``references``: identifiers of the earlier messages it updates or cancels.
    ``cancelled_regions``: regions whose warning this message withdraws, with the reason.
    """

    identifier: str
    launch_id: str
    sequence: int
    msg_type: MsgType
    sent: datetime
    plan: WarningPlan
    regions: tuple[RegionNotice, ...]
    cancelled_regions: tuple[tuple[str, str], ...] = ()
    references: tuple[tuple[str, datetime], ...] = field(default=())
    passed_regions: tuple[str, ...] = ()

    @property
    def region_names(self) -> list[str]:
        return [r.region for r in self.regions]
