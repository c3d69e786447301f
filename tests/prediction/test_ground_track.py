"""The predicted ground track: past positions, the state flown on, the predicted impact; against
the flown trajectory it comes from (same forces)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from pyproj import Geod

from missilewatch.earth.kernels import ecef_to_geodetic_v
from missilewatch.prediction import predict_impact
from missilewatch.prediction.ground_track import predicted_ground_track
from missilewatch.tracking import GaussianState

GEOD = Geod(ellps="WGS84")


def _state(flight, i, beta=10_000.0):
    x = np.concatenate([flight.r_ecef[i], flight.v_ecef[i], [math.log(beta), 0.0]])
    return GaussianState(float(flight.t_s[i]), x, np.eye(8) * 1e-6)


def _truth(flight):
    r = flight.r_ecef
    lat, lon, _ = ecef_to_geodetic_v(r[:, 0].copy(), r[:, 1].copy(), r[:, 2].copy())
    return np.degrees(lat), np.degrees(lon)


def test_past_then_flown_on_to_the_predicted_impact(irbm_flight):
    f, i = irbm_flight, 400
    st = _state(f, i)
    pred = predict_impact(st)
    past = [(float(f.t_s[k]), f.r_ecef[k]) for k in range(0, i, 5)]
    g = predicted_ground_track(past, st.x, st.t_s, pred, step_s=10.0)
    assert g.t_s[0] == f.t_s[0] and np.all(np.diff(g.t_s) > 0)
    assert g.t_s[-1] == pytest.approx(pred.t_impact_s, abs=1e-6) and g.alt_km[-1] == pytest.approx(0.0, abs=1e-6)
    end = GEOD.inv(g.lon_deg[-1], g.lat_deg[-1], pred.impact_lon_deg, pred.impact_lat_deg)[2]
    assert end < 100.0  # metres
    lat_t, lon_t = _truth(f)
    lat_i = np.interp(g.t_s, f.t_s, lat_t)
    lon_i = np.interp(g.t_s, f.t_s, np.degrees(np.unwrap(np.radians(lon_t))))
    err = GEOD.inv(g.lon_deg, g.lat_deg, lon_i, lat_i)[2]
    assert np.max(err) < 2_000.0  # the same flight, sampled differently (10 s steps, linear interpolation)


def test_impact_beyond_the_flown_mean_is_appended(irbm_flight):
    """A track still boosting falls beyond where its mean state would: the track ends there."""
    f, i = irbm_flight, 400
    st = _state(f, i)
    pred = predict_impact(st)
    later = dataclasses.replace(pred, t_impact_s=pred.t_impact_s + 120.0, impact_lat_deg=pred.impact_lat_deg + 1.0)
    g = predicted_ground_track([(float(f.t_s[0]), f.r_ecef[0])], st.x, st.t_s, later)
    assert g.t_s[-1] == later.t_impact_s and g.lat_deg[-1] == later.impact_lat_deg and g.alt_km[-1] == 0.0


def test_a_growing_position_log_gives_the_tracks_of_fresh_lists(irbm_flight):
    """The watch's track log only grows; its arrays are kept between calls and extended. Each
    call gives the ground track of a fresh copy of the log (converted from its start), also
    after the log is cut and changed (then it is converted again)."""
    f = irbm_flight
    log: list[tuple[float, np.ndarray]] = []
    for i in range(100, 700, 60):
        log.extend((float(f.t_s[k]), f.r_ecef[k].copy()) for k in range(max(0, i - 60), i, 3))
        st = _state(f, i)
        pred = predict_impact(st)
        g = predicted_ground_track(log, st.x, st.t_s, pred)
        want = predicted_ground_track(list(log), st.x, st.t_s, pred)
        for a in ("t_s", "lat_deg", "lon_deg", "alt_km"):
            assert np.array_equal(getattr(g, a), getattr(want, a)), (i, a)
    del log[10:]
    log[5] = (float(f.t_s[7]), f.r_ecef[7].copy())
    st = _state(f, 300)
    pred = predict_impact(st)
    g = predicted_ground_track(log, st.x, st.t_s, pred)
    want = predicted_ground_track(list(log), st.x, st.t_s, pred)
    assert np.array_equal(g.t_s, want.t_s) and np.array_equal(g.lat_deg, want.lat_deg)
