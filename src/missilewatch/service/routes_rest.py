"""REST: tracks, alerts (JSON, CAP 1.2 XML, texts, the Atom CAP feed), launches (the archive),
health and Prometheus metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import select

from missilewatch.errors import InputError
from missilewatch.service.auth import Principal
from missilewatch.service.capfeed import atom_feed
from missilewatch.service.deps import declared, require, svc
from missilewatch.store.models import ServiceAlert

router = APIRouter()
ALL_PEOPLE = ("operator", "analyst", "partner", "admin")
HISTORY = ("operator", "analyst", "admin")
IDENT = Path(..., pattern=r"^[A-Za-z0-9._-]{1,200}$", description="CAP identifier")


class Health(BaseModel):
    status: str
    database: str
    rebuilding: bool
    rebuild_s: float | None
    rebuild_measurements: int
    queue_depth: int
    last_event: int
    session: dict[str, Any] | None
    problem: str | None


@router.get("/v1/health", response_model=Health, tags=["service"])
def health(request: Request):
    """Unauthenticated: is the service up, rebuilding, keeping up."""
    s = svc(request)
    e = s.engine
    return {"status": "degraded" if e.failed else ("rebuilding" if e.rebuilding else "ok"),
            "database": s.db.engine.dialect.name, "rebuilding": e.rebuilding, "rebuild_s": e.rebuild_s,
            "rebuild_measurements": e.rebuild_count, "queue_depth": e.q.unfinished_tasks,
            "last_event": e.number, "session": e.picture.session, "problem": e.failed}


@router.get("/metrics", response_class=PlainTextResponse, tags=["service"],
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus exposition"}}
            | declared(401, 403))
def metrics(request: Request, who: Principal = Depends(require("operator", "admin"))):
    """Prometheus metrics (scrape with a bearer token)."""
    return Response(generate_latest(svc(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


class TrackList(BaseModel):
    tracks: list[dict[str, Any]]


@router.get("/v1/tracks", response_model=TrackList, responses=declared(401, 403), tags=["picture"])
def tracks(request: Request, who: Principal = Depends(require(*HISTORY))):
    """Tracks of the current session: where each is, its latest prediction and decision."""
    return {"tracks": svc(request).engine.picture.track_list()}


@router.get("/v1/tracks/{track_id}", response_model=dict[str, Any], responses=declared(401, 403, 404, 422),
            tags=["picture"])
def track(request: Request, track_id: str = Path(..., pattern=r"^T[0-9]{1,9}$"),
          who: Principal = Depends(require(*HISTORY))):
    """One track with its history (positions, events) and its predictions."""
    tr = svc(request).engine.picture.track(track_id)
    if tr is None:
        raise HTTPException(404, f"track_id: no track {track_id!r} in the current session")
    return tr


class AlertList(BaseModel):
    alerts: list[dict[str, Any]]


def _shown(request: Request, who: Principal):
    """Which alert rows a caller may see: all, except for a partner of an allied node, who sees
    those its sharing terms let through (area, delay); 403 for a partner without terms there."""
    s = svc(request)
    if who.role != "partner" or s.allied is None:
        return lambda r: True
    view = s.allied.partner_filter(who)
    if view is None:
        raise HTTPException(403, f"partner {who.name!r} has no sharing terms on this node")

    def ok(r: ServiceAlert) -> bool:
        v = view({"number": r.event_number, "kind": f"alert.{r.state}", "track": r.launch_id,
                  "time_utc": r.sent.isoformat(), "session": r.session_id, "text": "", "data": {}})
        return v is not None and v[1] <= dt.datetime.now(dt.UTC)

    return ok


def _alert_dict(r: ServiceAlert) -> dict[str, Any]:
    return {"identifier": r.identifier, "session": r.session_id, "event": r.event_number, "launch_id": r.launch_id,
            "msg_type": r.msg_type, "state": r.state, "sent_utc": r.sent.isoformat(), "regions": r.regions,
            "references": r.references, "text_en": r.text_en, "text_ja": r.text_ja}


@router.get("/v1/alerts", response_model=AlertList, responses=declared(401, 403, 422), tags=["alerts"])
def alerts(request: Request, session: int | None = Query(None, ge=1, le=2**62, description="Only this watch session"),
           who: Principal = Depends(require(*ALL_PEOPLE))):
    """Every alert message sent, oldest first."""
    shown = _shown(request, who)
    with svc(request).db.session() as s:
        q = select(ServiceAlert).order_by(ServiceAlert.id)
        if session is not None:
            q = q.where(ServiceAlert.session_id == session)
        return {"alerts": [_alert_dict(r) for r in s.scalars(q) if shown(r)]}


@router.get("/v1/alerts/feed.atom", tags=["alerts"], response_class=Response,
            responses={200: {"content": {"application/atom+xml": {}}, "description": "Atom CAP feed"}}
            | declared(401, 403))
def feed(request: Request, who: Principal = Depends(require(*ALL_PEOPLE))):
    """The CAP feed (Atom): one entry per alert message, newest first, linking to its CAP XML."""
    shown = _shown(request, who)
    with svc(request).db.session() as s:
        rows = [r for r in s.scalars(select(ServiceAlert).order_by(ServiceAlert.id.desc()).limit(500)) if shown(r)]
        items = [{"identifier": r.identifier, "msg_type": r.msg_type, "state": r.state, "sent": r.sent,
                  "regions": r.regions, "text_en": r.text_en} for r in rows]
    base = str(request.base_url).rstrip("/")
    return Response(atom_feed(items, base, dt.datetime.now(dt.UTC)), media_type="application/atom+xml")


def _alert(request: Request, identifier: str, who: Principal) -> ServiceAlert:
    shown = _shown(request, who)
    with svc(request).db.session() as s:
        row = s.scalar(select(ServiceAlert).where(ServiceAlert.identifier == identifier))
    if row is None or not shown(row):
        raise HTTPException(404, f"identifier: no alert message {identifier!r}")
    return row


@router.get("/v1/alerts/{identifier}.xml", tags=["alerts"], response_class=Response,
            responses={200: {"content": {"application/cap+xml": {}}, "description": "CAP 1.2"}}
            | declared(401, 403, 404, 422))
def alert_xml(request: Request, identifier: str = IDENT, who: Principal = Depends(require(*ALL_PEOPLE))):
    """One alert message as CAP 1.2 XML, exactly as sent."""
    return Response(_alert(request, identifier, who).cap_xml, media_type="application/cap+xml")


@router.get("/v1/alerts/{identifier}.txt", tags=["alerts"], response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}, "description": "Broadcast text"}}
            | declared(401, 403, 404, 422))
def alert_text(request: Request, identifier: str = IDENT, lang: str = Query("en", pattern="^(en|ja)$"),
               who: Principal = Depends(require(*ALL_PEOPLE))):
    """One alert message's broadcast text in English or Japanese."""
    row = _alert(request, identifier, who)
    return PlainTextResponse(row.text_en if lang == "en" else row.text_ja)


@router.get("/v1/launches", response_model=list[dict[str, Any]], responses=declared(401, 403, 404, 422),
            tags=["archive"])
def launches(request: Request, year: int | None = Query(None, ge=1900, le=2100),
             type: str | None = Query(None, max_length=40, description="Missile type, e.g. IRBM"),
             who: Principal = Depends(require(*HISTORY))):
    """The archive's launch events (as ``missilewatch archive list``); 404 for a missile type the
    archive does not hold."""
    from missilewatch.archive.query import summaries

    with svc(request).db.session() as s:
        try:
            return summaries(s, year=year, missile_type=type)
        except InputError as exc:
            raise HTTPException(404, str(exc)) from exc


@router.get("/v1/launches/{launch_id}", response_model=dict[str, Any], responses=declared(401, 403, 404, 422),
            tags=["archive"])
def launch(request: Request, launch_id: int = Path(..., ge=1, le=2**31 - 1),
           who: Principal = Depends(require(*HISTORY))):
    """One launch event with every value and its sources (as ``missilewatch archive show``)."""
    from missilewatch.archive.merge import merged_record
    from missilewatch.store import LaunchEvent

    with svc(request).db.session() as s:
        if s.get(LaunchEvent, launch_id) is None:
            raise HTTPException(404, f"launch_id: no launch event {launch_id}")
        return merged_record(s, launch_id)
