"""Alert guards: a lost track's alerts stay until its latest possible impact time; alert
identifiers are scoped to a run, so two runs or a restart never repeat one."""

import datetime as dt
from types import SimpleNamespace

import numpy as np

from missilewatch.alerts import AlertBook, AlertKind, RegionNotice, WarningPlan
from missilewatch.pipeline.guards import IMPACT_TIME_SIGMAS, LostTrackGuard, alert_prefix, latest_impact_s

T0 = dt.datetime(2022, 10, 3, 22, 22, tzinfo=dt.UTC)


def plan(regions=("Aomori",), t_s=100.0):
    notices = tuple(RegionNotice(r, "JPN", AlertKind.LAUNCH, T0 + dt.timedelta(seconds=400)) for r in regions)
    return WarningPlan("T1", T0 + dt.timedelta(seconds=t_s), T0, notices, False, False, "high seas")


def log_with(t_impact=1300.0, sigma=10.0, samples=(1290.0, 1330.0, np.nan), regions=("Aomori",)):
    pred = SimpleNamespace(t_impact_s=t_impact, t_impact_sigma_s=sigma, samples_t_impact_s=np.array(samples))
    return SimpleNamespace(track_id=1, predictions=[SimpleNamespace(prediction=pred)],
                           last_plan=plan(regions) if regions is not None else None)


def test_latest_possible_impact_is_the_latest_of_samples_and_sigma_bound():
    assert latest_impact_s(log_with()) == max(1330.0, 1300.0 + IMPACT_TIME_SIGMAS * 10.0)
    assert latest_impact_s(log_with(sigma=1.0)) == 1330.0
    assert latest_impact_s(SimpleNamespace(predictions=[])) is None


def test_a_lost_track_keeps_its_alerts_until_its_latest_impact():
    guard = LostTrackGuard()
    assert guard.hold(log_with(), "impact") is None  # it fell: nothing to hold
    assert guard.hold(log_with(regions=()), "lost: too uncertain") is None  # nobody under alert
    until = guard.hold(log_with(), "lost: too uncertain")
    assert until == 1340.0 and guard.held(1)
    assert guard.due(1000.0) == [] and guard.held(1)
    assert guard.due(1340.0) == [1] and not guard.held(1)


def test_identifiers_are_scoped_to_the_run():
    a, b = AlertBook(alert_prefix()), AlertBook(alert_prefix())
    ida, idb = a.update(plan())[0].identifier, b.update(plan())[0].identifier
    assert ida != idb and ida.endswith("-T1-1") and idb.endswith("-T1-1")
    assert AlertBook(alert_prefix("node7-run42")).update(plan())[0].identifier == "missilewatch-node7-run42-T1-1"
