"""The watch's edge, piece by piece: reading records as bytes, plausibility against the sensor
registry, the stream clock's time window, duplicates, sensor health. Each defect of issue 10
found at the edge has its regression here (the whole-stream ones are in test_robustness.py)."""

import json
import math
import tracemalloc

import numpy as np
import pytest

from missilewatch.pipeline.clock import ClockConfig, StreamClock
from missilewatch.pipeline.edge import Edge
from missilewatch.pipeline.health import HealthConfig, SensorHealth
from missilewatch.pipeline.lines import MAX_RECORD_BYTES, iter_records
from missilewatch.pipeline.plausibility import check_values
from missilewatch.pipeline.registry import catalogue_registry
from missilewatch.pipeline.source import Accepted, FileStream, Incoming, Rejected, parse_line
from missilewatch.sensors.measurement_io import parse_utc
from missilewatch.tracking.measurements import Measurement

EPOCH = parse_utc("2022-10-03T22:22:00Z")
SHARIKI = {"lat_deg": 40.89, "lon_deg": 140.33, "h_m": 20.0}


def line(t_s=100.0, report_s=None, sensor="shariki-tpy2", values=(800e3, 1.5, 0.2, -2000.0), cov=None,
         **extra) -> str:
    """One JSON line of a radar measurement at ``t_s`` s after the epoch."""
    def utc(s):
        return (EPOCH + __import__("datetime").timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    cov = cov if cov is not None else np.diag([25.0, 2.5e-7, 2.5e-7, 0.25]).tolist()
    d = {"sensor_id": sensor, "type": "range_az_el_rr", "time_utc": utc(t_s),
         "report_time_utc": utc(report_s if report_s is not None else t_s), "epoch_utc": utc(0),
         "values": list(values), "covariance": cov, "sensor_position": SHARIKI, **extra}
    return json.dumps(d)


def parsed(text: str, seq: int = 0) -> Incoming:
    return parse_line(text, EPOCH, seq, f"line {seq + 1}")


def reason_of(text: str, registry=None) -> str | None:
    item = parsed(text)
    if not item.accepted:
        return item.reason
    f = check_values(item.measurement, registry or catalogue_registry())
    return None if f is None else f.reason


# -- items are accepted or rejected by type ------------------------------------------------


def test_incoming_is_accepted_or_rejected_by_type():
    good, bad = parsed(line()), parsed("{nope")
    assert isinstance(good, Accepted) and good.accepted and good.measurement is not None
    assert isinstance(bad, Rejected) and not bad.accepted and bad.field == "line" and bad.reason == "not_json"
    legacy = Incoming(3, 1.0, raw="x", error="line 4: bad")
    assert isinstance(legacy, Rejected)
    assert isinstance(Incoming(0, 1.0, measurement=good.measurement), Accepted)
    with pytest.raises(TypeError):
        Accepted(0, 1.0)


# -- reading records as bytes -----------------------------------------------------------------


def test_records_are_bytes_split_only_on_newline(tmp_path):
    p = tmp_path / "m.jsonl"
    sep = line(sensor="shariki-tpy2").replace('"range_az_el_rr"', '"range_az_el_rr", "record_id": "a\u2028b\u0085c"')
    data = (b"\xef\xbb\xbf" + line().encode() + b"\n" + b'{"bad": "\xff\xfe"}\n' + sep.encode() + b"\n\n"
            + b"x" * (MAX_RECORD_BYTES + 10) + b"\n" + line(101.0).encode() + b"\r\n")
    p.write_bytes(data)
    recs = list(iter_records(p))
    assert [r.lineno for r in recs] == [1, 2, 3, 5, 6]
    assert recs[0].text is not None and recs[0].problem is None  # BOM tolerated
    assert recs[1].text is None and recs[1].field == "encoding" and "not UTF-8" in recs[1].problem
    assert "\u2028" in recs[2].text  # U+2028 / U+0085 inside a string do not end the record
    assert recs[3].text is None and "longer than" in recs[3].problem
    items = list(FileStream(p, EPOCH))
    assert [it.accepted for it in items] == [True, False, True, False, True]
    assert items[2].record_id == "a\u2028b\u0085c"
    assert all("\xff" not in (it.error or "") for it in items)


def _peak_bytes(tmp_path, size: int) -> tuple[int, Edge]:
    p = tmp_path / f"big{size}.jsonl"
    block = "\n".join(line(100.0 + 0.01 * i) for i in range(500)).encode() + b"\n"
    with open(p, "wb") as fh:
        while fh.tell() < size:
            fh.write(block)
    edge = Edge(catalogue_registry())
    tracemalloc.start()
    for it in FileStream(p, EPOCH):
        edge.admit(it)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, edge


@pytest.mark.slow
def test_memory_is_flat_in_the_file_size(tmp_path):
    """Measurement lines (one block repeated: dropped as duplicates or too old) read, parsed
    and put through the edge: four times the file, the same peak allocation."""
    small, _ = _peak_bytes(tmp_path, 1_000_000)
    large, edge = _peak_bytes(tmp_path, 4_000_000)
    assert edge.duplicates + sum(edge.counts.values()) > 3_500
    assert large < small + 1_000_000, (small, large)
    assert large < 8_000_000


# -- plausibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, reason", [
    (line(values=(-5.0, 1.5, 0.2, 0.0)), "range"),                         # negative range
    (line(values=(1e308, 1.5, 0.2, 0.0)), "range"),                        # range 1e308
    (line(values=(800e3, 1.5, math.radians(200), 0.0)), "angle_domain"),   # elevation 200 deg
    (line(values=(800e3, 7.0, 0.2, 0.0)), "angle_domain"),
    (line(values=(800e3, 1.5, 0.2, 1e6)), "range_rate"),
    (line(cov=np.diag([1e308, 2.5e-7, 2.5e-7, 0.25]).tolist()), "covariance"),  # covariance 1e308
    (line(cov=[[25, 0, 0, 0], [0, 2.5e-7, 2.5e-7, 0], [0, 2.5e-7, 2.5e-7, 0], [0, 0, 0, 0.25]]), "covariance"),
    (line(sensor="ghost-radar"), "unknown_sensor"),
    (line(sensor="ir-geo-east"), "wrong_type"),
    (line().replace('"lat_deg": 40.89', '"lat_deg": 10.0'), "sensor_position"),
    (line(sensor="x" * 81), "schema"),                                     # oversize identifier
    (line(values=(1.0,) * 50), "schema"),
])
def test_impossible_values_are_refused_with_the_field(text, reason):
    assert reason_of(text) == reason


def test_unknown_sensors_follow_the_explicit_policy():
    text = line(sensor="new-radar")
    assert reason_of(text, catalogue_registry("reject")) == "unknown_sensor"
    assert reason_of(text, catalogue_registry("accept")) is None
    assert reason_of(line(values=(-1.0, 1.5, 0.2, 0.0), sensor="new-radar"), catalogue_registry("accept")) == "range"


def test_a_clean_measurement_passes():
    assert reason_of(line()) is None


# -- the stream clock -----------------------------------------------------------------------


def feed(edge: Edge, texts) -> list[Incoming]:
    out = []
    for i, t in enumerate(texts):
        out.extend(edge.admit(parsed(t, i)).items)
    return out


SENSORS = ("shariki-tpy2", "kyogamisaki-tpy2")


def stream(t0: float, n: int, dt: float = 0.7) -> list[str]:
    kyoga = {"lat_deg": 35.77, "lon_deg": 135.22, "h_m": 150.0}
    out = []
    for i in range(n):
        s = SENSORS[i % 2]
        text = line(t0 + dt * i, sensor=s, values=(800e3 + i, 1.5, 0.2, 0.0))
        out.append(text if s == SENSORS[0] else text.replace(json.dumps(SHARIKI)[1:-1], json.dumps(kyoga)[1:-1]))
    return out


def test_one_line_ten_minutes_fast_is_held_then_refused():
    texts = stream(100.0, 40)
    texts.insert(20, line(100.0 + 14 + 600.0, sensor="shariki-tpy2"))
    out = feed(Edge(catalogue_registry()), texts)
    bad = [it for it in out if not it.accepted]
    assert len(bad) == 1 and bad[0].seq == 20 and bad[0].reason == "future"
    assert "ahead of the stream clock" in bad[0].error
    assert bad[0].error.startswith("line 21: report_time_utc:")
    assert sum(it.accepted for it in out) == 40


def test_a_first_line_in_year_9999_does_not_set_the_clock():
    texts = [line(0, sensor="shariki-tpy2").replace("2022-10-03T22:22:00", "9999-12-31T23:59:59")]
    texts[0] = line(100.0).replace('"time_utc": "2022', '"time_utc": "9999').replace(
        '"report_time_utc": "2022', '"report_time_utc": "9999')
    texts += stream(100.0, 40)
    edge = Edge(catalogue_registry())
    out = feed(edge, texts) + edge.flush().items
    assert sum(it.accepted for it in out) == 40
    (bad,) = [it for it in out if not it.accepted]
    assert bad.seq == 0 and bad.reason == "future"


def test_the_clock_follows_the_stream_across_a_coverage_gap():
    texts = stream(100.0, 20) + stream(400.0, 20)
    edge = Edge(catalogue_registry())
    out = feed(edge, texts) + edge.flush().items
    assert all(it.accepted for it in out) and len(out) == 40


@pytest.mark.parametrize("t_s, report_s, reason", [
    (100.0, 99.0, "report_before_measurement"),   # reported before it was measured
    (100.0, 200.0, "too_old"),                    # measured long before it was reported
])
def test_report_time_window(t_s, report_s, reason):
    edge = Edge(catalogue_registry())
    feed(edge, stream(90.0, 30))
    (it,) = edge.admit(parsed(line(t_s, report_s), 99)).items
    assert it.reason == reason


def test_late_lines_are_refused_and_counted():
    """Lines minutes or hours late used to be silently unused: now refused, counted per sensor."""
    edge = Edge(catalogue_registry())
    feed(edge, stream(1000.0, 30))
    for k, late in enumerate((120.0, 7200.0)):
        (it,) = edge.admit(parsed(line(1000.0 + 20 - late, 1000.0 + 20 - late), 100 + k)).items
        assert it.reason == "too_old" and "older than the stream clock" in it.error
    assert edge.counts_by_sensor()["shariki-tpy2"]["too_old"] == 2


def test_live_clock_refuses_the_future_at_once():
    clock = StreamClock(ClockConfig(future_tolerance_s=5.0), external=lambda: 100.0)
    m = parsed(line(500.0)).measurement
    ((_, fault),) = clock.admit(object(), m)
    assert fault.reason == "future"


# -- duplicates --------------------------------------------------------------------------------


def test_duplicates_are_dropped_and_counted():
    texts = stream(100.0, 20)
    texts = [t for t in texts for _ in (0, 1)]
    rid = [line(120.0, record_id="r-1"), line(120.5, record_id="r-1", values=(801e3, 1.5, 0.2, 0.0))]
    edge = Edge(catalogue_registry())
    out = feed(edge, texts + rid) + edge.flush().items
    assert sum(it.accepted for it in out) == 21
    assert edge.duplicates == 21
    assert edge.counts_by_sensor()["shariki-tpy2"]["duplicate"] == 11


# -- sensor health -------------------------------------------------------------------------------


def test_quarantine_on_persistent_faults_and_release_on_recovery():
    health = SensorHealth(HealthConfig(window=8, quarantine_faults=4, release_clean=5))
    changes = [health.verdict("s", float(i), "future") for i in range(4)]
    assert changes[-1] is not None and changes[-1].quarantined and health.quarantined("s")
    assert all(c is None for c in changes[:-1])
    changes = [health.verdict("s", 10.0 + i, None) for i in range(5)]
    assert changes[-1] is not None and not changes[-1].quarantined and not health.quarantined("s")
    assert health.verdict("s", 20.0, "not_json") is None  # a damaged line says nothing of the sensor


def test_one_sensor_alone_is_not_enough_for_a_launch():
    health = SensorHealth()
    health.track_updated(1, "ir-geo-east", 10.0)
    assert not health.enough_sensors(1)
    health.track_updated(1, "shariki-tpy2", 12.0)
    assert health.enough_sensors(1)
    for i in range(6):
        health.verdict("shariki-tpy2", 13.0 + i, "future")
    assert not health.enough_sensors(1)  # a quarantined sensor's evidence does not count


def test_measurement_type_stays_the_trackers():
    m = parsed(line()).measurement
    assert isinstance(m, Measurement) and m.sensor_id == "shariki-tpy2" and m.dim == 4


@pytest.mark.parametrize("names", [("range_m", "az_rad", "el_rad", "range_rate_mps"),
                                   ("los_alpha_rad", "los_delta_rad")])
def test_a_diagonal_covariance_gets_the_verdict_of_the_full_check(names):
    """check_covariance's diagonal shortcut says what the full check (symmetry, correlation's
    Cholesky factor) says: sigmas inside, at and outside their bounds, zero and negative."""
    from missilewatch.pipeline.plausibility import SIGMA_BOUNDS, _covariance_by_correlation, check_covariance

    rng = np.random.default_rng(7)
    cases = []
    for _ in range(300):
        sig = np.array([10.0 ** rng.uniform(math.log10(SIGMA_BOUNDS[n][0]) - 1, math.log10(SIGMA_BOUNDS[n][1]) + 1)
                        for n in names])
        cases.append(np.diag(sig**2))
    for n, (lo, hi) in enumerate(SIGMA_BOUNDS[k] for k in names):
        for var in (lo * lo, hi * hi, 0.0, -0.0, -1.0):
            R = np.diag([SIGMA_BOUNDS[k][0] * 10.0 for k in names]) ** 2
            R[n, n] = var
            cases.append(R)
    faults = 0
    for R in cases:
        got, want = check_covariance(R, names), _covariance_by_correlation(R, names)
        assert got == want, R
        faults += want is not None
    assert 0 < faults < len(cases)
    off = np.diag([100.0, 1e-3, 1e-3, 1.0][:len(names)]) ** 2
    off[0, 1] = off[1, 0] = 0.999999999999 * math.sqrt(off[0, 0] * off[1, 1])  # not diagonal: the full check
    assert check_covariance(off, names) == _covariance_by_correlation(off, names) is not None
