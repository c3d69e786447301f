"""Report reading: the facts of the four seed reports, and the rules on small made-up texts."""

from datetime import date

import pytest

from missilewatch.archive.reports import extract_report, infer_year, split_sentences

TODAY = date(2026, 11, 25)


def _seed(seeds, prefix):
    return extract_report(next(p for p in seeds if p.name.startswith(prefix)).read_text(encoding="utf-8"), today=TODAY)


def test_4_october_2022_report_figures_overflight_and_eez(seeds):
    x = _seed(seeds, "000")
    (rng,) = x.range
    (apo,) = x.apogee
    assert rng.value == pytest.approx(4_600_000.0) and apo.value == pytest.approx(1_000_000.0)
    assert rng.attributed_to == "Japan" and "4,600 kilometers" in rng.evidence
    assert x.overflight.value == ["Japan"] and "flew over Japanese territory" in x.overflight.evidence
    assert x.eez.value == "outside" and x.eez.extra["whose"] == "Japan"
    assert "Pacific Ocean" in x.impact.value
    # "launched on Tuesday", but the report has no date of its own: the weekday is kept.
    assert x.date is None and x.weekday == "Tuesday" and x.weekday_finding is not None
    # Last week's launches (300-400 km, 50 km) are another time: skipped, with the reason.
    assert any("300-400" in s["sentence"] and "another time" in s["reason"] for s in x.skipped)
    d = x.to_dict()
    assert d["range_km"]["value"] == 4600.0 and d["apogee_km"]["value"] == 1000.0
    assert d["eez"]["value"] == "outside" and d["overflight"]["value"] == ["Japan"]
    actions = {(r.value["country"], r.value["action"]) for r in x.responses if "country" in r.value}
    assert {("Japan", "no_interception"), ("Japan", "national_security_council"),
            ("United States", "condemnation")} <= actions


def test_tuesday_resolved_against_the_article_date(seeds):
    x = _seed(seeds, "001")
    assert x.article_date == date(2022, 10, 4)
    assert x.date.value == date(2022, 10, 4) and date(2022, 10, 4).strftime("%A") == "Tuesday"
    assert "on Tuesday morning" in x.date.evidence
    # "on Monday night Washington time discussed" is the date of a call, not of the launch.
    assert x.date.extra.get("other_dates") is None
    assert x.overflight.value == ["Japan"]


def test_30_january_2022_hwasong_12(seeds):
    x = _seed(seeds, "002")
    # Dateline "Tokyo, Feb 2 (EFE)" has no year; "Wednesday" and the years named fix it.
    assert x.article_date == date(2022, 2, 2) and date(2022, 2, 2).strftime("%A") == "Wednesday"
    assert x.date.value == date(2022, 1, 30) and "Jan.30" in x.date.evidence
    assert x.missile.value == "Hwasong-12"
    assert x.range == [] and x.apogee == []


def test_september_2017_launch_and_the_hyunmoo_response(seeds):
    x = _seed(seeds, "003")
    assert x.date.value == date(2017, 9, 15) and date(2017, 9, 15).strftime("%A") == "Friday"
    assert x.overflight.value == ["Japan"]
    assert x.impact.value == "far out into the Pacific"
    # The 250 km of the South Korean missile is not a figure of the North Korean launch.
    assert x.range == []
    (counter,) = [r for r in x.responses if r.value.get("action") == "missile_launch"]
    v = counter.value
    assert v["countries"] == ["South Korea"] and v["missile"] == "Hyunmoo-2" and v["count"] == 2
    assert (v["succeeded"], v["failed"]) == (1, 1)
    assert v["delay_s"] == 360.0
    assert [o["outcome"] for o in v["outcomes"]] == ["hit target", "failed"]
    assert v["outcomes"][0]["distance_km"] == 250.0


def test_made_up_statement_inside_eez_flight_time_and_place():
    text = ("Tokyo, Japan - March 25, 2021\n\n"
            "North Korea launched two ballistic missiles from Hamju on Thursday, the Japanese Defense Ministry said. "
            "They flew about 450 km with a maximum altitude of 60 km and a flight time of about 11 minutes. "
            "Both fell inside Japan's exclusive economic zone.\n")
    x = extract_report(text, today=TODAY)
    assert x.date.value == date(2021, 3, 25)
    assert x.launch_place.value == "Hamju"
    assert x.range[0].value == 450_000.0 and x.apogee[0].value == 60_000.0
    assert x.flight_time[0].value == 660.0
    assert x.eez.value == "inside" and x.eez.extra["whose"] == "Japan"
    assert x.range[0].attributed_to == "Japan"


def test_interval_and_no_dates():
    x = extract_report("The missiles flew 300-400 kilometers. No date is given.", today=TODAY)
    assert (x.range[0].extra["low"], x.range[0].extra["high"]) == (300_000.0, 400_000.0)
    assert x.date is None and x.article_date is None and x.weekday is None


def test_impact_place_is_not_a_range():
    x = extract_report("On 29 August 2017 the missile flew over Hokkaido and fell about 1,180 km east of Cape Erimo.",
                       today=TODAY)
    assert x.range == [] and x.overflight.value == ["Hokkaido"]
    assert x.impact.value.startswith("about 1,180 km east of Cape Erimo")


@pytest.mark.parametrize("month, day, weekday, expected", [(2, 2, 2, 2022), (10, 4, 1, 2022), (9, 15, 4, 2017)])
def test_infer_year_matches_the_calendar(month, day, weekday, expected):
    assert infer_year(month, day, weekday, expected - 3, expected + 2) == expected
    assert date(expected, month, day).weekday() == weekday


def test_infer_year_refuses_to_guess_between_several_years():
    # 15 September fell on a Friday in 2017 and in 2023: no year rather than the earliest.
    assert infer_year(9, 15, 4, 2017, 2026) is None
    # "Jul 04 (NHK) ... on Tuesday" with no year in the text: not 2000, the earliest fit in thirty years.
    x = extract_report("Jul 04 (NHK) - North Korea launched a ballistic missile on Tuesday.", today=TODAY)
    assert x.article_date is None and x.date is None


def test_infer_year_without_weekday_is_none():
    assert infer_year(2, 2, None, 2017, 2026) is None


def test_sentence_splitter_keeps_abbreviations():
    s = split_sentences("Adm. John Aquilino of the U.S. Navy spoke. Then Jan. 30 came.")
    assert [x.text for x in s] == ["Adm. John Aquilino of the U.S. Navy spoke.", "Then Jan. 30 came."]
