"""Scenario simulation speed.

1. ``simulate_lofted_icbm_all_sensors``: the built-in 2022-11-18 scenario (69-minute lofted
   ICBM, all ten catalogue sensors), reconstruction included (cache cleared), files written.
   Its peer is the issue's budget of 10 s, not a measured program: ``ratio`` = 10 s / ours.
2. ``sensor_geometry_200k``: slant range, azimuth, elevation and range rate of 200,000
   sightings, each with its own observer position (as for a ship), against pymap3d.ecef2aer
   (range, azimuth, elevation only) given the same per-sighting observers. Extras: our
   ellipsoid line-of-sight test on the same points, and pymap3d with one fixed observer.
"""

from __future__ import annotations

import tempfile

import numpy as np
import pymap3d
from timing import median_time

from missilewatch.scenarios import builtin, simulate, write_outputs
from missilewatch.scenarios import launches as _launches
from missilewatch.sensors.geometry import line_of_sight_clear, range_az_el_rate
from missilewatch.sensors.platform import FixedSite

BUDGET_S = 10.0
N_GEOMETRY = 200_000


def _median(fn, repeats: int = 3) -> float:
    return median_time(fn, repeats, warmup=False)[0]


def _simulate_once() -> None:
    _launches._reconstructed.cache_clear()
    with tempfile.TemporaryDirectory() as d:
        write_outputs(simulate(builtin("2022-11-18")), d)


def run() -> list[dict]:
    _simulate_once()  # JIT compilation and imports outside the timing
    ours = _median(_simulate_once)
    rows = [{"name": "simulate_lofted_icbm_all_sensors", "ours": round(ours, 3), "peer": BUDGET_S,
             "peer_name": "issue 4 budget (10 s)", "unit": "s", "ratio": round(BUDGET_S / ours, 2)}]

    rng = np.random.default_rng(0)
    site = FixedSite(40.89, 140.33, 20.0)
    lat = rng.uniform(30, 45, N_GEOMETRY)
    lon = rng.uniform(125, 150, N_GEOMETRY)
    h = rng.uniform(1e3, 3e6, N_GEOMETRY)
    tgt = np.stack(pymap3d.geodetic2ecef(lat, lon, h), -1)
    vel = rng.normal(0, 3000, tgt.shape)
    ps = site.state(np.zeros(N_GEOMETRY))

    lat0 = np.degrees(ps.lat_rad)
    lon0 = np.degrees(ps.lon_rad)
    h0 = ps.h_m

    t_ours = _median(lambda: range_az_el_rate(ps.r_ecef, ps.v_ecef, ps.lat_rad, ps.lon_rad, tgt, vel), 5)
    t_peer = _median(lambda: pymap3d.ecef2aer(tgt[:, 0], tgt[:, 1], tgt[:, 2], lat0, lon0, h0), 5)
    t_los = _median(lambda: line_of_sight_clear(ps.r_ecef, tgt), 5)
    t_fixed = _median(lambda: pymap3d.ecef2aer(tgt[:, 0], tgt[:, 1], tgt[:, 2], site.lat_deg,
                                               site.lon_deg, site.h_m), 5)
    rows.append({"name": "sensor_geometry_200k", "ours": round(t_ours * 1e3, 2), "peer": round(t_peer * 1e3, 2),
                 "peer_name": "pymap3d.ecef2aer, per-sighting observers (no range rate)", "unit": "ms",
                 "ratio": round(t_peer / t_ours, 2), "ours_line_of_sight_ms": round(t_los * 1e3, 2),
                 "peer_fixed_observer_ms": round(t_fixed * 1e3, 2)})
    return rows


if __name__ == "__main__":
    import json

    for r in run():
        print(json.dumps(r))
