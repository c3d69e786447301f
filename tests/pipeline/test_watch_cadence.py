"""Predictions run off the measurement path: ingest only tracks; due tracks wait in a queue
(newest snapshot per track) that predict_due empties; a phase change (burnout) is predicted at
once, without moving the regular schedule."""

import pytest

from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import load_input
from missilewatch.pipeline.watch import Watch


@pytest.fixture(scope="module")
def flight():
    return load_input("2022-10-04")


def test_ingest_never_predicts_and_the_queue_holds_one_snapshot_per_track(flight):
    w = Watch(flight.epoch)
    kinds = set()
    for item in flight.items:
        if item.t_report_s > 250.0:
            break
        kinds |= {ev.kind for ev in w.ingest(item)}
    assert "confirmed" in kinds
    assert not kinds & {"prediction", "alert"}
    confirmed = [t for t, log in w.tracks.items() if log.confirmed_t_s is not None]
    assert w.predictions_pending == len(confirmed) == 1
    out = w.predict_due()
    assert w.predictions_pending == 0
    assert [ev.kind for ev in out].count("prediction") >= 1
    assert all(log.predictions for t, log in w.tracks.items() if t in confirmed)


def test_predict_due_takes_a_bounded_number_of_tracks():
    inp = load_input("salvo-srbm-8")
    w = Watch(inp.epoch)
    for item in inp.items:
        w.ingest(item)
        if w.predictions_pending >= 3:
            break
    n = w.predictions_pending
    w.predict_due(max_tracks=1)
    assert w.predictions_pending == n - 1


def test_burnout_is_predicted_at_once(flight):
    res = replay(flight)
    w = res.watch
    tid = next(t for t, log in w.tracks.items() if log.confirmed_t_s is not None)
    threshold = w.policy.gate.max_boost_probability
    first_ballistic = min(ev.track.t_s for ev in w.track_events
                          if ev.track_id == tid and ev.kind == "updated" and ev.track.confirmed
                          and ev.track.boost_probability <= threshold
                          and ev.t_s > w.tracks[tid].confirmed_t_s)
    recs = w.tracks[tid].predictions
    first_rec = next(r for r in recs if r.boost_probability <= threshold)
    assert first_rec.t_s == pytest.approx(first_ballistic)
    # The regular schedule is kept: the next one comes at its usual time, not 5 s after burnout.
    later = [r.t_s for r in recs if r.t_s > first_rec.t_s]
    assert later and later[0] - first_rec.t_s < w.config.predict_every_s


def test_boosting_predictions_draw_fewer_continued_thrust_flights(monkeypatch):
    """While a track is taken as boosting (nobody may be warned from it) its prediction draws
    ``boosting_thrust_samples`` continued-thrust flights; after boost the prediction's default."""
    from missilewatch.errors import InputError
    from missilewatch.pipeline import watch as wmod

    asked = []
    real = wmod.predict_impact

    def spy(snap, **kw):
        asked.append((snap.boost_probability, kw.get("thrust_samples")))
        return real(snap, **kw)

    monkeypatch.setattr(wmod, "predict_impact", spy)
    inp = load_input("2022-10-04")
    w = Watch(inp.epoch, wmod.WatchConfig(boosting_thrust_samples=50))
    for item in inp.items:
        w.step(item)
    w.finish()
    boosting = [n for pb, n in asked if w.policy.boosting(pb)]
    after = [n for pb, n in asked if not w.policy.boosting(pb)]
    assert boosting and set(boosting) == {50}
    assert after and set(after) == {None}
    with pytest.raises(InputError, match="boosting_thrust_samples"):
        wmod.WatchConfig(boosting_thrust_samples=5)
