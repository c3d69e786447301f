"""The watch records into PostgreSQL as into SQLite; replays keep real-time pacing at --speed."""

import os

import pytest
from sqlalchemy import func, select

from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import Incoming, WatchInput, load_input
from missilewatch.store import Base, Database
from missilewatch.store.models import AlertRow, MeasurementRow, WatchRun

PG_URL = os.environ.get("MISSILEWATCH_TEST_PG_URL")


@pytest.fixture(scope="module")
def short_input():
    """The first 200 s of the 2022-10-04 stream (launch, confirmation, first alert)."""
    inp = load_input("2022-10-04")
    items = tuple(it for it in inp.items if it.t_report_s <= 200.0)
    bad = Incoming(seq=len(inp.items), t_report_s=float("-inf"), raw="garbage", error="line 9999: not JSON")
    return WatchInput(inp.name, inp.epoch, items + (bad,), inp.truth, inp.seed, reported=inp.reported)


@pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server named by $MISSILEWATCH_TEST_PG_URL")
@pytest.mark.xdist_group("postgresql")
def test_watch_run_recorded_in_postgresql(short_input):
    db = Database(PG_URL)
    Base.metadata.drop_all(db.engine)
    try:
        res = replay(short_input, db=db)
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(MeasurementRow)) == len(short_input.items)
            assert s.scalar(select(func.count()).select_from(MeasurementRow).where(
                MeasurementRow.accepted.is_(False))) == 1
            assert s.scalar(select(func.count()).select_from(AlertRow)) == len(res.watch.alerts.messages()) > 0
            assert s.scalars(select(WatchRun)).one().epoch_utc == short_input.epoch
    finally:
        Base.metadata.drop_all(db.engine)
        db.dispose()


def test_speed_paces_the_stream_in_report_time(short_input):
    now = [0.0]
    slept = []

    def sleep(dt):
        slept.append(dt)
        now[0] += dt

    replay(short_input, speed=50.0, sleep=sleep, clock=lambda: now[0])
    times = [it.t_report_s for it in short_input.items if it.t_report_s > float("-inf")]
    # With processing taking no clock time, the waits add up to the stream's span / 50.
    assert sum(slept) == pytest.approx((max(times) - min(times)) / 50.0, rel=1e-9)
    assert all(s > 0 for s in slept)
