"""The cheap bounds that let gating, merging and deletion skip full predictions: they must hold
every exact prediction (means inside the sphere, largest position sigma under the bound,
heights above the lowest height), and gating with them must give what gating without them
gives, pair by pair."""

from __future__ import annotations

import math

import numpy as np
import pytest

from missilewatch.earth.kernels import geodetic_height
from missilewatch.tracking import Tracker, from_stream, scans
from missilewatch.tracking import bound_kernels as bk
from missilewatch.tracking import imm_kernels as ik
from missilewatch.tracking.filters import ScanArrays, boost_ballistic_imm
from missilewatch.tracking.gating import GateSettings
from missilewatch.tracking.tracker import TrackerConfig


@pytest.fixture(scope="module", params=["salvo", "aomori"])
def estimates(request, salvo_run, aomori_run):
    """(xs, Ps, mu, t, last_boost_t) of the tracks of the salvo (SRBMs: boost, low flight,
    re-entry) and of 2022-10-04 (an IRBM: boost, long coast, staging) at many updates."""
    r, _tr, _events = salvo_run if request.param == "salvo" else aomori_run
    tr = Tracker()
    out = []
    for k, scan in enumerate(scans(from_stream(r.stream))):
        tr.process(scan)
        if k % 11 == 0:
            for t in tr._tracks:
                out.append((t.xs.copy(), t.Ps.copy(), t.mu.copy(), t.t, t.last_boost_t))
    return tr, out


@pytest.mark.parametrize("dt", [0.3, 2.0, 10.0, 60.0, 120.0])
def test_motion_bound_holds_the_exact_predictions(estimates, dt):
    tr, states = estimates
    f, modes = tr.filter, tr.modes
    assert len(states) > 150
    bounded = 0
    for xs, Ps, mu, t, lb in states:
        tau = modes.tau_at(t, lb)
        x, P = f.predict_arrays(xs, Ps, mu, dt, tau)
        b = f.bound(xs, Ps, mu, dt, tau)  # the moment-matched mixture
        if b[bk.B_SIGMA] > 0:
            bounded += 1
            assert np.linalg.norm(x[:3] - b[:3]) <= b[bk.B_RADIUS]
            assert math.sqrt(np.linalg.eigvalsh(P[:3, :3]).max()) <= b[bk.B_SIGMA]
            assert geodetic_height(*x[:3]) >= bk.lowest_height(b)
        # Each model as the gate sees it (mixed, predicted), with its probability floor.
        gb = f.bound(xs, Ps, mu, dt, tau, 0.01)
        if gb[bk.B_SIGMA] < 0:
            continue
        X, PP, cbar = xs.copy(), Ps.copy(), np.empty(mu.size)
        ik.imm_predict(X, PP, mu, dt, tau, f.mps, False, f.ukf_params, cbar)
        jbest = int(np.argmax(cbar))
        for j in range(mu.size):
            if cbar[j] >= 0.01 or j == jbest:
                assert np.linalg.norm(X[j, :3] - gb[:3]) <= gb[bk.B_RADIUS]
                assert math.sqrt(np.linalg.eigvalsh(PP[j, :3, :3]).max()) <= gb[bk.B_SIGMA]
    if dt <= 10.0:  # over longer intervals a thrust model that may ignite is not bounded
        assert bounded > 0.5 * len(states)


def test_bound_is_tight_enough_to_help(estimates):
    """Over a second, the bound is within a few times the exact sigma."""
    tr, states = estimates
    ratios = []
    for xs, Ps, mu, t, lb in states:
        tau = tr.modes.tau_at(t, lb)
        x, P = tr.filter.predict_arrays(xs, Ps, mu, 1.0, tau)
        b = tr.filter.bound(xs, Ps, mu, 1.0, tau)
        ratios.append(b[bk.B_SIGMA] / math.sqrt(np.linalg.eigvalsh(P[:3, :3]).max()))
    assert np.median(ratios) < 5.0


def test_no_bound_beyond_its_interval():
    f = boost_ballistic_imm()
    xs = np.zeros((2, 8))
    xs[:, 0] = 6.5e6
    Ps = np.repeat(np.eye(8)[None], 2, 0)
    b = f.bound(xs, Ps, np.array([1.0, 0.0]), bk.MAX_BOUND_DT_S + 1.0, f.tau)
    assert b[bk.B_SIGMA] < 0 and not bk.apart(b, b, 1.0)


def test_gating_with_the_bound_equals_gating_without(salvo_run):
    """Same distances for every pair that passes; the bound only removes pairs outside."""
    r, _tr, _events = salvo_run
    with_bound = Tracker()
    without = Tracker(TrackerConfig(gating=GateSettings(use_bound=False)))
    n_pairs = n_cut = 0
    for k, scan in enumerate(scans(from_stream(r.stream))):
        if k % 3 == 0 and with_bound._tracks:
            a = with_bound.arrays
            rows = with_bound._rows()
            thr = with_bound.gate.thresholds(scan)
            args = (a.xs, a.Ps, a.mu, a.t, a.last_boost_t, with_bound.modes.chain, rows, scan[0].t_s,
                    ScanArrays.of(scan), thr, 0.01)
            g1 = with_bound.filter.gate(*args, use_bound=True)
            g0 = with_bound.filter.gate(*args, use_bound=False)
            ok0 = g0.d2 <= thr[None, :]
            ok1 = g1.d2 <= thr[None, :]
            np.testing.assert_array_equal(ok0, ok1)
            np.testing.assert_array_equal(g1.d2[ok1], g0.d2[ok0])
            n_pairs += g0.d2.size
            n_cut += int(np.isinf(g1.d2).sum() - np.isinf(g0.d2).sum())
        with_bound.process(scan)
        without.process(scan)
    assert n_cut > 0.5 * n_pairs  # most pairs never need a prediction
    assert [t.track_id for t in with_bound.tracks] == [t.track_id for t in without.tracks]
    for a, b in zip(with_bound.tracks, without.tracks, strict=True):
        np.testing.assert_array_equal(a.state.x, b.state.x)
