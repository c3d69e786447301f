"""Measurements in: validate each record, check the caller may post for its sensor, drop
records already stored (by record id), take the per-sensor rate, commit, and only then hand
the new records to the watch and answer per record.

All writes go through one writer thread (:class:`Writer`), so records are committed, and
reach the watch, in one order: the order a rebuild re-runs them in.
"""

from __future__ import annotations

import concurrent.futures
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select

from missilewatch.service.adapter import check_line
from missilewatch.service.audit import AuditLog
from missilewatch.service.auth import Principal
from missilewatch.service.engine import Arrival, Engine
from missilewatch.service.metrics import Metrics
from missilewatch.service.records import BodyLine
from missilewatch.service.settings import ServiceSettings
from missilewatch.store import Database
from missilewatch.store.base import utc_now
from missilewatch.store.models import ServiceMeasurement


class RateLimited(Exception):
    """429: a sensor's rate is spent; ``retry_after_s`` until enough is back."""

    def __init__(self, sensor: str, retry_after_s: float) -> None:
        super().__init__(f"rate limit of sensor {sensor!r} reached; retry in {retry_after_s:.1f} s")
        self.sensor, self.retry_after_s = sensor, retry_after_s


class Writer:
    """The one thread that writes to the store (records, audit); ``flush_audit`` runs there too."""

    def __init__(self) -> None:
        self.pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="missilewatch-writer")

    def run(self, fn, *args):
        return self.pool.submit(fn, *args)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)


class Buckets:
    """Token buckets of records per sensor id."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._b: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, counts: dict[str, int]) -> None:
        """Take all or nothing; raises RateLimited naming the first sensor short of tokens."""
        now = time.monotonic()
        with self._lock:
            levels = {}
            for sensor, n in counts.items():
                level, t = self._b.get(sensor, (self.burst, now))
                level = min(self.burst, level + (now - t) * self.rate)
                if level < n:
                    raise RateLimited(sensor, (n - level) / self.rate if n <= self.burst else math.inf)
                levels[sensor] = level - n
            for sensor, level in levels.items():
                self._b[sensor] = (level, now)


@dataclass
class LineResult:
    index: int
    status: str  # accepted, duplicate, rejected
    record_id: str | None = None
    reason: str | None = None
    sensor_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.record_id:
            d["record_id"] = self.record_id
        if self.reason:
            d["reason"] = self.reason
        return d


class Ingestor:
    """Validation (any thread) and commit (the writer thread) of posted records."""

    def __init__(self, db: Database, settings: ServiceSettings, engine: Engine, audit: AuditLog,
                 metrics: Metrics, writer: Writer) -> None:
        self.db, self.engine, self.audit, self.metrics, self.writer = db, engine, audit, metrics, writer
        self.buckets = Buckets(settings.sensor_rate_per_s, settings.sensor_burst)

    def check(self, lines: list[BodyLine], who: Principal) -> tuple[list[LineResult], list[tuple]]:
        """Per line: rejected with the reason, or a candidate (index, line, id, sensor, time)."""
        results, todo = [], []
        for bl in lines:
            if bl.error is not None:
                results.append(LineResult(bl.index, "rejected", reason=bl.error))
                continue
            assert bl.line is not None  # a line without an error has its text
            c = check_line(bl.line, f"record {bl.index}")
            sensor = c.sensor_id or ""
            if c.ok and not sensor.isprintable():
                results.append(LineResult(bl.index, "rejected", bl.record_id,
                                          f"record {bl.index}: sensor_id: control characters in {c.sensor_id!r}"))
            elif not c.ok:
                results.append(LineResult(bl.index, "rejected", bl.record_id, c.reason))
            elif not who.may_post_for(sensor):
                results.append(LineResult(bl.index, "rejected", bl.record_id,
                                          f"record {bl.index}: sensor_id: {who.name} may not post for "
                                          f"sensor {c.sensor_id!r}", c.sensor_id))
            else:
                results.append(LineResult(bl.index, "accepted", bl.record_id, sensor_id=c.sensor_id))
                todo.append((bl.index, bl.line, bl.record_id, c.sensor_id, c.time_utc, c.record))
        return results, todo

    def commit(self, lines: list[BodyLine], results: list[LineResult], todo: list[tuple], who: Principal,
               target: str, arrival: float) -> list[LineResult]:
        """Store and hand over (blocks until committed); raises RateLimited before writing."""
        return self.writer.run(self._commit, lines, results, todo, who, target, arrival).result()

    def _commit(self, lines, results, todo, who, target, arrival) -> list[LineResult]:
        by_index = {r.index: r for r in results}
        ids = [t[2] for t in todo]
        with self.db.session() as s:
            existing: set[str] = set()
            for i in range(0, len(ids), 500):
                existing.update(s.scalars(select(ServiceMeasurement.record_id)
                                          .where(ServiceMeasurement.record_id.in_(ids[i:i + 500]))))
            fresh, seen = [], set()
            for t in todo:
                if t[2] in existing or t[2] in seen:
                    by_index[t[0]].status = "duplicate"
                    continue
                seen.add(t[2])
                fresh.append(t)
            counts: dict[str, int] = {}
            for t in fresh:
                counts[t[3]] = counts.get(t[3], 0) + 1
            self.buckets.take(counts)
            now = utc_now()  # one receipt time per request
            rows = [{"record_id": t[2], "sensor_id": t[3], "time_utc": t[4], "accepted": True, "raw": t[1],
                     "principal": who.name, "received_at": now} for t in fresh]
            line_of = {bl.index: bl for bl in lines}
            for r in results:
                if r.status == "rejected":
                    bl = line_of.get(r.index)
                    raw = (bl.line if bl and bl.line else "")[:4000]
                    rows.append({"record_id": None, "sensor_id": (r.sensor_id or "")[:80] or None, "time_utc": None,
                                 "accepted": False, "reason": r.reason, "raw": raw, "principal": who.name,
                                 "received_at": now})
            new_ids: list[int] = []
            if rows:
                table = cast(Table, ServiceMeasurement.__table__)  # Core insert: no ORM bulk machinery per row
                new_ids = [r[0] for r in s.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                                   rows)]
            n = {k: sum(1 for r in results if r.status == k) for k in ("accepted", "duplicate", "rejected")}
            self.audit.record(who.name, who.role, "ingest", target, 200, n)
            pending = self.audit.drain_into(s)
            t0 = time.perf_counter()
            try:
                s.commit()
            except BaseException:
                self.audit.requeue(pending)
                raise
            self.metrics.commit_seconds.observe(time.perf_counter() - t0)
        arrivals = [Arrival(mid, t[1], t[3], t[4], arrival, t[5]) for mid, t in zip(new_ids, fresh, strict=False)]
        self.engine.submit(arrivals)
        counted: dict[tuple[str, str], int] = {}
        for r in results:  # one counter update per (sensor, status), not per record
            key = (self.metrics.sensor_label(r.sensor_id), r.status)
            counted[key] = counted.get(key, 0) + 1
        for (label, status), k in counted.items():
            self.metrics.measurements.labels(label, status).inc(k)
        return results

    def flush_audit(self) -> None:
        """Write pending audit entries (reads) in their own transaction."""
        if not self.audit.pending():
            return
        with self.db.session() as s:
            rows = self.audit.drain_into(s)
            try:
                s.commit()
            except BaseException:
                self.audit.requeue(rows)
                raise
