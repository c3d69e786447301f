"""Campaign throughput: full-watch runs per second on Dask, 1 and 2 workers.

1. ``campaign_irbm_1_worker`` / ``campaign_irbm_2_workers``: a 20-minute IRBM (Mupyong-ni, bearing
   80 deg, 4,500 km, minimum-energy apogee) with the whole sensor catalogue, each run simulated
   and put through the whole watch, on a LocalCluster of 1 and 2 worker processes (started and
   warmed up outside the timing, as is this process's first Parquet write). Peer: the same runs
   in a plain serial loop in this process, no Dask, the garbage collector set as in a chunk task
   (so the 1-worker ratio is Dask's overhead and the 2-worker ratio the scaling).
   ``target_runs_per_s``: issue 14's 5 runs/s on a 2-core machine.
2. ``campaign_lead_time_japan_1000``: seconds for 1,000 runs of the built-in ``lead-time-japan``
   study on 2 workers, extrapolated from ``--sample`` N runs spread over the study (N =
   $MISSILEWATCH_BENCH_CAMPAIGN_RUNS, default 48: 12 chunks of the study's 4, where 8 runs
   made two chunks, one per worker, and the slower one set the time; 1000 runs it for real),
   its workers warmed with one run of the study (what a worker pays once, a few seconds of
   1,000 runs, is left out of the per-run rate). Peer: 200 s, the time at the target rate.

Every row also gives CPU seconds per run (``cpu_s_per_run``: the worker processes, their
nannies and this process, which holds the scheduler and writes the Parquet), since wall
times on a shared machine say little; ``dask_overhead_cpu_s_per_run`` is that minus the serial
loop's CPU per run.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import psutil

from missilewatch.campaign import expand, load_study, parse_study, run_campaign
from missilewatch.campaign.collector import collect_run_garbage, quiet_gc
from missilewatch.campaign.engine import dask_client
from missilewatch.campaign.runs import RunSpec, make_payload, one_run

TARGET_RUNS_PER_S = 5.0
N_IRBM = int(os.environ.get("MISSILEWATCH_BENCH_IRBM_RUNS", "8"))
N_JAPAN = int(os.environ.get("MISSILEWATCH_BENCH_CAMPAIGN_RUNS", "48"))

IRBM_STUDY = {
    "name": "bench-irbm", "seed": 1, "seeds_per_cell": N_IRBM, "chunk_size": 2, "sites": ["Mupyong-ni"],
    "targets": {"bearings_deg": [80]},
    "flights": [{"name": "irbm", "range_class": "IRBM", "trajectory": "standard", "range_km": 4500}],
    "launch_times": ["2022-10-04T07:22:00+09:00"],
}
WARM_STUDY = {**IRBM_STUDY, "name": "bench-warm", "seeds_per_cell": 1}


def _warm() -> None:
    """In a worker: imports, Numba caches and the first reconstruction, outside the timing."""
    study = parse_study(WARM_STUDY)
    one_run(study, make_payload(study, None), expand(study)[0])


def _warm_japan() -> None:
    """:func:`_warm`, and one run of ``lead-time-japan`` (its flights, regions and alerts)."""
    _warm()
    study = load_study("lead-time-japan")
    one_run(study, make_payload(study, None), expand(study)[0])


def _warm_writer() -> None:
    """In this process (the client's, which writes each chunk's Parquet): the first write's
    lazy imports (pyarrow loads pandas: 0.5 CPU-s, once per process), outside the timing."""
    from missilewatch.campaign.engine import _write_chunk
    from missilewatch.campaign.runs import SCHEMAS

    with tempfile.TemporaryDirectory() as d:
        _write_chunk(Path(d), 0, {}, SCHEMAS, {})


def _serial(study) -> tuple[float, float]:
    """(runs per second, CPU seconds per run) of a plain loop in this process (with the
    collector set as in a chunk task, so that the difference is Dask's)."""
    payload = make_payload(study, None)
    runs = expand(study)
    t0, c0 = time.perf_counter(), time.process_time()
    with quiet_gc():
        for run in runs:
            row = one_run(study, payload, RunSpec(**run.to_dict()))["runs"][0]
            if row["status"] != "ok":
                raise RuntimeError(f"benchmark run failed: {row['error']}")
            collect_run_garbage()
    return len(runs) / (time.perf_counter() - t0), (time.process_time() - c0) / len(runs)


def _cluster_cpu_s(client) -> float:
    """CPU seconds so far of this process (client, scheduler), the workers and their nannies."""
    total = time.process_time()
    for pid in set(client.run(os.getpid).values()):
        p = psutil.Process(pid)
        for q in {p, p.parent()} - {psutil.Process(), None}:
            t = q.cpu_times()
            total += t.user + t.system
    return total


def _on_cluster(study, workers: int, sample_n: int | None = None, warm=_warm) -> tuple[float, int, float, float]:
    """(runs per second, runs, wall seconds, CPU seconds per run) on a fresh LocalCluster
    (its workers warmed by ``warm`` first)."""
    with dask_client(workers=workers) as client, tempfile.TemporaryDirectory() as d:
        client.run(warm)
        c0 = _cluster_cpu_s(client)
        result = run_campaign(study, Path(d) / "c", sample_n=sample_n, client=client)
        cpu = (_cluster_cpu_s(client) - c0) / max(1, result.items_run)
        return result.items_per_s, result.items_run, result.wall_s, cpu


def run() -> list[dict]:
    study = parse_study(IRBM_STUDY)
    _warm()
    _warm_writer()
    serial, serial_cpu = _serial(study)
    rows = []
    for workers in (1, 2):
        rate, n, wall, cpu = _on_cluster(study, workers)
        rows.append({"name": f"campaign_irbm_{workers}_worker{'s' if workers > 1 else ''}",
                     "ours": round(rate, 3), "peer": round(serial, 3), "peer_name": "serial loop, no Dask",
                     "unit": "runs/s", "ratio": round(rate / serial, 2), "runs": n, "wall_s": round(wall, 2),
                     "cpu_s_per_run": round(cpu, 3), "serial_cpu_s_per_run": round(serial_cpu, 3),
                     "dask_overhead_cpu_s_per_run": round(cpu - serial_cpu, 3),
                     "target_runs_per_s": TARGET_RUNS_PER_S})
    japan = load_study("lead-time-japan")
    rate, n, wall, cpu = _on_cluster(japan, 2, sample_n=N_JAPAN, warm=_warm_japan)
    est = 1000 / rate
    peer = 1000 / TARGET_RUNS_PER_S
    rows.append({"name": "campaign_lead_time_japan_1000", "ours": round(est, 1), "peer": peer,
                 "peer_name": "1000 runs at the 5 runs/s target", "unit": "s", "ratio": round(peer / est, 3),
                 "measured_runs": n, "measured_wall_s": round(wall, 2), "workers": 2, "cpu_s_per_run": round(cpu, 3),
                 "extrapolated": n < 1000})
    return rows
