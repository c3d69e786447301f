"""Replay a stream through the watch at real or faster speed, and score the run."""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from missilewatch.pipeline.source import WatchInput
from missilewatch.pipeline.summary import summarize
from missilewatch.pipeline.watch import TimelineEvent, Watch, WatchConfig

if TYPE_CHECKING:  # the store (SQLAlchemy, ~20 MB) is imported only for a run that records
    from missilewatch.store import Database


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGTERM or SIGINT); what was accepted is stored."""

    def __init__(self, signum: int, run_id: int | None = None) -> None:
        super().__init__(signum)
        self.signum = signum
        self.run_id = run_id


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While inside, SIGTERM and SIGINT raise :class:`Interrupted` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise Interrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


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
    watch_options: dict | None = None,
) -> ReplayResult:
    """Feed every item to a watch in report order; ``speed`` X replays X times faster than
    real time (None: as fast as possible). Everything is recorded in ``db`` when given.
    ``sleep`` and ``clock`` (seconds) are injectable for tests and simulations;
    ``watch_options`` go to :class:`Watch` (``edge``, ``alert_scope``, ``sensors``).
    On SIGTERM or SIGINT what was accepted is stored, the run is marked interrupted and
    :class:`Interrupted` is raised."""
    recorder = None
    if db is not None:
        from missilewatch.pipeline.recorder import WatchRecorder

        recorder = WatchRecorder(db, inp.epoch, source=inp.name, seed=inp.seed)
    options = {"sensors": inp.sensors, **(watch_options or {})}
    watch = Watch(inp.epoch, config, on_event=on_event, recorder=recorder, **options)
    try:
        with _signals_interrupt():
            _feed(watch, inp, speed, sleep, clock)
            watch.finish()
            summary = summarize(watch, inp)
    except BaseException as exc:
        if recorder is not None:
            try:
                partial = summarize(watch, inp)
            except Exception:  # noqa: BLE001 (the run is going down; keep what can be kept)
                partial = {"measurements": watch.accepted + len(watch.rejected)}
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            stopped_run = recorder.close(partial, status=status)
            if isinstance(exc, Interrupted):
                exc.run_id = stopped_run
        raise
    run_id = recorder.close(summary) if recorder is not None else None
    return ReplayResult(watch, inp, summary, run_id)


def _feed(watch: Watch, inp: WatchInput, speed, sleep, clock) -> None:
    start_wall = clock()
    t0 = None
    for item in inp.items:
        if speed and math.isfinite(item.t_report_s):
            t0 = item.t_report_s if t0 is None else t0
            due = (item.t_report_s - t0) / speed - (clock() - start_wall)
            if due > 0:
                sleep(due)
        watch.step(item)
