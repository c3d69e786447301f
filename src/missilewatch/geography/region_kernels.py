"""Numba kernels for distances from points to region polygons (``math`` only, no project objects).

Regions are flattened into parts (polygons) and the parts into planar lon/lat edges
``(x0, y0, x1, y1)`` (degrees): region ``r`` has parts ``part_off[r]:part_off[r + 1]``, part ``p``
has edges ``edges[edge_off[p]:edge_off[p + 1]]`` (its shell and holes: even-odd crossing counts
give inside/outside) and the bounding box ``part_bbox[p]``; ``bbox[r]`` bounds the region. Parts
whose box is farther than the best distance found are skipped. The nearest point of a region to a point
is the *planar* nearest point in lon/lat (what Shapely's ``nearest_points`` gives); its
distance is then measured on the ellipsoid. Where a region reaches across the antimeridian the
point is also tried shifted by +-360 degrees, except where the shift takes it more than
``SHIFT_SLACK_DEG`` farther from the region's bounding box (the shifted nearest point is then
on the far side of the map from the point and is never the nearest on the ground).

Distances picked here are Lambert's (see ``zone_kernels.lambert_distance``); callers re-measure
the chosen pairs with an exact geodesic.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.geography.zone_kernels import lambert_distance

#: A point shifted by +-360 deg is not tried against a region when the shift takes it this much
#: farther (degrees, planar) from the region's bounding box.
SHIFT_SLACK_DEG = 90.0
#: Planar distance of a point to itself inside a region (its nearest point is itself).
INSIDE = 0.0
#: Larger than any planar squared distance on the map.
FAR = 1e30
#: Segments of a ground track per block of the crossing search.
TRACK_BLOCK = 16
#: Columns of ``bbox`` rows: west, south, east, north (degrees).
BOX_W, BOX_S, BOX_E, BOX_N = 0, 1, 2, 3


@njit(cache=True)
def planar_nearest(px, py, edges, lo, hi):
    """(inside, squared planar distance, foot lon, foot lat) of (px, py) against edges[lo:hi]."""
    inside = False
    best = FAR
    fx = px
    fy = py
    for e in range(lo, hi):
        x0 = edges[e, 0]
        y0 = edges[e, 1]
        x1 = edges[e, 2]
        y1 = edges[e, 3]
        if (y0 > py) != (y1 > py):
            if px < x0 + (py - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
        dx = x1 - x0
        dy = y1 - y0
        length2 = dx * dx + dy * dy
        t = 0.0
        if length2 > 0.0:
            t = ((px - x0) * dx + (py - y0) * dy) / length2
            if t < 0.0:
                t = 0.0
            elif t > 1.0:
                t = 1.0
        qx = x0 + t * dx
        qy = y0 + t * dy
        d2 = (px - qx) * (px - qx) + (py - qy) * (py - qy)
        if d2 < best:
            best = d2
            fx = qx
            fy = qy
    if inside:
        return True, INSIDE, px, py
    return False, best, fx, fy


@njit(cache=True)
def region_planar_nearest(px, py, r, part_off, edge_off, edges, part_bbox):
    """``planar_nearest`` over the parts of region r, skipping parts whose bounding box is
    farther than the best found."""
    best = FAR
    fx = px
    fy = py
    for p in range(part_off[r], part_off[r + 1]):
        lb = box_distance(px, py, part_bbox, p)
        if lb * lb > best:
            continue
        inside, d2, qx, qy = planar_nearest(px, py, edges, edge_off[p], edge_off[p + 1])
        if inside:
            return True, INSIDE, px, py
        if d2 < best:
            best = d2
            fx = qx
            fy = qy
    return False, best, fx, fy


@njit(cache=True, inline="always")
def box_distance(px, py, bbox, r):
    """Planar distance (degrees) from (px, py) to the bounding box of region r."""
    dx = max(0.0, max(bbox[r, BOX_W] - px, px - bbox[r, BOX_E]))
    dy = max(0.0, max(bbox[r, BOX_S] - py, py - bbox[r, BOX_N]))
    return math.sqrt(dx * dx + dy * dy)


@njit(cache=True)
def nearest_on_ground(px, py, r, part_off, edge_off, edges, part_bbox, bbox, a, f):
    """(Lambert distance m, foot lon, foot lat) from (px, py) to region r: the planar nearest
    point, tried also with the point shifted by +-360 deg where that can matter (0 inside)."""
    d2r = math.pi / 180.0
    best = FAR
    fx = px
    fy = py
    reach = box_distance(px, py, bbox, r) + SHIFT_SLACK_DEG
    for shift in (0.0, 360.0, -360.0):
        sx = px + shift
        if shift != 0.0 and box_distance(sx, py, bbox, r) > reach:
            continue
        inside, _d2, qx, qy = region_planar_nearest(sx, py, r, part_off, edge_off, edges, part_bbox)
        if inside:
            return 0.0, px, py
        d = lambert_distance(py * d2r, px * d2r, qy * d2r, qx * d2r, a, f)
        if d < best:
            best = d
            fx = qx
            fy = qy
    return best, fx, fy


@njit(cache=True)
def points_to_regions(lon, lat, regions, part_off, edge_off, edges, part_bbox, bbox, pad_lat, pad_lon, a, f,
                      out_m, out_point, out_fx, out_fy):
    """For each region ``regions[j]``: the point of (lon, lat) nearest to it on the ground.

    Points outside the region's bounding box padded by (``pad_lon``, ``pad_lat``) degrees are
    skipped (pass inf to consider all). Writes the Lambert distance (m, inf when every point was
    skipped, 0 inside), the index of that point and the foot on the region.
    """
    for j in range(regions.shape[0]):
        r = regions[j]
        best = np.inf
        arg = -1
        bx = 0.0
        by = 0.0
        for i in range(lon.shape[0]):
            x = lon[i]
            y = lat[i]
            if y < bbox[r, BOX_S] - pad_lat or y > bbox[r, BOX_N] + pad_lat:
                continue
            if (x < bbox[r, BOX_W] - pad_lon or x > bbox[r, BOX_E] + pad_lon) and pad_lon < 180.0:
                continue
            d, fx, fy = nearest_on_ground(x, y, r, part_off, edge_off, edges, part_bbox, bbox, a, f)
            if d < best:
                best = d
                arg = i
                bx = fx
                by = fy
                if d == 0.0:
                    break
        out_m[j] = best
        out_point[j] = arg
        out_fx[j] = bx
        out_fy[j] = by


@njit(cache=True)
def track_nearest_candidates(lon, lat, regions, part_off, edge_off, edges, part_bbox, bbox, pad_lat, pad_lon, k,
                             out_point):
    """For each region ``regions[j]``: the ``k`` points of (lon, lat) with the smallest planar
    distance to it (0 inside) among those inside its bounding box padded by (``pad_lon``,
    ``pad_lat``) degrees, in ``out_point[j, :k]`` (-1 where fewer points exist).

    Branch and bound: points are visited by their distance to the region's bounding box (a
    lower bound of their distance to the region) and the visit stops once that bound exceeds
    the k-th best distance found.
    """
    n = lon.shape[0]
    lb = np.empty(n)
    near = np.empty(n, dtype=np.int64)
    best_d = np.empty(k)
    best_i = np.empty(k, dtype=np.int64)
    for j in range(regions.shape[0]):
        r = regions[j]
        m = 0
        for i in range(n):
            if (lat[i] < bbox[r, BOX_S] - pad_lat or lat[i] > bbox[r, BOX_N] + pad_lat
                    or lon[i] < bbox[r, BOX_W] - pad_lon or lon[i] > bbox[r, BOX_E] + pad_lon):
                continue
            near[m] = i
            lb[m] = box_distance(lon[i], lat[i], bbox, r)
            m += 1
        order = np.argsort(lb[:m])
        best_d[:] = FAR
        best_i[:] = -1
        for q in range(m):
            i = near[order[q]]
            lbi = lb[order[q]]
            worst = 0
            for m in range(1, k):
                if best_d[m] > best_d[worst]:
                    worst = m
            if best_i[worst] >= 0 and lbi * lbi > best_d[worst]:
                break
            _inside, d2, _fx, _fy = region_planar_nearest(lon[i], lat[i], r, part_off, edge_off, edges, part_bbox)
            if d2 < best_d[worst]:
                best_d[worst] = d2
                best_i[worst] = i
        for m in range(k):
            out_point[j, m] = best_i[m]


@njit(cache=True)
def pairs_on_ground(lon, lat, point, region, part_off, edge_off, edges, part_bbox, bbox, a, f, out_m, out_fx, out_fy):
    """For each pair (point[q], region[q]): Lambert distance (m, 0 inside) and the foot on the
    region, as ``nearest_on_ground``."""
    for q in range(point.shape[0]):
        i = point[q]
        r = region[q]
        d, fx, fy = nearest_on_ground(lon[i], lat[i], r, part_off, edge_off, edges, part_bbox, bbox, a, f)
        out_m[q] = d
        out_fx[q] = fx
        out_fy[q] = fy


@njit(cache=True)
def nearest_regions_planar(px, py, part_off, edge_off, edges, part_bbox, bbox, out_regions):
    """The regions nearest to (px, py) in the lon/lat plane (all of them on a tie), by branch and
    bound over their bounding boxes; writes their indices into ``out_regions`` and returns how
    many (at most its length)."""
    n = bbox.shape[0]
    lb = np.empty(n)
    for r in range(n):
        lb[r] = box_distance(px, py, bbox, r)
    order = np.argsort(lb)
    best = FAR
    m = 0
    for q in range(n):
        r = order[q]
        if lb[r] * lb[r] > best:
            break
        _inside, d2, _fx, _fy = region_planar_nearest(px, py, r, part_off, edge_off, edges, part_bbox)
        if d2 < best:
            best = d2
            m = 0
        if d2 == best and m < out_regions.shape[0]:
            out_regions[m] = r
            m += 1
    return m


@njit(cache=True, inline="always")
def _orient(ax, ay, bx, by, cx, cy):
    """Twice the signed area of (a, b, c): > 0 when c lies left of a -> b."""
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


@njit(cache=True)
def _crossings(x, y, cum, r, chunk_off, chunk_edge_off, chunk_bbox, edges, out):
    """Distances along the polyline (x, y) (cumulative vertex distances ``cum``) where it crosses
    the outline of region r, written to ``out`` (grown as needed); returns (out, count).

    The outline is searched in chunks of consecutive edges and the polyline in blocks of
    ``TRACK_BLOCK`` segments, each skipped when its box misses the other's. Sides are taken with
    a value of 0 counted as the positive side (a consistent symbolic perturbation), so a
    crossing through a vertex of either line counts once and a touch at a vertex counts twice (a
    pass of no length)."""
    n_seg = x.shape[0] - 1
    n_blk = (n_seg + TRACK_BLOCK - 1) // TRACK_BLOCK
    blk = np.empty((n_blk, 4))
    for b in range(n_blk):
        k0 = b * TRACK_BLOCK
        k1 = min(k0 + TRACK_BLOCK, n_seg)
        blk[b, BOX_W] = x[k0:k1 + 1].min()
        blk[b, BOX_S] = y[k0:k1 + 1].min()
        blk[b, BOX_E] = x[k0:k1 + 1].max()
        blk[b, BOX_N] = y[k0:k1 + 1].max()
    lx0, lx1, ly0, ly1 = x.min(), x.max(), y.min(), y.max()
    m = 0
    for c in range(chunk_off[r], chunk_off[r + 1]):
        w, s, e_, n = chunk_bbox[c, BOX_W], chunk_bbox[c, BOX_S], chunk_bbox[c, BOX_E], chunk_bbox[c, BOX_N]
        if lx1 < w or lx0 > e_ or ly1 < s or ly0 > n:
            continue
        for b in range(n_blk):
            if blk[b, BOX_E] < w or blk[b, BOX_W] > e_ or blk[b, BOX_N] < s or blk[b, BOX_S] > n:
                continue
            for k in range(b * TRACK_BLOCK, min((b + 1) * TRACK_BLOCK, n_seg)):
                x0, y0, x1, y1 = x[k], y[k], x[k + 1], y[k + 1]
                if max(x0, x1) < w or min(x0, x1) > e_ or max(y0, y1) < s or min(y0, y1) > n:
                    continue
                for q in range(chunk_edge_off[c], chunk_edge_off[c + 1]):
                    ax, ay, bx, by = edges[q, 0], edges[q, 1], edges[q, 2], edges[q, 3]
                    if max(ax, bx) < min(x0, x1) or min(ax, bx) > max(x0, x1):
                        continue
                    if max(ay, by) < min(y0, y1) or min(ay, by) > max(y0, y1):
                        continue
                    if (_orient(x0, y0, x1, y1, ax, ay) >= 0.0) == (_orient(x0, y0, x1, y1, bx, by) >= 0.0):
                        continue
                    o0 = _orient(ax, ay, bx, by, x0, y0)
                    o1 = _orient(ax, ay, bx, by, x1, y1)
                    if (o0 >= 0.0) == (o1 >= 0.0):
                        continue
                    t = min(1.0, max(0.0, o0 / (o0 - o1)))
                    if m == out.shape[0]:
                        grown = np.empty(2 * m)
                        grown[:m] = out
                        out = grown
                    out[m] = cum[k] + t * (cum[k + 1] - cum[k])
                    m += 1
    return out, m


@njit(cache=True)
def _starts_inside(px, py, r, part_off, edge_off, edges, part_bbox):
    for p in range(part_off[r], part_off[r + 1]):
        if box_distance(px, py, part_bbox, p) > 0.0:
            continue
        inside, _d2, _fx, _fy = planar_nearest(px, py, edges, edge_off[p], edge_off[p + 1])
        if inside:
            return True
    return False


@njit(cache=True)
def track_passes(x, y, cum, regions, part_off, edge_off, edges, part_bbox, chunk_off, chunk_edge_off, chunk_bbox):
    """The stretches of the polyline (x, y) (lon/lat degrees; cumulative vertex distances
    ``cum``) inside each of ``regions``: lists (region, start, end) in distance along the line.

    Crossings of the line with the regions' outlines, sorted along the line, toggle inside and
    outside from the state of its first vertex."""
    out_r = [0 for _ in range(0)]
    out_a = [0.0 for _ in range(0)]
    out_b = [0.0 for _ in range(0)]
    buf = np.empty(64)
    for j in range(regions.shape[0]):
        r = regions[j]
        buf, m = _crossings(x, y, cum, r, chunk_off, chunk_edge_off, chunk_bbox, edges, buf)
        inside = _starts_inside(x[0], y[0], r, part_off, edge_off, edges, part_bbox)
        if m == 0 and not inside:
            continue
        at = np.sort(buf[:m])
        start = 0.0
        for i in range(m):
            if inside:
                out_r.append(r)
                out_a.append(start)
                out_b.append(at[i])
            else:
                start = at[i]
            inside = not inside
        if inside:
            out_r.append(r)
            out_a.append(start)
            out_b.append(cum[cum.shape[0] - 1])
    return out_r, out_a, out_b
