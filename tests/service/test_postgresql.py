"""The live service on PostgreSQL: ingest committed before the answer, events, a SIGKILL and
restart (nothing lost, nothing repeated), the append-only audit chain."""

from __future__ import annotations

import os
import signal

import httpx
import pytest
from sqlalchemy import func, select

from missilewatch.service.app import open_database
from missilewatch.store.base import Base
from missilewatch.store.models import AuditEntry, ServiceAlert, ServiceMeasurement

from .conftest import Creds, ServerProc

PG_URL = os.environ.get("MISSILEWATCH_TEST_PG_URL")
pytestmark = [pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server named by $MISSILEWATCH_TEST_PG_URL"),
              pytest.mark.xdist_group("postgresql"), pytest.mark.timeout(240)]
SVC_TABLES = [t for name, t in Base.metadata.tables.items() if name.startswith("svc_")]


@pytest.fixture
def pg(pg_schema_url):
    db = open_database(pg_schema_url)
    Base.metadata.create_all(db.engine, tables=SVC_TABLES)
    yield db
    db.dispose()


def test_serve_on_postgresql_survives_sigkill(pg, pg_schema_url, tmp_path, flight_lines):
    creds = Creds(pg_schema_url)
    srv = ServerProc(pg_schema_url, tmp_path / "pg.log").start()
    t0 = flight_lines[0].t_report
    lines = [fl for fl in flight_lines if (fl.t_report - t0).total_seconds() < 150]
    batches = [lines[i:i + 25] for i in range(0, len(lines), 25)]

    def post(b):
        r = httpx.post(f"{srv.url}/v1/measurements", content="\n".join(fl.line for fl in b),
                       headers=creds.h("admin_key"), timeout=60)
        assert r.status_code == 200, r.text
        return r.json()

    for b in batches[:-3]:
        post(b)
    srv.stop(signal.SIGKILL)
    srv.start(wait_ready=False)
    assert post(batches[-4])["duplicate"] == len(batches[-4])
    for b in batches[-3:]:
        post(b)
    h = srv.wait_idle()
    evs = httpx.get(f"{srv.url}/v1/events/history?after=0&limit=1000", headers=creds.h("operator")).json()["events"]
    assert [e["number"] for e in evs] == list(range(1, len(evs) + 1))
    issued = [e for e in evs if e["kind"] == "alert.issued"]
    assert len(issued) == 1 and "Aomori" in issued[0]["data"]["regions"]
    assert h["database"] == "postgresql" and h["rebuild_measurements"] > 0
    chain = httpx.get(f"{srv.url}/v1/audit/verify", headers=creds.h("admin")).json()
    assert chain["ok"]
    assert srv.stop() == 0
    with pg.session() as s:
        assert s.scalar(select(func.count()).select_from(ServiceMeasurement)) == len(lines)
        assert s.scalar(select(func.count()).select_from(ServiceAlert)) == 1
    with pytest.raises(Exception, match="append-only"), pg.session() as s:
        s.get(AuditEntry, 1).actor = "someone else"
