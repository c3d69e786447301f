"""``POST /v1/measurements`` and ``WS /v1/measurements/ws``: records in, answered per record
after commit."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from missilewatch.sensors.measurement_io import MeasurementRecord
from missilewatch.service.auth import Principal
from missilewatch.service.deps import Service, declared, refuse, require, svc
from missilewatch.service.ingest import RateLimited
from missilewatch.service.records import split_body
from missilewatch.service.wsauth import ws_principal

router = APIRouter()
POSTERS = ("sensor", "admin")


class LineAnswer(BaseModel):
    index: int
    status: str
    record_id: str | None = None
    reason: str | None = None


class IngestAnswer(BaseModel):
    """Per record: accepted (committed), duplicate (already stored) or rejected (with the reason)."""

    accepted: int
    duplicate: int
    rejected: int
    results: list[LineAnswer]


def _inlined(schema: dict) -> dict:
    """A JSON schema with its ``$defs`` written in place (OpenAPI has no ``#/$defs``)."""
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.rsplit("/", 1)[1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


_RECORD = _inlined(MeasurementRecord.model_json_schema(by_alias=True))
_BODY_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "array", "items": _RECORD, "minItems": 1}},
    "text/plain": {"schema": {"type": "string", "minLength": 1,
                              "description": "JSON Lines (also accepted as application/x-ndjson)"}}}}}


async def _read_limited(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise refuse(request, 413, "body_too_large", f"body: {int(length)} bytes is over the limit of {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refuse(request, 413, "body_too_large", f"body: over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(results) -> dict[str, Any]:
    n = {k: sum(1 for r in results if r.status == k) for k in ("accepted", "duplicate", "rejected")}
    return n | {"results": [r.to_dict() for r in results]}


async def process(s: Service, body: bytes, who: Principal, target: str) -> tuple[int, dict[str, Any], dict]:
    """(status, answer, headers) for one body of records; never raises on bad input."""
    arrival = time.monotonic()
    try:
        lines = split_body(body)
    except ValueError as exc:
        s.metrics.refused.labels("malformed").inc()
        return 422, {"error": str(exc)}, {}
    if not lines:
        s.metrics.refused.labels("malformed").inc()
        return 422, {"error": "body: no records (expected a JSON array or JSON Lines)"}, {}
    if len(lines) > s.settings.max_records:
        s.metrics.refused.labels("too_many_records").inc()
        return 413, {"error": f"body: {len(lines)} records is over the limit of {s.settings.max_records} "
                              f"per request"}, {}
    with s.engine.ingesting():
        results, todo = await run_in_threadpool(s.ingestor.check, lines, who)
        try:
            results = await run_in_threadpool(s.ingestor.commit, lines, results, todo, who, target, arrival)
        except RateLimited as exc:
            s.metrics.refused.labels("rate_limited").inc()
            retry = exc.retry_after_s
            return 429, {"error": str(exc)}, {"Retry-After": str(math.ceil(retry)) if math.isfinite(retry) else "60"}
    answer = _answer(results)
    if answer["accepted"] == 0 and answer["duplicate"] == 0:
        forbidden = all("may not post for sensor" in (r.reason or "") for r in results)
        if forbidden:
            s.metrics.refused.labels("forbidden").inc()
            return 403, {"error": results[0].reason}, {}
        return 422, {"error": results[0].reason or "no valid record"} | answer, {}
    return 200, answer, {}


@router.post("/v1/measurements", response_model=IngestAnswer, openapi_extra=_BODY_DOC,
             responses=declared(400, 401, 403, 413, 422, 429), tags=["measurements"])
async def post_measurements(request: Request, who: Principal = Depends(require(*POSTERS))):
    """Records of ``missilewatch.measurement/1`` as a JSON array or JSON Lines. The answer
    comes after the new records are committed; a record already stored (same content) is a
    ``duplicate`` and adds nothing."""
    s = svc(request)
    body = await _read_limited(request, s.settings.max_body_bytes)
    status, answer, headers = await process(s, body, who, "POST /v1/measurements")
    return JSONResponse(answer, status_code=status, headers=headers)


@router.websocket("/v1/measurements/ws")
async def ws_measurements(ws: WebSocket):
    """A streaming sensor: each text message is a batch (JSON array or JSON Lines); each batch is
    answered, after commit, with ``{"batch": n, "status": code, ...}`` as for the POST."""
    s: Service = ws.app.state.svc
    who = await ws_principal(ws, POSTERS)
    if who is None:
        return
    n = 0
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            data = msg.get("text")
            if data is None:
                data = (msg.get("bytes") or b"").decode("utf-8", "replace")
            n += 1
            headers: dict[str, str]
            if len(data.encode()) > s.settings.max_body_bytes:
                s.metrics.refused.labels("body_too_large").inc()
                limit = s.settings.max_body_bytes
                status, answer, headers = 413, {"error": f"batch over the limit of {limit} bytes"}, {}
            else:
                status, answer, headers = await process(s, data.encode(), who, "WS /v1/measurements/ws")
            out = {"batch": n, "status": status} | answer
            if "Retry-After" in headers:
                out["retry_after_s"] = int(headers["Retry-After"])
            await ws.send_text(json.dumps(out))
    except WebSocketDisconnect:
        return
