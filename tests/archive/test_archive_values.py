"""Cell readers: distances, dates, times and coordinates as people type them."""

from datetime import date, time

import pytest

from missilewatch.archive.values import read_coordinate, read_date, read_distance, read_time


@pytest.mark.parametrize(
    "raw, metres",
    [("1,380 km", 1_380_000.0), ("350 km", 350_000.0), ("2111.5 km", 2_111_500.0), ("about 4,600 kilometers", 4.6e6),
     ("0 km", 0.0), ("2,860 miles", 2860 * 1609.344), (500, 500_000.0)],
)
def test_distances(raw, metres):
    r = read_distance(raw)
    assert r.ok and r.value == pytest.approx(metres) and r.unit == "m"


def test_interval_keeps_bounds_and_midpoint():
    r = read_distance("between 25 and 90 km")
    assert (r.low, r.high, r.value) == (25_000.0, 90_000.0, 57_500.0)
    r = read_distance("300-400 kilometers")
    assert (r.low, r.high) == (300_000.0, 400_000.0)


def test_unit_typo_is_read_and_reported_as_repair():
    r = read_distance("330 lm")
    assert r.ok and r.value == 330_000.0
    assert "'lm'" in r.repaired and "'km'" in r.repaired


def test_bare_number_text_assumes_the_column_unit_and_says_so():
    r = read_distance("250")
    assert r.value == 250_000.0 and "assumed" in r.repaired


@pytest.mark.parametrize("raw, note",
                         [("Unknown", "unknown"), ("N/A", "not applicable"), ("", "blank"), (None, "blank")])
def test_absence_words(raw, note):
    r = read_distance(raw)
    assert r.status == "absent" and r.note == note


@pytest.mark.parametrize("raw", ["12 parsecs", "far", "1,38 km", "-5 km", float("nan")])
def test_unreadable_distances_are_problems_with_reasons(raw):
    r = read_distance(raw)
    assert r.status == "problem" and r.note


@pytest.mark.parametrize(
    "raw, expected, precision",
    [("9-Apr-84", date(1984, 4, 9), "day"), ("3-Oct-22", date(2022, 10, 3), "day"),
     ("Sep-84", date(1984, 9, 1), "month"), ("11/2/2022", date(2022, 11, 2), "day"),
     ("2017-09-15", date(2017, 9, 15), "day")],
)
def test_dates(raw, expected, precision):
    r = read_date(raw)
    assert r.ok and r.value == expected and r.note == precision


def test_future_and_malformed_dates_are_problems():
    assert read_date("1-Jan-60", latest=date(2023, 5, 1)).status == "problem"  # 2060 by the POSIX pivot
    assert read_date("31/31/2020").status == "problem"


@pytest.mark.parametrize("raw, expected", [("9:57:00 PM", time(21, 57)), ("12:06:00 AM", time(0, 6)),
                                           ("7:59:30 AM", time(7, 59, 30)), ("22:22", time(22, 22))])
def test_times(raw, expected):
    assert read_time(raw).value == expected


def test_bad_time_is_a_problem():
    assert read_time("25:61").status == "problem"


def test_coordinates():
    assert read_coordinate("40.8499966", "lat").value == pytest.approx(40.8499966)
    assert read_coordinate("126.4 E", "lon").value == pytest.approx(126.4)
    assert read_coordinate("33.5 S", "lat").value == pytest.approx(-33.5)
    assert read_coordinate("95", "lat").status == "problem"
    assert read_coordinate("125 N", "lon").status == "problem"
    assert read_coordinate("Unknown", "lon").status == "absent"
