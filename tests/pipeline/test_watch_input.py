"""Bad input never stops the watch: malformed lines are rejected with a reason, counted and
stored, and everything else is processed. Plus the replay command line."""

import json

import pytest
from sqlalchemy import select

from missilewatch.cli.app import main
from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import from_directory
from missilewatch.pipeline.watch import Watch
from missilewatch.scenarios import builtin, simulate, write_outputs
from missilewatch.store import Database
from missilewatch.store.models import MeasurementRow

BAD_LINES = [
    "this is not json",
    json.dumps({"sensor_id": "x", "type": "range_az_el", "time_utc": "2022-10-03T22:24:00Z",
                "values": [1.0, 2.0], "covariance": [[1, 0], [0, 1]],
                "sensor_position": {"lat_deg": 40.0, "lon_deg": 140.0, "h_m": 0.0}}),
    json.dumps({"sensor_id": "x", "type": "range_az_el", "time_utc": "yesterday",
                "values": [1.0, 2.0, 3.0], "covariance": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
                "sensor_position": {"lat_deg": 40.0, "lon_deg": 140.0, "h_m": 0.0}}),
    json.dumps({"sensor_id": "x", "type": "warp_drive", "time_utc": "2022-10-03T22:24:00Z",
                "values": [1.0], "covariance": [[1]],
                "sensor_position": {"lat_deg": 40.0, "lon_deg": 140.0, "h_m": 0.0}}),
]


@pytest.fixture(scope="module")
def damaged_dir(tmp_path_factory):
    """The first 4 minutes of the 2022-10-04 measurements with four bad lines mixed in."""
    out = tmp_path_factory.mktemp("m")
    write_outputs(simulate(builtin("2022-10-04")), out)
    lines = (out / "measurements.jsonl").read_text().splitlines()
    lines = [ln for ln in lines if json.loads(ln)["t_report_s"] <= 240.0]
    for k, bad in enumerate(BAD_LINES):
        lines.insert(50 + 40 * k, bad)
    (out / "measurements.jsonl").write_text("\n".join(lines) + "\n")
    return out, len(lines)


def test_bad_lines_are_rejected_counted_stored_and_the_rest_goes_on(damaged_dir):
    path, n_lines = damaged_dir
    db = Database("sqlite://")
    res = replay(from_directory(path), db=db)
    s = res.summary
    assert s["rejected_measurements"] == len(BAD_LINES)
    assert s["measurements"] == n_lines
    assert s["tracks_confirmed"] == 1
    reasons = " | ".join(s["rejections"])
    assert "line 51" in reasons and "values" in reasons and "yesterday" in reasons and "type" in reasons
    with db.session() as ses:
        rows = ses.scalars(select(MeasurementRow).where(MeasurementRow.accepted.is_(False))).all()
        assert len(rows) == len(BAD_LINES) and all(r.reason and r.raw for r in rows)


def test_push_from_a_program_rejects_without_raising(damaged_dir):
    path, _ = damaged_dir
    inp = from_directory(path)
    w = Watch(inp.epoch)
    events = w.push("{not json")
    assert events[0].kind == "rejected" and len(w.rejected) == 1
    good = (path / "measurements.jsonl").read_text().splitlines()[0]
    w.push(good)  # the first report is held until the stream corroborates the clock
    w.finish()
    assert w.accepted == 1


def test_replay_json_from_a_directory(damaged_dir, capsys):
    path, _ = damaged_dir
    assert main(["replay", str(path), "--json", "--no-store"]) == 0
    s = json.loads(capsys.readouterr().out)
    for key in ("launches", "tracks_confirmed", "first_alert_s", "coast_crossing_s", "impact_error_km",
                "footprint_contains_truth", "alerts", "threat_of_damage", "rejected_measurements"):
        assert key in s
    assert s["rejected_measurements"] == len(BAD_LINES)


@pytest.mark.parametrize("args, needle", [
    (["replay", "no-such-scenario"], "input"),
    (["replay", "--tz", "Mars/Olympus", "--no-store"], "--tz"),
    (["replay", "--speed", "-1", "--no-store"], "--speed"),
])
def test_replay_bad_arguments_are_one_line_exit_2(args, needle, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and needle in err[0]


def test_report_is_written(tmp_path, damaged_dir):
    from missilewatch.pipeline.report import write_report

    path, _ = damaged_dir
    res = replay(from_directory(path))
    page = write_report(res, tmp_path / "r", __import__("datetime").timezone.utc)
    assert page.is_file() and "Timeline" in page.read_text()
    assert (tmp_path / "r" / "flight.png").stat().st_size > 20_000
    assert (tmp_path / "r" / "prediction_error.png").stat().st_size > 10_000
    assert json.loads((tmp_path / "r" / "flight.geojson").read_text())["type"] == "FeatureCollection"
    from czml3 import Document
    czml_text = (tmp_path / "r" / "flight.czml").read_text()
    assert Document.model_validate_json(czml_text).packets
    # A clock over the flights (truth and tracks), opening at their start.
    packets = json.loads(czml_text)
    clock = packets[0]["clock"]
    first = min(p["position"]["cartographicDegrees"][0] for p in packets[1:])
    last = max(p["position"]["cartographicDegrees"][-4] for p in packets[1:])
    epoch = __import__("datetime").datetime.fromisoformat(packets[1]["position"]["epoch"].replace("Z", "+00:00"))
    start, end = (__import__("datetime").datetime.fromisoformat(x.replace("Z", "+00:00"))
                  for x in clock["interval"].split("/"))
    assert (start - epoch).total_seconds() == pytest.approx(first, abs=1e-3)
    assert (end - epoch).total_seconds() == pytest.approx(last, abs=1e-3)
    assert clock["currentTime"] == clock["interval"].split("/")[0] and clock["multiplier"] >= 1
    assert list((tmp_path / "r" / "alerts").glob("*.xml"))
