"""One truth per launch, and reports without a launch: through the CLI, on real reports of the
evaluation set (tests/data/reports) in a fresh archive without the CNS database."""

import csv
import json
from pathlib import Path

import pytest

from missilewatch.cli.app import main

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"


def _json(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Three reports of 18 November 2022 (Japan's 1,000 km and 15,000 km capability; KCNA's 999.2 km)."""
    tmp = tmp_path_factory.mktemp("truth")
    url = f"sqlite:///{tmp / 'a.sqlite'}"
    names = ("en25_yomiuri_2022-11-18", "en14_tass_2022-11-19", "en27_nippon_2022-11-19")
    files = [REPORTS / f"{n}.txt" for n in names]
    assert main(["--db", url, "archive", "ingest", *map(str, files)]) == 0
    return url, tmp


def test_list_show_exports_and_report_give_the_same_figure(archive, capsys, tmp_path):
    url, _ = archive
    rows = _json(capsys, ["--db", url, "archive", "list", "--json"])
    assert len(rows) == 1, "the three reports describe one launch"
    row = rows[0]
    rec = _json(capsys, ["--db", url, "archive", "show", str(row["id"]), "--json"])
    rng = rec["fields"]["range_km"]
    # The first report's flown figure, never the 15,000 km it "could exceed".
    assert row["range_km"] == rng["value"] == 1000.0 and row["apogee_km"] == rec["fields"]["apogee_km"]["value"]
    kinds = {(v["value"], v["figure_kind"]) for v in rng["values"]}
    assert {(1000.0, "flown"), (999.2, "flown"), (15000.0, "capability")} <= kinds
    assert [c["value"] for c in rng["capability"]] == [15000.0, 15000.0]  # Yomiuri and TASS both quote it
    assert "15,000 (Japan, capability)" in row["range_km_values"]
    out = tmp_path / "a.csv"
    assert main(["--db", url, "archive", "export", "--format", "csv", "-o", str(out)]) == 0
    (line,) = list(csv.DictReader(out.open()))
    assert float(line["range_km"]) == 1000.0 and "999.2 (North Korea, flown)" in line["range_km_values"]
    capsys.readouterr()
    assert main(["--db", url, "archive", "show", str(row["id"])]) == 0
    text = capsys.readouterr().out
    assert "range_km: 1,000 -" in text and "15,000 (Japan, capability)" in text


def test_report_without_a_launch_fact_makes_no_launch(archive, capsys, tmp_path):
    url, _ = archive
    note = tmp_path / "talks.txt"
    note.write_text("Title: Ministers meet\n\nThe foreign ministers of Japan and South Korea discussed the "
                    "situation on the Korean Peninsula and agreed to cooperate closely.\n", encoding="utf-8")
    before = _json(capsys, ["--db", url, "archive", "list", "--json"])
    d = _json(capsys, ["--db", url, "archive", "ingest", str(note), "--json"])
    assert d[0]["launch_facts"] is False and d[0]["event_id"] is None and "no launch" in d[0]["note"]
    assert _json(capsys, ["--db", url, "archive", "list", "--json"]) == before
    capsys.readouterr()
    assert main(["--db", url, "archive", "ingest", str(note)]) == 0
    assert "no launch fact found" in capsys.readouterr().out


def test_japanese_report_ingested_with_japanese_evidence(archive, capsys):
    url, _ = archive
    d = _json(capsys, ["--db", url, "archive", "ingest", str(REPORTS / "ja03_tvasahi_2023-07-12.txt"), "--json"])[0]
    assert d["language"] == "ja" and d["launch_facts"] and d["event_id"] is not None
    assert d["range_km"]["value"] == 1000.0 and "飛翔した距離" in d["range_km"]["evidence"]
    assert d["flight_time_s"]["value"] == 4440.0 and d["eez"]["value"] == "outside"


def test_undated_report_joins_the_launch_of_its_days_and_the_launch_time_is_kept(tmp_path, capsys):
    # NHK (Japanese, "4日午前7時22分ごろ") dates the launch; Teller Report names no day but was
    # published that day and gives the same 4,600 km over Aomori: one launch, not two.
    url = f"sqlite:///{tmp_path / 'b.sqlite'}"
    files = [REPORTS / "ja05_nhk_2022-10-04.txt", REPORTS / "en09_tellerreport_2022-10-04.txt"]
    d = _json(capsys, ["--db", url, "archive", "ingest", *map(str, files), "--json"])
    assert d[0]["event_id"] == d[1]["event_id"]
    (row,) = _json(capsys, ["--db", url, "archive", "list", "--json"])
    assert row["date"] == "2022-10-04" and row["launch_time_utc"].startswith("2022-10-03T22:22")
    rec = _json(capsys, ["--db", url, "archive", "show", str(row["id"]), "--json"])
    assert [v["value"] for v in rec["fields"]["range_km"]["values"]] == [4600.0, 4600.0]
