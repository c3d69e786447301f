"""A partner's view of stored events under a delay: what the delay still holds is neither shown
nor skipped (paging and the snapshot's number stop before it)."""

from __future__ import annotations

import datetime as dt

from missilewatch.service.routes_events import _released


def test_released_stops_before_the_first_held_event():
    now = dt.datetime.now(dt.UTC)
    events = [{"number": n, "kind": "prediction"} for n in range(1, 7)]
    release = {1: now - dt.timedelta(seconds=5), 2: None, 3: now - dt.timedelta(seconds=1),
               4: now + dt.timedelta(seconds=30), 5: now - dt.timedelta(seconds=9), 6: None}

    def view(ev):
        r = release[ev["number"]]
        return None if r is None else (ev | {"shown": True}, r)

    shown, held = _released(view, events)
    assert [e["number"] for e in shown] == [1, 3] and all(e["shown"] for e in shown)
    assert held == 3  # resume after 3: event 4 comes once its delay is over, 5 after it
    shown, held = _released(view, events[4:])
    assert [e["number"] for e in shown] == [5] and held is None
