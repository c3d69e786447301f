"""What a node of the allied network keeps: the numbered messages it sends each partner (its
outbox, kept as the record of what went to whom), the messages other than measurements it
received (its inbox; received measurements are stored as measurements), and the link's
counters (last sequence number confirmed by each side, the outbox producer's cursors)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from missilewatch.store.base import Base, UTCDateTime, utc_now


class AlliedOutbox(Base):
    """One message for one partner: its sequence number on that link, when it was made, when
    the terms let it go, and the message as the partner receives it."""

    __tablename__ = "allied_outbox"
    __table_args__ = (UniqueConstraint("peer", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    release: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict] = mapped_column()


class AlliedInbox(Base):
    """One message received from a partner (measurements excepted)."""

    __tablename__ = "allied_inbox"
    __table_args__ = (UniqueConstraint("peer", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    received: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column()


class AlliedCounter(Base):
    """A named counter: ``in:<peer>`` (last sequence number received and kept), ``acked:<peer>``
    (last one the partner confirmed), ``cursor:events`` / ``cursor:measurements``."""

    __tablename__ = "allied_counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
