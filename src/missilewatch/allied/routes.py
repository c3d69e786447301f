"""The node's routes: ``WS /v1/allied/link`` (partners' links in), ``GET /v1/allied/status``,
``/v1/allied/picture`` (the fused tracks with provenance), ``/v1/allied/received/{peer}`` and
``/v1/allied/sent/{peer}`` (what this node kept from, and queued for, a partner)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from missilewatch.allied.keys import LinkAuthError, link_token, unverified_issuer, verify_link_token
from missilewatch.allied.outbox import dumps
from missilewatch.service.auth import Principal
from missilewatch.service.deps import declared, require

log = logging.getLogger("missilewatch.allied")
router = APIRouter()
PEER = Path(..., pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")


def _node(request: Request):
    node = getattr(request.app.state, "node", None)
    if node is None:
        raise HTTPException(404, "this service runs no allied node (serve --node X --peers FILE)")
    return node


@router.get("/v1/allied/status", response_model=dict[str, Any], responses=declared(401, 403, 404), tags=["allied"])
def status(request: Request, who: Principal = Depends(require("operator", "admin"))):
    """The node's links (state, confirmed numbers, queue, round-trip latency) and fused tracks."""
    return _node(request).status()


@router.get("/v1/allied/picture", response_model=dict[str, Any], responses=declared(401, 403, 404), tags=["allied"])
def picture(request: Request, who: Principal = Depends(require("operator", "admin"))):
    """The fused picture: local and partners' tracks associated and fused (covariance
    intersection), each with its provenance (node, track, sensors)."""
    node = _node(request)
    return {"node": node.peers.node, "tracks": node.fusion.as_dicts()}


def _node_with_peer(request: Request, peer: str):
    """This node, after checking that ``peer`` is in its peers file (404 if not)."""
    node = _node(request)
    if peer not in node.peers.peers:
        raise HTTPException(404, f"peer: no peer {peer!r}")
    return node


@router.get("/v1/allied/received/{peer}", response_model=dict[str, Any], responses=declared(401, 403, 404, 422),
            tags=["allied"])
def received(request: Request, peer: str = PEER, who: Principal = Depends(require("operator", "admin"))):
    return _node_with_peer(request, peer).received(peer)


@router.get("/v1/allied/sent/{peer}", response_model=dict[str, Any], responses=declared(401, 403, 404, 422),
            tags=["allied"])
def sent(request: Request, peer: str = PEER, who: Principal = Depends(require("operator", "admin"))):
    return _node_with_peer(request, peer).sent(peer)


@router.websocket("/v1/allied/link")
async def link(ws: WebSocket):
    """A partner's link in: its token proves its key; ours, in ``hello``, proves ours."""
    node = getattr(ws.app.state, "node", None)
    auth = ws.headers.get("authorization", "")
    token = auth.partition(" ")[2] if auth.lower().startswith("bearer ") else ""
    try:
        if node is None:
            raise LinkAuthError("this service runs no allied node")
        issuer = unverified_issuer(token)
        peer = node.peers.peers.get(issuer)
        if peer is None:
            raise LinkAuthError(f"node {issuer!r} is not in the peers file")
        claims = verify_link_token(token, peer.public_key, issuer, node.peers.node)
    except LinkAuthError as exc:
        log.warning("link refused: %s", exc)
        if node is not None:
            node.svc.audit.record("unknown-node", "-", "link", "refused", 403, {"reason": str(exc)[:300]})
        await ws.close(code=1008, reason=str(exc)[:120])
        return
    await ws.accept()
    last = await run_in_threadpool(node.last_received, issuer)
    await ws.send_text(dumps({"type": "hello", "node": node.peers.node, "last_seq": last,
                              "token": link_token(node.peers.private_key, node.peers.node, issuer, claims["nonce"])}))
    node.svc.audit.record(f"node:{issuer}", "partner", "link", "opened", 101, {"resume_after": last})
    log.info("link from %s up (it resumes after message %d)", issuer, last)
    try:
        while True:
            text = await ws.receive_text()
            msg = json.loads(text)
            if msg.get("type") != "msgs":
                continue
            seq = await run_in_threadpool(node.receive, issuer, msg["items"])
            await ws.send_text(dumps({"type": "ack", "seq": seq}))
    except (WebSocketDisconnect, RuntimeError, asyncio.CancelledError):
        return
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("link from %s closed: %s", issuer, exc)
        await ws.close(code=1003, reason=str(exc)[:120])
    except Exception as exc:  # e.g. the ingest's rate limit: the partner resumes after its backoff
        log.warning("link from %s closed: %s: %s", issuer, type(exc).__name__, exc)
        await ws.close(code=1011, reason=f"{type(exc).__name__}"[:120])
