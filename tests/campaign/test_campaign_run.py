"""Campaigns on real Dask clusters: in-process, a LocalCluster of two worker processes, and a
campaign process killed mid-run and resumed. Results are identical in all three."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow as pa
import pytest

from missilewatch.campaign import expand, load_study, load_tables, run_campaign
from missilewatch.campaign.runs import TIMING_COLUMNS
from missilewatch.errors import InputError

pytestmark = pytest.mark.timeout(400)

SMALL_RUNS = 2  # as the small_campaign fixture (conftest.py)


def _comparable(out: Path) -> dict[str, pa.Table]:
    t = load_tables(out)
    t["runs"] = t["runs"].drop_columns(list(TIMING_COLUMNS))
    return t


def test_in_process_campaign_holds_the_metrics(small_campaign):
    t = load_tables(small_campaign)
    runs = t["runs"].to_pylist()
    assert [r["run"] for r in runs] == [0, 3]
    assert all(r["status"] == "ok" for r in runs), [r["error"] for r in runs]
    assert len({r["seed"] for r in runs}) == 2
    sub = runs[0]  # the launch from the Sea of Japan into Ishikawa
    assert sub["tracks_confirmed"] >= 1 and sub["confirmation_s"] > 0
    assert sub["regions_crossed"] >= 1 and sub["threat_of_damage"]
    assert 0 <= sub["impact_error_km"] < 50
    regions = [r for r in t["regions"].to_pylist() if r["run"] == 0]
    ishikawa = next(r for r in regions if r["region"] == "Ishikawa")
    assert ishikawa["crossed"] and ishikawa["country"] == "JPN"
    if ishikawa["warned"]:
        assert ishikawa["lead_s"] == pytest.approx(ishikawa["crossing_s"] - ishikawa["first_alert_s"], abs=0.11)
    fps = [f for f in t["footprints"].to_pylist() if f["run"] == 0]
    assert fps and all(f["t_since_launch_s"] > 0 for f in fps)
    assert sorted(f["t_since_launch_s"] for f in fps) == [f["t_since_launch_s"] for f in fps]


def test_two_worker_processes_give_the_same_results(small_campaign, small_study_file, tmp_path):
    out = tmp_path / "two-workers"
    result = run_campaign(load_study(small_study_file), out, sample_n=SMALL_RUNS, workers=2)
    assert result.workers == 2 and result.chunks_run == SMALL_RUNS
    a, b = _comparable(small_campaign), _comparable(out)
    for name in a:
        assert a[name].equals(b[name]), name
    # Running again finds every chunk finished and computes nothing.
    again = run_campaign(load_study(small_study_file), out, sample_n=SMALL_RUNS, in_process=True, workers=1)
    assert again.chunks_resumed == SMALL_RUNS and again.chunks_run == 0


#: The resume test's study: the small study with three seeds per cell, six runs of one run per
#: chunk, so that a campaign process killed as its first chunk lands has most chunks to go
#: (with two chunks both could finish before the kill on a loaded machine).
KILL_RUNS = 6


def test_resume_after_the_campaign_process_is_killed(small_data, tmp_path):
    import yaml

    study_file = tmp_path / "kill.yaml"
    study_file.write_text(yaml.safe_dump({**small_data, "name": "kill", "seeds_per_cell": 3, "chunk_size": 1}))
    assert len(expand(load_study(study_file))) == KILL_RUNS
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "missilewatch.cli.app", "campaign", "run", str(study_file), "-o", str(out),
           "--workers", "1", "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chunks = out / "chunks"
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            if chunks.is_dir() and any(chunks.glob("done-*.json")):
                break  # kill as the first chunk lands
            if not children:
                children = psutil.Process(proc.pid).children(recursive=True)
            time.sleep(0.02)
        children = list({*children, *psutil.Process(proc.pid).children(recursive=True)}) \
            if proc.poll() is None else children
    finally:
        proc.kill()
        proc.wait(10)
    for child in children:  # the LocalCluster's nanny and worker, started by that process
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    done_before = sorted(p.name for p in chunks.glob("done-*.json")) if chunks.is_dir() else []
    assert done_before, "the campaign never finished its first chunk"
    assert len(done_before) < KILL_RUNS, "killed too late to test resuming"
    stamps = {n: (chunks / n).stat().st_mtime_ns for n in done_before}
    result = run_campaign(load_study(study_file), out, in_process=True, workers=1)
    assert result.chunks_resumed == len(done_before)
    assert result.chunks_run == KILL_RUNS - len(done_before)
    assert {n: (chunks / n).stat().st_mtime_ns for n in done_before} == stamps  # finished chunks are not redone
    whole = run_campaign(load_study(study_file), tmp_path / "whole", in_process=True, workers=1)
    assert whole.chunks_run == KILL_RUNS
    a, b = _comparable(tmp_path / "whole"), _comparable(out)
    for name in a:
        assert a[name].num_rows and a[name].equals(b[name]), name


def test_a_directory_holds_one_campaign(small_campaign, small_study_file, small_data, tmp_path):
    from missilewatch.campaign import parse_study

    small_data["seed"] = 8
    with pytest.raises(InputError, match="holds another campaign"):
        run_campaign(parse_study(small_data), small_campaign, sample_n=SMALL_RUNS, in_process=True, workers=1)
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        run_campaign(parse_study(small_data), tmp_path, in_process=True, workers=1)
