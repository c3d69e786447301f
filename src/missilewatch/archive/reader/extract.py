"""Reading one report: every launch fact with its evidence sentence, who gave it and its kind."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from missilewatch.archive.lexicon import CLASS_WORDS, NK_MISSILE_RE, WEEKDAYS, actors_in
from missilewatch.archive.reader import japanese, places
from missilewatch.archive.reader.dates import (
    LAUNCH_WORD,
    DateMention,
    article_date,
    date_mentions,
    full_dates,
    launch_time,
    resolve_weekday,
    utc_datetime,
)
from missilewatch.archive.reader.figures import Figure, figures_en, figures_ja
from missilewatch.archive.reader.model import BACKGROUND, Finding, ReportExtraction
from missilewatch.archive.reader.responses import responses
from missilewatch.archive.reader.speakers import attribution, ministry_nation, speakers_in
from missilewatch.archive.reader.text import (
    Sentence,
    classify,
    is_japanese,
    normalise,
    other_launch_reason,
    split_header,
    split_sentences,
)

_FIELDS = {"range": "range", "apogee": "apogee", "flight_time": "flight_time"}
_CLASS_JA = ((r"大陸間弾道ミサイル|ICBM級?", "ICBM"), (r"中距離弾道ミサイル|IRBM", "IRBM"),
             (r"短距離弾道ミサイル|SRBM", "SRBM"), (r"潜水艦発射", "SLBM"))
_COMPARED = re.compile(r"(?:than|since|like|unlike|similar to|same as|as)\s+(?:the|its|a)\s+$|\bthan\s+$", re.I)
_STATEMENT_DAY = re.compile(r"\b(?:said|says|announced|reported|confirmed)\s+"
                            r"(?:in a statement\s+|at a press conference\s+|to reporters\s+)?(?:on\s+)?"
                            r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_TRAILING_TIME = re.compile(r"\s+(?:on|early|late|in the)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
                            r"Sunday|morning|afternoon|evening|night)\b.*$", re.I)


_CANNOT_RULE_OUT = re.compile(r"\b(?:cannot|can't|could not|couldn't|not) (?:be )?rul(?:e|ed|ing) out\b|"
                              r"排除できない|否定できない", re.I)


def _missile(text: str, japanese_text: bool) -> str | None:
    if _CANNOT_RULE_OUT.search(text):
        return None  # "cannot rule out a Musudan" names no missile
    if japanese_text and (name := japanese.missile_name(text)):
        return name
    for m in NK_MISSILE_RE.finditer(text):
        if _COMPARED.search(text[max(0, m.start() - 25): m.start()]):
            continue
        name = re.sub(r"^Hwasong(?:pho)?[- ]", "Hwasong-", m.group(0))
        return name
    return None


_KIND_ORDER = {"explicit": 0, "weekday": 1, "relative": 2}


def _choose_date(mentions: list[DateMention], anchor: date | None) -> tuple[DateMention | None, list[date]]:
    """The launch date: the one the report names first (a lead states its launch; later dates
    are often of other launches: "It also launched ... on January 1"); within a sentence an
    explicit date before a weekday before "today", then the one nearest a launch word."""
    chosen = [d for d in mentions if d.value is not None]
    if not chosen:
        return None, []
    best = min(chosen, key=lambda d: (d.sentence.index, _KIND_ORDER[d.kind], d.distance))
    return best, sorted({d.value for d in chosen if d.value is not None and d.value != best.value})


def extract_report(text: str, *, today: date | None = None) -> ReportExtraction:
    """Read the launch facts a plain-text report (English or Japanese) states, each with its sentence."""
    today = today or datetime.now(UTC).date()
    header, body = split_header(normalise(text))
    ja = is_japanese(body)
    sentences = classify(split_sentences(body))
    title = header.get("title") or next((x.strip(" \t\u2022*-|") for x in body.splitlines()
                                         if len(x.split()) >= 5 or (ja and len(x.strip()) >= 8)), None)
    anchor, anchor_evidence = article_date(header, sentences, body, today)
    out = ReportExtraction(title=title, article_date=anchor, article_date_evidence=anchor_evidence,
                           language="ja" if ja else "en")

    def reason(s: Sentence, years: set[int], month: int | None) -> str | None:
        if s.context == "other":
            return "paragraph speaks of another time (e.g. 'last week')"
        if s.context in ("caption", "counter"):
            return f"{s.context} sentence"
        return other_launch_reason(s.text, years, month)

    # The launch date, from sentences about this launch (another year's sentences set aside).
    years0 = {anchor.year} if anchor else set()
    mentions = [d for s in sentences if reason(s, years0, None) is None for d in date_mentions(s, anchor)]
    best, others = _choose_date(mentions, anchor)
    if best is None and anchor is not None:
        # "North Korea launched ..., the Coast Guard said on Thursday": the day of the statement.
        for s in sentences:
            m = _STATEMENT_DAY.search(s.text)
            before = sentences[s.index - 1].text if s.index and sentences[s.index - 1].paragraph == s.paragraph else ""
            if m and reason(s, years0, None) is None and LAUNCH_WORD.search(before + " " + s.text):
                wd = WEEKDAYS.index(m["wd"].lower())
                best = DateMention("weekday", resolve_weekday(anchor, wd), wd, m["wd"], s, 99)
                break
    launch_date: date | None = best.value if best is not None else None
    if best is not None and launch_date is not None:
        extra: dict[str, object] = {"resolved_from": best.text, "precision": "day"}
        if best.kind != "explicit" or anchor is not None:
            extra["relative_to_article_date"] = anchor.isoformat() if anchor else None
        if others:
            extra["other_dates"] = [o.isoformat() for o in others]
        out.date = Finding("date", launch_date, best.sentence.text, best.sentence.index, None, extra)
        out.weekday = WEEKDAYS[launch_date.weekday()].capitalize()
    else:
        weekdays = [(d, d.weekday) for d in mentions if d.kind == "weekday" and d.weekday is not None]
        if weekdays:
            first, wd_index = weekdays[0]
            out.weekday = WEEKDAYS[wd_index].capitalize()
            out.weekday_finding = Finding("weekday", out.weekday, first.sentence.text, first.sentence.index, None,
                                          {"resolved_from": first.text, "note": "the report gives no date of its own"})
    years = {launch_date.year} if launch_date else years0
    month = launch_date.month if launch_date else (anchor.month if anchor else None)

    ministry = ministry_nation(s.text for s in sentences)
    lead: tuple[str, str] | None = _document_speaker(sentences, body, ministry)
    previous: tuple[str, str] | None = None
    figure_speaker: tuple[str, str] | None = None
    para_speaker: dict[int, tuple[str, str]] = {}
    landings: list[tuple[int, int, int, str, Sentence]] = []
    overflights: list[tuple[list[str], Sentence]] = []
    raw_figures: list[tuple[Figure, Sentence, tuple[str, str] | None, bool]] = []
    # Capability figures of sentences about other launches: a missile type's range holds whenever
    # it is quoted ("the Hwasong-12, with a range of 5,000 km, last flew in 2017").
    type_capability: list[tuple[str | None, tuple[Figure, Sentence, tuple[str, str] | None, bool]]] = []
    for s in sentences:
        why = reason(s, years, month)
        if why is None and launch_date:
            named = [d for _, d in full_dates(s.text) if d != launch_date]
            if named and not LAUNCH_WORD.search(s.text):
                why = f"names another date ({named[0].isoformat()})"
        who = attribution(s.text, ministry, previous) if s.context != "caption" else None
        if who is not None:
            previous = who
            para_speaker[s.paragraph] = who
        figs = figures_ja(s.text) if ja else figures_en(s.text)
        if figs:
            speaker = who or para_speaker.get(s.paragraph) or figure_speaker or lead
            if who is not None:
                figure_speaker = who
            for f in figs:
                if why is None:
                    raw_figures.append((f, s, speaker, who is not None))
                elif f.kind == "capability" and s.context != "counter":
                    type_capability.append((_missile(s.text, ja), (f, s, speaker, who is not None)))
                else:
                    out.background.append(_finding(f, s, speaker, BACKGROUND, why))
            if why is not None:
                out.skipped.append({"sentence_index": s.index, "sentence": s.text, "reason": why})
        if why is not None:
            continue
        if out.launch_time is None and (t := launch_time(s)) is not None:
            out.launch_time = Finding("launch_time", t.local, s.text, s.index, None,
                                      {"time_utc": t.utc, "datetime_utc": utc_datetime(launch_date, t),
                                       "resolved_from": t.text, "timezone": "UTC+09:00"})
        if out.missile is None and (name := _missile(s.text, ja)):
            out.missile = Finding("missile", name, s.text, s.index, who[0] if who else None)
        if out.missile_class is None:
            for pattern, code in (*CLASS_WORDS, *(_CLASS_JA if ja else ())):
                if (m := re.search(pattern, s.text)):
                    out.missile_class = Finding("missile_class", code, s.text, s.index, None, {"words": m.group(0)})
                    break
        place = None if out.launch_place else (japanese.launch_place(s.text) if ja else places.launch_place(s.text))
        if place:
            out.launch_place = Finding("launch_place", place, s.text, s.index, who[0] if who else None)
        for rank, pos, phrase in (japanese.landing_candidates(s.text) if ja else places.landing_candidates(s.text)):
            landings.append((rank, s.index, pos, phrase, s))
        verdict = japanese.eez_verdict(s.text) if ja else places.eez_verdict(s.text)
        if verdict is not None:
            _eez(out, s, verdict, ja, sentences, who)
        areas = japanese.overflight_areas(s.text) if ja else places.overflight_areas(s.text)
        if areas:
            overflights.append((areas, s))
    ours = out.missile.value if out.missile else None
    raw_figures += [item for name, item in type_capability if name is None or ours is None or name == ours]
    raw_figures.sort(key=lambda r: (r[1].index, r[0].position))
    _figures(out, raw_figures)
    primary = next(iter(out.range or out.apogee or out.flight_time), None)
    if primary is not None and any(t[1] == primary.sentence_index for t in landings):
        # Several missiles: the landing of the flight whose figures the report gives first.
        landings = [t for t in landings if t[1] == primary.sentence_index]
    _landing(out, landings)
    _overflight(out, overflights)
    out.responses = responses(sentences)
    return out


def _document_speaker(sentences: list[Sentence], body: str, ministry: str | None) -> tuple[str, str] | None:
    """Who speaks for a report's unattributed figures: its first attributed statement, else Japan
    for a Japanese text speaking of 我が国 ("our country")."""
    previous = None
    for s in sentences:
        if s.context != "caption" and (who := attribution(s.text, ministry, previous)) is not None:
            return who
    if "我が国" in body:
        return "Japan", "Government of Japan"
    return None


def _finding(f: Figure, s: Sentence, speaker: tuple[str, str] | None, kind: str, why: str | None = None) -> Finding:
    extra: dict = {"raw": f.raw, "kind": kind}
    if f.low is not None:
        extra.update(low=f.low, high=f.high)
    if speaker:
        extra["speaker"] = speaker[1]
    if why:
        extra["reason"] = why
    fld = "range" if kind == "capability" else f.field
    return Finding(fld, f.value, s.text, s.index, speaker[0] if speaker else None, extra)


def _figures(out: ReportExtraction, raw: list[tuple[Figure, Sentence, tuple[str, str] | None, bool]]) -> None:
    """This flight's figures, deduplicated by value: a headline repeats the body, and the copy
    whose own sentence names the speaker gives the attribution."""
    seen: dict[tuple[str, str, float], int] = {}
    lists = {"range": out.range, "apogee": out.apogee, "flight_time": out.flight_time, "capability": out.capability}
    for f, s, speaker, direct in raw:
        kind = f.kind
        target = lists["capability" if kind == "capability" else f.field]
        finding = _finding(f, s, speaker, kind)
        finding.extra["speaker_from"] = "sentence" if direct else "context"
        key = (kind, f.field, round(f.value, -2 if f.field != "flight_time" else 0))
        if key in seen:
            i = seen[key]
            if target[i].extra.get("speaker_from") != "sentence" and direct:
                target[i] = target[i].with_(attributed_to=finding.attributed_to, evidence=finding.evidence,
                                            sentence_index=finding.sentence_index, extra={
                    **target[i].extra, "speaker": finding.extra.get("speaker"), "speaker_from": "sentence"})
            continue
        seen[key] = len(target)
        target.append(finding)


def _eez(out: ReportExtraction, s: Sentence, verdict, ja: bool, sentences: list[Sentence],
         who: tuple[str, str] | None) -> None:
    if ja:
        value, whose = verdict, "Japan"
    else:
        value, word = verdict
        whose = None
        if word:
            named = [a for _, a in actors_in(word)]
            if named:
                whose = named[0]
            elif word.lower() in ("country's", "its", "nation's", "our", "the", "our country's"):
                back = []
                for x in reversed(sentences[max(0, s.index - 10): s.index]):
                    if x.paragraph != s.paragraph:
                        break
                    back.append(x.text)
                earlier = " ".join(reversed(back))
                context = earlier + " " + s.text[: s.text.find(word)]
                cands = [a for _, a in actors_in(context) if a not in ("North Korea", "United Nations", "NATO")]
                whose = cands[-1] if cands else ("Japan" if word.lower() in ("our", "the") else None)
    if out.eez is None or (out.eez.value == "unknown" and value != "unknown"):
        out.eez = Finding("eez", value, s.text, s.index, who[0] if who else None,
                          {"whose": whose, **({"speaker": who[1]} if who else {})})


def _landing(out: ReportExtraction, landings) -> None:
    if not landings:
        return
    rank, _, _, phrase, s = min(landings, key=lambda t: (t[0], t[1], t[2]))
    if rank == 2 and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", phrase):
        far = places.far_out_phrase(s.text)
        if far:
            phrase = _TRAILING_TIME.sub("", far)
    named = speakers_in(s.text)
    out.impact = Finding("impact_description", phrase.strip(" ,.;\""), s.text, s.index,
                         named[0][1] if named else None, {"precision": ("distance and bearing", "coast or bearing",
                                                                          "sea", "near territorial waters")[rank]})


def _overflight(out: ReportExtraction, overflights) -> None:
    if not overflights:
        return
    areas = list(dict.fromkeys(a for names, _ in overflights for a in names))
    if len(areas) > 1 and "Japan" in areas:
        areas.remove("Japan")  # a prefecture says more than "Japan"
    first = overflights[0][1]
    out.overflight = Finding("overflight", areas, first.text, first.index, None, {"mentions": len(overflights)})
