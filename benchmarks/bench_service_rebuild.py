"""How long a killed service takes to come back: the built-in 2022-11-18 flight (a 69-minute
lofted ICBM, every sensor: the longest live window the scenarios hold) fed to a real ``serve``,
the server SIGKILLed with the session open, started again on the same database.

``service_rebuild``: seconds from the new process's start until the watch is rebuilt (every
stored measurement of the open session re-run, the picture read back), and until it listens
and acknowledges. Peer: the same measurements through the batch watch (``replay``), the work
the rebuild repeats.
"""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path

import httpx
from bench_service_load import _Server

from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import from_directory
from missilewatch.service.feed import Feeder, measurement_dir, read_lines


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        flight = measurement_dir("2022-11-18", workdir=tmp / "flight")
        lines = read_lines(flight)
        t0 = time.perf_counter()
        replay(from_directory(flight))
        peer_s = time.perf_counter() - t0

        srv = _Server(tmp, "rebuild")
        try:
            stats = Feeder(srv.url, {"*": srv.key}, speed=None, max_batch=500).run(lines)
            srv.idle()
        finally:
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait(60)
            srv.log.close()
        assert stats.total("accepted") == len(lines) and not stats.failed, stats.failed[:3]

        t0 = time.perf_counter()
        again = _Server(tmp, "rebuild", wait_rebuilt=False)
        try:
            listening_s = time.perf_counter() - t0
            while (h := httpx.get(f"{again.url}/v1/health", timeout=30).json())["rebuilding"]:
                time.sleep(0.1)
            rebuilt_s = time.perf_counter() - t0
        finally:
            again.stop()
    return [{"name": "service_rebuild", "ours": round(rebuilt_s, 2), "peer": round(peer_s, 2),
             "peer_name": "batch replay of the same measurements", "unit": "s",
             "ratio": round(peer_s / rebuilt_s, 2), "listening_after_s": round(listening_s, 2),
             "watch_rebuild_s": h.get("rebuild_s"), "rebuild_measurements": h.get("rebuild_measurements"),
             "measurements": len(lines), "flight": "2022-11-18, 69 min"}]
