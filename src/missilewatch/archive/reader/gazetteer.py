"""Japanese place names the reader maps to prefectures: prefectures (kanji and romaji), capes,
peninsulas and islands that reports name in overflight and landing statements."""

from __future__ import annotations

import re

# Prefecture in kanji (without 都/道/府/県) -> romaji, as JAPAN_REGIONS spells it.
PREFECTURES_JA = {
    "北海道": "Hokkaido", "青森": "Aomori", "岩手": "Iwate", "宮城": "Miyagi", "秋田": "Akita", "山形": "Yamagata",
    "福島": "Fukushima", "茨城": "Ibaraki", "栃木": "Tochigi", "群馬": "Gunma", "埼玉": "Saitama", "千葉": "Chiba",
    "東京": "Tokyo", "神奈川": "Kanagawa", "新潟": "Niigata", "富山": "Toyama", "石川": "Ishikawa", "福井": "Fukui",
    "山梨": "Yamanashi", "長野": "Nagano", "岐阜": "Gifu", "静岡": "Shizuoka", "愛知": "Aichi", "三重": "Mie",
    "滋賀": "Shiga", "京都": "Kyoto", "大阪": "Osaka", "兵庫": "Hyogo", "奈良": "Nara", "和歌山": "Wakayama",
    "鳥取": "Tottori", "島根": "Shimane", "岡山": "Okayama", "広島": "Hiroshima", "山口": "Yamaguchi",
    "徳島": "Tokushima", "香川": "Kagawa", "愛媛": "Ehime", "高知": "Kochi", "福岡": "Fukuoka", "佐賀": "Saga",
    "長崎": "Nagasaki", "熊本": "Kumamoto", "大分": "Oita", "宮崎": "Miyazaki", "鹿児島": "Kagoshima",
    "沖縄": "Okinawa",
}
# Capes, peninsulas, straits and islands -> prefecture (English and Japanese names).
FEATURES = {
    "Cape Erimo": "Hokkaido", "Erimo": "Hokkaido", "Oshima Peninsula": "Hokkaido", "Oshima-Oshima": "Hokkaido",
    "Okushiri": "Hokkaido", "Cape Soya": "Hokkaido", "Cape Shiretoko": "Hokkaido", "Cape Nosappu": "Hokkaido",
    "Shakotan": "Hokkaido", "Cape Tappi": "Aomori", "Tsugaru": "Aomori", "Shimokita": "Aomori",
    "Cape Ryuhi": "Aomori", "Cape Ryutobi": "Aomori", "Oga": "Akita", "Cape Todo": "Iwate", "Oki Islands": "Shimane",
    "Dogo": "Shimane", "Noto": "Ishikawa", "Hegura": "Ishikawa", "Sado": "Niigata", "Tsushima": "Nagasaki",
    "Miyako": "Okinawa", "Ishigaki": "Okinawa", "Yonaguni": "Okinawa", "Izu Islands": "Tokyo", "Ogasawara": "Tokyo",
    "襟裳": "Hokkaido", "渡島": "Hokkaido", "奥尻": "Hokkaido", "宗谷": "Hokkaido", "知床": "Hokkaido",
    "積丹": "Hokkaido", "竜飛": "Aomori", "龍飛": "Aomori", "津軽": "Aomori", "下北": "Aomori", "男鹿": "Akita",
    "隠岐": "Shimane", "島後": "Shimane", "能登": "Ishikawa", "舳倉": "Ishikawa", "佐渡": "Niigata", "対馬": "Nagasaki",
    "宮古島": "Okinawa", "石垣": "Okinawa", "与那国": "Okinawa", "伊豆諸島": "Tokyo", "小笠原": "Tokyo",
}
_FEATURE_RE = re.compile("|".join(re.escape(k) for k in sorted(FEATURES, key=len, reverse=True)))
_PREF_JA_RE = re.compile("|".join(sorted(PREFECTURES_JA, key=len, reverse=True)))


def prefectures_in(text: str) -> list[str]:
    """Prefectures a phrase names, directly (in kanji or romaji) or through a cape or island."""
    from missilewatch.archive.lexicon import JAPAN_REGIONS

    found: list[tuple[int, str]] = []
    for m in _FEATURE_RE.finditer(text):
        found.append((m.start(), FEATURES[m.group(0)]))
    for m in _PREF_JA_RE.finditer(text):
        found.append((m.start(), PREFECTURES_JA[m.group(0)]))
    for region in JAPAN_REGIONS:
        for m in re.finditer(rf"\b{region}\b", text):
            found.append((m.start(), region))
    found.sort()
    return list(dict.fromkeys(name for _, name in found))
