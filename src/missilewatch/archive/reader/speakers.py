"""Who gives a figure: the nation and the agency or person behind "according to X", "X said".

Speakers are matched against a table of agencies, news agencies and officials (English and
Japanese); an unqualified "the Defense Ministry" or "the ministry" takes the nation the report
gives it elsewhere (a qualified mention, or a minister the table knows).
"""

from __future__ import annotations

import re
from functools import lru_cache

from missilewatch.archive.lexicon import actors_in

# (pattern, nation, agency). Order matters only for overlapping names: longer ones first.
_SPEAKERS: tuple[tuple[str, str, str], ...] = (
    # North Korea: state media.
    (r"Korean Central News Agency|\bKCNA\b|Korean Central Television|\bKCTV\b|Rodong Sinmun|state(?:-run)? media|"
     r"state(?:-run)? (?:TV|television|news agency|broadcaster)|the North's media|television presenter|"
     r"朝鮮中央通信|朝鮮中央テレビ|労働新聞|北朝鮮メディア", "North Korea", "KCNA (state media)"),
    # South Korea.
    (r"Joint Chiefs of Staff|\bJCS\b|合同参謀本部|統合参謀本部", "South Korea", "Joint Chiefs of Staff"),
    (r"South Korea(?:'s|n)? (?:military|Defense Ministry|defense official|officials?|government)|Seoul's military|"
     r"the South's military|South Korean (?:military|officials?|defense officials?)|韓国軍|韓国国防省|韓国政府",
     "South Korea", "South Korean military"),
    (r"\bYonhap\b|聯合ニュース", "South Korea", "Yonhap"),
    (r"\bKBS\b", "South Korea", "KBS"),
    # Japan.
    (r"Japan(?:'s|ese)? (?:Defen[cs]e Ministry|Ministry of Defen[cs]e)|Japanese military|防衛省|防衛相|防衛大臣|"
     r"防衛副大臣|防衛政務官|政務官", "Japan", "Ministry of Defense"),
    (r"Chief Cabinet Secretary|官房長官|government spokesman Yoshihide Suga", "Japan", "Chief Cabinet Secretary"),
    (r"Japan(?:'s|ese)? (?:Coast Guard)|海上保安庁", "Japan", "Japan Coast Guard"),
    (r"\bNHK\b", "Japan", "NHK"),
    (r"\bKyodo\b|共同通信", "Japan", "Kyodo"),
    (r"\bJiji\b|時事通信", "Japan", "Jiji"),
    (r"Japan(?:'s|ese)? (?:government|officials?|authorities|source|Prime Minister)|Japanese government|"
     r"Prime Minister's Office|日本政府|政府", "Japan", "Government of Japan"),
    # United States.
    (r"Indo-Pacific Command|Pacific Command|Strategic Command|\bNORAD\b|Pentagon|Department of Defense|"
     r"U\.S\. (?:military|officials?|Forces)|US (?:military|officials?)|White House|National Security Council|"
     r"米軍|米国防総省|米政府", "United States", "US government"),
)
# Officials by surname (Latin and Japanese script) -> (nation, role).
_OFFICIALS: dict[str, tuple[str, str]] = {
    **{n: ("Japan", "Chief Cabinet Secretary") for n in ("Suga", "Matsuno", "Hayashi Yoshimasa", "菅", "松野", "林")},
    **{n: ("Japan", "Minister of Defense") for n in (
        "Inada", "Onodera", "Iwaya", "Kono", "Kishi", "Hamada", "Kihara", "Nakatani",
        "稲田", "小野寺", "岩屋", "河野", "岸", "浜田", "木原", "中谷")},
    **{n: ("Japan", "Ministry of Defense") for n in (
        "Oniki", "Ino", "Onoda", "Miyake", "鬼木", "井野", "小野田", "三宅")},
    **{n: ("Japan", "Prime Minister") for n in ("Abe", "Kishida", "Ishiba", "安倍", "岸田", "石破")},
    **{n: ("South Korea", "Minister of National Defense") for n in ("Shin Won-sik", "Lee Jong-sup", "Song Young-moo")},
}
_SPEAKER_RES = [(re.compile(p, re.I), nation, agency) for p, nation, agency in _SPEAKERS]
_SPEAKERS_RE = re.compile("|".join(f"(?P<s{i}>{p})" for i, (p, _, _) in enumerate(_SPEAKERS)), re.I)
_OFFICIAL_RE = re.compile(
    r"(?:(?<![A-Za-z])(?:" + "|".join(re.escape(n) for n in _OFFICIALS if n.isascii()) + r")(?![A-Za-z]))"
    r"|(?:" + "|".join(re.escape(n) for n in sorted((n for n in _OFFICIALS if not n.isascii()), key=len, reverse=True))
    + r")(?=防衛|官房|首相|総理|外相|氏|大臣|政務官|副大臣|長官|$)"
)
_GENERIC_MINISTRY = re.compile(r"\b(?:the )?(?:Defen[cs]e Ministry|Ministry of Defen[cs]e|ministry|Defen[cs]e Minister|"
                               r"Minister of Defen[cs]e|defen[cs]e minister|Deputy Minister of Defense)\b|\bMOD\b",
                               re.I)
_GENERIC_AGENCY = re.compile(r"\bthe (?:agency|news agency|command|statement|report|officer|official)\b", re.I)
_ACCORDING = re.compile(r"\b(?:according to|citing|quoted|quoting|cited by|as cited by)\b|"
                        r"によると|によりますと|によれば", re.I)
_SAYING = re.compile(r"\b(?:said|says|say|stated|reported|reports|announced|estimated|estimates|told|added|noted|"
                     r"confirmed|revealed|presumed|considers|believes|assessed)\b|"
                     r"発表|明らかにした|述べ|語った|推定", re.I)


@lru_cache(maxsize=4096)
def speakers_in(text: str) -> tuple[tuple[int, str, str], ...]:
    """(position, nation, agency) of every speaker named in ``text``, in order.

    Where two names overlap, the one starting first (then the one listed first) wins; a
    "former" minister (元防衛大臣) speaks for nobody.
    """
    hits: list[tuple[int, int, int, str, str]] = []
    for m in _SPEAKERS_RE.finditer(text):  # one pass; at a position the name listed first wins
        rank = int((m.lastgroup or "s0")[1:])
        hits.append((m.start(), rank, m.end(), _SPEAKERS[rank][1], _SPEAKERS[rank][2]))
    for m in _OFFICIAL_RE.finditer(text):
        nation, role = _OFFICIALS[m.group(0)]
        hits.append((m.start(), len(_SPEAKER_RES), m.end(), nation, f"{role} {m.group(0)}"))
    hits.sort()
    found: list[tuple[int, str, str]] = []
    end = -1
    for start, _, stop, nation, agency in hits:
        if start < end:
            continue
        end = stop
        lead = text[max(0, start - 7): start]
        if lead.endswith("元") or lead.lower() == "former ":
            continue  # a former minister speaks for himself
        found.append((start, nation, agency))
    return tuple(found)


def ministry_nation(texts) -> str | None:
    """The nation an unqualified "Defense Ministry" of this report belongs to, or None.

    ``texts``: the report's sentences (strings), searched in order until a ministry or a
    defence minister with a nation is found.
    """
    for text in texts:
        for _, nation, agency in speakers_in(text):
            if agency.startswith(("Ministry of Defense", "Minister of Defense")):
                return nation
    return None


def attribution(sentence: str, ministry: str | None, previous: tuple[str, str] | None
                ) -> tuple[str, str] | None:
    """(nation, agency) of who gives the figures of ``sentence``, or None.

    "according to X" / "X によると" first; then the speaker nearest before "said" (or right after
    it: "..., says Makoto Oniki"); an unqualified ministry takes ``ministry``; "the agency" and
    the like take ``previous`` (the speaker of the sentence before).
    """
    named = speakers_in(sentence)
    m = _ACCORDING.search(sentence)
    if m:
        after = [s for s in named if s[0] >= m.start()]
        before = [s for s in named if s[0] < m.start()]
        # Japanese puts the speaker before によると; English after "according to".
        pick = (before[-1:] if m.group(0).startswith(("によ",)) else after[:1])
        if pick:
            return pick[0][1], pick[0][2]
        generic = _GENERIC_MINISTRY.search(sentence, m.start()) if not m.group(0).startswith("によ") else None
        if generic and ministry:
            return ministry, "Ministry of Defense"
        if _GENERIC_AGENCY.search(sentence, m.start()) and previous:
            return previous
    said = _SAYING.search(sentence)
    if said:
        before = [s for s in named if s[0] < said.start()]
        if before:
            return before[-1][1], before[-1][2]
        after = [s for s in named if s[0] >= said.start()]
        if after and after[0][0] - said.end() < 40:
            return after[0][1], after[0][2]
        if _GENERIC_MINISTRY.search(sentence) and ministry:
            return ministry, "Ministry of Defense"
        if _GENERIC_AGENCY.search(sentence) and previous:
            return previous
        nations = [(p, a) for p, a in actors_in(sentence[: said.start()]) if a not in ("North Korea",)]
        window = sentence[max(0, nations[0][0] - 30): said.start()] if nations else ""
        if nations and re.search(r"\bofficials?\b|\bsources?\b|\bauthorities\b|\bgovernments?\b", window):
            return nations[-1][1], f"{nations[-1][1]} officials"
    if named and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", sentence):
        # Japanese sentences name their speaker first ("防衛省は、...と発表した").
        first = [s for s in named if s[1] != "North Korea"] or named
        return first[0][1], first[0][2]
    return None
