"""Consistency of the watch's tracker (NEES against truth), with its ballistic acceleration
noise tuned on scenarios other than those the consistency checks use."""

from __future__ import annotations

import numpy as np
import pytest

from missilewatch.pipeline.watch import WATCH_BALLISTIC_Q_ACC
from missilewatch.scenarios import builtin, simulate
from missilewatch.tracking import Tracker, TrackerConfig, ballistic_model, from_stream
from missilewatch.tracking.metrics import chi2_interval, evaluate

TUNING = ("2017-08-29", "2017-11-29", "land-impact-akita")


def _mean_nees(name: str, q_acc: float) -> tuple[float, int]:
    r = simulate(builtin(name))
    tr = Tracker(TrackerConfig(ballistic=ballistic_model(q_acc=q_acc)))
    events = []
    for m in from_stream(r.stream):  # one at a time, as the watch feeds it
        events.extend(tr.process(m).events)
    ev = evaluate(events, r.objects)
    return ev.mean_nees, len(ev.updates)


@pytest.mark.slow
def test_ballistic_noise_is_tuned_on_other_scenarios():
    """Over the tuning scenarios the time-averaged NEES averages 6 (its 6 dof) within 0.3;
    a tenth of the noise is clearly over-confident there."""
    means = [_mean_nees(n, WATCH_BALLISTIC_Q_ACC)[0] for n in TUNING]
    assert abs(np.mean(means) - 6.0) < 0.3, means
    assert _mean_nees("2017-11-29", WATCH_BALLISTIC_Q_ACC / 10.0)[0] > 8.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["2017-09-15", "2022-10-04"])
def test_nees_inside_its_bounds_on_an_untuned_flight(name):
    """Flights not used for tuning, inside the 95 % bounds of their time-averaged NEES:
    2017-09-15 (an IRBM over Hokkaido; 6.12 in [5.83, 6.17]) and 2022-10-04 (an IRBM over
    Aomori; 5.99 in [5.81, 6.19]). 2022-11-18 (6.64, 0.48 above [5.84, 6.16]: the velocity is
    over-confident in the long exo-atmospheric descent of the lofted ICBM) and the salvo (4.94,
    0.96 below [5.90, 6.10]: the velocity is under-confident inside the atmosphere, with or
    without its false alarms) miss theirs, as measured."""
    mean, n = _mean_nees(name, WATCH_BALLISTIC_Q_ACC)
    lo, hi = chi2_interval(6, n)
    assert n > 1000 and lo <= mean <= hi, (mean, lo, hi)
