"""Launch events and the missiles they consist of.

A *launch event* is one launch occasion: one or several missiles fired from one place within a
short time (a salvo). A *missile* is one row per missile, as in the CNS database. Figures are
stored in SI (metres, seconds); positions as geodetic degrees, the names say so.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from missilewatch.store.base import Base, UTCDateTime, utc_now

if TYPE_CHECKING:  # the mapper resolves the name from the registry at run time
    from missilewatch.store.models.provenance import Fact


class LaunchEvent(Base):
    """One launch occasion (a single missile or a salvo), with the summary analysts filter on."""

    __tablename__ = "launch_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Natural key that makes re-imports idempotent, e.g. "cns:2022-10-03:mupyong-ni-arms-plant:2222".
    key: Mapped[str] = mapped_column(String(160), unique=True, index=True)
    # Where the event came from first: "cns" (database rows) or "report" (news reports only).
    origin: Mapped[str] = mapped_column(String(16))
    # UTC date of the launch; precision "day", "month" or "year" (early CNS rows give "Sep-84").
    date_utc: Mapped[date | None] = mapped_column(Date, index=True)
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    launch_time_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Calendar date at the launch site (North Korea, Japan: UTC+09:00), what reports call "Tuesday".
    local_date: Mapped[date | None] = mapped_column(Date)
    site_name: Mapped[str | None] = mapped_column(String(120))
    site_location: Mapped[str | None] = mapped_column(String(200))
    site_lat_deg: Mapped[float | None] = mapped_column(Float)
    site_lon_deg: Mapped[float | None] = mapped_column(Float)
    missile_name: Mapped[str | None] = mapped_column(String(200))
    missile_type: Mapped[str | None] = mapped_column(String(40), index=True)
    missile_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    missiles: Mapped[list[Missile]] = relationship(
        back_populates="event", order_by="Missile.salvo_index", passive_deletes=True
    )
    facts: Mapped[list[Fact]] = relationship(back_populates="event", passive_deletes=True)

    def __repr__(self) -> str:
        return f"LaunchEvent(id={self.id}, key={self.key!r})"


class Missile(Base):
    """One missile of a launch event, with the figures its source row gives (SI units)."""

    __tablename__ = "missiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("launch_events.id", ondelete="CASCADE"), index=True)
    # Stable identity across re-imports, e.g. "cns:199" (the CNS F1 number).
    external_id: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    source_row: Mapped[int | None] = mapped_column(Integer)
    salvo_index: Mapped[int] = mapped_column(Integer, default=0)
    date_utc: Mapped[date | None] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    launch_time_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    name: Mapped[str | None] = mapped_column(String(120))
    type: Mapped[str | None] = mapped_column(String(40))
    facility_name: Mapped[str | None] = mapped_column(String(120))
    facility_location: Mapped[str | None] = mapped_column(String(200))
    facility_other_name: Mapped[str | None] = mapped_column(String(200))
    lat_deg: Mapped[float | None] = mapped_column(Float)
    lon_deg: Mapped[float | None] = mapped_column(Float)
    landing_location: Mapped[str | None] = mapped_column(Text)
    # Best value and bounds; a reported interval "between 25 and 90 km" keeps low/high, value = midpoint.
    apogee_m: Mapped[float | None] = mapped_column(Float)
    apogee_low_m: Mapped[float | None] = mapped_column(Float)
    apogee_high_m: Mapped[float | None] = mapped_column(Float)
    range_m: Mapped[float | None] = mapped_column(Float)
    range_low_m: Mapped[float | None] = mapped_column(Float)
    range_high_m: Mapped[float | None] = mapped_column(Float)
    confirmation: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(40))
    info: Mapped[str | None] = mapped_column(Text)
    references: Mapped[str | None] = mapped_column(Text)

    event: Mapped[LaunchEvent] = relationship(back_populates="missiles")

    def __repr__(self) -> str:
        return f"Missile(id={self.id}, external_id={self.external_id!r}, name={self.name!r})"
