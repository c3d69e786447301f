"""``make demo``: the live service's main job, start to finish, stopping by itself.

Starts ``missilewatch serve`` on 127.0.0.1 (a free port) with a fresh database, feeds it the
4 October 2022 flight with ``feed`` at 10x real time (each sensor its own connection), prints
the live picture as the events arrive (server-sent events), closes the watch session when the
stream ends, prints the alerts, and writes the report ``replay --out`` writes, from the
measurements the service stored, checking that the batch watch issues the same alerts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from missilewatch.service.adapter import report_from_received
from missilewatch.service.app import open_database
from missilewatch.service.auth import create_key, make_token, signing_secret
from missilewatch.service.feed import Feeder, measurement_dir, read_lines
from missilewatch.service.localproc import free_port
from missilewatch.store.models import ServiceMeasurement

JST = dt.timezone(dt.timedelta(hours=9), "JST")
SHOWN = ("launch", "track.confirmed", "decision", "alert.issued", "alert.updated", "alert.cancelled", "alert.closed",
         "impact", "track.deleted", "sensor.stale", "sensor.fresh", "session.opened", "session.closed")


class _Seen:
    number = 0


def _printer(url: str, token: str, t_launch: dt.datetime | None, stop: threading.Event, seen: _Seen) -> None:
    """Print the live timeline from the event stream (local time, seconds after launch); a
    decision only when it changes."""
    last_decision = None
    try:
        with httpx.stream("GET", f"{url}/v1/events?last_event_id=0", headers={"Authorization": f"Bearer {token}"},
                          timeout=httpx.Timeout(30, read=None)) as r:
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if not line.startswith("data: "):
                    continue
                ev = json.loads(line[6:])
                seen.number = ev["number"]
                if ev["kind"] not in SHOWN or (ev["kind"] == "decision" and ev["text"] == last_decision):
                    continue
                if ev["kind"] == "decision":
                    last_decision = ev["text"]
                when = dt.datetime.fromisoformat(ev["time_utc"])
                rel = f"T{(when - t_launch).total_seconds():+6.0f}s" if t_launch and ev["track"] else " " * 8
                text = ev["text"]
                if ev["kind"].startswith("sensor."):  # on the flight's clock: when it last measured
                    measured = (ev.get("data") or {}).get("last_measured_utc")
                    if measured:
                        when = dt.datetime.fromisoformat(measured)
                        rel = f"T{(when - t_launch).total_seconds():+6.0f}s" if t_launch else " " * 8
                        text += "; last measured at this time"
                    else:
                        rel = "(now)   "
                print(f"  #{ev['number']:<4} {when.astimezone(JST):%H:%M:%S} JST {rel} {ev['kind']:<16} {text}",
                      flush=True)
    except httpx.HTTPError:
        return
    except Exception as exc:  # the demo must say why its timeline stopped
        print(f"  (timeline stopped: {type(exc).__name__}: {exc})", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/demo", help="Output folder (database, report).")
    ap.add_argument("--scenario", default="2022-10-04")
    ap.add_argument("--speed", type=float, default=10.0)
    ap.add_argument("--keep", action="store_true", help="Keep the server (and the finished picture) up for a "
                                                        "person to look at, until Ctrl-C.")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    db_url = f"sqlite:///{(out / 'live.sqlite').resolve()}"
    db = open_database(db_url)
    key = create_key(db, "admin", "demo-feed")
    token = make_token(signing_secret(db), "demo-operator", "operator", 8 * 3600 if args.keep else 3600)
    print(f"simulating {args.scenario} ...", flush=True)
    sim = measurement_dir(args.scenario, workdir=out / "simulated")
    lines = read_lines(sim)
    t_launch = lines[0].t_report.replace(second=0, microsecond=0) if lines else None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(out / "serve.log", "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen([sys.executable, "-m", "missilewatch.cli.app", "serve", "--db", db_url, "--port",
                               str(port), "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT,
                              env=dict(os.environ))
    stop = threading.Event()
    try:
        t0 = time.monotonic()
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() - t0 > 60:
                raise SystemExit(f"error: the server did not start (see {out / 'serve.log'})")
            time.sleep(0.2)
        print(f"missilewatch serve on {url} (started in {time.monotonic() - t0:.1f} s); feeding {len(lines)} "
              f"measurements from {len({fl.sensor_id for fl in lines})} sensors at {args.speed:g}x", flush=True)
        # The token rides in the address's fragment, which a browser never sends to a server.
        console = f"{url}/#token={token}"
        print(f"console (open in a browser on this machine): {console}", flush=True)
        seen = _Seen()
        printer = threading.Thread(target=_printer, args=(url, token, t_launch, stop, seen), daemon=True)
        printer.start()
        stats = Feeder(url, {"*": key}, speed=args.speed).run(lines)
        while httpx.get(f"{url}/v1/health", timeout=10).json()["queue_depth"]:
            time.sleep(0.2)
        last = httpx.post(f"{url}/v1/session/close", headers={"Authorization": f"Bearer {token}"},
                          timeout=60).json()["last_event"]
        deadline = time.monotonic() + 30
        while seen.number < last and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        print(f"fed in {stats.wall_s:.0f} s: {stats.total('accepted')} accepted, {stats.total('rejected')} rejected, "
              f"{stats.retries} retries; {last} events", flush=True)
        auth = {"Authorization": f"Bearer {token}"}
        alerts = httpx.get(f"{url}/v1/alerts", headers=auth, timeout=30).json()["alerts"]
        print("alerts sent (CAP 1.2 at /v1/alerts/<id>.xml, feed at /v1/alerts/feed.atom):")
        for a in alerts:
            print(f"  {a['identifier']:<24} {a['msg_type']:<7} {a['state']:<9} {', '.join(a['regions']) or '-'}")
        metrics = httpx.get(f"{url}/metrics", headers=auth, timeout=30).text
        for line in metrics.splitlines():
            if line.startswith(("missilewatch_alert_latency_seconds_sum", "missilewatch_alert_latency_seconds_count",
                                "missilewatch_event_latency_seconds_count")):
                print(f"  {line}")
    finally:
        stop.set()
        code = 0
        if not args.keep or sys.exc_info()[0] is not None:  # KEEP=1: up until Ctrl-C, below
            server.terminate()
            code = server.wait(30)
    received = out / "received"
    received.mkdir()
    with db.session() as s:
        rows = s.query(ServiceMeasurement.raw).filter(ServiceMeasurement.accepted.is_(True)).order_by(
            ServiceMeasurement.id).all()
    (received / "measurements.jsonl").write_text("".join(r[0] + "\n" for r in rows), encoding="utf-8")
    for name in ("truth.parquet", "scenario.yaml"):
        if (sim / name).is_file():
            shutil.copy(sim / name, received / name)
    db.dispose()
    print(f"writing the report from the {len(rows)} stored measurements (batch watch) ...", flush=True)
    summary = report_from_received(received, out / "report", JST)
    live = [(a["msg_type"], a["regions"], a["sent_utc"]) for a in alerts]
    batch = [(t, list(r), s) for t, r, s in summary["batch_alerts"]]
    print(f"live and batch watch agree on the alerts: {'yes' if live == batch else 'NO'} ({len(live)} messages)")
    for la in summary.get("launch_details", []):
        print(f"  {la['launch_id']}: first alert {la.get('first_alert_s')}, impact error "
              f"{la.get('impact_error_km')} km, footprint holds truth: {la.get('footprint_contains_truth')}")
    print(f"report: {summary['report']}")
    if args.keep:
        print(f"the server stays up with the finished picture: {console}  (Ctrl-C to stop)", flush=True)
        try:
            server.wait()
        except KeyboardInterrupt:
            server.terminate()
        code = server.wait(30)
    log.close()
    print(f"server stopped (exit {code})")
    return 0 if live == batch and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
