"""The steps of an assessment and their reason codes, the warning gate, and the policy's gate
section."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pyproj import Geod

from missilewatch.alerts.text import reason_texts
from missilewatch.assessment import AlertCause, ImpactEllipse, ReasonCode, assess, load_policy, warn_gate
from missilewatch.assessment.policy import DEFAULT_POLICY_PATH
from missilewatch.errors import ConfigError
from missilewatch.geography import gazetteer
from missilewatch.geography.overflight import GroundTrack

GEOD = Geod(ellps="WGS84")
HWANGJU = (38.687, 125.702)


def gc_track(lat0, lon0, lat1, lon1, flight_s=1200.0, apogee_km=900.0, n=300) -> GroundTrack:
    az, _, d = GEOD.inv(lon0, lat0, lon1, lat1)
    s = np.linspace(0.0, d, n)
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), np.full(n, az), s)
    x = s / d
    return GroundTrack.from_arrays(x * flight_s, lat, lon, 4 * apogee_km * x * (1 - x))


@pytest.fixture(scope="module")
def over_aomori():
    """A flight over Aomori (Tsugaru area) into the Pacific, far out."""
    lat, lon = 40.3, 165.0
    track = gc_track(*HWANGJU, lat, lon)
    return assess(ImpactEllipse(lat, lon, 10, 5, 90), track)


def test_causes_are_an_enum_and_overflown_only_under_the_track(over_aomori):
    a = over_aomori
    causes = {x.region: x.cause for x in a.alerts}
    assert all(isinstance(c, AlertCause) for c in causes.values())
    flown = {o.region for o in a.overflown if o.country == "JPN"}
    assert set(a.overflown_regions) == flown and flown
    for region, cause in causes.items():
        assert (cause is AlertCause.OVERFLIGHT) == (region in flown)
    assert any(c is AlertCause.CORRIDOR for c in causes.values())  # neighbours within 100 km
    assert json.loads(json.dumps(a.to_dict()))["alerts"][0]["cause"] in {c.value for c in AlertCause}


def test_findings_are_codes_with_parameters_in_step_order(over_aomori):
    codes = [f.code for f in over_aomori.findings]
    assert codes[0] is ReasonCode.IMPACT and codes[-2:] == [ReasonCode.WARNING, ReasonCode.INTERCEPT]
    assert ReasonCode.OVERFLIGHT in codes and ReasonCode.CORRIDOR in codes
    assert codes.index(ReasonCode.OVERFLIGHT) < codes.index(ReasonCode.CORRIDOR)
    imp = over_aomori.findings[0]
    assert imp["verdict"] == "none" and imp["zone"] == "high_seas" and imp["protected"] == ("JPN",)
    corr = [f for f in over_aomori.findings if f.code is ReasonCode.CORRIDOR]
    for f in corr:
        assert 0.0 < f["distance_km"] <= f["corridor_km"] == 100.0
        alert = next(x for x in over_aomori.alerts if x.region == f["region"])
        assert alert.time_s == pytest.approx(f["time_s"])
    flat = over_aomori.to_dict()["findings"]
    assert flat[0]["code"] == "impact" and json.dumps(flat)


def test_words_in_english_and_japanese(over_aomori):
    en = reason_texts(over_aomori.findings, "en")
    ja = reason_texts(over_aomori.findings, "ja")
    assert en == over_aomori.reasons and len(ja) == len(en)
    assert "high seas, outside Japan's EEZ: no threat of damage predicted" in en[0]
    assert any(s.startswith("passes within") and "100 km flight corridor" in s for s in en)
    assert ja[0].startswith("落下予測地点は") and "公海上" in ja[0] and "被害のおそれは予測されない" in ja[0]
    assert any("青森県の上空を発射" in s for s in ja)
    assert ja[-1] == "破壊措置なし：被害のおそれなし"


def test_threat_via_the_area_and_the_vicinity_step():
    sado = gazetteer.place("Sado Island")
    lat, lon = gazetteer.offset(sado, 55.0, 315.0)
    a = assess(ImpactEllipse(lat, lon, 25, 5, 135))
    imp = a.findings[0]
    assert imp["verdict"] == "threat" and imp["via_area"] and ("JPN", "Japan", "territorial_sea") in imp["area_hits"]
    assert ReasonCode.VICINITY in [f.code for f in a.findings]
    assert "Niigata" in a.alert_regions and all(x.cause is AlertCause.IMPACT_VICINITY for x in a.alerts)
    assert reason_texts(a.findings, "ja")[0].endswith("被害のおそれあり")


def test_land_label_names_the_land_the_centre_is_on():
    """A centre on another country's land is named as such (not as the nearest prefecture)."""
    a = assess(ImpactEllipse(41.0, 129.0, 5, 3, 0))  # North Korea, north-east coast
    assert a.impact_zone == "land" and a.impact_country == "PRK"
    assert "(North Korea)" in a.reasons[0]
    assert a.impact_region_country == "JPN"  # the nearest protected region, as before


@pytest.mark.parametrize(
    "lat, p_impact, p_boost, footprint, code",
    [
        (float("nan"), 1.0, 0.0, 10.0, ReasonCode.GATE_NO_IMPACT),
        (40.0, 0.3, 0.0, 10.0, ReasonCode.GATE_UNLIKELY_IMPACT),
        (40.0, 1.0, 0.8, 10.0, ReasonCode.GATE_BOOSTING),
        (40.0, 1.0, 0.2, 400.0, ReasonCode.GATE_FOOTPRINT),
        (40.0, 1.0, 0.2, 100.0, ReasonCode.GATE_OPEN),
        (40.0, 0.5, 0.5, 300.0, ReasonCode.GATE_OPEN),  # the limits themselves pass
    ],
)
def test_warn_gate(lat, p_impact, p_boost, footprint, code):
    g = warn_gate(load_policy(), lat, p_impact, p_boost, footprint)
    assert g.code is code
    assert reason_texts([g], "en")[0] and reason_texts([g], "ja")[0]


def test_gate_figures_come_from_the_policy_file(tmp_path):
    p = tmp_path / "strict.toml"
    p.write_text(DEFAULT_POLICY_PATH.read_text().replace("max_footprint_km = 300.0", "max_footprint_km = 50.0")
                 .replace("max_boost_probability = 0.5", "max_boost_probability = 0.2"))
    pol = load_policy(p)
    assert pol.gate.max_footprint_km == 50.0 and pol.boosting(0.3) and not load_policy().boosting(0.3)
    g = warn_gate(pol, 40.0, 1.0, 0.1, 80.0)
    assert g.code is ReasonCode.GATE_FOOTPRINT and g["max_footprint_km"] == 50.0
    assert reason_texts([g])[0] == "too uncertain to warn from (95% footprint 80 km long)"


@pytest.mark.parametrize("old, new", [("max_boost_probability = 0.5", "max_boost_probability = 1.5"),
                                      ("max_footprint_km = 300.0", "max_footprint_km = 0"),
                                      ("min_impact_probability = 0.5", "min_impact_probabilty = 0.5")])
def test_bad_gate_section(tmp_path, old, new):
    p = tmp_path / "bad.toml"
    p.write_text(DEFAULT_POLICY_PATH.read_text().replace(old, new))
    with pytest.raises(ConfigError, match="gate"):
        load_policy(p)


def test_cli_assess_reasons_in_japanese(capsys):
    from missilewatch.cli.app import main

    assert main(["assess", "--launch", "Hwangju", "--impact", "40.0,136.8", "--apogee-km", "300", "--lang", "ja"]) == 0
    out = capsys.readouterr().out.replace("\n", "")
    assert "落下予測地点は" in out and "排他的経済水域（EEZ）内" in out
    assert main(["assess", "--launch", "Hwangju", "--impact", "40.0,136.8", "--apogee-km", "300", "--lang", "fr"]) == 2
    assert "--lang" in capsys.readouterr().err


@pytest.mark.slow
def test_the_watch_takes_its_gates_from_the_policy(tmp_path):
    """2022-10-04 through the watch with a policy that finds every footprint too long to warn
    from: predictions and assessments go on, no alert goes out, and the timeline says why."""
    from missilewatch.pipeline.replay import replay
    from missilewatch.pipeline.source import load_input
    from missilewatch.pipeline.watch import WatchConfig

    p = tmp_path / "strict.toml"
    p.write_text(DEFAULT_POLICY_PATH.read_text().replace("max_footprint_km = 300.0", "max_footprint_km = 0.001"))
    res = replay(load_input("2022-10-04"), config=WatchConfig(policy=load_policy(p)))
    assert res.watch.alerts.messages() == []
    why = [e.text for e in res.watch.timeline if "too uncertain to warn from" in e.text]
    assert why and all("95% footprint" in w for w in why)
    assert any(rec.assessment is not None for log in res.watch.tracks.values() for rec in log.predictions)


def test_nearest_protected_region_with_bounds_is_the_full_search():
    """The bounded search for the protected region nearest an impact centre (coast hint, then
    250 and 1,000 km, then all) names the same region at the same distance as measuring every
    region of the country, near the coast, far out at sea, with a wrong hint and inland."""
    from missilewatch.assessment.steps import _nearest_of_country
    from missilewatch.geography.regions import nearest_region

    rng = np.random.default_rng(11)
    pts = [(40.0, 134.0), (35.7, 139.7), (24.0, 125.0), (-10.0, 60.0), (41.8, 140.1), (60.0, 170.0)]
    pts += [(float(a), float(b)) for a, b in zip(rng.uniform(15, 55, 40), rng.uniform(115, 165, 40), strict=True)]
    for lat, lon in pts:
        want = nearest_region(lat, lon, "JPN")
        for hint in (None, 1.0, 5_000.0):
            got = _nearest_of_country(lat, lon, "JPN", hint)
            assert got[0] is want[0] and got[1] == want[1], (lat, lon, hint)
