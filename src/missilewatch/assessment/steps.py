"""The steps of an assessment, each returning its findings as reason codes with parameters:

- ``impact_step``: the zones the impact area falls in, threat of damage, report, and whether it
  comes near a protected coast;
- ``overflight_step``: protected regions the ground track flies over;
- ``corridor_step``: protected regions within the flight corridor of the track;
- ``vicinity_step``: protected regions near the impact area;
- ``warning_reason`` and ``intercept_reason``: the conclusions.

Distances of many points to many regions are array operations (``geography.regions``); regions
out of reach are dropped by a bounding test before any distance is measured.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from missilewatch.assessment.impact import ImpactEllipse, ImpactSamples
from missilewatch.assessment.policy import Policy
from missilewatch.assessment.reasons import AlertCause, Reason, ReasonCode
from missilewatch.geography import gazetteer
from missilewatch.geography.data import countries
from missilewatch.geography.overflight import GroundTrack, Overflight, closest_approaches, overflights
from missilewatch.geography.regions import Region, all_regions, distances_km, nearest_region, regions_near
from missilewatch.geography.zones import TERRITORIAL_SEA_M, ZONE_BY_CODE, Zone, classify_points, country_code


@dataclass(frozen=True)
class AlertRegion:
    """A region to warn, the predicted time (s since launch) and why."""

    country: str
    region: str
    time_s: float
    cause: AlertCause

    def to_dict(self) -> dict:
        return {"country": self.country, "region": self.region, "time_s": round(self.time_s, 1),
                "cause": self.cause.value}


@dataclass(frozen=True, eq=False)
class ImpactFinding:
    """What the impact step found (the centre, the area's points and zones, the verdict)."""

    lat_deg: float
    lon_deg: float
    zone: Zone
    country: str | None
    region: Region
    region_km: float
    reference: str
    area_lat_deg: np.ndarray
    area_lon_deg: np.ndarray
    area_zones: tuple[str, ...]
    threat: bool
    reported: bool
    near_coast: bool  # the area comes within the vicinity distance of a protected coast
    reason: Reason


@functools.cache
def _name(code: str) -> str:
    topo = countries()
    return topo.country_name[topo.index_of(code)]


def _names(codes) -> tuple[str, ...]:
    return tuple(_name(str(c)) for c in codes)


@functools.cache
def _iso_codes() -> np.ndarray:
    """ISO alpha-3 code per country index, "" where none, and "" at index -1 (no country)."""
    return np.array([c or "" for c in countries().country_code] + [""])


@functools.cache
def _zone_values() -> np.ndarray:
    return np.array([v.value for v in ZONE_BY_CODE])


@functools.cache
def _gazetteer_has(protected: tuple[str, ...]) -> bool:
    return any(p.country in protected for p in gazetteer.places())


#: Bounds (km) tried in turn for the region of a protected country nearest the impact centre:
#: regions whose padded bounding box lies farther are not measured. A bound with no region
#: within it gives way to the next, and past the last every region of the country is measured;
#: a region found within a bound is the nearest of all (the others are farther than the bound).
NEAREST_BOUNDS_KM = (250.0, 1000.0)
#: Margin (km) on the coast distance of the zone step when it is the first bound tried.
COAST_HINT_MARGIN_KM = 25.0


def _nearest_of_country(clat: float, clon: float, country: str, hint_km: float | None) -> tuple[Region, float]:
    """The region of ``country`` nearest the point and its distance (km): as
    ``nearest_region(clat, clon, country)``, but trying the bounds first (``hint_km``, then
    ``NEAREST_BOUNDS_KM``) so that far regions are dropped by their bounding boxes."""
    rs = all_regions()
    ids = rs.indices_of(country.upper())
    if len(ids):
        lat, lon = np.array([clat]), np.array([clon])
        for bound in ((hint_km,) if hint_km is not None else ()) + NEAREST_BOUNDS_KM:
            km, _ = distances_km(lat, lon, ids, within_km=bound)
            j = int(np.argmin(km))
            if km[j] <= bound:
                return rs.regions[int(ids[j])], float(km[j])
    return nearest_region(clat, clon, country)


def _centre_regions(clat: float, clon: float, zone: Zone, protected: tuple[str, ...],
                    coast: tuple[str, float] | None = None) -> tuple[Region | None, Region, float]:
    """(the region the centre is on, when on land; the region named for the impact and its
    distance, km: that one when it is protected, else the nearest region of a protected country).
    ``coast``: the country and distance (km) of the coast nearest the centre, a first bound for
    that country's search."""
    land = None
    if zone is Zone.LAND:
        region, km = nearest_region(clat, clon)
        land = region
        if region.country in protected:
            return land, region, km
    found = [_nearest_of_country(clat, clon, c, coast[1] + COAST_HINT_MARGIN_KM
                                 if coast is not None and coast[0] == c else None) for c in protected]
    region, km = min(found, key=lambda rk: rk[1])
    return land, region, km


def _zones_present(zones: np.ndarray) -> tuple[str, ...]:
    """The zone values among ``zones``, in the order of ``Zone``."""
    present = set(zones.tolist())
    return tuple(v.value for v in Zone if v.value in present)


def impact_step(impact: ImpactEllipse | ImpactSamples, policy: Policy) -> ImpactFinding:
    """Zone step: classify the impact centre and area against the policy's zones."""
    protected = policy.protected_countries
    clat, clon = impact.centre
    lat, lon = impact.points(policy.ellipse_sigma)
    z = classify_points(np.concatenate([[clat], lat]), np.concatenate([[clon], lon]))
    zone = ZONE_BY_CODE[int(z.zone_code[0])]
    country = country_code(int(z.country_index[0]))
    coast0 = country_code(int(z.coast_country_index[0]))
    hint = (coast0, float(z.coast_distance_m[0]) / 1000.0) if coast0 and np.isfinite(z.coast_distance_m[0]) else None
    land, region, region_km = _centre_regions(clat, clon, zone, protected, hint)
    has_refs = _gazetteer_has(tuple(protected))
    ref = gazetteer.nearest_reference(clat, clon, tuple(protected) if has_refs else None)

    iso = _iso_codes()  # index -1 -> ""
    codes = iso[z.country_index[1:]]
    zones = _zone_values()[z.zone_code[1:]]
    coast = iso[z.coast_country_index[1:]]
    is_prot = np.isin(codes, protected)
    damage = is_prot & np.isin(zones, policy.damage_zones)
    report = is_prot & np.isin(zones, policy.report_zones)
    near_km = policy.impact_vicinity_km + TERRITORIAL_SEA_M / 1000.0
    near = damage | (np.isin(coast, protected) & (z.coast_distance_m[1:] / 1000.0 <= near_km))
    threat = bool(damage.any())
    centre_prot = country in protected
    if threat:
        verdict, via_area = "threat", not (centre_prot and zone.value in policy.damage_zones)
    elif report.any():
        verdict, via_area = "reported", not (centre_prot and zone.value in policy.report_zones)
    else:
        verdict, via_area = "none", False
    hits = sorted({(n, c, zv) for c, n, zv in zip(codes[damage], _names(codes[damage]), zones[damage], strict=True)})
    hits = [(c, n, zv) for n, c, zv in hits]
    reason = Reason(ReasonCode.IMPACT, {
        "ref_place": ref.place.name, "ref_distance_km": ref.distance_km, "ref_bearing_deg": ref.bearing_deg,
        "zone": zone, "country": country, "country_name": _names([country])[0] if country else None,
        "region": land.name if land else None, "region_country": land.country if land else None,
        "region_country_name": land.country_name if land else None,
        "outside_protected": not centre_prot or zone is Zone.HIGH_SEAS,
        "protected": protected, "protected_names": _names(protected),
        "verdict": verdict, "via_area": via_area, "area_hits": tuple(hits),
    })
    return ImpactFinding(clat, clon, zone, country, region, region_km, ref.phrase(), lat, lon,
                         _zones_present(zones), threat, bool(report.any()),
                         bool(near.any()), reason)


def protected_regions(policy: Policy) -> np.ndarray:
    """Indices (into ``all_regions().regions``) of the named regions of the protected countries."""
    return _named_regions_of(tuple(policy.protected_countries))


@functools.cache
def _named_regions_of(countries: tuple[str, ...]) -> np.ndarray:
    """Indices of the named regions of ``countries`` (worked out once per set of countries; read-only)."""
    rs = all_regions()
    named = np.array([r.name is not None for r in rs.regions])
    ids = np.flatnonzero(np.isin(rs.country_codes, countries) & named)
    ids.setflags(write=False)
    return ids


def overflight_step(track: GroundTrack,
                    policy: Policy) -> tuple[tuple[Overflight, ...], list[AlertRegion], list[Reason]]:
    """Overflight step: every passage over a region; protected regions flown over are warned
    from their first entry, with one finding per region (its whole span over it)."""
    over = tuple(overflights(track))
    alerts: dict[tuple[str, str], AlertRegion] = {}
    spans: dict[tuple[str, str], list] = {}
    for o in over:
        if o.country in policy.protected_countries and o.region:
            key = (o.country, o.region)
            alerts.setdefault(key, AlertRegion(o.country, o.region, o.enter_s, AlertCause.OVERFLIGHT))
            sp = spans.setdefault(key, [o, o.enter_s, o.exit_s, o.alt_min_km])
            sp[2], sp[3] = max(sp[2], o.exit_s), min(sp[3], o.alt_min_km)
    reasons = [Reason(ReasonCode.OVERFLIGHT, {"country": o.country, "country_name": o.country_name, "region": o.region,
                                              "enter_s": t0, "exit_s": t1, "alt_min_km": alt})
               for o, t0, t1, alt in spans.values()]
    return over, list(alerts.values()), reasons


def corridor_step(track: GroundTrack, policy: Policy,
                  taken: set[tuple[str, str]]) -> tuple[list[AlertRegion], list[Reason]]:
    """Corridor step: protected regions (not already warned) that the track passes within
    ``flight_corridor_km`` of, warned from the time of its closest approach."""
    km_max = policy.flight_corridor_km
    if km_max <= 0:
        return [], []
    rs = all_regions()
    ids = regions_near(protected_regions(policy), track.lat_deg, track.unwrapped_lon_deg(), km_max)
    ids = np.array([i for i in ids if (rs.regions[i].country, rs.regions[i].name) not in taken], dtype=np.int64)
    t, km = closest_approaches(track, ids, km_max)
    alerts, reasons = [], []
    for i, ti, ki in zip(ids, t, km, strict=True):
        if ki <= km_max:
            r = rs.regions[int(i)]
            assert r.country and r.name  # protected_regions() holds named regions of a country
            alerts.append(AlertRegion(r.country, r.name, float(ti), AlertCause.CORRIDOR))
            reasons.append(Reason(ReasonCode.CORRIDOR, {"country": r.country, "region": r.name, "time_s": float(ti),
                                                        "distance_km": float(ki), "corridor_km": km_max}))
    return alerts, reasons


def vicinity_step(found: ImpactFinding, policy: Policy, impact_time_s: float | None,
                  taken: set[tuple[str, str]]) -> tuple[list[AlertRegion], list[Reason]]:
    """Vicinity step: when the impact area reaches or nears a protected coast, the protected
    regions within ``impact_vicinity_km`` of it are warned for the impact time."""
    if not found.near_coast or policy.impact_vicinity_km < 0:
        return [], []
    km_max = policy.impact_vicinity_km
    rs = all_regions()
    ids = regions_near(protected_regions(policy), found.area_lat_deg, found.area_lon_deg, km_max)
    km, _ = distances_km(found.area_lat_deg, found.area_lon_deg, ids, within_km=km_max)
    t_imp = impact_time_s if impact_time_s is not None else float("nan")
    alerts = []
    for i, ki in zip(ids, km, strict=True):
        r = rs.regions[int(i)]
        assert r.country and r.name  # protected_regions() holds named regions of a country
        if ki <= km_max and (r.country, r.name) not in taken:
            alerts.append(AlertRegion(r.country, r.name, t_imp, AlertCause.IMPACT_VICINITY))
    protected = policy.protected_countries
    reason = Reason(ReasonCode.VICINITY, {"within_km": km_max + TERRITORIAL_SEA_M / 1000.0, "protected": protected,
                                          "protected_names": _names(protected)})
    return alerts, [reason]


def warning_reason(alerts: tuple[AlertRegion, ...]) -> Reason:
    if not alerts:
        return Reason(ReasonCode.NO_WARNING)
    return Reason(ReasonCode.WARNING, {"regions": tuple((a.region, a.country, a.time_s) for a in alerts)})


def intercept_reason(threat: bool, intercept: bool, policy: Policy) -> Reason:
    decision = "recommended" if intercept else "not_by_policy" if threat else "no_threat"
    return Reason(ReasonCode.INTERCEPT, {"decision": decision, "protected": policy.protected_countries,
                                         "protected_names": _names(policy.protected_countries)})
