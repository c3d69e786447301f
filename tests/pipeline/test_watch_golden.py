"""The watch's results are unchanged on every built-in scenario (speed and structure work must not
move them): same confirmed tracks, the same alert messages with the same regions within one
prediction update of the recorded time, final impacts within 1 km."""

import json

import pytest
from pyproj import Geod
from watch_golden import GOLDEN, SCENARIOS, outcome

GEOD = Geod(ellps="WGS84")
UPDATE_S = 5.5  # one prediction update (predict_every_s = 5 s) and rounding


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_watch_outcome_unchanged(name, golden):
    want, got = golden[name], outcome(name)
    for key in ("tracks_confirmed", "false_tracks", "threat_of_damage"):
        assert got[key] == want[key], key
    assert [(a["type"], a["regions"], a["cancelled"], a["passed"], a["final"]) for a in got["alerts"]] == \
        [(a["type"], a["regions"], a["cancelled"], a["passed"], a["final"]) for a in want["alerts"]]
    for a, b in zip(got["alerts"], want["alerts"], strict=True):
        assert abs(a["t_s"] - b["t_s"]) <= UPDATE_S, (a, b)
    for g, w in zip(got["launches"], want["launches"], strict=True):
        assert g["tracks"] == w["tracks"] and g["impact_zone"] == w["impact_zone"]
        assert g["first_alert_s"].keys() == w["first_alert_s"].keys()
        for region, t in w["first_alert_s"].items():
            assert abs(g["first_alert_s"][region] - t) <= UPDATE_S, region
        if w["final_impact"] is not None:
            d = GEOD.inv(g["final_impact"]["lon_deg"], g["final_impact"]["lat_deg"],
                         w["final_impact"]["lon_deg"], w["final_impact"]["lat_deg"])[2]
            assert d < 1000.0, (g["launch_id"], d)
