"""Playing measurements into a live server the way real sensors would: each sensor on its own
connection, its records in report-time order at ``speed`` x real time (as fast as possible
when None), records due together sent as one batch, retried with backoff on connection
errors, 5xx and 429 (re-posting is safe: the server recognises a record it already has).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from missilewatch.errors import InputError
from missilewatch.scenarios.library import builtin_names, load
from missilewatch.scenarios.output import write_outputs
from missilewatch.scenarios.simulate import simulate
from missilewatch.sensors.measurement_io import parse_utc


@dataclass(frozen=True)
class FeedLine:
    """One record to send: when it reaches the user (report time), its sensor, its JSON."""

    t_report: dt.datetime
    sensor_id: str
    line: str


@dataclass
class FeedStats:
    """What a feed did, per sensor and in total."""

    sent: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    accepted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    duplicate: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rejected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retries: int = 0
    failed: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def total(self, what: str) -> int:
        return sum(getattr(self, what).values())


def measurement_dir(target: str, seed: int | None = None, workdir: Path | None = None) -> Path:
    """A directory with ``measurements.jsonl``: ``target`` itself, or a scenario simulated into
    ``workdir`` (a temporary directory when None)."""
    path = Path(target)
    if path.is_dir():
        if not (path / "measurements.jsonl").is_file():
            raise InputError("target", target, "directory has no measurements.jsonl")
        return path
    if target in builtin_names() or path.suffix.lower() in (".yaml", ".yml"):
        out = workdir or Path(tempfile.mkdtemp(prefix="missilewatch-feed-"))
        write_outputs(simulate(load(target), seed=seed), out)
        return out
    raise InputError("target", target, f"is not a directory, a .yaml file or a built-in scenario "
                     f"({', '.join(builtin_names())})")


def read_lines(directory: Path, sensors: list[str] | None = None, keep_truth: bool = False) -> list[FeedLine]:
    """The records of ``measurements.jsonl`` in report order (truth removed: sensors do not know it).
    A line that is not a JSON object is sent as it is (the server rejects it and says why)."""
    out = []
    for raw in (directory / "measurements.jsonl").read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            sensor = str(obj.get("sensor_id") or "unknown")
            when = parse_utc(obj.get("report_time_utc") or obj["time_utc"])
        except (ValueError, KeyError, TypeError, AttributeError):
            out.append(FeedLine(dt.datetime.min.replace(tzinfo=dt.UTC), "unknown", raw))
            continue
        if sensors and sensor not in sensors:
            continue
        if not keep_truth:
            obj.pop("truth", None)
        out.append(FeedLine(when, sensor, json.dumps(obj, separators=(",", ":"))))
    out.sort(key=lambda f: f.t_report)
    return out


class Feeder:
    """Sends ``lines`` to ``url``; ``keys`` maps sensor id to its key (``"*"``: any sensor)."""

    def __init__(self, url: str, keys: dict[str, str], speed: float | None = None, batch_window_s: float = 0.05,
                 max_batch: int = 1000, retries: int = 8, timeout_s: float = 30.0) -> None:
        if speed is not None and not speed > 0:
            raise InputError("speed", speed, "must be > 0")
        self.url, self.keys, self.speed = url.rstrip("/"), keys, speed
        self.batch_window_s, self.max_batch = batch_window_s, max_batch
        self.retries, self.timeout_s = retries, timeout_s
        self.stats = FeedStats()
        self._lock = threading.Lock()

    def key_for(self, sensor: str) -> str:
        key = self.keys.get(sensor) or self.keys.get("*")
        if not key:
            raise InputError("keys", sensor, "no API key for this sensor")
        return key

    def run(self, lines: list[FeedLine], t0_data: dt.datetime | None = None, t0_wall: float | None = None) -> FeedStats:
        """Play ``lines``; data time ``t0_data`` (default: the first report) is played at
        monotonic ``t0_wall`` (default: now), so several feeds can keep one clock."""
        by_sensor: dict[str, list[FeedLine]] = defaultdict(list)
        for fl in lines:
            by_sensor[fl.sensor_id].append(fl)
        t0_data = t0_data or next((fl.t_report for fl in lines if fl.t_report.year > 1), None)
        t0_wall = time.monotonic() if t0_wall is None else t0_wall
        threads = [threading.Thread(target=self._sensor, args=(s, ls, t0_data, t0_wall), daemon=True,
                                    name=f"feed-{s}") for s, ls in by_sensor.items()]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.stats.wall_s = time.monotonic() - t0_wall
        return self.stats

    def _due(self, fl: FeedLine, t0_data, t0_wall) -> float:
        if self.speed is None or t0_data is None or fl.t_report.year == 1:
            return t0_wall
        return t0_wall + (fl.t_report - t0_data).total_seconds() / self.speed

    def _sensor(self, sensor: str, lines: list[FeedLine], t0_data, t0_wall) -> None:
        headers = {"Authorization": f"Bearer {self.key_for(sensor)}", "Content-Type": "application/x-ndjson"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=self.timeout_s) as client:
            i = 0
            while i < len(lines):
                wait = self._due(lines[i], t0_data, t0_wall) - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                now = time.monotonic()
                j = i + 1
                while j < len(lines) and j - i < self.max_batch and \
                        self._due(lines[j], t0_data, t0_wall) <= now + self.batch_window_s:
                    j += 1
                self._post(client, sensor, lines[i:j])
                i = j

    def _post(self, client: httpx.Client, sensor: str, batch: list[FeedLine]) -> None:
        body = "\n".join(fl.line for fl in batch).encode()
        delay = 0.2
        for attempt in range(self.retries + 1):
            try:
                r = client.post("/v1/measurements", content=body)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if r.status_code in (200, 422, 403):
                    self._count(sensor, batch, r)
                    return
                if r.status_code == 429:
                    delay = max(delay, float(r.headers.get("Retry-After", delay)))
                problem = f"HTTP {r.status_code}: {r.text[:200]}"
                if r.status_code < 500 and r.status_code != 429:
                    break
            if attempt < self.retries:
                with self._lock:
                    self.stats.retries += 1
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        with self._lock:
            self.stats.failed.append(f"{sensor}: {len(batch)} records not delivered ({problem})")

    def _count(self, sensor: str, batch: list[FeedLine], r: httpx.Response) -> None:
        answer = r.json()
        with self._lock:
            self.stats.sent[sensor] += len(batch)
            if "results" not in answer:
                self.stats.rejected[sensor] += len(batch)
                return
            for k in ("accepted", "duplicate", "rejected"):
                getattr(self.stats, k)[sensor] += int(answer.get(k, 0))
