"""Deletion of coasting tracks from an anchored prediction (tracking.coasting) decides as the
full prediction from the last update does, at every clock, with far fewer full predictions."""

from __future__ import annotations

import numpy as np
import pytest

from missilewatch.flight.propagate import state_from_flight_path
from missilewatch.tracking.coasting import CoastingDeletion, absorbing
from missilewatch.tracking.deletion import Deleter, DeletionSettings
from missilewatch.tracking.filters import boost_ballistic_imm
from missilewatch.tracking.models import make_state
from missilewatch.tracking.modes import ModeKeeper, ModeSettings
from missilewatch.tracking.track_state import StateArrays, TrackState

KF = boost_ballistic_imm()


def _coasting_track(sigma_m: float, mu=(1.0, 0.0)) -> TrackState:
    """A track near the apogee of an IRBM (800 km, 3.6 km/s, level), last updated at t = 0."""
    r, v = state_from_flight_path(38.0, 135.0, 800e3, 3600.0, 0.0, 80.0)
    xs = np.repeat(make_state(r, v)[None], 2, 0)
    P = np.diag([sigma_m**2] * 3 + [(sigma_m / 100.0) ** 2] * 3 + [0.01, 0.0])
    Ps = np.repeat(P[None], 2, 0)
    tr = TrackState(1, StateArrays(2), xs, Ps, np.array(mu), 0.0, sensors={"r"}, opportunities=[True],
                    t_report=0.0, origin=xs[0, :3], launch_detected=False, n_updates=5)
    tr.last_boost_t = -1e9  # boosting long ago: no motor may light again
    return tr


class _Counting(type(KF)):  # the filter, counting its full predictions
    calls = 0

    def predict_models(self, *args):
        type(self).calls += 1
        return super().predict_models(*args)


@pytest.mark.parametrize(("sigma_m", "most"), [(50.0, 0.25), (20_000.0, 0.8)])
def test_anchored_deletion_decides_as_the_full_prediction(sigma_m, most):
    """A well-known track falls to the ground (impact); an uncertain one is lost (its bound
    cannot rule that out for long, so it is predicted in full more often)."""
    kf = _Counting(KF.models, KF.kind, KF.sojourn_s)
    deleter = Deleter(DeletionSettings())
    tau = ModeKeeper(ModeSettings(), kf).tau_at(0.0, -1e9)
    tr = _coasting_track(sigma_m)
    assert absorbing(tr.mu, tau)
    coasting = CoastingDeletion(kf, deleter)
    clocks = np.arange(121.0, 1200.0, 1.7)
    got, want = [], []
    for now in clocks:
        want.append(deleter.prediction_reason(*KF.predict_arrays(tr.xs, tr.Ps, tr.mu, now - tr.t, tau)))
        got.append(coasting.reason(tr, now, tau))
        if want[-1]:
            break
    assert got == want
    assert want[-1] in ("impact", "lost: too uncertain")  # the track goes, at the same clock
    assert _Counting.calls < most * len(want)
    _Counting.calls = 0


def test_a_changed_or_mixed_track_is_not_taken_from_an_old_anchor():
    deleter = Deleter(DeletionSettings())
    tau = ModeKeeper(ModeSettings(), KF).tau_at(0.0, -1e9)
    coasting = CoastingDeletion(KF, deleter)
    tr = _coasting_track(50.0)
    assert coasting.reason(tr, 200.0, tau) == ""
    anchor = coasting._anchors[tr.id]
    tr.changed()  # an update: the anchor no longer holds
    assert coasting.reason(tr, 210.0, tau) == ""
    assert coasting._anchors[tr.id] is not anchor and coasting._anchors[tr.id].t == 210.0
    mixed = _coasting_track(50.0, mu=(0.999, 0.001))
    assert not absorbing(mixed.mu, tau)
    assert coasting.reason(mixed, 200.0, tau) == ""
    assert mixed.id not in coasting._anchors or coasting._anchors[mixed.id].version != mixed.version
    coasting.forget(tr.id)
    assert tr.id not in coasting._anchors


def test_the_gate_bounds_a_coasting_track_from_its_anchor():
    """A measurement far from a track coasting for minutes gets no distance from the anchored
    bound (no prediction at all when none is near); one near it is gated exactly as without."""
    from missilewatch.tracking.association import gate_threshold
    from missilewatch.tracking.filters import ScanArrays
    from missilewatch.tracking.measurements import Measurement

    modes = ModeKeeper(ModeSettings(), KF)
    tr = _coasting_track(50.0)
    tau = modes.tau_at(tr.t, tr.last_boost_t)
    coasting = CoastingDeletion(KF, Deleter(DeletionSettings()))
    assert coasting.by_slot() is None
    assert coasting.reason(tr, 230.0, tau) == ""  # anchored at 230 s
    t_scan = 300.0
    x, _P = KF.predict_arrays(tr.xs, tr.Ps, tr.mu, t_scan, tau)
    up = x[:3] / np.linalg.norm(x[:3])

    def at(offset_m: float) -> Measurement:
        return Measurement(t_scan, "r", "position_ecef", x[:3] + offset_m * up, np.eye(3) * 100.0**2, x[:3] * 0.9)

    a = tr.arrays
    rows = np.array([tr.slot], dtype=np.int64)

    def gate(ms, anchors):
        return KF.gate(a.xs, a.Ps, a.mu, a.t, a.last_boost_t, modes.chain, rows, t_scan, ScanArrays.of(ms),
                       np.full(len(ms), gate_threshold(3, 0.9999)), 0.01, True, anchors)

    near, far = at(30.0), at(200_000.0)
    plain, anchored = gate([near, far], None), gate([near, far], coasting.by_slot())
    assert np.isfinite(plain.d2).all() and plain.d2[0, 1] > gate_threshold(3, 0.9999)
    assert anchored.d2[0, 0] == plain.d2[0, 0] and anchored.cost[0, 0] == plain.cost[0, 0]
    assert np.isinf(anchored.d2[0, 1]) and np.isinf(anchored.cost[0, 1])
    assert np.array_equal(anchored.xs, plain.xs) and np.array_equal(anchored.Ps, plain.Ps)
    alone = gate([far], coasting.by_slot())
    assert np.isinf(alone.d2).all() and not alone.predicted[0]  # nothing near: not flown at all
    assert gate([far], None).predicted[0]
    tr.changed()  # an update: its anchor no longer holds
    assert coasting.by_slot() is None
    assert gate([far], coasting.by_slot()).predicted[0]
