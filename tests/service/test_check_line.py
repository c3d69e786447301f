"""The ingest's validation gives the watch's verdict: ``check_line`` (schema, then the watch's
conversion only where it could refuse) against ``parse_line`` (what the watch itself does), on
every record of a simulated flight and on records made to fail the conversion."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from missilewatch.pipeline.source import parse_line
from missilewatch.service.adapter import VALIDATION_EPOCH, check_line


def _watch_verdict(line: str) -> tuple:
    item = parse_line(line, VALIDATION_EPOCH, 0, "record 0")
    m = item.measurement
    if m is None:
        return (False, None, None, item.error)
    return (True, m.sensor_id, VALIDATION_EPOCH + dt.timedelta(seconds=float(m.t_s)), None)


def _ingest_verdict(line: str) -> tuple:
    c = check_line(line, "record 0")
    return (c.ok, c.sensor_id if c.ok else None, c.time_utc if c.ok else None, c.reason)


def test_every_record_of_a_flight_gets_the_watchs_verdict(flight_lines):
    for fl in flight_lines:
        assert _ingest_verdict(fl.line) == _watch_verdict(fl.line)


def _variant(base: dict, path: tuple, value) -> str:
    rec = json.loads(json.dumps(base))
    node = rec
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return json.dumps(rec)


@pytest.mark.parametrize("path, value", [
    (("covariance", 0, 0), 0.0),                           # schema passes (PSD); the watch refuses
    (("covariance", 1, 1), -1.0),                          # schema refuses
    (("sensor_position", "ecef_m"), [1000.0, 0.0, 0.0]),   # inside the Earth: frame conversion refuses
    (("sensor_position", "ecef_m"), [99_000.0, 0.0, 0.0]),
    (("sensor_position", "ecef_m"), [101_000.0, 0.0, 0.0]),
    (("sensor_position", "ecef_m"), [1e300, 1e300, 0.0]),
    (("sensor_position", "ecef_m"), [float("nan"), 0.0, 0.0]),
    (("sensor_position", "ecef_m"), None),                 # latitude and longitude only
    (("sensor_velocity_ecef_mps",), [float("inf"), 0.0, 0.0]),
    (("values", 0), float("nan")),
    (("time_utc",), "2022-10-04T22:22:05"),                # no timezone
    (("report_time_utc",), "not a time"),
])
def test_records_the_conversion_may_refuse_get_the_watchs_verdict(flight_lines, path, value):
    for base in (json.loads(flight_lines[0].line), json.loads(next(fl.line for fl in flight_lines
                                                                   if '"los_angles"' in fl.line))):
        line = _variant(base, path, value)
        assert _ingest_verdict(line) == _watch_verdict(line), line


def _split_with_json(body: bytes) -> list:
    """split_body as it was with the standard library's decoder only (the reference)."""
    from missilewatch.service.records import BodyLine, _line

    out = []
    for i, raw in enumerate(ln for ln in body.decode().splitlines() if ln.strip()):
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            out.append(BodyLine(i, None, None, f"record {i}: not JSON ({exc.msg} at column {exc.colno})"))
            continue
        out.append(_line(i, obj, raw.strip()))
    return out


EDGE_LINES = ['{"a": 123456789012345678901234567890}', '{"a": 1, "a": 2}', '{"a": 1e400}',
              '{"a": -1e400}', '{"a": NaN}', '{"a": Infinity}', '{"a": 1.0e5}', '[1,2,]', '{"a": 1} x',
              '  {"a": "\\u0000"} ',
              '{"a": 18446744073709551616}', '{"a": 2.5e-07, "b": 1E5, "c": -0.0}', '{"a":"\\/", "é": "\\u2028"}', '7',
              '{"a": 1.7976931348623157e309}', '{"a": [1, {"b": null}], "c": true}', '{bad}']


def test_bodies_split_as_the_standard_decoder_splits_them(flight_lines):
    from missilewatch.service.records import split_body

    body = "\n".join([fl.line for fl in flight_lines[:300]] + EDGE_LINES).encode()
    assert split_body(body) == _split_with_json(body)
    array = ("[" + ",".join(fl.line for fl in flight_lines[:50]) + "]").encode()
    assert [bl.record_id for bl in split_body(array)] == [_split_with_json(fl.line.encode())[0].record_id
                                                          for fl in flight_lines[:50]]
    lone = b'{"a": "\\ud800"}'  # a lone surrogate: no record id (a ValueError, 422), as before
    with pytest.raises(ValueError):
        _split_with_json(lone)
    with pytest.raises(ValueError):
        split_body(lone)
