"""Three allied nodes (JPN, ROK, US) as three real ``serve --node`` processes on 127.0.0.1,
each fed its own sensors of the 2022-10-04 flight by ``feed`` at 20x on one clock, and a JPN
node alone (same sensors, no partners) for comparison. The JPN-US path runs through a proxy
that is cut for two minutes of flight time mid-flight, then restored."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
import xml.etree.ElementTree as ET
from collections import Counter

import httpx
import pytest

from missilewatch.allied.livenet import Network, NodeProc
from missilewatch.allied.outbox import measured_place
from missilewatch.allied.peers import load_peers
from missilewatch.allied.sharing import MEASUREMENT, note_position, share
from missilewatch.allied.threenode import NODES
from missilewatch.service import eventlog
from missilewatch.service.app import open_database
from missilewatch.store.models import AlliedInbox, ServiceMeasurement
from tests.service.conftest import STARTED

SPEED = 20.0
CUT_AT_S, CUT_FOR_S = 200.0, 120.0  # flight seconds after the first record: the JPN-US link is cut
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("allied-three-nodes")]


def _history(node: NodeProc, headers=None) -> list[dict]:
    out, after = [], 0
    while True:
        page = node.get("/v1/events/history", headers, after=after, limit=1000).json()["events"]
        out += page
        if len(page) < 1000:
            return out
        after = page[-1]["number"]


@pytest.fixture(scope="module")
def net(tmp_path_factory, flight_dir):
    network = Network(tmp_path_factory.mktemp("allied"))
    nodes, px = network.nodes, network.proxies
    try:
        network.start()
        STARTED.extend(n.proc for n in network.everyone)  # killed by PID if the module fails half-way
        t0 = network.feed(flight_dir, SPEED)
        samples: list[dict] = []
        cut: dict = {"during": None, "cot": None}
        cut_from, cut_to = t0 + CUT_AT_S / SPEED, t0 + (CUT_AT_S + CUT_FOR_S) / SPEED
        while network.feeding():
            now = time.monotonic()
            if cut_from <= now < cut_to and not px[("JPN", "US")].is_cut:
                for p in px.values():
                    p.cut()
                cut["events_at_cut"] = {n: nd.health()["last_event"] for n, nd in nodes.items()}
            if now >= cut_to and px[("JPN", "US")].is_cut:
                cut["during"] = {n: nd.get("/v1/allied/status").json() for n, nd in nodes.items()}
                cut["events_before_restore"] = {n: nd.health()["last_event"] for n, nd in nodes.items()}
                for p in px.values():
                    p.restore()
            samples.append({n: nd.get("/v1/allied/picture").json()["tracks"] for n, nd in nodes.items()})
            if cut["cot"] is None and samples[-1]["JPN"]:
                cut["cot"] = _read_cot(nodes["JPN"])
            time.sleep(0.5)
        outs = network.feed_results()
        st = network.settle()
        yield {"nodes": nodes, "alone": network.alone, "feeds": outs, "samples": samples, "cut": cut,
               "files": network.files, "status": st}
    finally:
        network.stop()


def _read_cot(node: NodeProc) -> list[ET.Element]:
    port = node.get("/v1/allied/status").json()["cot_port"]
    buf = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.settimeout(5)
        while b"</event>" not in buf:
            buf += s.recv(65536)
    text = buf.decode()
    return [ET.fromstring(chunk + "</event>") for chunk in text.split("</event>")[:-1] if chunk.strip()]


def _first_aomori(node: NodeProc) -> dt.datetime:
    alerts = node.get("/v1/alerts").json()["alerts"]
    return min(dt.datetime.fromisoformat(a["sent_utc"]) for a in alerts if "Aomori" in a["regions"])


def test_feeds_delivered_everything(net):
    for out in net["feeds"]:
        assert out["failed"] == [] and out["rejected"] == 0 and out["accepted"] == out["sent"] > 0
        assert out["late_start_s"] < 1.0  # all four on one clock


def test_jpn_warns_aomori_earlier_with_partners(net):
    with_p, alone = _first_aomori(net["nodes"]["JPN"]), _first_aomori(net["alone"])
    lead = (alone - with_p).total_seconds()
    print(f"JPN first Aomori alert: with partners {with_p.time()}, alone {alone.time()} ({lead:+.1f} s)")
    assert lead >= 3.0


def _footprints(node: NodeProc) -> list[tuple[dt.datetime, float]]:
    return [(dt.datetime.fromisoformat(e["data"]["t_utc"]), e["data"]["semi_major_km"])
            for e in _history(node) if e["kind"] == "prediction"]


def _first_below(fps: list[tuple[dt.datetime, float]], km: float) -> dt.datetime | None:
    return min((t for t, a in fps if a <= km), default=None)


def test_footprints_small_sooner_with_partners(net):
    with_p, alone = _footprints(net["nodes"]["JPN"]), _footprints(net["alone"])
    assert with_p and alone
    for km in (1000, 100, 50, 20):
        a, b = _first_below(with_p, km), _first_below(alone, km)
        print(f"footprint semi-major first under {km} km: with partners {a and a.time()}, alone {b and b.time()}")
    assert with_p[0][0] < alone[0][0]  # a first prediction sooner (US infrared sees the boost)
    # A footprint short enough to warn from (1,000 km) no later; shorter thresholds are reached
    # at the watch's reassessment cadence (30 s), too coarse to compare two live runs on.
    a1000, b1000 = _first_below(with_p, 1000), _first_below(alone, 1000)
    assert a1000 is not None and b1000 is not None and a1000 <= b1000
    # Once both are small, sharing makes them no worse (the same flight, more sensors).
    assert with_p[-1][1] <= alone[-1][1] * 1.05


def test_one_track_per_missile_on_every_node(net):
    seen = Counter()
    for s in net["samples"]:
        for n, tracks in s.items():
            assert len(tracks) <= 1, (n, [t["provenance"] for t in tracks])  # never two tracks of the one missile
            seen[n] += len(tracks) == 1
    assert all(seen[n] > 5 for n in NODES), seen
    # ROK's picture fuses its own track with those of JPN and the US (provenance of each)
    nodes_in = {p["node"] for s in net["samples"] for t in s["ROK"] for p in t["provenance"]}
    assert nodes_in == {"ROK", "JPN", "US"}
    assert {p["node"] for s in net["samples"] for t in s["US"] for p in t["provenance"]} >= {"US", "JPN"}
    confirmed = [t for t in net["nodes"]["JPN"].get("/v1/tracks").json()["tracks"] if t.get("confirmed_utc")]
    assert len(confirmed) == 1


def test_link_cut_each_works_alone_then_catches_up(net):
    cut = net["cut"]
    assert cut["during"] is not None, "the cut did not happen during the feed"
    states = {(n, lk["peer"]): lk["state"] for n, s in cut["during"].items() for lk in s["links_out"]}
    assert states[("JPN", "US")] == "down" and states[("US", "JPN")] == "down"
    assert states[("JPN", "ROK")] == "up" and states[("ROK", "US")] == "up"
    for n in ("JPN", "US"):  # each kept working alone
        assert cut["events_before_restore"][n] > cut["events_at_cut"][n]
    final = net["status"]
    for n, s in final.items():
        for lk in s["links_out"]:
            assert lk["state"] == "up" and lk["queued"] == 0, (n, lk)
    jpn, us = net["nodes"]["JPN"], net["nodes"]["US"]
    assert jpn.get("/v1/allied/received/US").json()["last_seq"] == us.get("/v1/allied/sent/JPN").json()["queued"]
    assert us.get("/v1/allied/received/JPN").json()["last_seq"] == jpn.get("/v1/allied/sent/US").json()["queued"]
    assert next(lk for lk in final["JPN"]["links_out"] if lk["peer"] == "US")["connects"] >= 2


def _canon(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def test_each_node_received_exactly_what_its_terms_allow(net):
    nodes, files = net["nodes"], net["files"]
    dbs = {n: open_database(nd.db_url) for n, nd in nodes.items()}
    try:
        for sender in NODES:
            peers = load_peers(files[sender], sender)
            events = eventlog.events_after(dbs[sender], 0, 10**9)
            with dbs[sender].session() as s:
                ms = s.query(ServiceMeasurement.raw, ServiceMeasurement.sensor_id, ServiceMeasurement.time_utc,
                             ServiceMeasurement.principal).filter(ServiceMeasurement.accepted.is_(True)) \
                    .order_by(ServiceMeasurement.id).all()
            for receiver, peer in peers.peers.items():
                positions: dict = {}
                expected = Counter()
                for ev in events:
                    note_position(positions, ev)
                    out = share(ev, peer.terms, positions.get(ev.get("track") or ""))
                    if out is not None:
                        expected[(out["kind"], _canon(out))] += 1
                for raw, sensor, t, principal in ms:
                    if principal == f"node:{receiver}":
                        continue
                    place = measured_place(raw) if peer.terms.area is not None else None
                    msg = {"kind": MEASUREMENT, "sensor": sensor, "time_utc": t.isoformat() if t else None, "line": raw,
                           "position": list(place) if place else None}
                    out = share(msg, peer.terms, None)
                    if out is not None:
                        expected[("measurement-line", json.loads(out["line"])["sensor_id"], out["line"])] += 1
                got = Counter()
                with dbs[receiver].session() as s:
                    for r in s.query(AlliedInbox).filter(AlliedInbox.peer == sender):
                        got[(r.kind, _canon(r.payload))] += 1
                    for (raw, sensor) in s.query(ServiceMeasurement.raw, ServiceMeasurement.sensor_id).filter(
                            ServiceMeasurement.principal == f"node:{sender}"):
                        got[("measurement-line", sensor, raw)] += 1
                missing, extra = expected - got, got - expected
                assert not missing and not extra, (sender, receiver, list(missing)[:3], list(extra)[:3])
                kinds = {k[0] for k in got}
                if peer.terms.mode == "measurements":
                    assert {k[1] for k in got if k[0] == "measurement-line"} <= peer.terms.sensors
                    assert not any(k.startswith("track.") for k in kinds)
                else:
                    assert "measurement-line" not in kinds
                assert got, (sender, receiver)
    finally:
        for db in dbs.values():
            db.dispose()


def test_partner_tokens_obey_the_terms_on_rest_and_events(net):
    jpn, us = net["nodes"]["JPN"], net["nodes"]["US"]
    assert jpn.get("/v1/events/history", jpn.partner["test-partner"]).status_code == 403
    assert jpn.get("/v1/alerts", jpn.partner["test-partner"]).status_code == 403
    rok_view = _history(jpn, jpn.partner["ROK"])  # JPN -> ROK: tracks, 1 km grid
    assert {e["kind"] for e in rok_view} >= {"track.updated", "prediction", "alert.issued"}
    assert not {e["kind"] for e in rok_view} & {"sensor.stale", "measurement.rejected", "prediction.note"}
    g = 1.0 / 111.32
    for e in rok_view:
        if e["kind"] == "track.updated":
            assert abs(e["data"]["lat_deg"] / g - round(e["data"]["lat_deg"] / g)) < 1e-6
    us_view = _history(jpn, jpn.partner["US"])  # JPN -> US: tracks inside 24-50 N, 128-155 E
    assert us_view and all(24 <= e["data"]["lat_deg"] <= 50 and 128 <= e["data"]["lon_deg"] <= 155
                           for e in us_view if e["kind"] == "track.updated")
    full = [e for e in _history(jpn) if e["kind"] == "track.updated"]
    assert len([e for e in us_view if e["kind"] == "track.updated"]) < len(full)  # some were outside
    jpn_at_us = _history(us, us.partner["JPN"])  # US -> JPN: measurements (so no tracks on the API)
    assert jpn_at_us and not any(e["kind"].startswith("track.") for e in jpn_at_us)
    assert jpn.get("/v1/alerts", jpn.partner["ROK"]).json()["alerts"]
    with httpx.stream("GET", f"{jpn.url}/v1/events", headers=jpn.partner["ROK"], timeout=10) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data:"):
                snap = json.loads(line[5:])
                assert snap["kind"] == "snapshot" and "tracks" not in snap["data"]
                break


def test_cot_over_tcp(net):
    docs = net["cut"]["cot"]
    assert docs, "no Cursor-on-Target received while a track was live"
    tracks = [d for d in docs if d.get("type") == "a-h-A-W-M-S-S"]
    assert tracks and tracks[0].get("uid").startswith("missilewatch.JPN.F-")
    pt = tracks[0].find("point")
    assert 20 < float(pt.get("lat")) < 50 and 110 < float(pt.get("lon")) < 180 and float(pt.get("ce")) > 0
    for fp in (d for d in docs if d.get("type") == "u-d-c-e"):
        assert float(fp.find("detail/shape/ellipse").get("major")) > 0


def test_audit_chains_hold_and_record_what_went_to_whom(net):
    from missilewatch.service.audit import verify_chain
    from missilewatch.store.models import AuditEntry

    for n, nd in net["nodes"].items():
        db = open_database(nd.db_url)
        try:
            assert verify_chain(db).ok
            with db.session() as s:
                shared = s.query(AuditEntry).filter(AuditEntry.action == "share").all()
                assert {e.actor for e in shared} == {f"node:{p}" for p in NODES if p != n}
                assert sum(len(e.detail["queued"]) for e in shared) == sum(
                    nd.get(f"/v1/allied/sent/{p}").json()["queued"] for p in NODES if p != n)
        finally:
            db.dispose()
