"""Radar model: noise statistics, Pd against range (Swerling I closed form), false alarms,
coverage limits, rotating scan, bad input."""

import math

import numpy as np
import pymap3d
import pytest
from scipy import stats

from missilewatch.errors import InputError
from missilewatch.sensors import FixedSite, Radar, TargetTruth

SITE = FixedSite(40.89, 140.33, 20.0)


def _radar(**kw):
    base = dict(sensor_id="r", platform=SITE, max_range_m=3e6, revisit_s=1.0, sigma_range_m=10.0,
                sigma_az_rad=1e-3, sigma_el_rad=2e-3, sigma_range_rate_mps=1.5, min_elevation_rad=0.0,
                pd_ref=0.999, ref_range_m=1e9, phase_s=0.0)
    base.update(kw)
    return Radar(**base)


def _static_at(az_deg, el_deg, rng_m, t_end=1000.0, oid="T"):
    r = np.array(pymap3d.aer2ecef(az_deg, el_deg, rng_m, SITE.lat_deg, SITE.lon_deg, SITE.h_m))
    return TargetTruth(oid, np.array([0.0, t_end]), np.array([r, r]), np.zeros((2, 3)))


def test_noise_statistics_match_the_stated_covariance():
    radar = _radar()
    n = 20_000
    batch = radar.observe([_static_at(280.0, 20.0, 700e3, t_end=n - 1.0)], 0.0, n - 1.0,
                          np.random.default_rng(2024))
    assert len(batch) == n and not batch.false_alarm.any()
    truth = np.array([700e3, math.radians(280.0), math.radians(20.0), 0.0])
    err = batch.values[:, :4] - truth
    cov = batch.covariance[0, :4, :4]
    np.testing.assert_allclose(cov, np.diag([10.0**2, 1e-6, 4e-6, 1.5**2]))
    sig = np.sqrt(np.diag(cov))
    # mean within 4 standard errors, variance within 5 standard errors (sqrt(2/n) relative)
    assert np.all(np.abs(err.mean(0)) < 4 * sig / math.sqrt(n))
    np.testing.assert_allclose(err.var(0, ddof=1) / sig**2, 1.0, atol=5 * math.sqrt(2 / n))
    corr = np.corrcoef(err.T)
    assert np.all(np.abs(corr[np.triu_indices(4, 1)]) < 4 / math.sqrt(n))
    # normalised squared errors follow chi-square with 4 degrees of freedom
    nees = np.einsum("ni,ij,nj->n", err, np.linalg.inv(cov), err)
    assert stats.kstest(nees, stats.chi2(4).cdf).pvalue > 1e-3


def test_detection_probability_follows_swerling_one_with_r4():
    # Swerling I closed form Pd = Pfa^(1/(1+SNR)) with SNR = SNR_ref (R_ref/R)^4 and
    # SNR_ref from Pd = 0.5 at 1000 km, Pfa = 1e-6.
    pfa, pd_ref, r_ref = 1e-6, 0.5, 1000e3
    snr_ref = math.log(pfa) / math.log(pd_ref) - 1.0
    radar = _radar(pd_ref=pd_ref, ref_range_m=r_ref, pfa=pfa)
    n = 6000
    for rng_m in (600e3, 1000e3, 1400e3):
        b = radar.observe([_static_at(270.0, 10.0, rng_m, t_end=n - 1.0)], 0.0, n - 1.0,
                          np.random.default_rng(int(rng_m)))
        expected = pfa ** (1.0 / (1.0 + snr_ref * (r_ref / rng_m) ** 4))
        got = len(b) / n
        assert abs(got - expected) < 4 * math.sqrt(expected * (1 - expected) / n), (rng_m, got, expected)


def test_false_alarms_are_poisson_per_scan_and_inside_the_coverage():
    radar = _radar(false_alarms_per_scan=2.0, az_center_rad=math.radians(270), az_half_width_rad=math.radians(60),
                   min_range_m=50e3, max_range_m=1500e3, min_elevation_rad=math.radians(1),
                   max_elevation_rad=math.radians(60))
    n_scans = 5000
    b = radar.observe([], 0.0, n_scans - 1.0, np.random.default_rng(3))
    assert b.false_alarm.all()
    counts = np.bincount(np.round(b.t_s).astype(int), minlength=n_scans)
    assert abs(counts.mean() - 2.0) < 4 * math.sqrt(2.0 / n_scans)
    assert abs(counts.var() / counts.mean() - 1.0) < 0.1  # Poisson: variance = mean
    rg, az, el = b.values[:, 0], b.values[:, 1], b.values[:, 2]
    assert rg.min() >= 50e3 and rg.max() <= 1500e3
    assert np.all(np.abs((np.degrees(az) - 270 + 180) % 360 - 180) <= 60)
    assert np.degrees(el).min() >= 1 and np.degrees(el).max() <= 60
    # uniform over the coverage in range: the mean range is the midpoint
    assert abs(rg.mean() - 775e3) < 4 * (1450e3 / math.sqrt(12)) / math.sqrt(rg.size)


def test_coverage_limits_sector_range_and_elevation():
    radar = _radar(az_center_rad=math.radians(270), az_half_width_rad=math.radians(60),
                   max_range_m=1000e3, min_elevation_rad=math.radians(2))
    targets = [
        _static_at(270.0, 10.0, 900e3, 5, "inside"),
        _static_at(90.0, 10.0, 900e3, 5, "behind"),
        _static_at(329.0, 10.0, 900e3, 5, "edge-in"),
        _static_at(331.0, 10.0, 900e3, 5, "edge-out"),
        _static_at(270.0, 10.0, 1001e3, 5, "too-far"),
        _static_at(270.0, 1.9, 500e3, 5, "too-low"),
    ]
    b = radar.observe(targets, 0.0, 5.0, np.random.default_rng(0))
    assert set(b.object_id) == {"inside", "edge-in"}


def test_rotating_radar_sees_a_target_when_the_beam_passes_its_azimuth():
    # Beam north at each turn start (t = k T), clockwise: a target at azimuth 90 deg is hit
    # a quarter of a turn later.
    radar = _radar(scan="rotating", revisit_s=12.0, sigma_range_m=0.0, sigma_az_rad=0.0,
                   sigma_el_rad=0.0, sigma_range_rate_mps=0.0)
    b = radar.observe([_static_at(90.0, 5.0, 300e3, 100.0)], 0.0, 100.0, np.random.default_rng(0))
    np.testing.assert_allclose(b.t_s, 3.0 + 12.0 * np.arange(9), atol=1e-9)
    np.testing.assert_allclose(np.degrees(b.values[:, 1]), 90.0, atol=1e-9)


def test_measurements_are_interpolated_on_a_moving_target():
    # A target moving in a straight line (ECEF): measured range equals the exact range.
    r0 = np.array(pymap3d.aer2ecef(270.0, 10.0, 800e3, SITE.lat_deg, SITE.lon_deg, SITE.h_m))
    v = np.array([300.0, -1200.0, 900.0])
    t = np.arange(0.0, 61.0, 1.0)
    tg = TargetTruth("T", t, r0 + v * t[:, None], np.broadcast_to(v, (t.size, 3)).copy())
    radar = _radar(sigma_range_m=0.0, sigma_az_rad=0.0, sigma_el_rad=0.0, sigma_range_rate_mps=0.0, phase_s=0.37)
    b = radar.observe([tg], 0.0, 60.0, np.random.default_rng(0))
    exact = np.linalg.norm(r0 + v * b.t_s[:, None] - SITE.r_ecef, axis=1)
    np.testing.assert_allclose(b.values[:, 0], exact, atol=1e-6)


@pytest.mark.parametrize("field, value", [("max_range_m", -1.0), ("revisit_s", 0.0), ("sigma_range_m", -3.0),
                                          ("scan", "spiral"), ("pd_ref", 1.5)])
def test_bad_radar_parameters_name_the_field(field, value):
    with pytest.raises(InputError) as exc:
        _radar(**{field: value})
    assert field in str(exc.value)
