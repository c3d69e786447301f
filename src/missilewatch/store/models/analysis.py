"""Analyses of archived launches: the reconstructed flight and what it implies (cached)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from missilewatch.store.base import Base, UTCDateTime, utc_now


class LaunchAnalysis(Base):
    """The reconstruction of one launch event from its figures, kept until the figures change.

    ``inputs`` are the figures used (km, deg, s) and the assumptions made; ``result`` the
    reconstruction's summary (range class, trajectory type, standard range, impact point,
    ground track); ``status`` "ok", "insufficient" (figures missing) or "failed" (no flight
    fits), ``reason`` saying why.
    """

    __tablename__ = "launch_analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("launch_events.id", ondelete="CASCADE"), unique=True)
    inputs_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    inputs: Mapped[Any] = mapped_column(JSON, nullable=True)
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    def __repr__(self) -> str:
        return f"LaunchAnalysis(event_id={self.event_id}, status={self.status!r})"
