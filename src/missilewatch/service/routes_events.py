"""The picture out as events: ``GET /v1/events`` (server-sent events), ``WS /v1/events``,
``GET /v1/events/history``, ``GET /v1/snapshot`` and ``POST /v1/tickets``.

A client without a last event number first gets a ``snapshot`` (everything live plus the
recent history) whose number is the last event it covers; a client with one
(``Last-Event-ID`` header or ``last_event_id``) gets every event after it, then the live ones.
Partners get only alerts and predictions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncGenerator
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from missilewatch.service import eventlog
from missilewatch.service.auth import Principal
from missilewatch.service.deps import Service, declared, require, svc
from missilewatch.service.hub import CLOSE
from missilewatch.service.picture import PARTNER_KINDS, partner_may_see
from missilewatch.service.wsauth import ws_principal

log = logging.getLogger("missilewatch.service")
router = APIRouter()
WATCHERS = ("operator", "partner", "admin")
PAGE = 1000
MAX_NUMBER = 2**62


def terms_view(s: Service, who: Principal):
    """On an allied node, a partner's view under its sharing terms (event -> (event as shared,
    release time) or None); 403 for a partner with no terms here. None otherwise."""
    if who.role != "partner" or s.allied is None:
        return None
    view = s.allied.partner_filter(who)
    if view is None:
        raise HTTPException(403, f"partner {who.name!r} has no sharing terms on this node")
    return view


def _released(view, events: list[dict]) -> tuple[list[dict], int | None]:
    """The events a partner's terms let through, up to the first one its delay still holds
    (whose number less one is returned, so the partner resumes there; None when none is held)."""
    now = dt.datetime.now(dt.UTC)
    out: list[dict] = []
    for ev in events:
        v = view(ev)
        if v is None:
            continue
        if v[1] > now:
            return out, ev["number"] - 1
        out.append(v[0])
    return out, None


def _snapshot(s: Service, partner: bool, view=None) -> dict[str, Any]:
    if view is not None:  # a partner under terms: the events its terms let through, nothing else
        number = s.engine.picture.number
        hist, held = _released(view, [e for e in eventlog.recent_events(s.db, s.settings.history_events)
                                      if e["number"] <= number])
        number = number if held is None else held
        return {"number": number, "kind": "snapshot",
                "data": {"number": number, "session": s.engine.picture.session,
                         "history": [e for e in hist if e["number"] <= number]}}
    snap = s.engine.picture.snapshot(partner=partner)
    kinds = PARTNER_KINDS if partner else None
    snap["history"] = [e for e in eventlog.recent_events(s.db, s.settings.history_events, kinds)
                       if e["number"] <= snap["number"]]
    return {"number": snap["number"], "kind": "snapshot", "data": snap}


async def event_stream(s: Service, who: Principal, last: int | None) -> AsyncGenerator[dict, None]:
    """Snapshot or backlog, then live events; ends when the server stops or the client lags."""
    partner = who.role == "partner"
    view = terms_view(s, who)
    kinds = PARTNER_KINDS if partner and view is None else None
    q = s.hub.subscribe()
    try:
        if last is None:
            snap = await run_in_threadpool(_snapshot, s, partner, view)
            last = snap["number"]
            yield snap
        while True:
            page = await run_in_threadpool(eventlog.events_after, s.db, last, PAGE, kinds)
            for ev in page:
                last = ev["number"]
                if view is None:
                    yield ev
                elif (shown := await _hold(view, ev)) is not None:
                    yield shown
            if len(page) < PAGE:
                break
        while True:
            ev = await q.get()
            if ev is CLOSE:
                return
            if ev["number"] <= last or (partner and view is None and not partner_may_see(ev["kind"])):
                continue
            last = ev["number"]
            if view is None:
                yield ev
            elif (shown := await _hold(view, ev)) is not None:
                yield shown
    finally:
        s.hub.unsubscribe(q)


async def _hold(view, ev: dict) -> dict | None:
    """The event as the partner's terms show it, once their delay has passed; None if withheld."""
    v = view(ev)
    if v is None:
        return None
    wait = (v[1] - dt.datetime.now(dt.UTC)).total_seconds()
    if wait > 0:
        await asyncio.sleep(wait)
    return v[0]


def _sse(ev: dict) -> str:
    return f"id: {ev['number']}\nevent: {ev['kind']}\ndata: {json.dumps(ev, separators=(',', ':'))}\n\n"


def _last(header: str | None, query: int | None) -> int | None:
    if query is not None:
        return query
    if header is not None and header.strip().isdigit() and len(header.strip()) < 19:
        return int(header.strip())
    return None


@router.get("/v1/events", responses={200: {"content": {"text/event-stream": {}},
                                           "description": "Server-sent events"}} | declared(401, 403, 422),
            response_class=StreamingResponse, tags=["events"])
async def sse_events(request: Request, who: Principal = Depends(require(*WATCHERS)),
                     last_event_id: int | None = Query(None, ge=0, le=MAX_NUMBER,
                                                       description="Resume after this event number"),
                     last_event_header: str | None = Header(None, alias="Last-Event-ID")):
    """Server-sent events (``id`` = event number, ``event`` = kind, ``data`` = the event as JSON)."""
    s = svc(request)
    last = _last(last_event_header, last_event_id)
    terms_view(s, who)  # 403 before the stream starts for a partner without terms here

    async def body():
        s.metrics.clients.labels("sse").inc()
        log.info("event client %s (%s) connected over SSE, from event %s", who.name, who.role, last)
        stream = event_stream(s, who, last)
        nxt: asyncio.Future | None = None
        try:
            yield "retry: 2000\n\n"
            while True:
                # The pending read survives a keepalive: cancelling it would close the stream.
                nxt = nxt or asyncio.ensure_future(anext(stream))
                done, _ = await asyncio.wait({nxt}, timeout=s.settings.keepalive_s)
                if not done:
                    yield ": keepalive\n\n"
                    continue
                fut, nxt = nxt, None
                try:
                    ev = fut.result()
                except StopAsyncIteration:
                    return
                yield _sse(ev)
        finally:
            if nxt is not None:
                nxt.cancel()
            await stream.aclose()
            s.metrics.clients.labels("sse").dec()
            log.info("event client %s left SSE", who.name)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.websocket("/v1/events")
async def ws_events(ws: WebSocket, last_event_id: int | None = Query(None, ge=0, le=MAX_NUMBER)):
    """The same events as JSON text frames; resume with ``?last_event_id=N``."""
    s: Service = ws.app.state.svc
    who = await ws_principal(ws, WATCHERS)
    if who is None:
        return
    try:
        terms_view(s, who)
    except HTTPException as exc:
        await ws.close(code=1008, reason=str(exc.detail)[:120])
        return
    s.metrics.clients.labels("ws").inc()
    log.info("event client %s (%s) connected over WebSocket, from event %s", who.name, who.role, last_event_id)
    stream = event_stream(s, who, last_event_id)
    watcher = asyncio.ensure_future(ws.receive())
    nxt: asyncio.Future | None = None
    try:
        while True:
            nxt = nxt or asyncio.ensure_future(anext(stream))  # kept across keepalives
            done, _ = await asyncio.wait({nxt, watcher}, timeout=s.settings.keepalive_s,
                                         return_when=asyncio.FIRST_COMPLETED)
            if watcher in done:  # the client closed (or sent something: ignored)
                if watcher.result().get("type") == "websocket.disconnect":
                    return
                watcher = asyncio.ensure_future(ws.receive())
                continue
            if nxt not in done:
                await ws.send_text('{"kind":"keepalive"}')
                continue
            fut, nxt = nxt, None
            try:
                ev = fut.result()
            except StopAsyncIteration:
                await ws.close(code=1001, reason="server stopping or client behind: resume with last_event_id")
                return
            await ws.send_text(json.dumps(ev, separators=(",", ":")))
    except (WebSocketDisconnect, RuntimeError):
        return
    finally:
        watcher.cancel()
        if nxt is not None:
            nxt.cancel()
        await stream.aclose()
        s.metrics.clients.labels("ws").dec()
        log.info("event client %s left WebSocket", who.name)


class EventList(BaseModel):
    events: list[dict[str, Any]]


@router.get("/v1/events/history", response_model=EventList, responses=declared(401, 403, 422), tags=["events"])
def history(request: Request, after: int = Query(0, ge=0, le=MAX_NUMBER), limit: int = Query(500, ge=1, le=PAGE),
            who: Principal = Depends(require("operator", "analyst", "partner", "admin"))):
    """Stored events numbered above ``after``, oldest first."""
    view = terms_view(svc(request), who)
    kinds = PARTNER_KINDS if who.role == "partner" and view is None else None
    events = eventlog.events_after(svc(request).db, after, limit, kinds)
    return {"events": events if view is None else _released(view, events)[0]}


class Snapshot(BaseModel):
    number: int
    kind: str
    data: dict[str, Any]


@router.get("/v1/snapshot", response_model=Snapshot, responses=declared(401, 403), tags=["events"])
def snapshot(request: Request, who: Principal = Depends(require(*WATCHERS))):
    """The live picture now, with the recent history (what a late joiner gets first)."""
    s = svc(request)
    return _snapshot(s, who.role == "partner", terms_view(s, who))


class Ticket(BaseModel):
    ticket: str
    expires_in_s: float


@router.post("/v1/tickets", response_model=Ticket, responses=declared(401), tags=["events"])
def ticket(request: Request, who: Principal = Depends(require("sensor", "operator", "analyst", "partner", "admin"))):
    """A single-use ticket for opening a WebSocket (offer it as subprotocol ``ticket.<ticket>``)."""
    s = svc(request)
    return {"ticket": s.auth.issue_ticket(who), "expires_in_s": s.settings.ticket_ttl_s}
