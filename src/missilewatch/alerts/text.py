"""Plain-text renderings of alert messages in English and Japanese.

The Japanese follows the public J-Alert missile templates of Japan's Cabinet Secretariat
(ミサイル発射 / 直ちに避難 / ミサイル通過 ...); the English is their translation. Times are shown
in a display time zone (Japan Standard Time by default); the messages carry UTC.
"""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources

from missilewatch.alerts.model import Alert, AlertKind, MsgType
from missilewatch.assessment.reasons import ReasonCode as C
from missilewatch.errors import InputError

JST = timezone(timedelta(hours=9), "JST")
LANGUAGES = ("en", "ja")


@lru_cache(maxsize=1)
def _names_ja() -> dict:
    return json.loads(resources.files("missilewatch.alerts").joinpath("data/region_names_ja.json").read_text())


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def region_name_ja(region: str, country: str) -> str:
    """Japanese name of a region (prefectures of Japan), else the name as given."""
    return _names_ja().get(country, {}).get(_ascii(region), region)


def country_name_ja(country: str, default: str) -> str:
    return _names_ja()["countries"].get(country, default)


def _clock(dt, tz: tzinfo, lang: str) -> str:
    t = dt.astimezone(tz)
    return f"{t.hour}時{t.minute:02d}分" if lang == "ja" else f"{t:%H:%M} {t.tzname()}"


def _join_en(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _passed_near(alert: Alert) -> list[str]:
    """Regions of a closing message warned as near the flight path, not flown over."""
    return [r.region for r in alert.regions
            if r.kind == AlertKind.LAUNCH and not r.overflown and r.region not in alert.passed_regions]


def _countries_of(alert: Alert, names: list[str]) -> list[str]:
    by_name = {r.region: r.country for r in alert.regions}
    return [by_name.get(n, "JPN") for n in names]


def render_text(alert: Alert, lang: str = "en", tz: tzinfo = JST) -> str:
    """The broadcast text of one message, in ``lang`` ("en" or "ja")."""
    if lang not in LANGUAGES:
        raise InputError("lang", lang, f"must be one of {', '.join(LANGUAGES)}")
    return (_render_ja if lang == "ja" else _render_en)(alert, tz)


def _impact_position(alert: Alert, lang: str) -> str:
    p = alert.plan
    if p.impact_lat_deg is None or p.impact_lon_deg is None:
        return ""
    lat, lon = p.impact_lat_deg, p.impact_lon_deg
    if lang == "ja":
        ns, ew = ("北緯" if lat >= 0 else "南緯"), ("東経" if lon >= 0 else "西経")
        return f"（推定落下地点 {ns}{abs(lat):.1f}度、{ew}{abs(lon):.1f}度）"
    return f" ({abs(lat):.1f}°{'N' if lat >= 0 else 'S'}, {abs(lon):.1f}°{'E' if lon >= 0 else 'W'})"


def _render_en(alert: Alert, tz: tzinfo) -> str:
    p = alert.plan
    parts: list[str] = []
    impact = [r for r in alert.regions if r.kind == AlertKind.IMPACT]
    over = [r for r in alert.regions if r.kind == AlertKind.LAUNCH]
    if alert.passed_regions:
        parts.append(
            f"Missile passed. Missile passed. A missile appears to have passed over "
            f"{_join_en(list(alert.passed_regions))}. It is estimated to have fallen {p.impact_text}"
            f"{_impact_position(alert, 'en')}. If you find anything suspicious, do not approach it; "
            f"contact the police or fire department immediately."
        )
    elif p.final:
        parts.append(f"The missile is estimated to have fallen {p.impact_text}{_impact_position(alert, 'en')}.")
    if p.final and (near := _passed_near(alert)):
        parts.append(
            f"All clear for {_join_en(near)}: the missile passed near but not over "
            f"{'it' if len(near) == 1 else 'them'}; the warning for the flight path nearby is over."
        )
    if impact and not p.final:
        names = _join_en([r.region for r in impact])
        parts.append(
            f"Take shelter immediately. Take shelter immediately. A missile may fall in or near {names} "
            f"at about {_clock(min(r.time_utc for r in impact), tz, 'en')}. Take shelter inside a building "
            f"or underground immediately."
        )
    if over and not p.final:
        parts.append(
            f"Missile launch. Missile launch. A missile appears to have been launched from {p.origin}. "
            f"Take shelter inside a building or underground. It is predicted to fly over "
            + "; ".join(f"{r.region} at about {_clock(r.time_utc, tz, 'en')}" for r in over) + "."
        )
    for name, why in alert.cancelled_regions:
        parts.append(f"Warning for {name} withdrawn: {why}.")
    if alert.msg_type == MsgType.CANCEL and not alert.cancelled_regions:
        parts.append(f"All warnings withdrawn: predicted impact {p.impact_text}.")
    return " ".join(parts)


def _render_ja(alert: Alert, tz: tzinfo) -> str:
    p = alert.plan
    parts: list[str] = []
    impact = [r for r in alert.regions if r.kind == AlertKind.IMPACT]
    over = [r for r in alert.regions if r.kind == AlertKind.LAUNCH]
    ja = lambda r: region_name_ja(r.region, r.country)  # noqa: E731
    if alert.passed_regions:
        names = "、".join(region_name_ja(n, "JPN") for n in alert.passed_regions)
        parts.append(
            f"ミサイル通過。ミサイル通過。先程、{names}の上空をミサイルが通過した模様です。"
            f"ミサイルは落下したものとみられます{_impact_position(alert, 'ja')}。"
            "不審な物を発見した場合には、決して近寄らず、直ちに警察や消防などに連絡して下さい。"
        )
    elif p.final:
        parts.append(f"ミサイルは落下したものとみられます{_impact_position(alert, 'ja')}。")
    if p.final and (near := _passed_near(alert)):
        names = "、".join(region_name_ja(n, c) for n, c in zip(near, _countries_of(alert, near), strict=True))
        parts.append(f"{names}については、ミサイルは付近を通過しましたが上空は通過しなかった模様です。飛行経路付近としての警報を解除します。")
    if impact and not p.final:
        names = "、".join(ja(r) for r in impact)
        parts.append(
            "直ちに避難。直ちに避難。直ちに建物の中、又は地下に避難して下さい。"
            f"ミサイルが{names}周辺に{_clock(min(r.time_utc for r in impact), tz, 'ja')}頃落下する可能性があります。"
            "直ちに避難して下さい。"
        )
    if over and not p.final:
        origin = country_name_ja("PRK", p.origin) if p.origin == "North Korea" else p.origin
        when = "、".join(f"{ja(r)}の上空を{_clock(r.time_utc, tz, 'ja')}頃" for r in over)
        parts.append(
            f"ミサイル発射。ミサイル発射。{origin}からミサイルが発射されたものとみられます。"
            f"建物の中、又は地下に避難して下さい。{when}通過する見込みです。"
        )
    for name, _why in alert.cancelled_regions:
        parts.append(
            f"{region_name_ja(name, 'JPN')}周辺に落下する可能性、及び上空を通過する可能性はなくなりました"
            f"{_impact_position(alert, 'ja')}。"
        )
    if alert.msg_type == MsgType.CANCEL and not alert.cancelled_regions:
        parts.append("ミサイルに関する警報を解除します。")
    return "".join(parts)


# -- the assessment's findings in words ------------------------------------------------------

_COMPASS_JA = {"north": "北", "northeast": "北東", "east": "東", "southeast": "南東", "south": "南",
               "southwest": "南西", "west": "西", "northwest": "北西"}
_ZONE_EN = {"land": "land", "territorial_sea": "territorial sea", "eez": "EEZ", "high_seas": "high seas"}
_ZONE_JA = {"land": "陸地", "territorial_sea": "領海", "eez": "排他的経済水域（EEZ）", "high_seas": "公海"}


def reason_texts(findings, lang: str = "en") -> tuple[str, ...]:
    """The assessment's findings (``assessment.reasons.Reason``) as sentences in ``lang``."""
    if lang not in LANGUAGES:
        raise InputError("lang", lang, f"must be one of {', '.join(LANGUAGES)}")
    return tuple(reason_text(f, lang) for f in findings)


def reason_text(finding, lang: str = "en") -> str:
    """One finding as a sentence in ``lang`` ("en" or "ja")."""
    words = _REASON_EN if lang == "en" else _REASON_JA
    return words[C(finding.code)](finding.params)


def _possessive(name: str | None) -> str:
    return f"{name}'s" if name else "an unnamed entity's"


def _protected_en(p) -> str:
    return " or ".join(_possessive(n) for n in p["protected_names"])


def _protected_ja(p) -> str:
    return "又は".join(country_name_ja(c, n) for c, n in zip(p["protected"], p["protected_names"], strict=True))


def _reference(p, lang: str) -> str:
    from missilewatch.geography.gazetteer import compass_point, format_km

    place, km = p["ref_place"], p["ref_distance_km"]
    compass = compass_point(p["ref_bearing_deg"])
    if lang == "ja":
        return place if km < 1.0 else f"{place}の{_COMPASS_JA[compass]}約{format_km(km)}キロ"
    return f"at {place}" if km < 1.0 else f"about {format_km(km)} km {compass} of {place}"


def _impact_en(p) -> str:
    zone, name = _zone_value(p["zone"]), p["country_name"]
    if zone == "land":
        label = f"{p['region']} ({p['region_country_name']})" if p["region"] else (
            p["region_country_name"] or name or "an unnamed entity")
        where = f"on land in {label}"
    elif zone == "territorial_sea":
        where = f"in {_possessive(name)} territorial sea"
    elif zone == "eez":
        where = f"inside {_possessive(name)} EEZ"
    else:
        where = "high seas"
    head = f"predicted impact {_reference(p, 'en')}, {where}"
    if p["outside_protected"]:
        head += f", outside {_protected_en(p)} EEZ"
    if p["verdict"] == "threat":
        if not p["via_area"]:
            return f"{head}: threat of damage"
        hits = ", ".join(f"{_possessive(n)} {_zone_value(z).replace('_', ' ')}" for _c, n, z in p["area_hits"])
        return f"{head}; the impact area reaches {hits}: threat of damage"
    if p["verdict"] == "reported":
        if not p["via_area"]:
            return f"{head}: no threat of damage predicted; an impact in the EEZ is reported, without public warning"
        return f"{head}; the impact area reaches {_protected_en(p)} EEZ: reported, no threat of damage predicted"
    return f"{head}: no threat of damage predicted"


def _impact_ja(p) -> str:
    zone = _zone_value(p["zone"])
    who = country_name_ja(p["country"], p["country_name"]) if p["country"] else "所属不明の地域"
    if zone == "land":
        if p["region"]:
            rc = p["region_country"] or ""
            where = f"{region_name_ja(p['region'], rc)}（{country_name_ja(rc, p['region_country_name'] or '')}）の陸地"
        else:
            where = f"{who}の陸地"
    elif zone == "high_seas":
        where = "公海上"
    else:
        where = f"{who}の{_ZONE_JA[zone]}内"
    head = f"落下予測地点は{_reference(p, 'ja')}、{where}"
    if p["outside_protected"]:
        head += f"（{_protected_ja(p)}の排他的経済水域（EEZ）外）"
    if p["verdict"] == "threat":
        if not p["via_area"]:
            return f"{head}：被害のおそれあり"
        hits = "、".join(f"{country_name_ja(c, n)}の{_ZONE_JA[_zone_value(z)]}" for c, n, z in p["area_hits"])
        return f"{head}。落下予測範囲が{hits}に及ぶ：被害のおそれあり"
    if p["verdict"] == "reported":
        if not p["via_area"]:
            return f"{head}：被害のおそれは予測されない。EEZ内への落下は公表し、住民への警報は出さない"
        return (f"{head}。落下予測範囲が{_protected_ja(p)}の排他的経済水域（EEZ）に及ぶ："
                "公表、被害のおそれは予測されない")
    return f"{head}：被害のおそれは予測されない"


def _zone_value(zone) -> str:
    return getattr(zone, "value", zone)


def _overflight_en(p) -> str:
    label = f"{p['region']} ({p['country_name']})" if p["region"] else p["country_name"]
    return (f"flies over {label} from {p['enter_s']:,.0f} s to {p['exit_s']:,.0f} s after launch, "
            f"{p['alt_min_km']:,.0f} km or higher: warning to the regions along the flight path")


def _overflight_ja(p) -> str:
    if p["region"]:
        name = region_name_ja(p["region"], p["country"] or "")
    else:
        name = country_name_ja(p["country"], p["country_name"])
    return (f"{name}の上空を発射{p['enter_s']:,.0f}秒後から{p['exit_s']:,.0f}秒後まで、"
            f"高度{p['alt_min_km']:,.0f}キロ以上で通過：飛行経路の地域に警報")


def _corridor_en(p) -> str:
    return (f"passes within {p['distance_km']:,.0f} km of {p['region']} at {p['time_s']:,.0f} s after launch, inside "
            f"the {p['corridor_km']:,.0f} km flight corridor: warning to the regions near the flight path")


def _corridor_ja(p) -> str:
    return (f"発射{p['time_s']:,.0f}秒後に{region_name_ja(p['region'], p['country'])}から"
            f"{p['distance_km']:,.0f}キロの所を通過（飛行経路から{p['corridor_km']:,.0f}キロの範囲内）：飛行経路付近の地域に警報")


def _warning_en(p) -> str:
    listed = ", ".join(f"{r} (t+{t:,.0f} s)" if math.isfinite(t) else r for r, _c, t in p["regions"])
    return f"warning to {len(p['regions'])} region(s): {listed}"


def _warning_ja(p) -> str:
    listed = "、".join(f"{region_name_ja(r, c)}（発射{t:,.0f}秒後）" if math.isfinite(t) else region_name_ja(r, c)
                      for r, c, t in p["regions"])
    return f"{len(p['regions'])}地域に警報：{listed}"


_INTERCEPT_EN = {
    "recommended": "interception recommended: the predicted impact area reaches {prot} land or territorial sea",
    "not_by_policy": "interception not recommended by this policy",
    "no_threat": "no interception: no threat of damage",
}
_INTERCEPT_JA = {
    "recommended": "破壊措置を推奨：落下予測範囲が{prot}の陸地又は領海に及ぶ",
    "not_by_policy": "この方針では破壊措置を推奨しない",
    "no_threat": "破壊措置なし：被害のおそれなし",
}


def _words(en: bool) -> dict:
    if en:
        return {
            C.IMPACT: _impact_en,
            C.OVERFLIGHT: _overflight_en,
            C.CORRIDOR: _corridor_en,
            C.VICINITY: lambda p: (f"the impact area is within {p['within_km']:,.0f} km of {_protected_en(p)} coast: "
                                   "warning to the regions near the predicted impact"),
            C.WARNING: _warning_en,
            C.NO_WARNING: lambda p: ("no public warning: no protected region under or near the flight path "
                                     "or the impact"),
            C.INTERCEPT: lambda p: _INTERCEPT_EN[p["decision"]].format(prot=" or ".join(
                _possessive(n) for n in p["protected_names"])),
            C.GATE_NO_IMPACT: lambda p: "no impact predicted: nothing reaches the ground",
            C.GATE_UNLIKELY_IMPACT: lambda p: (f"impact probability {p['impact_probability']:.2f} below "
                                               f"{p['min_impact_probability']:.2f}: not a prediction to act on"),
            C.GATE_BOOSTING: lambda p: (f"more likely still boosting than not (boost probability "
                                        f"{p['boost_probability']:.2f} above {p['max_boost_probability']:.2f}): "
                                        "its impact is not yet a prediction, no warning from it"),
            C.GATE_FOOTPRINT: lambda p: f"too uncertain to warn from (95% footprint {p['footprint_km']:,.0f} km long)",
            C.GATE_OPEN: lambda p: "may be warned from",
        }
    return {
        C.IMPACT: _impact_ja,
        C.OVERFLIGHT: _overflight_ja,
        C.CORRIDOR: _corridor_ja,
        C.VICINITY: lambda p: (f"落下予測範囲が{_protected_ja(p)}の海岸から{p['within_km']:,.0f}キロ以内："
                               "落下予測地点付近の地域に警報"),
        C.WARNING: _warning_ja,
        C.NO_WARNING: lambda p: "住民への警報なし：飛行経路や落下予測地点の下又は付近に保護対象の地域はない",
        C.INTERCEPT: lambda p: _INTERCEPT_JA[p["decision"]].format(prot=_protected_ja(p)),
        C.GATE_NO_IMPACT: lambda p: "落下予測なし：地上に達しない",
        C.GATE_UNLIKELY_IMPACT: lambda p: (f"落下する確率{p['impact_probability']:.2f}が"
                                           f"{p['min_impact_probability']:.2f}未満：予測として用いない"),
        C.GATE_BOOSTING: lambda p: (f"推進中の確率{p['boost_probability']:.2f}が"
                                    f"{p['max_boost_probability']:.2f}を超える：落下予測はまだ予測にならず、警報は出さない"),
        C.GATE_FOOTPRINT: lambda p: f"不確かすぎて警報できない（95%落下予測範囲の長さ{p['footprint_km']:,.0f}キロ）",
        C.GATE_OPEN: lambda p: "警報可",
    }


_REASON_EN = _words(True)
_REASON_JA = _words(False)
