"""The live service under load, on loopback (a real ``missilewatch serve`` subprocess, SQLite WAL,
full sync).

1. ``service_ingest_committed``: a raid (the eight-SRBM salvo with every radar's clutter raised
   to ``CLUTTER`` false alarms per scan) pushed by ``feed`` as fast as it goes, each sensor on
   its own connection: records per second acknowledged, every one committed before its
   answer. Peer: the same stream through the batch watch (``replay`` as the CLI runs it, its
   summary metrics included, no store): what the watch itself takes per second. Also the server
   process's own CPU per record (the watch runs in a process of its own) and the machine's load.
2. ``service_end_to_end``: the same run until the watch has taken every record (queue empty):
   records per second through the live watch against the same batch peer.
3. ``service_event_latency_p50`` / ``_p99``: the 2022-10-04 flight fed at ``LATENCY_SPEED`` x real
   time; from a measurement's arrival to the events it causes being published (quantiles of the
   server's histogram, linear in the bucket). Peer: the issue's target (250 ms).
4. ``service_alert_latency``: the slowest alert, from the arrival of the measurement that
   decided it to its publication. Peer: the target (1 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import from_directory
from missilewatch.service.app import open_database
from missilewatch.service.auth import create_key, make_token, signing_secret
from missilewatch.service.feed import Feeder, measurement_dir, read_lines
from missilewatch.service.localproc import free_port

CLUTTER = 2.0
LATENCY_SPEED = 10.0
RADARS = ("shariki-tpy2", "kyogamisaki-tpy2", "shimokoshiki-fps5", "sado-fps5", "ominato-fps5", "yozadake-fps5",
          "aegis-soj", "busan-greenpine")


def _raid_yaml(path: Path) -> Path:
    from missilewatch.scenarios.library import load

    text = (Path(load.__code__.co_filename).parent / "data" / "salvo-srbm-8.yaml").read_text()
    sensors = "sensors:\n" + "".join(f"  - {{catalogue: {s}, false_alarms_per_scan: {CLUTTER}}}\n" for s in RADARS) + \
        "  - ir-geo-east\n  - ir-geo-west\n"
    out = path / "raid.yaml"
    out.write_text(text.replace("name: salvo-srbm-8", "name: raid-clutter").replace("sensors: all\n", sensors))
    return out


class _Server:
    def __init__(self, tmp: Path, name: str, wait_rebuilt: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = f"sqlite:///{tmp / (name + '.db')}"
        db = open_database(self.db_url)
        self.key = create_key(db, "admin", f"bench-{self.port}")
        self.token = make_token(signing_secret(db), "bench", "operator", 3600)
        db.dispose()
        self.log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "missilewatch.cli.app", "serve", "--db", self.db_url,
                                      "--port", str(self.port), "--log-level", "warning", "--sensor-rate", "100000"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=dict(os.environ))
        while True:
            try:
                rebuilding = httpx.get(f"{self.url}/v1/health", timeout=1).json()["rebuilding"]
                if not (wait_rebuilt and rebuilding):
                    break
            except httpx.TransportError:
                time.sleep(0.2)

    def idle(self) -> None:
        while httpx.get(f"{self.url}/v1/health", timeout=30).json()["queue_depth"]:
            time.sleep(0.05)

    def metrics(self) -> str:
        return httpx.get(f"{self.url}/metrics", headers={"Authorization": f"Bearer {self.token}"}, timeout=30).text

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        self.log.close()


def _quantile(text: str, name: str, q: float) -> float:
    """histogram_quantile over a Prometheus text exposition (linear within the bucket)."""
    buckets = []
    for line in text.splitlines():
        if line.startswith(f"{name}_bucket{{"):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
    buckets.sort()
    total = buckets[-1][1]
    rank, lo, below = q * total, 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return lo
            return lo + (le - lo) * ((rank - below) / max(count - below, 1e-12))
        lo, below = le, count
    return lo


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        raid = measurement_dir(str(_raid_yaml(tmp)), workdir=tmp / "raid")
        lines = read_lines(raid)
        n = len(lines)
        t0 = time.perf_counter()
        replay(from_directory(raid))
        peer_rate = n / (time.perf_counter() - t0)

        srv = _Server(tmp, "load")
        try:
            server = psutil.Process(srv.proc.pid)  # its own CPU, not the watch process's
            cpu0 = sum(server.cpu_times()[:2])
            t0 = time.perf_counter()
            stats = Feeder(srv.url, {"*": srv.key}, speed=None, max_batch=500).run(lines)
            t_ack = time.perf_counter() - t0
            server_cpu = sum(server.cpu_times()[:2]) - cpu0
            load = os.getloadavg()[0]
            srv.idle()
            t_all = time.perf_counter() - t0
        finally:
            srv.stop()
        assert stats.total("accepted") == n and not stats.failed, stats.failed[:3]

        flight = measurement_dir("2022-10-04", workdir=tmp / "flight")
        srv = _Server(tmp, "latency")
        try:
            Feeder(srv.url, {"*": srv.key}, speed=LATENCY_SPEED).run(read_lines(flight))
            srv.idle()
            text = srv.metrics()
        finally:
            srv.stop()
        from sqlalchemy import func, select

        from missilewatch.store.models import ServiceAlert

        db = open_database(srv.db_url)
        with db.session() as s:
            worst_alert = s.scalar(select(func.max(ServiceAlert.latency_s)))
            n_alerts = s.scalar(select(func.count()).select_from(ServiceAlert))
        db.dispose()

    p50 = _quantile(text, "missilewatch_event_latency_seconds", 0.5) * 1e3
    p99 = _quantile(text, "missilewatch_event_latency_seconds", 0.99) * 1e3
    ingest, e2e = n / t_ack, n / t_all
    common = {"records": n, "sensors": len(stats.sent), "clutter_per_scan": CLUTTER}
    return [
        {"name": "service_ingest_committed", "ours": round(ingest, 1), "peer": round(peer_rate, 1),
         "peer_name": "batch replay of the same stream", "unit": "measurements/s",
         "ratio": round(ingest / peer_rate, 2), "target": 5000,
         "server_cpu_us_per_record": round(server_cpu / n * 1e6, 1), "load_avg_1min": round(load, 1)} | common,
        {"name": "service_end_to_end", "ours": round(e2e, 1), "peer": round(peer_rate, 1),
         "peer_name": "batch replay of the same stream", "unit": "measurements/s",
         "ratio": round(e2e / peer_rate, 2)} | common,
        {"name": "service_event_latency_p50", "ours": round(p50, 1), "peer": 250.0, "peer_name": "target p99",
         "unit": "ms", "ratio": round(250.0 / max(p50, 1e-9), 2), "speed": LATENCY_SPEED},
        {"name": "service_event_latency_p99", "ours": round(p99, 1), "peer": 250.0, "peer_name": "target p99",
         "unit": "ms", "ratio": round(250.0 / max(p99, 1e-9), 2), "speed": LATENCY_SPEED},
        {"name": "service_alert_latency", "ours": round(worst_alert or float("nan"), 3), "peer": 1.0,
         "peer_name": "target", "unit": "s", "ratio": round(1.0 / worst_alert, 2) if worst_alert else None,
         "alerts": n_alerts},
    ]
