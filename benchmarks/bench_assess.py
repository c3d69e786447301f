"""Milliseconds per ``assessment.assess`` call, against the previous code in the same run.

Inputs (built once, saved, and loaded by both sides so that both assess the very same flight):

- ``irbm_samples``: the 4 October 2022 IRBM (reconstructed from the reported figures: Mupyong-ni,
  4,600 km, apogee 1,000 km, 1,320 s) with its predicted ground track sampled every second, as
  the watch builds it (past positions at the measurement rate, ~1,300 points), and a footprint
  of 400 Monte Carlo impact samples (an along-track 1-sigma of 15 km, 4 km across: a late
  IRBM prediction), far out in the Pacific;
- ``irbm_ellipse``: the same track with the watch's form of the footprint, a 2-sigma ellipse;
- ``near_coast``: a flight that falls 30 km off Akita (land and territorial sea in the
  footprint: the vicinity step runs), 400 samples.

Peer: the same calls on the package as it was before the fast-watch work
(``benchmarks/previous.py``), in a subprocess of the same run. Target: under 10 ms per call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from previous import run_previous

CALLS = 40
TARGET_MS = 10.0

_TIMER = """
import json, statistics, time
import numpy as np
from missilewatch.assessment import ImpactEllipse, ImpactSamples, assess, load_policy
from missilewatch.geography.overflight import GroundTrack

data = np.load({path!r})
policy = load_policy()  # read once, as the watch does
out = {{}}
for case in {cases!r}:
    track = GroundTrack.from_arrays(data[case + "_t"], data[case + "_lat"], data[case + "_lon"], data[case + "_alt"])
    e = data[case + "_ellipse"]
    impact = (ImpactEllipse(*[float(v) for v in e]) if len(e)
              else ImpactSamples(data[case + "_slat"], data[case + "_slon"]))
    t_imp = float(data[case + "_t"][-1])
    first = time.perf_counter()
    res = assess(impact, track, policy, impact_time_s=t_imp)
    first = time.perf_counter() - first
    times, cpu = [], []
    for _ in range({calls}):
        t0, c0 = time.perf_counter(), time.process_time()
        res = assess(impact, track, policy, impact_time_s=t_imp)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    out[case] = {{"ms": statistics.median(cpu) * 1e3, "wall_ms": statistics.median(times) * 1e3,
                 "min_ms": min(times) * 1e3, "first_ms": first * 1e3,
                 "alerts": sorted(a.region for a in res.alerts), "threat": res.threat_of_damage,
                 "zone": res.impact_zone}}
print(json.dumps(out))
"""


def _flight(impact: tuple[float, float] | None, azimuth: float | None, range_km: float | None,
            apogee_km: float, flight_time_s: float | None) -> dict:
    from missilewatch.flight.reconstruct import reconstruct

    rec = reconstruct("Mupyong-ni", impact=impact, azimuth_deg=azimuth, range_km=range_km, apogee_km=apogee_km,
                      flight_time_s=flight_time_s)
    g = rec.ground_track(1.0)
    return {k: np.asarray(g[k], dtype=float) for k in ("t_s", "lat_deg", "lon_deg", "alt_km")}


def _samples(lat: float, lon: float, azimuth: float, sigma_km: tuple[float, float], n: int, seed: int):
    from pyproj import Geod

    rng = np.random.default_rng(seed)
    along, across = rng.normal(0.0, sigma_km[0], n), rng.normal(0.0, sigma_km[1], n)
    az = azimuth + np.degrees(np.arctan2(across, along))
    lo, la, _ = Geod(ellps="WGS84").fwd(np.full(n, lon), np.full(n, lat), az, np.hypot(along, across) * 1e3)
    return la, lo


def make_inputs(path: Path) -> list[str]:
    """Build the cases and save them to ``path`` (npz); the case names."""
    arrays: dict[str, np.ndarray] = {}
    irbm = _flight(None, 80.0, 4600.0, 1000.0, 1320.0)
    coast = _flight((39.9, 139.7), None, None, 600.0, None)  # ~30 km off Akita's coast
    for case, g, ellipse in (("irbm_samples", irbm, False), ("irbm_ellipse", irbm, True),
                             ("near_coast", coast, False)):
        for k, short in (("t_s", "t"), ("lat_deg", "lat"), ("lon_deg", "lon"), ("alt_km", "alt")):
            arrays[f"{case}_{short}"] = g[k]
        lat, lon = float(g["lat_deg"][-1]), float(g["lon_deg"][-1])
        slat, slon = _samples(lat, lon, 80.0, (15.0, 4.0), 400, 20221004)
        arrays[f"{case}_slat"], arrays[f"{case}_slon"] = slat, slon
        # The watch's form: the 1-sigma ellipse (km, km, deg) that the policy widens to 2 sigma.
        arrays[f"{case}_ellipse"] = np.array([lat, lon, 15.0, 4.0, 80.0]) if ellipse else np.empty(0)
    np.savez(path, **arrays)
    return ["irbm_samples", "irbm_ellipse", "near_coast"]


def _time_here(path: Path, cases: list[str]) -> dict:
    script = _TIMER.format(path=str(path), cases=cases, calls=CALLS)
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "assess_cases.npz"
        cases = make_inputs(path)
        _time_here(path, cases)  # warm the Numba cache of this checkout
        ours = _time_here(path, cases)
        prev = run_previous(_TIMER.format(path=str(path), cases=cases, calls=max(3, CALLS // 4)))
    out = []
    for case in cases:
        o, p = ours[case], (prev or {}).get(case)
        out.append({
            "name": f"assess_{case}",
            "ours": round(o["ms"], 2),
            "peer": round(p["ms"], 2) if p else None,
            "unit": "ms of CPU time per assess call (median; on a shared machine wall time adds waiting)",
            "ratio": round(p["ms"] / o["ms"], 1) if p else None,
            "peer_name": "previous code (pre fast-watch commit), same inputs, same run",
            "target_ms": TARGET_MS,
            "ours_wall_ms": round(o["wall_ms"], 2),
            "peer_wall_ms": round(p["wall_ms"], 2) if p else None,
            "ours_min_ms": round(o["min_ms"], 2),
            "peer_min_ms": round(p["min_ms"], 2) if p else None,
            "first_call_ms": round(o["first_ms"], 1),
            "same_alerts_as_peer": (o["alerts"] == p["alerts"] and o["threat"] == p["threat"]) if p else None,
            "alerts": o["alerts"],
        })
    return out


if __name__ == "__main__":
    for r in run():
        print(json.dumps(r))
