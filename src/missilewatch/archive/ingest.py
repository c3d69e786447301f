"""Storing what a report says: a Source, one Fact per finding (with its sentence), then linking."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import SupportsFloat

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from missilewatch.archive.launch_figures import CAPABILITY, CAPABILITY_FIELD, FLOWN
from missilewatch.archive.merge import link_reports
from missilewatch.archive.reader import Finding, ReportExtraction, extract_report
from missilewatch.errors import InputError
from missilewatch.store import Fact, Source

_UNITS = {"range": "m", "apogee": "m", "flight_time": "s", CAPABILITY_FIELD: "m"}


@dataclass(frozen=True)
class IngestResult:
    """One ingested report: its source id, the launch event it was linked to, what was read."""

    source_id: int
    path: str
    event_id: int | None
    extraction: ReportExtraction

    @property
    def launch_facts(self) -> bool:
        """False when the report states no fact of a launch (it then makes no launch event)."""
        return self.extraction.has_launch_facts

    def to_dict(self) -> dict:
        d = {"source_id": self.source_id, "file": self.path, "event_id": self.event_id,
             **self.extraction.to_dict()}
        if not self.launch_facts:
            d["note"] = "no launch fact found in this report: no launch event made"
        return d


def _read_text(path: Path) -> tuple[bytes, str]:
    if not path.is_file():
        raise InputError("file", str(path), "no such file")
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise InputError("file", str(path), "not a plain-text report (binary content)")
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data, data.decode("cp1252", errors="replace")


def _fact(source_id: int, f: Finding) -> Fact:
    fact = Fact(source_id=source_id, field=f.field, attributed_to=f.attributed_to, sentence=f.evidence,
                sentence_index=f.sentence_index)
    if f.field in _UNITS:
        if not isinstance(f.value, (SupportsFloat, str)):
            raise InputError(f.field, f.value, "a reported figure must be a number")
        fact.value_num = float(f.value)
        fact.value_low = f.extra.get("low")
        fact.value_high = f.extra.get("high")
        fact.unit = _UNITS[f.field]
        fact.raw = f.extra.get("raw")
        fact.value_json = {"kind": CAPABILITY if f.field == CAPABILITY_FIELD else FLOWN,
                           **({"speaker": f.extra["speaker"]} if f.extra.get("speaker") else {})}
    elif isinstance(f.value, date):
        fact.value_text = f.value.isoformat()
        fact.value_json = {k: v for k, v in f.extra.items()}
    elif isinstance(f.value, (dict, list)):
        fact.value_json = f.value
    else:
        fact.value_text = str(f.value)
        if f.extra:
            fact.value_json = {k: v for k, v in f.extra.items()}
    return fact


def facts_of(extraction: ReportExtraction) -> list[Finding]:
    """Every finding of an extraction, in the field vocabulary the Fact table uses."""
    out: list[Finding] = []
    if not extraction.has_launch_facts:
        return out
    for f in (extraction.date, extraction.launch_time, extraction.missile, extraction.missile_class,
              extraction.launch_place, extraction.impact, extraction.eez, extraction.overflight):
        if f is not None:
            name = {"missile": "missile_name", "launch_place": "launch_site"}.get(f.field, f.field)
            out.append(Finding(name, f.value, f.evidence, f.sentence_index, f.attributed_to, f.extra))
    out.extend([*extraction.range, *extraction.apogee, *extraction.flight_time])
    out.extend(c.with_(field=CAPABILITY_FIELD) for c in extraction.capability)
    out.extend(extraction.responses)
    if extraction.date is None and extraction.weekday_finding is not None:
        out.append(extraction.weekday_finding)
    return out


def ingest_report(session: Session, path: Path | str) -> IngestResult:
    """Read a plain-text report, store its facts with their sentences, link it to a launch.

    The same content ingested twice replaces its facts (no duplicates).
    """
    path = Path(path)
    data, text = _read_text(path)
    if not text.strip():
        raise InputError("file", str(path), "the report is empty")
    extraction = extract_report(text)
    digest = hashlib.sha256(data).hexdigest()
    source = session.scalars(select(Source).where(Source.sha256 == digest)).one_or_none()
    if source is None:
        source = Source(kind="report", uri=str(path.resolve()), sha256=digest)
        session.add(source)
    source.title = extraction.title
    source.published_date = extraction.article_date
    source.content = text
    source.meta = {"extraction": extraction.to_dict(), "file": path.name}
    session.flush()
    session.execute(delete(Fact).where(Fact.source_id == source.id))
    for finding in facts_of(extraction):
        session.add(_fact(source.id, finding))
    session.flush()
    links = link_reports(session)
    return IngestResult(source_id=source.id, path=str(path), event_id=links.get(source.id), extraction=extraction)



def derived_date(session: Session, source_id: int, extraction: ReportExtraction) -> dict | None:
    """The date found for a report that named only a weekday, by linking it to a launch (or None)."""
    fact = session.scalars(select(Fact).where(Fact.source_id == source_id, Fact.field == "date",
                                              Fact.note.like("derived:%"))).first()
    if fact is None:
        return None
    wd = extraction.weekday_finding
    return {"value": fact.value_text, "evidence": wd.evidence if wd else None,
            "resolved_from": extraction.weekday, "derived": fact.note}
