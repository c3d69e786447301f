"""The tracker's parts one by one: association, confirmation, deletion, merging, the
out-of-sequence buffer, the mode chain, initiation, and their settings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from missilewatch.errors import InputError
from missilewatch.tracking import BOOST_PROBABILITY_THRESHOLD, make_state
from missilewatch.tracking.association import GlobalNearestNeighbour, gnn
from missilewatch.tracking.confirmation import ConfirmationSettings, MofNConfirmer
from missilewatch.tracking.deletion import Deleter, DeletionSettings
from missilewatch.tracking.filters import boost_ballistic_imm
from missilewatch.tracking.initiation import InitiationConfig, Initiator
from missilewatch.tracking.merging import Merger, MergeSettings, absorb
from missilewatch.tracking.modes import ModeKeeper, ModeSettings
from missilewatch.tracking.oosm import OutOfSequenceBuffer, OutOfSequenceSettings
from missilewatch.tracking.track_state import CONFIRMED, HistoryEntry, StateArrays, TrackState

KF = boost_ballistic_imm()


def _track(arrays: StateArrays, tid: int, t: float = 0.0, x=None, sensors=("r",)) -> TrackState:
    xs = np.zeros((2, 8))
    xs[:] = make_state([6.4e6, 0, 0], [0, 2000, 0]) if x is None else x
    Ps = np.repeat(np.diag([100.0**2] * 3 + [10.0**2] * 3 + [1.0, 0.0])[None], 2, 0)
    return TrackState(tid, arrays, xs, Ps, np.array([1.0, 0.0]), t, sensors=set(sensors), opportunities=[True],
                      t_report=t, origin=xs[0, :3], launch_detected=False, n_updates=1)


def _reference_gnn(d2, cost, thr):
    """GNN by the Hungarian method on the full matrix (the definition)."""
    gated = np.isfinite(d2) & np.isfinite(cost) & (d2 <= thr[None, :])
    if not gated.any():
        return []
    c = np.where(gated, cost, 0.0)
    c = c - c[gated].min()
    c = np.where(gated, c, 1.0 + 2.0 * c[gated].sum())
    rows, cols = linear_sum_assignment(c)
    return sorted((int(r), int(k)) for r, k in zip(rows, cols, strict=True) if gated[r, k])


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (5, 1), (4, 4), (7, 3), (3, 8)])
def test_gnn_fast_paths_equal_the_hungarian_assignment(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(200):
        d2 = rng.exponential(8.0, shape)
        d2[rng.random(shape) < 0.3] = np.inf
        cost = d2 + rng.normal(0, 1, shape)
        thr = np.full(shape[1], 9.0)
        assert sorted(GlobalNearestNeighbour().associate(d2, cost, thr)) == _reference_gnn(d2, cost, thr)
    assert gnn(np.empty((0, 3)), np.empty((0, 3)), np.ones(3)) == []


def test_m_of_n_confirmation_counts_hits_and_misses():
    a = StateArrays(2)
    c = MofNConfirmer(ConfirmationSettings(m=3, n=4))
    tr = _track(a, 1)
    never_near = lambda *_: False  # noqa: E731
    assert not c.ready(tr, [tr], never_near)  # 1 of 1
    c.missed([tr], "r", 1.0, set())
    c.hit(tr)
    assert not c.ready(tr, [tr], never_near) and c.failed(tr) == ""
    c.missed([tr], "other-sensor", 2.0, set())  # a sensor that never saw it: no opportunity
    assert tr.opportunities == [True, False, True]
    c.hit(tr)
    assert c.ready(tr, [tr], never_near)
    # A confirmed track near it holds the confirmation off.
    other = _track(a, 2)
    other.status = CONFIRMED
    assert not c.ready(tr, [tr, other], lambda *_: True)
    # Two misses out of the first four: it can no longer be confirmed.
    t2 = _track(a, 3)
    c.missed([t2], "r", 1.0, set())
    c.missed([t2], "r", 2.0, set())
    c.missed([t2], "r", 3.0, set())
    assert c.failed(t2) == "not confirmed: fewer than 3 of 4"
    with pytest.raises(InputError, match="confirm_m"):
        ConfirmationSettings(m=5, n=4)


def test_deletion_reasons():
    d = Deleter(DeletionSettings(tentative_timeout_s=8.0, coast_boost_s=30.0, coast_ballistic_s=600.0))
    assert d.coast_reason(True, False, 9.0, "") == "not confirmed: no update"
    assert d.coast_reason(True, False, 1.0, "failed") == "failed"
    assert d.coast_reason(False, True, 31.0, "") == "lost: no update"
    assert d.coast_reason(False, False, 31.0, "") == ""
    assert d.coast_reason(False, False, 601.0, "") == "lost: no update"
    x = make_state([6_378_137.0 - 5_000.0, 0, 0], [0, 0, 0])  # 5 km under the equator
    P = np.diag([1e3**2] * 3 + [1.0] * 3 + [1.0, 0.0])
    assert d.prediction_reason(x, P) == "impact"  # 5 km > 3 x 1 km
    assert d.prediction_reason(x, P * 4) == ""  # 5 km < 3 x 2 km: not certain yet
    high = make_state([6_378_137.0 + 100e3, 0, 0], [0, 0, 0])
    assert d.prediction_reason(high, np.diag([2e5**2] * 3 + [1.0] * 5)) == "lost: too uncertain"
    bounds = np.array([[6_378_137.0 + 100e3, 0, 0, 1e3, 5e3, 1e3],   # high, certain: no test
                       [6_378_137.0 + 100e3, 0, 0, 1e3, 2e5, 1e3],   # too uncertain maybe
                       [6_378_137.0 + 500.0, 0, 0, 1e3, 5e3, 1e3]])  # may be down
    np.testing.assert_array_equal(d.may_fire(bounds), [False, True, True])


def test_merging_keeps_the_confirmed_identity_and_the_better_estimate():
    a = StateArrays(2)
    old = _track(a, 1, t=0.0, sensors=("ir",))
    new = _track(a, 2, t=1.0, sensors=("radar",))
    old.status = CONFIRMED
    new.Ps[:] *= 0.01
    absorb(old, new, trace_keep=3e4, trace_drop=300.0)
    assert old.t == 1.0 and np.allclose(old.Ps, new.Ps) and old.sensors == {"ir", "radar"}
    assert old.n_updates == 2 and old.born_t == 0.0
    # Through the Merger: candidates and distances given; the first of a chain wins.
    m = Merger(MergeSettings())
    tracks = [old, _track(a, 3), _track(a, 4)]
    told = []
    out = m.merge(tracks, lambda trs, dirty, gate: (np.array([[0, 1], [0, 2], [1, 2]]), np.zeros(3)),
                  lambda trs, pairs, times: (np.array([1.0, 50.0, 1.0]), np.ones((3, 2))),
                  lambda k, d: told.append((k.id, d.id)))
    assert told == [(1, 3)] and [t.id for t in out] == [1, 4]
    # Nothing changed since: no pair is tested again.
    out2 = m.merge(out, lambda *a: pytest.fail("tested again"), lambda *a: pytest.fail("tested again"),
                   lambda k, d: None)
    assert out2 == out
    with pytest.raises(InputError, match="merge_probability"):
        MergeSettings(probability=1.0)


def test_out_of_sequence_buffer_reference_and_trim():
    a = StateArrays(2)
    modes = ModeKeeper(ModeSettings(), KF)
    buf = OutOfSequenceBuffer(OutOfSequenceSettings(lag_s=12.0), KF, modes)
    tr = _track(a, 1, t=0.0)
    for t in (2.0, 4.0, 6.0, 15.0):
        tr.history.append(HistoryEntry(t, None, tr.xs.copy(), tr.Ps.copy(), tr.mu.copy()))
    tr.t = 15.0
    assert buf.reference(tr, 4.5).t == 4.0 and buf.reference(tr, 4.0).t == 4.0
    assert buf.reference(tr, 3.5).t == 2.0
    assert buf.reference(tr, 2.9) is None  # older than the lag
    buf.trim(tr)
    assert [e.t for e in tr.history] == [2.0, 4.0, 6.0, 15.0]  # the last one before the cut stays
    with pytest.raises(InputError, match="oosm_lag_s"):
        OutOfSequenceSettings(lag_s=-1.0)


def test_mode_chain_restart_window_and_collapse():
    modes = ModeKeeper(ModeSettings(restart_window_s=60.0, restart_sojourn_s=300.0), KF)
    assert math.isinf(modes.tau_at(100.0, 0.0)[0])  # ballistic for good after the window
    assert modes.tau_at(30.0, 0.0)[0] == 300.0  # within it, a stage may ignite
    mu = np.array([1.0 - 1e-9, 1e-9])
    modes.collapse(mu, modes.tau_at(30.0, 0.0))
    assert mu[1] == 1e-9  # may still turn into boost: kept
    modes.collapse(mu, modes.tau_at(100.0, 0.0))
    assert mu.tolist() == [1.0, 0.0]
    assert modes.boosting(np.array([0.4, 0.6])) and not modes.boosting(np.array([0.6, 0.4]))
    assert modes.boost_probability(np.array([0.3, 0.7])) == 0.7 and BOOST_PROBABILITY_THRESHOLD == 0.5
    assert modes.boost_time(np.array([0.3, 0.7]), 5.0, 1.0) == 5.0
    assert modes.boost_time(np.array([0.7, 0.3]), 5.0, 1.0) == 1.0
    np.testing.assert_allclose(modes.initial_probabilities(0.95), [0.05, 0.95])
    with pytest.raises(InputError, match="restart_window_s"):
        ModeSettings(restart_window_s=math.inf)


def test_initiator_pairs_radar_detections_and_starts_from_infrared(salvo_run):
    from missilewatch.tracking import from_stream

    r, _tr, _events = salvo_run
    ms = [m for m in from_stream(r.stream) if not r.stream.false_alarm[m.seq]]
    radar = [m for m in ms if m.is_radar]
    ir = [m for m in ms if m.is_infrared]
    init = Initiator(InitiationConfig())
    assert init.initiate(radar[0], radar[0].t_s) is None and len(init.pool) == 1 and not init.unusable
    partner = next(m for m in radar[1:] if m.sensor_id == radar[0].sensor_id and m.t_s > radar[0].t_s + 0.5)
    start = init.initiate(partner, partner.t_s)
    assert start is not None and start.opportunities == (True, True) and not start.launch_detected
    assert start.p_boost == InitiationConfig().radar_boost_probability and init.pool == []
    s2 = init.initiate(ir[0], ir[0].t_s)
    assert s2 is not None and s2.launch_detected and s2.p_boost == 0.95 and s2.opportunities == (True,)
    with pytest.raises(InputError, match="radar_boost_probability"):
        InitiationConfig(radar_boost_probability=1.5)


def test_state_arrays_grow_and_keep_the_views():
    a = StateArrays(2, capacity=2)
    tracks = [_track(a, k) for k in range(1, 6)]
    for k, tr in enumerate(tracks):
        tr.xs[0, 0] = k
        tr.t = float(k)
    assert a.t.size >= 5
    for k, tr in enumerate(tracks):
        assert tr.xs[0, 0] == k and a.xs[tr.slot, 0, 0] == k and tr.t == k
    tracks[0].release()
    assert tracks[0].xs[0, 0] == 0 and tracks[0].t == 0.0
    new = _track(a, 9)
    assert new.slot == tracks[0].slot  # the freed slot is reused


def test_compiled_reprocessing_equals_the_step_by_step_filter():
    """The out-of-sequence buffer's compiled refilter (one loop) gives, bit for bit, what one
    filter cycle, the last boosting time and the model collapse per measurement give, through
    the end of boost (the IMM drops the boost model)."""
    from missilewatch.scenarios import builtin, simulate
    from missilewatch.tracking import from_stream
    from missilewatch.tracking.initiation import seed, two_point

    r = simulate(builtin("boost-failure"))
    ms = sorted((m for m in from_stream(r.stream) if not r.stream.false_alarm[m.seq] and m.is_radar),
                key=lambda m: m.t_s)
    start = two_point(seed(ms[0]), seed(next(m for m in ms if m.t_s - ms[0].t_s >= 1.0)), InitiationConfig())
    assert start is not None
    modes = ModeKeeper(ModeSettings(), KF)
    est = KF.estimate(start, modes.initial_probabilities(0.6))
    later = [m for m in ms if m.t_s > start.t_s][:400]
    base = HistoryEntry(start.t_s, None, est.xs, est.Ps, est.mu, math.nan, start.t_s)
    new, t, lb, dof = OutOfSequenceBuffer(OutOfSequenceSettings(), KF, modes)._refilter(base, later)
    xs, Ps, mu = est.xs.copy(), est.Ps.copy(), est.mu.copy()
    t_ref, lb_ref = start.t_s, start.t_s
    dropped = False
    for m, e in zip(later, new, strict=True):
        nis, d = KF.update_arrays(xs, Ps, mu, m.t_s - t_ref, m, modes.tau_at(t_ref, lb_ref))
        t_ref = m.t_s
        lb_ref = modes.boost_time(mu, t_ref, lb_ref)
        modes.collapse(mu, modes.tau_at(t_ref, lb_ref))
        dropped = dropped or mu[1] == 0.0
        assert (e.t, e.nis, e.last_boost_t) == (t_ref, nis, lb_ref)
        assert np.array_equal(e.xs, xs) and np.array_equal(e.Ps, Ps) and np.array_equal(e.mu, mu)
    assert (t, lb, dof) == (t_ref, lb_ref, later[0].dim)
    assert dropped  # the collapse was exercised


def test_too_uncertain_by_trace_agrees_with_the_largest_eigenvalue():
    """The trace shortcut of the deletion's uncertainty test gives the eigenvalue test's answer
    on covariances around the limit (elongated and round ones)."""
    d = Deleter(DeletionSettings(max_position_sigma_m=1000.0))
    rng = np.random.default_rng(7)
    for _ in range(2000):
        A = rng.normal(size=(3, 3)) * rng.uniform(0.1, 1.0, 3)
        P = np.zeros((8, 8))
        P[:3, :3] = A @ A.T * (1000.0**2 * rng.uniform(0.2, 3.0) / np.trace(A @ A.T))
        want = math.sqrt(max(np.linalg.eigvalsh(P[:3, :3]).max(), 0.0)) > 1000.0
        assert d.too_uncertain(P) == want
