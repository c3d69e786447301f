"""Replay a stream through the watch at real or faster speed, and score the run."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from missilewatch.pipeline.recorder import WatchRecorder
from missilewatch.pipeline.source import WatchInput
from missilewatch.pipeline.summary import summarize
from missilewatch.pipeline.watch import TimelineEvent, Watch, WatchConfig
from missilewatch.store import Database


@dataclass
class ReplayResult:
    """The watch after the run, its input, the summary (JSON-ready) and the stored run id."""

    watch: Watch
    input: WatchInput
    summary: dict
    run_id: int | None


def replay(
    inp: WatchInput,
    *,
    speed: float | None = None,
    db: Database | None = None,
    config: WatchConfig | None = None,
    on_event: Callable[[TimelineEvent], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ReplayResult:
    """Feed every item to a watch in report order; ``speed`` X replays X times faster than
    real time (None: as fast as possible). Everything is recorded in ``db`` when given.
    ``sleep`` and ``clock`` (seconds) are injectable for tests and simulations."""
    recorder = WatchRecorder(db, inp.epoch, source=inp.name, seed=inp.seed) if db is not None else None
    watch = Watch(inp.epoch, config, on_event=on_event, recorder=recorder)
    start_wall = clock()
    t0 = next((it.t_report_s for it in inp.items if math.isfinite(it.t_report_s)), 0.0)
    try:
        for item in inp.items:
            if speed and math.isfinite(item.t_report_s):
                due = (item.t_report_s - t0) / speed - (clock() - start_wall)
                if due > 0:
                    sleep(due)
            watch.step(item)
        watch.finish()
        summary = summarize(watch, inp)
    except BaseException:
        if recorder is not None:
            recorder.close({"error": "run interrupted"})
        raise
    run_id = recorder.close(summary) if recorder is not None else None
    return ReplayResult(watch, inp, summary, run_id)
