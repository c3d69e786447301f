"""Numba kernels of the zone classifier (``math`` only, no project objects).

Geometry conventions:

- Coast segments live on the unit sphere: a point (lat, lon) maps to (cos lat cos lon,
  cos lat sin lon, sin lat) with the *geodetic* latitude. Each segment is the minor great-circle
  arc between its endpoints, stored as a row of 15 floats: A(3), B(3), N(3) = unit normal of the
  arc's plane, U(3) = N x A, V(3) = B x N. The foot of a point P lies inside the arc when
  P.U >= 0 and P.V >= 0. A zero-length segment has U = V = -A so that only its endpoint counts.
- Distances between points are compared on the sphere by the squared chord ("metric"); the final
  distance to the chosen foot point is the ellipsoidal one from Lambert's formula (WGS84).
- Land polygons are the data's own planar lon/lat edges (x0, y0, x1, y1) with the one or two
  countries whose inside flips across each edge.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numba import njit, prange

ZONE_LAND = 0
ZONE_TERRITORIAL_SEA = 1
ZONE_EEZ = 2
ZONE_HIGH_SEAS = 3

#: Tie window on the squared chord: locally the ellipsoid stretches sphere lengths by N/a or
#: M/a depending on direction, and N/M <= 1/(1 - e^2) = 1.0067; a segment of another country
#: whose sphere distance exceeds the minimum by more than that (1.6 % squared, with margin) can
#: never be the ellipsoidal nearest.
REFINE_FACTOR = 1.016
#: Angular tolerance added to candidate radii when building the index, rad (~0.6 mm).
BUILD_EPS = 1e-10


@njit(cache=True, inline="always")
def seg_metric(px, py, pz, seg, k):
    """Squared chord from unit vector P to segment k (both on the unit sphere)."""
    t1 = px * seg[k, 9] + py * seg[k, 10] + pz * seg[k, 11]
    t2 = px * seg[k, 12] + py * seg[k, 13] + pz * seg[k, 14]
    if t1 >= 0.0 and t2 >= 0.0:
        s = px * seg[k, 6] + py * seg[k, 7] + pz * seg[k, 8]
        s2 = s * s
        c = 1.0 - s2
        if c < 0.0:
            c = 0.0
        return 2.0 * s2 / (1.0 + math.sqrt(c))
    dx = px - seg[k, 0]
    dy = py - seg[k, 1]
    dz = pz - seg[k, 2]
    m1 = dx * dx + dy * dy + dz * dz
    dx = px - seg[k, 3]
    dy = py - seg[k, 4]
    dz = pz - seg[k, 5]
    m2 = dx * dx + dy * dy + dz * dz
    return m1 if m1 < m2 else m2


@njit(cache=True)
def seg_foot(px, py, pz, seg, k):
    """Nearest point of segment k to unit vector P, returned as (lat, lon) radians."""
    t1 = px * seg[k, 9] + py * seg[k, 10] + pz * seg[k, 11]
    t2 = px * seg[k, 12] + py * seg[k, 13] + pz * seg[k, 14]
    if t1 >= 0.0 and t2 >= 0.0:
        s = px * seg[k, 6] + py * seg[k, 7] + pz * seg[k, 8]
        fx = px - s * seg[k, 6]
        fy = py - s * seg[k, 7]
        fz = pz - s * seg[k, 8]
        n = math.sqrt(fx * fx + fy * fy + fz * fz)
        if n > 0.0:
            fx /= n
            fy /= n
            fz /= n
        else:
            fx = seg[k, 0]
            fy = seg[k, 1]
            fz = seg[k, 2]
    else:
        dx = px - seg[k, 0]
        dy = py - seg[k, 1]
        dz = pz - seg[k, 2]
        m1 = dx * dx + dy * dy + dz * dz
        dx = px - seg[k, 3]
        dy = py - seg[k, 4]
        dz = pz - seg[k, 5]
        m2 = dx * dx + dy * dy + dz * dz
        j = 0 if m1 <= m2 else 3
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


@njit(cache=True)
def ray_state_east(px, py, edge, edge_owner, n_countries):
    """Country containing (px, py) by a ray to the east edge of the data (x = 180), all edges."""
    parity = [0] * n_countries
    for e in range(edge.shape[0]):
        xa = edge[e, 0]
        ya = edge[e, 1]
        xb = edge[e, 2]
        yb = edge[e, 3]
        if (ya > py) != (yb > py):
            xc = xa + (py - ya) * (xb - xa) / (yb - ya)
            if xc > px:
                for w in range(2):
                    o = edge_owner[e, w]
                    if o >= 0:
                        parity[o] ^= 1
    for k in range(n_countries):
        if parity[k] == 1:
            return k
    return -1


@njit(cache=True, inline="always")
def unit(lat, lon):
    c = math.cos(lat)
    return c * math.cos(lon), c * math.sin(lon), math.sin(lat)


@njit(cache=True)
def angle_from_metric(m):
    c = math.sqrt(m) * 0.5
    if c > 1.0:
        c = 1.0
    return 2.0 * math.asin(c)


@njit(cache=True)
def cell_radius(x0, y0, size):
    """Largest angle (rad) from a lon/lat cell's centre to its corners (= to any of its points)."""
    d2r = math.pi / 180.0
    cx, cy, cz = unit((y0 + 0.5 * size) * d2r, (x0 + 0.5 * size) * d2r)
    best = 0.0
    for i in range(2):
        for j in range(2):
            lat = y0 + j * size
            if lat > 90.0:
                lat = 90.0
            qx, qy, qz = unit(lat * d2r, (x0 + i * size) * d2r)
            dx = qx - cx
            dy = qy - cy
            dz = qz - cz
            a = angle_from_metric(dx * dx + dy * dy + dz * dz)
            if a > best:
                best = a
    return best * (1.0 + 1e-9)


@njit(cache=True)
def _edge_in_box(edge, e, x0, y0, s):
    return (
        min(edge[e, 0], edge[e, 2]) <= x0 + s
        and max(edge[e, 0], edge[e, 2]) >= x0
        and min(edge[e, 1], edge[e, 3]) <= y0 + s
        and max(edge[e, 1], edge[e, 3]) >= y0
    )


#: Room for the candidates of a sampled cell (samples, their near-ties and the runs between).
SAMPLED_MAX = 256


@njit(cache=True)
def _far_samples(x0, y0, s, box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, seg_arc, run_max, tie_metric, out):
    """Candidates of a sampled cell; writes distinct segment ids into ``out``; returns the count,
    negated when the cell is not smooth (see below).

    The nearest segments (and other countries' near-ties) of a 3 x 3 grid of the cell's points,
    plus, where two of them lie on the same arc at most ``run_max`` segments apart, every
    segment between them: along a smooth coast the nearest segment of any point of the cell lies
    between those of the samples, so the run holds it.
    """
    d2r = math.pi / 180.0
    samp = np.empty(18, dtype=np.int64)
    n = 0
    for i in range(3):
        for j in range(3):
            lat = min(y0 + 0.5 * j * s, 90.0)
            px, py, pz = unit(lat * d2r, (x0 + 0.5 * i * s) * d2r)
            k1, m1, k2, m2 = nearest_coast(
                px, py, pz, box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, tie_metric, REFINE_FACTOR
            )
            for k, use in ((k1, k1 >= 0), (k2, k2 >= 0 and m1 < tie_metric and m2 <= m1 * REFINE_FACTOR)):
                if not use:
                    continue
                dup = False
                for q in range(n):
                    if samp[q] == k:
                        dup = True
                        break
                if not dup:
                    samp[n] = k
                    n += 1
    # Smooth cell: the samples' nearest segments lie on at most two arcs, and on each arc
    # within run_max of each other (no third coast feature shows between the samples).
    n_arcs = 0
    smooth = True
    for a in range(n):
        seen = False
        for b in range(a):
            if seg_arc[samp[b]] == seg_arc[samp[a]]:
                seen = True
                if abs(samp[b] - samp[a]) > run_max:
                    smooth = False
        if not seen:
            n_arcs += 1
    if n_arcs > 2:
        smooth = False
    m = 0
    for a in range(n):
        ka = samp[a]
        lo = ka
        hi = ka
        first = True
        for b in range(n):
            if seg_arc[samp[b]] == seg_arc[ka]:
                if samp[b] < ka:
                    first = False  # the run is written once, from its lowest sample
                if samp[b] > hi and samp[b] - ka <= run_max:
                    hi = samp[b]
        if not first:
            # ka lies inside a run started by a lower sample when within reach of it.
            inside = False
            for b in range(n):
                if seg_arc[samp[b]] == seg_arc[ka] and samp[b] < ka and ka - samp[b] <= run_max:
                    inside = True
                    break
            if inside:
                continue
        for k in range(lo, hi + 1):
            dup = False
            for q in range(m):
                if out[q] == k:
                    dup = True
                    break
            if not dup and m < out.shape[0]:
                out[m] = k
                m += 1
    return m if smooth else -m


@njit(parallel=True, cache=True)
def split_count(
    px0, py0, psize, pip_off, pip, state, edge, edge_owner,
    box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, seg_arc, run_max,
    tie_metric, near_ang, exact_max_radius, alpha_far, alpha_band, alpha_fine, band_lo, band_hi,
    out_np, out_state, out_mode, out_nc, out_limit,
):  # fmt: skip
    """First pass of splitting nodes into 4 children (child q = 2 qy + qx of parent i is 4 i + q).

    Per child: number of land edges crossing it, country at its SE corner (from the parent's
    walk, so states stay consistent with the query rule), and how its coast candidates would be
    chosen: mode 1 = exact (every segment within d_c + 2 h of the centre, d_c the centre's
    nearest distance and h the cell radius: by the triangle inequality this holds the nearest
    segment of every point of the cell), used at sea within ``near_ang`` of the coast; mode 2 =
    sampled (nearest segments of a 3 x 3 grid of the cell's points, plus other countries'
    near-ties), used farther out, and on land, when the cell is small relative to its distance
    from the coast: 2 h <= alpha (d_c - h), with the finer ``alpha_band`` where the cell meets
    the band [band_lo, band_hi] around the EEZ limit, and ``alpha_fine`` (halved in the band)
    where the samples show more than a smooth stretch of coast; mode 0 = must split.
    """
    d2r = math.pi / 180.0
    buf = np.empty(18, dtype=np.int64)
    for t in prange(4 * px0.shape[0]):
        i = t // 4
        q = t % 4
        s = 0.5 * psize[i]
        x0 = px0[i] + (q % 2) * s
        y0 = py0[i] + (q // 2) * s
        npip = 0
        for j in range(pip_off[i], pip_off[i + 1]):
            if _edge_in_box(edge, pip[j], x0, y0, s):
                npip += 1
        out_np[t] = npip
        out_state[t] = pip_state(
            x0 + s, y0, px0[i] + psize[i], py0[i], state[i], pip, pip_off[i], pip_off[i + 1], edge, edge_owner
        )
        cx, cy, cz = unit(min(y0 + 0.5 * s, 90.0) * d2r, (x0 + 0.5 * s) * d2r)
        k1, m1, k2, m2 = nearest_coast(cx, cy, cz, box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, 0.0, 1.0)
        dc = angle_from_metric(m1)
        h = cell_radius(x0, y0, s)
        out_mode[t] = 0
        out_nc[t] = 0
        out_limit[t] = 0.0
        all_land = npip == 0 and out_state[t] >= 0
        in_band = dc - h <= band_hi and dc + h >= band_lo
        alpha = alpha_band if in_band else alpha_far
        sampled_ok = 2.0 * h <= alpha * (dc - h)
        if dc - h <= near_ang and not (all_land and 2.0 * h <= alpha_fine * (dc - h)):
            if h <= exact_max_radius:
                lim = dc + 2.0 * h + BUILD_EPS
                c = 2.0 * math.sin(0.5 * min(lim, math.pi))
                out_limit[t] = c * c
                out_nc[t] = range_query(cx, cy, cz, c * c, box, n_leaf_nodes, bucket, seg_order, seg, buf, False)
                out_mode[t] = 1
        elif sampled_ok:
            local = np.empty(SAMPLED_MAX, dtype=np.int64)
            m = _far_samples(
                x0, y0, s, box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, seg_arc, run_max,
                tie_metric, local,
            )  # fmt: skip
            fine = alpha_fine * (0.5 if in_band else 1.0)
            if m >= 0 or 2.0 * h <= fine * (dc - h):
                out_nc[t] = abs(m)
                out_mode[t] = 2


@njit(parallel=True, cache=True)
def split_fill(
    px0, py0, psize, pip_off, pip, edge,
    box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, seg_arc, run_max, tie_metric,
    mode, limit, c_off, c_out, p_off, p_out,
):  # fmt: skip
    """Second pass: children's edge lists, and coast candidates where ``c_off`` gives room."""
    d2r = math.pi / 180.0
    for t in prange(4 * px0.shape[0]):
        i = t // 4
        q = t % 4
        s = 0.5 * psize[i]
        x0 = px0[i] + (q % 2) * s
        y0 = py0[i] + (q // 2) * s
        n = p_off[t]
        for j in range(pip_off[i], pip_off[i + 1]):
            e = pip[j]
            if _edge_in_box(edge, e, x0, y0, s):
                p_out[n] = e
                n += 1
        room = c_off[t + 1] - c_off[t]
        if room == 0:
            continue
        if mode[t] == 1:
            cx, cy, cz = unit(min(y0 + 0.5 * s, 90.0) * d2r, (x0 + 0.5 * s) * d2r)
            range_query(cx, cy, cz, limit[t], box, n_leaf_nodes, bucket, seg_order, seg, c_out[c_off[t] : c_off[t + 1]], True)
        else:
            local = np.empty(SAMPLED_MAX, dtype=np.int64)
            m = _far_samples(
                x0, y0, s, box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, seg_arc, run_max,
                tie_metric, local,
            )  # fmt: skip
            for j in range(abs(m)):
                c_out[c_off[t] + j] = local[j]


@njit(cache=True)
def range_query(px, py, pz, limit, box, n_leaf_nodes, bucket, seg_order, seg, out, fill):
    """Count (and if ``fill``, write into ``out``) the segments within squared chord ``limit`` of P."""
    stack = np.empty(64, dtype=np.int64)
    stack[0] = 1
    sp = 1
    n = 0
    n_seg = seg_order.shape[0]
    while sp > 0:
        sp -= 1
        node = stack[sp]
        if box_metric(px, py, pz, box, node) > limit:
            continue
        if node >= n_leaf_nodes:
            first = (node - n_leaf_nodes) * bucket
            for j in range(first, min(first + bucket, n_seg)):
                k = seg_order[j]
                if seg_metric(px, py, pz, seg, k) <= limit:
                    if fill:
                        out[n] = k
                    n += 1
        else:
            stack[sp] = 2 * node
            stack[sp + 1] = 2 * node + 1
            sp += 2
    return n


@njit(cache=True, inline="always")
def box_metric(px, py, pz, box, n):
    """Squared distance from P to the axis-aligned box n (lo xyz, hi xyz); inf for an empty box."""
    d = 0.0
    for ax, v in ((0, px), (1, py), (2, pz)):
        lo = box[n, ax]
        hi = box[n, ax + 3]
        if lo > hi:
            return 1e30
        if v < lo:
            d += (lo - v) * (lo - v)
        elif v > hi:
            d += (v - hi) * (v - hi)
    return d


@njit(cache=True)
def nearest_coast(px, py, pz, box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, tie_metric, refine):
    """Nearest coast segment to P by branch and bound over an implicit binary tree of boxes.

    Nodes are numbered as a heap (root 1, children 2n and 2n+1, leaves from n_leaf_nodes on,
    leaf L holding sorted segments seg_order[L * bucket : (L + 1) * bucket]). Returns
    (best segment, its metric, best segment of another country within the tie window, its
    metric): the window (factor ``refine`` on the squared chord) is searched only while the
    best metric is below ``tie_metric``, since beyond it the owner decides nothing.
    ``node_owner[n]`` is the single owner of all segments under n (-2 if mixed), which lets
    the search skip same-owner boxes inside the window.
    """
    best_m = 1e30
    best_k = -1
    other_m = 1e30
    other_k = -1
    stack = np.empty(64, dtype=np.int64)
    sp = 0
    stack[0] = 1
    sp = 1
    n_seg = seg_order.shape[0]
    while sp > 0:
        sp -= 1
        n = stack[sp]
        lb = box_metric(px, py, pz, box, n)
        if lb >= best_m:
            # Can only matter as "another country's" segment inside the tie window.
            if node_owner[n] == (seg_owner[best_k] if best_k >= 0 else -1):
                continue
            w = best_m * refine if best_m < tie_metric else best_m
            if other_m < w:
                w = other_m
            if lb >= w:
                continue
        if n >= n_leaf_nodes:
            first = (n - n_leaf_nodes) * bucket
            for j in range(first, min(first + bucket, n_seg)):
                k = seg_order[j]
                m = seg_metric(px, py, pz, seg, k)
                o = seg_owner[k]
                if best_k >= 0 and o == seg_owner[best_k]:
                    if m < best_m:
                        best_m = m
                        best_k = k
                elif m < best_m:
                    other_m = best_m
                    other_k = best_k
                    best_m = m
                    best_k = k
                elif m < other_m:
                    other_m = m
                    other_k = k
        else:
            a = 2 * n
            b = a + 1
            ma = box_metric(px, py, pz, box, a)
            mb = box_metric(px, py, pz, box, b)
            # Push the farther child first so that the nearer one is searched first.
            if ma <= mb:
                stack[sp] = b
                stack[sp + 1] = a
            else:
                stack[sp] = a
                stack[sp + 1] = b
            sp += 2
    return best_k, best_m, other_k, other_m


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
    d2r = math.pi / 180.0
    for i in prange(lat_deg.shape[0]):
        lat = lat_deg[i]
        lon = lon_deg[i] - 360.0 * math.floor((lon_deg[i] + 180.0) / 360.0)
        if lon >= 180.0:
            lon -= 360.0
        # Descend the quadtree.
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
        leaf = node_leaf[n]
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
        # Nearest coast among the leaf's candidates on the sphere, then the ellipsoidal distance
        # to the foot points of every candidate within the tie window.
        rlat = lat * d2r
        rlon = lon * d2r
        px, py, pz = unit(rlat, rlon)
        lo = leaf_cand_off[leaf]
        hi = leaf_cand_off[leaf + 1]
        best = 1e30
        for j in range(lo, hi):
            m = seg_metric(px, py, pz, seg, leaf_cand[j])
            if m < best:
                best = m
        window = best * REFINE_FACTOR if best < tie_metric else best
        dist = 1e30
        owner = -1
        for j in range(lo, hi):
            k = leaf_cand[j]
            if seg_metric(px, py, pz, seg, k) <= window:
                flat, flon = seg_foot(px, py, pz, seg, k)
                d = lambert_distance(rlat, rlon, flat, flon, a, f)
                if d < dist:
                    dist = d
                    owner = seg_owner[k]
        out_dist_m[i] = dist
        out_coast_country[i] = owner
        if country >= 0:
            out_zone[i] = ZONE_LAND
            out_country[i] = country
            continue
        if no_zone_country[owner] == 1:
            out_zone[i] = ZONE_HIGH_SEAS
            out_country[i] = -1
            continue
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
