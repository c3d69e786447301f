"""Linking reports to launches and merging sources: every source kept, disagreements flagged."""

from datetime import date

import pytest
from sqlalchemy import func, select

from missilewatch.archive.cns import import_cns
from missilewatch.archive.ingest import ingest_report
from missilewatch.archive.merge import merged_record
from missilewatch.errors import InputError
from missilewatch.store import Database, Fact, LaunchEvent, Source


def _links(db):
    with db.session() as s:
        out = {}
        for src in s.scalars(select(Source).where(Source.kind == "report")):
            events = {f.event_id for f in s.scalars(select(Fact).where(Fact.source_id == src.id))}
            assert len(events) == 1
            ev = s.get(LaunchEvent, events.pop())
            out[src.uri.rsplit("/", 1)[1][:3]] = ev.key
        return out


@pytest.fixture(scope="module")
def archive(cns_csv, seeds):
    db = Database("sqlite://")
    with db.session() as s:
        import_cns(s, cns_csv)
        for p in seeds:
            ingest_report(s, p)
    return db


def test_reports_link_to_the_cns_launches(archive):
    links = _links(archive)
    assert links == {
        "000": "cns:2022-10-03:mupyong-ni-arms-plant:2222",
        "001": "cns:2022-10-03:mupyong-ni-arms-plant:2222",
        "002": "cns:2022-01-29:mupyong-ni-arms-plant:2352",
        "003": "cns:2017-09-14:pyongyang-international-airport:2157",
    }


def test_4_october_2022_merged_record_flags_japan_against_south_korea(archive):
    with archive.session() as s:
        ev = s.scalars(select(LaunchEvent).where(LaunchEvent.key.like("cns:2022-10-03:%"))).one()
        rec = merged_record(s, ev.id)
    assert rec["local_date"] == "2022-10-04"
    rng, apo = rec["fields"]["range_km"], rec["fields"]["apogee_km"]
    assert rng["value"] == 4600.0 and apo["value"] == 1000.0  # Japan's figures, from the report
    assert sorted(v["value"] for v in rng["values"]) == [4500.0, 4600.0]
    assert rng["disagreement"] and apo["disagreement"]
    assert {v["kind"] for v in rng["values"]} == {"report", "cns"}
    assert any("4600" in d and "4500" in d for d in rec["disagreements"])
    assert rec["fields"]["eez"]["value"] == "outside" and rec["fields"]["eez"]["whose"] == "Japan"
    assert rec["fields"]["overflight"]["value"] == ["Japan"]
    assert len([x for x in rec["sources"] if x["kind"] == "report"]) == 2
    # The undated report (000) got its date from the event; the derived fact says how.
    derived = [v for v in rec["fields"]["date"]["values"] if v.get("note", "").startswith("derived")]
    assert derived and derived[0]["value"] == "2022-10-04"


def test_september_2017_merged_with_the_hyunmoo_response(archive):
    with archive.session() as s:
        ev = s.scalars(select(LaunchEvent).where(LaunchEvent.key.like("cns:2017-09-14:%"))).one()
        rec = merged_record(s, ev.id)
    assert rec["missile_name"] == "Hwasong-12" and rec["fields"]["range_km"]["value"] == 3700.0
    assert rec["fields"]["overflight"]["value"] == ["Japan"]
    (counter,) = [r for r in rec["responses"] if r.get("action") == "missile_launch"]
    assert counter["missile"] == "Hyunmoo-2" and counter["count"] == 2 and counter["failed"] == 1
    assert not rec["disagreements"]


def test_30_january_2022_hwasong_12(archive):
    with archive.session() as s:
        ev = s.scalars(select(LaunchEvent).where(LaunchEvent.local_date == date(2022, 1, 30))).one()
        rec = merged_record(s, ev.id)
    assert {v["value"] for v in rec["fields"]["missile"]["values"]} == {"Hwasong-12"}
    assert {v["kind"] for v in rec["fields"]["missile"]["values"]} == {"report", "cns"}


def test_order_does_not_matter_and_reingest_adds_nothing(cns_csv, seeds, archive):
    db = Database("sqlite://")
    with db.session() as s:
        for p in seeds:
            ingest_report(s, p)
    alone = _links(db)
    # Without the database, 000 (Tuesday, over Japan) joins 001 (Tuesday 4 October 2022).
    assert alone["000"] == alone["001"] == "report:2022-10-04"
    assert alone["002"] == "report:2022-01-30" and alone["003"] == "report:2017-09-15"
    with db.session() as s:
        import_cns(s, cns_csv)
        for p in seeds:
            ingest_report(s, p)
    assert _links(db) == _links(archive)
    with db.session() as s, archive.session() as a:
        for table in (LaunchEvent, Fact, Source):
            count = select(func.count()).select_from(table)
            assert s.scalar(count) == a.scalar(count)
        reported = select(func.count()).select_from(LaunchEvent).where(LaunchEvent.origin == "report")
        assert s.scalar(reported) == 0


def test_bad_report_files(tmp_path):
    db = Database("sqlite://")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02")
    with db.session() as s:
        with pytest.raises(InputError, match="file: no such file"):
            ingest_report(s, tmp_path / "missing.txt")
        with pytest.raises(InputError, match="empty"):
            ingest_report(s, empty)
        with pytest.raises(InputError, match="binary"):
            ingest_report(s, binary)
    with db.session() as s:
        with pytest.raises(InputError, match="id: no launch event"):
            merged_record(s, 999)
