"""The GOSPA grid of ``evaluate`` (batched, coasting tracks flown once) against the plain
definition: at every grid second, each confirmed track's latest snapshot predicted with
``KalmanFilter.predict_mean`` and scored with :func:`gospa` (optimal assignment)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from missilewatch.tracking import TrackerConfig
from missilewatch.tracking import metrics_kernels as mk
from missilewatch.tracking.metrics import Truth, evaluate, gospa


def _plain_grid(events, objects, c=20_000.0):
    f = TrackerConfig().make_filter()
    truths = [Truth.of(o) for o in objects]
    t0 = min(min(t.t_s[0] for t in truths), min(e.t_s for e in events))
    t1 = max(max(t.t_s[-1] for t in truths), max(e.t_s for e in events))
    grid = np.arange(math.ceil(t0), t1 + 1e-9, 1.0)
    key = [e.t_s if e.kind == "deleted" else max(e.t_s, e.track.t_s) for e in events]
    order = sorted(range(len(events)), key=lambda i: key[i])
    latest, k, dist = {}, 0, []
    for tg in grid:
        while k < len(order) and key[order[k]] <= tg:
            e = events[order[k]]
            if e.kind == "deleted":
                latest.pop(e.track_id, None)
            elif e.track.confirmed and (e.track_id not in latest or e.track.state.t_s >= latest[e.track_id].state.t_s):
                latest[e.track_id] = e.track
            k += 1
        est = np.array([f.predict_mean(latest[i].state, tg)[:3] for i in sorted(latest)]).reshape(-1, 3)
        X = np.array([t.state_at(tg, with_velocity=False)[:3] for t in truths if t.alive(tg)]).reshape(-1, 3)
        dist.append(gospa(X, est, c).distance)
    return grid, np.array(dist)


@pytest.mark.parametrize("run", ["aomori_run", "salvo_run"])
def test_gospa_grid_equals_the_plain_definition(run, request):
    r, _tr, events = request.getfixturevalue(run)
    ev = evaluate(events, r.objects)
    grid, dist = _plain_grid(events, r.objects)
    assert np.array_equal(ev.gospa_t_s, grid)
    np.testing.assert_allclose(ev.gospa_m, dist, rtol=1e-12, atol=1e-9)
    assert ev.gospa_m.max() > 0.0


def test_coasting_rows_equal_one_shot_predictions(aomori_run):
    """One snapshot predicted to 0..900 s (through re-entry, where the sub-steps shorten), rows
    in any snapshot order: each row equals ``predict_mean`` from the snapshot, to the bit."""
    _r, _tr, events = aomori_run
    f = TrackerConfig().make_filter()
    snaps = [e.track for e in events if e.kind == "updated" and e.track.confirmed]
    picks = [snaps[len(snaps) // 3], snaps[len(snaps) // 2]]
    X = np.array([s.state.x for s in picks])
    dts = np.concatenate([[0.0, 0.3], np.arange(1.0, 900.0, 1.0), [900.0 + 1e-10, 950.5]])
    rows = np.repeat(np.arange(2), dts.size)
    t = np.array([picks[r].state.t_s for r in rows]) + np.tile(dts, 2)
    dt = t - np.array([picks[r].state.t_s for r in rows])  # as evaluate and predict_mean take it
    out = np.empty((rows.size, X.shape[1]))
    mk.predict_means(X, rows, dt, np.full(f.n_models, 1.0 / f.n_models), f.mps, f.tau, out)
    want = np.array([f.predict_mean(picks[r].state, tr) for r, tr in zip(rows, t, strict=True)])
    assert np.array_equal(out, want)
