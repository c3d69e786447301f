"""The main job on the 4 Oct 2022 flight over Aomori: track, predict, assess, alert, record."""

import pytest
from capvalidator import validate_cap_message
from sqlalchemy import func, select

from missilewatch.alerts.cap import render_cap
from missilewatch.alerts.model import MsgType
from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import load_input
from missilewatch.store import Database
from missilewatch.store.models import AlertRow, DecisionRow, MeasurementRow, PredictionRow, TrackRow, WatchRun


@pytest.fixture(scope="module")
def run():
    db = Database("sqlite://")
    return replay(load_input("2022-10-04"), db=db), db


def test_one_confirmed_track_and_no_false_tracks(run):
    s = run[0].summary
    assert s["launches"] == 1 and s["tracks_confirmed"] == 1
    assert s["false_tracks"] == 0 and s["swaps"] == 0
    assert s["rejected_measurements"] == 0


def test_aomori_is_warned_three_minutes_before_the_missile_reaches_it(run):
    d = run[0].summary["launch_details"][0]
    assert "Aomori" in d["coast_crossing_s"]  # the true flight crosses Aomori ...
    assert 360 <= d["coast_crossing_s"]["Aomori"] <= 450  # ... at 07:28-07:29 as reported
    assert d["alert_lead_s"]["Aomori"] >= 180.0


def test_footprint_is_honest_and_final_impact_close(run):
    s = run[0].summary
    assert 0.90 <= s["footprint_coverage"] <= 0.99
    assert s["impact_error_km"] < 10.0
    assert s["footprint_contains_truth"] is True


def test_no_threat_of_damage_and_outside_the_eez(run):
    s = run[0].summary
    assert s["threat_of_damage"] is False and s["intercept_recommended"] is False
    a = s["launch_details"][0]["assessment"]
    assert a["impact_zone"] == "high_seas"
    assert any("no threat of damage predicted" in r for r in a["reasons"])


def test_nees_within_its_95_percent_chi_square_bounds(run):
    n = run[0].summary["nees"]
    assert n["updates"] > 500
    lo, hi = n["bounds_95"]
    assert lo <= n["mean"] <= hi
    assert 0.90 <= n["fraction_inside_single_95"] <= 0.99


def test_alert_lifecycle_and_cap_validity(run):
    msgs = run[0].watch.alerts.messages()
    assert msgs[0].msg_type == MsgType.ALERT and "Aomori" in msgs[0].region_names
    assert msgs[-1].plan.final and "Aomori" in msgs[-1].passed_regions
    for m in msgs:
        result = validate_cap_message(render_cap(m).encode(), strict=False)
        assert result.passed, result.message


def test_everything_is_recorded(run):
    result, db = run
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(WatchRun)) == 1
        assert s.scalar(select(func.count()).select_from(MeasurementRow)) == len(result.input.items)
        assert s.scalar(select(func.count()).select_from(TrackRow)) >= 1
        assert s.scalar(select(func.count()).select_from(PredictionRow)) > 10
        assert s.scalar(select(func.count()).select_from(DecisionRow)) > 1
        alerts = s.scalars(select(AlertRow)).all()
        assert len(alerts) == len(result.watch.alerts.messages())
        assert alerts[0].cap_xml.startswith("<?xml") and "青森県" in alerts[0].text_ja
        run_row = s.scalars(select(WatchRun)).one()
        assert run_row.summary["tracks_confirmed"] == 1
