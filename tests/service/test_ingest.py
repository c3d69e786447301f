"""Measurements in over HTTP and WebSocket on a real server: per-record answers after commit,
re-posts ignored, bad records named and counted, limits (413/429), a clean SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time

import httpx
import pytest
import websockets

from .conftest import new_server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    srv, creds = new_server(tmp_path_factory.mktemp("ingest"), "live", "--max-records", "100",
                            "--max-body-mb", "0.06", "--sensor-rate", "5")
    srv.start()
    srv.creds = creds
    yield srv
    srv.stop()


def _post(srv, lines, who="admin_key", content_type="application/x-ndjson", body=None):
    body = body if body is not None else "\n".join(lines)
    return httpx.post(f"{srv.url}/v1/measurements", content=body, timeout=30,
                      headers=srv.creds.h(who) | {"Content-Type": content_type})


def _metric(srv, name: str, **labels) -> float:
    text = httpx.get(f"{srv.url}/metrics", headers=srv.creds.h("operator"), timeout=10).text
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()) or \
                (not want and line.startswith(name + " ")):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_array_and_json_lines_answered_per_record_and_reposts_ignored(limited, flight_lines):
    lines = [fl.line for fl in flight_lines[:6]]
    r = _post(limited, None, content_type="application/json", body="[" + ",".join(lines) + "]")
    assert r.status_code == 200, r.text
    a = r.json()
    assert (a["accepted"], a["duplicate"], a["rejected"]) == (6, 0, 0)
    ids = [x["record_id"] for x in a["results"]]
    assert len(set(ids)) == 6
    # The same records again, as JSON Lines with other key order and spacing: nothing added.
    again = [json.dumps(dict(reversed(list(json.loads(ln).items()))), indent=None) for ln in lines]
    b = _post(limited, again).json()
    assert (b["accepted"], b["duplicate"]) == (0, 6)
    assert [x["record_id"] for x in b["results"]] == ids
    assert _metric(limited, "missilewatch_measurements_total", result="duplicate") >= 6


def test_bad_records_named_counted_and_the_rest_accepted(limited, flight_lines):
    good = flight_lines[10].line
    bad_cov = json.loads(flight_lines[11].line)
    bad_cov["covariance"][0][0] = -1.0
    no_sensor = json.loads(flight_lines[12].line)
    del no_sensor["sensor_id"]
    r = _post(limited, [good, json.dumps(bad_cov), "{not json", json.dumps(no_sensor), "[1, 2]"])
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["accepted", "rejected", "rejected", "rejected", "rejected"]
    assert "covariance" in res[1]["reason"]
    assert "record 2" in res[2]["reason"] and "not JSON" in res[2]["reason"]
    assert "sensor_id" in res[3]["reason"]
    assert "JSON object" in res[4]["reason"]
    all_bad = _post(limited, [json.dumps(bad_cov)])
    assert all_bad.status_code == 422 and "covariance" in all_bad.json()["error"]
    broken = _post(limited, None, content_type="application/json", body="[{\"a\": 1},")
    assert broken.status_code == 422 and "JSON array" in broken.json()["error"]
    assert _metric(limited, "missilewatch_measurements_total", result="rejected") >= 5
    assert limited.health()["status"] == "ok"


def test_sensor_key_posts_only_for_its_own_sensors(limited, flight_lines):
    own = next(fl.line for fl in reversed(flight_lines) if fl.sensor_id == "shariki-tpy2")
    other = next(fl.line for fl in flight_lines if fl.sensor_id == "aegis-soj")
    assert _post(limited, [own], who="sensor").json()["accepted"] == 1
    r = _post(limited, [other], who="sensor")
    assert r.status_code == 403 and "aegis-soj" in r.json()["error"]
    for role in ("operator", "analyst", "partner"):
        assert _post(limited, [own], who=role).status_code == 403


def test_limits_answer_413_and_429_and_keep_what_was_accepted(limited, flight_lines):
    too_many = ["{}"] * 101
    r = _post(limited, too_many)
    assert r.status_code == 413 and "101 records" in r.json()["error"]
    big = "\n".join(fl.line for fl in flight_lines[:100])  # ~100 KB > 0.06 MiB
    r = _post(limited, None, body=big)
    assert r.status_code == 413 and "limit" in r.json()["error"]
    # Rate: 5 records/s per sensor with a burst of 100; one sensor's records sent fast.
    mine = [fl.line for fl in flight_lines if fl.sensor_id == "sado-fps5"][:240]
    first = _post(limited, mine[:40])
    assert first.status_code == 200
    codes = [_post(limited, mine[i:i + 40]).status_code for i in range(40, 240, 40)]
    assert 429 in codes
    r429 = next(c for c in codes if c == 429)
    assert r429 == 429
    again = _post(limited, mine[:40]).json()
    assert again["duplicate"] == 40  # what was accepted before the 429 stays accepted
    assert _metric(limited, "missilewatch_requests_refused_total", reason="rate_limited") >= 1
    assert _metric(limited, "missilewatch_requests_refused_total", reason="body_too_large") >= 1


def test_websocket_ingest_acknowledges_each_batch_after_commit(limited, flight_lines):
    mine = [fl.line for fl in flight_lines if fl.sensor_id == "ominato-fps5"][-15:]
    batches = [mine[5 * i:5 * i + 5] for i in range(3)]

    async def go():
        url = limited.url.replace("http", "ws") + "/v1/measurements/ws"
        async with websockets.connect(url, subprotocols=["missilewatch.v1", f"bearer.{limited.creds.admin_key}"]) as ws:
            assert ws.subprotocol == "missilewatch.v1"
            acks = []
            for b in batches:
                await ws.send("\n".join(b))
            for _ in batches:
                acks.append(json.loads(await ws.recv()))
            await ws.send("[" + batches[0][0] + "]")
            acks.append(json.loads(await ws.recv()))
            await ws.send("garbage")
            acks.append(json.loads(await ws.recv()))
            return acks

    acks = asyncio.run(go())
    assert [a["batch"] for a in acks] == [1, 2, 3, 4, 5]
    assert [a["accepted"] for a in acks[:3]] == [5, 5, 5]
    assert acks[3]["duplicate"] == 1
    assert acks[4]["status"] == 422 and "record 0" in acks[4]["error"]


def test_websocket_ingest_refuses_bad_credentials(limited):
    async def go(protocols):
        url = limited.url.replace("http", "ws") + "/v1/measurements/ws"
        async with websockets.connect(url, subprotocols=protocols):
            pass

    with pytest.raises(websockets.InvalidStatus) as e401:
        asyncio.run(go(["missilewatch.v1", "bearer.mwk_000000000000_nope"]))
    assert e401.value.response.status_code == 401
    with pytest.raises(websockets.InvalidStatus) as e403:
        asyncio.run(go(["missilewatch.v1", f"bearer.{limited.creds.tokens['analyst']}"]))
    assert e403.value.response.status_code == 403


def test_sigterm_stops_cleanly_with_open_event_streams(tmp_path, flight_lines):
    srv, creds = new_server(tmp_path)
    srv.creds = creds
    srv.start()
    _post(srv, [fl.line for fl in flight_lines[:20]])
    got: list[str] = []

    def sse():
        try:
            with httpx.stream("GET", f"{srv.url}/v1/events", headers=creds.h("operator"), timeout=30) as r:
                for line in r.iter_lines():
                    got.append(line)
        except httpx.HTTPError:
            pass

    async def ws_hold():
        url = srv.url.replace("http", "ws") + "/v1/events"
        protocols = ["missilewatch.v1", f"bearer.{creds.tokens['operator']}"]
        async with websockets.connect(url, subprotocols=protocols) as ws:
            try:
                while True:
                    await ws.recv()
            except websockets.ConnectionClosed:
                return

    t1 = threading.Thread(target=sse, daemon=True)
    t2 = threading.Thread(target=lambda: asyncio.run(ws_hold()), daemon=True)
    t1.start()
    t2.start()
    time.sleep(1.5)
    assert any(line.startswith("event: snapshot") for line in got)
    t0 = time.monotonic()
    code = srv.stop(signal.SIGTERM, timeout=15)
    assert code == 0
    assert time.monotonic() - t0 < 10
    t1.join(5)
    t2.join(5)
    assert not t1.is_alive() and not t2.is_alive()
    assert "missilewatch service stopped" in srv.log_path.read_text()
