"""Words the report reader recognises: actors, missiles, places, weekdays, numbers.

Rule-based extraction needs a vocabulary; it is kept here, apart from the rules, so that it can
grow without touching them. Each pattern maps to one canonical name.
"""

from __future__ import annotations

import re

# Actor (country or organisation) -> patterns naming it: names, adjectives, capitals, agencies.
ACTORS: dict[str, tuple[str, ...]] = {
    "North Korea": (r"North Korea(?:n|'s)?", r"Pyongyang", r"DPRK", r"the North(?:'s)?\b", r"KCNA", r"Kim Jong[- ]Un"),
    "South Korea": (r"South Korea(?:n|'s)?", r"Seoul(?:'s)?", r"Republic of Korea", r"ROK", r"Joint Chiefs of Staff",
                    r"\bJCS\b", r"Yoon Suk[- ]yeol", r"the South(?:'s)?\b"),
    "Japan": (r"Japan(?:ese|'s)?", r"Tokyo", r"Self-Defense Forces", r"J-Alert"),
    "United States": (r"United States", r"\bU\.S\.", r"\bUS\b", r"Washington", r"American", r"White House",
                      r"Pentagon", r"Indo-Pacific Command"),
    "China": (r"China", r"Chinese", r"Beijing"),
    "Russia": (r"Russia(?:n)?", r"Moscow", r"Kremlin"),
    "United Nations": (r"United Nations(?! Security Council)", r"\bUN\b(?! Security Council)",
                       r"\bU\.N\.(?! Security)"),
    "NATO": (r"NATO",),
}
ACTOR_RES = {name: re.compile(r"\b(?:" + "|".join(pats) + r")") for name, pats in ACTORS.items()}

# Names of North Korean missiles and rockets (with the designations analysts use).
NK_MISSILE_RE = re.compile(
    r"\b(?:Hwasong(?:pho)?[- ]\d+[A-Z]?|KN-\d+|Pukguksong-\d|Nodong(?:-\d)?|Rodong(?:-\d)?|Musudan|Taepodong-\d|"
    r"Unha(?:-\d)?|Scud(?:-[BCD])?|Hwasal-\d|Haeil(?:-\d)?)\b"
)
# Missiles of the countries that respond (South Korea, United States, Japan).
RESPONSE_MISSILE_RE = re.compile(r"\b(?:Hyunmoo-\d[A-Z]?|ATACMS|SM-3|PAC-3|Patriot|Chonmu|Taurus|KTSSM)\b")

# Range class words -> class code.
CLASS_WORDS: tuple[tuple[str, str], ...] = (
    (r"intercontinental(?:-range)? ballistic missile|\bICBMs?\b", "ICBM"),
    (r"intermediate-range ballistic missile|\bIRBMs?\b", "IRBM"),
    (r"(?:medium|mid)-range ballistic missile|\bMRBMs?\b", "MRBM"),
    (r"short-range ballistic missile|\bSRBMs?\b", "SRBM"),
    (r"submarine-launched ballistic missile|\bSLBMs?\b", "SLBM"),
    (r"long-range ballistic missile", "long-range"),
)

# Sea areas where missiles fall.
SEAS = (
    r"Pacific(?: Ocean)?",
    r"Sea of Japan",
    r"East Sea",
    r"Yellow Sea",
    r"West Sea",
    r"Sea of Okhotsk",
    r"East China Sea",
)

# Japan's 47 prefectures and the regions reports name in overflight statements.
JAPAN_REGIONS = (
    "Hokkaido", "Aomori", "Iwate", "Miyagi", "Akita", "Yamagata", "Fukushima", "Ibaraki", "Tochigi", "Gunma",
    "Saitama", "Chiba", "Tokyo", "Kanagawa", "Niigata", "Toyama", "Ishikawa", "Fukui", "Yamanashi", "Nagano",
    "Gifu", "Shizuoka", "Aichi", "Mie", "Shiga", "Kyoto", "Osaka", "Hyogo", "Nara", "Wakayama", "Tottori",
    "Shimane", "Okayama", "Hiroshima", "Yamaguchi", "Tokushima", "Kagawa", "Ehime", "Kochi", "Fukuoka", "Saga",
    "Nagasaki", "Kumamoto", "Oita", "Miyazaki", "Kagoshima", "Okinawa", "Tohoku", "Kanto", "Kyushu", "Shikoku",
    "Honshu", "Izu Islands", "Ogasawara",
)
# Phrases that mean "Japan" in an overflight statement.
JAPAN_AREA_RE = re.compile(
    r"\b(?:Japan(?:ese)? (?:territory|islands|archipelago|home islands)"
    r"|the Japanese (?:islands|archipelago|home islands)|Japanese territory|Japan)\b"
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_RE = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")

MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
              "sept": 9, "oct": 10, "nov": 11, "dec": 12}
MONTH_RE = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
            r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)")

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "a pair of": 2}


def month_number(name: str) -> int | None:
    """1-12 for a month name or abbreviation (any case, trailing dot allowed), else None."""
    key = name.lower().rstrip(".")
    return MONTHS.get(key) or MONTH_ABBR.get(key)


def actors_in(text: str) -> list[tuple[int, str]]:
    """(position, actor) of every actor named in ``text``, in order of appearance."""
    found: list[tuple[int, str]] = []
    for name, pattern in ACTOR_RES.items():
        for m in pattern.finditer(text):
            found.append((m.start(), name))
    found.sort()
    return found
