"""Replays for the console's ``/replay`` page: a built-in scenario simulated and run through the
live service's own watch (the same events a live server would publish, numbered from 1, with
the simulation's truth beside them), or a recorded session's events from the event log."""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from missilewatch.service.adapter import LiveWatch, check_line
from missilewatch.service.eventlog import public, session_events
from missilewatch.store import Database

#: Truth positions are kept every this many seconds (the console interpolates between them).
TRUTH_STEP_S = 5.0
_LOCK = threading.Lock()


def _truth(path: Path) -> dict[str, list[list[Any]]]:
    """Per truth object: [[time_utc, lat_deg, lon_deg, alt_km], ...] every TRUTH_STEP_S."""
    import pandas as pd

    table = pd.read_parquet(path)
    out: dict[str, list[list[Any]]] = {}
    for oid, rows in table.groupby("object_id", sort=True):
        rows = rows.sort_values("t_s")
        keep = (rows["t_s"] // TRUTH_STEP_S).diff().fillna(1) != 0
        keep.iloc[-1] = True  # the impact
        out[str(oid)] = [[t.isoformat(), round(float(la), 5), round(float(lo), 5), round(float(h) / 1e3, 3)]
                         for t, la, lo, h in zip(rows["time_utc"][keep], rows["lat_deg"][keep], rows["lon_deg"][keep],
                                                 rows["alt_m"][keep], strict=True)]
    return out


@lru_cache(maxsize=4)
def _scenario(name: str) -> dict[str, Any]:
    from missilewatch.service.feed import measurement_dir, read_lines

    with tempfile.TemporaryDirectory() as tmp:
        d = measurement_dir(name, workdir=Path(tmp))
        lines = read_lines(d)
        truth = _truth(d / "truth.parquet")
    times = [c.time_utc for c in (check_line(fl.line, "replay") for fl in lines) if c.time_utc is not None]
    epoch = (min(times) if times else dt.datetime.now(dt.UTC)).replace(second=0, microsecond=0)
    watch = LiveWatch(epoch, 0)
    events: list[dict] = [{"kind": "session.opened", "time_utc": epoch.isoformat(), "track": None,
                           "text": f"replay of {name}", "data": {"session": 0, "epoch_utc": epoch.isoformat()}}]
    for seq, fl in enumerate(lines):
        events.extend(watch.ingest(fl.line, seq))
    events.extend(watch.finish())
    numbered = [public(ev | {"number": i, "session": 0}) for i, ev in enumerate(events, start=1)]
    return {"name": name, "kind": "scenario", "events": numbered, "truth": truth}


def scenario_replay(name: str) -> dict[str, Any]:
    """The events of built-in scenario ``name`` as the live watch makes them, with its truth
    (computed once per process: seconds)."""
    with _LOCK:
        return _scenario(name)


def session_replay(db: Database, session_id: int) -> dict[str, Any]:
    """A recorded session's events (no truth: sensors do not know it)."""
    events = [public(ev) for ev in session_events(db, session_id) if not ev["kind"].startswith("sensor.")]
    return {"name": f"session {session_id}", "kind": "session", "events": events, "truth": {}}
