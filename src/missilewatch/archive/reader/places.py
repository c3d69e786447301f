"""Where (English): launch place, landing place, EEZ verdict, regions flown over.

Landing places are ranked by how precisely they place the fall: "N km <direction> of <place>"
first, then "off/near the coast of <place>" and "<direction> of <place>", then a sea ("into
the Sea of Japan"), then "near territorial waters". The clause that launched the missile
("from near the capital") and the EEZ phrase are never the landing place.
"""

from __future__ import annotations

import re

from missilewatch.archive.lexicon import JAPAN_AREA_RE, SEAS
from missilewatch.archive.reader.gazetteer import prefectures_in

_SEA = "|".join((*SEAS, r"East Sea of Korea", r"Sea of Japan"))
_DIRECTION = r"(?:east|west|north|south|northeast|northwest|southeast|southwest|east-northeast|north-northwest)"
_PLACE_NAME = r"(?:the\s+)?(?:[A-Z][\w'-]*(?:'s)?)(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'-]*(?:'s)?){0,4}"
_FALL = re.compile(r"\b(?:land(?:ed|ing|s)?|fell|fallen|falls|falling|fall|struck|splash(?:ed|ing)?\s+down|"
                   r"splashed|came down|"
                   r"coming down|crashed|impacted|plunged|dropped|hit|reached as close as|came within|"
                   r"reached (?:Japan's |the |its )?(?:exclusive economic zone|EEZ|waters))\b", re.I)
_LAUNCH = re.compile(r"\b(?:launch(?:ed|es|ing)?|fir(?:ed|es|ing)|test-fired)\b", re.I)
_QUAL = r"(?:(?:some|about|approx\.?|approximately|around|roughly|nearly|an estimated|at a point some)\s+)?"
_LANDING_PATTERNS: tuple[tuple[int, re.Pattern], ...] = (
    (0, re.compile(rf"{_QUAL}[\d,.]+\s*(?:km|kilometers|kilometres|miles)\s+(?:{_DIRECTION}\s+(?:of|from)|off|from)\s+"
                   rf"(?:(?:the\s+(?:\w+\s+)?(?:island|coast|port|city|tip)\s+of\s+)?{_PLACE_NAME}(?:\s+(?:[Ii]sland|"
                   rf"[Pp]eninsula|[Pp]refecture))?(?:,\s+[A-Z]\w+)?|(?:the\s+|its\s+)?(?:[\w']+\s+){{0,2}}coast\b)")),
    (1, re.compile(rf"\b(?:off|near)\s+(?:the\s+)?(?:{_PLACE_NAME}\s+)?(?:(?:east|west|north|south)(?:ern)?\s+)?"
                   rf"coast(?:\s+of\s+{_PLACE_NAME})?", re.I)),
    (1, re.compile(r"\bnear\s+(?:the\s+)?[A-Z][\w'-]+\s+(?:[Pp]refecture|[Ii]slands?|[Pp]eninsula)")),
    (1, re.compile(rf"\b{_DIRECTION}\s+of\s+{_PLACE_NAME}(?:\s+(?:[Ii]sland|[Pp]eninsula|[Pp]refecture|coast))?")),
    (2, re.compile(rf"(?:waters\s+of\s+)?(?:the\s+)?(?:{_SEA})\b(?:\s+of\s+Korea)?")),
    (2, re.compile(r"\bwaters between [^,.;]+")),
    (3, re.compile(r"\bnear (?:Japan's |the )?territorial waters\b", re.I)),
)
_TRAILING_TIME = re.compile(r"\s*,?\s+(?:at\s+(?:around\s+|about\s+)?\d|around \d|on (?:Monday|Tuesday|Wednesday|"
                            r"Thursday|Friday|Saturday|Sunday)|before|after|and (?:was|is|had)|while|as\b).*$", re.I)
_INTO_SEA = re.compile(rf"\binto\s+(?:the\s+)?(?:far\s+)?(?P<sea>{_SEA})\b")
_FAR_OUT = re.compile(rf"(?P<phrase>(?:far out |far )?into (?:the )?(?:{_SEA})\b[^,;.]*)")
_CLAUSE_END = re.compile(r",\s*(?:according|said|says|while|where|and then|the\s|an area|which extends|that extends)|"
                         r";|\s+-\s|\.$|,\s*\"")


def _fall_clauses(text: str) -> list[str]:
    """Stretches of ``text`` after a fall verb, up to the end of the clause."""
    out = []
    for m in _FALL.finditer(text):
        rest = text[m.end(): m.end() + 300]
        end = _CLAUSE_END.search(rest)
        out.append(rest[: end.start()] if end else rest)
    return out


def landing_candidates(text: str) -> list[tuple[int, int, str]]:
    """(rank, position, phrase) of every landing place in a sentence (lower rank = more precise)."""
    found: list[tuple[int, int, str]] = []
    for clause in _fall_clauses(text):
        for rank, pattern in _LANDING_PATTERNS:
            for m in pattern.finditer(clause):
                phrase = m.group(0).strip(" ,")
                if rank <= 1:
                    # "300 km off Japan's northwest coast, off the Oga Peninsula in Akita Prefecture"
                    phrase = _TRAILING_TIME.sub("", clause[m.start():]).strip(" ,")
                found.append((rank, text.find(clause) + m.start(), phrase))
    if "into" in text and _LAUNCH.search(text):
        # "fired ... into the East Sea": the sea the missile went into.
        for m in _INTO_SEA.finditer(text):
            found.append((2, m.start(), m["sea"]))
    return found


def far_out_phrase(text: str) -> str | None:
    """The phrase "far out into the Pacific" style, kept whole."""
    m = _FAR_OUT.search(text)
    return m["phrase"].strip() if m and m["phrase"].startswith("far") else None


# ------------------------------------------------------------------------------------------ EEZ

_EEZ = re.compile(r"exclusive economic zone|economic exclusive zone|\bEEZ\b", re.I)
_EEZ_OUT = re.compile(r"\b(?:outside|beyond)\b|(?:\bnot|n't)\s+(?:\w+\s+){0,2}(?:land|fall|fell|landed|reach|reaching|"
                      r"enter|within)\b|\bbefore reaching\b|\bdid not\b", re.I)
_EEZ_HEDGE = re.compile(r"\b(?:within|inside) or (?:\w+ )?(?:close|near)|\bor (?:just |very )?(?:near|close to)\b",
                        re.I)
_EEZ_IN = re.compile(r"\b(?:inside|within|in(?:to)?|reached)\s+(?:[\w']+\s+){0,5}"
                     r"(?:exclusive economic zone|economic exclusive zone|EEZ)", re.I)
_EEZ_WHOSE = re.compile(r"(?P<who>[\w.']+(?:'s)?)\s+(?:exclusive economic zone|economic exclusive zone|EEZ)", re.I)


def eez_verdict(text: str) -> tuple[str, str | None] | None:
    """("inside"/"outside"/"unknown", whose or a pronoun) when ``text`` speaks of an EEZ, else None."""
    if ("EEZ" not in text and "conomic" not in text) or not _EEZ.search(text):
        return None
    verdict = ("unknown" if _EEZ_HEDGE.search(text) else "outside" if _EEZ_OUT.search(text)
               else "inside" if _EEZ_IN.search(text) else "unknown")
    m = _EEZ_WHOSE.search(text)
    return verdict, (m["who"] if m else None)


# ------------------------------------------------------------------------------------ overflight

_OVER = re.compile(
    r"\b(?:flew|flown|flying|fly|passed|passing|pass|went|going|trajector\w*|missile|launch(?:ed)?|fired|crossed|"
    r"crossing|travell?ed)\s+(?:[\w-]+\s+){0,3}?(?:over|across)\s+(?P<area>[^,;.]{2,90})"
    r"|\boverfl(?:ew|ying|own|ight of)\s+(?P<area2>[^,;.]{2,90})",
    re.I,
)
_NOT_LAND = re.compile(rf"^(?:the\s+)?(?:(?:{_SEA}|sea|ocean|water|North Korea|the North|the country|"
                       r"the Korean Peninsula|Korea)\b|[\d,.]+\s)", re.I)
_STOP = re.compile(r"\s+(?:toward|towards|before|and (?:fell|landed|then)|into|at around|at about|at|between|"
                   r"on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b", re.I)


def overflight_areas(text: str) -> list[str]:
    """Prefectures (or "Japan") a sentence says the missile flew over."""
    areas: list[str] = []
    if " over" not in text and " across" not in text and "overfl" not in text.lower():
        return areas
    for m in _OVER.finditer(text):
        area = (m["area"] or m["area2"] or "").strip()
        stop = _STOP.search(area)
        area = area[: stop.start()] if stop else area
        if _NOT_LAND.match(area):
            continue
        names = prefectures_in(area)
        if not names and (JAPAN_AREA_RE.search(area) or re.search(r"\bJapan\b", area)):
            names = ["Japan"]
        for n in names:
            if n not in areas:
                areas.append(n)
    return areas


# ---------------------------------------------------------------------------------- launch place

_VERB = r"\b(?i:launch(?:ed|es|ing)?|fir(?:ed|ing)|lifted off|took off|test-fired|conducted|detected)\b"
_TOKEN = r"(?:\s+[\w'()\".:-]+,?)"
_FROM = re.compile(
    rf"{_VERB}(?:{_TOKEN}{{0,30}}?\s+from|{_TOKEN}{{0,12}}?\s+(?:in|at|near))\s+(?:near\s+|around\s+|or around\s+)?"
    r"(?:(?:an?|the)\s+(?:launch\s+)?(?:site|spot|location|facility|base)\s+(?:near|in|outside)\s+)?"
    r"(?:(?:the\s+)?(?:[\w'-]+\s+){0,3}?capital(?:\s+city)?\s+of\s+)?"
    r"(?P<mod>(?:(?:the|its|an?|North Korea's|the North's|North's)\s+)?(?:(?:area|vicinity|proximity|region)\s+"
    r"(?:of|near|north of|south of|east of|west of)\s+|(?:[a-z-]+\s+){0,3}?(?:town|city|county|province|area|region|"
    r"village|district)\s+of\s+|(?:[a-z-]+\s+){0,2})?)"
    r"(?P<place>(?!(?:North|South|Korea|Japan|The)\b)[A-Z][\w'-]+(?:[ -][A-Z][\w'-]+){0,3})"
)
_NOT_PLACE = re.compile(r"^(?:North Korea|DPRK|Korea|South Korea|Japan|China|the North|North|Pyongyang's|"
                        r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|"
                        r"July|August|September|October|November|December|Sea|East|West|The|Seoul|Tokyo|Korean|"
                        r"Japanese|Pacific|Ocean|UN|U\.N|United|Security)\b")


def launch_place(text: str) -> str | None:
    """The place a missile was launched from, as the sentence names it."""
    for m in _FROM.finditer(text):
        place = re.sub(r"\s+(?:on|at|in|toward|towards)$", "", m["place"])
        if _NOT_PLACE.match(place):
            continue
        if place.endswith("'s"):
            place = place[:-2]
        return place
    return None
