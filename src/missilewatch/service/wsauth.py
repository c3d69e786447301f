"""WebSocket authentication without secrets in URLs: browsers offer
``Sec-WebSocket-Protocol: missilewatch.v1, bearer.<token or key>`` or ``ticket.<ticket>`` (a
ticket from ``POST /v1/tickets``, single use, short-lived); programs may send an
``Authorization`` header. Refusals are HTTP 401/403 answers to the handshake."""

from __future__ import annotations

from fastapi import WebSocket
from fastapi.responses import JSONResponse

from missilewatch.service.auth import AuthError, Principal
from missilewatch.service.deps import credential

SUBPROTOCOL = "missilewatch.v1"


async def _deny(ws: WebSocket, code: int, message: str) -> None:
    ws.app.state.svc.metrics.refused.labels("unauthenticated" if code == 401 else "forbidden").inc()
    try:
        await ws.send_denial_response(JSONResponse({"error": message}, status_code=code))
    except RuntimeError:  # the server cannot send a denial response: close before accepting
        await ws.close(code=1008, reason=message[:120])


async def ws_principal(ws: WebSocket, roles: tuple[str, ...]) -> Principal | None:
    """The caller of a WebSocket, accepted with the ``missilewatch.v1`` subprotocol when
    offered; None (and the handshake refused) otherwise."""
    auth = ws.app.state.svc.auth
    offered = list(ws.scope.get("subprotocols") or [])
    who = None
    try:
        for p in offered:
            if p.startswith("bearer."):
                who = auth.from_credential(p[len("bearer."):])
            elif p.startswith("ticket."):
                who = auth.redeem_ticket(p[len("ticket."):])
        if who is None:
            cred = credential(ws.headers)
            if not cred:
                await _deny(ws, 401, "authentication required: offer the subprotocol bearer.<token> or "
                                     "ticket.<ticket>, or send Authorization: Bearer")
                return None
            who = auth.from_credential(cred)
    except AuthError as exc:
        await _deny(ws, 401, str(exc))
        return None
    if who.role not in roles:
        await _deny(ws, 403, f"role {who.role!r} may not open {ws.url.path} (allowed: {', '.join(roles)})")
        return None
    ws.app.state.svc.audit.record(who.name, who.role, "connect", f"WS {ws.url.path}", 101)
    await ws.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    return who
