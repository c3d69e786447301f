"""Space-based infrared sensor: boost phase only, line of sight with noise, Earth occlusion,
latency."""

import math

import numpy as np
import pytest
from scipy import stats

from missilewatch.flight import fly, generic_profile
from missilewatch.sensors import InfraredSensor, TargetTruth, geostationary


@pytest.fixture(scope="module")
def srbm():
    tr = fly(39.2, 125.67, 80.0, generic_profile("SRBM").with_(kick_deg=20.0, cutoff_s=50.0), dt_out_s=1.0)
    return tr, TargetTruth("M1", tr.t_s, tr.r_ecef, tr.v_ecef, thrust_end_s=float(tr.burnout[0]))


def _ir(**kw):
    base = dict(sensor_id="ir", platform=geostationary(130.0), frame_period_s=0.5, sigma_los_rad=20e-6,
                latency_s=8.0, pd=1.0, min_altitude_m=0.0, phase_s=0.0)
    base.update(kw)
    return InfraredSensor(**base)


def test_infrared_sees_the_boost_phase_and_stops_at_burnout(srbm):
    tr, tg = srbm
    burnout = float(tr.burnout[0])
    assert burnout == pytest.approx(50.0)
    b = _ir().observe([tg], 0.0, tr.t_s[-1], np.random.default_rng(1))
    assert b.t_s.min() == pytest.approx(0.0)
    assert b.t_s.max() <= burnout
    assert b.t_s.max() > burnout - 0.5
    assert len(b) == int(burnout / 0.5) + 1  # every frame of the boost, none after
    np.testing.assert_allclose(b.t_report_s - b.t_s, 8.0)


def test_infrared_waits_for_the_plume_to_clear_the_clouds(srbm):
    tr, tg = srbm
    b = _ir(min_altitude_m=10e3).observe([tg], 0.0, tr.t_s[-1], np.random.default_rng(1))
    h = tr.geodetic[2]
    t_10km = np.interp(10e3, h[: int(np.argmax(h))], tr.t_s[: int(np.argmax(h))])
    assert b.t_s.min() >= t_10km and b.t_s.min() < t_10km + 0.5


def test_line_of_sight_noise_matches_its_covariance(srbm):
    _, tg = srbm
    # a hovering hot target (thrust never ends) seen for many frames
    r = tg.r_ecef[30]
    hot = TargetTruth("H", np.array([0.0, 5000.0]), np.array([r, r]), np.zeros((2, 3)), thrust_end_s=5000.0)
    ir = _ir()
    b = ir.observe([hot], 0.0, 5000.0, np.random.default_rng(11))
    sat = ir.platform.r_ecef
    u = (r - sat) / np.linalg.norm(r - sat)
    alpha, delta = math.atan2(u[1], u[0]) % (2 * math.pi), math.asin(u[2])
    err = b.values[:, :2] - [alpha, delta]
    cov = b.covariance[0, :2, :2]
    assert cov[0, 0] == pytest.approx((20e-6 / math.cos(delta)) ** 2)
    assert cov[1, 1] == pytest.approx(20e-6**2)
    nees = np.einsum("ni,ij,nj->n", err, np.linalg.inv(cov), err)
    assert stats.kstest(nees, stats.chi2(2).cdf).pvalue > 1e-3
    # the isotropic angular error across the line of sight has standard deviation sigma
    v = np.stack([np.cos(b.values[:, 1]) * np.cos(b.values[:, 0]),
                  np.cos(b.values[:, 1]) * np.sin(b.values[:, 0]), np.sin(b.values[:, 1])], -1)
    ang = np.arccos(np.clip(v @ u, -1, 1))
    # Rayleigh distributed with scale sigma: mean sigma * sqrt(pi / 2)
    assert ang.mean() == pytest.approx(20e-6 * math.sqrt(math.pi / 2), rel=0.03)


def test_the_earth_hides_a_target_on_the_far_side():
    import pymap3d

    far = np.array(pymap3d.geodetic2ecef(40.0, -50.0, 100e3))
    near = np.array(pymap3d.geodetic2ecef(40.0, 126.0, 100e3))
    tg = [TargetTruth(o, np.array([0.0, 10.0]), np.array([r, r]), np.zeros((2, 3)), thrust_end_s=10.0)
          for o, r in (("far", far), ("near", near))]
    b = _ir().observe(tg, 0.0, 10.0, np.random.default_rng(0))
    assert set(b.object_id) == {"near"}
