"""What the reader finds: one :class:`Finding` per fact, gathered in a :class:`ReportExtraction`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

# Kinds of a figure: flown on this flight, what the missile could do, or another launch's.
FLIGHT, CAPABILITY, BACKGROUND = "flight", "capability", "background"


@dataclass(frozen=True)
class Finding:
    """One fact a report states: value (SI for figures), evidence sentence, who said it.

    ``attributed_to`` is the nation whose figure or statement it is ("Japan", "South Korea",
    "North Korea", "United States"); ``extra["speaker"]`` names the agency or person.
    """

    field: str
    value: object
    evidence: str
    sentence_index: int
    attributed_to: str | None = None
    extra: dict = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {"value": jsonable(self.value), "evidence": self.evidence, "sentence_index": self.sentence_index}
        if self.attributed_to:
            d["attributed_to"] = self.attributed_to
        d.update({k: jsonable(v) for k, v in self.extra.items()})
        return d

    def with_(self, **changes) -> Finding:
        """A copy with some attributes changed."""
        changes.setdefault("extra", dict(self.extra))
        return dataclasses.replace(self, **changes)


def jsonable(v):
    """``v`` with dates as ISO strings, tuples as lists (JSON-ready)."""
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


@dataclass
class ReportExtraction:
    """Everything read from one report. Figures in SI; ``to_dict`` gives km and s for JSON.

    ``range``, ``apogee`` and ``flight_time`` hold only this flight's figures (the first is the
    report's own figure); ``capability`` holds ranges the missile could reach; ``background``
    the figures of other launches, kept with the reason they were set aside.
    """

    title: str | None
    article_date: date | None
    article_date_evidence: str | None
    language: str = "en"
    date: Finding | None = None
    weekday: str | None = None
    weekday_finding: Finding | None = None
    launch_time: Finding | None = None
    missile: Finding | None = None
    missile_class: Finding | None = None
    launch_place: Finding | None = None
    range: list[Finding] = dataclasses.field(default_factory=list)
    apogee: list[Finding] = dataclasses.field(default_factory=list)
    flight_time: list[Finding] = dataclasses.field(default_factory=list)
    capability: list[Finding] = dataclasses.field(default_factory=list)
    background: list[Finding] = dataclasses.field(default_factory=list)
    impact: Finding | None = None
    eez: Finding | None = None
    overflight: Finding | None = None
    responses: list[Finding] = dataclasses.field(default_factory=list)
    skipped: list[dict] = dataclasses.field(default_factory=list)

    def figures(self) -> list[Finding]:
        """This flight's figures and the capability figures (each Finding says its kind)."""
        return [*self.range, *self.apogee, *self.flight_time, *self.capability]

    @property
    def has_launch_facts(self) -> bool:
        """True when the report states at least one fact of a launch (date, figure, place, ...)."""
        return any((self.date, self.weekday_finding, self.launch_time, self.missile, self.launch_place,
                    self.range, self.apogee, self.flight_time, self.impact, self.overflight,
                    self.eez is not None and self.eez.value != "unknown"))

    def to_dict(self) -> dict:
        def figure(findings: list[Finding], scale: float, unit_key: str):
            if not findings:
                return None
            first, *rest = findings
            d = _figure_dict(first, scale)
            if rest:
                d["alternatives"] = [_figure_dict(f, scale) for f in rest]
            d["unit"] = unit_key
            return d

        def one(f: Finding | None):
            return f.to_dict() if f else None

        return {
            "title": self.title,
            "language": self.language,
            "article_date": jsonable(self.article_date),
            "article_date_evidence": self.article_date_evidence,
            "launch_facts": self.has_launch_facts,
            "date": one(self.date),
            "weekday": self.weekday,
            "launch_time": one(self.launch_time),
            "missile": one(self.missile),
            "missile_class": one(self.missile_class),
            "launch_place": one(self.launch_place),
            "range_km": figure(self.range, 1e-3, "km"),
            "apogee_km": figure(self.apogee, 1e-3, "km"),
            "flight_time_s": figure(self.flight_time, 1.0, "s"),
            "capability_range_km": [_figure_dict(f, 1e-3) for f in self.capability],
            "background_figures": [_figure_dict(f, 1e-3 if f.field != "flight_time" else 1.0)
                                   for f in self.background],
            "impact_description": one(self.impact),
            "eez": one(self.eez) or {"value": "unknown", "whose": None, "evidence": None},
            "overflight": one(self.overflight) or {"value": [], "evidence": None},
            "responses": [r.to_dict() for r in self.responses],
            "skipped": self.skipped,
        }


def _figure_dict(f: Finding, scale: float) -> dict:
    d = f.to_dict()
    d["value"] = round(float(f.value) * scale, 3)  # type: ignore[arg-type]  # figures hold floats
    for key in ("low", "high"):
        if key in f.extra and f.extra[key] is not None:
            d[key] = round(f.extra[key] * scale, 3)
    return d
