"""Japanese reports (MOD press releases, NHK-style news): launch place, landing place, EEZ
verdict, prefectures flown over and missile names, from sentences such as
「北朝鮮は…平壌近郊から…発射」「北海道の奥尻島の西約250キロの日本海に落下」「EEZ外」「青森県の上空を通過」."""

from __future__ import annotations

import re

from missilewatch.archive.reader.gazetteer import prefectures_in

_FROM = re.compile(r"(?P<run>[^、。\s「」]{1,24}?)(?:近郊|付近|周辺|区域|地域|一帯)*から"
                   r"(?=[^。]{0,40}(?:発射|打ち上げ))")
_GENERIC_PLACE = re.compile(r"北朝鮮|内陸部|西岸|東岸|沿岸|海岸|海上|国内|地点|方向|首都$")
_LANDING = (
    (0, re.compile(r"(?P<p>[^、。\s「」()]{1,20}?(?:\([^)]{1,10}\)[^、。\s]{0,6})?)"
                   r"(?:(?:の|沖)?(?:東|西|南|北){1,2}(?:方|側)?(?:沖)?|から(?:(?:東|西|南|北){1,2}(?:方|側)?に?)?)"
                   r"、?\s*(?:約|およそ|おおよそ)?\s*[\d,.]+(?:\s*[~〜～-]\s*[\d,.]+)?\s*(?:キロメートル|キロ・メートル|キロ|km)")),
    (1, re.compile(r"[^、。\s「」]{1,16}?(?:東岸|西岸|沿岸|沖)(?:付近)?")),
    (2, re.compile(r"日本海|太平洋|東シナ海|オホーツク海|黄海|東海")),
)
_LANDING_CUT = re.compile(r"(?:ごろ|頃|(?<![東西南北])、|は|を通過し|通過し|(?<![東西南北方])に)(?=[^、]*$)")
_FALL = re.compile(r"落下|落ちた|着弾")
_EEZ = re.compile(r"EEZ|排他的経済水域")
_EEZ_OUT = re.compile(r"(?:EEZ|排他的経済水域)[^。]{0,12}?(?:外|の外|外側)|"
                      r"(?:EEZ|排他的経済水域)[^。]{0,10}(?:には|に)?落下"
                      r"(?:しなかった|していない|せず)|(?:EEZ|経済水域)外")
_EEZ_IN = re.compile(r"(?:EEZ|排他的経済水域)(?:\([^)]*\)|=[^内外。]{0,12})?(?:の)?(?:内|に落下)")
_OVER = re.compile(r"(?P<area>[^、。\s]{1,24}?)(?:の)?上空を[^。]{0,12}?通過")
_MISSILE = re.compile(r"火星\s*(?P<hs>\d+)(?:号|型)?|北極星\s*(?P<pk>\d*)(?:号|型)?|"
                      r"テポドン\s*(?P<tp>\d)号?|ノドン|ムスダン")


_PLACE_IS = re.compile(r"発射(?:場所|地点|地域)は(?P<run>[^、。]{1,40}?)(?:付近|周辺)?(?:で|と|。|、|$)")
_TAIL = re.compile(r"(?:(?:東|西|南|北)+(?:方|側)?(?:沖)?(?:約|およそ)?[\d,.]*(?:キロ|km)?|"
                   r"沖|付近|近郊|周辺|区域|地域)+$")
_NOT_A_PLACE = re.compile(r"[\d時分頃ごろ午前後約]+|海中|海上|海域")


def _place_of(run: str) -> str | None:
    """The most specific non-generic place of a noun run ("江原道元山北東沖約17キロの海中" -> 江原道元山)."""
    run = re.split(r"[はがをにでと](?![^()]*\))", run)[-1]
    for part in reversed(re.split(r"の|・", run)):
        part = re.sub(r"\([^)]*\)", "", part).strip()
        part = _TAIL.sub("", part)
        if part and not _GENERIC_PLACE.search(part) and not _NOT_A_PLACE.fullmatch(part):
            return part
    return None


def launch_place(text: str) -> str | None:
    """The launch place of a Japanese sentence ("平壌近郊から…発射" -> 平壌), or None."""
    for m in (*_PLACE_IS.finditer(text), *_FROM.finditer(text)):
        place = _place_of(m["run"])
        if place:
            return place
    return None


def landing_candidates(text: str) -> list[tuple[int, int, str]]:
    """(rank, position, phrase) of the landing places of a Japanese sentence (before 落下)."""
    out: list[tuple[int, int, str]] = []
    for fall in _FALL.finditer(text):
        start = max(text.rfind("。", 0, fall.start()) + 1, 0)
        # The landing clause: the stretch before 落下 back to the last time or subject marker.
        clause = text[start: fall.start()]
        cut = max((m.end() for m in re.finditer(r"から(?=[^。]{0,30}発射)|発射(?:し|され|した)?、", clause)), default=0)
        start, clause = start + cut, clause[cut:]
        for rank, pattern in _LANDING:
            for m in pattern.finditer(clause):
                phrase = m.group(0)
                if rank < 2:
                    phrase = re.split(_LANDING_CUT, phrase)[-1]
                out.append((rank, start + m.start(), phrase.strip("、 ")))
    return out


def eez_verdict(text: str) -> str | None:
    """"inside" / "outside" for a sentence that places the fall against Japan's EEZ, else None."""
    if not _EEZ.search(text):
        return None
    if _EEZ_OUT.search(text):
        return "outside"
    if _EEZ_IN.search(text):
        return "inside"
    return "unknown"


def overflight_areas(text: str) -> list[str]:
    """Prefectures (or "Japan") a Japanese sentence says the missile passed over (上空を通過)."""
    areas: list[str] = []
    for m in _OVER.finditer(text):
        names = prefectures_in(m["area"]) or (["Japan"] if re.search(r"日本|我が国|本土", m["area"]) else [])
        for n in names:
            if n not in areas:
                areas.append(n)
    return areas


def missile_name(text: str) -> str | None:
    """A North Korean missile named in Japanese, in its English spelling ("火星12号" -> "Hwasong-12")."""
    m = _MISSILE.search(text)
    if not m:
        return None
    if m["hs"]:
        return f"Hwasong-{m['hs']}"
    if m.group(0).startswith("北極星"):
        return f"Pukguksong-{m['pk']}" if m["pk"] else "Pukguksong"
    if m["tp"]:
        return f"Taepodong-{m['tp']}"
    return {"ノドン": "Nodong", "ムスダン": "Musudan"}[m.group(0)]
