"""The report reader's rules on short texts in the phrasings the issue lists (made-up numbers and
places), one rule per test, so that a failing rule names itself."""

from datetime import date

import pytest

from missilewatch.archive.reader import extract_report, split_sentences

TODAY = date(2026, 11, 25)


def read(text: str):
    return extract_report(text, today=TODAY)


def test_am_pm_and_abbreviations_do_not_end_sentences():
    s = split_sentences("It was launched at about 9:05 a.m. Monday (0:05 a.m. GMT), the ministry said. "
                        "It flew approx. 2,500 km. N. Korea's Adm. Kim met the U.S. Navy. It fell at 9 a.m. The end.")
    assert [x.text for x in s] == [
        "It was launched at about 9:05 a.m. Monday (0:05 a.m. GMT), the ministry said.",
        "It flew approx. 2,500 km.", "N. Korea's Adm. Kim met the U.S. Navy.", "It fell at 9 a.m.", "The end."]


def test_dateline_without_year_takes_the_header_date_and_gmt_gives_utc():
    x = read("Date: 2023-01-09\n\nSeoul, Jan. 9 (Yonhap) -- North Korea launched a ballistic missile at about "
             "9:05 a.m. Monday (0:05 a.m. GMT), the Joint Chiefs of Staff said.")
    assert x.article_date == date(2023, 1, 9) and x.date.value == date(2023, 1, 9)
    assert x.launch_time.value == "09:05" and x.launch_time.extra["time_utc"] == "00:05"
    assert x.launch_time.extra["datetime_utc"] == "2023-01-09T00:05:00+00:00"


@pytest.mark.parametrize("text, expected", [
    ("Date: 2023-03-05\n\nEarlier today, North Korea launched a missile toward the sea.", date(2023, 3, 5)),
    ("Date: 2023-05-04\n\nNorth Korea test-fired a new missile on May 2, state media said.", date(2023, 5, 2)),
    ("Date: 2019-07-24\n\nNorth Korea fired two missiles early Thursday, officials said.", date(2019, 7, 25)),
])
def test_launch_dates_anchored_on_the_article(text, expected):
    assert read(text).date.value == expected


def test_background_launch_gives_no_missile_no_overflight():
    x = read("Date: 2023-04-13\n\nNorth Korea launched a ballistic missile on Thursday that flew about 1,000 km. "
             "In 2017, a Hwasong-12 flew over Hokkaido.")
    assert x.missile is None and x.overflight is None
    assert x.range[0].value == 1_000_000.0


@pytest.mark.parametrize("sentence", [
    "Its range may exceed 9,000 km, experts said.",
    "The missile could have a range of over 12,000 kilometers.",
    "Analysts put its potential range at 10,000 km.",
    "If launched on a normal trajectory, it would reach 13,000 km.",
])
def test_capability_figures_are_not_the_range_flown(sentence):
    x = read("North Korea launched a missile that travelled an estimated 870 km, officials said. " + sentence)
    assert [f.value for f in x.range] == [870_000.0]
    assert len(x.capability) == 1 and x.capability[0].extra["kind"] == "capability"


def test_respectively():
    x = read("The flight distance and maximum altitude are presumed approx. 2,500 kilometers and approx. "
             "600 kilometers respectively.")
    assert x.range[0].value == 2_500_000.0 and x.apogee[0].value == 600_000.0


@pytest.mark.parametrize("sentence, seconds", [
    ("The missile would have stayed in the air for some 40 minutes.", 2400.0),
    ("During its 52-minute flight the missile reached 5,000 km in altitude.", 3120.0),
    ("It flew for about a record 71 minutes.", 4260.0),
    ("The missile flew for 70 minutes before falling into the sea.", 4200.0),
    ("弾道ミサイルは約74分間飛翔し、日本海に落下した。", 4440.0),
])
def test_flight_time_phrasings(sentence, seconds):
    x = read(sentence)
    assert x.flight_time and x.flight_time[0].value == seconds


@pytest.mark.parametrize("sentence", [
    "The launch came 20 minutes after the first one.",
    "The missile hovered over the country for about 1 minute.",
    "Officials detected it about 45 minutes ago.",
])
def test_durations_that_are_not_flight_times(sentence):
    assert read(sentence).flight_time == []


@pytest.mark.parametrize("text, expected", [
    ("North Korea fired the missile into the sea from near the capital. It came down in waters some "
     "300 kilometers north of Sado Island.", "300 kilometers north of Sado Island"),
    ("The missile flew 600 km before landing about 200km off the coast.", "200km off the coast"),
    ("The missile was fired from Sunan, falling into the sea west of Okushiri Island.", "west of Okushiri Island"),
    ("It fell outside Japan's exclusive economic zone in the Sea of Japan.", "Sea of Japan"),
])
def test_landing_places(text, expected):
    x = read(text)
    assert x.impact is not None and expected in x.impact.value
    assert "capital" not in x.impact.value and "economic zone" not in x.impact.value


def test_overflight_of_a_peninsula_and_a_cape():
    x = read("The missile passed over the Oshima Peninsula and Cape Erimo of Hokkaido Prefecture toward the Pacific.")
    assert x.overflight.value == ["Hokkaido"]


@pytest.mark.parametrize("text, nation, agency", [
    ("The missile flew 800 km, Yonhap news agency reported.", "South Korea", "Yonhap"),
    ("The missile flew 999.2 km, KCNA said.", "North Korea", "KCNA"),
    ("Defense Minister Hamada said the missile flew 800 km.", "Japan", "Minister of Defense"),
    ("The missile flew 800 km, according to South Korea's Joint Chiefs of Staff.", "South Korea", "Joint Chiefs"),
    ("The missile flew 800 km, U.S. officials said.", "United States", "US"),
    ("防衛省によりますと、ミサイルは約800キロ飛行しました。", "Japan", "Ministry of Defense"),
])
def test_speakers_resolved_to_nation_and_agency(text, nation, agency):
    f = read(text).range[0]
    assert f.attributed_to == nation and agency in f.extra["speaker"]


def test_japanese_report():
    x = read("Date: 2022-10-04\n\n防衛省によりますと、4日午前7時22分ごろ、北朝鮮から弾道ミサイル1発が発射されました。"
             "ミサイルは、青森県の上空を通過しておよそ4600キロ飛行し、最高高度約1000キロで、東北地方の東およそ3200キロの"
             "日本のEEZ=排他的経済水域の外側の太平洋に落下したとみられています。")
    assert x.language == "ja" and x.date.value == date(2022, 10, 4) and x.launch_time.value == "07:22"
    assert x.range[0].value == 4_600_000.0 and x.apogee[0].value == 1_000_000.0
    assert x.eez.value == "outside" and x.overflight.value == ["Aomori"]
    assert "3200キロ" in x.impact.value and "上空を通過" in x.overflight.evidence
    assert x.range[0].attributed_to == "Japan" and "飛行" in x.range[0].evidence


def test_a_report_with_no_launch_fact():
    x = read("The foreign ministers discussed the situation on the Korean Peninsula and agreed to cooperate.")
    assert not x.has_launch_facts and x.to_dict()["launch_facts"] is False


def test_excerpt_header_and_cut_marks_are_not_report_text():
    from missilewatch.archive.reader.text import split_header

    text = ("Title: T\nOutlet: O\nURL: https://example.org/a\nDate: 2023-03-05\n"
            "Excerpt: quoted for evaluation; the full text is at the URL above, copyright of the outlet.\n\n"
            "[...]\n\nNorth Korea fired a missile on Sunday that flew 600 km, Japan's Defense Ministry said."
            "\n\n[...]\n")
    header, body = split_header(text)
    assert header["date"] == "2023-03-05" and header["excerpt"].startswith("quoted for evaluation")
    assert "Excerpt" not in body
    x = read(text)
    assert x.date.value == date(2023, 3, 5)
    assert x.range[0].value == 600e3 and x.range[0].attributed_to == "Japan"


@pytest.mark.parametrize("text, expected", [
    ("北朝鮮は15日、弾道ミサイルを発射した。2発は日本のEEZ(=排他的経済水域)の内側に落下したと推定される。", "inside"),
    ("北朝鮮は15日、弾道ミサイルを発射した。ミサイルは日本のEEZの外側に落下したとみられる。", "outside"),
])
def test_japanese_eez_inside_written_no_uchigawa(text, expected):
    assert read(text).eez.value == expected
