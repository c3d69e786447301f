"""Scoring the report reader against the hand-labelled evaluation set in tests/data/reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from missilewatch.archive.reader import extract_report

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"
FIELDS = ("date", "time_local", "missile", "launch_place", "range_km", "apogee_km", "flight_time_s", "landing", "eez",
          "overflight", "speaker", "capability_km")
TODAY = date(2026, 11, 25)
REL_TOL = 0.03


def read(extraction) -> dict:
    """The reader's answer for each labelled field."""
    x = extraction
    primary = (x.range or x.apogee or x.flight_time or [None])[0]
    return {
        "date": x.date.value.isoformat() if x.date else None,
        "time_local": x.launch_time.value if x.launch_time else None,
        "missile": x.missile.value if x.missile else None,
        "launch_place": x.launch_place.value if x.launch_place else None,
        "range_km": x.range[0].value / 1e3 if x.range else None,
        "apogee_km": x.apogee[0].value / 1e3 if x.apogee else None,
        "flight_time_s": x.flight_time[0].value if x.flight_time else None,
        "landing": x.impact.value if x.impact else None,
        "eez": x.eez.value if x.eez and x.eez.value != "unknown" else None,
        "overflight": list(x.overflight.value) if x.overflight else [],
        "speaker": primary.attributed_to if primary else None,
        "capability_km": x.capability[0].value / 1e3 if x.capability else None,
    }


def _as_list(v) -> list:
    return v if isinstance(v, list) else [v]


def correct(name: str, label, got) -> bool:
    """Whether the reader's ``got`` matches the hand label of field ``name``."""
    if name == "overflight":
        return set(label or []) == set(got or [])
    if label is None:
        return got is None
    if got is None:
        return False
    if name in ("range_km", "apogee_km", "flight_time_s", "capability_km"):
        return abs(float(got) - float(label)) <= REL_TOL * float(label)
    if name in ("launch_place", "landing"):
        return any(str(t).lower() in str(got).lower() for t in _as_list(label))
    if name in ("speaker", "time_local"):
        return got in _as_list(label)
    return str(got).lower() == str(label).lower()


@dataclass
class Score:
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[str] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        return self.right[name] / self.total[name] if self.total[name] else 1.0

    @property
    def overall(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))


def score(split: str | None = None) -> Score:
    """Per-field accuracy over the set (``split``: "dev", "heldout" (every held-out batch),
    "heldout2", ... or None for all)."""
    out = Score()
    for label_path in sorted(REPORTS.glob("*.yaml")):
        labels = yaml.safe_load(label_path.read_text(encoding="utf-8"))
        if split and not labels["split"].startswith(split):
            continue
        text = label_path.with_suffix(".txt").read_text(encoding="utf-8")
        got = read(extract_report(text, today=TODAY))
        for name in FIELDS:
            out.total[name] += 1
            if correct(name, labels.get(name), got[name]):
                out.right[name] += 1
            else:
                out.misses.append(f"{label_path.stem} {name}: labelled {labels.get(name)!r}, read {got[name]!r}")
    return out


if __name__ == "__main__":
    import sys

    s = score(sys.argv[1] if len(sys.argv) > 1 else None)
    for m in s.misses:
        print(m)
    for name in FIELDS:
        print(f"{name:15} {s.accuracy(name):6.1%} ({s.right[name]}/{s.total[name]})")
    print(f"overall {s.overall:.1%}")
