"""Figures of a flight: range, apogee (maximum altitude) and flight time, each with its kind.

A distance is a range or an apogee by the keyword nearest before it ("flew", "flight
distance", "altitude", 飛翔距離, 最高高度 ...) or by the verb after it (…キロ飛翔); "A and B ...
X and Y respectively" pairs them in order. A distance that places something ("200 km west of",
"250 km away", 奥尻島の西約250キロ) is not a figure of the flight, nor is a conversion in brackets
or a speed. A figure is *capability* when its clause says what the missile could do ("could
exceed", "can fly", "capable of", "a range of", "if launched on a normal trajectory", 射程);
otherwise it is this flight's (the caller sets aside sentences about other launches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from missilewatch.archive.lexicon import NUMBER_WORDS
from missilewatch.archive.values import DISTANCE_UNITS

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD_NUM = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|a)\s+(?:hundred|thousand)"
_DIST_EN = re.compile(
    rf"(?P<lo>{_NUM}|{_WORD_NUM})(?:\s*(?:-|to|~|and)\s*(?P<hi>{_NUM}))?\s*-?"
    r"(?P<u>kilometers|kilometres|kms|km|miles)\b", re.I
)
_DIST_JA = re.compile(rf"(?:(?P<lo>{_NUM})(?P<k>千)?|(?P<sen>千))(?:\s*[~〜-]\s*(?P<hi>{_NUM}))?\s*"
                      r"(?P<u>キロメートル|キロ・メートル|キロ|km)")
_POSITION_AFTER = re.compile(
    r"^\s*(?:\(\s*[\d,.]+\s*\w+\s*\)\s*)?(?:\w+\s+){0,1}(?:east|west|north|south|northeast|northwest|southeast|southwest|"
    r"east-northeast|off|from|away|offshore|inland|short of|beyond|of the coast)\b|^\s*(?:an hour|per hour|/h)\b|"
    r"^\s*-?nautical",
    re.I,
)
_POSITION_BEFORE_JA = re.compile(r"(?:東|西|南|北)(?:東|西)?(?:方|側)?(?:沖)?、?\s*(?:約|およそ|おおよそ)?\s*$")
_APOGEE_KW = re.compile(r"\b(?:(?:maximum|max\.?|peak|highest)\s+(?:altitude|height)|apogee|altitudes?|height)\b", re.I)
_RANGE_KW = re.compile(r"\b(?:range|flew|flown|flying|fly|travell?ed|travell?ing|travel|flight distance|distance|"
                       r"covered)\b", re.I)
# Verbs that carry a distance without saying which ("would reach 13,000 km"): a range unless an
# altitude or range word stands before them ("the altitude is estimated to exceed 7,000 km").
_NEUTRAL_KW = re.compile(r"\b(?:reach(?:es|ed|ing)?|exceed(?:s|ed|ing)?)\b", re.I)
_CAPABILITY = re.compile(
    r"\b(?:could|can|may|might|would|will)\s+(?:\w+\s+){0,3}?(?:reach|exceed|fly|flown|travel|travell?ed|strike|hit|cover|"
    r"have a (?:maximum )?range)\b|\bcapable of\b|\bpotential(?:ly)?\b|\btheoretical\b|\bmaximum range\b|"
    r"(?<!\bto )\b(?:a|with a|an estimated|its estimated|has a|have a|its) range\b|"
    r"\brange (?:could|may|would|might|can|is capable|is estimated|of up to)\b|\bif (?:launched|fired|flown)\b|"
    r"\bon a (?:normal|standard|regular) (?:trajectory|angle)\b|射程",
    re.I,
)
_CLAUSE_START = re.compile(r"[.;:!?]\s|\band\b(?=\s+(?:its|the|a)\s)", re.I)
_WORDS = "|".join(sorted((k for k in NUMBER_WORDS if " " not in k and len(k) > 2), key=len, reverse=True))
_DURATION = re.compile(
    rf"(?P<n>{_NUM}|{_WORDS}|forty|fifty|sixty|seventy|eighty|thirty|twenty)(?:\s*|-)(?P<u>minutes?|mins?|seconds?|secs?)\b"
    rf"(?:\s+(?:and\s+)?(?P<s>\d+)\s*seconds?)?|(?P<n2>\d{{1,3}}(?:,\d{{3}})+|\d+)s\b",
    re.I,
)
_FLIGHT_CUE_BEFORE = re.compile(r"\b(?:flew|flying|flight|fly|flown|in the air|in the sky|airborne|aloft|lasted|"
                                r"duration|stayed|travell?ed)\b(?:(?!\.\s)[^;]){0,45}$", re.I)
_FLIGHT_CUE_AFTER = re.compile(r"^-?\s*(?:minutes?|mins?)?\s*(?:flight|of flight|in the air|in flight)\b", re.I)
_FELL_LATER = re.compile(r"\b(?:fell|fallen|landed|splashed down|fall)\s+(?:about|some|approximately|around)?\s*$",
                         re.I)
# "... fallen about ten minutes [and nine minutes] later"
_LATER = re.compile(r"\s*(?:(?:and|or|,)\s+[\w\s-]{1,25}?\s+)?(?:later|after (?:launch|lift-off|being launched|"
                    r"it was launched))\b", re.I)
_NOT_FLIGHT_AFTER = re.compile(r"^\s*(?:ago|later|earlier|longer|shorter|apart|from now|between|of each other|into|"
                               r"(?:after|before)\b(?!\s+(?:it\s+)?(?:\w+ly\s+)?(?:fall|fell|land|splash|crash|hit|impact|plung|"
                               r"drop|com)))\b", re.I)
_RESPECTIVELY_KW = re.compile(r"flight distance|distance|range|maximum altitude|altitude|apogee|flight time|"
                              r"flight duration", re.I)
_DURATION_JA = re.compile(r"(?:飛翔時間|飛行時間)(?:は)?(?:約|およそ)?(?P<a>\d+)分|(?:約|およそ)?(?P<b>\d+)分(?:間)?"
                          r"(?:程度|ほど)?(?:にわたって|にわたり)?(?:飛翔|飛行|飛しょう|飛んだ|飛び)|"
                          r"発射から(?:約|およそ)?(?P<c>\d+)分(?:後|程度後)|"
                          r"(?:約|およそ)?(?P<d>\d+)分(?:間)?(?:程度)?(?:に|で)[^。、]{0,16}?(?:飛翔|飛行|飛しょう|飛んだ|飛び)")


@dataclass(frozen=True)
class Figure:
    """One figure of a sentence: field ("range", "apogee", "flight_time"), SI value, kind."""

    field: str
    value: float
    kind: str
    raw: str
    position: int
    low: float | None = None
    high: float | None = None


def _num(text: str) -> float:
    words = text.lower().split()
    if len(words) == 2:  # "one thousand"
        unit = 1000.0 if words[1] == "thousand" else 100.0
        return (1.0 if words[0] == "a" else float(NUMBER_WORDS[words[0]])) * unit
    return float(text.replace(",", ""))


def _metres(lo: float, unit: str) -> float:
    unit = unit.lower()
    return lo * (DISTANCE_UNITS["miles"] if unit.startswith("mi") else 1000.0)


def _clause_before(text: str, pos: int) -> str:
    start = max(0, pos - 140)
    window = text[start:pos]
    cuts = [m.end() for m in _CLAUSE_START.finditer(window)]
    return window[cuts[-1]:] if cuts else window


def _kind(text: str, pos: int) -> str:
    return "capability" if _CAPABILITY.search(_clause_before(text, pos)) else "flight"


def _distances_en(text: str) -> list[tuple[re.Match, float, float | None]]:
    out = []
    for m in _DIST_EN.finditer(text):
        before = text[max(0, m.start() - 2): m.start()]
        if before.endswith("("):
            continue  # "4,600 km (2,860 miles)"
        if _POSITION_AFTER.match(text[m.end(): m.end() + 80]):
            continue
        lo = _metres(_num(m["lo"]), m["u"])
        hi = _metres(_num(m["hi"]), m["u"]) if m["hi"] else None
        out.append((m, lo, hi))
    return out


def _respectively(text: str, dists) -> list[Figure] | None:
    """Figures of "A and B ... X and Y respectively", or None when the sentence has no such list."""
    resp = text.lower().find("respectively")
    if resp < 0:
        return None
    listed = [d for d in dists if d[0].start() < resp]
    if len(listed) < 2:
        return None
    kws = list(_RESPECTIVELY_KW.finditer(text[max(0, listed[0][0].start() - 200): listed[0][0].start()]))
    if len(kws) < len(listed):
        return None
    kws = kws[-len(listed):]
    out = []
    for k, (m, lo, hi) in zip(kws, listed, strict=True):
        name = k.group(0).lower()
        fld = "apogee" if ("altitude" in name or "apogee" in name) else "range"
        value = (lo + hi) / 2 if hi is not None else lo
        out.append(Figure(fld, value, _kind(text, k.start()), m.group(0), m.start(), lo if hi else None, hi))
    return out


_ANY_UNIT = re.compile(r"\d\s*s\b|km|kilomet|mile|minute|min\b|second|hundred|thousand", re.I)


def figures_en(text: str) -> list[Figure]:
    """Range, apogee and flight-time figures of an English sentence, in order."""
    if not _ANY_UNIT.search(text):
        return []
    dists = _distances_en(text)
    out = _respectively(text, dists)
    if out is None:
        out = []
        for m, lo, hi in dists:
            before = _clause_before(text, m.start())
            kw_apogee = [k.end() for k in _APOGEE_KW.finditer(before)]
            kw_range = [k.end() for k in _RANGE_KW.finditer(before)]
            after = text[m.end(): m.end() + 25]
            if re.match(r"^\s*(?:in (?:altitude|height)|high)\b", after, re.I):
                kw_apogee.append(len(before))
            if not kw_apogee and not kw_range:
                if not _NEUTRAL_KW.search(before):
                    continue
                kw_range = [len(before)]
            fld = "apogee" if kw_apogee and (not kw_range or max(kw_apogee) > max(kw_range)) else "range"
            value = (lo + hi) / 2 if hi is not None else lo
            out.append(Figure(fld, value, _kind(text, m.start()), m.group(0), m.start(), lo if hi else None, hi))
    for m in _DURATION.finditer(text):
        before = text[max(0, m.start() - 60): m.start()]
        after = text[m.end(): m.end() + 30]
        fell_later = bool(_FELL_LATER.search(before)) and bool(_LATER.match(text[m.end(): m.end() + 50]))
        if not fell_later and (_NOT_FLIGHT_AFTER.match(after) or re.search(r"\bhover\w*\b[^.;]*$", before, re.I)):
            continue
        if not (fell_later or _FLIGHT_CUE_BEFORE.search(before) or _FLIGHT_CUE_AFTER.match(after)):
            continue
        if m["n2"]:
            seconds = _num(m["n2"])
        else:
            n = m["n"].lower()
            count = _num(n) if n[0].isdigit() else float(NUMBER_WORDS.get(n) or _TENS[n])
            seconds = count * (60.0 if m["u"].lower().startswith("m") else 1.0) + (float(m["s"]) if m["s"] else 0.0)
        out.append(Figure("flight_time", seconds, "flight", m.group(0), m.start()))
    out.sort(key=lambda f: f.position)
    return out


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}


def figures_ja(text: str) -> list[Figure]:
    """Range, apogee and flight-time figures of a Japanese sentence, in order."""
    out: list[Figure] = []
    if "キロ" not in text and "km" not in text and "分" not in text:
        return out
    prev_end = 0
    for m in _DIST_JA.finditer(text):
        before = text[prev_end: m.start()]
        prev_end = m.end()
        if _POSITION_BEFORE_JA.search(text[max(0, m.start() - 8): m.start()]):
            continue
        scale = 1000.0 if (m["k"] or m["sen"]) else 1.0
        lo = _num(m["lo"] or "1") * scale * 1000.0
        hi = _num(m["hi"]) * scale * 1000.0 if m["hi"] else None
        after = text[m.end(): m.end() + 16]
        if re.search(r"発射地点(?:から|の)\s*(?:約|およそ)?\s*$", text[max(0, m.start() - 10): m.start()]):
            fld = "range"  # measured from the launch point: the range
        elif "高度" in before:
            fld = "apogee"
        elif "距離" in before or "射程" in before or re.search(r"飛翔|飛行|飛しょう|飛び|飛ん", after):
            fld = "range"
        else:
            continue
        kind = "capability" if "射程" in before or "射程" in text[max(0, m.start() - 8): m.start()] else "flight"
        value = (lo + hi) / 2 if hi is not None else lo
        out.append(Figure(fld, value, kind, m.group(0), m.start(), lo if hi else None, hi))
    for m in _DURATION_JA.finditer(text):
        minutes = m["a"] or m["b"] or m["c"] or m["d"]
        out.append(Figure("flight_time", 60.0 * float(minutes), "flight", m.group(0), m.start()))
    out.sort(key=lambda f: f.position)
    return out
