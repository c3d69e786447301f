"""What the watch (the live pipeline) records: runs, every measurement (accepted or rejected
with its reason), tracks, predictions, decisions and alerts. Positions in geodetic degrees and
SI units as the names say; arrays (state vectors, covariances, polygons) as JSON.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from missilewatch.store.base import Base, UTCDateTime, utc_now


class WatchRun(Base):
    """One run of the watch: a replay of a scenario or file, or a live session."""

    __tablename__ = "watch_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    source: Mapped[str] = mapped_column(String(400))
    scenario: Mapped[str | None] = mapped_column(String(200))
    seed: Mapped[int | None] = mapped_column(Integer)
    epoch_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict | None] = mapped_column()


class MeasurementRow(Base):
    """One measurement as received; ``accepted`` False with ``reason`` when it was rejected."""

    __tablename__ = "watch_measurements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("watch_runs.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    sensor_id: Mapped[str | None] = mapped_column(String(80))
    mtype: Mapped[str | None] = mapped_column(String(40))
    time_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    values: Mapped[list | None] = mapped_column()
    covariance: Mapped[list | None] = mapped_column()
    track_key: Mapped[str | None] = mapped_column(String(40))
    raw: Mapped[str | None] = mapped_column(Text)


class TrackRow(Base):
    """One track: when it started, was confirmed and ended."""

    __tablename__ = "watch_tracks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("watch_runs.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(200))
    n_updates: Mapped[int] = mapped_column(Integer, default=0)


class PredictionRow(Base):
    """An impact prediction from a track update, with its 95 % footprint ellipse."""

    __tablename__ = "watch_predictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("watch_runs.id", ondelete="CASCADE"), index=True)
    track_key: Mapped[str] = mapped_column(String(40), index=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    impact_time_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    impact_lat_deg: Mapped[float | None] = mapped_column(Float)
    impact_lon_deg: Mapped[float | None] = mapped_column(Float)
    semi_major_km: Mapped[float | None] = mapped_column(Float)
    semi_minor_km: Mapped[float | None] = mapped_column(Float)
    orientation_deg: Mapped[float | None] = mapped_column(Float)
    apogee_km: Mapped[float | None] = mapped_column(Float)
    range_class: Mapped[str | None] = mapped_column(String(8))
    trajectory_type: Mapped[str | None] = mapped_column(String(16))
    state_ecef: Mapped[list | None] = mapped_column()


class DecisionRow(Base):
    """An assessment of a track's prediction: zone, threat, intercept, regions, reasons."""

    __tablename__ = "watch_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("watch_runs.id", ondelete="CASCADE"), index=True)
    track_key: Mapped[str] = mapped_column(String(40), index=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    impact_zone: Mapped[str | None] = mapped_column(String(20))
    impact_country: Mapped[str | None] = mapped_column(String(3))
    threat_of_damage: Mapped[bool] = mapped_column(Boolean)
    intercept_recommended: Mapped[bool] = mapped_column(Boolean)
    alert_regions: Mapped[list] = mapped_column()
    reasons: Mapped[list] = mapped_column()


class AlertRow(Base):
    """One alert message sent (CAP 1.2 XML and plain texts kept verbatim)."""

    __tablename__ = "watch_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("watch_runs.id", ondelete="CASCADE"), index=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True)  # CAP ids never repeat
    launch_id: Mapped[str] = mapped_column(String(120))
    msg_type: Mapped[str] = mapped_column(String(10))
    sent: Mapped[datetime] = mapped_column(UTCDateTime)
    regions: Mapped[list] = mapped_column()
    cancelled_regions: Mapped[list] = mapped_column()
    cap_xml: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    text_ja: Mapped[str] = mapped_column(Text)
