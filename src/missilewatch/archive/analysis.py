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
from dataclasses import dataclass

import numpy as np

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from missilewatch.errors import ConvergenceError, InputError
from missilewatch.store import Fact, LaunchAnalysis, LaunchEvent, Source

# Bearing (deg from north) assumed for a landing area when no impact point is known. North
# Korean launches into the Sea of Japan fly roughly east, those over Japan east-north-east
# (Japan MOD tracks of 2017 and 2022), those into the Yellow Sea west.
LANDING_AZIMUTH_DEG: tuple[tuple[str, float], ...] = (
    ("pacific", 80.0),
    ("hachinohe", 80.0),
    ("sea of japan", 90.0),
    ("east sea", 90.0),
    ("yellow sea", 270.0),
    ("west sea", 270.0),
)
DEFAULT_AZIMUTH_DEG = 90.0
TRACK_STEP_S = 20.0
# Bumped whenever the stored result changes shape or meaning (invalidates cached analyses).
ANALYSIS_VERSION = 3


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

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def digest(self) -> str:
        """Hash of the inputs and of the analysis version: a cached result is reused only while both hold."""
        payload = json.dumps({"v": ANALYSIS_VERSION, **self.to_dict()}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def _azimuth(texts: list[str]) -> tuple[float, str]:
    for text in texts:
        low = text.lower()
        for word, az in LANDING_AZIMUTH_DEG:
            if word in low:
                return az, f"assumed from the landing area {text!r}"
    return DEFAULT_AZIMUTH_DEG, "assumed due east (landing area not given)"


def inputs_for(session: Session, ev: LaunchEvent) -> AnalysisInputs:
    """The figures and assumptions a reconstruction of ``ev`` uses."""
    facts = session.scalars(
        select(Fact).join(Source, Source.id == Fact.source_id)
        .where(Fact.event_id == ev.id, Source.kind == "report")
    ).all()
    rep = {f: [x for x in facts if x.field == f and x.value_num is not None] for f in ("range", "apogee", "flight_time")}
    landing = [m.landing_location for m in ev.missiles if m.landing_location]
    landing += [x.value_text for x in facts if x.field == "impact_description" and x.value_text]
    az, az_from = _azimuth(landing)
    lat, lon, site = ev.site_lat_deg, ev.site_lon_deg, ev.site_name
    if lat is None and site:
        from missilewatch.flight.sites import find_site

        found = find_site(site)
        if found is not None:
            lat, lon = found.lat_deg, found.lon_deg
    flight_time = rep["flight_time"][0].value_num if rep["flight_time"] else None
    if rep["range"] and rep["apogee"]:
        r, a = rep["range"][0], rep["apogee"][0]
        who = r.attributed_to or "a report"
        return AnalysisInputs(site, lat, lon, r.value_num / 1e3, a.value_num / 1e3, flight_time, az,
                              f"report (figures given by {who}, source {r.source_id})", az_from)
    both = [m for m in ev.missiles if m.range_m is not None and m.apogee_m is not None]
    if both:
        m = max(both, key=lambda m: m.range_m)
        note = f"CNS row {m.source_row} ({m.external_id})"
        if m.range_low_m is not None or m.apogee_low_m is not None:
            note += ", midpoint of a reported interval"
        return AnalysisInputs(site, lat, lon, m.range_m / 1e3, m.apogee_m / 1e3, flight_time, az, note, az_from)
    rng = [m.range_m for m in ev.missiles if m.range_m is not None]
    apo = [m.apogee_m for m in ev.missiles if m.apogee_m is not None]
    return AnalysisInputs(site, lat, lon, max(rng) / 1e3 if rng else None, max(apo) / 1e3 if apo else None,
                          flight_time, az, "CNS rows (no missile with both range and apogee)", az_from)


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


def _geography():
    """The geography package's point classifier, or None where it is not available."""
    try:
        from missilewatch.geography.zones import classify_points
    except ImportError:
        return None
    return classify_points


def place(track: list[dict]) -> dict | None:
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


def _summary(rec) -> dict:
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
    row.inputs_hash, row.inputs, row.result, row.reason = digest, inputs.to_dict(), None, None
    missing = inputs.missing()
    closed = closed_form(inputs.range_km, inputs.apogee_km)
    if missing:
        row.status, row.reason = "insufficient", "missing " + ", ".join(missing)
        row.result = {"closed_form": closed, "reconstruction": None}
    elif inputs.apogee_km <= 0 or inputs.range_km <= 0:
        row.status, row.reason = "insufficient", "range or apogee reported as 0 km"
        row.result = {"closed_form": None, "reconstruction": None}
    else:
        from missilewatch.flight.reconstruct import reconstruct

        try:
            rec = reconstruct((inputs.lat_deg, inputs.lon_deg), azimuth_deg=inputs.azimuth_deg,
                              range_km=inputs.range_km, apogee_km=inputs.apogee_km,
                              flight_time_s=inputs.flight_time_s)
            row.status, row.result = "ok", {"closed_form": closed, "reconstruction": _summary(rec)}
        except (ConvergenceError, InputError) as exc:
            row.status, row.reason = "failed", str(exc)
            row.result = {"closed_form": closed, "reconstruction": None}
    session.flush()
    return row


def analyse_all(session: Session, *, force: bool = False) -> list[LaunchAnalysis]:
    """Analyse every launch event (cached ones are reused); oldest first."""
    events = session.scalars(select(LaunchEvent).options(selectinload(LaunchEvent.missiles))).all()
    return [analyse_event(session, ev, force=force) for ev in events]
