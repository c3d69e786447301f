"""What every route needs: the service's parts (``app.state.svc``), the caller and the role
check, the error body, and the responses to declare in the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel

from missilewatch.service.audit import AuditLog
from missilewatch.service.auth import Authenticator, AuthError, Principal
from missilewatch.service.engine import Engine
from missilewatch.service.hub import Hub
from missilewatch.service.ingest import Ingestor, Writer
from missilewatch.service.metrics import Metrics
from missilewatch.service.settings import ServiceSettings
from missilewatch.store import Database


class ErrorBody(BaseModel):
    """Every error answer: what is wrong, in words."""

    error: str


def declared(*codes: int) -> dict[Any, Any]:
    """OpenAPI ``responses`` for the error codes a route may answer."""
    words = {400: "Malformed request", 405: "Method not allowed", 401: "No or bad credentials",
             403: "Role may not do this",
             404: "Not found", 413: "Body or record count over the limit", 422: "Invalid input",
             429: "Rate limit reached", 503: "Not ready"}
    schema = ErrorBody.model_json_schema()
    return {c: {"description": words[c], "content": {"application/json": {"schema": schema}}} for c in codes}


@dataclass
class Service:
    settings: ServiceSettings
    db: Database
    metrics: Metrics
    hub: Hub
    engine: Engine
    auth: Authenticator
    audit: AuditLog
    writer: Writer
    ingestor: Ingestor
    allied: Any = None  # the allied node (missilewatch.allied.node.Node) when serving as one


def svc(request: Request) -> Service:
    return request.app.state.svc


def credential(headers) -> str | None:
    """The bearer token or API key of a request (``Authorization: Bearer X`` or ``X-API-Key``)."""
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        return value if scheme.lower() == "bearer" else ""
    return headers.get("x-api-key")


def refuse(request: Request, code: int, reason: str, message: str) -> HTTPException:
    svc(request).metrics.refused.labels(reason).inc()
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    return HTTPException(code, message, headers=headers)


def require(*roles: str):
    """A dependency: the caller, who must hold one of ``roles`` (401 without credentials, 403 with
    the wrong role)."""

    def dep(request: Request) -> Principal:
        cred = credential(request.headers)
        if not cred:
            raise refuse(request, 401, "unauthenticated", "authentication required: Authorization: Bearer "
                                                          "<token or API key>")
        try:
            who = svc(request).auth.from_credential(cred)
        except AuthError as exc:
            raise refuse(request, 401, "unauthenticated", str(exc)) from exc
        request.state.principal = who
        if who.role not in roles:
            raise refuse(request, 403, "forbidden", f"role {who.role!r} may not {request.method} "
                                                    f"{request.url.path} (allowed: {', '.join(roles)})")
        return who

    return dep
