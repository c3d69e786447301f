"""What the live service (``missilewatch serve``) keeps: every measurement received (with a
unique record id, so a re-post adds nothing), the watch sessions, the numbered event log,
alert messages as sent, API keys (hashed), the hash-chained audit trail and small state
values (the token-signing secret). Times are UTC instants; event payloads are JSON.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Boolean, Float, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from missilewatch.store.base import Base, UTCDateTime, utc_now


class ServiceSession(Base):
    """One live watch: from its first measurement until it goes quiet with no live track.

    ``first_measurement_id``: the session holds the accepted measurements from this id on, up to
    ``last_measurement_id`` once closed; ``epoch_utc`` is t = 0 of the watch's seconds."""

    __tablename__ = "svc_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    first_measurement_id: Mapped[int] = mapped_column(Integer, unique=True)
    last_measurement_id: Mapped[int | None] = mapped_column(Integer)  # set when it closes
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceMeasurement(Base):
    """One record as received: the JSON line verbatim, accepted or rejected with the reason.

    ``record_id``: a hash of the record's content (unique; NULL for rejected lines), so the
    same record posted again is recognised and adds nothing."""

    __tablename__ = "svc_measurements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    sensor_id: Mapped[str | None] = mapped_column(String(80), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    time_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    principal: Mapped[str | None] = mapped_column(String(120))


class ServiceEvent(Base):
    """One numbered event of the live picture. ``key``: a content key that makes re-running
    the watch after a restart recognise the events it already published."""

    __tablename__ = "svc_events"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    session_id: Mapped[int | None] = mapped_column(Integer, index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    time_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    track: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ServiceAlert(Base):
    """One alert message as sent by the service (CAP 1.2 XML and texts verbatim)."""

    __tablename__ = "svc_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    session_id: Mapped[int] = mapped_column(Integer, index=True)
    event_number: Mapped[int] = mapped_column(Integer)
    launch_id: Mapped[str] = mapped_column(String(120))
    msg_type: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12))  # issued, updated, cancelled, closed
    sent: Mapped[datetime] = mapped_column(UTCDateTime)
    regions: Mapped[list] = mapped_column()
    references: Mapped[list] = mapped_column()
    cap_xml: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    text_ja: Mapped[str] = mapped_column(Text)
    latency_s: Mapped[float | None] = mapped_column(Float)


class ApiKey(Base):
    """An API key: ``key_id`` is public (the prefix of the key), only the secret's SHA-256 is
    stored. ``sensors``: the sensor ids a sensor key may post for."""

    __tablename__ = "svc_api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    sensors: Mapped[list] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One audited read or change. ``hash`` = SHA-256 of the previous entry's hash and this
    entry's canonical JSON, so any edit or removal breaks the chain (append-only: the database
    refuses UPDATE and DELETE on this table)."""

    __tablename__ = "svc_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(400))
    status: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ServiceState(Base):
    """Small named values of the service (e.g. the token-signing secret)."""

    __tablename__ = "svc_state"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# Append-only audit: the database itself refuses to change or remove an entry.
for _op in ("UPDATE", "DELETE"):
    event.listen(AuditEntry.__table__, "after_create", DDL(
        f"CREATE TRIGGER svc_audit_no_{_op.lower()} BEFORE {_op} ON svc_audit "
        f"BEGIN SELECT RAISE(ABORT, 'svc_audit is append-only'); END").execute_if(dialect="sqlite"))
event.listen(AuditEntry.__table__, "after_create", DDL(
    "CREATE OR REPLACE FUNCTION svc_audit_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'svc_audit is append-only'; END $$ LANGUAGE plpgsql").execute_if(dialect="postgresql"))
event.listen(AuditEntry.__table__, "after_create", DDL(
    "CREATE TRIGGER svc_audit_append_only BEFORE UPDATE OR DELETE ON svc_audit "
    "FOR EACH ROW EXECUTE FUNCTION svc_audit_append_only()").execute_if(dialect="postgresql"))
