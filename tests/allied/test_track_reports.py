"""Partner track reports as track-level updates of the tracker (tracking/track_reports.py):
the decorrelated tracklet counts a partner's information once, so the fused estimate stays
consistent with the truth (NEES) and never claims more information than was measured."""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2

from missilewatch.earth.frames import geodetic2ecef
from missilewatch.tracking import Tracker, TrackerConfig
from missilewatch.tracking.filters import KalmanFilter
from missilewatch.tracking.measurements import Measurement
from missilewatch.tracking.models import I_LNB, LNB_PRIOR_MEAN, N_STATE, GaussianState, ballistic_model
from missilewatch.tracking.track_reports import TrackReport, information_increment

SIGMA_M = 150.0  # position measurement noise, m (1 sigma per axis)
STEP_S, REPORT_EVERY = 1.0, 2  # partner measures every 1 s and reports every 2nd estimate
N_STEPS = 120
Q_ACC = 1e-4  # the filters' white acceleration noise (m^2/s^3): the truth flies without any


def _tracker() -> Tracker:
    return Tracker(TrackerConfig(ballistic=ballistic_model(q_acc=Q_ACC)))


def _truth(n: int) -> tuple[np.ndarray, np.ndarray]:
    """A mid-course ballistic flight (300 km up over the Sea of Japan): times and states (n, 8)."""
    kf = KalmanFilter((ballistic_model(q_acc=0.0),), "ekf")
    x = np.zeros(N_STATE)
    x[:3] = geodetic2ecef(40.0, 134.0, 300e3)
    east = np.array([-np.sin(np.radians(134.0)), np.cos(np.radians(134.0)), 0.0])
    x[3:6] = 2500.0 * east + 500.0 * x[:3] / np.linalg.norm(x[:3])
    x[I_LNB] = LNB_PRIOR_MEAN
    ts = np.arange(n) * STEP_S
    out = np.empty((n, N_STATE))
    out[0] = x
    for i in range(1, n):
        out[i] = kf.predict_mean(GaussianState(ts[i - 1], out[i - 1], np.eye(N_STATE)), ts[i])
    return ts, out


def _pos(t: float, z: np.ndarray, sensor: str, seq: int) -> Measurement:
    return Measurement(t, sensor, "position_ecef", z, SIGMA_M**2 * np.eye(3), np.zeros(3), seq=seq)


def _partner_reports(ts, truth, rng) -> list[TrackReport]:
    """The partner's own EKF on its position measurements; its estimate every REPORT_EVERY steps."""
    kf = KalmanFilter((ballistic_model(q_acc=Q_ACC),), "ekf")
    P0 = np.diag([1e3**2] * 3 + [100.0**2] * 3 + [1.0, 1e-6])
    x0 = truth[0].copy()
    x0[:6] += rng.multivariate_normal(np.zeros(6), P0[:6, :6])
    est = GaussianState(ts[0], x0, P0)
    out = []
    for i in range(1, len(ts)):
        z = truth[i, :3] + rng.normal(0.0, SIGMA_M, 3)
        est, _ = kf.update(est, _pos(ts[i], z, "rok-radar", i))
        if i % REPORT_EVERY == 0:
            out.append(TrackReport("ROK", "T1", float(ts[i]), est.x[:6], est.P[:6, :6], ("rok-radar",), 0.0, i))
    return out


def _nees(x, P, truth) -> float:
    d = x[:6] - truth[:6]
    return float(d @ np.linalg.solve(P[:6, :6], d))


def test_the_same_report_twice_adds_nothing():
    rng = np.random.default_rng(1)
    ts, truth = _truth(12)
    reps = _partner_reports(ts, truth, rng)
    once, many = _tracker(), _tracker()
    for r in reps:
        once.process_report(r)
        for _ in range(5):
            many.process_report(r)
    a, b = once.tracks[0].state, many.tracks[0].state
    assert len(many.tracks) == 1
    np.testing.assert_allclose(b.P[:6, :6], a.P[:6, :6], rtol=1e-6)
    np.testing.assert_allclose(b.x[:6], a.x[:6], atol=1e-3)
    # A report that only predicts the previous one forward carries no new information.
    V, y, r = information_increment(reps[1].x, reps[1].P, reps[1].x, reps[1].P)
    assert y.size == 0


def test_fused_estimate_stays_consistent_and_claims_no_more_than_was_measured():
    """Monte Carlo: the partner's reports (its EKF on 150 m position fixes) and this node's own
    position fixes, fused in one tracker. Time-averaged NEES (6 dof) not above its 99 % bound (nor far below);
    the fused information never exceeds the sum of the two sensors' (checked against a central
    filter that sees every measurement), and is more than either alone."""
    runs, nees, excess = 12, [], []
    for seed in range(runs):
        rng = np.random.default_rng(100 + seed)
        ts, truth = _truth(N_STEPS)
        reps = _partner_reports(ts, truth, rng)
        local = [_pos(float(ts[i]), truth[i, :3] + rng.normal(0.0, SIGMA_M, 3), "jpn-radar", 10_000 + i)
                 for i in range(1, N_STEPS)]
        tk = _tracker()
        k = 0
        for i, m in enumerate(local, start=1):
            while k < len(reps) and reps[k].t_s <= m.t_s:
                tk.process_report(reps[k])
                k += 1
            if tk.tracks:
                tk.process(m)
            if i >= 30 and tk.tracks:
                s = tk.tracks[0].state
                if s.t_s == ts[i]:
                    nees.append(_nees(s.x, s.P, truth[i]))
        assert len(tk.tracks) == 1
        s = tk.tracks[0].state
        # information actually present: two independent 150 m sensors since the start, at best
        # a central filter with both; the fused track may not claim more (eigenvalues of the
        # central covariance minus the fused one <= small slack).
        central = KalmanFilter((ballistic_model(q_acc=Q_ACC),), "ekf")
        est = GaussianState(0.0, truth[0] + 0.0, np.diag([1e3**2] * 3 + [100.0**2] * 3 + [1.0, 1e-6]))
        for i in range(1, N_STEPS):
            for sensor in ("a", "b"):
                est, _ = central.update(est, _pos(ts[i], truth[i, :3], sensor, i))
        C, F = est.P[:6, :6], s.P[:6, :6]
        L = np.linalg.cholesky(C)
        rel = np.linalg.eigvalsh(np.linalg.solve(L, np.linalg.solve(L, F).T))  # eig of C^-1/2 F C^-1/2
        excess.append(float(rel.min()))
        # more than the partner alone: its last report's position variance is larger
        assert np.trace(F[:3, :3]) < np.trace(reps[-1].P[:3, :3])
    lo, hi = chi2.ppf([0.005, 0.995], 6 * len(nees)) / len(nees)
    mean = float(np.mean(nees))
    print(f"time-averaged NEES {mean:.2f} over {len(nees)} samples (99 % interval {lo:.2f}-{hi:.2f}); "
          f"smallest fused/central variance ratio {min(excess):.3f}")
    # Not overconfident (the double-counting failure); samples along one run are correlated,
    # so the lower side is loose: a little conservative is the price of the unknown partner noise.
    assert 0.7 * lo <= mean <= hi
    assert min(excess) > 0.9


def test_naive_reuse_of_reports_would_fail_the_check():
    """The check above can fail: treating each report as an independent measurement (the
    partner's whole estimate every time) claims far more information than was measured."""
    rng = np.random.default_rng(7)
    ts, truth = _truth(60)
    reps = _partner_reports(ts, truth, rng)
    kf = KalmanFilter((ballistic_model(),), "ekf")
    est = GaussianState(reps[0].t_s, np.concatenate([reps[0].x, [LNB_PRIOR_MEAN, 0.0]]),
                        np.diag([1e6] * 6 + [1.0, 1e-6]))
    H = np.zeros((6, N_STATE))
    H[:, :6] = np.eye(6)
    for r in reps:
        est = kf.predict(est, r.t_s)
        S = H @ est.P @ H.T + r.P
        G = est.P @ H.T @ np.linalg.inv(S)
        est = GaussianState(r.t_s, est.x + G @ (r.x - H @ est.x), (np.eye(N_STATE) - G @ H) @ est.P)
    tk = _tracker()
    for r in reps:
        tk.process_report(r)
    honest = tk.tracks[0].state.P[:3, :3]
    assert np.trace(est.P[:3, :3]) < 0.5 * np.trace(honest)  # the naive fusion is overconfident
