"""Plain-text renderings of alert messages in English and Japanese.

The Japanese follows the public J-Alert missile templates of Japan's Cabinet Secretariat
(ミサイル発射 / 直ちに避難 / ミサイル通過 ...); the English is their translation. Times are shown
in a display time zone (Japan Standard Time by default); the messages carry UTC.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources

from missilewatch.alerts.model import Alert, AlertKind, MsgType
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
    elif impact:
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
    elif impact:
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
