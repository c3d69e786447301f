"""A node of the allied network inside ``missilewatch serve --node X --peers FILE``: the
outbox producer (a thread), a link to each partner (tasks on the server's loop), what arrives
from partners (measurements into this node's own ingest, as any sensor's; tracks into the fused
picture and, as track reports, into the same ingest, so that the watch that alerts works on
the fused picture; predictions and alerts into the inbox), and the terms-bound view of a partner's token
on the REST API and the events stream."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from typing import Any

from sqlalchemy import func, select

from missilewatch.allied.fusion import FusedPicture
from missilewatch.allied.link import Sender
from missilewatch.allied.outbox import Producer, counter, set_counter
from missilewatch.allied.peers import Peers
from missilewatch.allied.sharing import note_position, place_of, release_time, share
from missilewatch.allied.terms import MEASUREMENT, TRACK_KINDS
from missilewatch.pipeline.partner_tracks import track_line
from missilewatch.service.auth import Principal
from missilewatch.service.records import split_body
from missilewatch.store.models import AlliedInbox, AlliedOutbox, ServiceMeasurement

log = logging.getLogger("missilewatch.allied")


class Node:
    def __init__(self, svc, peers: Peers) -> None:
        self.svc, self.db, self.peers = svc, svc.db, peers
        self.fusion = FusedPicture(peers.node)
        self.producer = Producer(self.db, peers, svc.audit, svc.writer.run, self._local_event)
        self.senders: dict[str, Sender] = {}
        self.tasks: list[asyncio.Task] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.inbound: dict[str, dict[str, Any]] = {}
        self.failed: str | None = None
        self.cot: Any = None  # the Cursor-on-Target server, when asked for
        self.footprints: dict[str, dict] = {}  # "<node> <track>" -> its latest prediction's data
        self._rebuild_fusion()

    # -- life ------------------------------------------------------------------------------

    async def start(self) -> None:
        for pid in self.peers.peers:
            s = Sender(self, pid)
            self.senders[pid] = s
            self.tasks.append(asyncio.create_task(s.run(), name=f"link-{pid}"))
        self._thread = threading.Thread(target=self._produce, name="missilewatch-allied", daemon=True)
        self._thread.start()
        if self.cot is not None:
            await self.cot.start()
        log.info("node %s: links to %s", self.peers.node, ", ".join(self.peers.peers))

    async def stop(self) -> None:
        self._stop.set()
        if self.cot is not None:
            await self.cot.stop()
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self._thread is not None:
            self._thread.join(10)

    def _produce(self) -> None:
        loop = self.svc.hub.loop
        while not self._stop.is_set():
            try:
                n = self.producer.step()
            except Exception as exc:  # the node reports it in its status and goes on
                self.failed = f"outbox: {exc}"
                log.exception("outbox producer failed")
                n = 0
            if n and loop is not None:
                for s in self.senders.values():
                    loop.call_soon_threadsafe(s.wake.set)
            if not n:
                self._stop.wait(0.05)

    # -- state -----------------------------------------------------------------------------

    def _local_event(self, ev: dict) -> None:
        self._note(self.peers.node, ev)

    def _note(self, node: str, ev: dict) -> None:
        if ev.get("kind") in TRACK_KINDS:
            self.fusion.apply(node, ev)
        elif ev.get("kind") == "prediction" and ev.get("track") and (ev.get("data") or {}).get("impact_utc"):
            self.footprints[f"{node}-{ev['track']}"] = ev["data"]

    def _rebuild_fusion(self) -> None:
        with self.db.session() as s:
            rows = list(s.scalars(select(AlliedInbox).where(AlliedInbox.kind.in_((*TRACK_KINDS, "prediction")))
                                  .order_by(AlliedInbox.id)))
            for r in rows:
                self._note(r.peer, r.payload)

    async def save_acked(self, peer: str, seq: int) -> None:
        def write() -> None:
            with self.db.session() as s:
                if seq > counter(s, f"acked:{peer}"):
                    set_counter(s, f"acked:{peer}", seq)
                s.commit()

        await asyncio.wrap_future(self.svc.writer.run(write))

    def queued(self, peer: str) -> int:
        return self.producer.next_seq.get(peer, 0) - self.senders[peer].acked if peer in self.senders else 0

    def last_received(self, peer: str) -> int:
        with self.db.session() as s:
            return counter(s, f"in:{peer}")

    # -- receiving -------------------------------------------------------------------------

    def receive(self, peer: str, items: list[dict]) -> int:
        """Keep a batch from ``peer`` (in sequence after the last kept); returns the last seq kept.
        Runs in a worker thread."""
        last = self.last_received(peer)
        items = [i for i in sorted(items, key=lambda i: int(i["seq"])) if int(i["seq"]) > last]
        if not items:
            return last
        if int(items[0]["seq"]) != last + 1:
            raise ValueError(f"messages from {peer} skip from {last} to {items[0]['seq']}")
        lines = [i for i in items if i["kind"] == MEASUREMENT]
        if lines:
            p = self.peers.peers[peer]
            who = Principal(f"node:{peer}", "sensor", tuple(sorted(p.sensors)), "node")
            body = split_body("\n".join(i["msg"]["line"] for i in lines).encode())
            results, todo = self.svc.ingestor.check(body, who)
            self.svc.ingestor.commit(body, results, todo, who, f"link from node {peer}", time.monotonic())
        self._tracks_to_watch(peer, items)
        others = [i for i in items if i["kind"] != MEASUREMENT]
        seq = int(items[-1]["seq"])
        kinds: dict[str, int] = {}
        for i in items:
            kinds[i["kind"]] = kinds.get(i["kind"], 0) + 1
        self.svc.audit.record(f"node:{peer}", "partner", "receive", f"from node {peer}", 200,
                              {"first_seq": int(items[0]["seq"]), "last_seq": seq, "kinds": kinds})

        def write() -> None:
            with self.db.session() as s:
                s.add_all(AlliedInbox(peer=peer, seq=int(i["seq"]), kind=i["kind"], payload=i["msg"]) for i in others)
                set_counter(s, f"in:{peer}", seq)
                self.svc.audit.drain_into(s)
                s.commit()

        self.svc.writer.run(write).result()
        for i in others:
            self._note(peer, i["msg"])
        st = self.inbound.setdefault(peer, {"batches": 0, "messages": 0})
        st["batches"] += 1
        st["messages"] += len(items)
        st["last_utc"] = dt.datetime.now(dt.UTC).isoformat()
        return seq

    def _tracks_to_watch(self, peer: str, items: list[dict]) -> None:
        """The partner's track events also go into this node's ordered stream, as track reports
        (``missilewatch.track/1``) that its watch fuses: alerts come from the fused picture."""
        lines = [line for i in items if (line := track_line(peer, int(i["seq"]), i["msg"])) is not None]
        if not lines:
            return
        who = Principal(f"node:{peer}/tracks", "sensor", (f"partner-{peer}",), "node")
        body = split_body("\n".join(lines).encode())
        results, todo = self.svc.ingestor.check(body, who)
        self.svc.ingestor.commit(body, results, todo, who, f"tracks from node {peer}", time.monotonic())
        bad = [r.reason for r in results if r.status == "rejected"]
        if bad:
            log.warning("node %s: %d track reports rejected, first: %s", peer, len(bad), bad[0])

    def received(self, peer: str) -> dict[str, Any]:
        """What this node has kept from ``peer``: inbox messages by kind, measurements by sensor."""
        with self.db.session() as s:
            kinds = dict(s.execute(select(AlliedInbox.kind, func.count()).where(AlliedInbox.peer == peer)
                                   .group_by(AlliedInbox.kind)).all())
            sensors = dict(s.execute(select(ServiceMeasurement.sensor_id, func.count())
                                     .where(ServiceMeasurement.principal == f"node:{peer}",
                                            ServiceMeasurement.accepted.is_(True))
                                     .group_by(ServiceMeasurement.sensor_id)).all())
            rejected = int(s.scalar(select(func.count()).where(ServiceMeasurement.principal == f"node:{peer}",
                                                               ServiceMeasurement.accepted.is_(False))) or 0)
        return {"peer": peer, "last_seq": self.last_received(peer), "kinds": kinds,
                "measurements": sensors, "measurements_rejected": rejected}

    def sent(self, peer: str) -> dict[str, Any]:
        with self.db.session() as s:
            kinds = dict(s.execute(select(AlliedOutbox.kind, func.count()).where(AlliedOutbox.peer == peer)
                                   .group_by(AlliedOutbox.kind)).all())
        return {"peer": peer, "queued": self.producer.next_seq.get(peer, 0), "kinds": kinds,
                "acked": self.senders[peer].acked if peer in self.senders else None}

    def status(self) -> dict[str, Any]:
        return {"node": self.peers.node, "problem": self.failed,
                "cot_port": self.cot.port if self.cot is not None else None,
                "links_out": [s.status() for s in self.senders.values()],
                "links_in": self.inbound, "fused_tracks": len(self.fusion.fused())}

    # -- a partner's token on the API ------------------------------------------------------

    def partner_filter(self, who: Principal):
        """For a partner token: a function event -> (event as the terms allow, release time)
        or None; None itself for a partner with no terms on this node (sees nothing)."""
        peer = self.peers.peers.get(who.name)
        if peer is None:
            return None
        positions: dict[str, tuple[float, float]] = dict(self.producer.positions)

        def view(ev: dict) -> tuple[dict, dt.datetime] | None:
            if ev.get("kind") in TRACK_KINDS:
                note_position(positions, ev)
            out = share(ev, peer.terms, place_of(ev) or positions.get(ev.get("track") or ""))
            if out is None:
                return None
            made = self.producer.seen.get(ev.get("number", -1))
            if made is None:
                made = dt.datetime.fromisoformat(ev["time_utc"]) if ev.get("time_utc") else dt.datetime.now(dt.UTC)
            return out, release_time(made, peer.terms)

        return view
