"""No record can break the store, on SQLite and on PostgreSQL ($MISSILEWATCH_TEST_PG_URL):
texts cut to their columns, a refused batch rolled back alone, alerts on disk before they are
announced, identifiers unique across runs (a constraint), runs stopped by SIGTERM stored and
marked interrupted."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from missilewatch.pipeline.recorder import WatchRecorder
from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import Rejected, from_directory
from missilewatch.scenarios import builtin, simulate, write_outputs
from missilewatch.store import Database
from missilewatch.store.models import AlertRow, MeasurementRow, WatchRun

PG_URL = os.environ.get("MISSILEWATCH_TEST_PG_URL")
EPOCH = dt.datetime(2022, 10, 3, 22, 22, tzinfo=dt.UTC)


@pytest.fixture
def db(sqlite_or_pg):
    """SQLite, and PostgreSQL where CI names a server (a schema of this test's own)."""
    return sqlite_or_pg


@pytest.fixture(scope="module")
def short_dir(tmp_path_factory) -> Path:
    """The first 200 s of the 2022-10-04 measurements (launch, confirmation, first alert)."""
    d = tmp_path_factory.mktemp("short")
    write_outputs(simulate(builtin("2022-10-04")), d)
    lines = (d / "measurements.jsonl").read_text().splitlines()
    keep = [ln for ln in lines if json.loads(ln)["t_report_s"] <= 200.0]
    (d / "measurements.jsonl").write_text("\n".join(keep) + "\n")
    return d


def test_oversize_and_hostile_texts_are_cut_not_fatal(db):
    rec = WatchRecorder(db, EPOCH, source="s" * 5000)
    bad = Rejected(0, float("-inf"), raw="nul\x00byte " + "r" * 10_000, error="line 1: x\x00" + "e" * 9000,
                   field="sensor_id", reason="schema", sensor_id="z" * 500)
    for _ in range(3):
        rec.measurement(bad, None)
    run_id = rec.close({"ok": True})
    assert rec.failed_rows == 0
    with db.session() as s:
        rows = s.scalars(select(MeasurementRow).where(MeasurementRow.run_id == run_id)).all()
        assert len(rows) == 3 and all(len(r.sensor_id) == 80 and "\x00" not in r.raw for r in rows)
        assert s.get(WatchRun, run_id).summary["status"] == "complete"


def test_a_refused_batch_is_rolled_back_alone_and_the_stream_goes_on(db, short_dir):
    res = replay(from_directory(short_dir), db=db)
    first = res.watch.alerts.messages()[0]
    rec = WatchRecorder(db, EPOCH, source="second", batch_rows=5)
    rec.alert(first)  # the same identifier again: the unique constraint refuses it
    for it in list(from_directory(short_dir).items)[:12]:
        rec.measurement(it, None)
    run_id = rec.close()
    assert rec.failed_rows == 1 and "identifier" in " ".join(rec.failures).lower() or rec.failures
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(MeasurementRow).where(
            MeasurementRow.run_id == run_id)) == 12
        assert s.scalar(select(func.count()).select_from(AlertRow).where(
            AlertRow.identifier == first.identifier)) == 1
        assert s.get(WatchRun, run_id).summary["store_failed_rows"] == 1


def test_identifiers_are_unique_across_runs_and_an_alert_is_stored_before_it_is_announced(db, short_dir):
    other = Database(db.engine.url.render_as_string(hide_password=False))  # a second handle: what is on disk
    seen = []

    def on_event(ev):
        if ev.kind == "alert" and "message" in ev.data:
            ident = ev.data["message"].identifier
            with other.session() as s:
                seen.append(s.scalar(select(func.count()).select_from(AlertRow).where(
                    AlertRow.identifier == ident)))

    a = replay(from_directory(short_dir), db=db, on_event=on_event)
    b = replay(from_directory(short_dir), db=db)
    other.dispose()
    ids_a = [m.identifier for m in a.watch.alerts.messages()]
    ids_b = [m.identifier for m in b.watch.alerts.messages()]
    assert ids_a and seen == [1] * len(ids_a)
    assert not set(ids_a) & set(ids_b)
    with db.session() as s:
        assert s.scalar(select(func.count(func.distinct(AlertRow.identifier)))) == len(ids_a) + len(ids_b)
    with pytest.raises(IntegrityError), db.session() as s:
        row = s.scalars(select(AlertRow)).first()
        s.add(AlertRow(run_id=row.run_id, identifier=row.identifier, launch_id="x", msg_type="Alert",
                       sent=row.sent, regions=[], cancelled_regions=[], cap_xml="", text_en="", text_ja=""))


@pytest.mark.slow
def test_sigterm_stores_what_was_accepted_and_marks_the_run_interrupted(db, short_dir):
    url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "missilewatch.cli.app", "replay", str(short_dir), "--json",
                             "--speed", "4", "--db", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and stored < 60:
            time.sleep(0.5)
            try:
                with db.session() as s:
                    stored = s.scalar(select(func.count()).select_from(MeasurementRow)) or 0
            except Exception:  # noqa: BLE001 (tables not created yet)
                stored = 0
        assert stored >= 60, "the replay stored nothing in time"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: interrupted; run ")
    with db.session() as s:
        run = s.scalars(select(WatchRun)).one()
        assert run.summary["status"] == "interrupted"
        n = s.scalar(select(func.count()).select_from(MeasurementRow))
        assert n >= stored and n == run.summary["measurements"]
