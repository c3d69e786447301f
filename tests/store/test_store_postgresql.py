"""The same models on a real PostgreSQL server (run only where $MISSILEWATCH_TEST_PG_URL names one).

e.g. MISSILEWATCH_TEST_PG_URL='postgresql+psycopg://postgres@/mw?host=/tmp/mwpg&port=55432'
"""

import os
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from missilewatch.store import Base, Database, Fact, LaunchEvent, Source

PG_URL = os.environ.get("MISSILEWATCH_TEST_PG_URL")
pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server named by $MISSILEWATCH_TEST_PG_URL"),
    # One server, one database: every PostgreSQL test runs in the same xdist worker.
    pytest.mark.xdist_group("postgresql"),
]


@pytest.fixture()
def pg():
    pytest.importorskip("psycopg")
    db = Database(PG_URL)
    Base.metadata.drop_all(db.engine)
    yield db
    Base.metadata.drop_all(db.engine)
    db.dispose()


def test_round_trip_on_postgresql(pg):
    kst = timezone(timedelta(hours=9))
    with pg.session() as s:
        src = Source(kind="report", uri="a.txt", sha256="1" * 64, meta={"k": [1, 2]})
        ev = LaunchEvent(key="k", origin="cns", date_utc=date(2022, 10, 3),
                         launch_time_utc=datetime(2022, 10, 4, 7, 22, tzinfo=kst))
        s.add_all([src, ev])
        s.flush()
        s.add(Fact(source_id=src.id, event_id=ev.id, field="overflight", value_json=["Japan"], row=3, column="x"))
    with pg.session() as s:
        ev = s.scalars(select(LaunchEvent)).one()
        assert ev.launch_time_utc == datetime(2022, 10, 3, 22, 22, tzinfo=UTC)
        f = s.scalars(select(Fact)).one()
        assert (f.value_json, f.row, f.column) == (["Japan"], 3, "x")
        assert s.scalars(select(Source)).one().meta == {"k": [1, 2]}
