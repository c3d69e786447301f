"""CNS import: every row lands, events are salvos, unreadable values are reported, re-import is idempotent."""

import csv
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from missilewatch.archive.cns import import_cns, read_table
from missilewatch.errors import InputError
from missilewatch.store import Database, Fact, ImportProblem, LaunchEvent, Missile


def _raw_rows(path):
    """The CSV rows read by the standard csv module alone (an independent reading)."""
    text = path.read_bytes().decode("cp1252")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture(scope="module")
def imported(cns_csv):
    db = Database("sqlite://")
    with db.session() as s:
        summary = import_cns(s, cns_csv)
    return db, summary


def test_all_245_rows_become_missiles(imported, cns_csv):
    db, summary = imported
    raw = _raw_rows(cns_csv)
    assert len(raw) == 245 and summary.rows == 245 and summary.missiles == 245
    with db.session() as s:
        ids = set(s.scalars(select(Missile.external_id)))
    assert ids == {f"cns:{r['F1']}" for r in raw}


def test_events_are_same_day_same_site_salvos(imported, cns_csv):
    db, summary = imported
    raw = {r["F1"]: r for r in _raw_rows(cns_csv)}
    with db.session() as s:
        events = s.scalars(select(LaunchEvent)).all()
        assert summary.events == len(events)
        for ev in events:
            rows = [raw[m.external_id.split(":")[1]] for m in ev.missiles]
            assert len({(r["Date"], r["Facility Name"]) for r in rows}) == 1
            assert ev.missile_count == len(rows)
        # Distinct (date, facility) pairs, plus the one pair with two launches two hours apart
        # (21 June 2016, Musudan at 20:56 and 23:03 UTC).
        pairs = {(r["Date"], r["Facility Name"]) for r in raw.values()}
        assert len(events) == len(pairs) + 1
        musudan = s.scalars(select(LaunchEvent).where(LaunchEvent.date_utc == date(2016, 6, 21))).all()
        assert sorted(e.launch_time_utc.hour for e in musudan) == [20, 23]


def test_the_4_october_2022_launch(imported):
    db, _ = imported
    with db.session() as s:
        ev = s.scalars(select(LaunchEvent).where(LaunchEvent.local_date == date(2022, 10, 4))).one()
        assert ev.date_utc == date(2022, 10, 3)  # CNS dates are UTC
        assert ev.launch_time_utc == datetime(2022, 10, 3, 22, 22, tzinfo=UTC)
        (m,) = ev.missiles
        assert (m.range_m, m.apogee_m) == (4_500_000.0, 970_000.0)
        assert (m.lat_deg, m.lon_deg) == (40.611208, 126.425743)
        assert m.landing_location == "Pacific Ocean" and ev.missile_type == "IRBM"


def test_quirky_values(imported):
    db, _ = imported
    with db.session() as s:
        taepodong = s.scalars(select(Missile).where(Missile.external_id == "cns:16")).one()
        assert taepodong.range_m == 1_380_000.0  # "1,380 km"
        interval = s.scalars(select(Missile).where(Missile.external_id == "cns:187")).one()
        assert (interval.apogee_low_m, interval.apogee_high_m) == (25_000.0, 90_000.0)
        assert (interval.range_low_m, interval.range_high_m) == (110_000.0, 670_000.0)
        assert interval.launch_time_utc is None and interval.facility_name is None  # "Unknown"
        month_only = s.scalars(select(Missile).where(Missile.external_id == "cns:4")).one()
        assert (month_only.date_utc, month_only.date_precision) == (date(1984, 9, 1), "month")
        chiha = s.scalars(select(Missile).where(Missile.facility_name == "Chihari Missile Base")).one()
        assert chiha.facility_location == "Chiha-ri , Kangwon Province, (North Korea)"  # NBSP normalised
        fact = s.scalars(select(Fact).where(Fact.missile_id == taepodong.id, Fact.field == "range")).one()
        assert (fact.row, fact.column, fact.raw) == (16, "Distance Travelled", "1,380 km")


def test_every_problem_is_explained_and_matches_the_file(imported, cns_csv):
    db, summary = imported
    # Independently: cells of the two distance columns that are neither "N km", an interval,
    # a thousands-separated number, nor a word of absence.
    plain = re.compile(r"^(\d{1,3}(,\d{3})+|\d+(\.\d+)?) km$|^between \d+ and \d+ km$|^(Unknown|N/A|)$")
    odd = [(int(r["F1"]), col, r[col]) for r in _raw_rows(cns_csv)
           for col in ("Apogee", "Distance Travelled") if not plain.match(r[col])]
    assert odd == [(215, "Distance Travelled", "330 lm"), (216, "Distance Travelled", "330 lm")]
    got = [(p.row, p.column, p.raw) for p in summary.problems]
    assert got == odd
    assert all(p.action == "repaired" and "typo" in p.reason for p in summary.problems)
    d = summary.to_dict()
    assert d["repaired_values"] == 2 and d["unreadable_values"] == 0
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ImportProblem)) == 2
        m = s.scalars(select(Missile).where(Missile.external_id == "cns:215")).one()
        assert m.range_m == 330_000.0 and m.apogee_m == 70_000.0


def test_reimport_adds_nothing(cns_csv):
    db = Database("sqlite://")
    counts = []
    for _ in range(2):
        with db.session() as s:
            import_cns(s, cns_csv)
        with db.session() as s:
            counts.append(tuple(s.scalar(select(func.count()).select_from(t)) for t in
                                (LaunchEvent, Missile, Fact, ImportProblem)))
    assert counts[0] == counts[1]
    assert counts[0][:2] == (136, 245)


def test_xlsx_export_imports_like_the_csv(tmp_path, cns_csv):
    raw = _raw_rows(cns_csv)
    wanted = {"1", "4", "16", "187", "199", "215", "216", "84", "85"}
    book = openpyxl.Workbook()
    sheet = book.active
    header = list(raw[0].keys())
    sheet.append(header)
    for r in raw:
        if r["F1"] not in wanted:
            continue
        cells = []
        for col in header:
            v = r[col]
            if col == "F1":
                v = int(v)  # spreadsheets hold numbers, dates and times as such
            elif col in ("Facility Latitude", "Facility Longitude") and v != "Unknown":
                v = float(v)
            elif col == "Date" and re.fullmatch(r"\d+-\w{3}-\d\d", v):
                v = datetime.strptime(v, "%d-%b-%y")
            elif col == "Launch Time (UTC)" and v not in ("", "Unknown"):
                v = datetime.strptime(v, "%I:%M:%S %p").time()
            cells.append(v)
        sheet.append(cells)
    path = tmp_path / "cns.xlsx"
    book.save(path)

    x_db, c_db = Database("sqlite://"), Database("sqlite://")
    with x_db.session() as s:
        xs = import_cns(s, path)
    with c_db.session() as s:
        import_cns(s, cns_csv)
    assert xs.rows == len(wanted) and xs.meta["format"] == "xlsx"
    assert [(p.row, p.column, p.raw) for p in xs.problems] == [(8, "Distance Travelled", "330 lm"),
                                                                (9, "Distance Travelled", "330 lm")]
    cols = ("external_id", "date_utc", "date_precision", "launch_time_utc", "name", "lat_deg", "lon_deg",
            "apogee_m", "apogee_low_m", "range_m", "range_high_m", "outcome")
    with x_db.session() as xs_s, c_db.session() as cs_s:
        for m in xs_s.scalars(select(Missile)):
            ref = cs_s.scalars(select(Missile).where(Missile.external_id == m.external_id)).one()
            assert [getattr(m, c) for c in cols] == [getattr(ref, c) for c in cols]


def _write(tmp_path, text, name="bad.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bad_cells_are_reported_and_the_row_still_lands(tmp_path):
    p = _write(tmp_path, "F1,Date,Missile Name,Facility Latitude,Apogee\n"
                         "1,31-Foo-22,Hwasong-12,95.5,550 km\n"
                         "2,4-Jul-17,Hwasong-14,39.87,2802 furlongs\n")
    db = Database("sqlite://")
    with db.session() as s:
        summary = import_cns(s, p)
    reasons = {(pr.row, pr.column): pr for pr in summary.problems}
    assert set(reasons) == {(1, "Date"), (1, "Facility Latitude"), (2, "Apogee")}
    assert all(pr.action == "dropped" for pr in summary.problems)
    assert "outside" in reasons[(1, "Facility Latitude")].reason
    assert "unknown unit 'furlongs'" in reasons[(2, "Apogee")].reason
    with db.session() as s:
        m1 = s.scalars(select(Missile).where(Missile.external_id == "cns:1")).one()
        assert (m1.name, m1.apogee_m, m1.lat_deg, m1.date_utc) == ("Hwasong-12", 550_000.0, None, None)


def test_missing_file_wrong_type_and_missing_date_column(tmp_path):
    db = Database("sqlite://")
    with db.session() as s:
        with pytest.raises(InputError, match="file: no such file"):
            import_cns(s, tmp_path / "nope.csv")
        with pytest.raises(InputError, match="expected a .csv or .xlsx"):
            import_cns(s, _write(tmp_path, "x", "cns.json"))
        with pytest.raises(InputError, match="header: .*no column for \\['date'\\]"):
            import_cns(s, _write(tmp_path, "F1,Missile Name\n1,Scud\n"))


def test_multiline_fields_keep_their_first_line_number(cns_csv):
    table = read_table(cns_csv)
    assert len(table.rows) == 245 and table.meta["encoding"] == "cp1252"
    lines = [r.line for r in table.rows]
    assert lines[0] == 2 and lines == sorted(lines) and lines[-1] > 246  # fields span lines
    assert sum(1 for r in table.rows if "\n" in str(r.cells["references"])) > 0
    by_row = defaultdict(int)
    for r in table.rows:
        by_row[r.row] += 1
    assert max(by_row.values()) == 1
