"""Rule-based reading of plain-text news reports and official statements about a launch.

:func:`extract_report` finds the facts a report states about the launch it is about: date
(relative days such as "on Tuesday" resolved against the article's own date), missile name and
class, launch place, range, apogee, flight time, where it fell, inside or outside an EEZ (and
whose), what it flew over, and which countries responded and how. Every finding carries the
sentence it came from and, when the sentence says so, who gave the figure.

How the rules avoid the usual traps:

* Paragraphs opening with another time ("last week", "in the last month") speak of other
  launches: their figures are not taken. Sentences naming a different explicit date likewise.
* Paragraphs about a counter-launch (e.g. South Korea firing Hyunmoo-2 missiles) give that
  response, never figures of the North Korean launch.
* A launch date must follow a launch word ("launched on Tuesday"); dates of meetings and calls
  ("on Monday night Washington time discussed ...") are not launch dates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from missilewatch.archive.lexicon import (
    CLASS_WORDS,
    JAPAN_AREA_RE,
    JAPAN_REGIONS,
    MONTH_RE,
    NK_MISSILE_RE,
    NUMBER_WORDS,
    RESPONSE_MISSILE_RE,
    SEAS,
    WEEKDAY_RE,
    WEEKDAYS,
    actors_in,
    month_number,
)
from missilewatch.archive.values import DISTANCE_UNITS

# ---------------------------------------------------------------------------------------- text


def normalise(text: str) -> str:
    """Unicode-normalised text with typographic quotes made plain (’ → ', “” → ")."""
    text = unicodedata.normalize("NFKC", text)
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"),
                 ("\u2014", "-")):
        text = text.replace(a, b)
    return text


_ABBREV = re.compile(
    r"\b(?:U\.S|U\.N|U\.K|Adm|Gen|Lt|Col|Mr|Mrs|Ms|Dr|St|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|"
    r"approx|Inc|Co|Corp|vs|etc)\.(?=\S|\s+[a-z0-9]|\s+[A-Z])"
)
_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"(\[]?[A-Z0-9])")
_DOT = "\u2024"


@dataclass(frozen=True)
class Sentence:
    """A sentence, its paragraph, and what the paragraph is about.

    ``context``: "launch" (may describe the launch), "other" (another time), "counter" (a
    counter-launch by a responding country).
    """

    index: int
    paragraph: int
    text: str
    context: str = "launch"


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text``; every non-empty line is a paragraph (reports put one per line)."""
    out: list[Sentence] = []
    for p, line in enumerate(x.strip() for x in text.splitlines() if x.strip()):
        protected = _ABBREV.sub(lambda m: m.group(0).replace(".", _DOT), line)
        for piece in _SPLIT.split(protected):
            piece = piece.replace(_DOT, ".").strip()
            if piece:
                out.append(Sentence(index=len(out), paragraph=p, text=piece))
    return out


# ------------------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One fact a report states: value (SI for figures), evidence sentence, who said it."""

    field: str
    value: object
    evidence: str
    sentence_index: int
    attributed_to: str | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {"value": _jsonable(self.value), "evidence": self.evidence, "sentence_index": self.sentence_index}
        if self.attributed_to:
            d["attributed_to"] = self.attributed_to
        d.update({k: _jsonable(v) for k, v in self.extra.items()})
        return d


def _jsonable(v):
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


@dataclass
class ReportExtraction:
    """Everything read from one report. Figures in SI; ``to_dict`` gives km and s for JSON."""

    title: str | None
    article_date: date | None
    article_date_evidence: str | None
    date: Finding | None = None
    weekday: str | None = None
    weekday_finding: Finding | None = None
    missile: Finding | None = None
    missile_class: Finding | None = None
    launch_place: Finding | None = None
    range: list[Finding] = field(default_factory=list)
    apogee: list[Finding] = field(default_factory=list)
    flight_time: list[Finding] = field(default_factory=list)
    impact: Finding | None = None
    eez: Finding | None = None
    overflight: Finding | None = None
    responses: list[Finding] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def figures(self) -> list[Finding]:
        return [*self.range, *self.apogee, *self.flight_time]

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
            "article_date": _jsonable(self.article_date),
            "article_date_evidence": self.article_date_evidence,
            "date": one(self.date),
            "weekday": self.weekday,
            "missile": one(self.missile),
            "missile_class": one(self.missile_class),
            "launch_place": one(self.launch_place),
            "range_km": figure(self.range, 1e-3, "km"),
            "apogee_km": figure(self.apogee, 1e-3, "km"),
            "flight_time_s": figure(self.flight_time, 1.0, "s"),
            "impact_description": one(self.impact),
            "eez": one(self.eez) or {"value": "unknown", "whose": None, "evidence": None},
            "overflight": one(self.overflight) or {"value": [], "evidence": None},
            "responses": [r.to_dict() for r in self.responses],
            "skipped": self.skipped,
        }


def _figure_dict(f: Finding, scale: float) -> dict:
    d = f.to_dict()
    d["value"] = round(f.value * scale, 3)
    for key in ("low", "high"):
        if key in f.extra and f.extra[key] is not None:
            d[key] = round(f.extra[key] * scale, 3)
    return d


# ---------------------------------------------------------------------------------------- dates

_FULL_DATES = (
    re.compile(rf"\b(?P<d>\d{{1,2}}) (?P<m>{MONTH_RE})\.?,? (?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<m>{MONTH_RE})\.? ?(?P<d>\d{{1,2}}),? (?P<y>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
)
_MONTH_DAY = re.compile(rf"\b(?P<m>{MONTH_RE})\.? ?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,? (?:19|20)\d\d)(?!:)")
_DAY_MONTH = re.compile(rf"\b(?P<d>\d{{1,2}}) (?P<m>{MONTH_RE})\b(?!\.? ?,? ?(?:19|20)\d\d)")
_DATELINE = re.compile(rf"^[A-Z][A-Za-z/ .]+,\s+(?P<m>{MONTH_RE})\.? (?P<d>\d{{1,2}})\s*\(")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_RELATIVE = re.compile(r"\b(yesterday|today|this morning|earlier today|tonight|last night|earlier this week)\b", re.I)
_LAUNCH_WORD = re.compile(r"\b(?:launch(?:ed|es|ing)?|fir(?:ed|es|ing)|test-fired|flew|lift(?:ed)? off)\b", re.I)
_OTHER_TIME = re.compile(
    r"\b(?:last (?:week|month|year)|in the last (?:week|month|year)|earlier this (?:month|year)|"
    r"the previous (?:week|month|year|day)|(?:a|one|two|three) (?:weeks?|months?|years?) ago)\b",
    re.I,
)


def _mkdate(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _full_dates(text: str) -> list[tuple[int, date]]:
    out = []
    for pattern in _FULL_DATES:
        for m in pattern.finditer(text):
            month = int(m["m"]) if m["m"].isdigit() else month_number(m["m"])
            d = _mkdate(int(m["y"]), month, int(m["d"])) if month else None
            if d:
                out.append((m.start(), d))
    return out


def infer_year(month: int, day: int, weekday: int | None, earliest: int, latest: int) -> int | None:
    """The year in ``[earliest, latest]`` in which month/day falls on ``weekday`` (0 = Monday).

    Used for datelines without a year ("Tokyo, Feb 2 (EFE)" with "Wednesday" in the lead):
    the earliest fitting year, or None when none fits or no weekday is known.
    """
    if weekday is None:
        return None
    for year in range(earliest, latest + 1):
        d = _mkdate(year, month, day)
        if d and d.weekday() == weekday:
            return year
    return None


def article_date(sentences: list[Sentence], text: str, today: date) -> tuple[date | None, str | None]:
    """The report's own date and the sentence it came from.

    The latest full date the text gives (a report is written on or after the dates it names);
    otherwise a dateline "City, Mon D (Agency)" with its year inferred from the weekday the lead
    names and the years the text mentions.
    """
    best: tuple[date, str] | None = None
    for s in sentences:
        for _, d in _full_dates(s.text):
            if d <= today and (best is None or d > best[0]):
                best = (d, s.text)
    if best:
        return best
    years = [int(y) for y in _YEAR.findall(text) if int(y) <= today.year]
    for s in sentences[:6]:
        m = _DATELINE.match(s.text)
        if not m:
            continue
        month = month_number(m["m"])
        wd = WEEKDAY_RE.search(s.text)
        weekday = WEEKDAYS.index(wd.group(1).lower()) if wd else None
        year = infer_year(month, int(m["d"]), weekday, max(years) if years else today.year - 30, today.year)
        if year:
            return date(year, month, int(m["d"])), s.text
    return None, None


def _resolve_weekday(anchor: date, weekday: int) -> date:
    """The latest date on or before ``anchor`` that falls on ``weekday``."""
    return anchor - timedelta(days=(anchor.weekday() - weekday) % 7)


@dataclass(frozen=True)
class _DateMention:
    kind: str  # "explicit", "weekday", "relative"
    value: date | None
    weekday: int | None
    text: str
    sentence: Sentence


def _date_mentions(s: Sentence, anchor: date | None) -> list[_DateMention]:
    """Dates in ``s`` that follow a launch word (at most 16 words after it)."""
    out: list[_DateMention] = []
    launch_ends = [m.end() for m in _LAUNCH_WORD.finditer(s.text)]

    def after_launch(pos: int) -> bool:
        before = [e for e in launch_ends if e <= pos]
        return bool(before) and len(s.text[before[-1]:pos].split()) <= 16

    taken: list[tuple[int, int]] = []
    for pos, d in _full_dates(s.text):
        if after_launch(pos):
            out.append(_DateMention("explicit", d, None, d.isoformat(), s))
        taken.append((pos, pos + 12))
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        for m in pattern.finditer(s.text):
            if any(a <= m.start() < b for a, b in taken) or not after_launch(m.start()):
                continue
            month = month_number(m["m"])
            if not month:
                continue
            value = None
            if anchor is not None:
                value = _mkdate(anchor.year, month, int(m["d"]))
                if value and value > anchor:
                    value = _mkdate(anchor.year - 1, month, int(m["d"]))
            out.append(_DateMention("explicit", value, None, m.group(0), s))
    for m in WEEKDAY_RE.finditer(s.text):
        if after_launch(m.start()):
            wd = WEEKDAYS.index(m.group(1).lower())
            out.append(_DateMention("weekday", _resolve_weekday(anchor, wd) if anchor else None, wd, m.group(0), s))
    for m in _RELATIVE.finditer(s.text):
        if after_launch(m.start()) and anchor is not None:
            word = m.group(1).lower()
            if word in ("yesterday", "last night"):
                out.append(_DateMention("relative", anchor - timedelta(days=1), None, m.group(0), s))
            elif word != "earlier this week":
                out.append(_DateMention("relative", anchor, None, m.group(0), s))
    return out


# ------------------------------------------------------------------------------------ contexts

_COUNTER = re.compile(r"\b(?:reacted|responded|in response|retaliat)\w*", re.I)


def _classify(sentences: list[Sentence]) -> list[Sentence]:
    """Give each sentence its paragraph's context (launch / other / counter)."""
    firsts: dict[int, Sentence] = {}
    for s in sentences:
        firsts.setdefault(s.paragraph, s)
    out = []
    for s in sentences:
        lead = firsts[s.paragraph].text
        if RESPONSE_MISSILE_RE.search(lead) or (_COUNTER.search(lead) and _LAUNCH_WORD.search(lead)):
            ctx = "counter"
        elif _OTHER_TIME.search(lead) and not WEEKDAY_RE.search(lead):
            ctx = "other"
        else:
            ctx = "launch"
        out.append(Sentence(s.index, s.paragraph, s.text, ctx))
    return out


# ------------------------------------------------------------------------------------- figures

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DIST = re.compile(
    rf"(?P<lo>{_NUM})(?:\s*(?:-|to)\s*(?P<hi>{_NUM}))?\s*(?P<u>kilometers|kilometres|km|miles)\b", re.I
)
_WHERE_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,1}(?:east|west|north|south|northeast|northwest|southeast|southwest|off|from|away)\b", re.I
)
_APOGEE_KW = re.compile(r"\b(?:(?:maximum|max\.?|peak|highest)\s+(?:altitude|height)|apogee|altitude|height)\b", re.I)
_RANGE_KW = re.compile(r"\b(?:range|flew|flown|flying|travell?ed|travell?ing|flight distance|distance)\b", re.I)
_MINUTES = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|" + "|".join(k for k in NUMBER_WORDS if " " not in k and len(k) > 2)
    + r")(?:\s*|-)(?P<u>minutes?|mins?|seconds?)\b",
    re.I,
)
_FLIGHT_TIME_KW = re.compile(r"\b(?:flight time|flew for|flying for|in the air|in flight|flight lasted|flight of)\b", re.I)
_ACCORDING = re.compile(r"\baccording to (?P<who>[^,;.]+(?:\.[A-Z][^,;.]*)*)", re.I)
_SAYING = re.compile(r"\b(?:said|says|stated|reported|announced|estimated|told)\b")


def _to_m(number: str, unit: str) -> float:
    unit = unit.lower()
    factor = 1000.0 if unit.startswith("k") else DISTANCE_UNITS["miles"]
    return float(number.replace(",", "")) * factor


def attribution(sentence: str) -> str | None:
    """Who gives the figures of ``sentence``: "according to X", else the speaker of "X said"."""
    m = _ACCORDING.search(sentence)
    if m:
        who = [a for _, a in actors_in(m["who"])]
        if who:
            return who[0]
    said = _SAYING.search(sentence)
    if said:
        # The speaker stands before "said": the actor named nearest before it.
        who = [a for p, a in actors_in(sentence) if a != "North Korea" and p < said.start()]
        if who:
            return who[-1]
    return None


def _figures(s: Sentence, who: str | None) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """(range, apogee, flight time) findings of one sentence; ``who`` gave them."""
    ranges, apogees, times = [], [], []
    prev_end = -10
    for m in _DIST.finditer(s.text):
        converted = s.text[prev_end:m.start()].strip() == "("  # "4,600 km (2,860 miles)"
        prev_end = m.end()
        if converted or _WHERE_AFTER.match(s.text[m.end():]):
            continue
        before = s.text[:m.start()]
        kw_apogee = [k.end() for k in _APOGEE_KW.finditer(before)]
        kw_range = [k.end() for k in _RANGE_KW.finditer(before)]
        if not kw_apogee and not kw_range:
            continue
        lo = _to_m(m["lo"], m["u"])
        hi = _to_m(m["hi"], m["u"]) if m["hi"] else None
        extra = {"low": lo, "high": hi} if hi is not None else {}
        value = (lo + hi) / 2 if hi is not None else lo
        f = Finding("", value, s.text, s.index, who, extra | {"raw": m.group(0)})
        if kw_apogee and (not kw_range or max(kw_apogee) > max(kw_range)):
            apogees.append(Finding("apogee", f.value, f.evidence, f.sentence_index, who, f.extra))
        else:
            ranges.append(Finding("range", f.value, f.evidence, f.sentence_index, who, f.extra))
    if _FLIGHT_TIME_KW.search(s.text):
        for m in _MINUTES.finditer(s.text):
            n = m["n"].lower()
            count = float(n) if n[0].isdigit() else float(NUMBER_WORDS[n])
            seconds = count * (60.0 if m["u"].lower().startswith("min") else 1.0)
            times.append(Finding("flight_time", seconds, s.text, s.index, who, {"raw": m.group(0)}))
    return ranges, apogees, times


# --------------------------------------------------------------------------- what / where / over

_SEA = "|".join(SEAS)
_IMPACT = re.compile(
    r"\b(?:landed|fell|splashed down|crashed|impacted|plunged|dropped)\s+(?P<phrase>(?:in|into|on|near|about|some|"
    r"approximately|off|outside|inside|within)\b[^;]*)",
    re.I,
)
_INTO_SEA = re.compile(rf"(?P<phrase>(?:far out |far )?into (?:the )?(?:{_SEA})\b[^,;]*)")
_CLAUSE_END = re.compile(r",\s*(?:according|said|which|while|where|and)\b|\s+\(|[.,;]\s*$|,\s*\"")
_EEZ = re.compile(r"exclusive economic zone|\bEEZ\b", re.I)
_EEZ_OUT = re.compile(r"\b(?:outside|beyond)\b|\bnot\s+(?:land|fall|fell|landed)\b", re.I)
_EEZ_IN = re.compile(r"\b(?:inside|within|in(?:to)?)\s+(?:[\w']+\s+){0,3}(?:exclusive economic zone|EEZ)", re.I)
_EEZ_WHOSE = re.compile(r"(?P<who>[\w.']+(?:'s)?)\s+(?:exclusive economic zone|EEZ)", re.I)
_OVER = re.compile(
    r"\b(?:flew|flown|flying|passed|passing|launch(?:ed)?|fired|missile|went|trajector\w*)\s+(?:[\w-]+\s+){0,3}?"
    r"over\s+(?P<area>(?:the\s+)?[A-Z][\w-]+(?:\s+[A-Za-z][\w-]+){0,2})"
    r"|\boverfl(?:ew|ying|own)\s+(?P<area2>(?:the\s+)?[A-Z][\w-]+(?:\s+[A-Za-z][\w-]+){0,2})"
)
_PLACE = re.compile(
    r"\b(?:launched|fired|lifted off|took off)\s+(?:[\w-]+\s+){0,6}?from\s+(?:the\s+)?(?:area of\s+|vicinity of\s+|"
    r"near\s+|around\s+)?(?P<place>[A-Z][\w'-]+(?:[ -][A-Z][\w'-]+){0,3})"
)


_TRAILING_TIME = re.compile(r"\s+(?:on|early|late|in the)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
                            r"Sunday|morning|afternoon|evening|night)\b.*$", re.I)


def _trim_clause(phrase: str) -> str:
    m = _CLAUSE_END.search(phrase)
    phrase = phrase[: m.start()] if m else phrase
    phrase = _TRAILING_TIME.sub("", phrase)
    return phrase.strip(" ,.;\"")


def _overflight_areas(text: str) -> list[str]:
    areas: list[str] = []
    for m in _OVER.finditer(text):
        area = (m["area"] or m["area2"] or "").strip()
        if JAPAN_AREA_RE.match(area) or JAPAN_AREA_RE.match(re.sub(r"^the\s+", "", area)):
            name = "Japan"
        else:
            name = next((r for r in JAPAN_REGIONS if re.match(rf"(?:the\s+)?{r}\b", area)), None)
        if name and name not in areas:
            areas.append(name)
    return areas


def _eez(s: Sentence, sentences: list[Sentence]) -> Finding | None:
    if not _EEZ.search(s.text):
        return None
    verdict = "outside" if _EEZ_OUT.search(s.text) else "inside" if _EEZ_IN.search(s.text) else "unknown"
    whose = None
    m = _EEZ_WHOSE.search(s.text)
    if m:
        named = [a for _, a in actors_in(m["who"])]
        if named:
            whose = named[0]
        elif m["who"].lower() in ("country's", "its", "nation's"):
            # "the country's EEZ": the last country named before it, here or earlier in the paragraph.
            earlier = [x.text for x in sentences if x.paragraph == s.paragraph and x.index < s.index]
            context = " ".join(earlier) + " " + s.text[: m.start()]
            named = [a for _, a in actors_in(context) if a not in ("North Korea", "United Nations", "NATO")]
            whose = named[-1] if named else None
    return Finding("eez", verdict, s.text, s.index, attribution(s.text), {"whose": whose})


# ------------------------------------------------------------------------------------ responses

RESPONSE_RULES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(p, re.I))
    for kind, p in (
        ("condemnation", r"\bcondemn(?:ed|s|ing)?\b"),
        ("national_security_council", r"\bconvened (?:the |a |an )?(?:emergency )?(?:National Security Council|NSC)\b"),
        ("emergency_headquarters", r"\b(?:established|set up|launched) an? (?:emergency )?(?:headquarters|task force)\b"),
        ("no_interception", r"no measures (?:were )?taken to destroy|took no measures to destroy|"
                            r"did not (?:shoot down|intercept)|\bnot to (?:shoot down|intercept)"),
        ("tracking", r"\b(?:monitored|tracked)\b[^.]*\bflight\b"),
        ("un_security_council", r"(?:called for|requested|convene|framework of)\s+(?:an?\s+|the\s+)?(?:emergency\s+)?"
                                r"(?:UN|U\.N\.|United Nations)\s+Security Council"),
        ("sanctions", r"\b(?:impose|stricter|additional|tougher)\b[^.]*\bsanctions\b"),
        ("pressure", r"\b(?:impose|increase|put)\b[^.]*\bpressure\b|\bwill pay the price\b"),
        ("consultations", r"\b(?:discussed|consulted|telephone (?:talks|conversation)|phone call|"
                          r"spoke (?:over the phone|by phone|with)|held talks|exchanged views)\b"),
        ("cooperation", r"\bagreed to (?:\w+ ){0,4}(?:cooperat\w*|work together|step up|enhance|expand)|"
                        r"\breaffirmed\b[^.]*\bcooperation\b|\bagreed that\b[^.]*\bwork together\b"),
        ("alert", r"\bJ-Alert\b|\bissued an? (?:alert|warning)\b|\bevacuat\w+"),
        ("regret", r"\bregrettable\b|\blodged a protest\b|\bprotested\b"),
    )
)
_COUNTER_FIRE = re.compile(
    r"\b(?:fir(?:ed|ing)|launch(?:ed|ing)|test-fir(?:ed|ing))\s+(?P<count>\d+|"
    + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\s+(?P<missile>"
    + RESPONSE_MISSILE_RE.pattern + r")",
    re.I,
)
_HIT = re.compile(r"\b(?:one|the first)\b[^.]*?\b(?:hit|struck|reached|destroyed)\b", re.I)
_MISS = re.compile(r"\b(?:the other|the second|one)\b[^.]*?\b(?:fell|crashed|failed|exploded|malfunction\w*|lost)\b",
                   re.I)
_AWAY = re.compile(rf"(?P<n>{_NUM})\s*(?P<u>kilometers|kilometres|km|miles)\s+away", re.I)
_DELAY = re.compile(r"\b(?P<n>\d+|" + "|".join(k for k in NUMBER_WORDS if " " not in k and len(k) > 2)
                    + r")\s+minutes?\s+after\b", re.I)
_NON_RESPONDERS = ("North Korea",)
# Capitalised words that are titles or sentence openers, never a person's name.
_TITLE_WORDS = frozenset(
    "The In On At Meanwhile However Following Earlier Later Secretary Minister President Prime Adviser Advisor "
    "Director General Spokesperson Spokesman Admiral Adm Chief Foreign Defense Defence National Security Council "
    "Office Ministry Cabinet Assistant Deputy Special Representative Senior Officials Commander State Affairs".split()
)
_CLAUSE_BOUNDARY = re.compile(r",\s*who\b|\bsaid(?: that)?\b|;\s*")


def _person_actor(name: str, sentences: list[Sentence]) -> str | None:
    """Actor of a person named by surname: the one named within 80 characters of that name."""
    for s in sentences:
        for m in re.finditer(rf"\b{re.escape(name)}\b", s.text):
            start = max(0, m.start() - 80)
            window = s.text[start: m.end() + 80]
            here = m.start() - start
            found = sorted(((abs(p - here), a) for p, a in actors_in(window) if a not in _NON_RESPONDERS))
            if found:
                return found[0][1]
    return None


def _responders(s: Sentence, trigger_pos: int, sentences: list[Sentence]) -> list[str]:
    """Who acts in ``s``: actors before the trigger, else persons named there, else the sentence before."""
    named = [(p, a) for p, a in actors_in(s.text) if a not in _NON_RESPONDERS]
    # "X said that he spoke with Y, who condemned ...": the actor is the one right before ", who".
    bound = None
    for m in _CLAUSE_BOUNDARY.finditer(s.text[:trigger_pos]):
        bound = m
    if bound is not None:
        inside = [a for p, a in named if bound.end() <= p < trigger_pos]
        if inside:
            return list(dict.fromkeys(inside))
        if bound.group(0).strip(" ,") == "who":
            last = [a for p, a in named if p < bound.start()]
            if last:
                return [last[-1]]
    before = [a for p, a in named if p < trigger_pos]
    if before:
        return list(dict.fromkeys(before))
    for word in reversed(re.findall(r"\b[A-Z][a-z]{2,}\b", s.text[:trigger_pos])):
        if word in _TITLE_WORDS or actors_in(word):
            continue
        actor = _person_actor(word, [x for x in sentences if x.index != s.index])
        if actor:
            return [actor]
    anywhere = [a for _, a in actors_in(s.text) if a not in _NON_RESPONDERS]
    if anywhere:
        return list(dict.fromkeys(anywhere))[:1]
    # "The ministry added ...": the actor of the sentence before.
    prev = [x for x in sentences if x.index == s.index - 1]
    if prev:
        return list(dict.fromkeys(a for _, a in actors_in(prev[0].text) if a not in _NON_RESPONDERS))[:1]
    return []


def _counter_launch(s: Sentence, sentences: list[Sentence]) -> Finding | None:
    m = _COUNTER_FIRE.search(s.text)
    if not m:
        return None
    count_word = m["count"].lower()
    count = int(count_word) if count_word.isdigit() else NUMBER_WORDS[count_word]
    who = _responders(s, m.start(), sentences)
    detail: dict = {"action": "missile_launch", "countries": who, "missile": m["missile"], "count": count,
                    "succeeded": 0, "failed": 0, "outcomes": []}
    delay = _DELAY.search(s.text)
    if delay:
        n = delay["n"].lower()
        detail["delay_s"] = 60.0 * (float(n) if n.isdigit() else NUMBER_WORDS[n])
    evidence = [s.text]
    for later in sentences:
        if later.paragraph != s.paragraph or later.index <= s.index:
            continue
        if _MISS.search(later.text) and not _HIT.search(later.text):
            detail["failed"] += 1
            detail["outcomes"].append({"outcome": "failed", "evidence": later.text})
            evidence.append(later.text)
        elif _HIT.search(later.text):
            detail["succeeded"] += 1
            outcome = {"outcome": "hit target", "evidence": later.text}
            away = _AWAY.search(later.text)
            if away:
                outcome["distance_km"] = _to_m(away["n"], away["u"]) / 1000.0
            detail["outcomes"].append(outcome)
            evidence.append(later.text)
    detail["evidence_all"] = evidence
    return Finding("response", detail, s.text, s.index, who[0] if who else None)


def _responses(sentences: list[Sentence]) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for s in sentences:
        if s.context == "other":
            continue
        counter = _counter_launch(s, sentences)
        if counter:
            key = (counter.attributed_to or "?", "missile_launch")
            if key not in seen:
                seen.add(key)
                out.append(counter)
            continue
        if s.context == "counter":
            continue
        for kind, pattern in RESPONSE_RULES:
            m = pattern.search(s.text)
            if not m:
                continue
            for actor in _responders(s, m.start(), sentences):
                if (actor, kind) in seen:
                    continue
                seen.add((actor, kind))
                out.append(Finding("response", {"country": actor, "action": kind}, s.text, s.index, actor))
    return out


# ----------------------------------------------------------------------------------------- main


def extract_report(text: str, *, today: date | None = None) -> ReportExtraction:
    """Read the launch facts a plain-text report states, each with its evidence sentence."""
    today = today or datetime.now(UTC).date()
    text = normalise(text)
    sentences = _classify(split_sentences(text))
    # The headline: the first line of five words or more (site menus and bylines are shorter).
    title = next((x.strip(" \t\u2022*-|") for x in text.splitlines() if len(x.split()) >= 5), None)
    anchor, anchor_evidence = article_date(sentences, text, today)
    out = ReportExtraction(title=title, article_date=anchor, article_date_evidence=anchor_evidence)

    # The launch date: explicit dates before weekdays before "yesterday"/"today".
    mentions = [d for s in sentences if s.context == "launch" for d in _date_mentions(s, anchor)]
    for kind in ("explicit", "weekday", "relative"):
        chosen = [d for d in mentions if d.kind == kind and d.value is not None]
        if chosen:
            values = [d.value for d in chosen]
            best = max(set(values), key=values.count)
            first = next(d for d in chosen if d.value == best)
            extra = {"resolved_from": first.text, "precision": "day"}
            if kind != "explicit":
                extra["relative_to_article_date"] = anchor.isoformat()
            if len(set(values)) > 1:
                extra["other_dates"] = sorted({v.isoformat() for v in values if v != best})
            out.date = Finding("date", best, first.sentence.text, first.sentence.index, None, extra)
            break
    weekdays = [d.weekday for d in mentions if d.kind == "weekday"]
    if out.date is not None:
        out.weekday = WEEKDAYS[out.date.value.weekday()].capitalize()
    elif weekdays:
        wd = max(set(weekdays), key=weekdays.count)
        out.weekday = WEEKDAYS[wd].capitalize()
        first = next(d for d in mentions if d.kind == "weekday" and d.weekday == wd)
        out.weekday_finding = Finding("weekday", out.weekday, first.sentence.text, first.sentence.index, None,
                                      {"resolved_from": first.text, "note": "the report gives no date of its own"})

    launch_date = out.date.value if out.date else None
    speaker: tuple[int, str | None] = (-1, None)
    for s in sentences:
        if s.context != "launch":
            if s.context == "other" and (_DIST.search(s.text) or NK_MISSILE_RE.search(s.text)):
                out.skipped.append({"sentence_index": s.index, "sentence": s.text,
                                    "reason": "paragraph speaks of another time (e.g. 'last week')"})
            continue
        other_dates = [d for _, d in _full_dates(s.text) if launch_date and d != launch_date]
        if other_dates and _LAUNCH_WORD.search(s.text) is None:
            continue
        # Who speaks: named in the sentence, else whoever spoke in the sentence before (same paragraph).
        who = attribution(s.text)
        if who is None and speaker[0] == s.paragraph:
            who = speaker[1]
        if who is not None:
            speaker = (s.paragraph, who)
        r, a, t = _figures(s, who)
        if (r or a or t) and other_dates:
            out.skipped.append({"sentence_index": s.index, "sentence": s.text,
                                "reason": f"names another date ({other_dates[0].isoformat()})"})
            continue
        out.range += r
        out.apogee += a
        out.flight_time += t
        if out.missile is None and (m := NK_MISSILE_RE.search(s.text)):
            out.missile = Finding("missile", m.group(0), s.text, s.index, attribution(s.text))
        if out.missile_class is None:
            for pattern, code in CLASS_WORDS:
                if (m := re.search(pattern, s.text)):
                    out.missile_class = Finding("missile_class", code, s.text, s.index, None, {"words": m.group(0)})
                    break
        if out.launch_place is None and (m := _PLACE.search(s.text)):
            place = m["place"]
            if not actors_in(place):
                out.launch_place = Finding("launch_place", place, s.text, s.index, attribution(s.text))
        if out.impact is None:
            m = _IMPACT.search(s.text)
            if m is None and _LAUNCH_WORD.search(s.text):
                m = _INTO_SEA.search(s.text)
            if m:
                out.impact = Finding("impact_description", _trim_clause(m["phrase"]), s.text, s.index,
                                     attribution(s.text))
        if out.eez is None or out.eez.value == "unknown":
            found = _eez(s, sentences)
            if found and (out.eez is None or found.value != "unknown"):
                out.eez = found
        areas = _overflight_areas(s.text)
        if areas:
            if out.overflight is None:
                out.overflight = Finding("overflight", areas, s.text, s.index, attribution(s.text),
                                         {"mentions": 1})
            else:
                merged = list(dict.fromkeys([*out.overflight.value, *areas]))
                out.overflight = Finding("overflight", merged, out.overflight.evidence, out.overflight.sentence_index,
                                         out.overflight.attributed_to,
                                         {"mentions": out.overflight.extra["mentions"] + 1})
    out.responses = _responses(sentences)
    return out
