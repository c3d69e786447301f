"""The decision: threat of damage, interception, regions to warn, each with its reasons in words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from missilewatch.assessment.impact import ImpactEllipse, ImpactSamples
from missilewatch.assessment.policy import Policy, load_policy
from missilewatch.errors import InputError
from missilewatch.geography import gazetteer
from missilewatch.geography.data import countries
from missilewatch.geography.overflight import GroundTrack, Overflight, closest_approach, overflights
from missilewatch.geography.regions import Region, all_regions, distance_to_km, nearest_region
from missilewatch.geography.zones import TERRITORIAL_SEA_M, Zone, classify_points, zone_at


@dataclass(frozen=True)
class AlertRegion:
    """A region to warn, the predicted time (s since launch) and why."""

    country: str
    region: str
    time_s: float
    cause: str  # "overflight", "flight path nearby" or "impact nearby"

    def to_dict(self) -> dict:
        return {"country": self.country, "region": self.region, "time_s": round(self.time_s, 1), "cause": self.cause}


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
    reasons: tuple[str, ...]

    @property
    def alert_regions(self) -> tuple[str, ...]:
        return tuple(a.region for a in self.alerts)

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
        }


def _name(code: str) -> str:
    topo = countries()
    return topo.country_name[topo.index_of(code)]


def _possessive(code: str) -> str:
    return f"{_name(code)}'s"


def _zone_words(zone: Zone, country: str | None, region: Region | None) -> str:
    who = _possessive(country) if country else "an unnamed entity's"
    if zone is Zone.LAND:
        return f"on land in {region.label}" if region else f"on land in {_name(country) if country else 'an unnamed entity'}"
    if zone is Zone.TERRITORIAL_SEA:
        return f"in {who} territorial sea"
    if zone is Zone.EEZ:
        return f"inside {who} EEZ"
    return "high seas"


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
    protected = policy.protected_countries
    if impact_time_s is None and track is not None:
        impact_time_s = float(track.t_s[-1])

    clat, clon = impact.centre
    centre = zone_at(clat, clon)
    region, region_km = nearest_region(clat, clon)
    if centre.zone is not Zone.LAND or region.country not in protected:
        # Name the nearest region of a protected country when the impact is off its land.
        prot = [nearest_region(clat, clon, c) for c in protected]
        region, region_km = min(prot, key=lambda rk: rk[1])
    refs = [p for p in gazetteer.places() if p.country in protected]
    ref = gazetteer.nearest_reference(clat, clon, tuple(protected) if refs else None)

    lat, lon = impact.points(policy.ellipse_sigma)
    z = classify_points(lat, lon)
    codes = np.array([z.country(i) or "" for i in range(len(z))])
    zones = np.array([z.zone(i).value for i in range(len(z))])
    coast = np.array([countries().country_code[k] if k >= 0 else "" for k in z.coast_country_index])
    is_prot = np.isin(codes, protected)
    damage = is_prot & np.isin(zones, policy.damage_zones)
    report = is_prot & np.isin(zones, policy.report_zones)
    near_km = policy.impact_vicinity_km + TERRITORIAL_SEA_M / 1000.0
    near = damage | (np.isin(coast, protected) & (z.coast_distance_m / 1000.0 <= near_km))
    threat = bool(damage.any())
    intercept = threat and policy.intercept_when_threat
    area_zones = tuple(v.value for v in Zone if v.value in set(zones))

    reasons: list[str] = []
    where = _zone_words(centre.zone, centre.country, region if centre.zone is Zone.LAND else None)
    prot_names = " or ".join(_possessive(c) for c in protected)
    head = f"predicted impact {ref.phrase()}, {where}"
    centre_prot = centre.country in protected
    if not centre_prot or centre.zone is Zone.HIGH_SEAS:
        head += f", outside {prot_names} EEZ"
    if threat:
        hit = sorted({f"{_possessive(c)} {zv.replace('_', ' ')}" for c, zv in zip(codes[damage], zones[damage])})
        if centre.country in protected and centre.zone.value in policy.damage_zones:
            reasons.append(f"{head}: threat of damage")
        else:
            reasons.append(f"{head}; the impact area reaches {', '.join(hit)}: threat of damage")
    elif report.any():
        reasons.append(
            f"{head}: no threat of damage predicted; an impact in the EEZ is reported, without public warning"
            if centre_prot and centre.zone.value in policy.report_zones
            else f"{head}; the impact area reaches {prot_names} EEZ: reported, no threat of damage predicted"
        )
    else:
        reasons.append(f"{head}: no threat of damage predicted")

    over = tuple(overflights(track)) if track is not None else ()
    alerts: dict[tuple[str, str], AlertRegion] = {}
    spans: dict[tuple[str, str], list] = {}
    for o in over:
        if o.country in protected and o.region:
            key = (o.country, o.region)
            if key not in alerts:
                alerts[key] = AlertRegion(o.country, o.region, o.enter_s, "overflight")
            sp = spans.setdefault(key, [o.label, o.enter_s, o.exit_s, o.alt_min_km])
            sp[2], sp[3] = max(sp[2], o.exit_s), min(sp[3], o.alt_min_km)
    for label, t0, t1, alt in spans.values():
        reasons.append(
            f"flies over {label} from {t0:,.0f} s to {t1:,.0f} s after launch, {alt:,.0f} km or higher: "
            "warning to the regions along the flight path"
        )
    prot_regions = [r for r in all_regions().regions if r.country in protected and r.name]
    if track is not None and policy.flight_corridor_km > 0:
        for r in _near_bounds(prot_regions, track.lat_deg, track.unwrapped_lon_deg(), policy.flight_corridor_km):
            if (r.country, r.name) in alerts:
                continue
            t, km = closest_approach(track, r.geometry)
            if km <= policy.flight_corridor_km:
                alerts[(r.country, r.name)] = AlertRegion(r.country, r.name, t, "flight path nearby")
    if near.any() and policy.impact_vicinity_km >= 0:
        t_imp = impact_time_s if impact_time_s is not None else float("nan")
        for r in _near_bounds(prot_regions, lat, lon, policy.impact_vicinity_km):
            km = min(distance_to_km(float(a), float(b), r.geometry) for a, b in zip(lat, lon))
            if km <= policy.impact_vicinity_km and (r.country, r.name) not in alerts:
                alerts[(r.country, r.name)] = AlertRegion(r.country, r.name, t_imp, "impact nearby")
        reasons.append(
            f"the impact area is within {near_km:,.0f} km of {prot_names} coast: "
            "warning to the regions near the predicted impact"
        )
    alert_list = tuple(sorted(alerts.values(), key=lambda a: (np.nan_to_num(a.time_s, nan=1e18), a.region)))
    if alert_list:
        listed = ", ".join(f"{a.region} (t+{a.time_s:,.0f} s)" if np.isfinite(a.time_s) else a.region for a in alert_list)
        reasons.append(f"warning to {len(alert_list)} region(s): {listed}")
    else:
        reasons.append("no public warning: no protected region under or near the flight path or the impact")
    if intercept:
        reasons.append(f"interception recommended: the predicted impact area reaches {prot_names} land or territorial sea")
    elif threat:
        reasons.append("interception not recommended by this policy")
    else:
        reasons.append("no interception: no threat of damage")

    return Assessment(
        policy=policy.name,
        impact_lat_deg=clat,
        impact_lon_deg=clon,
        impact_time_s=impact_time_s,
        impact_zone=centre.zone.value,
        impact_country=centre.country,
        impact_region=region.name,
        impact_region_country=region.country,
        impact_region_distance_km=region_km,
        impact_reference=ref.phrase(),
        area_zones=area_zones,
        overflown=over,
        threat_of_damage=threat,
        intercept_recommended=intercept,
        reported=bool(report.any()),
        alerts=alert_list,
        reasons=tuple(reasons),
    )


def _near_bounds(regions: list[Region], lat: np.ndarray, lon: np.ndarray, km: float) -> list[Region]:
    """Regions whose bounding box comes within ~km of the points' bounding box (a cheap pre-filter)."""
    pad_lat = km / 111.0 + 0.1
    pad_lon = pad_lat / max(np.cos(np.radians(min(80.0, float(np.max(np.abs(lat)))))), 0.1)
    lon_w = ((np.asarray(lon) + 180.0) % 360.0) - 180.0
    lo_lat, hi_lat = float(np.min(lat)) - pad_lat, float(np.max(lat)) + pad_lat
    out = []
    for r in regions:
        x0, y0, x1, y1 = r.geometry.bounds
        if y1 < lo_lat or y0 > hi_lat:
            continue
        if np.any((lon_w >= x0 - pad_lon) & (lon_w <= x1 + pad_lon)):
            out.append(r)
    return out
