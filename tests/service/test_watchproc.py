"""The watch's own process: started with the server, fed in commit order, and never left behind:
a server stopped cleanly stops it, a server killed with SIGKILL takes it down too."""

from __future__ import annotations

import signal
import time

import httpx
import psutil
import pytest

from .conftest import new_server

pytestmark = pytest.mark.timeout(180)


def _descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of ``procs`` still running (not exited, not a zombie) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    alive = procs
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    return alive


def _watch_child(pid: int) -> psutil.Process:
    kids = [p for p in _descendants(pid) if "multiprocessing" in " ".join(p.cmdline())
            and "resource_tracker" not in " ".join(p.cmdline())]
    assert len(kids) == 1, [p.cmdline() for p in _descendants(pid)]
    return kids[0]


def test_the_watch_runs_in_its_own_process_and_dies_with_a_killed_server(tmp_path, flight_lines):
    srv, creds = new_server(tmp_path)
    srv.start()
    assert srv.proc is not None
    child = _watch_child(srv.proc.pid)
    r = httpx.post(f"{srv.url}/v1/measurements", content="\n".join(fl.line for fl in flight_lines[:40]),
                   headers=creds.h("admin_key"), timeout=60)
    assert r.status_code == 200 and r.json()["accepted"] == 40, r.text
    h = srv.wait_idle()
    assert h["status"] == "ok" and h["last_event"] > 0  # the child took them and numbered events
    everything = _descendants(srv.proc.pid)
    srv.stop(signal.SIGKILL)
    assert not _gone(everything, 15.0), f"left running after SIGKILL of the server: {child.pid}"


def test_a_clean_stop_stops_the_watch_process(tmp_path):
    srv, _ = new_server(tmp_path)
    srv.start()
    assert srv.proc is not None
    everything = _descendants(srv.proc.pid)
    assert everything
    assert srv.stop(signal.SIGTERM) == 0
    assert not _gone(everything, 10.0)
    assert "Traceback" not in srv.log_path.read_text()


def test_the_warm_up_stream_reaches_a_prediction_and_a_decision():
    """The packaged warm-up records take a throwaway watch through track initiation,
    confirmation and an impact prediction with its decision: the paths whose first run would
    otherwise load kernels on the service's measurement path."""
    from missilewatch.service.adapter import warm_up_watch

    kinds = warm_up_watch()
    assert kinds.get("track.confirmed", 0) >= 1 and kinds.get("prediction", 0) >= 1 and kinds.get("decision", 0) >= 1
