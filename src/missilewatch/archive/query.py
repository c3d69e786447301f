"""Listing launch events: one summary row per event, filtered by year and missile type."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from missilewatch.archive.launch_figures import CAPABILITY_FIELD, FIGURES, describe, figure_kind, merged_value
from missilewatch.errors import InputError
from missilewatch.store import Fact, LaunchEvent, Source


def known_types(session: Session) -> list[str]:
    """Missile types present in the archive (CNS types and report classes)."""
    types: set[str] = set()
    for t in session.scalars(select(LaunchEvent.missile_type).where(LaunchEvent.missile_type.is_not(None))):
        if t is not None:  # the query leaves out NULL; the column type still allows it
            types.update(t.split("/"))
    return sorted(types)


def event_date(ev: LaunchEvent) -> date | None:
    """The date to sort and filter by: at the launch site when known, else the UTC date."""
    return ev.local_date or ev.date_utc


def summaries(session: Session, year: int | None = None, missile_type: str | None = None) -> list[dict]:
    """One row per launch event (km, UTC ISO strings), oldest first.

    ``year`` filters on the launch date; ``missile_type`` (e.g. "IRBM", any case) on any missile
    of the event. An unknown type is an error naming the known ones.
    """
    if year is not None and not 1900 <= year <= 2100:
        raise InputError("year", year, "expected a year between 1900 and 2100")
    if missile_type is not None:
        types = known_types(session)
        if missile_type.upper() not in {t.upper() for t in types}:
            raise InputError("type", missile_type, f"unknown missile type; known: {', '.join(types)}")
    events = session.scalars(select(LaunchEvent).options(selectinload(LaunchEvent.missiles))).all()
    # Every source's figures, as `archive show` gathers them (one truth: launch_figures.merged_value).
    figures: dict[int, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    n_sources: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        select(Fact.id, Fact.event_id, Fact.field, Fact.value_num, Fact.value_json, Fact.source_id,
               Fact.attributed_to, Source.kind)
        .join(Source, Source.id == Fact.source_id)
        .where(Fact.event_id.is_not(None))
    )
    scales = {fld: (name, scale) for name, (fld, scale) in FIGURES.items()}
    scales[CAPABILITY_FIELD] = ("range_km", 1e-3)
    for fact_id, event_id, fld, num, value_json, source_id, who, kind in rows:
        n_sources[event_id].add(source_id)
        if fld in scales and num is not None:
            name, scale = scales[fld]
            figures[event_id][name].append({"value": round(num * scale, 3), "kind": kind, "fact_id": fact_id,
                                            "attributed_to": who, "figure_kind": figure_kind(fld, value_json)})
    out = []
    for ev in events:
        d = event_date(ev)
        if year is not None and (d is None or d.year != year):
            continue
        if missile_type is not None:
            ev_types = {t.upper() for t in (ev.missile_type or "").split("/")} | {
                (m.type or "").upper() for m in ev.missiles}
            if missile_type.upper() not in ev_types:
                continue
        merged = {name: merged_value(figures[ev.id][name]) for name in FIGURES}
        out.append({
            "id": ev.id,
            "date": d.isoformat() if d else None,
            "date_precision": ev.date_precision,
            "launch_time_utc": ev.launch_time_utc.isoformat() if ev.launch_time_utc else None,
            "site": ev.site_name,
            "site_lat_deg": ev.site_lat_deg,
            "site_lon_deg": ev.site_lon_deg,
            "missile": ev.missile_name,
            "type": ev.missile_type,
            "missiles": ev.missile_count,
            "range_km": merged["range_km"],
            "apogee_km": merged["apogee_km"],
            "reported_flight_time_s": merged["flight_time_s"],
            **{f"{name}_values": describe(figures[ev.id][name]) or None for name in FIGURES},
            "sources": len(n_sources[ev.id] | {m.source_id for m in ev.missiles if m.source_id}),
            "origin": ev.origin,
        })
    out.sort(key=lambda r: (r["date"] or "9999", r["launch_time_utc"] or "", r["id"]))
    return out
