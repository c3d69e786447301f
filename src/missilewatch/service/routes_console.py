"""What the web console needs besides the events: region and country outlines (GeoJSON, from
the package's own geography data) and the sensors with their coverage (from the catalogue)
and their live state."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from missilewatch.service.auth import Principal
from missilewatch.service.deps import declared, require, svc

router = APIRouter()
PEOPLE = ("operator", "analyst", "partner", "admin")
#: The console's part of the world (lon_min, lat_min, lon_max, lat_max, degrees) and the outline
#: simplification (degrees).
AREA = (95.0, 5.0, 170.0, 60.0)
SIMPLIFY_DEG = {"regions": 0.01, "countries": 0.03}


@lru_cache(maxsize=2)
def outlines_geojson(kind: str) -> bytes:
    """Admin-1 regions (Japan, the Koreas, China) or countries in :data:`AREA` as a GeoJSON
    FeatureCollection (lon/lat degrees), each feature with ``country``, ``country_name`` and
    ``name`` (None for a whole country)."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon, box, mapping

    from missilewatch.geography.data import countries
    from missilewatch.geography.regions import all_regions, country_polygons

    area = box(*AREA)
    parts: list[tuple[Any, str | None, str, str | None]]  # geometry, ISO alpha-3, country name, region name
    if kind == "regions":
        parts = [(r.geometry, r.country, r.country_name, r.name) for r in all_regions().regions if r.name is not None]
    else:
        topo = countries()
        parts = [(g, topo.country_code[k] or None, topo.country_name[k], None) for k, g in country_polygons().items()]
    feats = []
    for geom, code, country_name, name in parts:
        if not geom.intersects(area):
            continue
        geom = shapely.simplify(geom.intersection(area), SIMPLIFY_DEG[kind], preserve_topology=True)
        if geom.geom_type == "GeometryCollection":  # the box cut off lines or points too
            geom = MultiPolygon([g for g in shapely.get_parts(geom) if isinstance(g, Polygon)])
        if geom.is_empty:
            continue
        feats.append({"type": "Feature", "geometry": mapping(geom),
                      "properties": {"country": code, "country_name": country_name, "name": name}})
    return json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":")).encode()


@router.get("/v1/geography/outlines", tags=["console"], response_class=Response,
            responses={200: {"content": {"application/geo+json": {}}, "description": "GeoJSON FeatureCollection"}}
            | declared(401, 403, 422))
def outlines(request: Request, kind: str = Query("regions", pattern="^(regions|countries)$",
                                                 description="regions (prefectures, provinces) or countries"),
             who: Principal = Depends(require(*PEOPLE))):
    """Outlines for the console's map, from the package's Natural Earth data."""
    return Response(outlines_geojson(kind), media_type="application/geo+json",
                    headers={"Cache-Control": "private, max-age=3600"})


def _radar_sector(lat: float, lon: float, az_c: float, half: float, r_km: float, n: int = 48) -> list[list[float]]:
    """A radar's coverage on the ground: the sector of ``r_km`` around ``az_c`` +- ``half``
    (degrees) as a closed [lat, lon] ring (WGS84 geodesics)."""
    import numpy as np
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    az = np.linspace(az_c - half, az_c + half, n)
    lons, lats, _ = geod.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, r_km * 1e3))
    ring = [[round(float(a), 4), round(float(o), 4)] for a, o in zip(lats, lons, strict=True)]
    if half < 180:
        ring = [[lat, lon], *ring]
    return [*ring, ring[0]]


@lru_cache(maxsize=1)
def sensor_catalogue() -> list[dict[str, Any]]:
    """Every catalogued sensor: id, type, name, position (a ship's first waypoint; the
    sub-satellite point of a geostationary sensor) and coverage ring (radars)."""
    from missilewatch.sensors.catalogue import catalogue
    from missilewatch.sensors.spec import RadarSpec

    out = []
    for spec in catalogue().values():
        d: dict[str, Any] = {"id": spec.id, "type": spec.type, "name": spec.name, "coverage": None,
                             "moving": False, "geostationary": False}
        if isinstance(spec, RadarSpec):
            if spec.site is not None:
                d["lat_deg"], d["lon_deg"] = spec.site.lat_deg, spec.site.lon_deg
            else:
                assert spec.track is not None  # a radar has a site or a track
                d["lat_deg"], d["lon_deg"] = spec.track.waypoints[0]
                d["moving"] = True
            d["max_range_km"] = spec.max_range_km
            d["coverage"] = _radar_sector(d["lat_deg"], d["lon_deg"], spec.az_center_deg, spec.az_half_width_deg,
                                          spec.max_range_km)
        elif spec.site is not None:
            d["lat_deg"], d["lon_deg"] = spec.site.lat_deg, spec.site.lon_deg
        else:
            d["lat_deg"], d["lon_deg"], d["geostationary"] = 0.0, spec.geo_lon_deg, True
        out.append(d)
    return out


class SensorList(BaseModel):
    sensors: list[dict[str, Any]]


@router.get("/v1/sensors", response_model=SensorList, responses=declared(401, 403), tags=["console"])
def sensors(request: Request, who: Principal = Depends(require("operator", "analyst", "admin"))):
    """The catalogued sensors with their coverage, and each one's live state (``fresh``,
    ``stale`` or None when it has not reported in this service's life)."""
    live = {s["sensor"]: s for s in svc(request).engine.picture.snapshot()["sensors"]}
    return {"sensors": [d | {"state": (live.get(d["id"]) or {}).get("state"),
                             "last_report_utc": (live.get(d["id"]) or {}).get("last_report_utc")}
                        for d in sensor_catalogue()]}
