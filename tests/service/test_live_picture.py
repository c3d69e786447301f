"""The picture out on a real server fed the first 150 s of the 2022-10-04 flight: events over
SSE and WebSocket (snapshot for a late joiner, resume by number, partners' view, sensor
staleness), REST (tracks, alerts, CAP XML, texts, the Atom CAP feed, launches, metrics) and
every role tried on what it may not do."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

import capvalidator
import httpx
import pytest
import websockets

from .conftest import cli_env, new_server

pytestmark = pytest.mark.timeout(180)
ATOM = "{http://www.w3.org/2005/Atom}"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


class SSEClient(threading.Thread):
    """Reads server-sent events into ``events`` (dicts) until told to stop."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.events, self.done = url, headers, [], threading.Event()

    def run(self) -> None:
        try:
            with httpx.stream("GET", self.url, headers=self.headers, timeout=httpx.Timeout(60, read=None)) as r:
                self.status = r.status_code
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        self.events.append(json.loads(line[6:]))
                    if self.done.is_set():
                        return
        except httpx.HTTPError:
            return


def sse_events(url: str, headers: dict, until, timeout: float = 30.0) -> list[dict]:
    c = SSEClient(url, headers)
    c.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not until(c.events):
        time.sleep(0.1)
    c.done.set()
    return c.events


@pytest.fixture(scope="module")
def fed(tmp_path_factory, flight_lines):
    from .conftest import REPO_SHARED_CNS

    tmp = tmp_path_factory.mktemp("picture")
    srv, creds = new_server(tmp, "live", "--stale-min-s", "3", "--keepalive-s", "1")
    srv.creds = creds
    if REPO_SHARED_CNS.is_file():
        subprocess.run([sys.executable, "-m", "missilewatch.cli.app", "--db", srv.db_url, "archive", "import-cns",
                        str(REPO_SHARED_CNS)], check=True, capture_output=True, env=cli_env())
    srv.start()
    early = SSEClient(f"{srv.url}/v1/events", creds.h("operator"))
    early.start()
    t0 = flight_lines[0].t_report
    lines = [fl for fl in flight_lines if (fl.t_report - t0).total_seconds() < 150]
    # In report order on one connection, so the watch sees what a batch replay sees.
    for i in range(0, len(lines), 25):
        r = httpx.post(f"{srv.url}/v1/measurements", content="\n".join(fl.line for fl in lines[i:i + 25]),
                       headers=creds.h("admin_key"), timeout=30)
        assert r.json()["accepted"] == len(lines[i:i + 25])
    srv.wait_idle()
    srv.early = early
    srv.fed_lines = lines
    yield srv
    early.done.set()
    srv.stop()


def test_events_numbered_from_a_snapshot_and_resumable(fed):
    last = fed.health()["last_event"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not fed.early.events or fed.early.events[-1]["number"] < last):
        time.sleep(0.1)
    evs = fed.early.events
    assert evs[0]["kind"] == "snapshot" and evs[0]["number"] == 0
    numbers = [e["number"] for e in evs[1:]]
    assert numbers == list(range(1, len(numbers) + 1))  # an operator sees every event, in order
    kinds = {e["kind"] for e in evs}
    assert {"session.opened", "track.initiated", "launch", "track.confirmed", "track.updated", "prediction",
            "decision", "alert.issued"} <= kinds
    pred = next(e for e in evs if e["kind"] == "prediction" and e["data"]["boost_probability"] < 0.5)["data"]
    assert len(pred["footprint_polygon"]) == 37 and pred["range_class"] and pred["trajectory_type"]
    assert pred["overflown"] and "enter_utc" in pred["overflown"][0]
    # A late joiner: the picture at once, then live.
    snap = sse_events(f"{fed.url}/v1/events", fed.creds.h("operator"), lambda e: len(e) >= 1)[0]
    assert snap["kind"] == "snapshot" and snap["number"] == last
    tracks = {t["id"]: t for t in snap["data"]["tracks"]}
    assert tracks["T1"]["confirmed_utc"] and tracks["T1"]["prediction"]["impact_lat_deg"] > 30
    assert [a["state"] for a in snap["data"]["alerts"]] == ["issued"]
    assert "Aomori" in snap["data"]["alerts"][0]["regions"]
    assert snap["data"]["history"][-1]["number"] == last
    # Resume with Last-Event-ID: exactly the events after it.
    k = last // 2
    resumed = sse_events(f"{fed.url}/v1/events", fed.creds.h("operator") | {"Last-Event-ID": str(k)},
                         lambda e: e and e[-1]["number"] >= last)
    assert [e["number"] for e in resumed] == list(range(k + 1, last + 1))
    assert [e["kind"] for e in resumed] == [e["kind"] for e in evs if k < e["number"] <= last]


def test_websocket_events_with_a_ticket_and_resume(fed):
    last = fed.health()["last_event"]
    ticket = httpx.post(f"{fed.url}/v1/tickets", headers=fed.creds.h("operator")).json()["ticket"]

    async def go(protocols, since):
        url = fed.url.replace("http", "ws") + f"/v1/events?last_event_id={since}"
        got = []
        async with websockets.connect(url, subprotocols=protocols) as ws:
            assert ws.subprotocol == "missilewatch.v1"
            while not got or got[-1]["number"] < last:
                got.append(json.loads(await asyncio.wait_for(ws.recv(), 20)))
        return got

    got = asyncio.run(go(["missilewatch.v1", f"ticket.{ticket}"], last - 5))
    assert [e["number"] for e in got] == list(range(last - 4, last + 1))
    with pytest.raises(websockets.InvalidStatus) as used:  # a ticket is good once
        asyncio.run(go(["missilewatch.v1", f"ticket.{ticket}"], 0))
    assert used.value.response.status_code == 401
    got = asyncio.run(go(["missilewatch.v1", f"bearer.{fed.creds.tokens['admin']}"], last - 1))
    assert [e["number"] for e in got] == [last]


def test_partner_gets_alerts_and_predictions_only(fed):
    last = fed.health()["last_event"]
    evs = sse_events(f"{fed.url}/v1/events?last_event_id=0", fed.creds.h("partner"),
                     lambda e: {"alert.issued", "prediction", "decision"} <= {x["kind"] for x in e}, timeout=10)
    assert all(e["number"] <= last for e in evs)
    kinds = {e["kind"] for e in evs}
    assert "alert.issued" in kinds and "prediction" in kinds
    assert not kinds & {"track.updated", "track.initiated", "sensor.stale", "measurement.rejected"}
    snap = httpx.get(f"{fed.url}/v1/snapshot", headers=fed.creds.h("partner")).json()["data"]
    assert "tracks" not in snap and "sensors" not in snap and snap["predictions"]
    hist = httpx.get(f"{fed.url}/v1/events/history?after=0&limit=1000", headers=fed.creds.h("partner")).json()
    assert {e["kind"] for e in hist["events"]} <= kinds | {"decision", "launch", "impact"}
    # Decisions made before the watch may warn (boost phase) say so; the one the alert came from does not.
    first_alert = min(e["number"] for e in hist["events"] if e["kind"] == "alert.issued")
    decisions = [e for e in hist["events"] if e["kind"] == "decision"]
    early = [e for e in decisions if not e["data"]["warned_from"]]
    assert early and all("provisional" in e["text"] and " warn " not in e["text"] for e in early)
    assert any(e["data"]["warned_from"] and e["number"] < first_alert for e in decisions)


def test_sensor_goes_stale_and_comes_back(fed, flight_lines):
    def stale(e):
        return any(x["kind"] == "sensor.stale" and x["data"]["sensor"] == "shariki-tpy2" for x in e)

    evs = sse_events(f"{fed.url}/v1/events?last_event_id=0", fed.creds.h("operator"), stale, timeout=40)
    assert stale(evs), "shariki-tpy2 never reported stale"
    t0 = flight_lines[0].t_report
    # When it last measured, on the flight's clock (not the wall clock the silence is timed on).
    went = next(x for x in evs if stale([x]))["data"]
    measured = dt.datetime.fromisoformat(went["last_measured_utc"])
    sent = [fl.t_report for fl in flight_lines if fl.sensor_id == "shariki-tpy2"]
    assert t0 - dt.timedelta(seconds=60) <= measured <= max(sent), went
    later = next(fl.line for fl in flight_lines if fl.sensor_id == "shariki-tpy2"
                 and (fl.t_report - t0).total_seconds() >= 150)
    r = httpx.post(f"{fed.url}/v1/measurements", content=later, headers=fed.creds.h("sensor"))
    assert r.json()["accepted"] == 1
    last = evs[-1]["number"]
    back = sse_events(f"{fed.url}/v1/events?last_event_id={last}", fed.creds.h("operator"),
                      lambda e: any(x["kind"] == "sensor.fresh" for x in e), timeout=20)
    assert any(x["kind"] == "sensor.fresh" and x["data"]["sensor"] == "shariki-tpy2" for x in back)
    snap = httpx.get(f"{fed.url}/v1/snapshot", headers=fed.creds.h("operator")).json()["data"]
    assert {s["sensor"]: s["state"] for s in snap["sensors"]}["shariki-tpy2"] == "fresh"


def test_tracks_alerts_cap_texts_and_the_cap_feed(fed):
    h = fed.creds.h("operator")
    tracks = httpx.get(f"{fed.url}/v1/tracks", headers=h).json()["tracks"]
    t1 = next(t for t in tracks if t["id"] == "T1")
    assert t1["state"] == "live", t1
    assert t1["decision"]["impact_zone"] in ("eez", "high_seas")
    one = httpx.get(f"{fed.url}/v1/tracks/T1", headers=h).json()
    assert len(one["positions"]) > 10 and one["predictions"]
    assert httpx.get(f"{fed.url}/v1/tracks/T999", headers=h).status_code == 404
    assert httpx.get(f"{fed.url}/v1/tracks/bogus", headers=h).status_code == 422
    alerts = httpx.get(f"{fed.url}/v1/alerts", headers=h).json()["alerts"]
    assert [a["msg_type"] for a in alerts] == ["Alert"] and alerts[0]["identifier"] == "missilewatch-S1-T1-1"
    ident = alerts[0]["identifier"]
    xml = httpx.get(f"{fed.url}/v1/alerts/{ident}.xml", headers=h)
    assert xml.headers["content-type"].startswith("application/cap+xml")
    check = capvalidator.validate_cap_message(xml.content, strict=False)
    assert check.passed, check.message
    assert ET.fromstring(xml.content).findtext(f"{CAP}identifier") == ident
    ja = httpx.get(f"{fed.url}/v1/alerts/{ident}.txt?lang=ja", headers=h).text
    assert "ミサイル" in ja
    assert "Missile launch" in httpx.get(f"{fed.url}/v1/alerts/{ident}.txt", headers=h).text
    assert httpx.get(f"{fed.url}/v1/alerts/{ident}.txt?lang=fr", headers=h).status_code == 422
    assert httpx.get(f"{fed.url}/v1/alerts/nope-1.xml", headers=h).status_code == 404
    feed = httpx.get(f"{fed.url}/v1/alerts/feed.atom", headers=fed.creds.h("partner"))
    root = ET.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed" and root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}updated")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(alerts)
    for entry in entries:
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link.get("type") == "application/cap+xml"
        cap = httpx.get(link.get("href"), headers=fed.creds.h("partner"))
        assert cap.status_code == 200 and capvalidator.validate_cap_message(cap.content, strict=False).passed
        assert entry.findtext(f"{ATOM}id").endswith(ET.fromstring(cap.content).findtext(f"{CAP}identifier"))


def test_launches_health_and_metrics(fed):
    from .conftest import REPO_SHARED_CNS

    launches = httpx.get(f"{fed.url}/v1/launches?year=2022", headers=fed.creds.h("analyst"))
    assert launches.status_code == 200
    if REPO_SHARED_CNS.is_file():
        rows = launches.json()
        assert rows and all(r["date"].startswith("2022") for r in rows)
        one = httpx.get(f"{fed.url}/v1/launches/{rows[0]['id']}", headers=fed.creds.h("analyst")).json()
        assert one["id"] == rows[0]["id"]
    assert httpx.get(f"{fed.url}/v1/launches?type=NOPE", headers=fed.creds.h("analyst")).status_code == 404
    assert httpx.get(f"{fed.url}/v1/launches/99999", headers=fed.creds.h("analyst")).status_code == 404
    h = fed.health()
    assert h["status"] == "ok" and h["database"] == "sqlite"
    text = httpx.get(f"{fed.url}/metrics", headers=fed.creds.h("admin")).text
    n = len(fed.fed_lines)
    accepted = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("missilewatch_measurements_total{") and 'result="accepted"' in line)
    assert n <= accepted <= n + 1  # + the record of the staleness test
    for name in ("missilewatch_events_total", "missilewatch_event_latency_seconds_bucket",
                 "missilewatch_alert_latency_seconds_count", "missilewatch_queue_depth"):
        assert name in text


ROLE_CASES = [
    # (method, path, roles that may, ...)
    ("GET", "/v1/tracks", {"operator", "analyst", "admin"}),
    ("GET", "/v1/tracks/T1", {"operator", "analyst", "admin"}),
    ("GET", "/v1/alerts", {"operator", "analyst", "partner", "admin"}),
    ("GET", "/v1/launches", {"operator", "analyst", "admin"}),
    ("GET", "/v1/snapshot", {"operator", "partner", "admin"}),
    ("GET", "/metrics", {"operator", "admin"}),
    ("GET", "/v1/keys", {"admin"}),
    ("GET", "/v1/audit/verify", {"admin"}),
    ("POST", "/v1/measurements", {"admin"}),  # people never post measurements; sensors: own ids only
]


@pytest.mark.parametrize(("method", "path", "allowed"), ROLE_CASES)
def test_every_role_on_what_it_may_not_do(fed, method, path, allowed):
    body = fed.fed_lines[0].line if method == "POST" else None
    assert httpx.request(method, f"{fed.url}{path}", content=body).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert httpx.request(method, f"{fed.url}{path}", content=body, headers=bad).status_code == 401
    expired = fed.creds.h("operator") | {"Authorization": f"Bearer {fed.creds.expired}"}
    time.sleep(0.0)
    for role in ("operator", "analyst", "partner", "admin", "sensor"):
        r = httpx.request(method, f"{fed.url}{path}", content=body, headers=fed.creds.h(role))
        if role in allowed:
            assert r.status_code == 200, (role, path, r.text)
        else:
            assert r.status_code == 403, (role, path, r.status_code)
            assert role in r.json()["error"] or "sensor" in r.json()["error"]
    r = httpx.request(method, f"{fed.url}{path}", content=body, headers=expired)
    assert r.status_code in (200, 401) if "operator" in allowed else r.status_code in (401, 403)


def test_the_audit_chain_records_reads_and_holds(fed):
    r = httpx.get(f"{fed.url}/v1/audit/verify", headers=fed.creds.h("admin")).json()
    assert r["ok"] and r["entries"] > 20
    from sqlalchemy import select

    from missilewatch.service.app import open_database
    from missilewatch.store.models import AuditEntry

    db = open_database(fed.db_url)
    with db.session() as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    actors = {(e.actor, e.action) for e in rows}
    assert ("test-operator", "read") in actors and ("test-admin", "ingest") in actors
    assert any(e.status == 403 and e.actor == "test-partner" for e in rows)
    assert any(e.actor == "anonymous" and e.status == 401 for e in rows)
    with pytest.raises(Exception, match="append-only"), db.session() as s:
        s.get(AuditEntry, 1).actor = "someone else"
    db.dispose()
    out = subprocess.run([sys.executable, "-m", "missilewatch.cli.app", "audit", "verify", "--db", fed.db_url],
                         capture_output=True, text=True, env=cli_env())
    assert out.returncode == 0 and "intact" in out.stdout


def test_quiet_streams_get_keepalives_and_stay_open(fed, flight_lines):
    """Quiet for several keepalive periods, then an event: both transports still deliver it."""
    last = fed.health()["last_event"]
    raw: list[str] = []
    done = threading.Event()

    def sse():
        with httpx.stream("GET", f"{fed.url}/v1/events?last_event_id={last}", headers=fed.creds.h("operator"),
                          timeout=httpx.Timeout(30, read=None)) as r:
            for line in r.iter_lines():
                raw.append(line)
                if done.is_set():
                    return

    async def ws_wait():
        url = fed.url.replace("http", "ws") + f"/v1/events?last_event_id={last}"
        protocols = ["missilewatch.v1", f"bearer.{fed.creds.tokens['admin']}"]
        got: list[dict] = []
        async with websockets.connect(url, subprotocols=protocols) as ws:
            # Until both a keepalive and an event after ``last`` (a sensor going stale may come
            # first, before any quiet second).
            while not (any(e.get("kind") == "keepalive" for e in got)
                       and any(e.get("number", 0) > last for e in got)):
                got.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
        return got

    result: dict = {}
    threads = [threading.Thread(target=sse, daemon=True),
               threading.Thread(target=lambda: result.update(ws=asyncio.run(ws_wait())), daemon=True)]
    for th in threads:
        th.start()
    time.sleep(3.5)  # several keepalive periods (1 s) without an event
    t0 = flight_lines[0].t_report
    more = [fl.line for fl in flight_lines if 150 <= (fl.t_report - t0).total_seconds() < 152]
    httpx.post(f"{fed.url}/v1/measurements", content="\n".join(more), headers=fed.creds.h("admin_key"), timeout=30)
    threads[1].join(30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(line.startswith("data: ") for line in raw):
        time.sleep(0.1)
    done.set()
    assert any(line.startswith(": keepalive") for line in raw)
    assert any(line.startswith("data: ") and json.loads(line[6:])["number"] > last for line in raw), \
        "the SSE stream closed while quiet"
    ws_got = result.get("ws") or []
    assert any(e.get("kind") == "keepalive" for e in ws_got)
    assert any(e.get("number", 0) > last for e in ws_got), "the WebSocket closed while quiet"
