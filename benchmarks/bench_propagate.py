"""Batched propagation of IRBM-like burnout states to impact, against SciPy solve_ivp.

Ours: the Numba DOPRI5 batch (all cores) on 100,000 states. Peer: solve_ivp (DOP853, same
rtol/atol, same force model and impact event) one state at a time, timed on a subsample; the
ratio compares time per trajectory. Accuracy of both against a 1e-12 DOP853 solution is reported.
"""

from __future__ import annotations

import math
import os
import statistics
import time

import numba
import numpy as np
from scipy.integrate import solve_ivp

from missilewatch.earth.kernels import ecef_to_geodetic
from missilewatch.flight import kernels as k
from missilewatch.flight.propagate import ForceModel, Tolerance, propagate_to_impact, state_from_flight_path
from missilewatch.flight.reference import reference_impact

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


def _peer(r0, v0):
    """solve_ivp DOP853 at our tolerances: the per-trajectory peer."""
    p = np.zeros(k.N_PARAMS)
    p[k.P_INV_BETA] = 1.0 / BETA
    p[k.P_ORDER] = FORCE.gravity_order
    p[k.P_ROTATING] = 1.0
    p[k.P_DRAG] = 1.0
    out = np.empty(6)

    def rhs(t, y):
        k.deriv(t, y, p, out)
        return out.copy()

    def ground(t, y):
        return ecef_to_geodetic(y[0], y[1], y[2])[2]

    ground.terminal, ground.direction = True, -1.0
    atol = np.array([TOL.atol_m] * 3 + [TOL.atol_m * 1e-3] * 3)
    sol = solve_ivp(rhs, (0.0, 10_000.0), np.r_[r0, v0], method="DOP853", rtol=TOL.rtol, atol=atol,
                    events=ground)
    return sol.y_events[0][0][:3]


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
    peer_times, miss_ours, miss_peer = [], [], []
    for i in idx:
        t0 = time.perf_counter()
        rp = _peer(r[i], v[i])
        peer_times.append(time.perf_counter() - t0)
        _t, r_ref, _v = reference_impact(r[i], v[i], BETA, force=FORCE)
        miss_ours.append(float(np.linalg.norm(res.r_impact[i] - r_ref)))
        miss_peer.append(float(np.linalg.norm(rp - r_ref)))
    peer_per = statistics.median(peer_times)
    ours_per = ours_total / N
    return [{
        "name": "propagate_irbm_to_impact",
        "ours": ours_per * 1e6,
        "peer": peer_per * 1e6,
        "unit": "us per trajectory",
        "ratio": peer_per / ours_per,
        "peer_name": "scipy solve_ivp DOP853, same rtol/atol, one state per call",
        "n_states": N,
        "ours_total_s": ours_total,
        "threads": numba.get_num_threads(),
        "mean_flight_time_s": float(np.mean(res.t_impact_s)),
        "max_impact_error_m_vs_dop853_1e-12": max(miss_ours),
        "peer_max_impact_error_m": max(miss_peer),
        "n_peer_samples": len(idx),
    }]


if __name__ == "__main__":
    import json

    for row in run():
        print(json.dumps(row))
