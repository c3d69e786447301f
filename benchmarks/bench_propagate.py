"""Batched propagation of IRBM-like burnout states to impact, against SciPy solve_ivp.

Ours: the Numba Dormand-Prince 5(4) batch (all cores) on 100,000 states. Peers: solve_ivp one
state at a time with the same force model, impact event and rtol/atol, timed on a subsample:
DOP853 (the issue's reference integrator: ``ratio``) and RK45 (the same method as ours:
``ratio_vs_rk45``, more accurate than ours at equal tolerances); ratios compare time per
trajectory. Impact errors against a DOP853 solution at rtol 1e-12 are reported for all three.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

from missilewatch.flight import kernels as k
from missilewatch.flight.propagate import ForceModel, Tolerance, propagate_to_impact, state_from_flight_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "references"))
from reference_propagation import reference_impact, solve_ivp_impact  # noqa: E402 (the tests' reference)

N = int(os.environ.get("BENCH_PROPAGATE_N", 100_000))
N_PEER = int(os.environ.get("BENCH_PROPAGATE_N_PEER", 30))
BETA = 10_000.0
FORCE = ForceModel(gravity_order=2, rotating=True, drag=True)
TOL = Tolerance()


def irbm_states(n: int, seed: int = 1):
    """Burnout states of IRBM-like flights (~20 min) from around North Korea."""
    rng = np.random.default_rng(seed)
    r = np.empty((n, 3))
    v = np.empty((n, 3))
    lat = rng.uniform(38.5, 41.0, n)
    lon = rng.uniform(124.5, 129.0, n)
    alt = rng.uniform(100e3, 140e3, n)
    speed = rng.uniform(5000.0, 5600.0, n)
    gamma = rng.uniform(28.0, 40.0, n)
    az = rng.uniform(40.0, 140.0, n)
    for i in range(n):
        r[i], v[i] = state_from_flight_path(lat[i], lon[i], alt[i], speed[i], gamma[i], az[i])
    return r, v


def _peer(r0, v0, method):
    """solve_ivp at our tolerances, one state per call: the per-trajectory peer."""
    atol = np.array([TOL.atol_m] * 3 + [TOL.atol_m * k.VEL_ATOL_PER_M] * 3)
    return solve_ivp_impact(r0, v0, BETA, force=FORCE, method=method, rtol=TOL.rtol, atol=atol)[1]


def run() -> list[dict]:
    r, v = irbm_states(N)
    propagate_to_impact(r[:8], v[:8], BETA, force=FORCE)  # compile outside the timing
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = propagate_to_impact(r, v, BETA, force=FORCE, tol=TOL)
        times.append(time.perf_counter() - t0)
    ours_total = statistics.median(times)
    assert (res.status == 0).all()

    idx = np.linspace(0, N - 1, N_PEER).astype(int)
    peer_times = {"RK45": [], "DOP853": []}
    peer_miss = {"RK45": [], "DOP853": []}
    miss_ours = []
    for i in idx:
        _t, r_ref, _v = reference_impact(r[i], v[i], BETA, force=FORCE)
        miss_ours.append(float(np.linalg.norm(res.r_impact[i] - r_ref)))
        for method in peer_times:
            t0 = time.perf_counter()
            rp = _peer(r[i], v[i], method)
            peer_times[method].append(time.perf_counter() - t0)
            peer_miss[method].append(float(np.linalg.norm(rp - r_ref)))
    rk45 = statistics.median(peer_times["RK45"])
    dop853 = statistics.median(peer_times["DOP853"])
    ours_per = ours_total / N
    return [{
        "name": "propagate_irbm_to_impact",
        "ours": ours_per * 1e6,
        "peer": dop853 * 1e6,
        "unit": "us per trajectory",
        "ratio": dop853 / ours_per,
        "peer_name": "scipy solve_ivp DOP853, same rtol/atol, one state per call",
        "peer_rk45_us": rk45 * 1e6,
        "ratio_vs_rk45": rk45 / ours_per,
        "n_states": N,
        "ours_total_s": ours_total,
        "threads": numba.get_num_threads(),
        "rtol": TOL.rtol,
        "atol_m": TOL.atol_m,
        "mean_flight_time_s": float(np.mean(res.t_impact_s)),
        "ours_max_impact_error_m": max(miss_ours),
        "rk45_max_impact_error_m": max(peer_miss["RK45"]),
        "dop853_max_impact_error_m": max(peer_miss["DOP853"]),
        "n_peer_samples": len(idx),
    }]


if __name__ == "__main__":
    import json

    for row in run():
        print(json.dumps(row))
