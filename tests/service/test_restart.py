"""Never lose, never repeat: a real server killed with SIGKILL twice mid-flight (once while a
post is in flight, once while it is still rebuilding) and started again ends with the same
picture as an uninterrupted run: every accepted measurement stored and taken by the watch,
no alert issued twice, event numbers going on without reuse or gap."""

from __future__ import annotations

import signal
import threading

import httpx
import psutil
import pytest
from sqlalchemy import func, select

from missilewatch.service.app import open_database
from missilewatch.store.models import ServiceAlert, ServiceMeasurement

from .conftest import ServerProc, new_server

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]
BATCH = 25


def _post(srv: ServerProc, creds, lines) -> dict:
    r = httpx.post(f"{srv.url}/v1/measurements", content="\n".join(fl.line for fl in lines),
                   headers=creds.h("admin_key"), timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def _events(srv: ServerProc, creds) -> list[dict]:
    out: list[dict] = []
    while True:
        page = httpx.get(f"{srv.url}/v1/events/history?after={out[-1]['number'] if out else 0}&limit=1000",
                         headers=creds.h("operator"), timeout=30).json()["events"]
        out.extend(page)
        if len(page) < 1000:
            return out


def _picture(srv: ServerProc, creds) -> dict:
    evs = _events(srv, creds)
    alerts = httpx.get(f"{srv.url}/v1/alerts", headers=creds.h("operator")).json()["alerts"]
    tracks = httpx.get(f"{srv.url}/v1/tracks", headers=creds.h("operator")).json()["tracks"]
    db = open_database(srv.db_url)
    with db.session() as s:
        stored = s.scalar(select(func.count()).select_from(ServiceMeasurement).where(ServiceMeasurement.accepted))
        n_alert_rows = s.scalar(select(func.count()).select_from(ServiceAlert))
    db.dispose()
    return {
        "numbers": [e["number"] for e in evs],
        "watch_events": [(e["kind"], e["track"], e["text"]) for e in evs if not e["kind"].startswith("sensor.")],
        "alerts": [(a["identifier"], a["msg_type"], a["state"], a["sent_utc"], tuple(a["regions"]),
                    tuple(a["references"])) for a in alerts],
        "alert_events": [e["data"]["identifier"] for e in evs if e["kind"].startswith("alert.")],
        "tracks": sorted((t["id"], t["state"], (t["prediction"] or {}).get("impact_lat_deg"),
                          (t["prediction"] or {}).get("impact_lon_deg")) for t in tracks),
        "stored": stored, "alert_rows": n_alert_rows,
    }


def _batches(flight_lines) -> list[list]:
    t0 = flight_lines[0].t_report
    lines = [fl for fl in flight_lines if (fl.t_report - t0).total_seconds() < 150]
    return [lines[i:i + BATCH] for i in range(0, len(lines), BATCH)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, flight_lines) -> dict:
    """The picture of an uninterrupted run of the flight's first 150 s, in batches."""
    ref, ref_creds = new_server(tmp_path_factory.mktemp("restart-ref"), "ref")
    ref.start()
    for b in _batches(flight_lines):
        _post(ref, ref_creds, b)
    ref.wait_idle()
    want = _picture(ref, ref_creds)
    assert ref.stop() == 0
    assert want["alerts"] and want["alerts"][0][1] == "Alert"  # the flight is warned within 150 s
    return want


def _same_picture(got: dict, want: dict, n_lines: int) -> None:
    assert got["stored"] == want["stored"] == n_lines  # every accepted measurement is stored
    assert got["numbers"] == list(range(1, len(got["numbers"]) + 1))  # numbers go on, no reuse, no gap
    assert got["alerts"] == want["alerts"]  # the same alert messages, each sent once
    assert len(set(got["alert_events"])) == len(got["alert_events"]) == got["alert_rows"] == len(want["alerts"])
    assert got["tracks"] == want["tracks"]
    assert got["watch_events"] == want["watch_events"]  # the same picture, event for event


def test_sigkill_twice_mid_flight_loses_nothing_and_repeats_nothing(tmp_path, flight_lines, reference):
    batches = _batches(flight_lines)
    lines = [fl for b in batches for fl in b]
    want = reference

    srv, creds = new_server(tmp_path, "killed")
    srv.start()
    k1, k2 = len(batches) // 3, 2 * len(batches) // 3
    for b in batches[:k1]:
        _post(srv, creds, b)
    srv.stop(signal.SIGKILL)  # the watch is behind: committed measurements wait in its queue
    srv.start(wait_ready=False)  # posts go on while it rebuilds
    for b in batches[k1:k2]:
        _post(srv, creds, b)
    inflight = threading.Thread(target=lambda: _try_post(srv, creds, batches[k2]), daemon=True)
    inflight.start()
    srv.stop(signal.SIGKILL)
    inflight.join(30)
    srv.start(wait_ready=False)
    again = _post(srv, creds, batches[k2])  # the batch that was in flight: stored once either way
    assert again["accepted"] + again["duplicate"] == len(batches[k2])
    for b in batches[k2 + 1:]:
        _post(srv, creds, b)
    health = srv.wait_idle(timeout=180)
    got = _picture(srv, creds)
    assert srv.stop() == 0

    _same_picture(got, want, len(lines))
    assert health["rebuild_measurements"] > 0 and health["rebuild_s"] is not None


def _try_post(srv: ServerProc, creds, batch) -> None:
    try:
        httpx.post(f"{srv.url}/v1/measurements", content="\n".join(fl.line for fl in batch),
                   headers=creds.h("admin_key"), timeout=30)
    except httpx.HTTPError:
        pass


def _watch_child(srv: ServerProc) -> psutil.Process:
    assert srv.proc is not None
    kids = [p for p in psutil.Process(srv.proc.pid).children(recursive=True)
            if "multiprocessing-fork" in " ".join(p.cmdline())]
    assert len(kids) == 1, [p.cmdline() for p in kids]
    return kids[0]


def test_a_killed_watch_process_is_started_again_and_loses_nothing(tmp_path, flight_lines, reference):
    """The watch process (not the server) SIGKILLed twice mid-flight, once while idle and once
    with a batch on its way: the server starts a new one, which rebuilds the session from the
    store; the picture ends as in the uninterrupted run and the service reports itself healthy."""
    batches = _batches(flight_lines)
    srv, creds = new_server(tmp_path, "watch-killed")
    srv.start()
    k1, k2 = len(batches) // 3, 2 * len(batches) // 3
    for b in batches[:k1]:
        _post(srv, creds, b)
    srv.wait_idle()
    first = _watch_child(srv)
    first.kill()  # idle: noticed by the watch thread's own check
    first.wait(10)
    for b in batches[k1:k2]:
        _post(srv, creds, b)
    second = _watch_child(srv)
    assert second.pid != first.pid
    second.kill()  # a batch on its way or soon after: noticed when the pipe breaks
    for b in batches[k2:]:
        _post(srv, creds, b)
    health = srv.wait_idle(timeout=180)
    assert health["status"] == "ok", health
    assert _watch_child(srv).pid not in (first.pid, second.pid)
    metrics = httpx.get(f"{srv.url}/metrics", headers=creds.h("operator"), timeout=30).text
    assert "missilewatch_watch_restarts_total 2.0" in metrics
    got = _picture(srv, creds)
    assert srv.stop() == 0
    _same_picture(got, reference, sum(len(b) for b in batches))
    log = srv.log_path.read_text()
    assert "restarted (2 of at most" in log
    assert "watch process stopped (exit code 0)" in log  # the restarted one stopped, not killed
