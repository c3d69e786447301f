"""Gating thresholds against chi-square tables, GNN against brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from missilewatch.errors import InputError
from missilewatch.tracking.association import gate_threshold, gnn


def test_gate_thresholds_match_tables():
    # Published chi-square quantiles (e.g. Abramowitz & Stegun table 26.8).
    assert gate_threshold(2, 0.99) == pytest.approx(9.2103, abs=1e-4)
    assert gate_threshold(3, 0.99) == pytest.approx(11.3449, abs=1e-4)
    assert gate_threshold(4, 0.999) == pytest.approx(18.4668, abs=1e-4)
    with pytest.raises(InputError, match="gate_probability"):
        gate_threshold(3, 1.0)


def _brute_force(d2, cost, thr):
    T, M = d2.shape
    gated = d2 <= thr[None, :]
    best = (0, 0.0, [])
    for k in range(min(T, M), 0, -1):
        for rows in itertools.combinations(range(T), k):
            for cols in itertools.permutations(range(M), k):
                if all(gated[r, c] for r, c in zip(rows, cols, strict=False)):
                    c = sum(cost[r, c] for r, c in zip(rows, cols, strict=False))
                    if (k, -c) > (best[0], -best[1]) or not best[2]:
                        best = (k, c, sorted(zip(rows, cols, strict=False)))
        if best[2]:
            break
    return best[2]


def test_gnn_equals_exhaustive_search():
    rng = np.random.default_rng(2)
    for _ in range(40):
        T, M = rng.integers(1, 5, 2)
        d2 = rng.uniform(0, 20, (T, M))
        cost = d2 + rng.uniform(-3, 3, (T, M))
        thr = np.full(M, 9.0)
        got = sorted(gnn(d2, cost, thr))
        want = _brute_force(d2, cost, thr)
        assert len(got) == len(want)
        assert sum(cost[r, c] for r, c in got) == pytest.approx(sum(cost[r, c] for r, c in want))


def test_gnn_takes_nothing_outside_the_gates():
    d2 = np.array([[20.0, 30.0]])
    assert gnn(d2, d2, np.array([9.0, 9.0])) == []
    assert gnn(np.empty((0, 3)), np.empty((0, 3)), np.ones(3)) == []
