"""Alert lifecycle, plain text (English, Japanese J-Alert wording) and CAP 1.2 validity."""

from datetime import UTC, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest
from capvalidator import validate_cap_message

from missilewatch.alerts import AlertBook, AlertKind, MsgType, RegionNotice, WarningPlan
from missilewatch.alerts.cap import CAP_NS, cap_polygon, cap_time, render_cap
from missilewatch.alerts.text import render_text
from missilewatch.errors import InputError

UTC = UTC
LAUNCH = datetime(2022, 10, 3, 22, 22, tzinfo=UTC)  # 07:22 JST, 4 Oct 2022
AOMORI = ((40.2, 139.9), (41.6, 139.9), (41.6, 141.7), (40.2, 141.7))
NS = {"cap": CAP_NS}


def plan(t_s, regions, final=False, threat=False, impact="about 3,180 km east of Kamaishi, high seas"):
    return WarningPlan(
        launch_id="2022-10-04 Mupyong-ni #1", made_at=LAUNCH + timedelta(seconds=t_s),
        launch_time=LAUNCH, regions=tuple(regions), threat_of_damage=threat,
        intercept_recommended=threat, impact_text=impact, reasons=("no threat of damage predicted",),
        final=final, impact_lat_deg=33.7, impact_lon_deg=177.2,
    )


def aomori(t_entry_s, kind=AlertKind.LAUNCH):
    return RegionNotice("Aomori", "JPN", kind, LAUNCH + timedelta(seconds=t_entry_s), AOMORI)


def test_issue_update_close_for_an_overflight():
    book = AlertBook()
    assert book.update(plan(60, [])) == []  # nothing to warn: no message
    first = book.update(plan(90, [aomori(400)]))
    assert [m.msg_type for m in first] == [MsgType.ALERT]
    assert book.update(plan(100, [aomori(410)])) == []  # 10 s shift: no churn
    upd = book.update(plan(120, [aomori(460)]))
    assert upd[0].msg_type == MsgType.UPDATE and upd[0].references[0][0] == first[0].identifier
    final = book.update(plan(1400, [aomori(460)], final=True))
    assert final[0].passed_regions == ("Aomori",)
    assert book.update(plan(1500, [aomori(460)])) == []  # closed
    en = render_text(final[0], "en")
    ja = render_text(final[0], "ja")
    assert "Missile passed" in en and "Aomori" in en
    assert ja.startswith("ミサイル通過。ミサイル通過。") and "青森県" in ja


def test_cancellation_says_why_like_hokkaido_2023():
    book = AlertBook()
    hokkaido = RegionNotice("Hokkaido", "JPN", AlertKind.IMPACT, LAUNCH + timedelta(seconds=600))
    book.update(plan(100, [hokkaido], threat=True))
    msgs = book.update(plan(200, [], impact="about 200 km west of Oshima-Oshima, inside Japan's EEZ"))
    assert msgs[0].msg_type == MsgType.CANCEL
    assert msgs[0].cancelled_regions[0][0] == "Hokkaido"
    en = render_text(msgs[0], "en")
    assert "withdrawn" in en and "Oshima-Oshima" in en
    assert "北海道周辺に落下する可能性" in render_text(msgs[0], "ja")
    assert book.active_regions("2022-10-04 Mupyong-ni #1") == []


def test_impact_warning_wording():
    book = AlertBook()
    m = book.update(plan(100, [aomori(600, AlertKind.IMPACT)], threat=True))[0]
    assert render_text(m, "ja").startswith("直ちに避難。直ちに避難。")
    assert "Take shelter immediately" in render_text(m, "en")
    assert "07:32 JST" in render_text(m, "en")


@pytest.mark.parametrize("stage", ["alert", "update", "cancel", "final"])
def test_cap_messages_validate_against_the_oasis_schema(stage):
    book = AlertBook()
    msgs = book.update(plan(90, [aomori(400)]))
    if stage == "update":
        msgs = book.update(plan(150, [aomori(480)]))
    elif stage == "cancel":
        msgs = book.update(plan(150, []))
    elif stage == "final":
        msgs = book.update(plan(1400, [aomori(400)], final=True))
    xml = render_cap(msgs[0])
    result = validate_cap_message(xml.encode(), strict=False)
    assert result.passed, result.message
    root = ET.fromstring(xml)
    sent = root.find("cap:sent", NS).text
    assert sent.endswith("-00:00") and "T" in sent
    infos = root.findall("cap:info", NS)
    assert [i.find("cap:language", NS).text for i in infos] == ["en-US", "ja-JP"]
    for poly in root.iter(f"{{{CAP_NS}}}polygon"):
        pts = poly.text.split()
        assert pts[0] == pts[-1] and len(pts) >= 4
        lat, lon = map(float, pts[1].split(","))
        assert 40 < lat < 42 and 139 < lon < 142  # latitude first


def test_cap_helpers():
    assert cap_time(datetime(2022, 10, 4, 7, 29, 5, 600000, tzinfo=timezone(timedelta(hours=9)))) == \
        "2022-10-03T22:29:05-00:00"
    assert cap_polygon([(1, 2), (3, 4), (5, 6)]).split()[-1] == "1.0000,2.0000"


def test_bad_input_names_the_field():
    with pytest.raises(InputError, match="time_utc"):
        RegionNotice("Aomori", "JPN", AlertKind.LAUNCH, datetime(2022, 10, 4, 7, 29))
    with pytest.raises(InputError, match="polygon"):
        RegionNotice("Aomori", "JPN", AlertKind.LAUNCH, LAUNCH, ((95.0, 140.0),))
    with pytest.raises(InputError, match="regions"):
        plan(10, [aomori(400), aomori(500)])
    with pytest.raises(InputError, match="lang"):
        render_text(AlertBook().update(plan(90, [aomori(400)]))[0], "fr")
