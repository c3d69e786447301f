"""The watch's own process: the service's committed stream in, numbered and stored events out.

The server (:class:`~missilewatch.service.engine.Engine`) starts one child process (spawn) that
holds the session's :class:`~missilewatch.service.adapter.LiveWatch`, so the watch computes on
its own core while the server validates, commits and acknowledges on the other. Over a pipe:

- server -> child: ``("batch", items)`` with items in commit order, each ``(kind, payload)``:
  ``"m"`` a committed measurement ``(id, JSON line, time of validity UTC, arrival monotonic s)``,
  ``"s"`` a service event dict to number and store (a sensor going stale), ``"c"`` close the
  session (payload: the reason). A new kind of record for the watch gets a handler in
  :data:`WatchCore.handlers`. ``("stop", None)`` ends the child after its batch.
- child -> server: ``("events", [event, ...])`` numbered events already committed to the
  store, to publish (several per batch, at least every :data:`FLUSH_S` of work), then one
  ``("ready", status)`` after the restart rebuild and one ``("done", status)`` per batch.

The child dies with the server: ``PR_SET_PDEATHSIG`` (SIGKILL) on Linux, and it also leaves
when the pipe closes or its parent id changes. Ctrl-C in a terminal reaches the whole process
group: the child ignores SIGINT and stops when the server tells it to.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import math
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from missilewatch.assessment.policy import Policy
from missilewatch.service import eventlog
from missilewatch.service.adapter import LiveWatch, warm_up, warm_up_watch
from missilewatch.store import Database
from missilewatch.store.models import ServiceSession

log = logging.getLogger("missilewatch.service")
#: Seconds of watch work after which the events made so far are committed and sent on (a
#: batch the watch takes seconds over does not hold back the first event it causes).
FLUSH_S = 0.05
#: Items of a rebuild processed per transaction.
REBUILD_BATCH = 500
PR_SET_PDEATHSIG = 1


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WatchCore:
    """The watch of the open session and the event numbering (runs in the child process).

    ``emit(events)`` receives each committed chunk of numbered events."""

    def __init__(self, db: Database, policy: Policy | None, session_gap_s: float, rebuild_upto: int,
                 emit: Callable[[list[dict]], None]) -> None:
        self.db, self.policy, self.session_gap_s, self.rebuild_upto = db, policy, session_gap_s, rebuild_upto
        self.emit = emit
        self.live: LiveWatch | None = None
        self.number = eventlog.last_number(db)
        self.rebuild_s: float | None = None
        self.rebuild_count = 0
        self.processed = 0
        self.failed: str | None = None
        self._last_mid = 0
        self._ordinals: Counter = Counter()
        self._known: set[str] = set()
        #: item kind -> handler(db session, payload) -> event dicts (unnumbered)
        self.handlers: dict[str, Callable[[Any, Any], list[dict]]] = {
            "m": self._measure, "s": self._service_event, "c": self._close_requested}

    def status(self) -> dict[str, Any]:
        return {"number": self.number, "processed": self.processed, "failed": self.failed,
                "rebuild_s": self.rebuild_s, "rebuild_count": self.rebuild_count,
                "session": self.live.session_id if self.live is not None else None}

    # -- restart ---------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Re-run the open session's stored measurements (commit order): the same watch; events
        the log already holds (by content key) are neither stored nor published again."""
        t0 = time.perf_counter()
        sess = eventlog.current_session(self.db)
        if sess is None:
            self.rebuild_s = 0.0
            return
        self._known = eventlog.session_keys(self.db, sess.id)
        # A session closed by an operator stays closed: only what came after it is re-run.
        first = sess.first_measurement_id if sess.ended_at is None else (sess.last_measurement_id or 0) + 1
        batch: list = []
        for mid, raw, time_utc in eventlog.accepted_lines(self.db, first, self.rebuild_upto):
            batch.append(("m", (mid, raw, time_utc, math.nan)))
            self.rebuild_count += 1
            if len(batch) >= REBUILD_BATCH:
                self.process(batch, replay=True)
                batch = []
        if batch:
            self.process(batch, replay=True)
        self._known.clear()
        self.rebuild_s = time.perf_counter() - t0
        log.info("rebuilt session %d from %d measurements in %.2f s", sess.id, self.rebuild_count, self.rebuild_s)

    # -- a batch ---------------------------------------------------------------------------

    def process(self, batch: list, replay: bool = False) -> None:
        """Items in commit order; events committed and emitted at least every FLUSH_S of work."""
        i = 0
        while i < len(batch):
            t0 = time.monotonic()
            out: list[dict] = []
            with self.db.session() as s:
                while i < len(batch):
                    kind, payload = batch[i]
                    i += 1
                    if kind == "m" and not replay and payload[0] <= self.rebuild_upto:
                        continue  # re-run by the rebuild already
                    arrival = payload[3] if kind == "m" else math.nan
                    for ev in self.handlers[kind](s, payload):
                        if self._finalize(ev):
                            if not replay and math.isfinite(arrival):
                                ev["arrival"] = arrival
                            out.append(ev)
                    if out and time.monotonic() - t0 >= FLUSH_S:
                        break
                now = time.monotonic()
                for ev in out:
                    if "arrival" in ev:
                        ev["latency_s"] = now - ev["arrival"]  # stored with an alert: arrival to commit
                eventlog.write_events(s, out)
                s.commit()
            if out:
                self.emit(out)

    def _finalize(self, ev: dict) -> bool:
        """Number the event and give it its key; False when the log already holds it."""
        sid = ev.get("session")
        base = (sid, ev["kind"], ev.get("track"), round(ev.get("t_s") or 0.0, 6), ev["text"])
        ordinal = self._ordinals[base]
        self._ordinals[base] += 1
        ev["key"] = eventlog.event_key(sid, ev, ordinal)
        if ev["key"] in self._known:
            return False
        ev.setdefault("time_utc", _now_utc().isoformat())
        self.number += 1
        ev["number"] = self.number
        return True

    # -- handlers --------------------------------------------------------------------------

    def _service_event(self, s, ev: dict) -> list[dict]:
        return [ev | {"session": self.live.session_id if self.live else None}]

    def _close_requested(self, s, reason: str) -> list[dict]:
        return self._close_session(s, reason) if self.live is not None else []

    def _measure(self, s, payload: tuple) -> list[dict]:
        mid, line, time_utc, _arrival = payload
        evs: list[dict] = []
        if self.live is not None and self.live.live_tracks() == 0:
            quiet = (time_utc - self.live.utc(self.live.last_time_s)).total_seconds() \
                if math.isfinite(self.live.last_time_s) else 0.0
            if quiet > self.session_gap_s:
                evs.extend(self._close_session(s, "quiet"))
        live = self.live
        if live is None:
            evs.extend(self._open_session(s, mid, time_utc))
            live = self.live
        assert live is not None
        sid = live.session_id
        for ev in live.ingest(line, mid):
            ev["session"] = sid
            evs.append(ev)
        self.processed += 1
        self._last_mid = mid
        return evs

    def _open_session(self, s, mid: int, time_utc: dt.datetime) -> list[dict]:
        row = s.scalar(select(ServiceSession).where(ServiceSession.first_measurement_id == mid))
        if row is None:
            epoch = time_utc.replace(second=0, microsecond=0)
            row = ServiceSession(epoch_utc=epoch, first_measurement_id=mid)
            s.add(row)
            s.flush()
        self.live = LiveWatch(row.epoch_utc, row.id, self.policy)
        self._ordinals.clear()
        return [{"kind": "session.opened", "t_s": 0.0, "track": None, "session": row.id,
                 "time_utc": row.epoch_utc.isoformat(),
                 "text": f"watch session {row.id} opened (epoch {row.epoch_utc.isoformat()})",
                 "data": {"session": row.id, "epoch_utc": row.epoch_utc.isoformat()}}]

    def _close_session(self, s, reason: str) -> list[dict]:
        live = self.live
        assert live is not None
        evs = live.finish(reason)
        for ev in evs:
            ev["session"] = live.session_id
        row = s.get(ServiceSession, live.session_id)
        if row is not None and row.ended_at is None:
            row.ended_at = _now_utc()
            row.last_measurement_id = self._last_mid
        t = live.last_time_s if math.isfinite(live.last_time_s) else 0.0
        self.live = None
        evs.append({"kind": "session.closed", "t_s": t, "track": None, "session": live.session_id,
                    "time_utc": live.utc(t).isoformat(),
                    "text": f"watch session {live.session_id} closed ({reason})", "data": {"session": live.session_id}})
        return evs


# -- the child process ---------------------------------------------------------------------


def _die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent dies (Linux), and leave now if it already has."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the pipe's end and the parent check remain
            pass
    if os.getppid() != parent_pid:
        os._exit(0)


def child_main(conn, db_url: str, policy: Policy | None, session_gap_s: float, rebuild_upto: int,
               parent_pid: int, log_level: int) -> None:
    """Entry point of the watch process (``multiprocessing`` spawn target)."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s[watch]: %(message)s")
    from missilewatch.service.database import open_database

    db = open_database(db_url)
    core = WatchCore(db, policy, session_gap_s, rebuild_upto, lambda evs: conn.send(("events", evs)))
    try:
        warm_up(policy)
        warm_up_watch(policy)
        core.rebuild()
    except Exception as exc:  # the service stays up and says so in /v1/health
        core.failed = f"rebuild failed: {exc}"
        log.exception("rebuild failed")
    conn.send(("ready", core.status()))
    try:
        while True:
            if not conn.poll(1.0):
                if os.getppid() != parent_pid:
                    break
                continue
            what, items = conn.recv()
            if what == "stop":
                break
            try:
                core.process(items)
            except Exception as exc:
                core.failed = f"event processing failed: {exc}"
                log.exception("event processing failed")
            conn.send(("done", core.status()))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the server is gone
    finally:
        db.dispose()
