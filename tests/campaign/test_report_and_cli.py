"""The campaign report (HTML, PNG, Parquet; one directory or two compared) and the CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from missilewatch.campaign import load_tables
from missilewatch.campaign.report import prefecture_lead, write_report
from missilewatch.cli.app import main

PNGS = ("lead_vs_bearing.png", "footprint_calibration.png", "distributions.png")


def test_report_files_hold_the_figures(small_campaign, tmp_path):
    index = write_report([small_campaign], tmp_path / "r")
    out = index.parent
    page = index.read_text()
    for png in PNGS + ("map_lead_in-process.png",):
        assert (out / png).stat().st_size > 20_000, png
        assert f"src='{png}'" in page
    runs = load_tables(small_campaign)["runs"].to_pandas()
    regions = load_tables(small_campaign)["regions"].to_pandas()
    summ = pd.read_parquet(out / "summary.parquet")
    assert summ["runs"].tolist() == [len(runs)]
    assert summ["median_impact_error_km"].iloc[0] == pytest.approx(runs["impact_error_km"].median())
    lead = pd.read_parquet(out / "prefecture_lead.parquet")
    crossed = regions[regions["crossed"]]
    for _, row in lead.iterrows():
        c = crossed[crossed["region"] == row["region"]]
        assert row["crossings"] == len(c)
        leads = np.r_[c["lead_s"].dropna().to_numpy(), np.full(int((c["outcome"] == "missed").sum()), -np.inf)]
        if leads.size:
            assert row["median_lead_s"] == pytest.approx(np.median(leads))
    assert "Ishikawa" in set(lead["region"])
    fp = pd.read_parquet(out / "footprints.parquet")
    cal = pd.read_parquet(out / "calibration_by_time.parquet")
    assert cal["predictions"].sum() == len(fp)


def _regions(leads: list[float], misses: int) -> pd.DataFrame:
    n = len(leads) + misses
    return pd.DataFrame({"variant": ["a"] * n, "region": ["Aomori"] * n, "country": ["JPN"] * n,
                         "crossed": [True] * n, "lead_s": leads + [np.nan] * misses,
                         "outcome": ["in time"] * len(leads) + ["missed"] * misses})


def test_prefecture_percentiles_count_misses_below_every_lead():
    row = prefecture_lead(_regions([float(v) for v in range(100, 120)], 1)).iloc[0]
    assert row["missed"] == 1 and row["crossings"] == 21
    assert row["median_lead_s"] == 109.0  # the 11th of 21 sorted values, the miss first
    assert row["p5_lead_s"] == 100.0  # 1 miss in 21 is under 5 %
    row = prefecture_lead(_regions([float(v) for v in range(100, 119)], 2)).iloc[0]
    assert row["p5_lead_s"] == -np.inf  # 2 in 21 is over 5 %: the 5th percentile is a miss
    assert row["median_lead_s"] == 108.0


def test_two_directories_side_by_side(small_campaign, tmp_path, capsys):
    other = tmp_path / "copy"
    shutil.copytree(small_campaign, other, ignore=shutil.ignore_patterns("report"))
    code = main(["campaign", "report", str(small_campaign), "--compare", str(other), "-o", str(tmp_path / "cmp")])
    assert code == 0, capsys.readouterr().err
    summ = pd.read_parquet(tmp_path / "cmp" / "summary.parquet")
    assert summ["variant"].tolist() == ["copy", "in-process"]
    assert summ.drop(columns=["variant", "median_run_s"]).iloc[0].equals(
        summ.drop(columns=["variant", "median_run_s"]).iloc[1])
    assert (tmp_path / "cmp" / "map_lead_difference.png").stat().st_size > 20_000


def test_cli_errors_are_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsites: [Atlantis]\ntargets: {bearings_deg: [90]}\n"
                   "flights: [{name: f, range_class: MRBM}]\n")
    assert main(["campaign", "run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sites[0]" in err and "flights[0].range_km" in err
    assert main(["campaign", "report", str(tmp_path)]) == 2
    assert "not a campaign directory" in capsys.readouterr().err
    assert main(["campaign", "run", "lead-time-japan", "--workers", "0", "-o", str(tmp_path / "o")]) == 2
    assert "--workers" in capsys.readouterr().err


def test_cli_list_show_and_json_run(small_campaign, small_study_file, capsys):
    assert main(["campaign", "list"]) == 0
    out = capsys.readouterr().out
    assert "lead-time-japan" in out and "sensor-what-if" in out and "footprint-calibration" in out
    assert main(["campaign", "show", "sensor-what-if"]) == 0
    assert "aegis-forward" in capsys.readouterr().out
    # Resuming a finished campaign through the CLI computes nothing and says so.
    assert main(["campaign", "run", str(small_study_file), "-o", str(small_campaign), "--sample", "2",
                 "--in-process", "--workers", "1", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["runs_this_session"] == 0 and info["chunks_resumed"] == 2 and info["ok"] == 2


def test_paired_differences_compare_runs_of_the_same_group():
    from missilewatch.campaign.report import paired_differences

    runs = pd.DataFrame({
        "campaign": ["c"] * 6, "variant": ["a", "b"] * 3, "pair": [0, 0, 1, 1, 2, 2], "status": ["ok"] * 6,
        "min_lead_s": [100.0, 130.0, 200.0, 190.0, 300.0, np.nan], "first_alert_s": [1.0] * 6,
        "confirmation_s": [50.0, 40.0] * 3, "impact_error_km": [1.0] * 6, "footprint_coverage": [1.0] * 6,
        "regions_warned_not_crossed": [2, 3] * 3})
    d = paired_differences(runs).set_index("figure")
    assert d.loc["min_lead_s", "pairs"] == 2  # the third pair has no lead in b
    assert d.loc["min_lead_s", "median_change"] == pytest.approx(10.0)  # (+30, -10)
    assert d.loc["min_lead_s", "share_larger"] == 0.5
    assert d.loc["confirmation_s", "mean_change"] == -10.0
    assert paired_differences(runs[runs["variant"] == "a"]).empty
    # The variants are compared in the order given (the study's first network is the baseline),
    # not alphabetically.
    b_first = runs.iloc[[1, 0, 3, 2, 5, 4]]
    e = paired_differences(b_first).set_index("figure")
    assert e.loc["min_lead_s", "change"] == "a minus b" and e.loc["confirmation_s", "mean_change"] == 10.0


def test_error_before_impact_takes_the_last_prediction_early_enough():
    from missilewatch.campaign.report import error_before_impact

    fp = pd.DataFrame({"variant": "a", "campaign": "c", "run": 0, "launch_id": "L1",
                       "t_since_launch_s": [100.0, 200.0, 300.0, 390.0],
                       "time_to_impact_s": [300.0, 200.0, 100.0, 10.0], "error_km": [5.0, 2.0, 1.0, 0.01]})
    e = error_before_impact(fp, (250.0, 120.0, 0.0, 400.0)).set_index("before_s")["error_km"]
    assert e.to_dict() == {250.0: 5.0, 120.0: 2.0, 0.0: 0.01}  # none made 400 s before impact


def test_coverage_interval_resamples_runs_not_predictions():
    from missilewatch.campaign.figures import coverage_interval, wilson

    # 20 runs of 100 predictions each: 10 runs all inside, 10 runs 80 % inside (90 % overall).
    inside = np.concatenate([np.ones(1000, bool)] + [np.arange(100) < 80 for _ in range(10)])
    run = pd.Series(np.repeat(np.arange(20), 100))
    lo, hi = coverage_interval(pd.Series(inside), run)
    assert lo < 0.9 < hi
    w_lo, w_hi = wilson(inside.sum(), inside.size)
    assert hi - lo > 2 * (w_hi - w_lo)  # the runs' shared errors make it wider than 2,000 independent draws
    # The same predictions spread evenly over the runs: no run-to-run spread, a narrow interval.
    even = pd.Series(np.tile(np.arange(100) < 90, 20))
    lo2, hi2 = coverage_interval(even, run)
    assert hi2 - lo2 < 1e-9 and lo2 == pytest.approx(0.9)
