"""Measurement files: JSON Lines round trip, Parquet columns, bad lines reported by number."""

import datetime as dt
import json
import math

import numpy as np
import pyarrow.parquet as pq
import pymap3d
import pytest

from missilewatch.sensors import FixedSite, InfraredSensor, Radar, TargetTruth, geostationary, merge
from missilewatch.sensors.measurement_io import read_jsonl, write_jsonl, write_parquet

EPOCH = dt.datetime(2022, 10, 3, 22, 22, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def stream():
    site = FixedSite(40.89, 140.33, 20.0)
    r = np.array(pymap3d.aer2ecef(270.0, 20.0, 600e3, site.lat_deg, site.lon_deg, site.h_m))
    tg = TargetTruth("T1", np.array([0.0, 30.0]), np.array([r, r]), np.zeros((2, 3)), thrust_end_s=30.0)
    radar = Radar("rad", site, 2e6, 1.0, 5.0, 1e-3, 1e-3, 0.5, pd_ref=0.999, ref_range_m=1e9,
                  false_alarms_per_scan=0.5)
    radar_norr = Radar("rad2", site, 2e6, 2.0, 5.0, 1e-3, 1e-3, pd_ref=0.999, ref_range_m=1e9)
    ir = InfraredSensor("ir", geostationary(140.0), 1.0, 20e-6, latency_s=5.0, pd=1.0)
    rng = np.random.default_rng(5)
    return merge([s.observe([tg], 0.0, 30.0, rng) for s in (radar, radar_norr, ir)])


def test_jsonl_round_trip(tmp_path, stream):
    p = tmp_path / "m.jsonl"
    write_jsonl(p, stream, EPOCH)
    lines = p.read_text().splitlines()
    assert len(lines) == len(stream)
    first = json.loads(lines[0])
    assert first["schema"] == "missilewatch.measurement/1"
    assert first["epoch_utc"] == "2022-10-03T22:22:00.000000Z"
    loaded = read_jsonl(p)
    assert loaded.problems == []
    assert loaded.epoch == EPOCH
    back = loaded.stream
    np.testing.assert_allclose(back.t_s, stream.t_s, atol=1e-6)
    np.testing.assert_allclose(back.t_report_s, stream.t_report_s, atol=1e-6)
    np.testing.assert_array_equal(back.values, stream.values)
    np.testing.assert_array_equal(back.covariance, stream.covariance)
    np.testing.assert_allclose(back.sensor_r_ecef, stream.sensor_r_ecef, atol=1e-6)
    assert back.sensor_id.tolist() == stream.sensor_id.tolist()
    assert back.false_alarm.tolist() == stream.false_alarm.tolist()
    # stream order: report time never decreases (the IR lines come late by their latency)
    assert np.all(np.diff(stream.t_report_s) >= 0)
    types = {json.loads(s)["type"] for s in lines}
    assert types == {"range_az_el", "range_az_el_rr", "los_angles"}


def test_time_strings_are_epoch_plus_t(tmp_path, stream):
    p = tmp_path / "m.jsonl"
    write_jsonl(p, stream, EPOCH)
    for line in p.read_text().splitlines()[:50]:
        row = json.loads(line)
        t = dt.datetime.fromisoformat(row["time_utc"].replace("Z", "+00:00"))
        assert (t - EPOCH).total_seconds() == pytest.approx(row["t_s"], abs=1e-6)


def test_real_data_lines_without_truth_and_bad_lines_are_reported(tmp_path):
    good = {"sensor_id": "real-radar", "type": "range_az_el", "time_utc": "2022-10-03T22:25:00Z",
            "values": [500000.0, 4.7, 0.3], "covariance": [[100.0, 0, 0], [0, 1e-6, 0], [0, 0, 1e-6]],
            "sensor_position": {"lat_deg": 40.0, "lon_deg": 140.0, "h_m": 10.0}}
    bad_cov = dict(good, covariance=[[1.0, 0], [0, 1.0]])
    bad_type = dict(good, type="sonar")
    p = tmp_path / "real.jsonl"
    p.write_text("\n".join(json.dumps(x) for x in (good, bad_cov, good, bad_type)) + "\n")
    loaded = read_jsonl(p)
    assert len(loaded.stream) == 2
    assert len(loaded.problems) == 2
    assert loaded.problems[0].startswith("line 2:") and "covariance" in loaded.problems[0]
    assert loaded.problems[1].startswith("line 4: type")
    assert loaded.stream.sensor_type.tolist() == ["radar", "radar"]
    np.testing.assert_allclose(loaded.stream.sensor_r_ecef[0], pymap3d.geodetic2ecef(40.0, 140.0, 10.0), atol=1e-6)


def test_parquet_columns(tmp_path, stream):
    p = tmp_path / "m.parquet"
    write_parquet(p, stream, EPOCH, {"scenario": "unit"})
    t = pq.read_table(p)
    assert t.num_rows == len(stream)
    meta = {k.decode(): v.decode() for k, v in t.schema.metadata.items()}
    assert meta["schema"] == "missilewatch.measurement/1" and meta["scenario"] == "unit"
    d = t.to_pydict()
    ir = [i for i, s in enumerate(d["type"]) if s == "los_angles"]
    assert all(d["range_m"][i] is None for i in ir)
    assert all(len(d["covariance"][i]) == 4 for i in ir)
    rr = [i for i, s in enumerate(d["type"]) if s == "range_az_el_rr"]
    assert all(len(d["covariance"][i]) == 16 for i in rr)
    assert all(d["object_id"][i] is None for i, fa in enumerate(d["false_alarm"]) if fa)
    assert math.isclose(d["covariance"][rr[0]][0], 25.0)


def test_covariance_verdicts_are_the_same_when_remembered():
    """A covariance seen before gets the verdict it got the first time (the record model
    remembers verdicts per covariance): an asymmetric and an indefinite one are refused with
    the same words each time, a valid one is accepted each time."""
    from pydantic import ValidationError

    from missilewatch.sensors.measurement_io import MeasurementRecord

    base = {"sensor_id": "real-radar", "type": "range_az_el", "time_utc": "2022-10-03T22:25:00Z",
            "values": [500000.0, 4.7, 0.3], "sensor_position": {"lat_deg": 40.0, "lon_deg": 140.0, "h_m": 10.0}}
    good = [[100.0, 0, 0], [0, 1e-6, 0], [0, 0, 1e-6]]
    asym = [[100.0, 5.0, 0], [0, 1e-6, 0], [0, 0, 1e-6]]
    indefinite = [[1.0, 2.0, 0], [2.0, 1.0, 0], [0, 0, 1.0]]
    for _ in range(2):
        MeasurementRecord.model_validate_json(json.dumps(dict(base, covariance=good)))
        for bad in (asym, indefinite):
            with pytest.raises(ValidationError, match="symmetric positive semi-definite"):
                MeasurementRecord.model_validate_json(json.dumps(dict(base, covariance=bad)))
        with pytest.raises(ValidationError, match="finite 3x3"):
            MeasurementRecord.model_validate_json(json.dumps(dict(base, covariance=[[1.0, 0], [0, 1.0]])))
