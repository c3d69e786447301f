"""Where a campaign run's CPU time goes, split by layer.

    PYTHONPATH=src python benchmarks/profile_campaign.py [irbm|japan] [N]

``irbm``: N runs of the benchmark's 20-minute IRBM with the whole catalogue (bench_campaign.py);
``japan``: N runs spread over the built-in ``lead-time-japan`` study. One warm-up run first
(imports, Numba caches, the geography index: paid once per worker, reported apart).

The layers' entry points are wrapped with CPU-time clocks (``time.process_time``) for the runs;
the parts do not overlap, and ``campaign`` is what is left of ``one_run`` (seeds, rows,
footprint rows). The runs go with the garbage collector set as in a chunk task
(:func:`~missilewatch.campaign.collector.quiet_gc`); its share, spread over the parts, is
reported apart. This costs a few microseconds per measurement, where cProfile with a CPU
clock inflates the small Python calls several times over (use it to look inside a part). Not
a benchmark (``run.py`` runs ``bench_*.py`` only).
"""

from __future__ import annotations

import functools
import gc
import importlib
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: (part, [(module, attribute path), ...]): disjoint parts of one run.
PARTS = [
    ("scenario simulation (truth, measurements, clutter)", [("missilewatch.campaign.watch_run", "simulate")]),
    ("scenario set-up (study -> scenario, validation)", [("missilewatch.campaign.runs", "scenario_data"),
                                                          ("missilewatch.scenarios.schema", "parse_scenario")]),
    ("watch input (stream -> measurement objects)", [("missilewatch.campaign.watch_run", "from_simulation")]),
    ("watch: edge (plausibility, time, health)", [("missilewatch.pipeline.edge", "Edge.admit")]),
    ("watch: tracker", [("missilewatch.pipeline.watch", "Watch._ingest_one")]),
    ("watch: predictions, assessment, alerts", [("missilewatch.pipeline.watch", "Watch.predict_due"),
                                                ("missilewatch.pipeline.watch", "Watch.finish")]),
    ("metrics (summary: GOSPA, NEES, per launch)", [("missilewatch.pipeline.replay", "summarize")]),
]
#: The whole watch (its parts above and the loop around them).
REPLAY = ("missilewatch.campaign.watch_run", "replay")
WATCH_PARTS = [p for p, _ in PARTS if p.startswith(("watch:", "metrics"))]


def _wrap(totals: dict[str, float], part: str, module: str, path: str) -> None:
    owner = importlib.import_module(module)
    *outer, name = path.split(".")
    for attr in outer:
        owner = getattr(owner, attr)
    fn = getattr(owner, name)

    @functools.wraps(fn)
    def timed(*args, **kwargs):
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[part] += time.process_time() - t

    setattr(owner, name, timed)


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "irbm"
    n = int(argv[1]) if len(argv) > 1 else 4
    t0 = time.process_time()
    import bench_campaign as b

    from missilewatch.campaign import expand, load_study, parse_study, sample
    from missilewatch.campaign.collector import collect_run_garbage, quiet_gc
    from missilewatch.campaign.runs import make_payload, one_run

    t_import = time.process_time() - t0
    b._warm()
    t_warm = time.process_time() - t0 - t_import
    if which == "irbm":
        study = parse_study({**b.IRBM_STUDY, "seeds_per_cell": n})
        runs = expand(study)
    else:
        study = load_study("lead-time-japan")
        runs = sample(expand(study), n)
    payload = make_payload(study, None)
    totals: dict[str, float] = defaultdict(float)
    for part, entries in PARTS:
        for module, path in entries:
            _wrap(totals, part, module, path)
    _wrap(totals, "replay", *REPLAY)
    gc_s = [0.0, 0.0]  # CPU seconds in the cyclic collector; start of the current pass

    def gc_clock(phase: str, _info: dict) -> None:
        if phase == "start":
            gc_s[1] = time.process_time()
        else:
            gc_s[0] += time.process_time() - gc_s[1]

    gc.callbacks.append(gc_clock)
    c0 = time.process_time()
    measurements = 0
    with quiet_gc():  # as in a chunk task
        for run in runs:
            row = one_run(study, payload, run)["runs"][0]
            measurements += row.get("measurements") or 0  # a failed run has none
            collect_run_garbage()
    total = time.process_time() - c0
    gc.callbacks.remove(gc_clock)
    k = len(runs)
    print(f"{which}: {k} runs, {measurements / k:.0f} measurements per run, {total / k:.3f} s CPU per run "
          f"(once per worker: imports {t_import:.2f} s, first run with Numba caches and indexes {t_warm:.2f} s)")
    totals["watch: the loop around its parts"] = totals["replay"] - sum(totals[p] for p in WATCH_PARTS)
    totals["campaign (seeds, rows, footprint rows, garbage)"] = total - totals["replay"] - sum(
        totals[p] for p, _ in PARTS if p not in WATCH_PARTS)
    for part in [p for p, _ in PARTS] + ["watch: the loop around its parts",
                                          "campaign (seeds, rows, footprint rows, garbage)"]:
        print(f"  {part:<52} {totals[part] / k:7.3f} s  {100 * totals[part] / total:5.1f} %")
    print(f"  {'of all these: the cyclic garbage collector':<52} {gc_s[0] / k:7.3f} s  {100 * gc_s[0] / total:5.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
