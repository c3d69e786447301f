"""The archive's reconstruction of all launches through the campaign engine (Dask, chunks,
Parquet, resume, progress): the same results as the serial path."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import missilewatch
from missilewatch.archive.analysis import analyse_all
from missilewatch.archive.cns import import_cns
from missilewatch.campaign.parallel import dask_mapper
from missilewatch.cli.app import main
from missilewatch.store import Database, LaunchEvent

REPO = Path(missilewatch.__file__).resolve().parents[2]
# ../shared beside the repository (or beside the folder of worktrees).
CNS_CSV = next((p / "shared" / "data" / "cns_north_korea_missile_tests.csv" for p in (REPO.parent, REPO.parents[1])
                if (p / "shared" / "data" / "cns_north_korea_missile_tests.csv").is_file()), REPO / "missing.csv")
# Hwasong-14 (4 Jul 2017, lofted), Hwasong-12 (15 Sep 2017 over Japan), a row without figures, an apogee of 0 km.
ROWS = {"111", "117", "1", "105"}


def _archive(tmp: Path, name: str) -> Database:
    text = CNS_CSV.read_bytes().decode("cp1252")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    path = tmp / "cns_small.csv"
    if not path.exists():
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(r for r in reader if r[0] in ROWS)
    db = Database(f"sqlite:///{tmp / name}")
    with db.session() as s:
        import_cns(s, path)
    return db


def _results(db: Database, mapper=None) -> dict:
    with db.session() as s:
        return {s.get(LaunchEvent, a.event_id).key: (a.status, a.reason, a.inputs_hash, a.result)
                for a in analyse_all(s, mapper=mapper)}


@pytest.mark.skipif(not CNS_CSV.is_file(), reason="reference data missing")
def test_parallel_reconstruction_equals_the_serial_one(tmp_path):
    serial = _results(_archive(tmp_path, "serial.sqlite"))
    calls = []
    mapper = dask_mapper(tmp_path / "work", in_process=True, workers=2, chunk_size=1,
                         progress=lambda done, total, resumed: calls.append((done, total, resumed)))
    db = _archive(tmp_path, "parallel.sqlite")
    parallel = _results(db, mapper)
    assert parallel == serial
    assert {v[0] for v in serial.values()} >= {"ok", "insufficient"}
    n = calls[-1][1]
    assert calls[-1] == (n, n, 0) and n == len(serial)
    # The same work again (e.g. after a kill) is read back from its finished chunks, not redone.
    calls.clear()
    from missilewatch.archive.analysis import reconstruct_from_inputs

    with db.session() as s:
        from missilewatch.archive.analysis import inputs_for

        items = [inputs_for(s, ev).to_dict() for ev in s.query(LaunchEvent).all()]
    again = mapper(reconstruct_from_inputs, items)
    assert calls[0] == (n, n, n)
    assert sorted(json.dumps(r, sort_keys=True) for r in again) == sorted(
        json.dumps([v[0], v[1], v[3]], sort_keys=True) for v in serial.values())


@pytest.mark.slow
@pytest.mark.skipif(not CNS_CSV.is_file(), reason="reference data missing")
def test_archive_report_cli_with_workers(tmp_path, capsys):
    _archive(tmp_path, "cli.sqlite")
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert main(["--db", url, "archive", "report", "-o", str(tmp_path / "rep"), "--workers", "1"]) == 0
    assert (tmp_path / "rep" / "index.html").is_file()
    assert list((tmp_path / "rep" / ".reconstructions").glob("*/chunks/done-*.json"))
