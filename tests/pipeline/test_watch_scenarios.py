"""The watch on the salvo, the boost-phase failure and a notional impact on Japanese land."""


from missilewatch.alerts.model import AlertKind
from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import load_input


def test_salvo_of_eight_gives_eight_tracks_without_swaps():
    s = replay(load_input("salvo-srbm-8")).summary
    assert s["launches"] == 8 and s["tracks_confirmed"] == 8
    assert s["false_tracks"] == 0 and s["swaps"] == 0
    assert s["gospa_mean_m"] is not None and s["gospa_mean_m"] > 0
    assert all(len(d["tracks"]) == 1 for d in s["launch_details"])
    assert s["impact_error_km"] < 10.0


def test_failed_launch_gets_no_standing_alert():
    res = replay(load_input("boost-failure"))
    msgs = res.watch.alerts.messages()
    # Either never warned, or the warning was withdrawn once the failure was evident.
    assert not msgs or msgs[-1].msg_type.value == "Cancel"
    assert res.summary["threat_of_damage"] is False


def test_impact_on_land_warns_that_prefecture_with_threat_and_intercept():
    res = replay(load_input("land-impact-akita"))
    s = res.summary
    assert s["threat_of_damage"] is True and s["intercept_recommended"] is True
    a = s["launch_details"][0]["assessment"]
    assert a["impact_zone"] == "land" and a["impact_country"] == "JPN"
    first = res.watch.alerts.messages()[0]
    akita = next(r for r in first.regions if r.region == "Akita")
    assert akita.kind == AlertKind.IMPACT
    # Warned before the missile falls, with the predicted time.
    assert s["first_alert_s"]["Akita"] < s["launch_details"][0]["truth"]["flight_time_s"] - 180


def test_lofted_icbm_into_the_eez_never_alerts_for_nothing():
    """2022-11-18: the Hwasong-17 fell ~200 km west of Oshima-Oshima, inside Japan's EEZ: reported,
    no public warning. Young tracks with continent-sized footprints must not warn anyone."""
    res = replay(load_input("2022-11-18"))
    assert res.watch.alerts.messages() == []
    a = res.summary["launch_details"][0]["assessment"]
    assert a["impact_zone"] == "eez" and a["impact_country"] == "JPN"
    assert res.summary["threat_of_damage"] is False
