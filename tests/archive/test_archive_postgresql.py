"""The whole archive flow on a real PostgreSQL server (only where $MISSILEWATCH_TEST_PG_URL names one)."""

import os

import pytest
from sqlalchemy import func, select

from missilewatch.archive.cns import import_cns
from missilewatch.archive.ingest import ingest_report
from missilewatch.archive.merge import merged_record
from missilewatch.archive.query import summaries
from missilewatch.store import Base, Database, LaunchEvent, Missile

PG_URL = os.environ.get("MISSILEWATCH_TEST_PG_URL")
pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server named by $MISSILEWATCH_TEST_PG_URL"),
    # One server, one database: every PostgreSQL test runs in the same xdist worker.
    pytest.mark.xdist_group("postgresql"),
]


def test_cns_and_reports_on_postgresql(cns_csv, seeds):
    pytest.importorskip("psycopg")
    db = Database(PG_URL)
    Base.metadata.drop_all(db.engine)
    try:
        for _ in range(2):  # idempotent there too
            with db.session() as s:
                import_cns(s, cns_csv)
                for p in seeds:
                    ingest_report(s, p)
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Missile)) == 245
            assert s.scalar(select(func.count()).select_from(LaunchEvent)) == 136
            ev = s.scalars(select(LaunchEvent).where(LaunchEvent.key.like("cns:2022-10-03:%"))).one()
            rec = merged_record(s, ev.id)
            assert rec["fields"]["range_km"]["disagreement"] and len(rec["sources"]) == 3
            assert len(summaries(s, year=2017, missile_type="irbm")) >= 3
    finally:
        Base.metadata.drop_all(db.engine)
        db.dispose()
