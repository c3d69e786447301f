"""The numbered event log in the store: writing a batch of events (with the alert messages
among them) in one transaction, reading them back for resuming clients and restarts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from missilewatch.store import Database
from missilewatch.store.models import ServiceAlert, ServiceEvent, ServiceMeasurement, ServiceSession


def event_key(session_id: int | None, ev: dict, ordinal: int) -> str:
    """A content key: the same event of the same session re-made by a rebuild has the same key."""
    text = json.dumps([session_id, ev["kind"], ev.get("track"), round(ev.get("t_s") or 0.0, 6), ev["text"], ordinal],
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def to_row(ev: dict) -> ServiceEvent:
    return ServiceEvent(number=ev["number"], session_id=ev.get("session"), key=ev["key"], kind=ev["kind"],
                        time_utc=dt.datetime.fromisoformat(ev["time_utc"]) if ev.get("time_utc") else None,
                        track=ev.get("track"), text=ev["text"], data=ev.get("data") or {})


def from_row(row: ServiceEvent) -> dict[str, Any]:
    """The event as clients receive it."""
    return {"number": row.number, "kind": row.kind, "session": row.session_id,
            "time_utc": row.time_utc.isoformat() if row.time_utc else None, "track": row.track,
            "text": row.text, "data": row.data}


def public(ev: dict) -> dict[str, Any]:
    """An in-memory event as clients receive it (no internal fields)."""
    return {k: ev.get(k) for k in ("number", "kind", "session", "time_utc", "track", "text", "data")}


def write_events(session: Session, events: list[dict]) -> None:
    for ev in events:
        session.add(to_row(ev))
        if ev["kind"].startswith("alert."):
            d = ev["data"]
            session.add(ServiceAlert(
                identifier=d["identifier"], session_id=ev["session"], event_number=ev["number"],
                launch_id=d["launch_id"], msg_type=d["msg_type"], state=d["state"],
                sent=dt.datetime.fromisoformat(d["sent_utc"]), regions=d["regions"], references=d["references"],
                cap_xml=d["cap_xml"], text_en=d["text_en"], text_ja=d["text_ja"], latency_s=ev.get("latency_s")))


def last_number(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.max(ServiceEvent.number))) or 0)


def events_after(db: Database, number: int, limit: int = 1000, kinds: tuple[str, ...] | None = None) -> list[dict]:
    """Events numbered above ``number``, oldest first (at most ``limit``)."""
    with db.session() as s:
        q = select(ServiceEvent).where(ServiceEvent.number > number)
        if kinds is not None:
            q = q.where(ServiceEvent.kind.in_(kinds))
        return [from_row(r) for r in s.scalars(q.order_by(ServiceEvent.number).limit(limit))]


def recent_events(db: Database, count: int, kinds: tuple[str, ...] | None = None) -> list[dict]:
    """The last ``count`` events, oldest first."""
    with db.session() as s:
        q = select(ServiceEvent)
        if kinds is not None:
            q = q.where(ServiceEvent.kind.in_(kinds))
        rows = list(s.scalars(q.order_by(ServiceEvent.number.desc()).limit(count)))
        return [from_row(r) for r in reversed(rows)]


def session_events(db: Database, session_id: int) -> list[dict]:
    """Every event of a session and every sensor event since it opened, oldest first."""
    with db.session() as s:
        first = s.scalar(select(func.min(ServiceEvent.number)).where(ServiceEvent.session_id == session_id))
        if first is None:
            return []
        q = select(ServiceEvent).where(ServiceEvent.number >= first).order_by(ServiceEvent.number)
        return [from_row(r) for r in s.scalars(q)]


def session_keys(db: Database, session_id: int) -> set[str]:
    with db.session() as s:
        return set(s.scalars(select(ServiceEvent.key).where(ServiceEvent.session_id >= session_id)))


def current_session(db: Database) -> ServiceSession | None:
    with db.session() as s:
        return s.scalar(select(ServiceSession).order_by(ServiceSession.id.desc()).limit(1))


def max_measurement_id(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.max(ServiceMeasurement.id))) or 0)


def accepted_lines(db: Database, first_id: int, last_id: int, page: int = 5000):
    """(id, raw line, sensor id) of the accepted measurements first_id..last_id, in id order."""
    at = first_id
    while at <= last_id:
        with db.session() as s:
            rows = s.execute(select(ServiceMeasurement.id, ServiceMeasurement.raw, ServiceMeasurement.time_utc)
                             .where(ServiceMeasurement.accepted.is_(True), ServiceMeasurement.id >= at,
                                    ServiceMeasurement.id <= last_id)
                             .order_by(ServiceMeasurement.id).limit(page)).all()
        if not rows:
            return
        yield from rows
        at = rows[-1][0] + 1
