"""The ``claims`` view: Japan's waters as Japan counts them, beside the de facto default.

The default geography (``zones``) has the borders of Natural Earth, de facto, and no claim on
any dispute. This view is Japan's claims, labelled as such, so that an analyst can ask
"inside the EEZ as Japan reports it":

- the islands Japan claims are Japan's: the Northern Territories (Etorofu, Kunashiri, Shikotan,
  Habomai) and Takeshima; islands missing from the 1:10m data are added from their public
  positions (Okinotorishima's reef, Okidaitojima, Hateruma, the Danjo Islands, Sofu-gan,
  Beyonesu Rocks, the Habomai Islands);
- internal waters: the Seto Inland Sea within the three lines of the Territorial Sea Act's
  Enforcement Order (art. 1, official coordinates), which are baselines; and a few straight
  baselines across bays (an approximation: the Order's annex of straight-baseline basepoints
  was not available offline);
- median lines as Japan draws them: between Japan's baselines so claimed and every other
  country's coast, the nearer coast decides (Japan's EEZ Act, art. 1(2)).

Data: ``data/claims_japan.json`` (built by ``scripts/build_claims_data.py``; sources in
``data/README.md``). Distances are geodesic (WGS84) to coasts densified to 0.5 km, found by a
k-d tree over unit vectors, so within a few metres of the segment distance beyond 1 km.
Inside the claims region (``REGION``) every point is re-judged; elsewhere the view is the de
facto one. Japan's sea in the claims view contains its sea in the de facto view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import shapely
from pyproj import Geod
from scipy.spatial import cKDTree

from missilewatch.errors import InputError
from missilewatch.geography.data import countries, read_json
from missilewatch.geography.zones import (
    EEZ_M,
    NAUTICAL_MILE_M,
    TERRITORIAL_SEA_M,
    ZONE_BY_CODE,
    PointZone,
    Zone,
    Zones,
    classify_points,
    country_code,
)

View = Literal["de_facto", "claims"]
VIEWS: tuple[str, ...] = ("de_facto", "claims")
CLAIMANT = "JPN"
#: Where the claims view re-judges points (lon_min, lat_min, lon_max, lat_max): every point
#: within 200 nm of a baseline Japan claims.
REGION = (115.0, 10.0, 166.0, 56.0)
#: Other countries' coasts are taken this far around REGION (deg), so median lines see them.
MARGIN_DEG = 8.0
#: Spacing of the densified coasts, km: fine near a coast, coarse for points farther than
#: FINE_WITHIN_KM (where 5-km spacing errs by under 60 m: sqrt(d^2 + 2.5^2) - d).
DENSIFY_KM = 0.5
COARSE_KM = 5.0
FINE_WITHIN_KM = 60.0
_GEOD = Geod(ellps="WGS84")
_R = 6_371_008.8
_CODE = {z: i for i, z in enumerate(ZONE_BY_CODE)}


@dataclass(frozen=True, eq=False)
class _ClaimsGeometry:
    japan_xyz: np.ndarray  # (n, 3) unit vectors of Japan's claimed baselines, densified
    japan_lonlat: np.ndarray  # (n, 2)
    other_xyz: np.ndarray
    other_lonlat: np.ndarray
    other_owner: np.ndarray  # (m,) country index
    japan_tree: cKDTree
    other_tree: cKDTree
    japan_coarse: tuple[cKDTree, np.ndarray]  # tree and lon/lat of the coarse points
    other_coarse: tuple[cKDTree, np.ndarray, np.ndarray]  # tree, lon/lat, owner
    reassigned: shapely.Geometry  # rings of the data that Japan claims (land)
    reassigned_from: tuple[int, ...]
    added_land: shapely.Geometry
    internal: shapely.Geometry  # internal waters and reefs awash
    straits: shapely.Geometry  # specified areas: 3 nm territorial sea


def _unit(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _densify(lines: list[np.ndarray], step_km: float = DENSIFY_KM) -> np.ndarray:
    """Points every ``step_km`` along polylines of (k, 2) lon/lat (great-circle interpolation)."""
    out = []
    for xy in lines:
        if len(xy) < 2:
            out.append(xy)
            continue
        a, b = _unit(xy[:-1, 0], xy[:-1, 1]), _unit(xy[1:, 0], xy[1:, 1])
        ang = np.arccos(np.clip(np.sum(a * b, axis=1), -1.0, 1.0))
        n = np.maximum(1, np.ceil(ang * _R / 1e3 / step_km).astype(int))
        seg = np.repeat(np.arange(len(a)), n)
        frac = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
        p = a[seg] * (1.0 - frac)[:, None] + b[seg] * frac[:, None]
        p /= np.linalg.norm(p, axis=1)[:, None]
        lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1, 1)))
        lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
        out.append(np.vstack([np.column_stack([lon, lat]), xy[-1:]]))
    return np.concatenate(out) if out else np.empty((0, 2))


def _in_box(xy: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    return bool(np.any((xy[:, 0] >= box[0]) & (xy[:, 0] <= box[2]) & (xy[:, 1] >= box[1]) & (xy[:, 1] <= box[3])))


@lru_cache(maxsize=1)
def _geometry() -> _ClaimsGeometry:
    topo = countries()
    spec = read_json("claims_japan.json")
    jpn = topo.index_of(CLAIMANT)
    ata = topo.index_of("ATA")
    # Rings of the data that Japan claims.
    claimed_rings: list[np.ndarray] = []
    claimed_arcs: set[int] = set()
    froms: list[int] = []
    for item in spec["reassigned"]:
        owner = topo.index_of(item["from"])
        froms.append(owner)
        lo0, la0, lo1, la1 = item["centroid_bbox"]
        for r in np.flatnonzero(topo.ring_country == owner):
            xy = topo.ring_lonlat(int(r))
            cx, cy = xy[:, 0].mean(), xy[:, 1].mean()
            if lo0 <= cx <= lo1 and la0 <= cy <= la1 and not topo.ring_is_hole[r]:
                claimed_rings.append(xy)
                refs = topo.ring_arcs[topo.ring_offsets[r]: topo.ring_offsets[r + 1]]
                claimed_arcs.update(int(a) if a >= 0 else ~int(a) for a in refs)
    # Coastline arcs by owner.
    box = (REGION[0] - MARGIN_DEG, REGION[1] - MARGIN_DEG, REGION[2] + MARGIN_DEG, REGION[3] + MARGIN_DEG)
    japan_lines, other_lines, other_owner = [], [], []
    for i in np.flatnonzero(topo.arc_uses == 1):
        a, b = topo.arc_offsets[i], topo.arc_offsets[i + 1]
        xy = np.column_stack([topo.lon_deg[a:b], topo.lat_deg[a:b]])
        if len(xy) == 0 or not _in_box(xy, box):
            continue
        owner = int(max(topo.arc_owner[i]))
        if owner == jpn or int(i) in claimed_arcs:
            japan_lines.append(xy)
        elif owner >= 0 and owner != ata:
            other_lines.append(xy)
            other_owner.append(owner)
    islands = spec["islands"]
    japan_lines += [np.asarray(isl["ring"], dtype=float) for isl in islands]
    japan_lines += [np.asarray(sb["points"], dtype=float) for sb in spec["straight_baselines"]]
    j_ll = _densify(japan_lines)
    o_parts = [_densify([xy]) for xy in other_lines]
    o_ll = np.concatenate(o_parts)
    o_own = np.repeat(np.asarray(other_owner, dtype=np.int16), [len(p) for p in o_parts])
    j_xyz, o_xyz = _unit(j_ll[:, 0], j_ll[:, 1]), _unit(o_ll[:, 0], o_ll[:, 1])
    jc = _densify(japan_lines, COARSE_KM)
    oc_parts = [_densify([xy], COARSE_KM) for xy in other_lines]
    oc = np.concatenate(oc_parts)
    oc_own = np.repeat(np.asarray(other_owner, dtype=np.int16), [len(p) for p in oc_parts])
    straits = [shapely.Polygon(s["ring"]) for s in read_json("japan_straits.json")["straits"]
               if CLAIMANT in s["countries"]]
    geoms = {
        "reassigned": shapely.union_all([shapely.Polygon(r) for r in claimed_rings]),
        "added_land": shapely.union_all([shapely.Polygon(i["ring"]) for i in islands if i["land"]]),
        "internal": shapely.union_all([shapely.Polygon(w["ring"]) for w in spec["internal_waters"]]
                                      + [shapely.Polygon(i["ring"]) for i in islands if not i["land"]]),
        "straits": shapely.union_all(straits),
    }
    for geom in geoms.values():
        shapely.prepare(geom)
    return _ClaimsGeometry(
        japan_xyz=j_xyz, japan_lonlat=j_ll, other_xyz=o_xyz, other_lonlat=o_ll, other_owner=o_own,
        japan_tree=cKDTree(j_xyz), other_tree=cKDTree(o_xyz),
        japan_coarse=(cKDTree(_unit(jc[:, 0], jc[:, 1])), jc),
        other_coarse=(cKDTree(_unit(oc[:, 0], oc[:, 1])), oc, oc_own),
        reassigned_from=tuple(froms), **geoms,
    )


def _query_m(tree: cKDTree, lonlat: np.ndarray, xyz: np.ndarray, lon: np.ndarray, lat: np.ndarray,
             limit_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distance (m) to the nearest point of a tree within ``limit_m`` (inf beyond), and its index."""
    chord = 2.0 * math.sin(0.5 * limit_m / _R)
    _d, idx = tree.query(xyz, distance_upper_bound=chord)
    found = idx < len(lonlat)
    dist = np.full(len(lon), np.inf)
    if found.any():
        near = lonlat[idx[found]]
        dist[found] = _GEOD.inv(lon[found], lat[found], near[:, 0], near[:, 1])[2]
    return dist, np.where(found, idx, -1)


def _nearest_m(coarse: tuple[cKDTree, np.ndarray], fine: tuple[cKDTree, np.ndarray], xyz: np.ndarray,
               lon: np.ndarray, lat: np.ndarray, limit_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance (m) to the nearest coast point: coarse points first, fine ones near the coast.

    Returns the distance, the index into the fine points (-1 where the coarse one was kept) and
    the index into the coarse points (-1 beyond ``limit_m``)."""
    d, ic = _query_m(coarse[0], coarse[1], xyz, lon, lat, limit_m)
    near = np.flatnonzero(d <= FINE_WITHIN_KM * 1e3)
    i_fine = np.full(len(lon), -1)
    if len(near):
        df, jf = _query_m(fine[0], fine[1], xyz[near], lon[near], lat[near], (FINE_WITHIN_KM + COARSE_KM) * 1e3)
        d[near] = np.minimum(d[near], df)
        i_fine[near] = jf
    return d, i_fine, ic


def classify_points_claims(lat_deg: object, lon_deg: object) -> Zones:
    """Zones of many points in the claims view (Japan's claims; see the module docstring)."""
    z = classify_points(lat_deg, lon_deg)
    lat, lon = z.lat_deg, z.lon_deg
    zone, country = z.zone_code.copy(), z.country_index.copy()
    dist, coast = z.coast_distance_m.copy(), z.coast_country_index.copy()
    x = np.where(lon > 180.0, lon - 360.0, np.where(lon < -180.0, lon + 360.0, lon))
    sel = np.flatnonzero((x >= REGION[0]) & (x <= REGION[2]) & (lat >= REGION[1]) & (lat <= REGION[3]))
    if len(sel) == 0:
        return z
    g = _geometry()
    topo = countries()
    jpn = topo.index_of(CLAIMANT)
    la, lo = lat[sel], x[sel]
    xyz = _unit(lo, la)
    dj, _, _ = _nearest_m(g.japan_coarse, (g.japan_tree, g.japan_lonlat), xyz, lo, la, EEZ_M + 40_000.0)
    do, io_f, io_c = _nearest_m(g.other_coarse[:2], (g.other_tree, g.other_lonlat), xyz, lo, la,
                                2.0 * EEZ_M + 80_000.0)
    owner_o = np.where(io_f >= 0, g.other_owner[np.maximum(io_f, 0)],
                       np.where(io_c >= 0, g.other_coarse[2][np.maximum(io_c, 0)], -1))

    zs, cs = zone[sel], country[sel]
    land = zs == _CODE[Zone.LAND]
    claimed_land = land & np.isin(cs, g.reassigned_from) & shapely.contains_xy(g.reassigned, lo, la)
    added = ~land & shapely.contains_xy(g.added_land, lo, la)
    internal = ~land & ~added & shapely.contains_xy(g.internal, lo, la)
    in_strait = shapely.contains_xy(g.straits, lo, la)
    ts_limit = np.where(in_strait, 3.0 * NAUTICAL_MILE_M, TERRITORIAL_SEA_M)
    sea = ~land & ~added
    japan_sea = sea & (internal | ((dj <= EEZ_M) & (dj <= do)))
    japan_was = sea & (cs == jpn)  # the de facto view's Japanese sea stays Japan's
    japan_ts = sea & (internal | (japan_sea & (dj <= ts_limit)) | (japan_was & (zs == _CODE[Zone.TERRITORIAL_SEA])))
    japan_any = japan_sea | japan_was

    new_zone, new_country = zs.copy(), cs.copy()
    new_zone[claimed_land | added] = _CODE[Zone.LAND]
    new_country[claimed_land | added] = jpn
    new_zone[japan_any] = np.where(japan_ts[japan_any], _CODE[Zone.TERRITORIAL_SEA], _CODE[Zone.EEZ])
    new_country[japan_any] = jpn
    # Sea the de facto view gave a claimed island's holder, now not Japan's: the nearest other coast decides.
    lost = sea & ~japan_any & np.isin(cs, g.reassigned_from) & (z.coast_distance_m[sel] < do - 1000.0)
    new_zone[lost] = np.where(do[lost] <= TERRITORIAL_SEA_M, _CODE[Zone.TERRITORIAL_SEA],
                              np.where(do[lost] <= EEZ_M, _CODE[Zone.EEZ], _CODE[Zone.HIGH_SEAS]))
    new_country[lost] = np.where(new_zone[lost] == _CODE[Zone.HIGH_SEAS], -1, owner_o[lost])

    zone[sel], country[sel] = new_zone, new_country
    japan_nearer = dj < np.minimum(do, z.coast_distance_m[sel])
    dist[sel] = np.where(japan_nearer, dj, np.minimum(do, z.coast_distance_m[sel]))
    coast[sel] = np.where(japan_nearer | claimed_land | added, jpn, np.where(lost, owner_o, coast[sel]))
    return Zones(lat, lon, zone, country, dist, coast)


def _check_view(view: str) -> str:
    if view not in VIEWS:
        raise InputError("view", view, f"must be one of {', '.join(VIEWS)}")
    return view


def classify_points_view(lat_deg: object, lon_deg: object, view: str = "de_facto") -> Zones:
    """Zones of many points in a view: ``de_facto`` (the default, Natural Earth's borders) or
    ``claims`` (Japan's claims)."""
    if _check_view(view) == "claims":
        return classify_points_claims(lat_deg, lon_deg)
    return classify_points(lat_deg, lon_deg)


def zone_of(lat_deg: float, lon_deg: float, view: str = "de_facto") -> PointZone:
    """Zone of one point in a view (see :func:`classify_points_view`)."""
    z = classify_points_view([lat_deg], [lon_deg], view)
    return PointZone(
        lat_deg=float(z.lat_deg[0]), lon_deg=float(z.lon_deg[0]), zone=z.zone(0), country=z.country(0),
        country_name=z.country_name(0), coast_distance_km=float(z.coast_distance_m[0]) / 1000.0,
        coast_country=country_code(int(z.coast_country_index[0])),
    )


def records_both_views(lat_deg: object, lon_deg: object, view: str = "de_facto") -> list[dict]:
    """One record per point in ``view``; where the other view's verdict differs, it is added
    under ``de_facto`` or ``claims`` (zone, country) with ``views_differ: true``."""
    _check_view(view)
    zd = classify_points(lat_deg, lon_deg)
    zc = classify_points_claims(lat_deg, lon_deg)
    main, other = (zc, zd) if view == "claims" else (zd, zc)
    other_name = "de_facto" if view == "claims" else "claims"
    out = []
    for i, rec in enumerate(main.to_records()):
        rec["view"] = view
        differ = (main.zone_code[i] != other.zone_code[i]) or (main.country_index[i] != other.country_index[i])
        rec["views_differ"] = bool(differ)
        if differ:
            rec[other_name] = {"zone": other.zone(i).value, "country": other.country(i)}
        out.append(rec)
    return out
