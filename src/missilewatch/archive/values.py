"""Reading the values people type into launch tables: distances, dates, times, coordinates.

Each reader takes the raw cell (text, or the number/date object a spreadsheet gives) and returns
a :class:`Reading`: a value (SI units), an explicit absence ("Unknown", "N/A", blank) or a
problem with its reason. Readers never raise on bad data: the caller records the problem with
its row and column and keeps the rest of the row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

# Words that state that a value is absent, with what they mean.
ABSENT_WORDS = {
    "": "blank",
    "unknown": "unknown",
    "unk": "unknown",
    "?": "unknown",
    "n/a": "not applicable",
    "na": "not applicable",
    "none": "not applicable",
    "-": "not applicable",
    "--": "not applicable",
}

# Distance units and their size in metres. Names in the table are lower case.
DISTANCE_UNITS = {
    "km": 1000.0,
    "kms": 1000.0,
    "kilometer": 1000.0,
    "kilometers": 1000.0,
    "kilometre": 1000.0,
    "kilometres": 1000.0,
    "m": 1.0,
    "meters": 1.0,
    "metres": 1.0,
    "mi": 1609.344,
    "mile": 1609.344,
    "miles": 1609.344,
    "nm": 1852.0,
    "nmi": 1852.0,
}

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_QUALIFIER = r"(?:about|approx\.?|approximately|around|roughly|some|~|c\.)\s*"
_SINGLE = re.compile(rf"^(?:{_QUALIFIER})?(?P<num>{_NUMBER})\s*(?P<unit>[a-z.]+)?$")
_INTERVAL = re.compile(
    rf"^(?:between\s+)?(?:{_QUALIFIER})?(?P<lo>{_NUMBER})\s*(?P<unit1>[a-z]+)?\s*"
    rf"(?:and|to|-|–|—)\s*(?P<hi>{_NUMBER})\s*(?P<unit>[a-z.]+)?$"
)


@dataclass(frozen=True)
class Reading:
    """Outcome of reading one cell.

    ``status`` is "value" (``value`` set; ``low``/``high`` for an interval), "absent" (the cell
    says the value is unknown / not applicable / blank, ``note`` says which) or "problem"
    (unreadable: ``note`` gives the reason). ``repaired`` is the assumption made when a value was
    read despite a defect (e.g. a unit typo); such readings are reported too.
    """

    status: str
    value: object = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    note: str | None = None
    repaired: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "value"


def clean_text(raw: object) -> str:
    """Cell text with Unicode normalised (NBSP → space), runs of white space collapsed."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw))
    return re.sub(r"\s+", " ", text).strip()


def absent(raw: object) -> Reading | None:
    """A Reading of status "absent" when the cell states absence, else None."""
    key = clean_text(raw).lower().rstrip(".")
    if key in ABSENT_WORDS:
        return Reading("absent", note=ABSENT_WORDS[key])
    return None


def read_text(raw: object) -> Reading:
    """Free text, or absent."""
    return absent(raw) or Reading("value", value=clean_text(raw))


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance of two short strings (unit names; too small to need a library)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _to_float(number: str) -> float:
    return float(number.replace(",", ""))


def _unit_factor(unit: str | None, default_unit: str) -> tuple[float | None, str | None]:
    """Metres per unit and the repair made, or (None, reason) when the unit is unknown."""
    if unit is None:
        return DISTANCE_UNITS[default_unit], f"no unit given; the column's unit {default_unit!r} assumed"
    unit = unit.rstrip(".")
    if unit in DISTANCE_UNITS:
        return DISTANCE_UNITS[unit], None
    if _edit_distance(unit, default_unit) == 1:
        return DISTANCE_UNITS[default_unit], f"unit {unit!r} read as {default_unit!r} (one-letter typo)"
    return None, f"unknown unit {unit!r}"


def read_distance(raw: object, default_unit: str = "km") -> Reading:
    """A distance in metres from "1,380 km", "between 25 and 90 km", "330 lm", 500, "Unknown".

    A bare number takes ``default_unit`` (reported as a repair). An interval gives ``low``,
    ``high`` and the midpoint as ``value``. Negative numbers cannot be written, so none result.
    """
    if isinstance(raw, bool):
        return Reading("problem", note=f"not a distance: {raw!r}")
    if isinstance(raw, (int, float)):
        if raw != raw or raw < 0:
            return Reading("problem", note=f"not a non-negative number: {raw!r}")
        return Reading("value", value=float(raw) * DISTANCE_UNITS[default_unit], unit="m")
    gone = absent(raw)
    if gone:
        return gone
    text = clean_text(raw).lower()
    m = _INTERVAL.match(text)
    if m:
        factor, why = _unit_factor(m["unit"] or m["unit1"], default_unit)
        if factor is None:
            return Reading("problem", note=why)
        lo, hi = sorted((_to_float(m["lo"]) * factor, _to_float(m["hi"]) * factor))
        return Reading("value", value=(lo + hi) / 2, low=lo, high=hi, unit="m", repaired=why)
    m = _SINGLE.match(text)
    if m:
        factor, why = _unit_factor(m["unit"], default_unit)
        if factor is None:
            return Reading("problem", note=why)
        return Reading("value", value=_to_float(m["num"]) * factor, unit="m", repaired=why)
    return Reading("problem", note="not a distance (expected e.g. '350 km', 'between 25 and 90 km')")


_DATE_FORMATS = (
    ("%d-%b-%y", "day"),  # 9-Apr-84
    ("%d-%b-%Y", "day"),  # 9-Apr-1984
    ("%m/%d/%Y", "day"),  # 11/2/2022 (US order, as the CNS export writes it)
    ("%Y-%m-%d", "day"),
    ("%d %B %Y", "day"),
    ("%d %b %Y", "day"),
    ("%B %d, %Y", "day"),
    ("%b %d, %Y", "day"),
    ("%b-%y", "month"),  # Sep-84
    ("%B %Y", "month"),
    ("%b %Y", "month"),
    ("%Y", "year"),
)


def read_date(raw: object, *, latest: date | None = None) -> Reading:
    """A calendar date (value: ``date``; ``note``: precision "day", "month" or "year").

    Two-digit years follow the POSIX pivot (69-99 → 19xx, 00-68 → 20xx). A date after
    ``latest`` (default: today, UTC) is a problem, not a value.
    """
    latest = latest or datetime.now(UTC).date()
    if isinstance(raw, datetime):
        value, precision = raw.date(), "day"
    elif isinstance(raw, date):
        value, precision = raw, "day"
    else:
        gone = absent(raw)
        if gone:
            return gone
        text = clean_text(raw)
        for fmt, precision in _DATE_FORMATS:  # noqa: B007 - the matching format's precision is kept
            try:
                value = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        else:
            return Reading("problem", note="not a date (expected e.g. '9-Apr-84', 'Sep-84', '11/2/2022')")
    if value > latest:
        return Reading("problem", note=f"date {value.isoformat()} lies in the future")
    return Reading("value", value=value, note=precision)


_TIME_FORMATS = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")


def read_time(raw: object) -> Reading:
    """A time of day (value: ``datetime.time``) from "9:20:00 PM", "21:20", or a time object."""
    if isinstance(raw, datetime):
        return Reading("value", value=raw.time())
    if isinstance(raw, time):
        return Reading("value", value=raw)
    gone = absent(raw)
    if gone:
        return gone
    text = clean_text(raw).upper().replace(".", "")
    for fmt in _TIME_FORMATS:
        try:
            return Reading("value", value=datetime.strptime(text, fmt).time())
        except ValueError:
            continue
    return Reading("problem", note="not a time of day (expected e.g. '9:20:00 PM' or '21:20')")


def read_coordinate(raw: object, axis: str) -> Reading:
    """Latitude or longitude in degrees (``axis`` "lat" or "lon"), decimal or with a hemisphere."""
    limit = 90.0 if axis == "lat" else 180.0
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        gone = absent(raw)
        if gone:
            return gone
        text = clean_text(raw).upper().replace("°", "")
        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*([NSEW])?", text)
        if not m:
            return Reading("problem", note=f"not a decimal {'latitude' if axis == 'lat' else 'longitude'}")
        value = float(m[1])
        hemi = m[2]
        if hemi and ((axis == "lat") != (hemi in "NS")):
            return Reading("problem", note=f"hemisphere {hemi} does not fit a {axis}")
        if hemi in ("S", "W"):
            value = -abs(value)
    if not -limit <= value <= limit or value != value:
        return Reading("problem", note=f"{value} is outside [-{limit:g}, {limit:g}] degrees")
    return Reading("value", value=value, unit="deg")
