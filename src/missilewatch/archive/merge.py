"""Linking reports to launch events and merging what every source says about one launch.

A report is linked to the launch event whose date at the launch site (UTC+09:00) is the
report's launch date, preferring the event whose missile and figures agree with it. A report
that names only a weekday ("on Tuesday") and gives no date of its own is linked only where the
weekday fits and its figures, missile or overflight agree with exactly one event; the date so
found is stored as a derived fact saying how it was found. A report that fits no event gets an
event of its own (origin "report").

:func:`merged_record` gathers every value of an event with its source and flags disagreements:
numbers that differ by more than :data:`DISAGREEMENT_REL` between sources (Japan's 4,600 km
against South Korea's 4,500 km), different EEZ verdicts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from missilewatch.archive.launch_figures import CAPABILITY, CAPABILITY_FIELD, FLOWN, figure_kind, merged_value
from missilewatch.archive.lexicon import WEEKDAYS
from missilewatch.errors import InputError
from missilewatch.store import Fact, LaunchEvent, Source

# Relative difference between two sources' figures above which they disagree.
DISAGREEMENT_REL = 0.01
# Relative difference within which a report's figure confirms an event's.
AGREEMENT_REL = 0.15
DERIVED = "derived: "
# A report that names no launch day is looked for among launches this many days before it appeared.
PUBLISHED_WITHIN_DAYS = 3


class NumericField(TypedDict):
    """A figure of the merged record: the merged value, every source's value, disagreement."""

    value: float | None
    values: list[dict[str, Any]]
    capability: list[dict[str, Any]]
    disagreement: bool
    spread_pct: float


class TextField(TypedDict):
    """A text (or structured) value of the merged record: the first source's, every source's."""

    value: Any
    values: list[dict[str, Any]]
    distinct: int


class EezField(TypedDict):
    """The EEZ verdict: one agreed verdict, "disputed" or "unknown"; whose EEZ; every source's."""

    value: str | None
    whose: Any
    values: list[dict[str, Any]]
    disagreement: bool


class OverflightField(TypedDict):
    """Countries overflown (every source's, in order) and each source's list."""

    value: list[str]
    values: list[dict[str, Any]]


@dataclass
class _ReportInfo:
    source: Source
    # Annotated as dt.date: inside the class body the bare name ``date`` is this field.
    date: dt.date | None
    weekday: int | None
    missiles: set[str]
    classes: set[str]
    ranges: list[float]
    apogees: list[float]
    overflight: set[str]
    published: dt.date | None = None


def _info(source: Source, facts: list[Fact]) -> _ReportInfo:
    # Text and number per field; a fact without one (the columns allow it) says nothing here.
    texts: dict[str, list[str]] = defaultdict(list)
    nums: dict[str, list[float]] = defaultdict(list)
    overflight: set[str] = set()
    for f in facts:
        if f.value_text is not None:
            texts[f.field].append(f.value_text)
        if f.value_num is not None:
            nums[f.field].append(f.value_num)
        if f.field == "overflight":
            overflight.update(f.value_json or [])
    d = date.fromisoformat(texts["date"][0]) if texts["date"] else None
    weekday = None
    if texts["weekday"]:
        weekday = WEEKDAYS.index(texts["weekday"][0].lower())
    return _ReportInfo(
        source=source,
        date=d,
        weekday=d.weekday() if d else weekday,
        missiles={t.lower() for t in texts["missile_name"]},
        classes=set(texts["missile_class"]),
        ranges=nums["range"],
        apogees=nums["apogee"],
        overflight=overflight,
        published=source.published_date,
    )


def local_dates(ev: LaunchEvent) -> set[date]:
    """Dates at the launch site the event may fall on (two when only the UTC date is known)."""
    if ev.local_date is not None:
        return {ev.local_date}
    if ev.date_utc is not None and ev.date_precision == "day":
        return {ev.date_utc, ev.date_utc + timedelta(days=1)}
    return set()


def _figures(session: Session, ev: LaunchEvent, exclude_source: int) -> tuple[list[float], list[float], set[str]]:
    ranges = [m.range_m for m in ev.missiles if m.range_m is not None]
    apogees = [m.apogee_m for m in ev.missiles if m.apogee_m is not None]
    over: set[str] = set()
    for f in session.scalars(select(Fact).where(Fact.event_id == ev.id, Fact.source_id != exclude_source,
                                                Fact.field.in_(("range", "apogee", "overflight")))):
        if f.field == "overflight":
            over.update(f.value_json or [])
        elif f.missile_id is None and f.value_num is not None:
            # A figure of the whole event (a range or apogee fact without a number compares nothing).
            (ranges if f.field == "range" else apogees).append(f.value_num)
    if any(m.landing_location and "pacific" in m.landing_location.lower() for m in ev.missiles):
        # Every North Korean missile that reached the Pacific flew over Japan (the sea lies beyond it).
        over.add("Japan")
    return ranges, apogees, over


def _agree(a: list[float], b: list[float]) -> int:
    """+2 when some pair agrees within AGREEMENT_REL, -3 when all pairs differ by over 2x that, else 0."""
    if not a or not b:
        return 0
    rel = [abs(x - y) / max(x, y, 1.0) for x in a for y in b]
    if min(rel) <= AGREEMENT_REL:
        return 2
    if min(rel) > 2 * AGREEMENT_REL:
        return -3
    return 0


def _score(session: Session, info: _ReportInfo, ev: LaunchEvent) -> int:
    ranges, apogees, over = _figures(session, ev, info.source.id)
    score = _agree(info.ranges, ranges) + _agree(info.apogees, apogees)
    # A report-only event's summary comes from reports: only other sources' facts count.
    own_summary = ev.origin != "report"
    names = {(ev.missile_name or "").lower() if own_summary else ""} | {(m.name or "").lower() for m in ev.missiles}
    names |= {t.lower() for t in session.scalars(select(Fact.value_text).where(
        Fact.event_id == ev.id, Fact.field == "missile_name", Fact.source_id != info.source.id)) if t}
    if info.missiles and any(n and any(mn in n for mn in info.missiles) for n in names):
        score += 2
    if info.classes and own_summary and ev.missile_type and any(c in ev.missile_type for c in info.classes):
        score += 1
    if info.overflight and info.overflight & over:
        score += 2  # flights over another country are rare: a strong sign of the same launch
    return score


def _candidates(session: Session, info: _ReportInfo) -> list[LaunchEvent]:
    events = session.scalars(select(LaunchEvent)).all()
    others = set(session.scalars(select(Fact.event_id).where(Fact.source_id != info.source.id,
                                                             Fact.event_id.is_not(None))))
    out = []
    for ev in events:
        if ev.origin == "report" and ev.id not in others:
            continue  # the event this report made for itself earlier
        dates = local_dates(ev)
        if info.date is not None:
            if info.date in dates:
                out.append(ev)
        elif info.weekday is not None and any(d.weekday() == info.weekday for d in dates):
            out.append(ev)
        elif info.weekday is None and info.published is not None and any(
                timedelta(days=-1) <= info.published - d <= timedelta(days=PUBLISHED_WITHIN_DAYS) for d in dates):
            # No launch date in the report: launches of the days before its publication.
            out.append(ev)
    return out


def _report_event(session: Session, info: _ReportInfo) -> LaunchEvent:
    key = f"report:{info.date.isoformat()}" if info.date else f"report:undated:{info.source.id}"
    ev = session.scalars(select(LaunchEvent).where(LaunchEvent.key == key)).one_or_none()
    if ev is None:
        ev = LaunchEvent(key=key, origin="report", date_precision="day", missile_count=0)
        session.add(ev)
    ev.local_date = info.date
    ev.date_utc = None
    session.flush()
    return ev


def link_reports(session: Session) -> dict[int, int]:
    """(Re)link every report's facts to a launch event; returns source id → event id.

    Order-independent: run after every CNS import and report ingest.
    """
    session.flush()
    session.execute(delete(Fact).where(Fact.note.like(f"{DERIVED}%")))
    reports = session.scalars(select(Source).where(Source.kind == "report").order_by(Source.id)).all()
    facts_by_source: dict[int, list[Fact]] = defaultdict(list)
    for f in session.scalars(select(Fact).where(Fact.source_id.in_([r.id for r in reports]))):
        f.event_id = None
        facts_by_source[f.source_id].append(f)
    session.flush()
    infos = [_info(r, facts_by_source[r.id]) for r in reports]
    links: dict[int, int] = {}
    # Dated reports first, so that undated ones can join the events they create.
    for info in sorted(infos, key=lambda i: (i.date is None, i.source.id)):
        if not facts_by_source[info.source.id]:
            continue  # a report with no launch fact makes no launch
        chosen: LaunchEvent | None = None
        derived_note = None
        candidates = _candidates(session, info)
        scored = sorted(((_score(session, info, ev), ev.id, ev) for ev in candidates), key=lambda t: (-t[0], t[1]))
        if info.date is not None:
            viable = [t for t in scored if t[0] >= 0]
            if viable and (len(viable) == 1 or viable[0][0] > viable[1][0] or viable[0][2].origin == "report"):
                chosen = viable[0][2]
        else:
            viable = [t for t in scored if t[0] >= 2]
            if viable and (len(viable) == 1 or viable[0][0] > viable[1][0]):
                chosen = viable[0][2]
                dates = sorted(d for d in local_dates(chosen) if info.weekday is None or d.weekday() == info.weekday)
                if dates:
                    how = "weekday of the report" if info.weekday is not None else "report published on " + (
                        info.published.isoformat() if info.published else "?")
                    derived_note = (dates[0], f"{DERIVED}{how} with the date of launch event "
                                              f"{chosen.key}, whose figures/missile/overflight agree "
                                              f"(score {viable[0][0]})")
        if chosen is None:
            chosen = _report_event(session, info)
        for f in facts_by_source[info.source.id]:
            f.event_id = chosen.id
        if derived_note is not None:
            session.add(Fact(source_id=info.source.id, event_id=chosen.id, field="date",
                             value_text=derived_note[0].isoformat(), note=derived_note[1]))
        links[info.source.id] = chosen.id
        session.flush()
        _refresh_report_event(session, chosen)
    # Report-only events nobody points at any more go away.
    used = select(Fact.event_id).where(Fact.event_id.is_not(None))
    session.execute(delete(LaunchEvent).where(LaunchEvent.origin == "report", LaunchEvent.id.not_in(used)))
    session.flush()
    session.expire_all()
    return links


def _refresh_report_event(session: Session, ev: LaunchEvent) -> None:
    """Summary columns of a report-only event from its facts (CNS events keep the CNS summary)."""
    if ev.origin != "report":
        return
    facts = session.scalars(select(Fact).where(Fact.event_id == ev.id)).all()
    names = [f.value_text for f in facts if f.field == "missile_name"]
    classes = [f.value_text for f in facts if f.field == "missile_class"]
    places = [f.value_text for f in facts if f.field == "launch_site"]
    ev.missile_name = max(set(names), key=names.count) if names else None
    ev.missile_type = max(set(classes), key=classes.count) if classes else None
    ev.site_name = places[0] if places else None
    ev.missile_count = max(ev.missile_count or 0, 1)
    # The launch instant a report gives (local time on the launch date, converted to UTC).
    instants = [i for f in facts if f.field == "launch_time" and (i := (f.value_json or {}).get("datetime_utc"))]
    ev.launch_time_utc = datetime.fromisoformat(instants[0]) if instants else None


# -------------------------------------------------------------------------------------- merging


def _where(f: Fact, sources: dict[int, Source]) -> dict[str, Any]:
    src = sources[f.source_id]
    d: dict[str, Any] = {"source_id": src.id, "source": src.title or src.uri, "kind": src.kind}
    if f.row is not None:
        d.update(row=f.row, column=f.column)
    if f.sentence:
        d.update(evidence=f.sentence, sentence_index=f.sentence_index)
    if f.attributed_to:
        d["attributed_to"] = f.attributed_to
    if f.note:
        d["note"] = f.note
    return d


def _numeric(facts: Sequence[Fact], field: str, scale: float, sources: dict[int, Source],
             n_missiles: int) -> NumericField | None:
    fields = (field, CAPABILITY_FIELD) if field == "range" else (field,)
    values: list[dict[str, Any]] = []
    for f in facts:
        if f.field not in fields or f.value_num is None:
            continue  # another field, or a fact of this field without a number
        v = {"value": round(f.value_num * scale, 3), **_where(f, sources), "fact_id": f.id,
             "figure_kind": figure_kind(f.field, f.value_json)}
        if f.value_low is not None:
            # An interval: the writers always store both ends (high None would be a broken row).
            v.update(low=round(f.value_low * scale, 3), high=round(_high(f) * scale, 3))
        if f.missile_id is not None:
            v["missile_id"] = f.missile_id
        values.append(v)
    if not values:
        return None
    # The flown figures first (reports with who said it, then the database rows), capability last.
    values.sort(key=lambda v: (v["figure_kind"] != FLOWN, v["kind"] != "report", v.get("attributed_to") is None))
    capability = [v for v in values if v["figure_kind"] == CAPABILITY]
    values_flown = [v for v in values if v["figure_kind"] == FLOWN]
    if not values_flown:
        return {"value": None, "values": values, "capability": capability, "disagreement": False, "spread_pct": 0.0}
    # Figures of different missiles of a salvo are not a disagreement; sources are compared, and
    # a source agrees with a salvo when it agrees with one of its missiles.
    groups: dict[int, list[float]] = defaultdict(list)
    for v in values_flown:
        groups[v["source_id"]].append(v["value"])
    disagreement = False
    spread = 0.0
    keys = list(groups)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            best = min(abs(x - y) / max(abs(x), abs(y), 1e-9) for x in groups[a] for y in groups[b])
            spread = max(spread, best)
            if best > DISAGREEMENT_REL:
                disagreement = True
    # Within one single-missile source: several figures (e.g. Japan's and South Korea's) may disagree.
    for vals in groups.values():
        if n_missiles <= 1 and len(vals) > 1:
            rel = (max(vals) - min(vals)) / max(max(vals), 1e-9)
            spread = max(spread, rel)
            disagreement |= rel > DISAGREEMENT_REL
    return {"value": merged_value(values), "values": values, "capability": capability, "disagreement": disagreement,
            "spread_pct": round(100 * spread, 2)}


def _high(f: Fact) -> float:
    """The upper end of a fact's interval (a fact with a lower end has one)."""
    if f.value_high is None:
        raise InputError(f.field, f.value_low, f"fact {f.id} has an interval without an upper end")
    return f.value_high


def _texts(facts: Sequence[Fact], field: str, sources: dict[int, Source]) -> TextField | None:
    rows = [f for f in facts if f.field == field and (f.value_text or f.value_json)]
    if not rows:
        return None
    values = [{"value": f.value_text if f.value_text is not None else f.value_json, **_where(f, sources)}
              for f in rows]
    values.sort(key=lambda v: v["kind"] != "report")
    distinct = list(dict.fromkeys(str(v["value"]) for v in values))
    return {"value": values[0]["value"], "values": values, "distinct": len(distinct)}


def _local_date(ev: LaunchEvent, date_field: TextField | None) -> str | None:
    if ev.local_date is not None:
        return ev.local_date.isoformat()
    if date_field and isinstance(date_field["value"], str):
        return date_field["value"]
    return None


def merged_record(session: Session, event_id: int) -> dict[str, Any]:
    """Everything known about one launch event, every value with its sources, disagreements flagged."""
    ev = session.get(LaunchEvent, event_id)
    if ev is None:
        raise InputError("id", event_id, "no launch event with this id")
    facts = session.scalars(select(Fact).where(Fact.event_id == ev.id).order_by(Fact.id)).all()
    source_ids = {f.source_id for f in facts} | {m.source_id for m in ev.missiles if m.source_id}
    sources = {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(source_ids)))}
    n = len(ev.missiles)
    numeric: dict[str, NumericField | None] = {
        "range_km": _numeric(facts, "range", 1e-3, sources, n),
        "apogee_km": _numeric(facts, "apogee", 1e-3, sources, n),
        "flight_time_s": _numeric(facts, "flight_time", 1.0, sources, n),
    }
    texts: dict[str, TextField | None] = {
        # Dates the reports give (local, at the launch site); the CNS "Date" column is UTC (date_utc).
        "date": _texts([f for f in facts if f.row is None], "date", sources),
        "missile": _texts(facts, "missile_name", sources),
        "missile_class": _texts(facts, "missile_class", sources) or _texts(facts, "missile_type", sources),
        "launch_site": _texts(facts, "launch_site", sources) or _texts(facts, "facility_name", sources),
        "impact_description": _texts(facts, "impact_description", sources)
        or _texts(facts, "landing_location", sources),
    }
    eez_rows = [f for f in facts if f.field == "eez"]
    verdicts = {f.value_text for f in eez_rows if f.value_text != "unknown"}
    eez: EezField = {
        "value": verdicts.pop() if len(verdicts) == 1 else ("disputed" if verdicts else "unknown"),
        "whose": next(((f.value_json or {}).get("whose") for f in eez_rows if (f.value_json or {}).get("whose")), None),
        "values": [{"value": f.value_text, "whose": (f.value_json or {}).get("whose"), **_where(f, sources)}
                   for f in eez_rows],
        "disagreement": len({f.value_text for f in eez_rows if f.value_text != "unknown"}) > 1,
    }
    over_rows = [f for f in facts if f.field == "overflight"]
    overflight: OverflightField = {
        "value": list(dict.fromkeys(a for f in over_rows for a in (f.value_json or []))),
        "values": [{"value": f.value_json, **_where(f, sources)} for f in over_rows],
    }
    fields: dict[str, NumericField | TextField | EezField | OverflightField | None] = {
        **numeric, **texts, "eez": eez, "overflight": overflight}
    responses = []
    for f in facts:
        if f.field == "response":
            responses.append({**(f.value_json or {}), **_where(f, sources)})
    disagreements = []
    for name in ("range_km", "apogee_km", "flight_time_s"):
        item = numeric[name]
        if item and item["disagreement"]:
            said = "; ".join(
                f"{v['value']:g} ({v.get('attributed_to') or v['kind']}"
                + (f", row {v['row']}" if "row" in v else "") + ")"
                for v in item["values"] if v["figure_kind"] == FLOWN)
            disagreements.append(f"{name}: {said}")
    if eez["disagreement"]:
        disagreements.append("eez: " + "; ".join(f"{v['value']} ({v['source']})" for v in eez["values"]))
    return {
        "id": ev.id,
        "key": ev.key,
        "origin": ev.origin,
        "date_utc": ev.date_utc.isoformat() if ev.date_utc else None,
        "date_precision": ev.date_precision,
        "local_date": _local_date(ev, texts["date"]),
        "launch_time_utc": ev.launch_time_utc.isoformat() if ev.launch_time_utc else None,
        "site": {"name": ev.site_name, "location": ev.site_location, "lat_deg": ev.site_lat_deg,
                 "lon_deg": ev.site_lon_deg},
        "missile_name": ev.missile_name,
        "missile_type": ev.missile_type,
        "missile_count": ev.missile_count,
        "missiles": [
            {"id": m.id, "external_id": m.external_id, "name": m.name, "type": m.type,
             "launch_time_utc": m.launch_time_utc.isoformat() if m.launch_time_utc else None,
             "range_km": m.range_m / 1e3 if m.range_m is not None else None,
             "apogee_km": m.apogee_m / 1e3 if m.apogee_m is not None else None,
             "landing_location": m.landing_location, "outcome": m.outcome, "row": m.source_row}
            for m in ev.missiles
        ],
        "fields": fields,
        "responses": responses,
        "sources": [{"id": s.id, "kind": s.kind, "uri": s.uri, "title": s.title,
                     "published_date": s.published_date.isoformat() if s.published_date else None}
                    for s in sorted(sources.values(), key=lambda s: s.id)],
        "disagreements": disagreements,
    }

