"""The FastAPI application of ``missilewatch serve``: its parts, their start and stop, the
audit of every request, and errors as ``{"error": "..."}`` with a 4xx naming what is wrong."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from missilewatch.assessment.policy import load_policy
from missilewatch.errors import MissilewatchError
from missilewatch.service import (
    routes_admin,
    routes_archive,
    routes_console,
    routes_events,
    routes_ingest,
    routes_replay,
    routes_rest,
)
from missilewatch.service.audit import AuditLog
from missilewatch.service.auth import Authenticator, signing_secret
from missilewatch.service.database import open_database
from missilewatch.service.deps import Service
from missilewatch.service.engine import Engine
from missilewatch.service.hub import Hub
from missilewatch.service.ingest import Ingestor, Writer
from missilewatch.service.metrics import Metrics
from missilewatch.service.settings import ServiceSettings

log = logging.getLogger("missilewatch.service")
UNAUDITED = ("/v1/health",)
PUBLIC_FILES = "/static/"  # the console's files (public, many): not audited


def build_service(settings: ServiceSettings) -> Service:
    db = open_database(settings.db_url)
    policy = load_policy(settings.policy_path) if settings.policy_path else None
    metrics = Metrics()
    hub = Hub(settings.client_queue, on_drop=lambda: metrics.refused.labels("slow_client").inc())
    engine = Engine(db, settings, hub, metrics, policy)
    auth = Authenticator(db, signing_secret(db, settings.jwt_secret), settings.ticket_ttl_s)
    audit, writer = AuditLog(db), Writer()
    ingestor = Ingestor(db, settings, engine, audit, metrics, writer)
    return Service(settings, db, metrics, hub, engine, auth, audit, writer, ingestor)


class AuditMiddleware:
    """Records every request (who, what, the answer's status) in the audit chain; successful
    posts of measurements are recorded with their records, in the same transaction."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] in UNAUDITED or scope["path"].startswith(PUBLIC_FILES):
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if not (scope["path"] == "/v1/measurements" and status == 200):
                    who = scope.get("state", {}).get("principal")
                    svc: Service = scope["app"].state.svc
                    q = scope.get("query_string", b"").decode("latin-1")
                    svc.audit.record(who.name if who else "anonymous", who.role if who else "-",
                                     "read" if scope["method"] in ("GET", "HEAD") else "change",
                                     f"{scope['method']} {scope['path']}" + (f"?{q}" if q else ""), status)
            await send(message)

        await self.app(scope, receive, send_wrapper)


def create_app(settings: ServiceSettings) -> FastAPI:
    """The application; the service's parts start with it (rebuild in the background)."""
    svc = build_service(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc.hub.bind(asyncio.get_running_loop())
        svc.engine.start()
        if svc.allied is not None:
            await svc.allied.start()

        async def flush_audit() -> None:
            while True:
                await asyncio.sleep(0.5)
                try:
                    await asyncio.wrap_future(svc.writer.run(svc.ingestor.flush_audit))
                except Exception:
                    log.exception("audit flush failed")

        flusher = asyncio.create_task(flush_audit())
        log.info("missilewatch service started: database %s (%s), last event %d, rebuilding the watch from "
                 "%d stored measurements", svc.db.url, svc.db.engine.dialect.name, svc.engine.number,
                 svc.engine.rebuild_upto)
        try:
            yield
        finally:
            if svc.allied is not None:
                await svc.allied.stop()
            svc.hub.close()
            flusher.cancel()
            svc.engine.stop()
            svc.writer.run(svc.ingestor.flush_audit).result()
            svc.writer.shutdown()
            svc.db.dispose()
            log.info("missilewatch service stopped: last event %d", svc.engine.number)

    app = FastAPI(title="missilewatch", version="1", lifespan=lifespan,
                  description="Live ballistic-missile early warning: measurements in, tracks, predictions, "
                              "decisions and CAP alerts out.")
    app.state.svc = svc
    for r in (routes_rest, routes_ingest, routes_events, routes_admin, routes_console, routes_archive,
              routes_replay):
        app.include_router(r.router)
    if settings.peers_path:
        from missilewatch.allied.service import attach

        attach(app, svc, settings)
    from missilewatch.web.pages import mount_pages

    mount_pages(app)
    app.add_middleware(AuditMiddleware)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's
            methods = {m for r in app.routes if isinstance(r, APIRoute) and r.path_regex.match(request.url.path)
                       for m in (r.methods or ())}
            headers["Allow"] = ", ".join(sorted(methods))
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        err = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in err.get("loc", ()))
        svc.metrics.refused.labels("invalid").inc()
        return JSONResponse({"error": f"{where}: {err.get('msg')}"}, status_code=422)

    @app.exception_handler(MissilewatchError)
    async def input_error(request: Request, exc: MissilewatchError):
        svc.metrics.refused.labels("invalid").inc()
        return JSONResponse({"error": str(exc)}, status_code=422)

    return app
