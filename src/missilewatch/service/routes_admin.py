"""Administration: API keys, the audit chain, closing the watch session."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import select

from missilewatch.service.audit import verify_chain
from missilewatch.service.auth import Principal, create_key
from missilewatch.service.deps import declared, require, svc
from missilewatch.store.models import ApiKey

router = APIRouter()


TEXT = r"^[^\x00-\x1f\x7f]+$"  # printable: no control characters


class SensorKeyRequest(BaseModel):
    """A sensor's key: the sensor ids it may post for."""

    role: Literal["sensor"]
    name: str = Field(min_length=1, max_length=120, pattern=TEXT)
    sensors: list[Annotated[str, Field(min_length=1, max_length=80, pattern=TEXT)]] = Field(min_length=1,
                                                                                             max_length=100)


class PersonKeyRequest(BaseModel):
    """A key for a system acting in another role."""

    role: Literal["operator", "analyst", "partner", "admin"]
    name: str = Field(min_length=1, max_length=120, pattern=TEXT)


class NewKey(BaseModel):
    key: str
    key_id: str
    role: str


@router.post("/v1/keys", response_model=NewKey, responses=declared(400, 401, 403, 422), tags=["admin"])
def new_key(request: Request, body: SensorKeyRequest | PersonKeyRequest, who: Principal = Depends(require("admin"))):
    """A new API key (shown once; only its hash is stored)."""
    key = create_key(svc(request).db, body.role, body.name, getattr(body, "sensors", []))
    return {"key": key, "key_id": key.split("_")[1], "role": body.role}


class KeyList(BaseModel):
    keys: list[dict[str, Any]]


@router.get("/v1/keys", response_model=KeyList, responses=declared(401, 403), tags=["admin"])
def list_keys(request: Request, who: Principal = Depends(require("admin"))):
    """Every key (id, name, role, sensors, revoked); never the secret."""
    with svc(request).db.session() as s:
        return {"keys": [{"key_id": k.key_id, "name": k.name, "role": k.role, "sensors": k.sensors,
                          "created_utc": k.created_at.isoformat(),
                          "revoked_utc": k.revoked_at.isoformat() if k.revoked_at else None}
                         for k in s.scalars(select(ApiKey).order_by(ApiKey.id))]}


@router.delete("/v1/keys/{key_id}", response_model=dict[str, Any], responses=declared(401, 403, 404, 422),
               tags=["admin"])
def revoke_key(request: Request, key_id: str = Path(..., pattern="^[0-9a-f]{12}$"),
               who: Principal = Depends(require("admin"))):
    """Revoke a key (it stops working within seconds)."""
    with svc(request).db.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
        if row is None:
            raise HTTPException(404, f"key_id: no key {key_id!r}")
        row.revoked_at = row.revoked_at or dt.datetime.now(dt.UTC)
    return {"key_id": key_id, "revoked": True}


class ChainAnswer(BaseModel):
    ok: bool
    entries: int
    bad_id: int | None
    problem: str | None


@router.get("/v1/audit/verify", response_model=ChainAnswer, responses=declared(401, 403), tags=["admin"])
async def audit_verify(request: Request, who: Principal = Depends(require("admin"))):
    """Recompute the audit hash chain."""
    s = svc(request)
    await run_in_threadpool(lambda: s.writer.run(s.ingestor.flush_audit).result())
    r = await run_in_threadpool(verify_chain, s.db)
    return {"ok": r.ok, "entries": r.entries, "bad_id": r.bad_id, "problem": r.problem}


@router.post("/v1/session/close", response_model=dict[str, Any], responses=declared(401, 403), tags=["admin"])
async def close_session(request: Request, who: Principal = Depends(require("operator", "admin"))):
    """End the watch session now: open launches are closed with what is known (the stream of a
    replayed flight has ended); the next measurement opens a new session."""
    s = svc(request)
    await run_in_threadpool(s.engine.close_session, f"closed by {who.name}")
    return {"closed": True, "last_event": s.engine.number}
