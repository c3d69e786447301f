"""The raid: 100 missiles launched within ten minutes from ten sites, with clutter and every
sensor (built-in scenario ``raid-100``, ~83,000 measurements over ~990 s).

- ``raid_tracker_vs_previous``: the multi-target tracker fed one measurement at a time (as the
  watch feeds it), measurements per second on the raid's first ``PREFIX`` measurements, against
  the tracker before the fast-watch work on the same measurements (``previous.run_previous``,
  same run; the previous tracker's all-pairs merge makes the whole raid take hours).
- ``raid_tracker_cost_per_live_track``: the whole raid through the tracker; the cost of one
  measurement against the number of live tracks (binned), and the exponent of a power-law fit
  (1 = linear; the target is <= 1). Also the tracker's real-time factor.
- ``raid_watch_realtime``: the whole watch (tracker, impact predictions, assessments, alerts)
  on the raid: scenario seconds per wall second (the target is >= 10), against real time. The
  run stops after ``WATCH_CAP_S`` wall seconds (env ``MISSILEWATCH_BENCH_RAID_CAP_S``) and
  reports the factor over the part it did. Wall time is the figure; CPU time (``cpu_s``,
  ``realtime_factor_cpu``) is reported too, as other processes share the machine.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
from previous import run_previous

SCENARIO = "raid-100"
PREFIX = 6000
WATCH_CAP_S = float(os.environ.get("MISSILEWATCH_BENCH_RAID_CAP_S", "300"))
BINS = (1, 5, 10, 20, 30, 40, 60, 80, 100, 150, 200)

_PREVIOUS = """
import json, time
from pathlib import Path
from missilewatch.scenarios import builtin, simulate
from missilewatch.scenarios.schema import parse_scenario_text
from missilewatch.tracking import Tracker, from_stream
ms = from_stream(simulate(builtin("salvo-srbm-8")).stream)[:200]
tr = Tracker()
for m in ms:
    tr.process(m)  # compile
spec = parse_scenario_text(Path(PATH).read_text(), "raid-100.yaml")
ms = from_stream(simulate(spec).stream)[:PREFIX]
tr = Tracker()
t0 = time.perf_counter()
for m in ms:
    tr.process(m)
dt = time.perf_counter() - t0
print(json.dumps({"rate": len(ms) / dt, "tracks": len(tr.tracks)}))
"""
YAML = Path(__file__).resolve().parents[1] / "src" / "missilewatch" / "scenarios" / "data" / f"{SCENARIO}.yaml"


def _simulation():
    from missilewatch.scenarios import builtin, simulate

    return simulate(builtin(SCENARIO))


def _run_tracker(ms) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-measurement wall time (s) and live tracks after it; total time."""
    from missilewatch.tracking import Tracker

    tr = Tracker()
    cost = np.empty(len(ms))
    live = np.empty(len(ms), dtype=np.int64)
    clock = time.perf_counter
    start = clock()
    for i, m in enumerate(ms):
        t0 = clock()
        out = tr.process(m)
        cost[i] = clock() - t0
        live[i] = len(out.tracks)
    return cost, live, clock() - start


def _scaling(cost: np.ndarray, live: np.ndarray) -> tuple[dict[str, float], float]:
    """Mean cost (us) per bin of live tracks and the exponent of cost ~ tracks^p over the bins."""
    table: dict[str, float] = {}
    xs, ys = [], []
    for lo, hi in zip(BINS[:-1], BINS[1:], strict=True):
        sel = (live >= lo) & (live < hi)
        if sel.sum() < 200:
            continue
        table[f"{lo}-{hi - 1}"] = round(float(cost[sel].mean() * 1e6), 1)
        xs.append(math.log(float(live[sel].mean())))
        ys.append(math.log(float(cost[sel].mean())))
    p = float(np.polyfit(xs, ys, 1)[0]) if len(xs) >= 2 else math.nan
    return table, p


def _watch_realtime(sim) -> dict:
    from missilewatch.pipeline.source import from_simulation
    from missilewatch.pipeline.watch import Watch

    inp = from_simulation(sim, SCENARIO)
    watch = Watch(inp.epoch)
    first = inp.items[0].t_report_s
    done = 0
    cpu0 = time.process_time()
    start = time.perf_counter()
    last = first
    for item in inp.items:
        watch.step(item)  # ingest, then the predictions and assessments that fell due
        done += 1
        last = item.t_report_s
        if done % 500 == 0 and time.perf_counter() - start > WATCH_CAP_S:
            break
    complete = done == len(inp.items)
    if complete:
        watch.finish()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    return {"scenario_s": last - first, "wall_s": wall, "cpu_s": cpu, "measurements": done, "complete": complete,
            "alerts": len(watch.alerts.messages()), "realtime_factor_cpu": (last - first) / cpu}


def run() -> list[dict]:
    from missilewatch.tracking import from_stream

    sim = _simulation()
    ms = from_stream(sim.stream)
    span = float(sim.stream.t_report_s.max() - sim.stream.t_report_s.min())
    _run_tracker(ms[:300])  # compile outside the timing
    cost_p, _live_p, t_prefix = _run_tracker(ms[:PREFIX])
    ours_prefix = PREFIX / t_prefix
    prev = run_previous(_PREVIOUS.replace("PATH", repr(str(YAML))).replace("PREFIX", str(PREFIX)))
    rows = [{"name": "raid_tracker_vs_previous", "ours": ours_prefix, "peer": prev["rate"] if prev else None,
             "unit": "measurements/s", "ratio": ours_prefix / prev["rate"] if prev else None,
             "peer_name": "tracker before the fast-watch work (same measurements)",
             "measurements": PREFIX, "live_tracks_at_end": int(_live_p[-1])}]
    cpu0 = time.process_time()
    cost, live, total = _run_tracker(ms)
    cpu = time.process_time() - cpu0
    table, p = _scaling(cost, live)
    rows.append({"name": "raid_tracker_cost_per_live_track", "ours": p, "peer": 1.0, "unit": "exponent",
                 "ratio": 1.0 / p if p > 0 else None, "peer_name": "linear growth (target: exponent <= 1)",
                 "mean_cost_us_by_live_tracks": table, "max_live_tracks": int(live.max()),
                 "measurements": len(ms), "tracker_realtime_factor": span / total,
                 "tracker_measurements_per_s": len(ms) / total, "tracker_cpu_s": cpu,
                 "tracker_measurements_per_cpu_s": len(ms) / cpu})
    w = _watch_realtime(sim)
    factor = w["scenario_s"] / w["wall_s"]
    rows.append({"name": "raid_watch_realtime", "ours": factor, "peer": 1.0, "unit": "x real time",
                 "ratio": factor, "peer_name": "real time (target: >= 10)", **w})
    return rows


if __name__ == "__main__":
    import json

    for row in run():
        print(json.dumps(row))
