"""How other countries responded to a launch: condemnation, councils, consultations, alerts, and
counter-launches (e.g. South Korea firing Hyunmoo-2 missiles), each with who acted."""

from __future__ import annotations

import re

from missilewatch.archive.lexicon import NUMBER_WORDS, RESPONSE_MISSILE_RE, actors_in
from missilewatch.archive.reader.model import Finding
from missilewatch.archive.reader.text import Sentence

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def _to_km(number: str, unit: str) -> float:
    value = float(number.replace(",", ""))
    return value * 1.609344 if unit.lower().startswith("mi") else value

RESPONSE_RULES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(p, re.I))
    for kind, p in (
        ("condemnation", r"\bcondemn(?:ed|s|ing)?\b"),
        ("national_security_council", r"\bconvened (?:the |a |an )?(?:emergency )?(?:National Security Council|NSC)\b"),
        ("emergency_headquarters",
         r"\b(?:established|set up|launched) an? (?:emergency )?(?:headquarters|task force)\b"),
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
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    for s in sentences:
        if name not in s.text:
            continue
        for m in pattern.finditer(s.text):
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
        near = sentences[max(0, s.index - 30): s.index] + sentences[s.index + 1: s.index + 30]
        actor = _person_actor(word, near)
        if actor:
            return [actor]
    anywhere = [a for _, a in actors_in(s.text) if a not in _NON_RESPONDERS]
    if anywhere:
        return list(dict.fromkeys(anywhere))[:1]
    # "The ministry added ...": the actor of the sentence before.
    prev = [sentences[s.index - 1]] if 0 < s.index <= len(sentences) else []
    if prev:
        return list(dict.fromkeys(a for _, a in actors_in(prev[0].text) if a not in _NON_RESPONDERS))[:1]
    return []


def _counter_launch(s: Sentence, sentences: list[Sentence]) -> Finding | None:
    if not RESPONSE_MISSILE_RE.search(s.text):
        return None
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
    for later in sentences[s.index + 1: s.index + 10]:
        if later.paragraph != s.paragraph:
            break
        if _MISS.search(later.text) and not _HIT.search(later.text):
            detail["failed"] += 1
            detail["outcomes"].append({"outcome": "failed", "evidence": later.text})
            evidence.append(later.text)
        elif _HIT.search(later.text):
            detail["succeeded"] += 1
            outcome: dict[str, object] = {"outcome": "hit target", "evidence": later.text}
            away = _AWAY.search(later.text)
            if away:
                outcome["distance_km"] = _to_km(away["n"], away["u"])
            detail["outcomes"].append(outcome)
            evidence.append(later.text)
    detail["evidence_all"] = evidence
    return Finding("response", detail, s.text, s.index, who[0] if who else None)


# Words at least one of which every response rule needs (a cheap test before the rules).
_RESPONSE_WORDS = ("condemn", "convene", "headquarters", "task force", "measures", "shoot down", "intercept",
                   "monitored", "tracked", "security council", "sanctions", "pressure", "pay the price", "discuss",
                   "consult", "telephone", "phone", "spoke", "talks", "exchanged views", "agreed", "reaffirm",
                   "j-alert", "alert", "warning", "evacuat", "regrettable", "protest")


def responses(sentences: list[Sentence]) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for s in sentences:
        if s.context in ("other", "caption"):
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
        low = s.text.lower()
        if not any(k in low for k in _RESPONSE_WORDS):
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

