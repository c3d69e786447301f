"""Every CLI failure is one printable line on stderr and exit status 2, never a traceback nor
binary bytes (issue 10's list: databases that refuse, --out naming a file, coordinates out of
range, impossible reconstructions, a random file given to import-cns, a YAML alias bomb)."""

import json
import os
import time

import pytest

from missilewatch.cli.app import main

CLEAN_LINE = {
    "sensor_id": "shariki-tpy2", "type": "range_az_el_rr", "time_utc": "2022-10-03T22:24:00.000000Z",
    "epoch_utc": "2022-10-03T22:22:00.000000Z", "values": [800000.0, 1.5, 0.2, -2000.0],
    "covariance": [[25.0, 0, 0, 0], [0, 2.5e-07, 0, 0], [0, 0, 2.5e-07, 0], [0, 0, 0, 0.25]],
    "sensor_position": {"lat_deg": 40.89, "lon_deg": 140.33, "h_m": 20.0},
}


@pytest.fixture()
def tiny_dir(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "measurements.jsonl").write_text(json.dumps(CLEAN_LINE) + "\n")
    return d


def one_error_line(capsys, argv) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and all(c.isprintable() for c in lines[0]), err
    return lines[0]


def test_postgresql_refused(capsys, tiny_dir):
    msg = one_error_line(capsys, ["replay", str(tiny_dir), "--json", "--db",
                                  "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"])
    assert "database" in msg


def test_unwritable_sqlite_path(capsys, tiny_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    msg = one_error_line(capsys, ["replay", str(tiny_dir), "--json", "--db", f"sqlite:///{blocker}/sub/w.db"])
    assert str(blocker) in msg or "database" in msg


def test_read_only_database(capsys, tiny_dir, tmp_path):
    db = tmp_path / "ro.db"
    assert main(["replay", str(tiny_dir), "--json", "--db", f"sqlite:///{db}"]) == 0
    capsys.readouterr()
    msg = one_error_line(capsys, ["replay", str(tiny_dir), "--json", "--db",
                                  f"sqlite:///file:{db}?mode=ro&uri=true"])
    assert "database" in msg and "readonly" in msg.replace("-", "").replace(" ", "").lower()


def test_out_naming_an_existing_file_is_refused_before_the_run(capsys, tmp_path):
    out = tmp_path / "report.html"
    out.write_text("keep me")
    t0 = time.monotonic()
    msg = one_error_line(capsys, ["replay", "2022-10-04", "--no-store", "--out", str(out)])
    assert "--out" in msg and time.monotonic() - t0 < 5.0  # refused before simulating anything
    assert out.read_text() == "keep me"


@pytest.mark.parametrize("point, field", [(["40", "400"], "lon_deg"), (["40", "1e300"], "lon_deg"),
                                          (["95", "140"], "lat_deg"), (["nan", "140"], "lat_deg"),
                                          (["40", "-inf"], "lon_deg")])
def test_zone_refuses_coordinates_out_of_range(capsys, point, field):
    assert field in one_error_line(capsys, ["zone", *point])


@pytest.mark.parametrize("args, field", [
    (["--range-km", "100", "--apogee-km", "1500"], "apogee_km"),
    (["--range-km", "1000", "--apogee-km", "970", "--flight-time-s", "5"], "flight_time_s"),
])
def test_reconstruct_refuses_impossible_combinations(capsys, args, field):
    msg = one_error_line(capsys, ["reconstruct", "--launch", "Sunan", "--azimuth", "80", *args])
    assert field in msg


def test_import_cns_of_a_random_file_prints_no_binary(capsys, tmp_path):
    f = tmp_path / "random.csv"
    f.write_bytes(os.urandom(3000))
    msg = one_error_line(capsys, ["--db", f"sqlite:///{tmp_path / 'a.db'}", "archive", "import-cns", str(f)])
    assert len(msg) <= 500


def test_yaml_alias_bomb_is_refused_quickly(capsys, tmp_path):
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    f = tmp_path / "bomb.yaml"
    f.write_text("\n".join(bomb) + "\n")
    assert f.stat().st_size < 1500
    t0 = time.monotonic()
    for argv in (["scenario", "show", str(f)], ["replay", str(f), "--no-store"]):
        assert "alias" in one_error_line(capsys, argv)
    assert time.monotonic() - t0 < 10.0


def test_a_huge_scenario_file_is_refused(capsys, tmp_path):
    f = tmp_path / "big.yaml"
    f.write_text("# " + "x" * 3_000_000 + "\n")
    assert "larger than" in one_error_line(capsys, ["scenario", "show", str(f)])
