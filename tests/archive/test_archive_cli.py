"""``missilewatch archive`` commands, called through the app's main() as a user would."""

import json

import pytest

from missilewatch.cli.app import main


@pytest.fixture(scope="module")
def db_url(tmp_path_factory, cns_csv, seeds):
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'archive.sqlite'}"
    assert main(["--db", url, "archive", "import-cns", str(cns_csv)]) == 0
    assert main(["--db", url, "archive", "ingest", *map(str, seeds)]) == 0
    return url


def _json(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_import_cns_json_summary(tmp_path, cns_csv, capsys):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    d = _json(capsys, ["--db", url, "archive", "import-cns", str(cns_csv), "--json"])
    assert (d["rows"], d["missiles"], d["events"]) == (245, 245, 136)
    assert d["unreadable_values"] == 0 and d["repaired_values"] == 2
    assert all(p["reason"] and p["row"] and p["column"] for p in d["problems"])
    capsys.readouterr()
    assert main(["--db", url, "archive", "import-cns", str(cns_csv)]) == 0
    out = capsys.readouterr().out
    assert "row 215, column 'Distance Travelled': '330 lm'" in out and "repaired values: 2" in out


def test_ingest_json_gives_each_fact_with_evidence(db_url, seeds, capsys):
    out = _json(capsys, ["--db", db_url, "archive", "ingest", str(seeds[0]), "--json"])
    (d,) = out
    for key in ("date", "missile", "range_km", "apogee_km", "flight_time_s", "impact_description", "eez",
                "overflight", "responses"):
        assert key in d
    assert d["range_km"]["value"] == 4600.0 and "4,600" in d["range_km"]["evidence"]
    assert d["apogee_km"]["value"] == 1000.0
    assert d["eez"]["value"] == "outside" and d["eez"]["whose"] == "Japan" and d["eez"]["evidence"]
    assert d["overflight"]["value"] == ["Japan"] and d["overflight"]["evidence"]
    assert d["event_id"] is not None


def test_list_by_year_and_type(db_url, capsys):
    rows = _json(capsys, ["--db", db_url, "archive", "list", "--year", "2017", "--type", "irbm", "--json"])
    assert any(r["date"] == "2017-09-15" and r["missile"] == "Hwasong-12" and r["range_km"] == 3700.0 for r in rows)
    assert all(r["date"].startswith("2017") and "IRBM" in r["type"] for r in rows)
    everything = _json(capsys, ["--db", db_url, "archive", "list", "--json"])
    assert len(everything) == 136
    assert sum(r["missiles"] for r in everything) == 245


def test_show_merged_record(db_url, capsys):
    rows = _json(capsys, ["--db", db_url, "archive", "list", "--year", "2022", "--type", "IRBM", "--json"])
    oct4 = next(r for r in rows if r["date"] == "2022-10-04")
    rec = _json(capsys, ["--db", db_url, "archive", "show", str(oct4["id"]), "--json"])
    assert rec["fields"]["range_km"]["disagreement"] and rec["fields"]["overflight"]["value"] == ["Japan"]
    # One truth per launch: list and show give the same merged figure.
    for name in ("range_km", "apogee_km"):
        assert oct4[name] == rec["fields"][name]["value"]
    capsys.readouterr()
    assert main(["--db", db_url, "archive", "show", str(oct4["id"])]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if x.strip().startswith("range_km"))
    assert line.strip().startswith("range_km: 4,600 -")
    assert "4,600 (Japan, flown)" in line and "4,500 (CNS, flown)" in line and line.endswith("DISAGREEMENT")


@pytest.mark.parametrize(
    "argv, field",
    [(["archive", "show", "99999"], "id:"), (["archive", "list", "--type", "XYZ"], "type:"),
     (["archive", "list", "--year", "3000"], "year:"), (["archive", "import-cns", "/nonexistent.csv"], "file:"),
     (["archive", "ingest", "/nonexistent.txt"], "file:")],
)
def test_bad_input_is_one_line_and_exit_2(db_url, capsys, argv, field):
    capsys.readouterr()
    assert main(["--db", db_url, *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {field}")


def test_show_plots_the_ground_track_and_ingest_gives_the_derived_date(db_url, seeds, tmp_path, capsys):
    import matplotlib.image as mpimg

    rows = _json(capsys, ["--db", db_url, "archive", "list", "--year", "2017", "--json"])
    sep15 = next(r for r in rows if r["date"] == "2017-09-15")
    png = tmp_path / "track.png"
    capsys.readouterr()
    assert main(["--db", db_url, "archive", "show", str(sep15["id"]), "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "South Korea: missile_launch 2 x Hyunmoo-2, 1 hit, 1 failed" in text
    assert "reconstructed: IRBM" in text
    assert mpimg.imread(png).shape[1] > 600
    (d,) = _json(capsys, ["--db", db_url, "archive", "ingest", str(seeds[0]), "--json"])
    # The report names only "Tuesday"; linked to the 4 October 2022 launch, its date is derived.
    assert d["date"]["value"] == "2022-10-04" and d["date"]["resolved_from"] == "Tuesday"
    assert "launched on Tuesday" in d["date"]["evidence"] and d["date"]["derived"].startswith("derived:")


def test_show_plot_without_a_reconstruction_is_an_error(db_url, tmp_path, capsys):
    rows = _json(capsys, ["--db", db_url, "archive", "list", "--year", "1984", "--json"])
    capsys.readouterr()
    assert main(["--db", db_url, "archive", "show", str(rows[0]["id"]), "--plot", str(tmp_path / "x.png")]) == 2
    assert capsys.readouterr().err.startswith("error: plot:")
