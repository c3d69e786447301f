"""Analysis of archived launches: reconstruct each flight that has enough figures, classify it.

The flight itself is the flight package's job (:func:`missilewatch.flight.reconstruct.reconstruct`);
this module chooses the figures to give it, states the assumptions, and caches the result in
the ``launch_analyses`` table until the figures change.

Figures chosen: range and apogee from the reports when both are reported (the reports name the
government that gave them), else from the CNS missile of the event that flew farthest with both
figures; an interval "between 25 and 90 km" gives its midpoint. The CNS database gives no
direction: the launch azimuth is assumed from where the missile fell (:data:`LANDING_AZIMUTH_DEG`),
so reconstructed impact points are estimates along that bearing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from missilewatch.errors import ConvergenceError, InputError
from missilewatch.store import Fact, LaunchAnalysis, LaunchEvent, Source

if TYPE_CHECKING:
    from missilewatch.flight.reconstruct import Reconstruction

# Where missiles fall, by landing area: a reference point the assumed bearing aims at, and the
# countries (besides the launching one) whose land the flight may cross. Launches into the Sea
# of Japan fall around 40-41 N, 130-138 E (Japan MOD reports); those over Japan go east-north-east
# across northern Japan (2017, 2022 tracks); those into the Yellow Sea west.
LANDING_AREAS: tuple[tuple[str, tuple[float, float], tuple[str, ...]], ...] = (
    ("pacific", (41.0, 150.0), ("JPN",)),
    ("hachinohe", (41.0, 150.0), ("JPN",)),
    ("sea of japan", (40.5, 135.0), ()),
    ("east sea", (40.5, 135.0), ()),
    ("yellow sea", (38.0, 124.0), ()),
    ("west sea", (38.0, 124.0), ()),
)
DEFAULT_AREA = ("sea of japan", (40.5, 135.0), ())
# Bearings tried on either side of the reference bearing (deg) to keep off other countries' land.
BEARING_STEP_DEG = 5.0
BEARING_MAX_TURN_DEG = 60.0
TRACK_STEP_S = 20.0
# Bumped whenever the stored result changes shape or meaning (invalidates cached analyses).
ANALYSIS_VERSION = 4
#: mapper(fn, items) -> [fn(item) for item in items], in order, computed wherever it likes.
Mapper = Callable[[Callable, list], list]


@dataclass(frozen=True)
class AnalysisInputs:
    """What a reconstruction is given (km, deg, s) and where each figure came from."""

    site_name: str | None
    lat_deg: float | None
    lon_deg: float | None
    range_km: float | None
    apogee_km: float | None
    flight_time_s: float | None
    azimuth_deg: float
    figures_from: str
    azimuth_from: str

    def missing(self) -> list[str]:
        out = [n for n in ("lat_deg", "range_km", "apogee_km") if getattr(self, n) is None]
        return ["launch site coordinates" if n == "lat_deg" else n for n in out]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def digest(self) -> str:
        """Hash of the inputs and of the analysis version: a cached result is reused only while both hold."""
        payload = json.dumps({"v": ANALYSIS_VERSION, **self.to_dict()}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def _area(texts: list[str]) -> tuple[str, tuple[float, float], tuple[str, ...], str]:
    for text in texts:
        low = text.lower()
        for word, point, allowed in LANDING_AREAS:
            if word in low:
                return word, point, allowed, f"the landing area {text!r}"
    return (*DEFAULT_AREA, "no landing area given (Sea of Japan assumed)")


def _crossed(lat: float, lon: float, azimuth: float, range_km: float) -> set[str] | None:
    """Countries whose land the great circle from (lat, lon) crosses over ``range_km`` (None: no geography)."""
    classify = _geography()
    if classify is None:
        return None
    from missilewatch.flight.propagate import GEOD

    n = max(2, int(range_km / 5.0))
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), np.full(n, azimuth),
                             np.linspace(0.0, range_km * 1e3, n))
    try:
        z = classify(lats, lons)
    except Exception:  # noqa: BLE001 - geography is optional here: without it, no turn is made
        return None
    return {z.country(i) for i in range(len(z)) if z.zone(i).value == "land" and z.country(i)}


def choose_azimuth(lat: float, lon: float, range_km: float | None, texts: list[str]) -> tuple[float, str]:
    """Assumed launch bearing (deg) and how it was chosen, for a launch whose impact point is unknown.

    Toward the reference point of the landing area; where geography is available, turned by the
    smallest multiple of BEARING_STEP_DEG that keeps the great circle off the land of countries
    other than the launching one (and Japan for flights into the Pacific).
    """
    from missilewatch.flight.propagate import GEOD

    word, (lat_t, lon_t), allowed, why = _area(texts)
    ref = float(GEOD.inv(lon, lat, lon_t, lat_t)[0]) % 360.0
    note = f"toward {lat_t:g} N {lon_t:g} E, assumed from {why}"
    if range_km is None or range_km <= 0:
        return round(ref, 1), note
    home = _crossed(lat, lon, ref, 1.0)
    if home is None:
        return round(ref, 1), note
    ok = home | set(allowed)
    steps = int(BEARING_MAX_TURN_DEG / BEARING_STEP_DEG)
    for k in range(steps + 1):
        for sign in ((1,) if k == 0 else (-1, 1)):
            az = (ref + sign * k * BEARING_STEP_DEG) % 360.0
            crossed = _crossed(lat, lon, az, range_km)
            if crossed is None:
                return round(ref, 1), note  # geography failed on this bearing: no turn, as without it
            if crossed <= ok:
                turned = f", turned {sign * k * BEARING_STEP_DEG:+g} deg to keep off other countries' land" if k else ""
                return round(az, 1), note + turned
    return round(ref, 1), note + " (no bearing within 60 deg keeps off other countries' land)"


def inputs_for(session: Session, ev: LaunchEvent) -> AnalysisInputs:
    """The figures and assumptions a reconstruction of ``ev`` uses."""
    facts = session.scalars(
        select(Fact).join(Source, Source.id == Fact.source_id)
        .where(Fact.event_id == ev.id, Source.kind == "report")
    ).all()
    # Each reported figure with its number (a fact without one gives no figure).
    rep = {f: [(x, x.value_num) for x in facts if x.field == f and x.value_num is not None]
           for f in ("range", "apogee", "flight_time")}
    landing = [m.landing_location for m in ev.missiles if m.landing_location]
    landing += [x.value_text for x in facts if x.field == "impact_description" and x.value_text]
    lat, lon, site = ev.site_lat_deg, ev.site_lon_deg, ev.site_name
    if lat is None and site:
        from missilewatch.flight.sites import find_site

        found = find_site(site)
        if found is not None:
            lat, lon = found.lat_deg, found.lon_deg
    flight_time = rep["flight_time"][0][1] if rep["flight_time"] else None
    both = [(m, m.range_m, m.apogee_m) for m in ev.missiles if m.range_m is not None and m.apogee_m is not None]
    range_km: float | None
    apogee_km: float | None
    if rep["range"] and rep["apogee"]:
        (r, r_m), (_, a_m) = rep["range"][0], rep["apogee"][0]
        who = r.attributed_to or "a report"
        range_km, apogee_km = r_m / 1e3, a_m / 1e3
        note = f"report (figures given by {who}, source {r.source_id})"
    elif both:
        m, m_range_m, m_apogee_m = max(both, key=lambda t: t[1])
        range_km, apogee_km = m_range_m / 1e3, m_apogee_m / 1e3
        note = f"CNS row {m.source_row} ({m.external_id})"
        if m.range_low_m is not None or m.apogee_low_m is not None:
            note += ", midpoint of a reported interval"
    else:
        rng = [m.range_m for m in ev.missiles if m.range_m is not None]
        apo = [m.apogee_m for m in ev.missiles if m.apogee_m is not None]
        range_km = max(rng) / 1e3 if rng else None
        apogee_km = max(apo) / 1e3 if apo else None
        note = "CNS rows (no missile with both range and apogee)"
    # The site's latitude and longitude come as a pair; lon is tested so that the types say so.
    if lat is not None and lon is not None and range_km and apogee_km:
        az, az_from = choose_azimuth(lat, lon, range_km, landing)
    else:
        az, az_from = 0.0, "not needed (nothing to reconstruct)"
    return AnalysisInputs(site, lat, lon, range_km, apogee_km, flight_time, az, note, az_from)


def closed_form(range_km: float | None, apogee_km: float | None) -> dict | None:
    """Keplerian facts of a (range, apogee) pair alone: trajectory type, surface speed, class by range.

    Available even when no powered flight can be reconstructed (e.g. depressed, manoeuvring
    short-range flights that the generic boost profiles cannot fly).
    """
    if range_km is None or apogee_km is None or range_km <= 0 or apogee_km <= 0:
        return None
    from missilewatch.flight.boost import RangeClass
    from missilewatch.flight.capability import (
        keplerian_surface_speed_mps,
        minimum_energy_apogee_km,
        trajectory_type,
    )

    return {
        "trajectory_type": trajectory_type(range_km, apogee_km).value,
        "keplerian_speed_mps": round(keplerian_surface_speed_mps(range_km, apogee_km), 1),
        "minimum_energy_apogee_km": round(minimum_energy_apogee_km(range_km), 1),
        "class_by_range_flown": RangeClass.from_range_km(range_km).value,
    }


def _geography() -> Callable[..., Any] | None:
    """The geography package's point classifier, or None where it is not available."""
    try:
        from missilewatch.geography.zones import classify_points
    except ImportError:
        return None
    return classify_points


def place(track: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Zone of the impact point and the countries whose land the ground track crosses.

    The track (samples every TRACK_STEP_S) is resampled to 2,000 points along its length so
    that narrow land (e.g. Hokkaido, crossed in under a minute) is not stepped over. The
    launching country itself is not counted as overflown. None where geography is unavailable.
    """
    classify = _geography()
    if classify is None or not track:
        return None
    from missilewatch.errors import DataError

    lat = np.array([p["lat_deg"] for p in track])
    lon = np.array([p["lon_deg"] for p in track])
    s = np.r_[0.0, np.cumsum(np.hypot(np.diff(lat), np.diff(lon) * np.cos(np.radians(lat[:-1]))))]
    fine = np.linspace(0.0, s[-1], 2000) if s[-1] > 0 else np.zeros(1)
    flat, flon = np.interp(fine, s, lat), np.interp(fine, s, lon)
    try:
        z = classify(flat, flon)
        impact = classify([lat[-1]], [lon[-1]]).to_records()[0]
    except DataError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - an optional enrichment must not stop the analysis
        return {"error": f"geography failed: {type(exc).__name__}: {exc}"}
    launch_country = z.country(0) if z.zone(0).value == "land" else None
    over: list[str] = []
    for i in range(len(z)):
        if z.zone(i).value == "land":
            c = z.country(i)
            if c and c != launch_country and c not in over:
                over.append(c)
    return {"impact_zone": impact["zone"], "impact_country": impact["country"],
            "impact_coast_distance_km": impact["coast_distance_km"], "launch_country": launch_country,
            "overflown_countries": over}


def _summary(rec: Reconstruction) -> dict[str, Any]:
    d = rec.to_dict(track_step_s=TRACK_STEP_S)
    keep = ("azimuth_deg", "flight_time_s", "range_km", "apogee_km", "burnout_speed_mps", "burnout_altitude_km",
            "burnout_time_s", "max_speed_mps", "impact", "range_class", "trajectory_type", "profile", "kick_deg",
            "standard_range_km", "standard_range_rotating_km", "ground_track", "impact_miss_km")
    out = {k: d[k] for k in keep}
    out["geography"] = place(out["ground_track"])
    return out


def analyse_event(session: Session, ev: LaunchEvent, *, force: bool = False) -> LaunchAnalysis:
    """Reconstruct one event (cached by its inputs); never raises for bad or missing figures."""
    inputs = inputs_for(session, ev)
    digest = inputs.digest()
    row = session.scalars(select(LaunchAnalysis).where(LaunchAnalysis.event_id == ev.id)).one_or_none()
    if row is not None and row.inputs_hash == digest and not force:
        rec = (row.result or {}).get("reconstruction")
        if rec is not None and (rec.get("geography") is None or "error" in rec["geography"]):
            # Placed before the geography data was there: place it now (the flight stays).
            geo = place(rec["ground_track"])
            if geo is not None and "error" not in geo:
                row.result = {**row.result, "reconstruction": {**rec, "geography": geo}}
                session.flush()
        return row
    if row is None:
        row = LaunchAnalysis(event_id=ev.id)
        session.add(row)
    row.inputs_hash, row.inputs = digest, inputs.to_dict()
    row.status, row.reason, row.result = reconstruct_from_inputs(inputs.to_dict())
    session.flush()
    return row


def reconstruct_from_inputs(fields: dict) -> tuple[str, str | None, dict]:
    """(status, reason, result) of one reconstruction from its inputs (``AnalysisInputs.to_dict()``).

    A pure function of its argument (no database), so it can run anywhere, e.g. on Dask workers.
    """
    inputs = AnalysisInputs(**fields)
    missing = inputs.missing()
    closed = closed_form(inputs.range_km, inputs.apogee_km)
    lat, lon, range_km, apogee_km = inputs.lat_deg, inputs.lon_deg, inputs.range_km, inputs.apogee_km
    if missing or lat is None or lon is None or range_km is None or apogee_km is None:
        # missing() names what is None; the coordinates come as a pair (both or neither).
        reason = "missing " + ", ".join(missing or ["launch site coordinates"])
        return "insufficient", reason, {"closed_form": closed, "reconstruction": None}
    if apogee_km <= 0 or range_km <= 0:
        return "insufficient", "range or apogee reported as 0 km", {"closed_form": None, "reconstruction": None}
    from missilewatch.flight.reconstruct import reconstruct

    try:
        rec = reconstruct((lat, lon), azimuth_deg=inputs.azimuth_deg,
                          range_km=range_km, apogee_km=apogee_km,
                          flight_time_s=inputs.flight_time_s)
        return "ok", None, {"closed_form": closed, "reconstruction": _summary(rec)}
    except (ConvergenceError, InputError) as exc:
        return "failed", str(exc), {"closed_form": closed, "reconstruction": None}


def analyse_all(session: Session, *, force: bool = False, mapper: Mapper | None = None) -> list[LaunchAnalysis]:
    """Analyse every launch event (cached ones are reused); oldest first.

    ``mapper(fn, items) -> results`` runs the reconstructions that are not cached elsewhere, e.g.
    in parallel (``missilewatch.campaign.parallel.dask_mapper``); without it they run here, one by one.
    """
    events = session.scalars(select(LaunchEvent).options(selectinload(LaunchEvent.missiles))).all()
    if mapper is not None:
        pending = []
        for ev in events:
            inputs = inputs_for(session, ev)
            row = session.scalars(select(LaunchAnalysis).where(LaunchAnalysis.event_id == ev.id)).one_or_none()
            if force or row is None or row.inputs_hash != inputs.digest():
                pending.append((ev, inputs, row))
        results = mapper(reconstruct_from_inputs, [inputs.to_dict() for _, inputs, _ in pending])
        for (ev, inputs, row), (status, reason, result) in zip(pending, results, strict=True):
            if row is None:
                row = LaunchAnalysis(event_id=ev.id)
                session.add(row)
            row.inputs_hash, row.inputs = inputs.digest(), inputs.to_dict()
            row.status, row.reason, row.result = status, reason, result
        session.flush()
    return [analyse_event(session, ev, force=force and mapper is None) for ev in events]
