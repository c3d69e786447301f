"""The database layer: tables on first use, UTC instants, provenance cascades, portable DDL."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.schema import CreateTable

from missilewatch.config import Settings
from missilewatch.errors import ConfigError
from missilewatch.store import Base, Database, Fact, ImportProblem, LaunchEvent, Missile, Source


@pytest.fixture()
def db(tmp_path):
    return Database(f"sqlite:///{tmp_path / 'sub' / 'mw.sqlite'}")


def _event(key="cns:2022-10-03:x"):
    return LaunchEvent(key=key, origin="cns", date_utc=date(2022, 10, 3))


def test_tables_created_on_first_use_in_a_new_directory(db, tmp_path):
    with db.session() as s:
        assert s.scalars(select(LaunchEvent)).all() == []
    names = set(inspect(db.engine).get_table_names())
    assert {"launch_events", "missiles", "sources", "facts", "import_problems"} <= names
    assert (tmp_path / "sub" / "mw.sqlite").exists()


def test_round_trip_keeps_utc_instants_aware(db):
    kst = timezone(timedelta(hours=9))
    with db.session() as s:
        ev = _event()
        ev.launch_time_utc = datetime(2022, 10, 4, 7, 22, tzinfo=kst)
        s.add(ev)
    with db.session() as s:
        got = s.scalars(select(LaunchEvent)).one()
        assert got.launch_time_utc == datetime(2022, 10, 3, 22, 22, tzinfo=UTC)
        assert got.launch_time_utc.utcoffset() == timedelta(0)


def test_naive_datetime_is_refused(db):
    with pytest.raises(StatementError, match="naive datetime"):
        with db.session() as s:
            ev = _event()
            ev.launch_time_utc = datetime(2022, 10, 3, 22, 22)
            s.add(ev)


def test_deleting_a_source_deletes_its_facts_and_problems(db):
    with db.session() as s:
        src = Source(kind="report", uri="a.txt", sha256="0" * 64)
        ev = _event()
        s.add_all([src, ev])
        s.flush()
        s.add(Fact(source_id=src.id, event_id=ev.id, field="range", value_num=4.6e6, unit="m"))
        s.add(ImportProblem(source_id=src.id, row=1, column="Apogee", raw="x", reason="r", action="dropped"))
    with db.session() as s:
        s.delete(s.scalars(select(Source)).one())
    with db.session() as s:
        assert s.scalars(select(Fact)).all() == []
        assert s.scalars(select(ImportProblem)).all() == []
        assert s.scalars(select(LaunchEvent)).one().key == "cns:2022-10-03:x"


def test_missile_external_id_is_unique(db):
    with pytest.raises(IntegrityError):
        with db.session() as s:
            ev = _event()
            s.add(ev)
            s.flush()
            s.add_all([Missile(event_id=ev.id, external_id="cns:1"), Missile(event_id=ev.id, external_id="cns:1")])


def test_in_memory_url_shares_one_database_between_sessions():
    mem = Database("sqlite://")
    with mem.session() as s:
        s.add(_event())
    with mem.session() as s:
        assert len(s.scalars(select(LaunchEvent)).all()) == 1


def test_from_settings_uses_the_resolved_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    db = Database.from_settings(Settings.resolve(None, environ={"MISSILEWATCH_DB": url}))
    assert db.engine.url.database == str(tmp_path / "env.sqlite")


@pytest.mark.parametrize("url", ["nosuchdriver://x/y", "postgresql+nosuchdbapi://u@h/db"])
def test_unusable_url_is_a_config_error(url):
    with pytest.raises(ConfigError, match="database URL"):
        Database(url)


def test_every_table_compiles_for_postgresql():
    dialect = postgresql.dialect()
    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert ddl.startswith("\nCREATE TABLE")
    launch = str(CreateTable(Base.metadata.tables["launch_events"]).compile(dialect=dialect))
    assert "TIMESTAMP WITH TIME ZONE" in launch
    facts = str(CreateTable(Base.metadata.tables["facts"]).compile(dialect=dialect))
    assert "JSON" in facts
