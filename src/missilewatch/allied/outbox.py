"""The outbox producer: every committed event and accepted measurement of this node, read
back from the store in order, passed through :func:`~missilewatch.allied.sharing.share` for
each partner, numbered per partner and kept (one transaction with the producer's cursors, so
a restart goes on where it stopped and nothing is numbered twice). Each batch is recorded in
the audit chain: what was queued for whom, and how much was withheld."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, select

from missilewatch.allied.peers import Peers
from missilewatch.allied.sharing import MEASUREMENT, note_position, release_time, share
from missilewatch.service import eventlog
from missilewatch.store import Database
from missilewatch.store.models import AlliedCounter, AlliedOutbox, ServiceMeasurement

log = logging.getLogger("missilewatch.allied")
PAGE = 2000
SEEN_KEPT = 200_000


def counter(s, name: str) -> int:
    row = s.get(AlliedCounter, name)
    return 0 if row is None else int(row.value)


def set_counter(s, name: str, value: int) -> None:
    row = s.get(AlliedCounter, name)
    if row is None:
        s.add(AlliedCounter(name=name, value=value))
    else:
        row.value = value


def measured_place(line: str) -> tuple[float, float] | None:
    """The measured position (lat_deg, lon_deg) of a radar record; None for a bearing-only one."""
    from missilewatch.earth.frames import ecef2geodetic
    from missilewatch.pipeline.source import parse_line
    from missilewatch.service.adapter import VALIDATION_EPOCH
    from missilewatch.tracking.measurements import radar_to_ecef

    m = parse_line(line, VALIDATION_EPOCH, 0, "shared measurement").measurement
    if m is None or not m.is_radar:
        return None
    r, _ = radar_to_ecef(m)
    lat, lon, _h = ecef2geodetic(*r)
    return float(lat), float(lon)


class Producer:
    """Fills the outbox; :meth:`step` runs on one thread (the node's), writes through ``run_write``
    (the service's single writer)."""

    def __init__(self, db: Database, peers: Peers, audit, run_write: Callable, on_local_event: Callable) -> None:
        self.db, self.peers, self.audit, self.run_write = db, peers, audit, run_write
        self.on_local_event = on_local_event
        self.positions: dict[str, tuple[float, float]] = {}
        self.seen: dict[int, dt.datetime] = {}  # event number -> when this node first saw it (wall)
        with db.session() as s:
            self.cursor_ev = counter(s, "cursor:events")
            self.cursor_m = counter(s, "cursor:measurements")
            self.next_seq = {p: int(s.scalar(select(func.max(AlliedOutbox.seq)).where(AlliedOutbox.peer == p)) or 0)
                             for p in peers.peers}
        self.any_area = any(p.terms.area is not None for p in peers.peers.values())
        # Positions of tracks the events before the cursor told (for the area of their predictions).
        for ev in eventlog.events_after(db, 0, 10**9, ("track.initiated", "track.updated", "track.confirmed")):
            if ev["number"] <= self.cursor_ev:
                note_position(self.positions, ev)

    def step(self) -> int:
        """One page of new events and measurements; returns the number of messages queued."""
        events = eventlog.events_after(self.db, self.cursor_ev, PAGE)
        with self.db.session() as s:
            rows = s.execute(select(ServiceMeasurement.id, ServiceMeasurement.raw, ServiceMeasurement.sensor_id,
                                    ServiceMeasurement.time_utc, ServiceMeasurement.principal)
                             .where(ServiceMeasurement.id > self.cursor_m, ServiceMeasurement.accepted.is_(True))
                             .order_by(ServiceMeasurement.id).limit(PAGE)).all()
        if not events and not rows:
            return 0
        now = dt.datetime.now(dt.UTC)
        out: list[AlliedOutbox] = []
        sent: dict[str, list] = {p: [] for p in self.peers.peers}
        withheld: Counter = Counter()
        msgs: list[tuple[dict, str, tuple[float, float] | None, str | None]] = []
        if len(self.seen) > SEEN_KEPT:  # the oldest go (a partner's delay is seconds, not days)
            for k in sorted(self.seen)[:len(self.seen) - SEEN_KEPT // 2]:
                del self.seen[k]
        for ev in events:
            self.seen.setdefault(ev["number"], now)
            note_position(self.positions, ev)
            self.on_local_event(ev)
            msgs.append((ev, str(ev["number"]), self.positions.get(ev.get("track") or ""), None))
        for mid, raw, sensor, time_utc, principal in rows:
            place = measured_place(raw) if self.any_area else None
            msg = {"kind": MEASUREMENT, "sensor": sensor, "time_utc": time_utc.isoformat() if time_utc else None,
                   "line": raw, "position": list(place) if place else None}
            msgs.append((msg, f"m{mid}", None, principal))
        for msg, ref, about, principal in msgs:
            for pid, peer in self.peers.peers.items():
                if principal == f"node:{pid}":  # never echo a partner's own measurements back
                    continue
                shared = share(msg, peer.terms, about)
                if shared is None:
                    withheld[pid] += 1
                    continue
                self.next_seq[pid] += 1
                seq = self.next_seq[pid]
                out.append(AlliedOutbox(peer=pid, seq=seq, created=now, release=release_time(now, peer.terms),
                                        kind=msg["kind"], ref=ref, payload=shared))
                sent[pid].append([seq, msg["kind"], ref])
        cursor_ev = events[-1]["number"] if events else self.cursor_ev
        cursor_m = rows[-1][0] if rows else self.cursor_m
        for pid in self.peers.peers:
            if sent[pid] or withheld[pid]:
                self.audit.record(f"node:{pid}", "partner", "share", f"queued for node {pid}", 200,
                                  {"queued": sent[pid], "withheld": withheld[pid],
                                   "release_after_s": self.peers.peers[pid].terms.delay_s})

        def write() -> None:
            with self.db.session() as s:
                s.add_all(out)
                set_counter(s, "cursor:events", cursor_ev)
                set_counter(s, "cursor:measurements", cursor_m)
                self.audit.drain_into(s)
                s.commit()

        self.run_write(write).result()
        self.cursor_ev, self.cursor_m = cursor_ev, cursor_m
        return len(out)


def outbox_page(db: Database, peer: str, after: int, now: dt.datetime, limit: int = 500) -> list[dict]:
    """Messages for ``peer`` numbered above ``after`` whose release time has come, in order
    (stops at the first one still held, so the partner receives them in sequence)."""
    with db.session() as s:
        rows = list(s.scalars(select(AlliedOutbox).where(AlliedOutbox.peer == peer, AlliedOutbox.seq > after)
                              .order_by(AlliedOutbox.seq).limit(limit)))
    page = []
    for r in rows:
        if r.release > now:
            break
        page.append({"seq": r.seq, "kind": r.kind, "msg": r.payload, "sent_utc": r.created.isoformat()})
    return page


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))
