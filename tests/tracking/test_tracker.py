"""The multi-target tracker on the built-in scenarios (truth from the simulator), out-of-
sequence reprocessing against in-order filtering, clutter-only streams, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from missilewatch.errors import InputError
from missilewatch.tracking import Measurement, Tracker, TrackerConfig, from_stream, scans
from missilewatch.tracking.confirmation import ConfirmationSettings
from missilewatch.tracking.gating import GateSettings
from missilewatch.tracking.metrics import chi2_interval, evaluate


def test_aomori_one_confirmed_track_no_false_tracks(aomori_run):
    r, tr, events = aomori_run
    confirmed = {e.track_id for e in events if e.kind == "confirmed"}
    assert len(confirmed) == 1
    ev = evaluate(events, r.objects)
    assert ev.false_tracks == () and ev.tracks_per_object == {"M1": tuple(confirmed)}
    assert ev.swaps == 0 and ev.breaks == 0
    first = next(e for e in events if e.kind == "initiated")
    assert first.track.launch_detected and first.sensor_id.startswith("ir-")
    conf = next(e for e in events if e.kind == "confirmed")
    assert conf.t_s - r.launches[0].t_launch_s < 60.0  # confirmed within a minute of launch
    # Consistency: single NEES values inside their 95% interval ~95% of the time, NIS ~ dof.
    assert 0.88 <= ev.nees_fraction_inside() <= 0.99
    assert 0.85 <= ev.mean_normalised_nis <= 1.15
    lo, hi = chi2_interval(6)
    assert lo < ev.mean_nees < hi
    assert ev.position_rmse_m < 300.0
    # Fused: every radar that saw it and both infrared satellites.
    last = [e for e in events if e.kind == "updated"][-1]
    assert {"ir-geo-east", "ir-geo-west", "shariki-tpy2", "aegis-soj"} <= set(last.track.sensors)
    assert tr.stats.out_of_sequence > 10


def test_salvo_eight_tracks_no_swaps(salvo_run):
    r, tr, events = salvo_run
    ev = evaluate(events, r.objects)
    confirmed = {e.track_id for e in events if e.kind == "confirmed"}
    assert len(confirmed) == 8
    assert all(len(v) == 1 for v in ev.tracks_per_object.values()) and len(ev.tracks_per_object) == 8
    assert ev.swaps == 0 and ev.breaks == 0 and ev.false_tracks == ()
    assert np.isfinite(ev.gospa_m).all() and ev.gospa_m.size > 600
    end = tr.advance(max(o.t_s[-1] for o in r.objects) + 5.0)  # the stream stops before the last fall
    assert end.tracks == ()
    deleted = [e for e in [*events, *end.events] if e.kind == "deleted"]
    assert len(deleted) == 8 and all(e.reason == "impact" for e in deleted)
    # Each track ends within a few seconds of its missile's impact.
    impacts = {o.object_id: o.t_s[-1] for o in r.objects}
    for e in deleted:
        oid = next(k for k, v in ev.tracks_per_object.items() if e.track_id in v)
        assert -2.0 <= e.t_s - impacts[oid] <= 5.0


def test_out_of_sequence_reprocessing_equals_in_order_filtering():
    """Infrared reports arrive 10 s late; buffer-and-reprocess gives the in-order result."""
    from missilewatch.scenarios import builtin, simulate

    r = simulate(builtin("boost-failure"))
    ms = [m for m in from_stream(r.stream) if not r.stream.false_alarm[m.seq]]
    late = Tracker()
    late.process(ms)
    on_time = Tracker(TrackerConfig())
    on_time.process(sorted(ms, key=lambda m: (m.t_s, m.sensor_id)))
    assert late.stats.out_of_sequence > 10 and on_time.stats.out_of_sequence == 0
    (a,), (b,) = late.tracks, on_time.tracks
    assert a.n_updates == b.n_updates
    np.testing.assert_allclose(a.state.x[:6], b.state.x[:6], rtol=0, atol=1e-3)
    np.testing.assert_allclose(a.state.P[:6, :6], b.state.P[:6, :6], rtol=1e-6, atol=1e-6)


def test_clutter_alone_makes_no_confirmed_track():
    from missilewatch.scenarios import builtin, simulate

    r = simulate(builtin("2022-10-04"))
    clutter = [m for m in from_stream(r.stream) if r.stream.false_alarm[m.seq]]
    assert len(clutter) > 500
    tr = Tracker()
    events = []
    for scan in scans(clutter):
        events.extend(tr.process(scan).events)
    assert not [e for e in events if e.kind == "confirmed"]
    assert not [t for t in tr.tracks if t.confirmed]


def test_tracker_rejects_bad_input():
    with pytest.raises(InputError, match="measurements"):
        Tracker().process([1, 2])
    with pytest.raises(InputError, match="confirm_m"):
        ConfirmationSettings(m=7, n=6)
    with pytest.raises(InputError, match="gate_probability"):
        GateSettings(probability=1.5)
    # A lone measurement is accepted (streaming use) and starts nothing confirmed.
    out = Tracker().process(Measurement(0.0, "r", "range_az_el", [5e5, 1.0, 0.2], np.eye(3),
                                        np.array([-3.7e6, 3.1e6, 4.15e6]), np.zeros(3), 0.71, 2.45))
    assert out.confirmed == ()
