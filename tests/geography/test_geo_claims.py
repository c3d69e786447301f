"""The claims view: Japan's waters as Japan counts them, against the official figures.

Official figures (Tokyo Metropolitan Government, 'Exclusive economic zone', after Japan Coast
Guard; ../shared/data/README.md): land about 380,000 km2 (GSI: 377,975 km2, Northern Territories
included), territorial sea with internal waters about 430,000 km2, EEZ about 4.05 million km2,
together about 4.47 million km2; Okinotorishima's EEZ some 420,000 km2. The Northern Territories:
Etorofu 3,167 km2, Kunashiri 1,489 km2, Shikotan 253 km2, Habomai 95 km2 (Japan's MOFA / GSI).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from pyproj import Geod

from missilewatch.errors import InputError
from missilewatch.geography.claims import (
    _geometry,
    classify_points_claims,
    classify_points_view,
    records_both_views,
    zone_of,
)
from missilewatch.geography.data import countries, read_json
from missilewatch.geography.zones import EEZ_M, TERRITORIAL_SEA_M, Zone, classify_points

R_AUTHALIC_KM = 6371.0072
OFFICIAL_SEA_MKM2 = 4.47
OKINOTORI = (20.4225, 136.0825)  # reef centre (Tokyo Metropolitan Government; Wikipedia)


@pytest.fixture(scope="module")
def grid() -> dict:
    """Japan's areas in both views on a 0.1 deg grid (area-weighted cells)."""
    step = 0.1
    lat = np.arange(12 + step / 2, 55, step)
    lon = np.arange(115 + step / 2, 165, step)
    la, lo = (g.ravel() for g in np.meshgrid(lat, lon, indexing="ij"))
    cell = R_AUTHALIC_KM**2 * np.radians(step) * (np.sin(np.radians(la + step / 2)) - np.sin(np.radians(la - step / 2)))
    jpn = countries().index_of("JPN")
    out = {"lat": la, "lon": lo, "cell": cell}
    for name, z in (("de_facto", classify_points(la, lo)), ("claims", classify_points_claims(la, lo))):
        j = z.country_index == jpn
        out[name] = z
        out[name + "_areas"] = {k: float(cell[j & (z.zone_code == c)].sum()) / 1e6
                                for c, k in enumerate(("land", "ts", "eez"))}
    return out


def test_claims_view_sea_area_within_3_percent_of_the_official_figure(grid):
    a = grid["claims_areas"]
    sea = a["ts"] + a["eez"]
    assert sea == pytest.approx(OFFICIAL_SEA_MKM2, rel=0.03)
    # Land: the official 377,975 km2 counts the Northern Territories, as this view does.
    assert a["land"] == pytest.approx(0.378, rel=0.03)
    # The de facto view is unchanged: about 3.69 (no Okinotorishima, no claimed islands).
    d = grid["de_facto_areas"]
    assert d["ts"] + d["eez"] == pytest.approx(3.69, abs=0.05)


def test_claims_view_only_adds_to_japan(grid):
    jpn = countries().index_of("JPN")
    de_facto_japan = grid["de_facto"].country_index == jpn
    claims_japan = grid["claims"].country_index == jpn
    assert not np.any(de_facto_japan & ~claims_japan)
    gained = grid["cell"][claims_japan & ~de_facto_japan].sum() / 1e6
    assert 0.7 < gained < 0.9  # Okinotorishima ~0.42, Northern Territories, Takeshima, small islands


def test_okinotorishima_eez_near_the_published_420000_km2(grid):
    la, lo = grid["lat"], grid["lon"]
    _, _, d = Geod(ellps="WGS84").inv(np.full(len(la), OKINOTORI[1]), np.full(len(la), OKINOTORI[0]), lo, la)
    jpn = countries().index_of("JPN")
    z = grid["claims"]
    near = (d <= EEZ_M + 3000.0) & (z.country_index == jpn) & (grid["de_facto"].country_index != jpn)
    assert grid["cell"][near].sum() / 1e6 == pytest.approx(0.42, rel=0.05)


@pytest.mark.parametrize("azimuth", [0.0, 90.0, 180.0, 270.0])
def test_okinotorishima_200nm_limit_against_geographiclib(azimuth):
    # The reef's low-water line is 2.25 km (E-W) / 0.85 km (N-S) from its centre.
    half = 2250.0 if azimuth in (90.0, 270.0) else 850.0
    inside = Geodesic.WGS84.Direct(*OKINOTORI, azimuth, EEZ_M + half - 1500.0)
    outside = Geodesic.WGS84.Direct(*OKINOTORI, azimuth, EEZ_M + half + 1500.0)
    zi = zone_of(inside["lat2"], inside["lon2"], view="claims")
    zo = zone_of(outside["lat2"], outside["lon2"], view="claims")
    assert (zi.zone, zi.country) == (Zone.EEZ, "JPN")
    assert zo.zone is Zone.HIGH_SEAS and zo.country is None
    ts = Geodesic.WGS84.Direct(*OKINOTORI, azimuth, TERRITORIAL_SEA_M + half - 1000.0)
    assert zone_of(ts["lat2"], ts["lon2"], view="claims").zone is Zone.TERRITORIAL_SEA
    # In the default view the reef does not exist.
    assert zone_of(inside["lat2"], inside["lon2"]).zone is Zone.HIGH_SEAS


@pytest.mark.parametrize(
    "lat, lon, de_facto, claims",
    [
        (44.9, 147.6, ("land", "RUS"), ("land", "JPN")),  # Etorofu
        (44.0, 145.8, ("land", "RUS"), ("land", "JPN")),  # Kunashiri
        (43.5, 147.5, ("eez", "RUS"), ("eez", "JPN")),  # Pacific south-east of Shikotan
        (37.30, 132.05, ("territorial_sea", "KOR"), ("territorial_sea", "JPN")),  # off Takeshima
        (21.3, 136.08, ("high_seas", None), ("eez", "JPN")),  # north of Okinotorishima
        (24.47, 131.25, ("eez", "JPN"), ("territorial_sea", "JPN")),  # off Okidaitojima
        (46.2, 151.0, ("eez", "RUS"), ("eez", "RUS")),  # off Simushir: not claimed
        (37.50, 130.87, ("land", "KOR"), ("land", "KOR")),  # Ulleungdo (37°30′N 130°52′E)
        (35.68, 139.77, ("land", "JPN"), ("land", "JPN")),  # Tokyo
        (34.10, 133.30, ("territorial_sea", "JPN"), ("territorial_sea", "JPN")),  # Seto Inland Sea
    ],
)
def test_verdicts_in_both_views(lat, lon, de_facto, claims):
    d, c = zone_of(lat, lon), zone_of(lat, lon, view="claims")
    assert (d.zone.value, d.country) == de_facto
    assert (c.zone.value, c.country) == claims


def test_median_line_between_takeshima_and_ulleungdo():
    """Japan draws the median line between Takeshima and Ulleungdo; the nearer coast decides."""
    g = Geodesic.WGS84.Inverse(37.2417, 131.8667, 37.50, 130.87)  # Takeshima -> Ulleungdo
    line = Geodesic.WGS84.InverseLine(37.2417, 131.8667, 37.50, 130.87)
    near_j = line.Position(0.40 * g["s12"])
    near_k = line.Position(0.60 * g["s12"])
    assert zone_of(near_j["lat2"], near_j["lon2"], view="claims").country == "JPN"
    assert zone_of(near_k["lat2"], near_k["lon2"], view="claims").country == "KOR"
    assert zone_of(near_j["lat2"], near_j["lon2"]).country == "KOR"  # de facto: Takeshima is KOR's


def test_claimed_northern_territories_area_matches_the_official_one():
    rings = _geometry().reassigned
    area = 0.0
    for poly in getattr(rings, "geoms", [rings]):
        if shapely.get_coordinates(poly)[:, 1].mean() > 43.0:  # not Takeshima
            area += abs(Geod(ellps="WGS84").geometry_area_perimeter(poly)[0]) / 1e6
    assert area == pytest.approx(3167 + 1489 + 253, rel=0.08)


def test_data_file_names_a_source_for_every_piece():
    spec = read_json("claims_japan.json")
    for key in ("islands", "reassigned", "internal_waters", "straight_baselines"):
        assert spec[key]
        assert all(item["source"] for item in spec[key])
    names = {i["name"] for i in spec["islands"]}
    assert any(n.startswith("Okinotorishima") for n in names)


def test_views_api_and_bad_view():
    z = classify_points_view([21.3], [136.08], "claims")
    assert z.country(0) == "JPN"
    assert classify_points_view([21.3], [136.08]).country(0) is None
    with pytest.raises(InputError, match="view"):
        zone_of(21.3, 136.08, view="japan")
    # Outside the claims region the views agree and the point is not re-judged.
    assert records_both_views([0.0], [-30.0])[0]["views_differ"] is False


def test_both_verdicts_reported_where_they_differ():
    recs = records_both_views([21.3, 35.68], [136.08, 139.77])
    assert recs[0]["views_differ"] and recs[0]["claims"] == {"zone": "eez", "country": "JPN"}
    assert recs[0]["zone"] == "high_seas" and recs[0]["view"] == "de_facto"
    assert not recs[1]["views_differ"] and "claims" not in recs[1]
    recs = records_both_views([21.3], [136.08], view="claims")
    assert recs[0]["zone"] == "eez" and recs[0]["de_facto"] == {"zone": "high_seas", "country": None}


def test_zone_cli_view_option(capsys):
    from missilewatch.cli.app import main

    assert main(["zone", "21.3", "136.08", "--view", "claims", "--json"]) == 0
    (rec,) = json.loads(capsys.readouterr().out)
    assert rec["view"] == "claims" and rec["country"] == "JPN" and rec["de_facto"]["zone"] == "high_seas"
    assert main(["zone", "21.3", "136.08", "--json"]) == 0
    (rec,) = json.loads(capsys.readouterr().out)
    assert rec["view"] == "de_facto" and rec["zone"] == "high_seas" and rec["claims"]["country"] == "JPN"
    assert main(["zone", "21.3", "136.08", "--view", "japan"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "view" in err[0]


@pytest.mark.parametrize(
    "name, lat, lon, inside",
    [
        ("Osaka Bay", 34.50, 135.25, True),
        ("Kii Channel north of the Hinomisaki-Kamodamisaki line", 34.00, 134.95, True),
        ("Hiuchi-nada", 34.10, 133.30, True),
        ("Suo-nada", 33.85, 131.50, True),
        ("Pacific south of the Hinomisaki-Kamodamisaki line", 33.70, 134.90, False),
        ("Uwa Sea, south of the Sadamisaki-Sekizaki line", 33.25, 132.30, False),
        ("Hibiki-nada, west of the Kanmon line", 34.00, 130.70, False),
    ],
)
def test_seto_inland_sea_is_internal_waters_within_the_official_lines(name, lat, lon, inside):
    """Enforcement Order of the Territorial Sea Act, art. 1: the three lines bounding the Seto
    Inland Sea (Hinomisaki-Kamodamisaki, Sadamisaki-Sekizaki, Takenokojima-Wakamatsu)."""
    assert bool(shapely.contains_xy(_geometry().internal, lon, lat)) is inside, name
    z = zone_of(lat, lon, view="claims")
    if inside:  # internal waters count with the territorial sea, as the official figure does
        assert (z.zone, z.country) == (Zone.TERRITORIAL_SEA, "JPN")


def test_official_seto_lines_are_baselines():
    lines = [b for b in read_json("claims_japan.json")["straight_baselines"] if b["name"].startswith("Seto")]
    assert len(lines) == 3 and all("Cabinet Order No. 210" in b["source"] for b in lines)
    # Kii Hinomisaki lighthouse 33°52'55"N 135°03'40"E.
    assert lines[0]["points"][0] == pytest.approx([135.06111, 33.88194], abs=1e-4)


def test_assess_reports_the_impact_zone_in_both_views(capsys):
    from missilewatch.cli.app import main

    args = ["assess", "--launch", "Sunan", "--impact", "21.0,136.0", "--apogee-km", "1000"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["impact_zone"] == "high_seas"  # the assessment itself stays de facto
    iz = out["impact_zone_views"]
    assert iz["zone"] == "high_seas" and iz["views_differ"] and iz["claims"] == {"zone": "eez", "country": "JPN"}
    assert main(args) == 0
    assert "impact point: high_seas (de facto); as Japan claims it: eez JPN" in capsys.readouterr().out
