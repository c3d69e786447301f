"""Sources, facts with provenance, and import problems.

Every value the archive knows is a :class:`Fact` that names its :class:`Source` and where in it
the value stands: a row and column for tables, a sentence for texts. Values that could not be
read are :class:`ImportProblem` rows with the raw text and the reason, never silently dropped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from missilewatch.store.base import Base, UTCDateTime, utc_now

if TYPE_CHECKING:  # the mapper resolves the name from the registry at run time
    from missilewatch.store.models.launches import LaunchEvent


class Source(Base):
    """A file or report the archive read: CNS export, news report, official statement."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "cns" (CNS database export, CSV or XLSX) or "report" (plain-text report).
    kind: Mapped[str] = mapped_column(String(16), index=True)
    uri: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the bytes read: the same content imported twice is the same source.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    published_date: Mapped[date | None] = mapped_column(Date)
    content: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    facts: Mapped[list[Fact]] = relationship(back_populates="source", passive_deletes=True)
    problems: Mapped[list[ImportProblem]] = relationship(
        back_populates="source", passive_deletes=True, order_by="ImportProblem.id"
    )

    def __repr__(self) -> str:
        return f"Source(id={self.id}, kind={self.kind!r}, uri={self.uri!r})"


class Fact(Base):
    """One value with its provenance (source; row/column or sentence; who said it).

    Numbers are SI (``unit`` says which: "m", "s", "deg"); an interval keeps ``value_low`` and
    ``value_high`` with ``value_num`` its midpoint. Structured values (a response, a list of
    regions) sit in ``value_json``; free text in ``value_text``.
    """

    __tablename__ = "facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("launch_events.id", ondelete="SET NULL"), index=True
    )
    missile_id: Mapped[int | None] = mapped_column(ForeignKey("missiles.id", ondelete="SET NULL"), index=True)
    field: Mapped[str] = mapped_column(String(40), index=True)
    value_num: Mapped[float | None] = mapped_column(Float)
    value_low: Mapped[float | None] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(8))
    value_text: Mapped[str | None] = mapped_column(Text)
    value_json: Mapped[Any] = mapped_column(JSON, nullable=True)
    # Who published the figure ("Japan", "South Korea", "CNS"), when the source says so.
    attributed_to: Mapped[str | None] = mapped_column(String(80))
    # Where in the source: row number (1-based data row) and column header for tables ...
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(80))
    # ... or the sentence (and its index) for texts.
    sentence: Mapped[str | None] = mapped_column(Text)
    sentence_index: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship(back_populates="facts")
    event: Mapped[LaunchEvent | None] = relationship(back_populates="facts")

    def __repr__(self) -> str:
        return f"Fact(id={self.id}, field={self.field!r}, num={self.value_num}, text={self.value_text!r})"


class ImportProblem(Base):
    """A value that could not be read as it stands: where, the raw text, why, what was done."""

    __tablename__ = "import_problems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(80))
    raw: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    # "dropped" (value left empty) or "repaired" (read under a stated assumption).
    action: Mapped[str] = mapped_column(String(16))

    source: Mapped[Source] = relationship(back_populates="problems")

    def __repr__(self) -> str:
        return f"ImportProblem(row={self.row}, column={self.column!r}, raw={self.raw!r}, action={self.action!r})"
