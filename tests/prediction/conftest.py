"""Fixtures of the prediction tests: a flown trajectory and the 2022-10-04 scenario tracked."""

from __future__ import annotations

import pytest

from missilewatch.flight import fly, generic_profile


@pytest.fixture(scope="session")
def irbm_flight():
    """A generic IRBM flown east from 40 N, 126 E."""
    return fly(40.0, 126.0, 85.0, generic_profile("IRBM").with_(kick_deg=12.0))


@pytest.fixture(scope="session")
def aomori_tracked():
    from missilewatch.scenarios import builtin, simulate
    from missilewatch.tracking import Tracker, from_stream, scans

    r = simulate(builtin("2022-10-04"))
    tr = Tracker()
    events = []
    for scan in scans(from_stream(r.stream)):
        events.extend(tr.process(scan).events)
    return r, events
