"""Allied sharing, measured on the three-node network of the worked example (real ``serve --node``
processes on loopback, the 2022-10-04 flight fed at ``SPEED`` x real time on one clock, a JPN node
alone fed the same JPN sensors in the same run as the peer).

1. ``allied_warning_lead_<NODE>``: seconds from the first warning of Aomori known at the node to
   the missile over Aomori (22:28:00 UTC, Japan MOD's "07:28"): with sharing (its own alert, or a
   partner's alert message as it arrived over the link, its wall arrival mapped onto the data
   clock) against the node alone (its own watch on its own sensors; for JPN the JPN-alone node).
2. ``allied_footprint_jpn_t<S>s``: the JPN node's 95 % footprint semi-major axis (km) at S s
   after the first record, with sharing against alone (ratio: times smaller).
3. ``allied_link_latency_p50`` / ``_p99``: a link message from sent to confirmed (the partner has
   committed it), all links, during the run; peer: a bare WebSocket echo on loopback in the same
   process (no authentication, no storage).
4. ``allied_link_latency_quiet_p50`` / ``_p99``: the same on a fresh network with one node fed
   (the US sensors' records posted at ``QUIET_RATE`` per second): the US-JPN link (measurements)
   and the US-ROK link (tracks).
5. ``allied_tracks_only_warning_lead_JPN`` and ``allied_tracks_only_footprint_jpn_t<S>s``: as 1
   and 2 (JPN's own alert only) on a fresh network where ROK and the US send JPN tracks only
   (``threenode.TRACKS_ONLY``, fed at ``TRACKS_ONLY_SPEED``): what the partners' tracks alone
   bring to JPN's watch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import websockets

from missilewatch.allied.livenet import Network, first_report
from missilewatch.allied.threenode import TRACKS_ONLY
from missilewatch.service import eventlog
from missilewatch.service.app import open_database
from missilewatch.service.feed import measurement_dir
from missilewatch.store.models import AlliedInbox

SPEED = 20.0
#: The tracks-only network runs at 10x: a partner's track reaches JPN's watch after two services
#: and a link (about 0.5 s of wall time on a loaded 2-core machine), 10 s of flight time at 20x
#: at the end of boost, where the result then swings with the load (+1.5 to +22 s in five runs).
TRACKS_ONLY_SPEED = 10.0
QUIET_RATE = 50.0  # records per second
OVER_AOMORI = dt.datetime(2022, 10, 3, 22, 28, 0, tzinfo=dt.UTC)
FOOTPRINT_AT_S = (120.0, 150.0, 180.0, 240.0)


def _own_warning(db_url: str) -> dt.datetime | None:
    db = open_database(db_url)
    try:
        times = [dt.datetime.fromisoformat(e["data"]["sent_utc"]) for e in eventlog.events_after(db, 0, 10**9,
                 ("alert.issued", "alert.updated")) if "Aomori" in e["data"]["regions"]]
        return min(times, default=None)
    finally:
        db.dispose()


def _received_warning(db_url: str, clock: dt.datetime, start_unix: float) -> dt.datetime | None:
    db = open_database(db_url)
    try:
        with db.session() as s:
            rows = [r for r in s.query(AlliedInbox).filter(AlliedInbox.kind.in_(("alert.issued", "alert.updated")))
                    if "Aomori" in (r.payload.get("data") or {}).get("regions", [])]
        # the data time when it arrived (the feeds play data time ``clock`` at ``start_unix``)
        return min((clock + dt.timedelta(seconds=(r.received.timestamp() - start_unix) * SPEED) for r in rows),
                   default=None)
    finally:
        db.dispose()


def _footprints(db_url: str) -> list[tuple[dt.datetime, float]]:
    db = open_database(db_url)
    try:
        return [(dt.datetime.fromisoformat(e["data"]["t_utc"]), float(e["data"]["semi_major_km"]))
                for e in eventlog.events_after(db, 0, 10**9, ("prediction",))]
    finally:
        db.dispose()


def _at(fps: list[tuple[dt.datetime, float]], t: dt.datetime) -> float | None:
    before = [a for tb, a in fps if tb <= t]
    return before[-1] if before else None


async def _echo_rtt(n: int = 2000, size: int = 600) -> list[float]:
    async def echo(ws):
        async for m in ws:
            await ws.send(m)

    async with websockets.serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with websockets.connect(f"ws://127.0.0.1:{port}") as ws:
            out, msg = [], "x" * size
            for _ in range(n):
                t = time.perf_counter()
                await ws.send(msg)
                await ws.recv()
                out.append(time.perf_counter() - t)
            return out


def _q(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def _quiet_latency(root: Path, flight: Path) -> list[dict]:
    import httpx

    from missilewatch.allied.threenode import SENSORS
    from missilewatch.service.feed import read_lines

    net = Network(root, alone=False, cuttable=False, cot=False)
    try:
        net.start()
        us = net.nodes["US"]
        lines = read_lines(flight, list(SENSORS["US"]))
        t0 = time.monotonic()
        for i in range(0, len(lines), 5):
            time.sleep(max(0.0, t0 + i / QUIET_RATE - time.monotonic()))
            r = httpx.post(f"{us.url}/v1/measurements", content="\n".join(fl.line for fl in lines[i:i + 5]),
                           headers={"Authorization": f"Bearer {us.admin}"}, timeout=60)
            r.raise_for_status()
        status = net.settle()
    finally:
        net.stop()
    return [lk for lk in status["US"]["links_out"]]


def _played(root: Path, flight: Path, terms: dict | None = None, speed: float = SPEED) -> tuple[Network, dict, float]:
    """The network (with a JPN node alone) fed the flight at ``speed``; its statuses and the
    feeds' start (Unix s)."""
    net = Network(root, alone=True, cuttable=False, cot=False, terms=terms)
    try:
        net.start()
        t0 = net.feed(flight, speed)
        start_unix = time.time() + (t0 - time.monotonic())
        while net.feeding():
            time.sleep(0.5)
        status = net.settle()
    finally:
        net.stop()
    return net, status, start_unix


def _tracks_only(root: Path, flight: Path, clock: dt.datetime) -> list[dict]:
    """ROK and the US send JPN tracks only: JPN's own first Aomori alert (its watch fuses the
    partners' tracks) and its footprint, against the JPN node alone in the same run."""
    net, _status, _start = _played(root, flight, TRACKS_ONLY, TRACKS_ONLY_SPEED)
    assert net.alone is not None
    out = []
    w, a = _own_warning(net.nodes["JPN"].db_url), _own_warning(net.alone.db_url)
    ours = (OVER_AOMORI - w).total_seconds() if w else None
    peer = (OVER_AOMORI - a).total_seconds() if a else None
    out.append({"name": "allied_tracks_only_warning_lead_JPN", "ours": ours, "peer": peer,
                "unit": "s before over Aomori", "ratio": round(ours / peer, 3) if ours and peer else None,
                "note": "JPN's own first Aomori alert, ROK and US sending it tracks only; peer: JPN alone"})
    fw, fa = _footprints(net.nodes["JPN"].db_url), _footprints(net.alone.db_url)
    for s in FOOTPRINT_AT_S:
        t = clock + dt.timedelta(seconds=s)
        a_km, b_km = _at(fw, t), _at(fa, t)
        out.append({"name": f"allied_tracks_only_footprint_jpn_t{int(s)}s", "ours": a_km, "peer": b_km,
                    "unit": "km semi-major", "ratio": round(b_km / a_km, 3) if a_km and b_km else None,
                    "note": f"at {t.time()} UTC, tracks-only partners; peer: JPN alone (null: no prediction yet)"})
    return out


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        flight = measurement_dir("2022-10-04", workdir=tmp / "flight")
        clock = first_report(flight)
        net, status, start_unix = _played(tmp / "net", flight)
        out = []
        assert net.alone is not None
        alone = {"JPN": _own_warning(net.alone.db_url), "ROK": None, "US": None}
        for n, node in net.nodes.items():
            own = _own_warning(node.db_url)
            if n != "JPN":
                alone[n] = own
            got = [t for t in (own, _received_warning(node.db_url, clock, start_unix)) if t is not None]
            w = min(got, default=None)
            ours = (OVER_AOMORI - w).total_seconds() if w else None
            peer = (OVER_AOMORI - alone[n]).total_seconds() if alone[n] else None
            out.append({"name": f"allied_warning_lead_{n}", "ours": ours, "peer": peer, "unit": "s before over Aomori",
                        "ratio": round(ours / peer, 3) if ours and peer else None,
                        "note": "peer: the node alone (no warning at all when null)"})
        fw, fa = _footprints(net.nodes["JPN"].db_url), _footprints(net.alone.db_url)
        for s in FOOTPRINT_AT_S:
            t = clock + dt.timedelta(seconds=s)
            a, b = _at(fw, t), _at(fa, t)
            out.append({"name": f"allied_footprint_jpn_t{int(s)}s", "ours": a, "peer": b, "unit": "km semi-major",
                        "ratio": round(b / a, 3) if a and b else None,
                        "note": f"at {t.time()} UTC; peer: JPN alone (null: no prediction yet)"})
        lat = [lk for s in status.values() for lk in s["links_out"]]
        quiet = _quiet_latency(tmp / "quiet", flight)
        echo = asyncio.run(_echo_rtt())
        for p, key in ((0.5, "latency_ms_p50"), (0.99, "latency_ms_p99")):
            ours = statistics.median(lk[key] for lk in lat if lk[key] is not None)
            peer = _q(echo, p) * 1e3
            out.append({"name": f"allied_link_latency_p{int(p * 100)}", "ours": round(ours, 3),
                        "peer": round(peer, 3), "unit": "ms", "ratio": round(peer / ours, 4),
                        "note": "ours: median over the six links of each link's quantile, sent to confirmed "
                                "(committed) under the live load; peer: bare WebSocket echo"})
            q = statistics.median(lk[key] for lk in quiet if lk[key] is not None)
            out.append({"name": f"allied_link_latency_quiet_p{int(p * 100)}", "ours": round(q, 3),
                        "peer": round(peer, 3), "unit": "ms", "ratio": round(peer / q, 4),
                        "note": f"US to JPN and ROK, one node fed at {QUIET_RATE:g} records/s; "
                                f"samples {sum(lk['latency_samples'] for lk in quiet)}"})
        out.extend(_tracks_only(tmp / "tracks-only", flight, clock))
        return out


if __name__ == "__main__":
    import json

    for r in run():
        print(json.dumps(r))
