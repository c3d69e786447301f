"""Dates and times: the article's own date, the launch date resolved against it, the launch time.

The article's date comes from the report's ``Date:`` header, else the latest full date in the
text (never a file or handout picture's), else a dateline "City, Mon D (Agency)" whose year the
weekday in the lead fixes, when exactly one year in the window fits. A launch date is a date
that follows a launch word ("launched on Tuesday", "test-fired ... on May 2", "Earlier today,
... launched", "15日午前7時ごろ...発射"); a weekday is resolved to the day within six days
before the article's date, or the day after it (an American paper dates an East Asian morning
the evening before). Times are local (UTC+09:00 for Japan and Korea) unless marked GMT/UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

import dateparser

from missilewatch.archive.lexicon import MONTH_RE, WEEKDAY_RE, WEEKDAYS, month_number
from missilewatch.archive.reader.text import Sentence, is_handout_caption

LOCAL = timezone(timedelta(hours=9))

_FULL_DATES = (
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<m>{MONTH_RE})\.?,? (?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<m>{MONTH_RE})\.? ?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d\d?)[-/.](?P<d>\d\d?)\b"),
    re.compile(r"(?P<y>(?:19|20)\d\d)年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
    re.compile(r"(?P<era>令和|平成)(?P<y>\d{1,2}|元)年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
)
_ERA_START = {"令和": 2018, "平成": 1988}
_MONTH_DAY = re.compile(rf"\b(?P<m>{MONTH_RE})\.? ?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,? (?:19|20)\d\d)(?![:\d])")
_DAY_MONTH = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?P<m>{MONTH_RE})\b(?!\.? ?,? ?(?:19|20)\d\d)")
_ORDINAL_DAY = re.compile(r"\b(?:on )?the (?P<d>\d{1,2})(?:st|nd|rd|th)\b(?! (?:time|launch|missile))")
_JA_MONTH_DAY = re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_JA_DAY = re.compile(r"(?<![\d月年])(?P<d>\d{1,2})日(?!間)")
_DATELINE = re.compile(rf"^(?:[A-Z][A-Za-z/ .]+,\s+)?(?P<m>{MONTH_RE})\.? (?P<d>\d{{1,2}})\.?\s*(?:\(|/|-)")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_RELATIVE = re.compile(r"\b(yesterday|today|this morning|earlier today|tonight|last night|earlier in the day|"
                       r"earlier on \w+day)\b|(本日|今日|昨日)", re.I)
LAUNCH_WORD = re.compile(r"\b(?:launch(?:ed|es|ing)?|fir(?:ed|es|ing)|test-fir(?:ed|ing)|flew|lift(?:ed)? off|"
                          r"tested|test-launch\w*|conducted|carried out)\b|発射", re.I)
_MEETING = re.compile(r"\b(?:discuss\w*|met|meet\w*|spoke|talks?|called|phone|agreed|summit|will|plans?|"
                      r"convened|condemned|said|reported|announced|told|election|vote|visit|ahead of)\b", re.I)


def mkdate(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


_YEARISH = re.compile(r"(?:19|20)\d\d|令和|平成")


def _year(m: re.Match) -> int:
    """The Gregorian year of a date match (Japanese era years: 令和4年 = 2022)."""
    era = m.groupdict().get("era")
    if era:
        return _ERA_START[era] + (1 if m["y"] == "元" else int(m["y"]))
    return int(m["y"])


@lru_cache(maxsize=4096)
def full_dates(text: str) -> tuple[tuple[int, date], ...]:
    """(position, date) of every date with its year in ``text``."""
    if not _YEARISH.search(text):
        return ()
    out = []
    for pattern in _FULL_DATES:
        for m in pattern.finditer(text):
            month = int(m["m"]) if m["m"].isdigit() else month_number(m["m"])
            d = mkdate(_year(m), month, int(m["d"])) if month else None
            if d:
                out.append((m.start(), d))
    return tuple(out)


def infer_year(month: int, day: int, weekday: int | None, earliest: int, latest: int) -> int | None:
    """The one year in ``[earliest, latest]`` in which month/day falls on ``weekday`` (0 = Monday).

    None when no weekday is known, or when no year or more than one year fits (a guess among
    several would date the report wrongly).
    """
    if weekday is None:
        return None
    fits = [y for y in range(earliest, latest + 1) if (d := mkdate(y, month, day)) and d.weekday() == weekday]
    return fits[0] if len(fits) == 1 else None


def header_date(value: str) -> date | None:
    """The date of a ``Date:`` header (ISO, or any form dateparser reads); None for a bare month."""
    if re.fullmatch(r"\d{4}-\d\d", value.strip()):
        return None
    settings = {"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]}
    parsed = dateparser.parse(value, settings=settings)
    return parsed.date() if parsed else None


def article_date(header: dict[str, str], sentences: list[Sentence], text: str, today: date
                 ) -> tuple[date | None, str | None]:
    """The report's own date and where it came from (see the module docstring)."""
    if "date" in header and (d := header_date(header["date"])) is not None and d <= today:
        return d, f"Date: {header['date']}"
    best: tuple[date, str] | None = None
    for s in sentences:
        if is_handout_caption(s.text):
            continue
        for _, d in full_dates(s.text):
            if d <= today and (best is None or d > best[0]):
                best = (d, s.text)
    if best:
        return best
    years = [int(y) for y in _YEAR.findall(text) if int(y) <= today.year]
    for s in sentences[:6]:
        m = _DATELINE.search(s.text)
        if not m:
            continue
        month = month_number(m["m"])
        if month is None:
            continue
        wd = WEEKDAY_RE.search(" ".join(x.text for x in sentences[:4]))
        weekday = WEEKDAYS.index(wd.group(1).lower()) if wd else None
        year = infer_year(month, int(m["d"]), weekday, max(years) if years else today.year - 30, today.year)
        if year:
            return date(year, month, int(m["d"])), s.text
    return None, None


def resolve_weekday(anchor: date, weekday: int) -> date:
    """The day falling on ``weekday`` within six days before ``anchor`` or the day after it."""
    if (anchor + timedelta(days=1)).weekday() == weekday:
        return anchor + timedelta(days=1)
    return anchor - timedelta(days=(anchor.weekday() - weekday) % 7)


@dataclass(frozen=True)
class DateMention:
    kind: str  # "explicit", "weekday", "relative"
    value: date | None
    weekday: int | None
    text: str
    sentence: Sentence
    distance: int  # words from the launch word


def _month_day(anchor: date | None, month: int, day: int) -> date | None:
    if anchor is None:
        return None
    value = mkdate(anchor.year, month, day)
    if value and value > anchor + timedelta(days=1):
        value = mkdate(anchor.year - 1, month, day)
    return value


def _day_only(anchor: date | None, day: int) -> date | None:
    if anchor is None:
        return None
    value = mkdate(anchor.year, anchor.month, day)
    if value is None or value > anchor + timedelta(days=1):
        prev = anchor.replace(day=1) - timedelta(days=1)
        value = mkdate(prev.year, prev.month, day)
    return value


def date_mentions(s: Sentence, anchor: date | None) -> list[DateMention]:
    """Dates in ``s`` tied to a launch word (within 16 words, before or after), nearest first."""
    japanese = bool(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", s.text))
    launches = [(m.start(), m.end()) for m in LAUNCH_WORD.finditer(s.text)]
    if not launches:
        return []

    def distance(pos: int, loose: bool = False) -> int | None:
        best = None
        for a, b in launches:
            if japanese and pos >= b:
                continue  # Japanese dates stand before the verb: 「4日午前7時22分ごろ…発射」
            if pos - b > 300 or a - pos > 300:
                continue  # more than 22 words away in any case
            gap = s.text[b:pos] if pos >= b else s.text[pos:a]
            n = len(gap) // 4 if japanese else len(gap.split())
            if pos < a and not japanese and n > (12 if loose else 3):
                continue  # an English date before the launch word: "On Tuesday, North Korea launched"
            if _MEETING.search(gap) and not japanese and pos >= b and n > 4:
                continue
            best = n if best is None else min(best, n)
        return best if best is not None and best <= 22 else None

    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(kind, value, wd, m, loose=False):
        if any(a <= m.start() < b for a, b in taken):
            return
        d = distance(m.start(), loose)
        taken.append((m.start(), m.end()))
        if d is not None:
            out.append(DateMention(kind, value, wd, m.group(0), s, d))

    for pattern in _FULL_DATES:
        for m in pattern.finditer(s.text):
            month = int(m["m"]) if m["m"].isdigit() else month_number(m["m"])
            add("explicit", mkdate(_year(m), month, int(m["d"])) if month else None, None, m)
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        for m in pattern.finditer(s.text):
            month = month_number(m["m"])
            if month:
                add("explicit", _month_day(anchor, month, int(m["d"])), None, m)
    for m in _JA_MONTH_DAY.finditer(s.text):
        add("explicit", _month_day(anchor, int(m["m"]), int(m["d"])), None, m)
    for pattern in (_ORDINAL_DAY, _JA_DAY):
        for m in pattern.finditer(s.text):
            add("explicit", _day_only(anchor, int(m["d"])), None, m, loose=True)
    for m in WEEKDAY_RE.finditer(s.text):
        wd = WEEKDAYS.index(m.group(1).lower())
        add("weekday", resolve_weekday(anchor, wd) if anchor else None, wd, m)
    for m in _RELATIVE.finditer(s.text):
        word = m.group(0).lower()
        if anchor is None:
            continue
        if word in ("yesterday", "last night", "昨日"):
            add("relative", anchor - timedelta(days=1), None, m)
        elif word.startswith("earlier on "):
            continue
        else:
            add("relative", anchor, None, m, loose=True)
    out.sort(key=lambda d: d.distance)
    return out


# ------------------------------------------------------------------------------------------ time

_TIME_EN = re.compile(
    r"(?<![\d:.,])(?P<h>\d{1,2})(?::(?P<min>\d\d)|\.(?P<min2>\d\d)(?=\s*[ap]\.?\s?m\b))?\s*"
    r"(?P<ampm>[ap]\.?\s?m\.?|AM|PM)?(?![\d])"
    r"(?:\s*\(?(?P<zone>JST|KST|GMT|UTC|EDT|EST|ET|PT|Moscow time|local time|Korea time|Japan time|"
    r"Pyongyang time)\b\)?)?",
    re.I,
)
_TIME_JA = re.compile(r"(?P<pre>午前|午後|朝|夜|未明|夕方)?(?P<h>\d{1,2})時(?:(?P<min>\d{1,2})分|半)?(?!台)")
# The verb that governs a time: the launch, or something else (the fall, the overflight, a report).
_TIME_VERB = re.compile(r"\b(?P<launch>launch(?:ed|es|ing)?|fir(?:ed|es|ing)|test-fired|occurred|lifted off|"
                        r"took off)\b|"
                        r"\b(?P<other>fell|fallen|falling|falls|land(?:ed|ing|s)?|splash\w*|crash\w*|impact\w*|"
                        r"travell?ed|passed|passing|flew|detected|expected|ago|until|reported|issued|warned)\b", re.I)
_FALL_AFTER = re.compile(r"[^.;]{0,12}?,?\s*(?:it\s+|the missile\s+)?(?:landed|fell|splashed|crashed|passed)\b", re.I)
_GMT_AFTER = re.compile(r"[^()]{0,25}\((\d{1,2}):(\d\d)\s*(?:[ap]\.?m\.?\s*)?(?:GMT|UTC)", re.I)
_FOREIGN_ZONES = ("edt", "est", "et", "pt", "moscow time")


@dataclass(frozen=True)
class LaunchTime:
    local: str  # "HH:MM" at the launch site (UTC+09:00 unless the text said otherwise)
    utc: str | None  # "HH:MM" UTC
    text: str


def _hhmm(h: int, mi: int) -> str | None:
    return f"{h:02d}:{mi:02d}" if 0 <= h < 24 and 0 <= mi < 60 else None


def launch_time(s: Sentence) -> LaunchTime | None:
    """The launch time a launch sentence gives, or None (times of the fall or overflight are not it)."""
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", s.text):
        for m in _TIME_JA.finditer(s.text):
            after = s.text[m.end(): m.end() + 60]
            verb = re.search(r"発射|落下|通過|飛翔|消失|探知|開いた|会見|再開|伝えた", after)
            labelled = re.search(r"発射(?:推定)?(?:時刻|時間)は[^。]{0,8}$", s.text[max(0, m.start() - 16): m.start()])
            if not labelled and (verb is None or verb.group(0) != "発射"):
                continue
            h = int(m["h"]) + (12 if m["pre"] in ("午後", "夜", "夕方") and int(m["h"]) < 12 else 0)
            mi = int(m["min"]) if m["min"] else (30 if "半" in m.group(0) else 0)
            local = _hhmm(h, mi)
            if local:
                return LaunchTime(local, _hhmm((h - 9) % 24, mi), m.group(0))
        return None
    if not LAUNCH_WORD.search(s.text):
        return None
    for m in _TIME_EN.finditer(s.text):
        minute = m["min"] or m["min2"]
        if not (minute or m["ampm"]):
            continue
        if minute is None and not m["ampm"]:
            continue
        before = s.text[max(0, m.start() - 120): m.start()]
        if re.search(r"\b(?:order(?:ed|s)?|instructed|signed|approved)\b", before[-60:], re.I):
            continue  # "issued a written order for the test-firing at 8 a.m."
        verbs = list(_TIME_VERB.finditer(before))
        if verbs and verbs[-1]["other"]:
            continue  # "fell ... at around 8:18 a.m."
        fall_after: re.Match[str] | None = None
        if not (verbs and verbs[-1]["launch"] and len(before) - verbs[-1].end() < 40):
            # (right after "launched at 07:22 local time and fell ... at 07:44" the first is the launch)
            fall_after = _FALL_AFTER.match(s.text[m.end(): m.end() + 60])
        if fall_after or re.search(r"\b(?:hours?|minutes?|Mach)\s*$", before, re.I):
            continue
        zone = (m["zone"] or "").lower()
        if zone in _FOREIGN_ZONES:
            continue
        h, mi = int(m["h"]), int(minute or 0)
        ampm = (m["ampm"] or "").lower().replace(".", "").replace(" ", "")
        if ampm == "pm" and h < 12:
            h += 12
        elif ampm == "am" and h == 12:
            h = 0
        if ampm == "" and minute is not None:
            # "At 6:42 and 6:58 a.m.": the am/pm of the next time applies.
            nxt = re.match(r"\s*(?:and|,|to)\s*\d{1,2}:\d\d\s*(?P<ap>[ap])\.?m", s.text[m.end(): m.end() + 30], re.I)
            if nxt and nxt["ap"].lower() == "p" and h < 12:
                h += 12
        if zone in ("gmt", "utc"):
            utc = _hhmm(h, mi)
            local = _hhmm((h + 9) % 24, mi)
        else:
            local = _hhmm(h, mi)
            z = _GMT_AFTER.match(s.text[m.end(): m.end() + 60])
            utc = _hhmm(int(z[1]), int(z[2])) if z else (_hhmm((h - 9) % 24, mi) if local else None)
        if local:
            return LaunchTime(local, utc, m.group(0).strip())
    return None


def utc_datetime(day: date | None, t: LaunchTime) -> str | None:
    """ISO UTC instant of a local launch time on ``day`` (None without a day)."""
    if day is None or t.utc is None:
        return None
    h, mi = (int(x) for x in t.local.split(":"))
    uh, umi = (int(x) for x in t.utc.split(":"))
    offset = (h * 60 + mi - uh * 60 - umi) % 1440  # minutes the local clock runs ahead of UTC
    local = datetime(day.year, day.month, day.day, h, mi)
    return (local - timedelta(minutes=offset)).replace(tzinfo=UTC).isoformat()
