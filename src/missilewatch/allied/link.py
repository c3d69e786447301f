"""Links between nodes: this node opens one WebSocket to each partner and sends it its
outbox; each partner's link to this node arrives at ``WS /v1/allied/link``.

Opening, both ways authenticated: the caller offers a token signed with its node key
(``Authorization: Bearer``; issuer = caller, audience = the partner, a nonce); the partner checks
it against the caller's public key in its peers file, and answers ``hello`` with a token of its
own for the caller with the same nonce (so a replayed answer does not pass) and the last sequence
number it has kept from the caller. The caller checks that token against the partner's key in its
own peers file, and sends from the next number on.

Messages: ``{"type": "msgs", "items": [{"seq", "kind", "msg", "sent_utc"}, ...]}`` in sequence;
the partner keeps them (measurements committed to its store, the rest in its inbox) and
answers ``{"type": "ack", "seq": n}``; both sides persist their numbers, so a link (or a node)
that restarts resumes from the last message confirmed. A link that fails is retried after
a bounded exponential backoff (0.2 s doubling to 5 s, with jitter).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import websockets

from missilewatch.allied.keys import LinkAuthError, link_token, verify_link_token
from missilewatch.allied.outbox import dumps, outbox_page

if TYPE_CHECKING:
    from missilewatch.allied.node import Node

log = logging.getLogger("missilewatch.allied")
BACKOFF_MIN_S, BACKOFF_MAX_S = 0.2, 5.0
WINDOW = 2000  # messages sent and not yet confirmed, at most


def backoff_s(failures: int, rng: random.Random) -> float:
    """Delay before retry number ``failures`` (1, 2, ...): min(5 s, 0.2 s x 2^(n-1)) x [0.5, 1)."""
    return min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** max(failures - 1, 0)) * (0.5 + 0.5 * rng.random())


class Sender:
    """This node's link to one partner: connect, prove, resume, send, take acks; retry."""

    def __init__(self, node: Node, peer: str) -> None:
        self.node, self.peer = node, node.peers.peers[peer]
        self.state = "down"
        self.acked = 0
        self.connects = 0
        self.failures = 0
        self.last_error: str | None = None
        self.wake = asyncio.Event()
        self.rng = random.Random(hash(peer))
        self.latencies: deque[float] = deque(maxlen=10000)
        self._sent_at: dict[int, float] = {}
        self._saving: asyncio.Future | None = None
        self._save_again = False

    async def run(self) -> None:
        while True:
            try:
                await self._session()
                self.failures = 0
            except asyncio.CancelledError:
                raise
            except (OSError, websockets.WebSocketException, LinkAuthError, ValueError, KeyError, TimeoutError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # anything else: said in the status and the log, and retried
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("link to %s failed", self.peer.node)
            self.state = "down"
            self.failures += 1
            await asyncio.sleep(backoff_s(self.failures, self.rng))

    async def _session(self) -> None:
        me, keys = self.node.peers.node, self.node.peers.private_key
        nonce = secrets.token_urlsafe(16)
        token = link_token(keys, me, self.peer.node, nonce)
        async with websockets.connect(self.peer.link_url, additional_headers={"Authorization": f"Bearer {token}"},
                                      open_timeout=5, close_timeout=2, max_size=64 * 2**20) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if hello.get("type") != "hello" or hello.get("node") != self.peer.node:
                raise LinkAuthError(f"{self.peer.node} answered {str(hello)[:200]}")
            verify_link_token(hello["token"], self.peer.public_key, self.peer.node, me, nonce)
            resume = int(hello["last_seq"])
            self.acked = max(self.acked, resume)
            await self.node.save_acked(self.peer.node, resume)
            self.state, self.connects, self.last_error = "up", self.connects + 1, None
            log.info("link to %s up (resuming after message %d)", self.peer.node, resume)
            reader = asyncio.ensure_future(self._acks(ws))
            try:
                await self._send_loop(ws, resume, reader)
            finally:
                reader.cancel()
                with contextlib.suppress(BaseException):
                    await reader

    async def _acks(self, ws) -> None:
        async for text in ws:
            ack = json.loads(text)
            if ack.get("type") == "ack":
                seq = int(ack["seq"])
                now = time.perf_counter()
                for s in [s for s in self._sent_at if s <= seq]:
                    self.latencies.append(now - self._sent_at.pop(s))
                if seq > self.acked:
                    self.acked = seq
                    self._save_acked()
                self.wake.set()

    def _save_acked(self) -> None:
        """Persist the last confirmed number in the background, one write at a time (the resume
        point itself comes from the partner's hello; this one is for the status after a restart)."""
        if self._saving is not None and not self._saving.done():
            self._save_again = True
            return

        async def save() -> None:
            while True:
                self._save_again = False
                await self.node.save_acked(self.peer.node, self.acked)
                if not self._save_again:
                    return

        self._saving = asyncio.ensure_future(save())

    async def _send_loop(self, ws, after: int, reader: asyncio.Future) -> None:
        sent = after
        self._sent_at.clear()
        while not reader.done():
            page: list[dict] = []
            if sent - self.acked < WINDOW:
                page = await asyncio.to_thread(outbox_page, self.node.db, self.peer.node, sent,
                                               dt.datetime.now(dt.UTC), min(500, WINDOW - (sent - self.acked)))
            if page:
                t = time.perf_counter()
                for item in page:
                    self._sent_at[item["seq"]] = t
                await ws.send(dumps({"type": "msgs", "items": page}))
                sent = page[-1]["seq"]
                continue
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), 0.1)
        reader.result()  # the partner closed: raises what ended the reader

    def status(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        q = (lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1e3, 3)) if lat else (lambda p: None)
        return {"peer": self.peer.node, "state": self.state, "acked": self.acked, "queued": self.node.queued(
            self.peer.node), "connects": self.connects, "failures": self.failures, "last_error": self.last_error,
            "latency_ms_p50": q(0.5), "latency_ms_p99": q(0.99), "latency_samples": len(lat)}
