"""Closing messages name only the regions flown over; regions warned for the flight corridor get
their own all-clear (English and Japanese). The 4 October 2022 case: over Aomori, with
Hokkaido, Akita and Iwate warned as near the flight path."""

from datetime import UTC, datetime, timedelta

from missilewatch.alerts import AlertBook, AlertKind, RegionNotice, WarningPlan
from missilewatch.alerts.text import render_text

LAUNCH = datetime(2022, 10, 3, 22, 22, tzinfo=UTC)


def plan(t_s, regions, final=False):
    return WarningPlan(
        launch_id="T1", made_at=LAUNCH + timedelta(seconds=t_s), launch_time=LAUNCH, regions=tuple(regions),
        threat_of_damage=False, intercept_recommended=False, impact_text="about 3,200 km east of Cape Erimo, high seas",
        final=final, impact_lat_deg=33.7, impact_lon_deg=177.2,
    )


def notices(aomori_overflown=True):
    def n(name, t, overflown):
        return RegionNotice(name, "JPN", AlertKind.LAUNCH, LAUNCH + timedelta(seconds=t), overflown=overflown)

    return [n("Hokkaido", 379, False), n("Aomori", 402, aomori_overflown), n("Akita", 405, False),
            n("Iwate", 424, False)]


def closing(aomori_overflown=True):
    book = AlertBook()
    book.update(plan(130, notices(aomori_overflown)))
    return book.update(plan(1336, notices(aomori_overflown), final=True))[0]


def test_passed_names_only_the_regions_flown_over():
    msg = closing()
    assert msg.passed_regions == ("Aomori",)
    en, ja = render_text(msg, "en"), render_text(msg, "ja")
    passed = en.split(". It is estimated")[0]
    assert "passed over Aomori" in passed and not any(r in passed for r in ("Hokkaido", "Akita", "Iwate"))
    assert "All clear for Hokkaido, Akita and Iwate: the missile passed near but not over them" in en
    assert "先程、青森県の上空をミサイルが通過した模様です" in ja
    assert "北海道、秋田県、岩手県については、ミサイルは付近を通過しましたが上空は通過しなかった模様です" in ja
    assert "北海道" not in ja.split("。")[2]  # the passed sentence names Aomori alone


def test_corridor_only_flight_gets_the_all_clear_and_no_passed_message():
    msg = closing(aomori_overflown=False)
    assert msg.passed_regions == ()
    en, ja = render_text(msg, "en"), render_text(msg, "ja")
    assert "Missile passed" not in en and en.startswith("The missile is estimated to have fallen")
    assert "All clear for Hokkaido, Aomori, Akita and Iwate" in en
    assert "ミサイル通過" not in ja and "青森県" in ja and "上空は通過しなかった" in ja


def test_notices_default_to_overflown_for_other_callers():
    n = RegionNotice("Aomori", "JPN", AlertKind.LAUNCH, LAUNCH)
    assert n.overflown
