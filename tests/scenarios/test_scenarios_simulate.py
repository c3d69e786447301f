"""The simulator on the 2022-10-04 launch: sensors that see it, truth against an independent
reconstruction and the official figures, measurement noise against pymap3d geometry,
reproducible bytes."""

import json
import math

import numpy as np
import pyarrow.parquet as pq
import pymap3d
import pytest
from geographiclib.geodesic import Geodesic
from scipy import stats
from scipy.optimize import brentq

from missilewatch.flight.reconstruct import reconstruct
from missilewatch.scenarios import FILES, builtin, load_scenario_file, simulate, write_outputs
from missilewatch.sensors import TargetTruth
from missilewatch.sensors.measurement_io import read_jsonl

WGS = Geodesic.WGS84
KAMAISHI = (39.276, 141.886)  # Kamaishi city hall, Iwate (GSI), degrees


def test_measurements_from_at_least_two_radars_and_the_infrared_sensor(run_2022_10_04):
    result, _ = run_2022_10_04
    s = result.stream
    real = ~s.false_alarm
    radars = set(s.sensor_id[real & (s.sensor_type == "radar")])
    infrared = set(s.sensor_id[real & (s.sensor_type == "infrared")])
    assert len(radars) >= 2 and len(infrared) >= 1
    for sid in radars | infrared:
        assert (s.sensor_id[real] == sid).sum() >= 10


AOMORI_CITY = (40.822, 140.747)


def _at(line, s12):
    g = line.Position(s12)
    return g["lat2"], g["lon2"]


def test_truth_impact_matches_an_independent_reconstruction(run_2022_10_04, launches_csv):
    result, out = run_2022_10_04
    row = launches_csv["2022-10-04"]
    # It flew over Aomori and fell "about 3,200 km east of Kamaishi (Iwate)": the point of the
    # great circle from the launch site through Aomori city that lies 3,200 km from Kamaishi.
    line = WGS.InverseLine(float(row["site_lat"]), float(row["site_lon"]), *AOMORI_CITY)
    s12 = brentq(lambda s: WGS.Inverse(*KAMAISHI, *_at(line, s))["s12"] - 3200e3, line.s13, line.s13 + 6e6)
    rec = reconstruct("Mupyong-ni", impact=_at(line, s12), apogee_km=float(row["apogee_km"]),
                      flight_time_s=float(row["flight_time_s"]))
    truth = pq.read_table(out / "truth.parquet").to_pydict()
    i = len(truth["t_s"]) - 1
    assert truth["event"][i] == "impact"
    miss = WGS.Inverse(truth["lat_deg"][i], truth["lon_deg"][i], rec.impact_lat_deg, rec.impact_lon_deg)["s12"]
    assert miss < 1e3
    assert truth["t_s"][i] == pytest.approx(rec.flight_time_s, abs=1.0)
    # and against the official figures (rounded: "about")
    assert max(truth["alt_m"]) / 1e3 == pytest.approx(float(row["apogee_km"]), rel=0.02)
    assert truth["t_s"][i] == pytest.approx(float(row["flight_time_s"]), rel=0.03)
    rng_km = WGS.Inverse(truth["lat_deg"][0], truth["lon_deg"][0],
                         truth["lat_deg"][i], truth["lon_deg"][i])["s12"] / 1e3
    assert rng_km == pytest.approx(float(row["range_km"]), rel=0.03)
    # launch at 07:22 JST
    assert truth["time_utc"][0].isoformat().startswith("2022-10-03T22:22:00")


def test_infrared_detections_stop_at_burnout(run_2022_10_04):
    result, out = run_2022_10_04
    truth = pq.read_table(out / "truth.parquet").to_pydict()
    burnout = truth["t_s"][truth["event"].index("burnout")]
    s = result.stream
    ir = s.sensor_type == "infrared"
    assert s.t_s[ir].max() <= burnout
    assert s.t_s[ir].max() > burnout - 2.0 - 1e-9  # the frame period


def test_radar_errors_against_truth_match_their_covariance(run_2022_10_04):
    # Truth interpolated at each detection, seen from the sensor with pymap3d: the normalised
    # errors follow chi-square with the measurement's dimension.
    result, out = run_2022_10_04
    loaded = read_jsonl(out / "measurements.jsonl")
    s = loaded.stream
    obj = result.objects[0]
    tg = TargetTruth(obj.object_id, obj.t_s, obj.r_ecef, obj.v_ecef)
    sel = (s.sensor_type == "radar") & ~s.false_alarm
    r, v, _ = tg.state_at(s.t_s[sel])
    lat, lon, h = np.degrees(s.sensor_lat_rad[sel]), np.degrees(s.sensor_lon_rad[sel]), s.sensor_h_m[sel]
    az, el, rng_m = pymap3d.ecef2aer(r[:, 0], r[:, 1], r[:, 2], lat, lon, h)
    z = s.values[sel]
    err = np.stack([z[:, 0] - rng_m, (z[:, 1] - np.radians(az) + math.pi) % (2 * math.pi) - math.pi,
                    z[:, 2] - np.radians(el)], -1)
    cov = s.covariance[sel, :3, :3]
    nees = np.einsum("ni,nij,nj->n", err, np.linalg.inv(cov), err)
    assert nees.size > 500
    assert stats.kstest(nees, stats.chi2(3).cdf).pvalue > 1e-3


def test_stream_is_time_ordered_and_files_agree(run_2022_10_04):
    result, out = run_2022_10_04
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    lines = (out / "measurements.jsonl").read_text().splitlines()
    rows = [json.loads(x) for x in lines]
    assert [r["seq"] for r in rows] == list(range(len(rows)))
    assert all(a["t_report_s"] <= b["t_report_s"] for a, b in zip(rows, rows[1:], strict=False))
    assert pq.read_table(out / "measurements.parquet").num_rows == len(rows)
    for r in rows[:20]:
        assert set(r) >= {"sensor_id", "time_utc", "type", "components", "values", "covariance",
                          "sensor_position", "truth"}
        assert len(r["values"]) == len(r["components"]) == len(r["covariance"])


def test_same_seed_same_bytes_other_seed_other_measurements(run_2022_10_04, tmp_path):
    _, out = run_2022_10_04
    write_outputs(simulate(builtin("2022-10-04")), tmp_path / "again")
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
    write_outputs(simulate(builtin("2022-10-04"), seed=7), tmp_path / "seed7")
    assert (tmp_path / "seed7" / "measurements.jsonl").read_bytes() != (out / "measurements.jsonl").read_bytes()
    # the truth does not depend on the seed (no break-up here); only its metadata names the seed
    t7, t0 = (pq.read_table(d / "truth.parquet").replace_schema_metadata(None) for d in (tmp_path / "seed7", out))
    assert t7.equals(t0)
    # the written scenario.yaml runs again to the same measurements
    again = simulate(load_scenario_file(out / "scenario.yaml"))
    write_outputs(again, tmp_path / "from-yaml")
    assert (tmp_path / "from-yaml" / "measurements.jsonl").read_bytes() == (out / "measurements.jsonl").read_bytes()
