"""A record validated once (the live service's ingest) gives the watch the same item as the
line parsed from scratch (a rebuild reads the stored lines): measurement, rejection and words."""

import datetime as dt
import json

import numpy as np
import pytest

from missilewatch.pipeline.source import parse_line, parse_record
from missilewatch.scenarios import builtin, simulate
from missilewatch.sensors.measurement_io import MeasurementRecord, write_jsonl

EPOCH = dt.datetime(2022, 10, 3, 22, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def good_line(tmp_path_factory) -> str:
    r = simulate(builtin("2022-10-04"))
    path = tmp_path_factory.mktemp("rec") / "m.jsonl"
    write_jsonl(path, r.stream, r.epoch, with_truth=False)
    with path.open() as fh:
        return fh.readline().rstrip("\n")


def _variants(line: str) -> list[str]:
    obj = json.loads(line)
    bad_cov = dict(obj, covariance=[[-1.0 if i == j else 0.0 for j in range(len(obj["values"]))]
                                    for i in range(len(obj["values"]))])
    return [line, json.dumps(bad_cov), json.dumps(dict(obj, values=obj["values"][:1]))]


def test_parse_record_is_parse_lines_second_half(good_line):
    checked = 0
    for line in _variants(good_line):
        try:
            record = MeasurementRecord.model_validate_json(line)
        except ValueError:
            continue  # the schema refuses it: parse_line words that itself
        a = parse_line(line, EPOCH, 7, "record 7")
        b = parse_record(record, line, EPOCH, 7, "record 7")
        assert type(a) is type(b) and a.error == b.error and a.reason == b.reason and a.field == b.field
        assert a.sensor_id == b.sensor_id and a.t_report_s == b.t_report_s
        if a.measurement is not None:
            checked += 1
            ma, mb = a.measurement, b.measurement
            assert ma.t_s == mb.t_s and ma.sensor_id == mb.sensor_id and ma.seq == mb.seq
            assert np.array_equal(ma.z, mb.z) and np.array_equal(ma.R, mb.R)
            assert np.array_equal(ma.sensor_r_ecef, mb.sensor_r_ecef)
    assert checked == 1  # the damaged variants are refused by the schema, worded by parse_line
