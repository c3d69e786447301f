"""Track-to-track fusion against references: covariance intersection's closed forms (1-D, and
a symmetric 2-D case), its consistency on correlated estimates (NEES, and the fused covariance
bounding the true error covariance) where the naive independent fusion is overconfident; the
association statistic's chi-square distribution; the fused picture's clusters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.stats import chi2

from missilewatch.allied.fusion import FusedPicture, TrackEstimate, ci_fuse, predict6, t2t_distance, t2t_test
from missilewatch.earth.frames import geodetic2ecef


def test_ci_1d_is_the_better_estimate():
    # 1-D: P^-1 = w/p1 + (1-w)/p2 is largest at an end: CI keeps the more precise estimate.
    for x1, p1, x2, p2 in ((1.0, 4.0, 3.0, 9.0), (5.0, 2.5, -1.0, 0.3), (0.0, 1.0, 0.0, 1.0 + 1e-3)):
        x, P, w = ci_fuse(np.array([x1]), np.array([[p1]]), np.array([x2]), np.array([[p2]]))
        best = (x1, p1, 1.0) if p1 <= p2 else (x2, p2, 0.0)
        assert x[0] == pytest.approx(best[0], abs=1e-6) and P[0, 0] == pytest.approx(best[1], rel=1e-6)
        assert w == pytest.approx(best[2], abs=1e-5)


def test_ci_symmetric_2d_closed_form():
    a, b = 4.0, 1.0
    x, P, w = ci_fuse(np.array([1.0, 0.0]), np.diag([a, b]), np.array([0.0, 1.0]), np.diag([b, a]))
    h = 2 * a * b / (a + b)  # w = 1/2 by symmetry: P = (P1^-1/2 + P2^-1/2)^-1
    assert w == pytest.approx(0.5, abs=1e-4)
    np.testing.assert_allclose(P, np.diag([h, h]), rtol=1e-6)
    np.testing.assert_allclose(x, [h / (2 * a), h / (2 * a)], rtol=1e-5)


def test_ci_consistent_on_correlated_estimates_where_naive_fusion_is_not():
    rng = np.random.default_rng(20221004)
    n, dim = 4000, 6
    A = rng.normal(size=(dim, dim))
    common = A @ A.T / dim + np.eye(dim) * 0.1  # the error both nodes share (the same measurements)
    B1, B2 = rng.normal(size=(dim, dim)) * 0.3, rng.normal(size=(dim, dim)) * 0.5
    own1, own2 = B1 @ B1.T + 0.05 * np.eye(dim), B2 @ B2.T + 0.05 * np.eye(dim)
    P1, P2 = common + own1, common + own2  # each node's own (correct) covariance
    L0, L1, L2 = (np.linalg.cholesky(M) for M in (common, own1, own2))
    c = rng.normal(size=(n, dim)) @ L0.T
    e1, e2 = c + rng.normal(size=(n, dim)) @ L1.T, c + rng.normal(size=(n, dim)) @ L2.T
    x, P, w = ci_fuse(np.zeros(dim), P1, np.zeros(dim), P2)
    K = P @ np.linalg.inv(P1) * w  # the fused error is linear in the two errors
    G = P @ np.linalg.inv(P2) * (1 - w)
    ef = e1 @ K.T + e2 @ G.T
    Pinv = np.linalg.inv(P)
    nees = np.einsum("ni,ij,nj->n", ef, Pinv, ef)
    assert nees.mean() <= dim * 1.05  # consistent (<= the dimension, with sampling margin)
    # The true error covariance (the cross-covariance of the two errors is the shared part):
    true_cov = K @ P1 @ K.T + G @ P2 @ G.T + K @ common @ G.T + G @ common @ K.T
    assert np.linalg.eigvalsh(P - true_cov).min() > -1e-9 * np.trace(P)  # P >= the true error covariance
    np.testing.assert_allclose(ef.T @ ef / n, true_cov, atol=0.1 * np.abs(true_cov).max())
    # The naive fusion (as if independent) counts the shared error twice and is overconfident.
    Pn = np.linalg.inv(np.linalg.inv(P1) + np.linalg.inv(P2))
    en = e1 @ (Pn @ np.linalg.inv(P1)).T + e2 @ (Pn @ np.linalg.inv(P2)).T
    assert np.einsum("ni,ij,nj->n", en, np.linalg.inv(Pn), en).mean() > dim * 1.3


def _state(lat, lon, h_m, v):
    return np.array([*geodetic2ecef(lat, lon, h_m), *v], float)


def test_association_statistic_is_chi_square_6():
    rng = np.random.default_rng(7)
    x = _state(40.0, 135.0, 500e3, (3000.0, -1500.0, 500.0))
    P = np.diag([200.0**2] * 3 + [20.0**2] * 3)
    L = np.linalg.cholesky(P)
    d = [t2t_test(TrackEstimate("A", "T1", 10.0, x + L @ rng.normal(size=6), P),
                  TrackEstimate("B", "T1", 10.0, x + L @ rng.normal(size=6), P))[0] for _ in range(1500)]
    assert np.mean(d) == pytest.approx(6.0, rel=0.08)
    assert np.var(d) == pytest.approx(12.0, rel=0.2)  # chi-square 6: mean 6, variance 12
    assert np.mean(np.array(d) > chi2.ppf(0.999, 6)) < 0.005
    # Another missile 30 km away is far outside the gate.
    other = x.copy()
    other[:3] += 30e3
    assert t2t_distance(TrackEstimate("A", "T1", 10.0, x, P), TrackEstimate("B", "T2", 10.0, other, P)) > 100


def test_prediction_to_a_common_time_follows_the_ballistic_flight():
    x = _state(40.0, 135.0, 500e3, (3000.0, -1500.0, 500.0))
    P = np.diag([100.0**2] * 3 + [10.0**2] * 3)
    x1, P1 = predict6(0.0, x, P, 5.0)
    x0, _ = predict6(5.0, x1, P1, 0.0)
    np.testing.assert_allclose(x0, x, atol=1e-3)  # there and back
    assert np.trace(P1[:3, :3]) > np.trace(P[:3, :3])  # uncertainty grows with the prediction
    moved = np.linalg.norm(x1[:3] - x[:3])
    assert moved == pytest.approx(5.0 * np.linalg.norm(x[3:]), rel=0.01)


def test_fused_picture_one_track_per_missile_with_provenance():
    rng = np.random.default_rng(3)
    fp = FusedPicture("ROK")
    t0 = dt.datetime(2022, 10, 3, 22, 24, tzinfo=dt.UTC)
    P = np.diag([300.0**2] * 3 + [30.0**2] * 3)
    L = np.linalg.cholesky(P)
    m1 = _state(40.0, 135.0, 500e3, (3000.0, -1500.0, 500.0))
    m2 = _state(41.0, 137.0, 400e3, (2500.0, -1000.0, -300.0))

    def ev(track, x, t, sensors):
        y = x + L @ rng.normal(size=6)
        return {"kind": "track.updated", "track": track, "data": {
            "t_utc": (t0 + dt.timedelta(seconds=t)).isoformat(), "r_ecef_m": list(y[:3]), "v_ecef_mps": list(y[3:]),
            "P_ecef": P.tolist(), "confirmed": True, "sensors": sensors}}

    fp.apply("ROK", ev("T1", m1, 0.0, ["busan-greenpine"]))
    fp.apply("JPN", ev("T4", predict6(0.0, m1, P, 1.5)[0], 1.5, ["aegis-soj"]))
    fp.apply("US", ev("T2", predict6(0.0, m1, P, 0.8)[0], 0.8, ["ir-geo-east"]))
    fp.apply("US", ev("T3", m2, 0.5, ["shariki-tpy2"]))
    fused = fp.fused()
    assert len(fused) == 2
    first = next(f for f in fused if f.id == "F-ROK-T1")
    assert {(m.node, m.track) for m in first.members} == {("ROK", "T1"), ("JPN", "T4"), ("US", "T2")}
    assert np.linalg.det(first.P) <= min(np.linalg.det(predict6(m.t_s, m.x, m.P, first.t_s)[1])
                                         for m in first.members) * (1 + 1e-9)
    d = fp.as_dicts()
    assert {p["node"] for p in next(x for x in d if x["id"] == "F-ROK-T1")["provenance"]} == {"ROK", "JPN", "US"}
    fp.apply("US", {"kind": "track.deleted", "track": "T3", "data": {}})
    assert len(fp.fused()) == 1
    # The node's own watch lost T1 and started T9 on the same missile 20 s later: one track.
    fp.apply("ROK", ev("T9", predict6(0.0, m1, P, 20.0)[0], 20.0, ["busan-greenpine"]))
    assert len(fp.fused()) == 1 and {m.track for m in fp.fused()[0].members} == {"T1", "T9", "T4", "T2"}
    # ... but its track of another missile stays apart.
    fp.apply("ROK", ev("T10", predict6(0.5, m2, P, 20.0)[0], 20.0, ["busan-greenpine"]))
    assert len(fp.fused()) == 2


def test_a_boosting_track_is_associated_across_its_thrust():
    # Truth: 40 m/s^2 of thrust along the velocity for 20 s between two nodes' estimates.
    x0 = _state(40.5, 126.5, 60e3, (800.0, 200.0, 1500.0))
    v = x0[3:]
    a = 40.0 * v / np.linalg.norm(v)
    x20 = predict6(0.0, x0, np.eye(6), 20.0)[0]
    x20[:3] += 0.5 * a * 20.0**2
    x20[3:] += a * 20.0
    P = np.diag([500.0**2] * 3 + [50.0**2] * 3)
    ballistic = t2t_distance(TrackEstimate("US", "T1", 0.0, x0, P, (), 0.0), TrackEstimate("JPN", "T1", 20.0, x20, P))
    boosting = t2t_distance(TrackEstimate("US", "T1", 0.0, x0, P, (), 0.9), TrackEstimate("JPN", "T1", 20.0, x20, P))
    assert ballistic > 1.0 > boosting  # in units of the gate
