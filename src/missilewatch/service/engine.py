"""The live engine: committed measurements go, in commit order, to the watch's own process
(:mod:`missilewatch.service.watchproc`), which feeds them to the session's watch and numbers and
stores the events they cause; a worker thread here takes those events into the picture and
publishes them; a monitor thread reports sensors going stale and coming back. The watch thus
computes on one core while this process validates, commits and acknowledges on another.

Restart: the picture is read back from the event log here, while the watch process rebuilds
the open session's watch by re-running its stored measurements (in commit order, so the same
watch results); events whose content key is already in the log are not published again, so no
alert is re-issued and event numbers go on. Measurements that arrive meanwhile are committed
and acknowledged as usual and wait in the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from missilewatch.assessment.policy import Policy
from missilewatch.service import eventlog, watchproc
from missilewatch.service.adapter import warm_up_check
from missilewatch.service.hub import Hub
from missilewatch.service.metrics import Metrics
from missilewatch.service.picture import Picture
from missilewatch.service.settings import ServiceSettings
from missilewatch.store import Database

log = logging.getLogger("missilewatch.service")
BATCH = 500
MAX_WATCH_RESTARTS = 5  # a watch that keeps dying is a fault to report, not to loop on


@dataclass(frozen=True)
class Arrival:
    """A committed measurement: store id, JSON line, sensor, time of validity, arrival (monotonic
    s), and the line's validated record when the ingest has it (not sent to the watch process,
    which reads the line)."""

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
    """Owns the watch process; thread-safe :meth:`submit` from the ingest path."""

    def __init__(self, db: Database, settings: ServiceSettings, hub: Hub, metrics: Metrics,
                 policy: Policy | None = None) -> None:
        self.db, self.settings, self.hub, self.metrics, self.policy = db, settings, hub, metrics, policy
        self.q: queue.Queue = queue.Queue()
        self.picture = Picture()
        self.session: int | None = None  # the open watch session (as of the watch's last batch)
        self.proc: Any = None  # the watch process (multiprocessing.Process)
        self.number = eventlog.last_number(db)
        self.rebuild_upto = eventlog.max_measurement_id(db)
        self.rebuilding = True
        self.rebuild_s: float | None = None
        self.rebuild_count = 0
        self.processed = 0
        self._sensors: dict[str, _SensorClock] = {}
        self._sensor_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.failed: str | None = None
        self.restarts = 0  # watch processes started again after one died
        self._ingesting = 0  # requests of measurements between validation and commit
        self._ingesting_lock = threading.Lock()
        self._conn: Any = None

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self._spawn()
        warm_up_check()  # while the watch process starts
        for name, target in (("watch", self._run), ("sensors", self._monitor)):
            th = threading.Thread(target=target, name=f"missilewatch-{name}", daemon=True)
            th.start()
            self._threads.append(th)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the threads; the watch thread stops the watch process on its way out (after its
        batch), which is killed here past ``timeout``."""
        self._stop.set()
        for th in self._threads:
            th.join(timeout)
        if self.proc is None:
            return
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout)
        self._conn.close()

    def _stop_process(self, timeout: float = 10.0) -> None:
        """Ask the watch process to stop and wait for it. Called by the watch thread, which owns
        the pipe and, after a restart, is the process's parent: Linux's parent-death signal
        follows the thread that started it, so that thread must outlive it."""
        try:
            self._conn.send(("stop", None))
        except OSError:
            return  # already gone
        self.proc.join(timeout)
        log.info("watch process stopped (exit code %s)", self.proc.exitcode)

    def idle(self) -> bool:
        """No rebuild running and nothing waiting for the watch."""
        return not self.rebuilding and self.q.unfinished_tasks == 0

    # -- input -----------------------------------------------------------------------------

    @contextmanager
    def ingesting(self) -> Iterator[None]:
        """Around the validation and commit of one request (counted: requests in flight)."""
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

    def _spawn(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child_conn = ctx.Pipe()
        self.proc = ctx.Process(target=watchproc.child_main, name="missilewatch-watch", daemon=True,
                                args=(child_conn, self.settings.db_url, self.policy, self.settings.session_gap_s,
                                      self.rebuild_upto, os.getpid(), logging.getLogger().getEffectiveLevel()))
        self.proc.start()
        child_conn.close()

    def _receive(self, until: str) -> dict:
        """Publish what the watch process sends until its message ``until`` (its status)."""
        while True:
            what, data = self._conn.recv()
            if what == "events":
                self._publish(data)
            elif what == until:
                self.number = max(self.number, data["number"])
                self.session = data["session"]
                self.processed = data["processed"]
                if data["failed"]:
                    self.failed = data["failed"]
                return data

    def _run(self) -> None:
        try:
            sess = eventlog.current_session(self.db)
            if sess is not None:
                for ev in eventlog.session_events(self.db, sess.id):
                    self.picture.apply(ev)
        except Exception as exc:  # the service stays up and says so in /v1/health
            self.failed = f"rebuild failed: {exc}"
            log.exception("rebuild failed")
        self._await_rebuild()
        while not self._stop.is_set():
            try:
                batch = [self.q.get(timeout=0.2)]
            except queue.Empty:
                if not self.proc.is_alive() and self.restarts < MAX_WATCH_RESTARTS and not self._stop.is_set():
                    self._restart(f"the watch process ended (exit code {self.proc.exitcode})")
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(self.q.get_nowait())
                except queue.Empty:
                    break
            try:
                self._conn.send(("batch", [(k, self._payload(k, item)) for k, item in batch]))
                self._receive("done")
            except (EOFError, OSError) as exc:
                self.proc.join(1.0)
                self._restart(f"the watch process ended ({exc or 'pipe closed'}; exit code {self.proc.exitcode})")
            except Exception as exc:
                self.failed = f"event processing failed: {exc}"
                log.exception("event processing failed")
            finally:
                for k, item in batch:
                    if k == "c":
                        item[1].set()
                for _ in batch:
                    self.q.task_done()
                self.metrics.queue_depth.set(self.q.qsize())
        self._stop_process()

    def _await_rebuild(self) -> None:
        """Wait for the watch process's rebuild (its "ready"), publishing what it sends."""
        try:
            ready = self._receive("ready")
            self.rebuild_s, self.rebuild_count = ready["rebuild_s"], ready["rebuild_count"]
            self.metrics.rebuild_seconds.set(self.rebuild_s or 0.0)
            self.metrics.rebuild_measurements.set(self.rebuild_count)
        except Exception as exc:  # the service stays up and says so in /v1/health
            self.failed = f"rebuild failed: {exc}"
            log.exception("rebuild failed")
        self.rebuilding = False

    def _restart(self, why: str) -> None:
        """A new watch process after the last one died (killed, out of memory): like a server
        restart it rebuilds the open session from every committed measurement, publishes what
        the dead one had committed but not sent, and takes the stream again. Items already in
        the queue are committed, so the rebuild covers them and the new process skips them.
        At most MAX_WATCH_RESTARTS times; after that the service reports the failure."""
        log.error("%s", why)
        self.failed = why
        self.metrics.watch_restarts.inc()
        if self.restarts >= MAX_WATCH_RESTARTS or self._stop.is_set():
            return
        self.restarts += 1
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5.0)
        self._conn.close()
        self.rebuilding = True
        self.rebuild_upto = eventlog.max_measurement_id(self.db)
        self._spawn()
        missed = eventlog.events_after(self.db, self.picture.number, limit=1_000_000)
        if missed:
            self._publish(missed)
        self._await_rebuild()
        if self.failed == why:
            self.failed = None
            log.info("watch process restarted (%d of at most %d)", self.restarts, MAX_WATCH_RESTARTS)

    @staticmethod
    def _payload(kind: str, item: Any) -> Any:
        if kind == "m":
            return (item.mid, item.line, item.time_utc, item.arrival)
        if kind == "c":
            return item[0]
        return item

    def _publish(self, out: list[dict]) -> None:
        """Events the watch process has committed: into the picture, the metrics, the clients.
        Latency: from the measurement's arrival at the server to now, just before publication."""
        now = time.monotonic()
        kinds: dict[str, int] = {}
        for ev in out:
            if ev["number"] > self.picture.number:  # not already read back from the log at start
                self.picture.apply(ev)
            kinds[ev["kind"]] = kinds.get(ev["kind"], 0) + 1
            arrival = ev.get("arrival")
            if arrival is not None:
                self.metrics.event_latency.observe(now - arrival)
                if ev["kind"].startswith("alert."):
                    self.metrics.alert_latency.observe(now - arrival)
        for kind, n in kinds.items():  # one counter update per kind, not per event
            self.metrics.events.labels(kind).inc(n)
        self.hub.publish(eventlog.public(ev) for ev in out)

    def close_session(self, reason: str = "closed by an operator") -> None:
        """Close the open session now (its launches' alerts are closed with what is known)."""
        done = threading.Event()
        self.q.put(("c", (reason, done)))
        done.wait(60)
