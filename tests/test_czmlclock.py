"""The CZML document clock: interval, current time and a multiplier that plays the flight."""

from __future__ import annotations

import datetime as dt
import json

from czml3 import Document

from missilewatch.czmlclock import document_packet, play_multiplier

T0 = dt.datetime(2022, 10, 3, 22, 22, tzinfo=dt.UTC)


def test_clock_covers_the_interval_and_plays_in_about_a_minute():
    doc = Document(packets=[document_packet("x", T0, T0 + dt.timedelta(seconds=1327))]).dumps()
    clock = json.loads(doc)[0]["clock"]
    assert clock["interval"] == "2022-10-03T22:22:00.000000Z/2022-10-03T22:44:07.000000Z"
    assert clock["currentTime"] == "2022-10-03T22:22:00.000000Z"
    assert clock["multiplier"] == 22.0 and clock["range"] == "LOOP_STOP"


def test_current_time_is_kept_inside_the_interval_and_short_flights_play_at_real_speed():
    late = T0 + dt.timedelta(hours=1)
    clock = json.loads(Document(packets=[document_packet("x", T0, T0 + dt.timedelta(seconds=30), late)]).dumps())[0][
        "clock"]
    assert clock["currentTime"] == "2022-10-03T22:22:30.000000Z" and clock["multiplier"] == 1.0
    assert play_multiplier(0.0) == 1.0 and play_multiplier(6000.0) == 100.0


def test_no_time_no_clock():
    assert "clock" not in json.loads(Document(packets=[document_packet("x", None, None)]).dumps())[0]
