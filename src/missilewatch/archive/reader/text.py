"""Text of a report: normalising, the header block, paragraphs, sentences, and what each is about.

Sentences are split by tested rules, in one pass (linear in the text): after ``.``, ``!``,
``?`` (English) or ``。！？`` (Japanese), never after an abbreviation ("a.m. Monday", "approx.
2,500", "Adm.", "U.S. Navy", "Jan. 30", an initial). Lines that break a sentence in two (a line
ending in "of" or "in", a Japanese line without its 。) are joined first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from missilewatch.archive.lexicon import MONTH_RE, RESPONSE_MISSILE_RE, WEEKDAY_RE

_QUOTES = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", "-"),
           ("\u00ab", '"'), ("\u00bb", '"'), ("\u2026", "..."))
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def normalise(text: str) -> str:
    """Unicode NFKC (full-width digits and brackets made plain) with typographic quotes made plain."""
    text = unicodedata.normalize("NFKC", text)
    for a, b in _QUOTES:
        text = text.replace(a, b)
    return text


def is_japanese(text: str) -> bool:
    """True when kana or kanji make up a tenth of the letters or more."""
    letters = sum(1 for c in text[:4000] if c.isalpha())
    return letters > 0 and len(_CJK.findall(text[:4000])) >= 0.1 * letters


_HEADER = re.compile(r"^(Title|Outlet|URL|Date|Source|Published|Language|Excerpt):\s*(.*)$", re.I)


def split_header(text: str) -> tuple[dict[str, str], str]:
    """A leading ``Key: value`` block (Title, Outlet, URL, Date, ...) and the body after it."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and (m := _HEADER.match(lines[i].strip())):
        header[m[1].lower()] = m[2].strip()
        i += 1
    if not header:
        return {}, text
    return header, "\n".join(lines[i:])


@dataclass(frozen=True)
class Sentence:
    """A sentence, its paragraph, and what it is about.

    ``context``: "launch" (may describe the launch), "other" (its paragraph speaks of another
    time), "counter" (a counter-launch by a responding country), "caption" (a photo caption).
    """

    index: int
    paragraph: int
    text: str
    context: str = "launch"


# A line continues on the next when it ends inside a clause.
_OPEN_END = re.compile(r"(?:\b(?:of|in|at|the|a|an|and|or|from|to|by|on|for|with|its|their)|,)\s*$", re.I)


def paragraphs(body: str) -> list[str]:
    """Logical lines: physical lines, with a sentence broken over two lines joined again."""
    out: list[list[str]] = []
    joinable = False
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            joinable = False
            continue
        if out and joinable:
            prev = out[-1][-1]
            out[-1].append(line if (_CJK.search(prev[-1:]) or prev.endswith("、")) else " " + line)
        else:
            out.append([line])
        last = line
        if _CJK.search(last[-1:]) or last.endswith("、"):
            joinable = not last.endswith(("。", "」", "！", "？"))
        else:
            joinable = bool(_OPEN_END.search(last[-12:])) and not last.endswith((".", "!", "?", '"'))
    return ["".join(parts) for parts in out]


# Words after which a period does not end a sentence.
_ABBREVIATIONS = frozenset(
    "adm gen lt col capt cmdr sgt maj mr mrs ms dr st no nos vs etc inc co corp ltd jr sr prof sen rep gov "
    "approx est fig jan feb mar apr jun jul aug sep sept oct nov dec mt ft e.g i.e".split()
)
# After these, a capitalised word may still continue the sentence ("9 a.m. Monday", "the U.S. Navy").
_SOFT = frozenset("a.m p.m u.s u.n u.k u.s.a".split())
_STARTERS = frozenset(
    "the it he she they we this that these those but however meanwhile in on at a an its his her their "
    "north south japan's according earlier later after before since while there".split()
)
_CANDIDATE = re.compile(r"([.!?。！？])([\"')\]」』]*)(\s*)")


def _ends_sentence(para: str, m: re.Match) -> bool:
    punct, _, space = m.group(1), m.group(2), m.group(3)
    rest = para[m.end(): m.end() + 40]  # windows, never the whole rest: linear in the paragraph
    if not rest:
        return True
    if punct in "。！？":
        return True
    if not space:
        # "(IRBM).In a statement", "2:55 p.m.The JCS": a capitalised word glued to the period.
        glued = re.match(r"[A-Z][a-z]", rest)
        before = para[max(0, m.start() - 4): m.start()]
        word_end = before.endswith(")") or bool(re.search(r"[a-z]{2}$|p\.m$|a\.m$", before))
        return bool(glued) and punct == "." and word_end
    nxt = rest[0]
    if not (nxt.isupper() or nxt.isdigit() or nxt in "\"'([«" or _CJK.match(nxt)):
        return False
    if punct != ".":
        return True
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", para[max(0, m.start() - 40): m.start()])
    token = (word.group(1).lower() if word else "")
    if token in _ABBREVIATIONS:
        return False
    if token in _SOFT:
        first = re.match(r"[A-Za-z']+", rest)
        return first is not None and first.group(0).lower() in _STARTERS
    return not (word is not None and len(token) == 1 and token.isalpha() and word.group(1).isupper())  # "N. Korea"


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` (header block excluded), each with its paragraph number."""
    out: list[Sentence] = []
    for p, para in enumerate(paragraphs(text)):
        start = 0
        for m in _CANDIDATE.finditer(para):
            if _ends_sentence(para, m):
                piece = para[start: m.end()].strip()
                if piece:
                    out.append(Sentence(len(out), p, piece))
                start = m.end()
        piece = para[start:].strip()
        if piece:
            out.append(Sentence(len(out), p, piece))
    return out


# ------------------------------------------------------------------------------------- contexts

_CAPTION = re.compile(r"\b(?:photo|image|file footage|picture|screenshot)\b|(?:写真|画像)", re.I)
_CAPTION_VERB = re.compile(r"\b(?:provided|released|shows|showing|taken|released by|courtesy|file photo|"
                           r"Photo:|watch|watches|displays?)\b|Photo\s*=", re.I)
_HANDOUT = re.compile(r"\b(?:provided by|released by|file photo|file footage|handout|courtesy|screenshot)\b", re.I)
_LAUNCH_WORD = re.compile(r"\b(?:launch(?:ed|es|ing)?|fir(?:ed|es|ing)|test-fired|flew|lift(?:ed)? off)\b|発射", re.I)
_COUNTER = re.compile(r"\b(?:reacted|responded|in response|retaliat)\w*", re.I)
_OTHER_TIME = re.compile(
    r"\b(?:last (?:week|month|year)|in the last (?:week|month|year)|earlier this (?:month|year)|"
    r"the previous (?:week|month|year|day)|(?:a|one|two|three) (?:weeks?|months?|years?) ago)\b",
    re.I,
)


def is_caption(s: str) -> bool:
    """A photo caption: names a photo or image and what it shows or who released it."""
    low = s.lower()
    if not any(w in low for w in ("photo", "image", "footage", "picture", "screenshot", "写真", "画像")):
        return False
    return bool(_CAPTION.search(s) and (_CAPTION_VERB.search(s) or "screenshot" in low))


def is_handout_caption(s: str) -> bool:
    """A caption of a file or handout picture (its date is not the article's)."""
    return is_caption(s) and bool(_HANDOUT.search(s))


def classify(sentences: list[Sentence]) -> list[Sentence]:
    """Give each sentence its context: caption, counter-launch, another time, or the launch."""
    firsts: dict[int, Sentence] = {}
    for s in sentences:
        firsts.setdefault(s.paragraph, s)
    lead_context: dict[int, str] = {}
    for p, first in firsts.items():
        lead = first.text
        if RESPONSE_MISSILE_RE.search(lead) or (_COUNTER.search(lead) and _LAUNCH_WORD.search(lead)):
            lead_context[p] = "counter"
        elif _OTHER_TIME.search(lead) and not WEEKDAY_RE.search(lead):
            lead_context[p] = "other"
        else:
            lead_context[p] = "launch"
    return [Sentence(s.index, s.paragraph, s.text, "caption" if is_caption(s.text) else lead_context[s.paragraph])
            for s in sentences]


# -------------------------------------------------------------------------------- other launches

_YEAR = re.compile(r"(?<![\d,.])((?:19|20)\d\d)(?!\d|,\d|\s*(?:km|kms|kilomet|miles?|キロ|メートル|m\b|分|秒|発))")
_MONTH_WORD = re.compile(rf"\b(?:in|since|during the|the)\s+(?P<m>{MONTH_RE})\b(?!\.?\s*\d)")
_PAST_LAUNCH = re.compile(
    r"\b(?:previous (?:launch|test|firing|flight|missile|one)s?|previously (?:fired|launched|tested)|"
    r"last (?:fired|launched|conducted|carried out|tested|test|time|week|month|year)|the last time|prior|"
    r"past (?:two |three |few )?(?:weeks|months|days)|(?:\w+ )?years? ago|earlier this (?:month|year)|"
    r"since (?:its|the|last)|"
    r"(?:took place|was conducted|was carried out) (?:in|on) (?:" + MONTH_RE + r"|\d{4})|"
    r"(?:the|its) (?:latest|last) (?:\w+ )?(?:test|launch)|"
    r"the same (?:province|site|area) in|similar (?:\w+ )?to|the same (?:type|kind) as|resembl\w*|"
    r"(?:days|weeks|months|years) (?:after|since))\b"
    r"|年前|以来|昨年|前回|過去|と同じ|と同様",
    re.I,
)
_THIS_TIME = re.compile(r"\bthis time\b|\btoday\b|今回|本日", re.I)
_JA_YEAR = re.compile(r"((?:19|20)\d\d)年")


def other_launch_reason(text: str, launch_years: set[int], launch_month: int | None) -> str | None:
    """Why ``text`` speaks of another launch (a past year or month, "previously", "since ..."), or None.

    ``launch_years``: years the launch may fall in (empty when unknown); ``launch_month``: 1-12.
    A sentence that also says "this time" or "today" speaks of this launch.
    """
    this_time, past, years, months = _time_cues(text)
    if this_time:
        return None
    if past:
        return f"speaks of another launch ({past!r})"
    if launch_years:
        for y in years:
            if y not in launch_years and y < max(launch_years):
                return f"names another year ({y})"
    for word, month in months:
        if month != launch_month:
            return f"names another month ({word})"
    return None


@lru_cache(maxsize=8192)
def _time_cues(text: str) -> tuple[bool, str | None, tuple[int, ...], tuple[tuple[str, int], ...]]:
    """What a sentence says of time: "this time", a past-launch phrase, years (not "since 2017"), months."""
    from missilewatch.archive.lexicon import month_number

    if _THIS_TIME.search(text):
        return True, None, (), ()
    m = _PAST_LAUNCH.search(text)
    years = tuple(int(m3.group(1)) for m3 in (*_YEAR.finditer(text), *_JA_YEAR.finditer(text))
                  if not re.search(r"\bsince\s+$", text[max(0, m3.start() - 7): m3.start()]))
    months = tuple((m2["m"], n) for m2 in _MONTH_WORD.finditer(text) if (n := month_number(m2["m"])))
    return False, (m.group(0).strip() if m else None), years, months
