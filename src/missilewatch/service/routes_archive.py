"""The analysts' archive over HTTP, for the archive pages: a launch's reconstructed flight
(analysis, CZML on the globe, ground-track figure), exports of one launch or a selection (CSV,
GeoJSON, KML, CZML) and the archive report's figures. Read only (a reconstruction is cached in
the database, as ``archive analyse`` does)."""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path as FsPath
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from missilewatch.errors import InputError
from missilewatch.service.auth import Principal
from missilewatch.service.deps import declared, require, svc

router = APIRouter()
HISTORY = ("operator", "analyst", "admin")
LAUNCH_ID = Path(..., ge=1, le=2**31 - 1)
FMT = Path(..., pattern="^(csv|geojson|kml|czml)$", description="csv, geojson, kml or czml")
MEDIA = {"csv": "text/csv", "geojson": "application/geo+json", "kml": "application/vnd.google-earth.kml+xml",
         "czml": "application/json"}
EXPORT_RESPONSES = {200: {"content": {m: {} for m in MEDIA.values()}, "description": "The export"}}
PNG = {200: {"content": {"image/png": {}}, "description": "PNG figure"}}
#: One reconstruction at a time: a page asks for a launch's analysis, CZML and figure at once, and
#: each would otherwise compute and store the same uncached analysis.
_ANALYSING = threading.Lock()


def _prepare(request: Request, *launch_ids: int) -> None:
    """Compute and commit the analyses of ``launch_ids`` not cached yet (one request at a time),
    before the request reads them in its own session (404 for an unknown launch)."""
    from missilewatch.archive.analysis import analyse_event

    with _ANALYSING, svc(request).db.session() as s:
        for launch_id in launch_ids:
            analyse_event(s, _event(s, launch_id))


def _analysis(s: Session, launch_id: int):
    from missilewatch.archive.analysis import analyse_event

    return analyse_event(s, _event(s, launch_id))


def _event(s: Session, launch_id: int):
    from missilewatch.store import LaunchEvent

    ev = s.get(LaunchEvent, launch_id)
    if ev is None:
        raise HTTPException(404, f"launch_id: no launch event {launch_id}")
    return ev


def _render(rows: list[dict], fmt: str) -> str:
    from missilewatch.archive.exports import to_csv, to_czml, to_geojson, to_kml

    if fmt == "csv":
        return to_csv(rows)
    if fmt == "geojson":
        return json.dumps(to_geojson(rows), ensure_ascii=False)
    return to_kml(rows) if fmt == "kml" else to_czml(rows)


def _export(text: str, fmt: str, name: str) -> Response:
    disposition = f'attachment; filename="{name}.{fmt}"'
    return Response(text, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})


@router.get("/v1/launches/{launch_id}/analysis", response_model=dict[str, Any], tags=["archive"],
            responses=declared(401, 403, 404, 422))
def analysis(request: Request, launch_id: int = LAUNCH_ID, who: Principal = Depends(require(*HISTORY))):
    """The launch's reconstruction: status (ok, insufficient, failed), the figures it was made
    from, and the flight (ground track, range class, trajectory type, impact, geography)."""
    _prepare(request, launch_id)
    with svc(request).db.session() as s:
        a = _analysis(s, launch_id)
        return {"launch_id": launch_id, "status": a.status, "reason": a.reason, "inputs": a.inputs,
                "result": a.result}


@router.get("/v1/launches/{launch_id}/export.{fmt}", tags=["archive"], response_class=Response,
            responses=EXPORT_RESPONSES | declared(401, 403, 404, 422))
def launch_export(request: Request, launch_id: int = LAUNCH_ID, fmt: str = FMT,
                  who: Principal = Depends(require(*HISTORY))):
    """One launch (with its reconstructed flight) as CSV, GeoJSON, KML or CZML (with a clock)."""
    from missilewatch.archive.exports import launch_rows

    _prepare(request, launch_id)
    with svc(request).db.session() as s:
        a = _analysis(s, launch_id)
        rows = [r for r in launch_rows(s, [a]) if r["id"] == launch_id]
    return _export(_render(rows, fmt), fmt, f"launch-{launch_id}")


@router.get("/v1/archive/launches.{fmt}", tags=["archive"], response_class=Response,
            responses=EXPORT_RESPONSES | declared(401, 403, 404, 422))
def archive_export(request: Request, fmt: str = FMT, year: int | None = Query(None, ge=1900, le=2100),
                   type: str | None = Query(None, max_length=40, description="Missile type, e.g. IRBM"),
                   who: Principal = Depends(require(*HISTORY))):
    """The launches of a year and/or type (all by default) with their reconstructed flights (the
    first export of many launches reconstructs them: seconds each, then cached)."""
    from missilewatch.archive.exports import launch_rows
    from missilewatch.archive.query import summaries

    with svc(request).db.session() as s:
        try:
            ids = {r["id"] for r in summaries(s, year=year, missile_type=type)}
        except InputError as exc:
            raise HTTPException(404, str(exc)) from exc
    _prepare(request, *sorted(ids))
    with svc(request).db.session() as s:
        analyses = [_analysis(s, i) for i in sorted(ids)]
        rows = [r for r in launch_rows(s, analyses) if r["id"] in ids]
    return _export(_render(rows, fmt), fmt, "launches")


def _png(draw) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = FsPath(tmp) / "figure.png"
        draw(path)
        return Response(path.read_bytes(), media_type="image/png", headers={"Cache-Control": "private, max-age=60"})


@router.get("/v1/archive/plots/{name}.png", tags=["archive"], response_class=Response,
            responses=PNG | declared(401, 403, 404, 422))
def archive_plot(request: Request, name: str = Path(..., pattern="^(apogee_range|launches_per_year)$"),
                 who: Principal = Depends(require(*HISTORY))):
    """The archive report's figures: apogee against range (with constant-burnout-speed curves),
    launches per year by type."""
    from missilewatch.archive.plots import plot_apogee_range, plot_launches_per_year
    from missilewatch.archive.query import summaries

    with svc(request).db.session() as s:
        rows = summaries(s)
    if not rows:
        raise HTTPException(404, "the archive is empty: run `archive import-cns` or `archive ingest` first")
    if name == "apogee_range":
        both = [r for r in rows if r.get("range_km") and r.get("apogee_km")]
        points = [{"range_km": r["range_km"], "apogee_km": r["apogee_km"], "type": r.get("type") or "Unknown"}
                  for r in both]
        # Labelled as in the archive report: the flights over Japan and the high ICBM tests.
        labels = [{"range_km": r["range_km"], "apogee_km": r["apogee_km"], "label": (r.get("date") or "")[:7]}
                  for r in both if r["range_km"] >= 2500 or r["apogee_km"] >= 2000]
        return _png(lambda path: plot_apogee_range(points, path, labels=labels))
    per_year = [{"year": int(r["date"][:4]), "type": r.get("type") or "Unknown"} for r in rows if r.get("date")
                for _ in range(max(1, r.get("missiles") or 1))]
    return _png(lambda path: plot_launches_per_year(per_year, path))


@router.get("/v1/launches/{launch_id}/track.png", tags=["archive"], response_class=Response,
            responses=PNG | declared(401, 403, 404, 422))
def launch_plot(request: Request, launch_id: int = LAUNCH_ID, who: Principal = Depends(require(*HISTORY))):
    """The reconstructed flight's ground track and altitude profile (404 when it could not be
    reconstructed)."""
    from missilewatch.archive.plots import plot_ground_track

    _prepare(request, launch_id)
    with svc(request).db.session() as s:
        a = _analysis(s, launch_id)
        rec = (a.result or {}).get("reconstruction")
        inputs = a.inputs or {}
    if not rec:
        raise HTTPException(404, f"launch_id: launch {launch_id} has no reconstructed flight ({a.status})")
    track = {k: [p[k] for p in rec["ground_track"]] for k in ("t_s", "lat_deg", "lon_deg", "alt_km")}
    title = f"reconstructed from {inputs.get('figures_from')}; azimuth {rec.get('azimuth_deg')}°"
    return _png(lambda path: plot_ground_track(track, title, path))
