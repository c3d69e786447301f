"""Assessment decisions on synthetic and reconstructed flights, policy files, and the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from missilewatch.assessment import ImpactEllipse, ImpactSamples, assess, load_policy
from missilewatch.assessment.policy import DEFAULT_POLICY_PATH, ENV_POLICY
from missilewatch.cli.app import main
from missilewatch.errors import ConfigError, InputError
from missilewatch.geography import gazetteer
from missilewatch.geography.overflight import GroundTrack

GEOD = Geod(ellps="WGS84")
SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def launches() -> dict[str, dict]:
    with open(SHARED / "data" / "launches_public.csv", newline="") as f:
        return {r["date_local"]: r for r in csv.DictReader(f)}


def gc_track(lat0, lon0, lat1, lon1, flight_s=600.0, apogee_km=300.0, n=200) -> GroundTrack:
    az, _, d = GEOD.inv(lon0, lat0, lon1, lat1)
    s = np.linspace(0.0, d, n)
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), np.full(n, az), s)
    x = s / d
    return GroundTrack.from_arrays(x * flight_s, lat, lon, 4 * apogee_km * x * (1 - x))


HWANGJU = (38.687, 125.702)


def test_high_seas_impact_no_threat_and_reason_in_words():
    kam = gazetteer.place("Kamaishi")
    lon, lat, _ = GEOD.fwd(kam.lon_deg, kam.lat_deg, 90.0, 3_180_000.0)
    a = assess(ImpactEllipse(lat, lon, 20, 10, 90))
    assert a.impact_zone == "high_seas" and a.impact_country is None
    assert not a.threat_of_damage and not a.intercept_recommended and not a.alerts
    assert "high seas, outside Japan's EEZ: no threat of damage predicted" in a.reasons[0]
    assert a.reasons[0].startswith("predicted impact about ")


def test_eez_impact_reported_without_warning():
    lat, lon = gazetteer.offset(gazetteer.place("Oga Peninsula"), 250.0, 270.0)
    a = assess(ImpactEllipse(lat, lon, 10, 5, 0), gc_track(*HWANGJU, lat, lon))
    assert a.impact_zone == "eez" and a.impact_country == "JPN"
    assert a.reported and not a.threat_of_damage and not a.intercept_recommended
    assert a.alert_regions == ()
    assert "inside Japan's EEZ" in a.reasons[0] and "reported" in a.reasons[0]


def test_land_impact_threat_intercept_and_alerts_with_time():
    tokyo = gazetteer.place("Tokyo")
    track = gc_track(*HWANGJU, tokyo.lat_deg, tokyo.lon_deg, flight_s=660.0)
    a = assess(ImpactEllipse(tokyo.lat_deg, tokyo.lon_deg, 5, 3, 0), track)
    assert a.impact_zone == "land" and a.impact_country == "JPN" and a.impact_region == "Tokyo"
    assert a.threat_of_damage and a.intercept_recommended
    assert "Tokyo" in a.alert_regions
    tk = next(x for x in a.alerts if x.region == "Tokyo")
    assert 0 < tk.time_s <= 660.0
    assert any("interception recommended" in r for r in a.reasons)


def test_ellipse_reaching_the_territorial_sea_is_a_threat():
    # Centre 40 km off the Sado coast (EEZ), major axis pointing at the island: 2 sigma reaches it.
    sado = gazetteer.place("Sado Island")
    lat, lon = gazetteer.offset(sado, 55.0, 315.0)
    centre_only = assess(ImpactEllipse(lat, lon, 0, 0, 0))
    assert centre_only.impact_zone == "eez" and not centre_only.threat_of_damage
    wide = assess(ImpactEllipse(lat, lon, 25, 5, 135))
    assert wide.threat_of_damage and ("territorial sea" in wide.reasons[0] or "land" in wide.reasons[0])
    assert set(wide.area_zones) >= {"eez"}


def test_samples_input_and_antimeridian_centre():
    a = assess(ImpactSamples(np.array([40.0, 40.1]), np.array([179.95, -179.95])))
    assert a.impact_lon_deg == pytest.approx(180.0, abs=0.1) or a.impact_lon_deg == pytest.approx(-180.0, abs=0.1)
    assert not a.threat_of_damage


def test_policy_protecting_korea(tmp_path):
    text = DEFAULT_POLICY_PATH.read_text().replace('protected_countries = ["JPN"]', 'protected_countries = ["KOR"]')
    p = tmp_path / "kor.toml"
    p.write_text(text)
    busan = gazetteer.place("Busan")
    a = assess(ImpactEllipse(busan.lat_deg, busan.lon_deg, 2, 1, 0), policy=load_policy(p))
    assert a.threat_of_damage and "Busan" in a.alert_regions


def test_policy_intercept_switch(tmp_path):
    p = tmp_path / "noint.toml"
    p.write_text(DEFAULT_POLICY_PATH.read_text().replace("when_threat_of_damage = true",
                                                         "when_threat_of_damage = false"))
    tokyo = gazetteer.place("Tokyo")
    a = assess(ImpactEllipse(tokyo.lat_deg, tokyo.lon_deg), policy=load_policy(p))
    assert a.threat_of_damage and not a.intercept_recommended


def test_policy_from_environment(tmp_path):
    p = tmp_path / "env.toml"
    p.write_text(DEFAULT_POLICY_PATH.read_text().replace('name = "japan-j-alert-model"', 'name = "from-env"'))
    assert load_policy(environ={ENV_POLICY: str(p)}).name == "from-env"
    assert load_policy(environ={}).name == "japan-j-alert-model"


@pytest.mark.parametrize(
    "old, new, words",
    [
        ('damage_zones = ["land", "territorial_sea"]', 'damage_zones = ["lava"]', "unknown zone"),
        ('protected_countries = ["JPN"]', 'protected_countries = ["XXQ"]', "no such country"),
        ("flight_corridor_km = 100.0", "flight_corridor_km = -5", "flight_corridor_km"),
        ('name = "japan-j-alert-model"', 'name = "x"\nsurprise = 1', "surprise"),
        ("[alert]", "[alert", "not valid TOML"),
    ],
)
def test_bad_policy_files(tmp_path, old, new, words):
    p = tmp_path / "bad.toml"
    p.write_text(DEFAULT_POLICY_PATH.read_text().replace(old, new))
    with pytest.raises(ConfigError) as exc:
        load_policy(p)
    assert words in str(exc.value) and str(p) in str(exc.value)


def test_missing_policy_file(tmp_path):
    with pytest.raises(ConfigError):
        load_policy(tmp_path / "none.toml")


@pytest.mark.parametrize(
    "kwargs, field",
    [(dict(lat_deg=95.0, lon_deg=0.0), "lat_deg"), (dict(lat_deg=float("nan"), lon_deg=0.0), "lat_deg"),
     (dict(lat_deg=0.0, lon_deg=0.0, semi_major_km=1.0, semi_minor_km=2.0), "semi_minor_km"),
     (dict(lat_deg=0.0, lon_deg=0.0, semi_major_km="wide"), "semi_major_km")],
)
def test_bad_impact(kwargs, field):
    with pytest.raises(InputError) as exc:
        ImpactEllipse(**kwargs)
    assert exc.value.field == field


def test_assess_rejects_other_impact_types():
    with pytest.raises(InputError):
        assess((40.0, 140.0))


# Full flights: reconstruction (missilewatch.flight) of the official figures, then assessment.
from assess_places import place_impact  # noqa: E402


@pytest.mark.parametrize("date, region",
                         [("2017-08-29", "Hokkaido"), ("2017-09-15", "Hokkaido"), ("2022-10-04", "Aomori")])
def test_reconstructed_flights_overfly_and_no_threat(date, region):
    from missilewatch.flight.reconstruct import reconstruct

    row = launches()[date]
    impact = place_impact(row)
    rec = reconstruct(
        (float(row["site_lat"]), float(row["site_lon"])), impact=impact,
        apogee_km=float(row["apogee_km"]), flight_time_s=float(row["flight_time_s"]),
    )
    track = GroundTrack.from_mapping(rec.ground_track(10.0))
    a = assess(ImpactEllipse(rec.impact_lat_deg, rec.impact_lon_deg, 20, 10, 0), track, impact_time_s=rec.flight_time_s)
    japan = {o.region for o in a.overflown if o.country == "JPN"}
    assert japan == {region}
    assert region in a.alert_regions
    assert not a.threat_of_damage and not a.intercept_recommended
    assert a.impact_zone in ("high_seas", "eez") and a.impact_country != "JPN"
    over = next(o for o in a.overflown if o.region == region)
    assert over.alt_min_km > 100.0  # far above the atmosphere over Japan


def test_cli_assess_json(capsys):
    assert main(["assess", "--launch", "Hwangju", "--impact", "40.0,136.8", "--apogee-km", "300", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("flight_time_s", "range_km", "impact_zone", "impact_country", "overflown", "threat_of_damage",
                "intercept_recommended", "alert_regions", "reasons"):
        assert key in out
    assert out["impact_zone"] == "eez" and out["impact_country"] == "JPN" and out["threat_of_damage"] is False
    assert all(set(o) >= {"country", "region", "enter_s", "exit_s", "alt_km"} for o in out["overflown"])


def test_cli_assess_bad_input(capsys):
    assert main(["assess", "--launch", "Hwangju", "--impact", "95,136", "--apogee-km", "300"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "impact" in err[0]
    assert main(["assess", "--launch", "Hwangju", "--impact", "40,136", "--apogee-km", "300", "--ellipse", "a,b"]) == 2
    assert "--ellipse" in capsys.readouterr().err


def test_cli_zone(capsys):
    assert main(["zone", "35.68", "139.77", "40", "-170", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["zone"] for r in out] == ["land", "high_seas"] and out[0]["country"] == "JPN"
    assert set(out[0]) >= {"lat_deg", "lon_deg", "zone", "country", "coast_distance_km"}
    assert main(["zone", "35.68", "139.77"]) == 0
    assert "land" in capsys.readouterr().out
    for bad in (["zone", "95", "0"], ["zone", "abc", "0"], ["zone", "nan", "0"], ["zone", "1"]):
        assert main(bad) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error:")
