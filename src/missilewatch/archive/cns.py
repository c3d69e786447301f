"""Import of the James Martin CNS North Korea Missile Test Database (CSV or XLSX export).

One row per missile. Every cell is read with :mod:`missilewatch.archive.values`; a cell that
cannot be read becomes an :class:`~missilewatch.store.ImportProblem` (row, column, raw text,
reason) and the rest of the row still lands. Rows are grouped into launch events (same UTC
date, same facility, launch times within :data:`SALVO_GAP_S` of each other). Re-importing the
same content replaces what that source said before: no duplicates.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from missilewatch.archive.merge import link_reports
from missilewatch.archive.values import (
    Reading,
    clean_text,
    read_coordinate,
    read_date,
    read_distance,
    read_text,
    read_time,
)
from missilewatch.errors import DataError, InputError
from missilewatch.store import Fact, ImportProblem, LaunchEvent, Missile, Source

# Missiles of one salvo leave within minutes; CNS rows of the same day and site more than an
# hour apart are separate launches (e.g. the two Musudan launches of 21 June 2016, 2 h apart).
SALVO_GAP_S = 3600.0
# North Korea's (and Japan's) civil time, in which reports name the day of a launch.
SITE_UTC_OFFSET = timedelta(hours=9)

# Canonical field -> accepted header spellings (compared lower case, without punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("f1", "id", "no", "number", "#"),
    "date": ("date", "launch date", "date utc"),
    "date_entered": ("date entered/updated", "date entered", "date updated"),
    "launch_time": ("launch time (utc)", "launch time utc", "launch time", "time (utc)"),
    "missile_name": ("missile name", "missile"),
    "missile_type": ("missile type", "type"),
    "agency": ("launch agency/authority", "launch agency"),
    "facility_name": ("facility name", "facility"),
    "facility_location": ("facility location",),
    "facility_other_name": ("other name",),
    "site_lat": ("facility latitude", "latitude", "lat"),
    "site_lon": ("facility longitude", "longitude", "lon"),
    "landing_location": ("landing location",),
    "apogee": ("apogee",),
    "range": ("distance travelled", "distance traveled", "distance", "range"),
    "confirmation": ("confirmation status",),
    "outcome": ("test outcome", "outcome"),
    "info": ("additional information",),
    "references": ("source(s)", "sources", "source"),
}
REQUIRED = ("date",)


def _norm_header(text: object) -> str:
    return re.sub(r"[^a-z0-9#/()]+", " ", clean_text(text).lower()).strip()


@dataclass(frozen=True)
class TableRow:
    """One data row: 1-based row number (header excluded), first file line, cells by field."""

    row: int
    line: int
    cells: dict[str, object]


@dataclass(frozen=True)
class Table:
    """A CNS export as read: rows, the header text of each field, and how it was read."""

    rows: list[TableRow]
    headers: dict[str, str]
    meta: dict[str, object]


def _map_headers(header: Sequence[object], path: Path) -> dict[int, str]:
    wanted = {alias: fld for fld, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for i, name in enumerate(header):
        fld = wanted.get(_norm_header(name))
        if fld and fld not in mapping.values():
            mapping[i] = fld
    missing = [f for f in REQUIRED if f not in mapping.values()]
    if missing:
        raise InputError("header", [clean_text(h) for h in header], f"{path.name} has no column for {missing}")
    return mapping


def _decode(data: bytes) -> tuple[str, str]:
    """Text of a CSV file and the encoding used: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def read_table(path: Path | str) -> Table:
    """Read a CNS export (``.csv`` or ``.xlsx``) into rows of raw cells keyed by field."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file", str(path), "no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text, encoding = _decode(path.read_bytes())
        reader = csv.reader(io.StringIO(text, newline=""))
        records: list[tuple[int, Sequence[object]]] = []
        start = 1
        for line_cells in reader:
            records.append((start, line_cells))
            start = reader.line_num + 1
        meta: dict[str, object] = {"format": "csv", "encoding": encoding}
    elif suffix in (".xlsx", ".xlsm"):
        import openpyxl  # imported here: only XLSX imports need it

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several unrelated types for damaged files
            raise InputError("file", str(path), f"not a readable XLSX workbook ({exc})") from exc
        sheet = book.worksheets[0]
        records = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
        book.close()
        meta = {"format": "xlsx", "sheet": sheet.title}
    else:
        raise InputError("file", str(path), "expected a .csv or .xlsx CNS export")
    if not records:
        raise InputError("file", str(path), "the file is empty")
    mapping = _map_headers(records[0][1], path)
    headers = {fld: clean_text(records[0][1][i]) for i, fld in mapping.items()}
    rows: list[TableRow] = []
    for line, cells in records[1:]:
        if all(clean_text(c) == "" for c in cells):
            continue
        values = {fld: (cells[i] if i < len(cells) else None) for i, fld in mapping.items()}
        rows.append(TableRow(row=len(rows) + 1, line=line, cells=values))
    meta["rows"] = len(rows)
    return Table(rows=rows, headers=headers, meta=meta)


@dataclass(frozen=True)
class Problem:
    """An unreadable (dropped) or repaired value: where, what, why."""

    row: int
    column: str
    raw: str
    reason: str
    action: str


@dataclass(frozen=True)
class Value:
    """A value read from a cell, ready to become a Fact."""

    field: str
    column: str
    raw: str
    reading: Reading


@dataclass
class MissileRecord:
    """One CNS row, read."""

    row: int
    line: int
    external_id: str
    values: dict[str, Reading] = field(default_factory=dict)
    cells: list[Value] = field(default_factory=list)

    def get(self, name: str) -> Any:
        reading = self.values.get(name)
        return reading.value if reading is not None and reading.ok else None

    @property
    def date_utc(self) -> date | None:
        return self.get("date")

    @property
    def date_precision(self) -> str:
        reading = self.values.get("date")
        # A date read as a value always carries its precision in ``note``.
        if reading is not None and reading.ok and reading.note is not None:
            return reading.note
        return "day"

    @property
    def launch_time_utc(self) -> datetime | None:
        d, t = self.date_utc, self.get("launch_time")
        if d is None or t is None or self.date_precision != "day":
            return None
        return datetime.combine(d, t, tzinfo=UTC)

    @property
    def facility_key(self) -> str:
        name = self.get("facility_name")
        if name:
            return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        lat, lon = self.get("site_lat"), self.get("site_lon")
        if lat is not None and lon is not None:
            return f"{lat:.3f},{lon:.3f}"
        return "unknown"


_READERS = {
    "date": lambda raw: read_date(raw),
    "date_entered": lambda raw: read_date(raw),
    "launch_time": read_time,
    "site_lat": lambda raw: read_coordinate(raw, "lat"),
    "site_lon": lambda raw: read_coordinate(raw, "lon"),
    "apogee": lambda raw: read_distance(raw, "km"),
    "range": lambda raw: read_distance(raw, "km"),
}


def read_row(row: TableRow, headers: dict[str, str]) -> tuple[MissileRecord, list[Problem]]:
    """Read every cell of one row; unreadable cells become problems, the others values."""
    number = clean_text(row.cells.get("number"))
    number = number[:-2] if number.endswith(".0") else number  # XLSX gives 12.0 for 12
    external_id = f"cns:{number}" if re.fullmatch(r"\d+", number) else f"cns:row{row.row}"
    record = MissileRecord(row=row.row, line=row.line, external_id=external_id)
    problems: list[Problem] = []
    if external_id.startswith("cns:row"):
        problems.append(
            Problem(row.row, headers.get("number", "F1"), number, "no test number; identified by its row", "repaired")
        )
    for fld, raw in row.cells.items():
        if fld == "number":
            continue
        reading = _READERS.get(fld, read_text)(raw)
        column = headers[fld]
        raw_text = clean_text(raw) if not isinstance(raw, (datetime, date, time)) else raw.isoformat()
        if reading.status == "problem":
            problems.append(Problem(row.row, column, raw_text, reading.note or "unreadable", "dropped"))
            continue
        if reading.repaired:
            problems.append(Problem(row.row, column, raw_text, reading.repaired, "repaired"))
        record.values[fld] = reading
        if reading.ok:
            record.cells.append(Value(fld, column, raw_text, reading))
    if (record.values.get("launch_time") is not None and record.values["launch_time"].ok
            and record.date_precision != "day"):
        problems.append(Problem(row.row, headers["launch_time"], clean_text(row.cells.get("launch_time")),
                                "launch time given for a date known only to the month; time not used", "dropped"))
    return record, problems


def group_events(records: list[MissileRecord]) -> list[list[MissileRecord]]:
    """Group rows into launch events: same date and facility, times within ``SALVO_GAP_S``.

    A row without a time joins the salvo of the row before it (file order) in its group.
    """
    groups: dict[tuple, list[MissileRecord]] = {}
    for rec in records:
        key = (rec.date_utc, rec.date_precision, rec.facility_key)
        groups.setdefault(key, []).append(rec)
    events: list[list[MissileRecord]] = []
    for members in groups.values():
        salvos: list[list[MissileRecord]] = []
        for rec in members:
            t = rec.launch_time_utc
            target = salvos[-1] if salvos else None
            if t is not None:
                target = None
                for salvo in salvos:
                    times = [m.launch_time_utc for m in salvo if m.launch_time_utc is not None]
                    if not times or min(abs((t - x).total_seconds()) for x in times) <= SALVO_GAP_S:
                        target = salvo
                        break
            if target is None:
                salvos.append([rec])
            else:
                target.append(rec)
        events.extend(salvos)
    events.sort(key=lambda ev: (ev[0].date_utc or date.min, ev[0].row))
    return events


def event_key(members: list[MissileRecord]) -> str:
    """Natural key of a CNS launch event: date, facility and first launch time."""
    first = members[0]
    d = first.date_utc
    if d is None:
        day = f"row{first.row}"
    elif first.date_precision == "month":
        day = d.strftime("%Y-%m")
    elif first.date_precision == "year":
        day = d.strftime("%Y")
    else:
        day = d.isoformat()
    times = [m.launch_time_utc for m in members if m.launch_time_utc is not None]
    clock = min(times).strftime("%H%M") if times else "x"
    return f"cns:{day}:{first.facility_key}:{clock}"


def _distinct(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is not None and v not in out:
            out.append(v)
    return out


@dataclass
class ImportSummary:
    """What an import did: counts, and every problem with its row, column and reason."""

    source_id: int
    path: str
    rows: int
    missiles: int
    events: int
    facts: int
    absent: dict[str, int]
    problems: list[Problem]
    meta: dict[str, object]

    def to_dict(self) -> dict:
        return {
            "source_id": self.source_id,
            "file": self.path,
            "rows": self.rows,
            "missiles": self.missiles,
            "events": self.events,
            "facts": self.facts,
            "absent_values": self.absent,
            "problems": [p.__dict__ for p in self.problems],
            "unreadable_values": sum(p.action == "dropped" for p in self.problems),
            "repaired_values": sum(p.action == "repaired" for p in self.problems),
            "meta": self.meta,
        }


def _fact_row(source_id: int, event_id: int, missile_id: int, rec: MissileRecord, v: Value) -> dict[str, object]:
    r = v.reading
    num: float | None = None
    text: str | None = None
    if isinstance(r.value, bool):
        text = str(r.value)
    elif isinstance(r.value, (int, float)):
        num = float(r.value)
    elif isinstance(r.value, (date, time)):
        text = r.value.isoformat()
    elif isinstance(r.value, str):
        text = r.value  # the readers give numbers, dates, times or text: nothing else is left
    precision_note = f"precision: {r.note}" if v.field in ("date", "date_entered") and r.note != "day" else None
    return {
        "source_id": source_id,
        "event_id": event_id,
        "missile_id": missile_id,
        "field": v.field,
        "value_num": num,
        "value_low": r.low,
        "value_high": r.high,
        "unit": r.unit,
        "value_text": text,
        "attributed_to": "CNS",
        "row": rec.row,
        "column": v.column,
        "raw": v.raw,
        "note": r.repaired or precision_note,
    }


def import_cns(session: Session, path: Path | str) -> ImportSummary:
    """Import a CNS export into the database; idempotent for the same content.

    Missiles are keyed by their CNS number, events by date, facility and time; a re-import of
    the same file replaces that source's facts and problems instead of adding to them.
    """
    path = Path(path)
    table = read_table(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    source = session.scalars(select(Source).where(Source.sha256 == digest)).one_or_none()
    if source is None:
        source = Source(kind="cns", uri=str(path.resolve()), sha256=digest)
        session.add(source)
    source.title = "James Martin CNS North Korea Missile Test Database"
    source.meta = dict(table.meta)
    session.flush()
    session.execute(delete(Fact).where(Fact.source_id == source.id))
    session.execute(delete(ImportProblem).where(ImportProblem.source_id == source.id))

    records: list[MissileRecord] = []
    problems: list[Problem] = []
    absent_counts: dict[str, int] = {}
    for row in table.rows:
        rec, probs = read_row(row, table.headers)
        records.append(rec)
        problems.extend(probs)
        for reading in rec.values.values():
            if reading.status == "absent":
                key = f"{reading.note}"
                absent_counts[key] = absent_counts.get(key, 0) + 1
    # Two rows with the same CNS number would collide on the missile key.
    seen: set[str] = set()
    for rec in records:
        if rec.external_id in seen:
            problems.append(Problem(rec.row, table.headers.get("number", "F1"), rec.external_id.split(":")[1],
                                    "duplicate test number; identified by its row", "repaired"))
            rec.external_id = f"cns:row{rec.row}"
        seen.add(rec.external_id)

    existing = {m.external_id: m for m in session.scalars(select(Missile).where(Missile.external_id.in_(seen)))}
    events = group_events(records)
    n_facts = 0
    for members in events:
        key = event_key(members)
        ev = session.scalars(select(LaunchEvent).where(LaunchEvent.key == key)).one_or_none()
        if ev is None:
            ev = LaunchEvent(key=key, origin="cns")
            session.add(ev)
        first = members[0]
        times = [m.launch_time_utc for m in members if m.launch_time_utc is not None]
        ev.date_utc = first.date_utc
        ev.date_precision = first.date_precision
        ev.launch_time_utc = min(times) if times else None
        ev.local_date = (min(times) + SITE_UTC_OFFSET).date() if times else None
        ev.site_name = first.get("facility_name")
        ev.site_location = first.get("facility_location")
        ev.site_lat_deg = first.get("site_lat")
        ev.site_lon_deg = first.get("site_lon")
        ev.missile_name = " + ".join(_distinct(m.get("missile_name") for m in members)) or None
        ev.missile_type = "/".join(_distinct(m.get("missile_type") for m in members)) or None
        ev.missile_count = len(members)
        session.flush()
        fact_rows: list[dict[str, object]] = []
        for index, rec in enumerate(members):
            m = existing.get(rec.external_id)
            if m is None:
                m = Missile(external_id=rec.external_id)
                session.add(m)
            apogee, rng = rec.values.get("apogee"), rec.values.get("range")
            m.event_id = ev.id
            m.source_id = source.id
            m.source_row = rec.row
            m.salvo_index = index
            m.date_utc = rec.date_utc
            m.date_precision = rec.date_precision
            m.launch_time_utc = rec.launch_time_utc
            m.name = rec.get("missile_name")
            m.type = rec.get("missile_type")
            m.facility_name = rec.get("facility_name")
            m.facility_location = rec.get("facility_location")
            m.facility_other_name = rec.get("facility_other_name")
            m.lat_deg = rec.get("site_lat")
            m.lon_deg = rec.get("site_lon")
            m.landing_location = rec.get("landing_location")
            m.apogee_m = rec.get("apogee")
            m.apogee_low_m = apogee.low if apogee is not None and apogee.ok else None
            m.apogee_high_m = apogee.high if apogee is not None and apogee.ok else None
            m.range_m = rec.get("range")
            m.range_low_m = rng.low if rng is not None and rng.ok else None
            m.range_high_m = rng.high if rng is not None and rng.ok else None
            m.confirmation = rec.get("confirmation")
            m.outcome = rec.get("outcome")
            m.info = rec.get("info")
            m.references = rec.get("references")
            session.flush()
            fact_rows.extend(_fact_row(source.id, ev.id, m.id, rec, v) for v in rec.cells)
        if fact_rows:
            session.execute(insert(Fact), fact_rows)
            n_facts += len(fact_rows)
    for p in problems:
        session.add(ImportProblem(source_id=source.id, row=p.row, column=p.column, raw=p.raw,
                                  reason=p.reason, action=p.action))
    # Events of earlier imports that lost all their missiles (regrouped rows) go away.
    session.flush()
    orphans = select(LaunchEvent.id).where(LaunchEvent.origin == "cns", ~LaunchEvent.missiles.any())
    session.execute(delete(LaunchEvent).where(LaunchEvent.id.in_(orphans)))
    if not records:
        raise DataError(f"{path}: no data rows")
    link_reports(session)
    return ImportSummary(
        source_id=source.id,
        path=str(path),
        rows=len(table.rows),
        missiles=len(records),
        events=len(events),
        facts=n_facts,
        absent=absent_counts,
        problems=problems,
        meta=dict(table.meta),
    )
