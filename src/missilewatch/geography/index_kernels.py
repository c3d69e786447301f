"""Numba kernels that build the zone index (``scripts/build_geography_data.py``): the coast
search tree's queries and the quadtree's splitting passes (``math`` only, no project objects).

Segment rows and metrics are those of ``zone_kernels``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from missilewatch.geography.zone_kernels import FAR_METRIC, REFINE_FACTOR, pip_state, seg_metric, unit

#: Angular tolerance added to candidate radii when building the index, rad (~0.6 mm).
BUILD_EPS = 1e-10
#: Depth of the explicit stack of a tree walk (the heap of boxes is far shallower).
TREE_STACK = 64
#: Points sampled per side of a far cell (a 3 x 3 grid), each giving up to two segments.
SAMPLE_GRID = 3
SAMPLE_SEGMENTS = 2 * SAMPLE_GRID * SAMPLE_GRID
#: Box distance returned for an empty box.
EMPTY_BOX = 1e30

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
def _far_samples(
    x0, y0, s, box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, seg_arc, run_max, tie_metric, out
):
    """Candidates of a sampled cell; writes distinct segment ids into ``out``; returns the count,
    negated when the cell is not smooth (see below).

    The nearest segments (and other countries' near-ties) of a 3 x 3 grid of the cell's points,
    plus, where two of them lie on the same arc at most ``run_max`` segments apart, every
    segment between them: along a smooth coast the nearest segment of any point of the cell lies
    between those of the samples, so the run holds it.
    """
    d2r = math.pi / 180.0
    samp = np.empty(SAMPLE_SEGMENTS, dtype=np.int64)
    n = 0
    for i in range(SAMPLE_GRID):
        for j in range(SAMPLE_GRID):
            lat = min(y0 + j * s / (SAMPLE_GRID - 1), 90.0)
            px, py, pz = unit(lat * d2r, (x0 + i * s / (SAMPLE_GRID - 1)) * d2r)
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
    buf = np.empty(SAMPLE_SEGMENTS, dtype=np.int64)
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
        k1, m1, k2, m2 = nearest_coast(
            cx, cy, cz, box, n_leaf_nodes, bucket, seg_order, seg, seg_owner, node_owner, 0.0, 1.0
        )
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
            range_query(
                cx, cy, cz, limit[t], box, n_leaf_nodes, bucket, seg_order, seg, c_out[c_off[t] : c_off[t + 1]], True
            )
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
    stack = np.empty(TREE_STACK, dtype=np.int64)
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
            return EMPTY_BOX
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
    best_m = FAR_METRIC
    best_k = -1
    other_m = FAR_METRIC
    other_k = -1
    stack = np.empty(TREE_STACK, dtype=np.int64)
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
def delta_decode(off, d, out):
    """Undo the index file's per-row delta encoding: row i of ``d[off[i]:off[i + 1]]`` holds its
    first id, then differences; writes the ids into ``out``."""
    for i in range(off.shape[0] - 1):
        acc = 0
        for j in range(off[i], off[i + 1]):
            acc = d[j] if j == off[i] else acc + d[j]
            out[j] = acc
