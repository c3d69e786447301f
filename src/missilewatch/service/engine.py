"""The live engine: one worker thread feeds committed measurements to the session's watch in
commit order, numbers and stores the events they cause (one transaction per batch), updates the
picture and publishes; a monitor thread reports sensors going stale and coming back.

Restart: the picture is read back from the event log, and the watch of the open session is
rebuilt by re-running that session's stored measurements (in commit order, so the same watch
results); events whose content key is already in the log are not published again, so no
alert is re-issued and event numbers go on. Measurements that arrive meanwhile are committed
and acknowledged as usual and wait in the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from missilewatch.assessment.policy import Policy
from missilewatch.service import eventlog
from missilewatch.service.adapter import LiveWatch, warm_up
from missilewatch.service.hub import Hub
from missilewatch.service.metrics import Metrics
from missilewatch.service.picture import Picture
from missilewatch.service.settings import ServiceSettings
from missilewatch.store import Database
from missilewatch.store.models import ServiceSession

log = logging.getLogger("missilewatch.service")
BATCH = 500
#: While a request of measurements is between its validation and its commit, the watch thread
#: pauses this long (s) before each measurement: Python runs one thread at a time, so a busy
#: watch would otherwise take half the interpreter from the acknowledgements. The watch catches
#: up as soon as no request is in flight (its queue holds what is committed).
INGEST_YIELD_S = 0.0005


@dataclass(frozen=True)
class Arrival:
    """A committed measurement: store id, JSON line, sensor, time of validity, arrival (monotonic
    s), and the line's validated record when the ingest has it (a rebuild reads lines only)."""

    mid: int
    line: str
    sensor_id: str
    time_utc: dt.datetime
    arrival: float
    record: Any = None


@dataclass
class _SensorClock:
    """A sensor's arrivals: ``last`` (monotonic s) and ``last_utc`` when its latest batch arrived
    (wall clock: staleness is about the link), ``last_measured_utc`` the time of validity of its
    latest measurement (the picture's clock), ``interval`` its smoothed interval between reports."""

    last: float
    last_utc: str
    last_measured_utc: dt.datetime
    interval: float | None = None
    stale: bool = False


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Engine:
    """Owns the watch; thread-safe :meth:`submit` from the ingest path."""

    def __init__(self, db: Database, settings: ServiceSettings, hub: Hub, metrics: Metrics,
                 policy: Policy | None = None) -> None:
        self.db, self.settings, self.hub, self.metrics, self.policy = db, settings, hub, metrics, policy
        self.q: queue.Queue = queue.Queue()
        self.picture = Picture()
        self.live: LiveWatch | None = None
        self.number = eventlog.last_number(db)
        self.rebuild_upto = eventlog.max_measurement_id(db)
        self.rebuilding = True
        self.rebuild_s: float | None = None
        self.rebuild_count = 0
        self.processed = 0
        self._last_mid = 0
        self._ordinals: Counter = Counter()
        self._known: set[str] = set()
        self._sensors: dict[str, _SensorClock] = {}
        self._sensor_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.failed: str | None = None
        self._ingesting = 0  # requests of measurements between validation and commit
        self._ingesting_lock = threading.Lock()

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        for name, target in (("watch", self._run), ("sensors", self._monitor)):
            th = threading.Thread(target=target, name=f"missilewatch-{name}", daemon=True)
            th.start()
            self._threads.append(th)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for th in self._threads:
            th.join(timeout)

    def idle(self) -> bool:
        """No rebuild running and nothing waiting for the watch."""
        return not self.rebuilding and self.q.unfinished_tasks == 0

    # -- input -----------------------------------------------------------------------------

    @contextmanager
    def ingesting(self) -> Iterator[None]:
        """Around the validation and commit of one request: the watch gives way meanwhile."""
        with self._ingesting_lock:
            self._ingesting += 1
        try:
            yield
        finally:
            with self._ingesting_lock:
                self._ingesting -= 1

    def submit(self, arrivals: list[Arrival]) -> None:
        """Committed measurements, in commit order."""
        for a in arrivals:
            self.q.put(("m", a))
        self.metrics.queue_depth.set(self.q.qsize())
        self._note_sensors(arrivals)

    def _note_sensors(self, arrivals: list[Arrival]) -> None:
        now = time.monotonic()
        back = []
        with self._sensor_lock:
            measured: dict[str, dt.datetime] = {}
            for a in arrivals:
                measured[a.sensor_id] = max(a.time_utc, measured.get(a.sensor_id, a.time_utc))
            when = _now_utc().isoformat()
            for sensor, t_meas in measured.items():
                c = self._sensors.get(sensor)
                if c is None:
                    self._sensors[sensor] = _SensorClock(now, when, t_meas)
                    continue
                gap = now - c.last
                if gap > 1e-3:
                    c.interval = gap if c.interval is None else 0.8 * c.interval + 0.2 * gap
                c.last, c.last_utc = now, when
                c.last_measured_utc = max(c.last_measured_utc, t_meas)
                if c.stale:
                    c.stale = False
                    back.append(sensor)
        for sensor in back:
            self.q.put(("s", self._sensor_event("sensor.fresh", sensor, "reporting again")))

    def _monitor(self) -> None:
        while not self._stop.wait(0.5):
            now = time.monotonic()
            gone = []
            with self._sensor_lock:
                for sensor, c in self._sensors.items():
                    if c.stale or c.interval is None:
                        continue
                    limit = max(self.settings.stale_factor * c.interval, self.settings.stale_min_s)
                    if now - c.last > limit:
                        c.stale = True
                        gone.append((sensor, now - c.last, limit))
                n_stale = sum(c.stale for c in self._sensors.values())
            self.metrics.stale_sensors.set(n_stale)
            for sensor, silent, limit in gone:
                self.q.put(("s", self._sensor_event("sensor.stale", sensor,
                                                    f"silent for {silent:.0f} s (expected within {limit:.0f} s)")))

    def _sensor_event(self, kind: str, sensor: str, words: str) -> dict:
        c = self._sensors.get(sensor)
        now = _now_utc()
        return {"kind": kind, "t_s": now.timestamp(), "track": None, "text": f"sensor {sensor} {words}",
                "time_utc": now.isoformat(), "data": {"sensor": sensor, "last_report_utc": c.last_utc if c else None,
                         "last_measured_utc": c.last_measured_utc.isoformat() if c else None}}

    # -- the worker ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            warm_up(self.policy)
            self._rebuild()
        except Exception as exc:  # the service stays up and says so in /v1/health
            self.failed = f"rebuild failed: {exc}"
            log.exception("rebuild failed")
        self.rebuilding = False
        while not self._stop.is_set():
            try:
                batch = [self.q.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(self.q.get_nowait())
                except queue.Empty:
                    break
            try:
                self._process(batch, replay=False)
            except Exception as exc:
                self.failed = f"event processing failed: {exc}"
                log.exception("event processing failed")
            finally:
                for _ in batch:
                    self.q.task_done()
                self.metrics.queue_depth.set(self.q.qsize())

    def _rebuild(self) -> None:
        t0 = time.perf_counter()
        sess = eventlog.current_session(self.db)
        if sess is None:
            self.rebuild_s = 0.0
            return
        for ev in eventlog.session_events(self.db, sess.id):
            self.picture.apply(ev)
        self._known = eventlog.session_keys(self.db, sess.id)
        # A session closed by an operator stays closed: only what came after it is re-run.
        first = sess.first_measurement_id if sess.ended_at is None else (sess.last_measurement_id or 0) + 1
        batch: list = []
        for mid, raw, time_utc in eventlog.accepted_lines(self.db, first, self.rebuild_upto):
            batch.append(("m", Arrival(mid, raw, "", time_utc, math.nan)))
            self.rebuild_count += 1
            if len(batch) >= BATCH:
                self._process(batch, replay=True)
                batch = []
        if batch:
            self._process(batch, replay=True)
        self._known.clear()
        self.rebuild_s = time.perf_counter() - t0
        self.metrics.rebuild_seconds.set(self.rebuild_s)
        self.metrics.rebuild_measurements.set(self.rebuild_count)
        log.info("rebuilt session %d from %d measurements in %.2f s", sess.id, self.rebuild_count, self.rebuild_s)

    def _process(self, batch: list, replay: bool) -> None:
        out: list[dict] = []
        caused: list[tuple[dict, float]] = []
        closed: list[threading.Event] = []
        with self.db.session() as s:
            for what, item in batch:
                if what == "c":
                    evs = self._close_session(s, item[0]) if self.live is not None else []
                    closed.append(item[1])
                elif what == "s":
                    evs = [item | {"session": self.live.session_id if self.live else None}]
                else:
                    if not replay and item.mid <= self.rebuild_upto:
                        continue  # re-run by the rebuild already
                    if self._ingesting:
                        time.sleep(INGEST_YIELD_S)  # the acknowledgements first (INGEST_YIELD_S)
                    evs = self._measure(s, item)
                    self.processed += 1
                    self._last_mid = item.mid
                for ev in evs:
                    if self._finalize(ev):
                        out.append(ev)
                        if not replay:
                            caused.append((ev, item.arrival if what == "m" else math.nan))
            now = time.monotonic()
            for ev, arrival in caused:
                if math.isfinite(arrival):
                    ev["latency_s"] = now - arrival
            eventlog.write_events(s, out)
        for ev in out:
            self.picture.apply(ev)
            self.metrics.events.labels(ev["kind"]).inc()
            lat = ev.get("latency_s")
            if lat is not None:
                self.metrics.event_latency.observe(lat)
                if ev["kind"].startswith("alert."):
                    self.metrics.alert_latency.observe(lat)
        self.hub.publish(eventlog.public(ev) for ev in out)
        for done in closed:
            done.set()

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

    # -- sessions --------------------------------------------------------------------------

    def _measure(self, s, item: Arrival) -> list[dict]:
        evs: list[dict] = []
        if self.live is not None and self.live.live_tracks() == 0:
            quiet = (item.time_utc - self.live.utc(self.live.last_time_s)).total_seconds() \
                if math.isfinite(self.live.last_time_s) else 0.0
            if quiet > self.settings.session_gap_s:
                evs.extend(self._close_session(s, "quiet"))
        live = self.live
        if live is None:
            evs.extend(self._open_session(s, item))
            live = self.live
        assert live is not None
        sid = live.session_id
        for ev in live.ingest(item.line, item.mid, item.record):
            ev["session"] = sid
            evs.append(ev)
        return evs

    def _open_session(self, s, item: Arrival) -> list[dict]:
        row = s.scalar(select(ServiceSession).where(ServiceSession.first_measurement_id == item.mid))
        if row is None:
            epoch = item.time_utc.replace(second=0, microsecond=0)
            row = ServiceSession(epoch_utc=epoch, first_measurement_id=item.mid)
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

    def close_session(self, reason: str = "closed by an operator") -> None:
        """Close the open session now (its launches' alerts are closed with what is known)."""
        done = threading.Event()
        self.q.put(("c", (reason, done)))
        done.wait(60)
