"""``missilewatch scenario list|show`` and ``missilewatch simulate``."""

import json

import pyarrow.parquet as pq

from missilewatch.cli.app import main


def test_scenario_list_json(capsys):
    assert main(["scenario", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {r["name"] for r in rows}
    assert {"2022-10-04", "2022-11-18", "salvo-srbm-8", "boost-failure"} <= names
    assert next(r for r in rows if r["name"] == "2022-10-04")["epoch_utc"] == "2022-10-03T22:22:00Z"


def test_scenario_list_table(capsys):
    assert main(["scenario", "list"]) == 0
    assert "2017-09-15" in capsys.readouterr().out


def test_scenario_show_yaml_and_json(capsys):
    assert main(["scenario", "show", "2022-10-04"]) == 0
    out = capsys.readouterr().out
    assert "Mupyong-ni" in out and "3200" in out
    assert main(["scenario", "show", "2022-10-04", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["launches"][0]["apogee_km"] == 1000 and "shariki-tpy2" in doc["sensors"]


def test_scenario_show_unknown_is_one_line_exit_2(capsys):
    assert main(["scenario", "show", "no-such-scenario"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: scenario:")


def test_simulate_a_file_with_seed(tmp_path, capsys):
    f = tmp_path / "mine.yaml"
    f.write_text(
        "name: mine\nseed: 1\nlaunches:\n"
        "  - {id: A, site: Sunan, time: '2022-10-04T07:22:00+09:00', range_class: MRBM,\n"
        "     azimuth_deg: 75, kick_deg: 30, cutoff_s: 85}\n"
        "sensors: [kyogamisaki-tpy2, busan-greenpine, ir-geo-east]\n"
    )
    out = tmp_path / "out"
    assert main(["simulate", str(f), "-o", str(out), "--seed", "5", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["seed"] == 5 and summary["measurements"] > 0
    assert {p.name for p in out.iterdir()} == {"truth.parquet", "measurements.jsonl",
                                               "measurements.parquet", "scenario.yaml"}
    assert "seed: 5" in (out / "scenario.yaml").read_text()
    assert pq.read_table(out / "measurements.parquet").num_rows == summary["measurements"]


def test_simulate_bad_file_names_the_field(tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\nlaunches:\n  - {id: A, site: Sunan, time: '2022-10-04T07:22:00+09:00',\n"
                 "     azimuth_deg: 75, range_km: 900, apogee_km: -4}\n")
    assert main(["simulate", str(f), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "launches[0].apogee_km" in err[0]
    assert not (tmp_path / "o").exists()


def test_simulate_builtin_progress_and_table(tmp_path, capsys):
    assert main(["simulate", "boost-failure", "-o", str(tmp_path / "bf")]) == 0
    cap = capsys.readouterr()
    assert "boost-failure" in cap.out and "aegis-soj" in cap.out
