#!/usr/bin/env python3
"""Write ``missilewatch/geography/data/claims_japan.json``: what the ``claims`` view adds to the
de facto geography so that Japan's waters come out as Japan counts them.

Nothing here is downloaded: every coordinate is typed below with its public source, and the
script checks and serialises them (rings closed, lon/lat in range, each island a polygon of
its published size around its published position). Run it after changing the tables:
``.venv/bin/python scripts/build_claims_data.py``; the output is committed.

The claims view is Japan's claims, labelled as such; the de facto view (Natural Earth's borders)
stays the project's default, and missilewatch takes no side on any dispute.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "missilewatch" / "geography" / "data" / "claims_japan.json"

# Islands that Japan counts and the Natural Earth 1:10m data lacks: name, lat, lon (deg),
# east-west and north-south size (km) of the low-water outline drawn as an ellipse, land (False:
# a reef whose low-water line is the baseline but which is awash at high tide), source.
MISSING_ISLANDS = [
    ("Okinotorishima (reef)", 20.4225, 136.0825, 4.5, 1.7, False,
     "Tokyo Metropolitan Government, 'Profile of the Okinotorishima Islands' (N 20°25' E 136°04', "
     "table reef about 4.5 km east-west and 1.7 km north-south; Kitakojima and Higashikojima stand "
     "on it); Wikipedia 20°25'21\"N 136°05'24\"E. UNCLOS art. 6: the baseline of a reef is its "
     "seaward low-water line"),
    ("Okidaitojima", 24.4667, 131.1833, 1.4, 1.2, True,
     "Wikipedia 'Okidaitōjima', 24°28'N 131°11'E, area 1.15 km2"),
    ("Hateruma-jima", 24.0583, 123.7833, 5.0, 3.0, True,
     "Wikipedia 'Hateruma', 24°03'30\"N 123°47'E, area 12.7 km2 (Japan's southernmost inhabited island)"),
    ("Danjo Islands (Me-shima)", 31.9833, 128.35, 2.0, 1.5, True,
     "Wikipedia 'Danjo Islands', 31°59'N 128°21'E (Me-shima, the largest of the group, 2.9 km2 in all)"),
    ("Danjo Islands (Otoko-shima)", 32.0333, 128.4, 1.2, 0.8, True,
     "Wikipedia 'Danjo Islands', Otoko-shima about 5 km north-east of Me-shima"),
    ("Sofu-gan (Lot's Wife)", 29.7939, 140.3419, 0.1, 0.1, True,
     "Wikipedia 'Sōfu-gan', 29°47'38\"N 140°20'31\"E (a 99-m pinnacle, about 50 m across)"),
    ("Beyonesu Rocks (Bayonnaise)", 31.8833, 139.9167, 0.3, 0.2, True,
     "Wikipedia 'Bayonnaise Rocks', 31°53'N 139°55'E"),
    ("Habomai: Suisho-jima", 43.4333, 145.9167, 4.5, 3.0, True,
     "Wikipedia 'Habomai Islands', Suishō-jima about 43°26'N 145°55'E (area about 13 km2); Japan's claim, "
     "administered by Russia"),
    ("Habomai: Yuri-to", 43.4167, 146.0667, 2.5, 1.2, True,
     "Wikipedia 'Habomai Islands', Yuri Island about 43°25'N 146°04'E (area about 10 km2)"),
    ("Habomai: Shibotsu-to", 43.5333, 146.1500, 8.0, 5.0, True,
     "Wikipedia 'Habomai Islands', Shibotsu about 43°32'N 146°09'E, the largest (about 59 km2)"),
    ("Habomai: Taraku-to", 43.6333, 146.3333, 4.0, 2.5, True,
     "Wikipedia 'Habomai Islands', Taraku about 43°38'N 146°20'E (area about 10 km2)"),
]

# Rings of the de facto data that Japan claims: owner in the data, bounding box of the rings'
# centroids (lon_min, lat_min, lon_max, lat_max), source of the claim.
REASSIGNED = [
    ("Northern Territories (Etorofu, Kunashiri, Shikotan)", "RUS", (145.2, 43.2, 149.0, 45.65),
     "Japan MOFA, 'Northern Territories Issue': Etorofu, Kunashiri, Shikotan and the Habomai Islands "
     "are Japan's; Urup (45.6 N, 149.4 E) and farther north are not claimed"),
    ("Takeshima", "KOR", (131.80, 37.20, 131.93, 37.28),
     "Japan MOFA, 'Takeshima': Takeshima (37°14'N 131°52'E) is Japan's; administered by the Republic "
     "of Korea as Dokdo"),
]

# The Seto Inland Sea is internal waters (Act on the Territorial Sea, art. 2(1) proviso), bounded
# by three lines whose ends the Act's Enforcement Order (Cabinet Order No. 210 of 1977, art. 1,
# as amended 2001) gives to the second: these lines are baselines. (name, (lat, lon) from, to).
SETO_LINES = [
    ("Kii Hinomisaki lighthouse to Kamodamisaki lighthouse",
     (33 + 52 / 60 + 55 / 3600, 135 + 3 / 60 + 40 / 3600), (33 + 50 / 60 + 3 / 3600, 134 + 44 / 60 + 58 / 3600)),
    ("Sadamisaki lighthouse to Sekizaki lighthouse",
     (33 + 20 / 60 + 35 / 3600, 132 + 0 / 60 + 54 / 3600), (33 + 16 / 60, 131 + 54 / 60 + 8 / 3600)),
    ("Takenokojima Daibabana to Wakamatsu Dokai harbour-mouth breakwater lighthouse",
     (33 + 57 / 60 + 2 / 3600, 130 + 52 / 60 + 18 / 3600), (33 + 56 / 60 + 28 / 3600, 130 + 51 / 60 + 2 / 3600)),
]
SETO_SOURCE = ("Enforcement Order of the Act on the Territorial Sea and the Contiguous Zone (Cabinet Order "
               "No. 210 of 1977), art. 1 (text as amended 28 Dec 2001, e.g. jplaws.app/d/352CO0000000210-m.html)")


def seto_ring() -> list[list[float]]:
    """The Seto Inland Sea: the three official closing lines joined by a path over land (Honshu,
    Shikoku and Kyushu inland of their Seto shores), so that every sea point inside is Seto."""
    (k1, k2), (s1, s2), (t1, t2) = ((a, b) for _n, a, b in SETO_LINES)
    ll = lambda p: [round(p[1], 5), round(p[0], 5)]  # noqa: E731
    honshu = [[131.00, 34.10], [131.50, 34.20], [132.00, 34.45], [132.50, 34.55], [133.00, 34.70], [133.50, 34.78],
              [134.00, 34.85], [134.50, 34.90], [135.00, 34.90], [135.30, 34.85], [135.55, 34.72], [135.50, 34.45],
              [135.30, 34.22], [135.18, 33.98]]
    shikoku = [[134.55, 33.95], [134.20, 34.08], [133.80, 34.08], [133.30, 33.90], [132.90, 33.72], [132.60, 33.58],
               [132.40, 33.47], [132.20, 33.39]]
    kyushu = [[131.55, 33.40], [131.35, 33.50], [131.05, 33.70], [130.90, 33.85]]
    ring = [ll(t2), ll(t1), *honshu, ll(k1), ll(k2), *shikoku, ll(s1), ll(s2), *kyushu, ll(t2)]
    return ring


# Straight baselines. Japan's straight baselines (Annex 1 of the Enforcement Order, Cabinet Order
# No. 206 of 1996 and No. 434 of 2001, deposited with the UN) were not available offline (the
# stored copies of the Order hold its articles, not the annex): only a handful of segments across
# bays and island fringes are drawn here between headlands whose positions are public, as an
# approximation. Each: name, points (lon, lat), source of the points.
STRAIGHT_BASELINES = [
    ("Ise Bay and Mikawa Bay mouth (Irago-misaki to Daio-zaki)", [[137.01, 34.58], [136.90, 34.28]],
     "Irago-misaki 34°35'N 137°01'E, Daiō-zaki 34°17'N 136°54'E (Wikipedia)"),
    ("Tokyo Bay approaches (Nojima-zaki to Tsurugi-zaki to Izu Oshima to Iro-zaki)",
     [[139.87, 34.90], [139.40, 34.68], [138.85, 34.60]],
     "Nojima-zaki 34°54'N 139°53'E, Izu Ōshima 34°41'N 139°24'E, Irō-zaki 34°36'N 138°51'E (Wikipedia)"),
    ("Suruga Bay mouth (Iro-zaki to Omae-zaki)", [[138.85, 34.60], [138.22, 34.60]],
     "Irō-zaki 34°36'N 138°51'E, Omaezaki 34°36'N 138°13'E (Wikipedia)"),
    ("Kagoshima Bay approaches (Sata-misaki to Kaimon-dake coast)", [[130.66, 30.99], [130.53, 31.18]],
     "Cape Sata 30°59'N 130°40'E, Kaimon 31°11'N 130°32'E (Wikipedia)"),
    ("Ariake Sea and Amakusa (Nomo-zaki to Ushibuka)", [[129.75, 32.58], [130.03, 32.19]],
     "Nomo-zaki 32°35'N 129°45'E, Ushibuka 32°11'N 130°02'E (Wikipedia)"),
    ("Wakasa Bay mouth (Kyoga-misaki to Echizen-misaki)", [[135.19, 35.78], [135.96, 35.98]],
     "Kyōga-misaki 35°47'N 135°12'E, Echizen-misaki 35°59'N 135°58'E (Wikipedia)"),
    ("Uchiura Bay mouth (Esan-misaki to Chikyu-misaki)", [[141.18, 41.81], [140.93, 42.30]],
     "Esan-misaki 41°49'N 141°11'E, Chikyū-misaki 42°18'N 140°56'E (Wikipedia)"),
    ("Goto Islands fringe (Fukue-jima to Nakadori-jima to Uku-jima)",
     [[128.62, 32.62], [128.77, 32.85], [129.08, 33.08], [129.05, 33.28]],
     "Fukue-jima 32°41'N 128°50'E, Nakadōri-jima 32°58'N 129°05'E, Uku-jima 33°16'N 129°07'E (Wikipedia); "
     "the segment ends on the islands' seaward points of the 1:10m coast"),
]


def ellipse_ring(lat: float, lon: float, ew_km: float, ns_km: float, n: int = 24) -> list[list[float]]:
    """Closed lon/lat ring of an ellipse of ``ew_km`` x ``ns_km`` around (lat, lon)."""
    dlat = ns_km / 2 / 111.132
    dlon = ew_km / 2 / (111.320 * math.cos(math.radians(lat)))
    ring = [[round(lon + dlon * math.cos(2 * math.pi * k / n), 5), round(lat + dlat * math.sin(2 * math.pi * k / n), 5)]
            for k in range(n)]
    return ring + [ring[0]]


def _check_ring(name: str, ring: list[list[float]]) -> None:
    if ring[0] != ring[-1] or len(ring) < 4:
        raise ValueError(f"{name}: ring not closed")
    for lon, lat in ring:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"{name}: coordinate {lon}, {lat} out of range")


def build() -> dict:
    islands = []
    for name, lat, lon, ew, ns, land, src in MISSING_ISLANDS:
        ring = ellipse_ring(lat, lon, ew, ns)
        _check_ring(name, ring)
        islands.append({"name": name, "lat_deg": lat, "lon_deg": lon, "land": land, "ring": ring, "source": src})
    ring = seto_ring()
    _check_ring("Seto Inland Sea", ring)
    internal = [{"name": "Seto Inland Sea", "ring": ring,
                 "source": SETO_SOURCE + "; the ring joins the three lines over land, so only sea inside them counts"}]
    seto_baselines = [{"name": f"Seto Inland Sea closing line: {n}", "points": [[round(a[1], 5), round(a[0], 5)],
                                                                             [round(b[1], 5), round(b[0], 5)]],
                       "source": SETO_SOURCE} for n, a, b in SETO_LINES]
    return {
        "about": ("Japan's claims, labelled as such: the 'claims' view of missilewatch.geography.claims. "
                  "Built by scripts/build_claims_data.py; see data/README.md."),
        "country": "JPN",
        "islands": islands,
        "reassigned": [{"name": n, "from": c, "centroid_bbox": list(b), "source": s} for n, c, b, s in REASSIGNED],
        "internal_waters": internal,
        "straight_baselines": seto_baselines + [{"name": n, "points": p, "source": s}
                                                for n, p, s in STRAIGHT_BASELINES],
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")
