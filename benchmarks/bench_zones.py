"""Zone classification of 1,000,000 points against a straightforward Shapely peer, same run.

Ours: ``missilewatch.geography.zones.classify_points`` (quadtree index + Numba kernels: land
point-in-polygon walk, nearest coast segment, ellipsoidal distance, thresholds, straits).

Peer: what one would write with Shapely 2 / GEOS: an STRtree of the country polygons for
"which country's land contains the point" (``query(predicate="within")``) and an STRtree of the
coastline (cut into short pieces) for "nearest coast and its distance"
(``query_nearest(return_distance=True)``, planar degrees scaled to km at the point's latitude:
cheaper and less exact than ours, so the comparison favours the peer). The peer is timed on a
subset (it is slow) and its time per point scaled to 1,000,000 points; both run on the same
random points in the same process. Two point sets: the north-west Pacific around Japan (the
operational area) and the whole globe (uniform on the sphere).

Also: one look-up from a cold process (warm Numba cache), the whole ``missilewatch zone 40 134``
command and the geography part alone (import, load, classify one point), against the previous
code (``benchmarks/previous.py``) started the same way in the same run. Target: the command
under 1.5 s.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from previous import baseline_src
from timing import median_time

from missilewatch.geography.data import countries
from missilewatch.geography.index import packaged
from missilewatch.geography.regions import country_polygons
from missilewatch.geography.zones import EEZ_M, TERRITORIAL_SEA_M, classify_points

N = 1_000_000
N_PEER = 20_000
REPEATS = 3
COLD_REPEATS = 5
SRC = Path(__file__).resolve().parents[1] / "src"
_COLD = {
    "zone_command_cold": "from missilewatch.cli.app import main; main(['zone', '40', '134', '--json'])",
    "zone_lookup_cold": "from missilewatch.geography.zones import classify_points; classify_points([40.0], [134.0])",
}


def _cold_s(code: str, src: Path) -> tuple[float, float]:
    """Median wall time and CPU time (user + system, s) of a fresh interpreter running ``code``
    with ``src`` first on the path, after one unmeasured run (which warms the Numba cache of that
    source tree). On a shared machine the wall time adds waiting for a core."""
    env = dict(os.environ, PYTHONPATH=str(src))
    times, cpu = [], []
    for i in range(COLD_REPEATS + 1):
        t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:
            times.append(time.perf_counter() - t0)
            cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def cold_lookups() -> list[dict]:
    prev = baseline_src()
    out = []
    for name, code in _COLD.items():
        ours, ours_cpu = _cold_s(code, SRC)
        peer, peer_cpu = _cold_s(code, prev) if prev is not None else (None, None)
        out.append({"name": name, "ours": round(ours, 3), "peer": None if peer is None else round(peer, 3),
                    "unit": "s wall from a cold process (warm Numba cache), median of 5",
                    "ratio": None if peer is None else round(peer / ours, 2),
                    "ours_cpu_s": round(ours_cpu, 3), "peer_cpu_s": None if peer_cpu is None else round(peer_cpu, 3),
                    "peer_name": "previous code (pre fast-watch commit), same run", "target_s": 1.5})
    return out


def _median_time(fn, repeats: int = REPEATS) -> float:
    return median_time(fn, repeats, warmup=True)[0]


def _peer():
    """Build the Shapely peer: country STRtree and coastline STRtree (pieces of <= 16 vertices)."""
    polys = country_polygons()
    keys = np.array(list(polys))
    land_tree = shapely.STRtree([polys[k] for k in keys])
    topo = countries()
    pieces, owner = [], []
    for i in np.flatnonzero(topo.arc_uses == 1):
        a, b = topo.arc_offsets[i], topo.arc_offsets[i + 1]
        xy = np.column_stack([topo.lon_deg[a:b], topo.lat_deg[a:b]])
        for s in range(0, len(xy) - 1, 15):
            part = xy[s : s + 16]
            if len(part) >= 2:
                pieces.append(shapely.LineString(part))
                owner.append(topo.arc_owner[i, 0])
    coast_tree = shapely.STRtree(pieces)
    owner = np.asarray(owner)

    def classify(lat: np.ndarray, lon: np.ndarray):
        pts = shapely.points(lon, lat)
        pi, gi = land_tree.query(pts, predicate="within")
        country = np.full(len(lat), -1)
        country[pi] = keys[gi]
        (qi, ti), dist_deg = coast_tree.query_nearest(pts, return_distance=True, all_matches=False)
        km = np.empty(len(lat))
        km[qi] = dist_deg * 111.2 * np.sqrt(0.5 * (1 + np.cos(np.radians(lat[qi])) ** 2))
        coast = np.empty(len(lat), dtype=int)
        coast[qi] = owner[ti]
        zone = np.where(country >= 0, 0, np.where(km <= TERRITORIAL_SEA_M / 1e3, 1, np.where(km <= EEZ_M / 1e3, 2, 3)))
        return zone, np.where(zone == 0, country, np.where(zone < 3, coast, -1)), km

    return classify


def run() -> list[dict]:
    rng = np.random.default_rng(20240601)
    sets = {
        "japan_area": (rng.uniform(20.0, 50.0, N), rng.uniform(120.0, 160.0, N)),
        "global": (np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, N))), rng.uniform(-180.0, 180.0, N)),
    }
    packaged()  # load the index once (not part of the timing)
    peer = _peer()
    out = []
    for name, (lat, lon) in sets.items():
        ours_s = _median_time(lambda lat=lat, lon=lon: classify_points(lat, lon))
        sub_lat, sub_lon = lat[:N_PEER], lon[:N_PEER]
        peer_s = _median_time(lambda a=sub_lat, b=sub_lon: peer(a, b), repeats=1) * (N / N_PEER)
        z = classify_points(sub_lat, sub_lon)
        pz, pc, _ = peer(sub_lat, sub_lon)
        agree = float(np.mean((pz == z.zone_code) & (pc == z.country_index)))
        out.append(
            {
                "name": f"zones_1M_{name}",
                "ours": round(ours_s, 3),
                "peer": round(peer_s, 3),
                "unit": "s per 1,000,000 points",
                "ratio": round(peer_s / ours_s, 1),
                "peer_name": "shapely STRtree within + query_nearest (planar distance), scaled from 20,000 points",
                "target_s": 2.0,
                "zone_agreement_with_peer": round(agree, 4),
            }
        )
    return out + cold_lookups()


if __name__ == "__main__":
    import json

    for r in run():
        print(json.dumps(r))
