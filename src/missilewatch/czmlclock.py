"""The document packet of a CZML file with a clock, so that a viewer (Cesium) opens on the data
and plays it: the interval the data covers, the current time at the start of the flight to show
first, and a multiplier that plays a flight in about a minute."""

from __future__ import annotations

import datetime as dt

#: Seconds of screen time a flight of any length plays in (the multiplier is rounded).
PLAY_S = 60.0


def play_multiplier(duration_s: float) -> float:
    """A whole-number multiplier that plays ``duration_s`` in about :data:`PLAY_S` (at least 1)."""
    return float(max(1, round(duration_s / PLAY_S)))


def document_packet(name: str, start: dt.datetime | None, end: dt.datetime | None,
                    current: dt.datetime | None = None, multiplier: float | None = None):
    """The CZML preamble (czml3 ``Packet``) named ``name``; with a clock over [start, end]
    (UTC, timezone-aware) at ``current`` (default: ``start``) when both ends are known."""
    from czml3 import Packet
    from czml3.properties import Clock, ClockRanges, ClockSteps
    from czml3.types import TimeInterval

    if start is None or end is None:
        return Packet(id="document", name=name, version="1.0")
    if end <= start:
        end = start + dt.timedelta(seconds=1)
    current = min(max(current or start, start), end)
    mult = multiplier if multiplier is not None else play_multiplier((end - current).total_seconds())
    clock = Clock(interval=TimeInterval(start=start, end=end), currentTime=current, multiplier=mult,
                  range=ClockRanges.LOOP_STOP, step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER)
    return Packet(id="document", name=name, version="1.0", clock=clock)
