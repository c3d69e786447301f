"""Links across restarts: a receiving node and then a sending node killed with SIGKILL while
messages flow; once both are back, every message arrived exactly once (both sides persist the
last message confirmed). And a caller that cannot prove a peer's key is refused."""

from __future__ import annotations

import asyncio
import json
import signal
import time

import httpx
import pytest
import websockets
import websockets.exceptions
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from missilewatch.allied.keys import link_token, load_private
from missilewatch.allied.livenet import Network
from missilewatch.allied.threenode import SENSORS
from missilewatch.service.feed import read_lines
from tests.service.conftest import STARTED

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("allied-links")]


def _post(node, lines) -> None:
    for i in range(0, len(lines), 200):
        r = httpx.post(f"{node.url}/v1/measurements", content="\n".join(fl.line for fl in lines[i:i + 200]),
                       headers={"Authorization": f"Bearer {node.admin}"}, timeout=60)
        assert r.status_code == 200 and r.json()["accepted"] == len(lines[i:i + 200])


def _wait(pred, timeout=60.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(what)


@pytest.fixture(scope="module")
def net(tmp_path_factory, flight_dir):  # flight_dir: the watch's kernels compiled before the nodes start
    network = Network(tmp_path_factory.mktemp("links"), alone=False, cuttable=False, cot=False)
    try:
        network.start()
        STARTED.extend(n.proc for n in network.everyone)
        yield network
    finally:
        network.stop()


def test_a_caller_that_cannot_prove_a_peer_key_is_refused(net):
    url = f"ws://127.0.0.1:{net.nodes['JPN'].port}/v1/allied/link"
    rok_key = load_private(net.root / "keys" / "ROK.key")

    async def attempt(token: str):
        async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                                      open_timeout=5) as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 5))

    for token in (link_token(Ed25519PrivateKey.generate(), "ROK", "JPN"),  # ROK's name, another key
                  link_token(rok_key, "ROK", "US"),  # ROK's key, meant for another node
                  link_token(rok_key, "XYZ", "JPN"),  # a node not in the peers file
                  "not-a-token"):
        with pytest.raises((websockets.exceptions.InvalidStatus, websockets.exceptions.ConnectionClosed)):
            asyncio.run(attempt(token))
    hello = asyncio.run(attempt(link_token(rok_key, "ROK", "JPN", "n0")))
    assert hello["type"] == "hello" and hello["node"] == "JPN"  # the real ROK key is let in


def test_kill_9_receiver_then_sender_every_message_once(net, flight_dir):
    jpn, us = net.nodes["JPN"], net.nodes["US"]
    lines = read_lines(flight_dir, list(SENSORS["US"]))
    third = len(lines) // 3
    _post(us, lines[:third])
    _wait(lambda: jpn.get("/v1/allied/received/US").json()["last_seq"] ==
          us.get("/v1/allied/sent/JPN").json()["queued"] > 0, what="first third delivered")
    jpn.stop(signal.SIGKILL)  # the receiver dies
    _post(us, lines[third:2 * third])  # the sender goes on alone and keeps its outbox
    us.stop(signal.SIGKILL)  # then the sender dies too, with messages not yet confirmed
    jpn.start()
    us.start()
    STARTED.extend([jpn.proc, us.proc])
    for n in (jpn, us):
        n.wait_idle(120)
    _post(us, lines[2 * third:])
    st = net.settle(90)
    sent = us.get("/v1/allied/sent/JPN").json()
    got = jpn.get("/v1/allied/received/US").json()
    assert got["last_seq"] == sent["queued"]
    assert sum(got["measurements"].values()) == len(lines) == sent["kinds"]["measurement"]
    assert got["measurements_rejected"] == 0
    kinds_sent = {k: v for k, v in sent["kinds"].items() if k != "measurement"}
    assert got["kinds"] == kinds_sent  # predictions and alerts: each once
    link = next(lk for lk in st["US"]["links_out"] if lk["peer"] == "JPN")
    assert link["acked"] == sent["queued"]
