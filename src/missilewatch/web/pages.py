"""The web pages of ``missilewatch serve``: the live console (``/``), replay (``/replay``), the
archive (``/archive``) and a launch's page (``/archive/launch?id=N``) as static HTML, with their
CSS, JavaScript modules and the vendored CesiumJS under ``/static``. The files are public; every
API call they make needs a token (see ``static/api.js``)."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from missilewatch.web.vendor import STATIC_DIR, cesium_present

PAGES = {"/": "console.html", "/replay": "replay.html", "/archive": "archive.html",
         "/archive/launch": "launch.html"}
#: No page or file may load anything from elsewhere (the watch floors have no internet), and
#: the browser enforces it. Cesium's workers start from blob: URLs and compile WebAssembly.
CSP = ("default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; "
       "style-src 'self' 'unsafe-inline'; script-src 'self' blob: 'unsafe-eval' 'wasm-unsafe-eval'; "
       "connect-src 'self' data: blob:")


def _page(name: str):
    path = STATIC_DIR / name

    def page() -> FileResponse:
        return FileResponse(path, media_type="text/html", headers={"Content-Security-Policy": CSP,
                                                                   "Cache-Control": "no-cache"})

    page.__name__ = f"page_{name.split('.')[0]}"
    return page


class _Static(StaticFiles):
    """The package's files; the vendored Cesium build (pinned) is cached by browsers for a day
    without asking again, so a reload costs the server nothing."""

    async def get_response(self, path: str, scope):
        response = await super().get_response(path, scope)
        if path.startswith("vendor/") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=86400, immutable"
        return response


def mount_pages(app: FastAPI) -> None:
    """Add the pages and ``/static`` to ``app`` (outside the OpenAPI document)."""
    if not cesium_present():
        logging.getLogger("missilewatch.service").warning(
            "CesiumJS is not vendored in %s: the pages load, the globe does not (run `make cesium`)", STATIC_DIR)
    for route, name in PAGES.items():
        app.add_api_route(route, _page(name), methods=["GET"], include_in_schema=False)
    app.mount("/static", _Static(directory=STATIC_DIR, check_dir=False), name="static")
