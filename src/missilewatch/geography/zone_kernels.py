"""Numba kernels of the zone classifier: the query side (``math`` only, no project objects).

Geometry conventions:

- Coast segments live on the unit sphere: a point (lat, lon) maps to (cos lat cos lon,
  cos lat sin lon, sin lat) with the *geodetic* latitude. Each segment is the minor great-circle
  arc between its endpoints, stored as a row of ``SEG_COLUMNS`` floats: A(3), B(3), N(3) = unit
  normal of the arc's plane, U(3) = N x A, V(3) = B x N (columns ``SEG_A``, ``SEG_B``, ...). The
  foot of a point P lies inside the arc when P.U >= 0 and P.V >= 0. A zero-length segment has
  U = V = -A so that only its endpoint counts.
- Distances between points are compared on the sphere by the squared chord ("metric"); the final
  distance to the chosen foot point is the ellipsoidal one from Lambert's formula (WGS84).
- Land polygons are the data's own planar lon/lat edges (x0, y0, x1, y1) with the one or two
  countries whose inside flips across each edge.

The index-building kernels are in ``index_kernels``.
"""

from __future__ import annotations

import math

import numba as nb
from numba import njit, prange

ZONE_LAND = 0
ZONE_TERRITORIAL_SEA = 1
ZONE_EEZ = 2
ZONE_HIGH_SEAS = 3

#: First column of each vector of a segment row: endpoints A and B, normal N, end tests U, V.
SEG_A, SEG_B, SEG_N, SEG_U, SEG_V = 0, 3, 6, 9, 12
SEG_COLUMNS = 15
#: Larger than any squared chord on the unit sphere (at most 4): "nothing found yet".
FAR_METRIC = 1e30
#: Coast distance (m) reported when a leaf lists no coast segment.
NO_COAST_M = 1e30

#: Tie window on the squared chord: locally the ellipsoid stretches sphere lengths by N/a or
#: M/a depending on direction, and N/M <= 1/(1 - e^2) = 1.0067; a segment of another country
#: whose sphere distance exceeds the minimum by more than that (1.6 % squared, with margin) can
#: never be the ellipsoidal nearest.
REFINE_FACTOR = 1.016


@njit(cache=True, inline="always")
def seg_metric(px, py, pz, seg, k):
    """Squared chord from unit vector P to segment k (both on the unit sphere)."""
    t1 = px * seg[k, SEG_U] + py * seg[k, SEG_U + 1] + pz * seg[k, SEG_U + 2]
    t2 = px * seg[k, SEG_V] + py * seg[k, SEG_V + 1] + pz * seg[k, SEG_V + 2]
    if t1 >= 0.0 and t2 >= 0.0:
        s = px * seg[k, SEG_N] + py * seg[k, SEG_N + 1] + pz * seg[k, SEG_N + 2]
        s2 = s * s
        c = 1.0 - s2
        if c < 0.0:
            c = 0.0
        return 2.0 * s2 / (1.0 + math.sqrt(c))
    dx = px - seg[k, SEG_A]
    dy = py - seg[k, SEG_A + 1]
    dz = pz - seg[k, SEG_A + 2]
    m1 = dx * dx + dy * dy + dz * dz
    dx = px - seg[k, SEG_B]
    dy = py - seg[k, SEG_B + 1]
    dz = pz - seg[k, SEG_B + 2]
    m2 = dx * dx + dy * dy + dz * dz
    return m1 if m1 < m2 else m2


@njit(cache=True)
def seg_foot(px, py, pz, seg, k):
    """Nearest point of segment k to unit vector P, returned as (lat, lon) radians."""
    t1 = px * seg[k, SEG_U] + py * seg[k, SEG_U + 1] + pz * seg[k, SEG_U + 2]
    t2 = px * seg[k, SEG_V] + py * seg[k, SEG_V + 1] + pz * seg[k, SEG_V + 2]
    if t1 >= 0.0 and t2 >= 0.0:
        s = px * seg[k, SEG_N] + py * seg[k, SEG_N + 1] + pz * seg[k, SEG_N + 2]
        fx = px - s * seg[k, SEG_N]
        fy = py - s * seg[k, SEG_N + 1]
        fz = pz - s * seg[k, SEG_N + 2]
        n = math.sqrt(fx * fx + fy * fy + fz * fz)
        if n > 0.0:
            fx /= n
            fy /= n
            fz /= n
        else:
            fx = seg[k, SEG_A]
            fy = seg[k, SEG_A + 1]
            fz = seg[k, SEG_A + 2]
    else:
        dx = px - seg[k, SEG_A]
        dy = py - seg[k, SEG_A + 1]
        dz = pz - seg[k, SEG_A + 2]
        m1 = dx * dx + dy * dy + dz * dz
        dx = px - seg[k, SEG_B]
        dy = py - seg[k, SEG_B + 1]
        dz = pz - seg[k, SEG_B + 2]
        m2 = dx * dx + dy * dy + dz * dz
        j = SEG_A if m1 <= m2 else SEG_B
        fx = seg[k, j]
        fy = seg[k, j + 1]
        fz = seg[k, j + 2]
    return math.atan2(fz, math.sqrt(fx * fx + fy * fy)), math.atan2(fy, fx)


@njit(cache=True)
def lambert_distance(lat1, lon1, lat2, lon2, a, f):
    """Ellipsoidal distance (m) by Lambert's formula; latitudes geodetic, radians.

    Error against the exact geodesic: about 10 m at 1000 km, well under 1 m below 400 km.
    """
    b1 = math.atan((1.0 - f) * math.tan(lat1))
    b2 = math.atan((1.0 - f) * math.tan(lat2))
    sh = math.sin(0.5 * (b2 - b1))
    sl = math.sin(0.5 * (lon2 - lon1))
    h = sh * sh + math.cos(b1) * math.cos(b2) * sl * sl
    if h <= 0.0:
        return 0.0
    if h > 1.0:
        h = 1.0
    sigma = 2.0 * math.asin(math.sqrt(h))
    if sigma < 1e-12:
        return a * sigma
    p = 0.5 * (b1 + b2)
    q = 0.5 * (b2 - b1)
    sin_s = math.sin(sigma)
    c2 = math.cos(0.5 * sigma) ** 2
    s2 = math.sin(0.5 * sigma) ** 2
    x = (sigma - sin_s) * math.sin(p) ** 2 * math.cos(q) ** 2 / c2 if c2 > 0.0 else 0.0
    y = (sigma + sin_s) * math.cos(p) ** 2 * math.sin(q) ** 2 / s2
    return a * (sigma - 0.5 * f * (x + y))


@njit(cache=True)
def pip_state(px, py, x1, y0, state0, pip, lo, hi, edge, edge_owner):
    """Country containing (px, py) (-1 = none), walking p -> (x1, py) -> (x1, y0) whose state is state0.

    Edges crossed on the way flip inside/outside of their owners (half-open crossing rules, so a
    vertex on a leg is counted once). ``pip[lo:hi]`` are the edge indices to consider.
    """
    ids = [nb.int32(0) for _ in range(0)]
    par = [nb.int32(0) for _ in range(0)]
    for j in range(lo, hi):
        e = pip[j]
        xa = edge[e, 0]
        ya = edge[e, 1]
        xb = edge[e, 2]
        yb = edge[e, 3]
        n_cross = 0
        if (ya > py) != (yb > py):
            xc = xa + (py - ya) * (xb - xa) / (yb - ya)
            if xc > px and xc <= x1:
                n_cross += 1
        if (xa > x1) != (xb > x1):
            yc = ya + (x1 - xa) * (yb - ya) / (xb - xa)
            if yc >= y0 and yc < py:
                n_cross += 1
        if n_cross == 1:
            for w in range(2):
                o = edge_owner[e, w]
                if o < 0:
                    continue
                found = False
                for i in range(len(ids)):
                    if ids[i] == o:
                        par[i] ^= 1
                        found = True
                        break
                if not found:
                    ids.append(nb.int32(o))
                    par.append(nb.int32(1))
    state0_flipped = False
    for i in range(len(ids)):
        if ids[i] == state0:
            state0_flipped = par[i] == 1
    if state0 >= 0 and not state0_flipped:
        return state0
    for i in range(len(ids)):
        if par[i] == 1 and ids[i] != state0:
            return ids[i]
    return -1



@njit(cache=True, inline="always")
def unit(lat, lon):
    c = math.cos(lat)
    return c * math.cos(lon), c * math.sin(lon), math.sin(lat)



@njit(cache=True)
def in_polygon(x, y, poly, lo, hi):
    """Even-odd test of (x, y) against the closed ring poly[lo:hi] (planar lon/lat)."""
    inside = False
    for i in range(lo, hi - 1):
        xa = poly[i, 0]
        ya = poly[i, 1]
        xb = poly[i + 1, 0]
        yb = poly[i + 1, 1]
        if (ya > y) != (yb > y):
            if x < xa + (y - ya) * (xb - xa) / (yb - ya):
                inside = not inside
    return inside


@njit(cache=True, inline="always")
def find_leaf(lon, lat, root_nx, root_size, node_child, node_leaf):
    """(leaf id, x0, y0, size) of the quadtree leaf holding (lon, lat), lon in [-180, 180)."""
    ix = int((lon + 180.0) / root_size)
    if ix >= root_nx:
        ix = root_nx - 1
    iy = int((lat + 90.0) / root_size)
    if (iy + 1) * root_size > 180.0:
        iy -= 1
    x0 = -180.0 + ix * root_size
    y0 = -90.0 + iy * root_size
    size = root_size
    n = iy * root_nx + ix
    while node_child[n] >= 0:
        size *= 0.5
        qx = 1 if lon >= x0 + size else 0
        qy = 1 if lat >= y0 + size else 0
        x0 += qx * size
        y0 += qy * size
        n = node_child[n] + 2 * qy + qx
    return node_leaf[n], x0, y0, size


@njit(cache=True, inline="always")
def nearest_coast_in_leaf(rlat, rlon, lo, hi, leaf_cand, seg, seg_owner, tie_metric, a, f):
    """(distance m, owner) of the nearest coast among candidates ``leaf_cand[lo:hi]``: nearest on
    the sphere, then the ellipsoidal distance to the foot points of every candidate within the
    tie window."""
    px, py, pz = unit(rlat, rlon)
    best = FAR_METRIC
    for j in range(lo, hi):
        m = seg_metric(px, py, pz, seg, leaf_cand[j])
        if m < best:
            best = m
    window = best * REFINE_FACTOR if best < tie_metric else best
    dist = NO_COAST_M
    owner = -1
    for j in range(lo, hi):
        k = leaf_cand[j]
        if seg_metric(px, py, pz, seg, k) <= window:
            flat, flon = seg_foot(px, py, pz, seg, k)
            d = lambert_distance(rlat, rlon, flat, flon, a, f)
            if d < dist:
                dist = d
                owner = seg_owner[k]
    return dist, owner


@njit(cache=True)
def classify_point(
    i,
    lat_deg, lon_deg,
    root_nx, root_size, node_child, node_leaf, leaf_pip_off, leaf_pip, leaf_state, edge, edge_owner,
    leaf_cand_off, leaf_cand, seg, seg_owner,
    lat_min_deg, south_country, no_zone_country,
    ts_m, eez_m, tie_metric, strait_poly, strait_off, strait_limit_m, strait_country,
    a, f,
    out_zone, out_country, out_dist_m, out_coast_country,
):  # fmt: skip
    """Classify point i (see ``classify``)."""
    d2r = math.pi / 180.0
    lat = lat_deg[i]
    lon = lon_deg[i] - 360.0 * math.floor((lon_deg[i] + 180.0) / 360.0)
    if lon >= 180.0:
        lon -= 360.0
    leaf, x0, y0, size = find_leaf(lon, lat, root_nx, root_size, node_child, node_leaf)
    # Land: walk from the point to the leaf's corner.
    if lat < lat_min_deg:
        country = south_country
    elif leaf_pip_off[leaf] == leaf_pip_off[leaf + 1]:
        country = leaf_state[leaf]
    else:
        country = pip_state(
            lon, lat, x0 + size, y0, leaf_state[leaf], leaf_pip, leaf_pip_off[leaf],
            leaf_pip_off[leaf + 1], edge, edge_owner,
        )  # fmt: skip
    dist, owner = nearest_coast_in_leaf(lat * d2r, lon * d2r, leaf_cand_off[leaf], leaf_cand_off[leaf + 1],
                                        leaf_cand, seg, seg_owner, tie_metric, a, f)
    out_dist_m[i] = dist
    out_coast_country[i] = owner
    if country >= 0:
        out_zone[i] = ZONE_LAND
        out_country[i] = country
        return
    if no_zone_country[owner] == 1:
        out_zone[i] = ZONE_HIGH_SEAS
        out_country[i] = -1
        return
    limit = ts_m
    if dist <= ts_m:
        for s in range(strait_off.shape[0] - 1):
            if strait_country[s, owner] == 1 and in_polygon(lon, lat, strait_poly, strait_off[s], strait_off[s + 1]):
                limit = strait_limit_m[s]
                break
    if dist <= limit:
        out_zone[i] = ZONE_TERRITORIAL_SEA
        out_country[i] = owner
    elif dist <= eez_m:
        out_zone[i] = ZONE_EEZ
        out_country[i] = owner
    else:
        out_zone[i] = ZONE_HIGH_SEAS
        out_country[i] = -1


@njit(parallel=True, cache=True)
def classify(
    lat_deg, lon_deg,
    root_nx, root_size, node_child, node_leaf, leaf_pip_off, leaf_pip, leaf_state, edge, edge_owner,
    leaf_cand_off, leaf_cand, seg, seg_owner,
    lat_min_deg, south_country, no_zone_country,
    ts_m, eez_m, tie_metric, strait_poly, strait_off, strait_limit_m, strait_country,
    a, f,
    out_zone, out_country, out_dist_m, out_coast_country,
):  # fmt: skip
    """Zone, country, coast distance (m) and nearest-coast country of every point (degrees in).

    ``no_zone_country[k]`` = 1 marks coasts that generate no maritime zones (Antarctica);
    strait polygons (closed rings ``strait_poly[strait_off[s]:strait_off[s + 1]]``) cut the
    territorial sea of the countries flagged in ``strait_country[s, k]`` to ``strait_limit_m[s]``.
    """
    for i in prange(lat_deg.shape[0]):
        classify_point(
            i, lat_deg, lon_deg,
            root_nx, root_size, node_child, node_leaf, leaf_pip_off, leaf_pip, leaf_state, edge, edge_owner,
            leaf_cand_off, leaf_cand, seg, seg_owner,
            lat_min_deg, south_country, no_zone_country,
            ts_m, eez_m, tie_metric, strait_poly, strait_off, strait_limit_m, strait_country,
            a, f,
            out_zone, out_country, out_dist_m, out_coast_country,
        )  # fmt: skip


@njit(cache=True)
def classify_serial(
    lat_deg, lon_deg,
    root_nx, root_size, node_child, node_leaf, leaf_pip_off, leaf_pip, leaf_state, edge, edge_owner,
    leaf_cand_off, leaf_cand, seg, seg_owner,
    lat_min_deg, south_country, no_zone_country,
    ts_m, eez_m, tie_metric, strait_poly, strait_off, strait_limit_m, strait_country,
    a, f,
    out_zone, out_country, out_dist_m, out_coast_country,
):  # fmt: skip
    """``classify`` on one thread: for a few points, where waking threads costs more than it saves."""
    for i in range(lat_deg.shape[0]):
        classify_point(
            i, lat_deg, lon_deg,
            root_nx, root_size, node_child, node_leaf, leaf_pip_off, leaf_pip, leaf_state, edge, edge_owner,
            leaf_cand_off, leaf_cand, seg, seg_owner,
            lat_min_deg, south_country, no_zone_country,
            ts_m, eez_m, tie_metric, strait_poly, strait_off, strait_limit_m, strait_country,
            a, f,
            out_zone, out_country, out_dist_m, out_coast_country,
        )  # fmt: skip
