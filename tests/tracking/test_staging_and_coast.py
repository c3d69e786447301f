"""Two-stage lofted ICBMs: the track survives staging (the IMM goes back from ballistic to
boost when the second stage lights) and the hour-long coast out of every radar's sight (a
ballistic track coasts to its predicted impact and re-entry detections fall in its gate).
Plus the pieces: the ignition prior of the IMM mixing, the unit-independent Cholesky, the
deletion rules of a coasting track, bad settings."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from scipy.stats import chi2

from missilewatch.errors import InputError
from missilewatch.tracking import Tracker, TrackerConfig, from_stream, scans
from missilewatch.tracking import dynamics_kernels as dk
from missilewatch.tracking import imm_kernels as ik
from missilewatch.tracking import linalg_kernels as lk
from missilewatch.tracking.deletion import DeletionSettings
from missilewatch.tracking.filters import boost_ballistic_imm
from missilewatch.tracking.metrics import Truth, evaluate
from missilewatch.tracking.modes import ModeSettings


def _track(r, config: TrackerConfig | None = None, t_max: float = math.inf):
    tr = Tracker(config)
    events = []
    for scan in scans([m for m in from_stream(r.stream) if m.t_s <= t_max]):
        events.extend(tr.process(scan).events)
    return tr, events


@pytest.fixture(scope="module")
def icbm_sim():
    from missilewatch.scenarios import builtin, simulate

    return simulate(builtin("2022-11-18"))


@pytest.fixture(scope="module")
def icbm_run(icbm_sim):
    tr, events = _track(icbm_sim)
    return icbm_sim, tr, events


@pytest.fixture(scope="module")
def icbm_2017_run():
    from missilewatch.scenarios import builtin, simulate

    r = simulate(builtin("2017-11-29"))
    tr, events = _track(r)
    return r, tr, events


@pytest.mark.parametrize("run", ["icbm_run", "icbm_2017_run"])
def test_lofted_icbm_is_one_track(run, request):
    r, _tr, events = request.getfixturevalue(run)
    ev = evaluate(events, r.objects)
    confirmed = {e.track_id for e in events if e.kind == "confirmed"}
    assert len(confirmed) == 1
    assert ev.false_tracks == () and ev.tracks_per_object == {"M1": tuple(confirmed)}
    assert ev.swaps == 0 and ev.breaks == 0
    # No confirmed track was lost or merged away on the way.
    assert not [e for e in events if e.kind == "deleted" and e.track_id in confirmed]
    # The one track holds the boost (from the infrared launch detection) and the re-entry.
    ups = np.array([e.t_s for e in events if e.kind == "updated" and e.track_id in confirmed])
    la = r.launches[0]
    assert ups[0] - la.t_launch_s < 60.0
    assert la.trajectory.t_s[-1] - ups[-1] < 30.0
    # Consistent through staging and the coast: NEES inside its 95 % interval ~95 % of the
    # time, NIS ~ its degrees of freedom.
    assert 0.85 <= ev.nees_fraction_inside() <= 0.99
    assert 0.85 <= ev.mean_normalised_nis <= 1.15


def test_second_stage_is_tracked_as_boost(icbm_run):
    """Stage 1 burns out at ~119 s (acceleration ~80 -> ~16 m/s^2); the second stage burns to
    ~262 s. The IMM may call the staging ballistic for a moment, and must come back."""
    r, _tr, events = icbm_run
    prof = r.launches[0].profile
    t_stage = r.launches[0].t_launch_s + prof.stages[0].burn_s
    t_burnout = float(r.launches[0].trajectory.burnout[0])
    assert t_burnout - t_stage > 100.0
    ups = [e for e in events if e.kind == "updated" and e.track.confirmed]
    t = np.array([e.t_s for e in ups])
    pb = np.array([e.track.boost_probability for e in ups])
    second = (t > t_stage + 20.0) & (t < t_burnout - 5.0)
    assert second.sum() > 100
    assert np.median(pb[second]) > 0.9 and np.mean(pb[second] > 0.5) > 0.9
    # After the burnout and the restart window the track is ballistic for good.
    after = t > t_burnout + 60.0 + 30.0
    assert after.sum() > 100 and np.all(pb[after] == 0.0)


def test_single_stage_track_never_restarts(aomori_run):
    """A single-stage IRBM: no restart once the window after its burnout has passed."""
    r, _tr, events = aomori_run
    t_burnout = float(r.launches[0].trajectory.burnout[0])
    ups = [e for e in events if e.kind == "updated" and e.t_s > t_burnout + 90.0]
    assert len(ups) > 100 and all(e.track.boost_probability == 0.0 for e in ups)


def test_coast_through_the_gap_and_reassociation(icbm_run):
    """No detection of the missile from ~420 s to ~3850 s: the track coasts ~3,400 s (well
    past the old fixed 1,800 s) and the first re-entry detection updates it directly."""
    r, _tr, events = icbm_run
    tid = next(e.track_id for e in events if e.kind == "confirmed")
    ups = [e for e in events if e.kind == "updated" and e.track_id == tid]
    t = np.array([e.t_s for e in ups])
    k = int(np.argmax(np.diff(t)))
    assert np.diff(t)[k] > 3000.0
    # The first update after the gap came through the gate, not from a merge.
    first = ups[k + 1]
    assert first.reason == "" and first.measurement_seq >= 0
    assert first.nis < chi2.ppf(0.9999, first.nis_dof)
    # Its predicted position error before that update against its covariance: consistent.
    truth = Truth.of(r.objects[0])
    before = ups[k].track
    f = Tracker().filter
    pred = f.predict(before.state, first.t_s)
    e = pred.x[0:3] - truth.state_at(first.t_s)[0:3]
    assert float(e @ np.linalg.solve(pred.P[0:3, 0:3], e)) < chi2.ppf(0.999, 3)
    assert np.linalg.norm(e) < 20_000.0


def test_coasting_track_deleted_at_impact_not_before(icbm_run):
    r, tr, _events = icbm_run
    t_impact = float(r.objects[0].t_s[-1])
    tr = copy.deepcopy(tr)
    early = tr.advance(t_impact - 10.0)
    assert not [e for e in early.events if e.kind == "deleted"] and len(early.confirmed) == 1
    end = tr.advance(t_impact + 5.0)
    (gone,) = [e for e in end.events if e.kind == "deleted"]
    assert gone.reason == "impact" and end.tracks == ()


def test_coast_ends_when_too_uncertain(icbm_sim):
    """Measurements to 600 s, then the clock alone. Default: still coasting at 3,000 s (the
    old fixed limit deleted it at ~2,200 s). With a 10 km position sigma limit, deleted as
    too uncertain when the predicted sigma crosses it, during the coast."""
    tr, _ = _track(icbm_sim, t_max=600.0)
    (track,) = [t for t in tr.tracks if t.confirmed]
    out = tr.advance(3000.0)
    assert [t.track_id for t in out.confirmed] == [track.track_id]
    tr2, _ = _track(icbm_sim, TrackerConfig(deletion=DeletionSettings(max_position_sigma_m=10_000.0)), t_max=600.0)
    deleted = []
    for t in np.arange(700.0, 3001.0, 100.0):
        deleted += [e for e in tr2.advance(float(t)).events if e.kind == "deleted"]
    (gone,) = deleted
    assert gone.reason == "lost: too uncertain" and 700.0 < gone.t_s < 3000.0
    pred = tr2.filter.predict(gone.track.state, gone.t_s)
    assert math.sqrt(np.linalg.eigvalsh(pred.P[0:3, 0:3]).max()) > 10_000.0
    pred = tr2.filter.predict(gone.track.state, gone.t_s - 100.0)
    assert math.sqrt(np.linalg.eigvalsh(pred.P[0:3, 0:3]).max()) < 10_000.0


def test_mixing_into_boost_gives_the_ignition_prior():
    """IMM interaction: the mixed boost estimate is the moment-matched mixture of the boost
    estimate and the ballistic one with a_T ~ N(ignition mean, sigma^2) independent of the
    rest (closed-form Gaussian-mixture moments, computed here with NumPy)."""
    imm = boost_ballistic_imm()
    mps = imm.mps
    a0, s0 = mps[1, dk.M_IGN_AT], mps[1, dk.M_IGN_SIGMA]
    assert (a0, s0) == (20.0, 10.0)
    rng = np.random.default_rng(3)
    xs = np.zeros((2, 8))
    xs[:, 0:6] = rng.normal(0, 1e3, (2, 6)) + [7e6, 0, 0, 0, 7e3, 0]
    xs[:, 6] = [8.5, 8.7]
    xs[1, 7] = 35.0
    A = rng.normal(size=(2, 8, 8))
    Ps = np.einsum("kij,klj->kil", A, A) + np.eye(8)
    Ps[0, 7, :] = Ps[0, :, 7] = 0.0  # the ballistic model has no thrust state
    mu = np.array([0.7, 0.3])
    tau = np.array([300.0, 60.0])
    dt = 2.0
    stay = np.exp(-dt / tau)
    Pi = np.array([[stay[0], 1 - stay[0]], [1 - stay[1], stay[1]]])
    c = Pi.T @ mu
    w = Pi * mu[:, None] / c[None, :]  # w[i, j]
    # Boost (j = 1): the ballistic component's a_T replaced by the ignition prior.
    xl = xs.copy()
    Pl = Ps.copy()
    xl[0, 7] = a0
    Pl[0, 7, :] = Pl[0, :, 7] = 0.0
    Pl[0, 7, 7] = s0**2
    m1 = w[0, 1] * xl[0] + w[1, 1] * xl[1]
    C1 = sum(w[i, 1] * (Pl[i] + np.outer(xl[i] - m1, xl[i] - m1)) for i in range(2))
    # Ballistic (j = 0): the plain mixture (the boost a_T is stopped later, in the prediction).
    m0 = w[0, 0] * xs[0] + w[1, 0] * xs[1]
    C0 = sum(w[i, 0] * (Ps[i] + np.outer(xs[i] - m0, xs[i] - m0)) for i in range(2))
    X, P, cbar = xs.copy(), Ps.copy(), np.empty(2)
    ik.imm_mix(X, P, mu, dt, tau, mps, cbar)
    np.testing.assert_allclose(cbar, c, rtol=1e-12)
    np.testing.assert_allclose(X[1], m1, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(P[1], C1, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(X[0], m0, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(P[0], C0, rtol=1e-9, atol=1e-9)
    # All ballistic: the boost model starts from the ballistic estimate with a_T's prior alone.
    X, P = xs.copy(), Ps.copy()
    ik.imm_mix(X, P, np.array([1.0, 0.0]), dt, tau, mps, cbar)
    assert X[1, 7] == a0 and P[1, 7, 7] == pytest.approx(s0**2)
    np.testing.assert_allclose(P[1, 7, 0:7], 0.0, atol=0)
    np.testing.assert_allclose(X[1, 0:7], xs[0, 0:7])
    np.testing.assert_allclose(P[1, 0:7, 0:7], Ps[0, 0:7, 0:7])


def test_cholesky_does_not_depend_on_units():
    """An innovation covariance after a long coast: range in m^2 (~2e9) beside angles in
    rad^2 (~1e-4). The Mahalanobis distance must be NumPy's, not infinite."""
    S = np.zeros((4, 4))
    S[0:3, 0:3] = [[2.23401877e9, -2.32049350e2, 1.96077530e2],
                   [-2.32049350e2, 8.43599130e-4, -2.66773971e-5],
                   [1.96077530e2, -2.66773971e-5, 1.21219612e-4]]
    nu = np.array([-3.9e3, -2.5e-3, 3.3e-3, 0.0])
    q, logdet = lk.mahalanobis(nu, S, 3)
    ref = float(nu[:3] @ np.linalg.solve(S[:3, :3], nu[:3]))
    assert q == pytest.approx(ref, rel=1e-9)
    assert logdet == pytest.approx(np.linalg.slogdet(S[:3, :3])[1], rel=1e-12)
    # Semi-definite still accepted (a state without thrust: zero a_T row), indefinite refused.
    L = np.empty((3, 3))
    assert lk.cholesky(np.diag([1e12, 1e-6, 0.0]), 3, L) and L[2, 2] == 0.0
    assert not lk.cholesky(np.array([[1.0, 2.0, 0], [2.0, 1.0, 0], [0, 0, 1.0]]), 3, L)


@pytest.mark.parametrize(("settings", "field", "value"), [
    (ModeSettings, "restart_sojourn_s", 0.0), (ModeSettings, "restart_window_s", -1.0),
    (ModeSettings, "restart_window_s", math.inf), (DeletionSettings, "impact_sigmas", -0.5),
    (DeletionSettings, "coast_ballistic_s", 0.0),
])
def test_bad_coast_and_restart_settings(settings, field, value):
    with pytest.raises(InputError, match=field):
        settings(**{field: value})
