"""The decision: threat of damage, interception, regions to warn, each with its reasons.

``assess`` runs the steps of ``assessment.steps`` (impact zones, overflight, corridor, vicinity)
and collects their findings; ``alerts.text`` words them (``Assessment.reasons`` in English).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from missilewatch.assessment.impact import ImpactEllipse, ImpactSamples
from missilewatch.assessment.policy import Policy, load_policy
from missilewatch.assessment.reasons import AlertCause, Reason
from missilewatch.assessment.steps import (
    AlertRegion,
    corridor_step,
    impact_step,
    intercept_reason,
    overflight_step,
    vicinity_step,
    warning_reason,
)
from missilewatch.errors import InputError
from missilewatch.geography.overflight import GroundTrack, Overflight

__all__ = ["AlertRegion", "Assessment", "assess"]


@dataclass(frozen=True)
class Assessment:
    """The outcome for one predicted flight; a plain value for alerts, the UI and JSON."""

    policy: str
    impact_lat_deg: float
    impact_lon_deg: float
    impact_time_s: float | None
    impact_zone: str
    impact_country: str | None
    impact_region: str | None
    impact_region_country: str | None
    impact_region_distance_km: float
    impact_reference: str
    area_zones: tuple[str, ...]  # zones met by the assessed impact area, e.g. ("eez", "high_seas")
    overflown: tuple[Overflight, ...]
    threat_of_damage: bool
    intercept_recommended: bool
    reported: bool  # impact area in a reported zone (e.g. the EEZ) of a protected country
    alerts: tuple[AlertRegion, ...]
    findings: tuple[Reason, ...]  # reason codes with parameters, in the order of the steps

    @property
    def alert_regions(self) -> tuple[str, ...]:
        return tuple(a.region for a in self.alerts)

    @property
    def overflown_regions(self) -> tuple[str, ...]:
        """Protected regions warned because the ground track passes over them."""
        return tuple(a.region for a in self.alerts if a.cause is AlertCause.OVERFLIGHT)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The findings in English words (rendered by ``alerts.text``)."""
        from missilewatch.alerts.text import reason_texts  # the words live with the other texts

        return reason_texts(self.findings, "en")

    def to_dict(self) -> dict:
        return {
            "policy": self.policy,
            "impact_lat_deg": round(self.impact_lat_deg, 5),
            "impact_lon_deg": round(self.impact_lon_deg, 5),
            "impact_time_s": None if self.impact_time_s is None else round(self.impact_time_s, 1),
            "impact_zone": self.impact_zone,
            "impact_country": self.impact_country,
            "impact_region": self.impact_region,
            "impact_region_country": self.impact_region_country,
            "impact_region_distance_km": round(self.impact_region_distance_km, 1),
            "impact_reference": self.impact_reference,
            "impact_area_zones": list(self.area_zones),
            "overflown": [o.to_dict() for o in self.overflown],
            "threat_of_damage": self.threat_of_damage,
            "intercept_recommended": self.intercept_recommended,
            "reported": self.reported,
            "alert_regions": list(self.alert_regions),
            "alerts": [a.to_dict() for a in self.alerts],
            "reasons": list(self.reasons),
            "findings": [f.to_dict() for f in self.findings],
        }


def assess(
    impact: ImpactEllipse | ImpactSamples,
    track: GroundTrack | None = None,
    policy: Policy | None = None,
    impact_time_s: float | None = None,
) -> Assessment:
    """Assess a predicted flight: its impact area (ellipse or samples) and, if known, its ground track."""
    if not isinstance(impact, (ImpactEllipse, ImpactSamples)):
        raise InputError("impact", impact, "must be an ImpactEllipse or ImpactSamples")
    policy = policy or load_policy()
    if impact_time_s is None and track is not None:
        impact_time_s = float(track.t_s[-1])

    found = impact_step(impact, policy)
    findings: list[Reason] = [found.reason]
    over: tuple[Overflight, ...] = ()
    warned: list[AlertRegion] = []
    if track is not None:
        over, warned, why = overflight_step(track, policy)
        findings += why
        alerts_c, why = corridor_step(track, policy, {(a.country, a.region) for a in warned})
        warned += alerts_c
        findings += why
    alerts_v, why = vicinity_step(found, policy, impact_time_s, {(a.country, a.region) for a in warned})
    warned += alerts_v
    findings += why
    alerts = tuple(sorted(warned, key=lambda a: (np.nan_to_num(a.time_s, nan=1e18), a.region)))
    intercept = found.threat and policy.intercept_when_threat
    findings += [warning_reason(alerts), intercept_reason(found.threat, intercept, policy)]

    return Assessment(
        policy=policy.name,
        impact_lat_deg=found.lat_deg,
        impact_lon_deg=found.lon_deg,
        impact_time_s=impact_time_s,
        impact_zone=found.zone.value,
        impact_country=found.country,
        impact_region=found.region.name,
        impact_region_country=found.region.country,
        impact_region_distance_km=found.region_km,
        impact_reference=found.reference,
        area_zones=found.area_zones,
        overflown=over,
        threat_of_damage=found.threat,
        intercept_recommended=intercept,
        reported=found.reported,
        alerts=alerts,
        findings=tuple(findings),
    )
