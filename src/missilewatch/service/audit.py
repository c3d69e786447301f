"""The audit trail: who read or changed what, append-only and hash-chained.

Each entry's ``hash`` is SHA-256 over the previous entry's hash and the entry's canonical JSON;
the first entry follows a hash of 64 zeros. :func:`verify_chain` recomputes the chain, so an
entry changed, removed or inserted out of place is found (the database also refuses UPDATE and
DELETE on the table). Entries are numbered and chained in memory under one lock and written
by the service's single writer: ingest requests in the same transaction as their records,
reads within half a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from missilewatch.store import Database
from missilewatch.store.models import AuditEntry

GENESIS = "0" * 64


def entry_hash(prev_hash: str, entry_id: int, at: dt.datetime, actor: str, role: str, action: str,
               target: str, status: int, detail: dict) -> str:
    body = json.dumps([entry_id, at.astimezone(dt.UTC).isoformat(), actor, role, action, target, status, detail],
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _printable(text: str) -> str:
    """Control characters (a NUL cannot be stored in PostgreSQL text) shown as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class AuditLog:
    """Numbers and chains entries; :meth:`drain_into` writes the pending ones in a session."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._pending: list[AuditEntry] = []
        with db.session() as s:
            last = s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        self._next_id = 1 if last is None else last.id + 1
        self._head = GENESIS if last is None else last.hash

    def record(self, actor: str, role: str, action: str, target: str, status: int,
               detail: dict[str, Any] | None = None) -> None:
        detail = detail or {}
        at = dt.datetime.now(dt.UTC)
        target, actor = _printable(target)[:400], _printable(actor)[:120]
        with self._lock:
            h = entry_hash(self._head, self._next_id, at, actor, role, action, target, status, detail)
            self._pending.append(AuditEntry(id=self._next_id, at=at, actor=actor, role=role, action=action,
                                            target=target, status=status, detail=detail, prev_hash=self._head,
                                            hash=h))
            self._next_id += 1
            self._head = h

    def drain_into(self, session: Session) -> list[AuditEntry]:
        with self._lock:
            rows, self._pending = self._pending, []
        session.add_all(rows)
        return rows

    def requeue(self, rows: list[AuditEntry]) -> None:
        """Rows of a transaction that failed go back in front (the chain order is kept)."""
        with self._lock:
            self._pending[:0] = [AuditEntry(**{c: getattr(r, c) for c in (
                "id", "at", "actor", "role", "action", "target", "status", "detail", "prev_hash", "hash")})
                for r in rows]

    def pending(self) -> int:
        return len(self._pending)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    bad_id: int | None = None
    problem: str | None = None


def verify_chain(db: Database, page: int = 5000) -> ChainReport:
    """Recompute every hash in id order; the first entry that does not fit is reported."""
    prev, expect_id, n = GENESIS, 1, 0
    while True:
        with db.session() as s:
            rows = list(s.scalars(select(AuditEntry).where(AuditEntry.id >= expect_id)
                                  .order_by(AuditEntry.id).limit(page)))
        if not rows:
            return ChainReport(True, n)
        for r in rows:
            if r.id != expect_id:
                return ChainReport(False, n, r.id, f"entry {expect_id} is missing")
            if r.prev_hash != prev:
                return ChainReport(False, n, r.id, "prev_hash does not match the previous entry")
            h = entry_hash(prev, r.id, r.at, r.actor, r.role, r.action, r.target, r.status, r.detail)
            if h != r.hash:
                return ChainReport(False, n, r.id, "hash does not match the entry's content")
            prev, expect_id, n = r.hash, expect_id + 1, n + 1
