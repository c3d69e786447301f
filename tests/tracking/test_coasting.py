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
    return TrackState(1, StateArrays(2), xs, Ps, np.array(mu), 0.0, sensors={"r"}, opportunities=[True],
                      t_report=0.0, origin=xs[0, :3], launch_detected=False, n_updates=5)


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
