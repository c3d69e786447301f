"""Metrics against hand-worked examples, Stone Soup's GOSPA and chi-square tables."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from missilewatch.errors import InputError
from missilewatch.tracking.metrics import chi2_interval, gospa, nees, rmse


def test_gospa_hand_worked_examples():
    # One pair 5 apart (3-4-5), c = 10, p = 2: distance 5.
    g = gospa([[0.0, 0.0]], [[3.0, 4.0]], c=10.0)
    assert g.distance == pytest.approx(5.0) and g.n_missed == 0 and g.n_false == 0
    # Nothing estimated: one miss costs c^p / 2, distance c / sqrt(2).
    g = gospa([[0.0, 0.0]], np.empty((0, 2)), c=10.0)
    assert g.distance == pytest.approx(10.0 / math.sqrt(2.0)) and g.n_missed == 1
    # A pair farther than c is one miss and one false: (c^p/2 * 2)^(1/p) = c.
    g = gospa([[0.0, 0.0]], [[50.0, 0.0]], c=10.0)
    assert g.distance == pytest.approx(10.0) and g.n_missed == 1 and g.n_false == 1
    # Two truths, three estimates: pairs (0,0) at 1 and (1,1) at 2, one false:
    # (1 + 4 + 100/2)^(1/2) = sqrt(55).
    g = gospa([[0.0, 0.0], [10.0, 0.0]], [[1.0, 0.0], [10.0, 2.0], [40.0, 40.0]], c=10.0)
    assert g.distance == pytest.approx(math.sqrt(55.0))
    assert g.localisation == pytest.approx(5.0) and g.n_false == 1 and sorted(g.pairs) == [(0, 0), (1, 1)]
    # p = 1: 1 + 2 + 10/2 = 8.
    g = gospa([[0.0, 0.0], [10.0, 0.0]], [[1.0, 0.0], [10.0, 2.0], [40.0, 40.0]], c=10.0, p=1.0)
    assert g.distance == pytest.approx(8.0)
    assert gospa(np.empty((0, 3)), np.empty((0, 3)), c=1.0).distance == 0.0


def test_gospa_matches_stonesoup():
    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.ospametric import GOSPAMetric
    from stonesoup.types.state import State

    rng = np.random.default_rng(3)
    t = dt.datetime(2022, 10, 4)
    for c, p in ((5_000.0, 2.0), (20_000.0, 1.0), (1_000.0, 3.0)):
        metric = GOSPAMetric(c=c, p=p, measure=Euclidean())
        for _ in range(20):
            n, m = rng.integers(0, 7, 2)
            if n + m == 0:
                continue  # Stone Soup needs a state to read the time from
            X = rng.uniform(-20_000, 20_000, (n, 3))
            Y = rng.uniform(-20_000, 20_000, (m, 3))
            ref, _ = metric.compute_gospa_metric(
                [State(y[:, None], timestamp=t) for y in Y], [State(x[:, None], timestamp=t) for x in X])
            ours = gospa(X, Y, c=c, p=p)
            assert ours.distance == pytest.approx(float(ref.value["distance"]), rel=1e-9, abs=1e-9)
            assert ours.localisation == pytest.approx(float(ref.value["localisation"]), rel=1e-9, abs=1e-9)
            assert ours.missed * c**p / 2 == pytest.approx(float(ref.value["missed"]), abs=1e-6)
            assert ours.false * c**p / 2 == pytest.approx(float(ref.value["false"]), abs=1e-6)


def test_chi_square_interval_against_tables():
    # Single NEES, 6 dof: chi2.ppf(0.025, 6) = 1.2373, chi2.ppf(0.975, 6) = 14.4494.
    assert chi2_interval(6) == pytest.approx((1.2373, 14.4494), abs=1e-4)
    # Average of 50 runs of 4 dof: chi2(200) quantiles 162.728 and 241.058 divided by 50.
    assert chi2_interval(4, 50) == pytest.approx((3.2546, 4.8212), abs=1e-3)
    with pytest.raises(InputError, match="dof"):
        chi2_interval(0)
    with pytest.raises(InputError, match="probability"):
        chi2_interval(2, 1, 1.5)


def test_nees_and_rmse_closed_form():
    assert nees(np.array([[1.0, 0.0]]), np.diag([4.0, 1.0])[None], np.zeros((1, 2)))[0] == pytest.approx(0.25)
    e = np.array([[3.0, 4.0], [0.0, 0.0]])
    assert rmse(e) == pytest.approx(math.sqrt(12.5))
    with pytest.raises(InputError):
        gospa([[0.0]], [[1.0]], c=0.0)
