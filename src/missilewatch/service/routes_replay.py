"""Replays for the console: which ones there are (built-in scenarios, recorded sessions), and
each one's events (and truth, for a simulation)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel
from sqlalchemy import func, select

from missilewatch.service.auth import Principal
from missilewatch.service.deps import declared, require, svc
from missilewatch.store.models import ServiceEvent, ServiceSession

router = APIRouter()
HISTORY = ("operator", "analyst", "admin")


class ReplayList(BaseModel):
    scenarios: list[str]
    sessions: list[dict[str, Any]]


class Replay(BaseModel):
    name: str
    kind: str
    events: list[dict[str, Any]]
    truth: dict[str, list[list[Any]]]


@router.get("/v1/replays", response_model=ReplayList, responses=declared(401, 403), tags=["replay"])
def replays(request: Request, who: Principal = Depends(require(*HISTORY))):
    """The built-in scenarios and the recorded watch sessions (newest first)."""
    from missilewatch.scenarios.library import builtin_names

    with svc(request).db.session() as s:
        counts = dict(s.execute(select(ServiceEvent.session_id, func.count()).group_by(ServiceEvent.session_id)).all())
        sessions = [{"id": r.id, "epoch_utc": r.epoch_utc.isoformat(), "started_at": r.started_at.isoformat(),
                     "ended_at": r.ended_at.isoformat() if r.ended_at else None, "events": counts.get(r.id, 0)}
                    for r in s.scalars(select(ServiceSession).order_by(ServiceSession.id.desc()))]
    return {"scenarios": builtin_names(), "sessions": sessions}


@router.get("/v1/replays/scenarios/{name}", response_model=Replay, responses=declared(401, 403, 404, 422),
            tags=["replay"])
def scenario(request: Request, name: str = Path(..., pattern=r"^[A-Za-z0-9._-]{1,80}$"),
             who: Principal = Depends(require(*HISTORY))):
    """A built-in scenario simulated (its own seed) and run through the live watch: every event
    a live server would publish, and the truth of every object (simulated the first time: seconds)."""
    from missilewatch.scenarios.library import builtin_names
    from missilewatch.service.replays import scenario_replay

    if name not in builtin_names():
        raise HTTPException(404, f"name: no built-in scenario {name!r}")
    return scenario_replay(name)


@router.get("/v1/replays/sessions/{session_id}", response_model=Replay, responses=declared(401, 403, 404, 422),
            tags=["replay"])
def session(request: Request, session_id: int = Path(..., ge=1, le=2**31 - 1),
            who: Principal = Depends(require(*HISTORY))):
    """A recorded watch session's events, as they were published."""
    from missilewatch.service.replays import session_replay

    s = svc(request)
    with s.db.session() as db:
        if db.get(ServiceSession, session_id) is None:
            raise HTTPException(404, f"session_id: no watch session {session_id}")
    return session_replay(s.db, session_id)
