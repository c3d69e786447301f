"""Measurement models against pymap3d, the sensors package's geometry, finite differences and
Monte Carlo; the stream adapter; bad input."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest

from missilewatch.errors import InputError
from missilewatch.sensors.geometry import los_angles, range_az_el_rate
from missilewatch.tracking import Measurement, from_stream, scans
from missilewatch.tracking import measurement_kernels as mk
from missilewatch.tracking.measurements import predict_measurement, radar_to_ecef, residual

from .conftest import radar_site

X = np.array([-3_200_000.0, 3_700_000.0, 4_150_000.0, 1200.0, 2500.0, -800.0, 8.5, 0.0])


def _h(x, code, sp):
    z = np.zeros(4)
    H = np.zeros((4, 8))
    mk.measure(x, code, sp, z, H, True)
    return z, H


def test_radar_model_matches_pymap3d_and_sensor_geometry():
    sp = radar_site(40.89, 140.33, 20.0)
    sp[3:6] = [3.0, -2.0, 0.5]
    z, _ = _h(X, mk.MC_RAE_RR, sp)
    az, el, rng = pymap3d.ecef2aer(X[0], X[1], X[2], 40.89, 140.33, 20.0)
    assert z[0] == pytest.approx(rng, abs=1e-6)
    assert math.degrees(z[1]) == pytest.approx(az, abs=1e-9)
    assert math.degrees(z[2]) == pytest.approx(el, abs=1e-9)
    r, a, e, rr = range_az_el_rate(sp[0:3], sp[3:6], sp[6], sp[7], X[0:3], X[3:6])
    np.testing.assert_allclose(z, [r, a, e, rr], rtol=1e-12)


def test_infrared_model_matches_sensor_geometry():
    sat = np.zeros(8)
    sat[0:3] = pymap3d.geodetic2ecef(0.0, 150.0, 35_786_000.0)
    z, _ = _h(X, mk.MC_LOS, sat)
    a, d = los_angles(sat[0:3], X[0:3])
    np.testing.assert_allclose(z[:2], [a, d], rtol=1e-12)


@pytest.mark.parametrize("code", [mk.MC_RAE, mk.MC_RAE_RR, mk.MC_LOS, mk.MC_POS])
def test_jacobians_match_central_differences(code):
    if code == mk.MC_LOS:
        sp = np.zeros(8)
        sp[0:3] = pymap3d.geodetic2ecef(0.0, 90.0, 35_786_000.0)
    else:
        sp = radar_site(38.08, 138.37, 1000.0)
    z, H = _h(X, code, sp)
    d = mk.MEAS_DIM[code]
    steps = [1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3]
    fd = np.zeros((d, 8))
    w = mk.WRAP_INDEX[code]
    for j, h in enumerate(steps):
        e = np.zeros(8)
        e[j] = h
        a, _ = _h(X + e, code, sp)
        b, _ = _h(X - e, code, sp)
        diff = a[:d] - b[:d]
        if w >= 0:
            diff[w] = (diff[w] + math.pi) % (2 * math.pi) - math.pi
        fd[:, j] = diff / (2 * h)
    np.testing.assert_allclose(H[:d], fd, rtol=1e-6, atol=1e-12 * np.abs(fd).max())


def test_radar_position_round_trip_and_covariance():
    sp = radar_site(35.19, 129.17, 630.0)
    z, _ = _h(X, mk.MC_RAE, sp)
    R = np.diag([30.0, 2e-3, 2e-3]) ** 2
    m = Measurement(10.0, "r", "range_az_el", z[:3], R, sp[0:3], sp[3:6], sp[6], sp[7])
    r, C = radar_to_ecef(m)
    np.testing.assert_allclose(r, X[0:3], atol=1e-6)
    # Linearised covariance against a Monte Carlo of the spherical noise.
    rng = np.random.default_rng(7)
    pts = []
    for dz in rng.standard_normal((4000, 3)) * np.sqrt(np.diag(R)):
        mm = Measurement(10.0, "r", "range_az_el", z[:3] + dz, R, sp[0:3], sp[3:6], sp[6], sp[7])
        pts.append(radar_to_ecef(mm)[0])
    Cmc = np.cov(np.array(pts).T)
    w = np.linalg.eigvalsh(C)
    wmc = np.linalg.eigvalsh(Cmc)
    np.testing.assert_allclose(np.sqrt(wmc), np.sqrt(w), rtol=0.05)


def test_residual_wraps_azimuth():
    sp = radar_site(40.0, 140.0)
    m = Measurement(0.0, "r", "range_az_el", [1e5, 0.001, 0.1], np.eye(3) * 1e-6, sp[0:3], sp[3:6],
                    sp[6], sp[7])
    nu = residual(m, np.array([1e5, 2 * math.pi - 0.001, 0.1]))
    assert nu[1] == pytest.approx(0.002)


def test_stream_adapter_reads_the_simulated_schema():
    from missilewatch.scenarios import builtin, simulate

    r = simulate(builtin("boost-failure"))
    ms = from_stream(r.stream)
    assert len(ms) == len(r.stream)
    s = r.stream
    for i in (0, len(ms) // 2, len(ms) - 1):
        m = ms[i]
        d = m.dim
        np.testing.assert_array_equal(m.z, s.values[i, :d])
        np.testing.assert_array_equal(m.R, s.covariance[i, :d, :d])
        assert m.sensor_id == s.sensor_id[i] and m.t_report_s == s.t_report_s[i] and m.seq == i
    # Infrared detections are predicted within their noise from the truth.
    truth = r.objects[0]
    ir = [m for m in ms if m.is_infrared and not r.stream.false_alarm[m.seq]][:20]
    assert ir
    for m in ir:
        k = np.searchsorted(truth.t_s, m.t_s)
        x = np.concatenate([truth.r_ecef[k], truth.v_ecef[k], [0, 0]])
        zhat, _ = predict_measurement(x, m)
        # truth sampled at 1 s: position within ~2 km, i.e. a few sigma of 20 urad at GEO range
        assert np.abs(residual(m, zhat)).max() < 1e-4
    groups = list(scans(ms))
    assert sum(len(g) for g in groups) == len(ms)
    assert all(len({(m.sensor_id, m.t_s) for m in g}) == 1 for g in groups)


def _made_one_by_one(s, i: int) -> Measurement:
    d = mk.MEAS_DIM[{"range_az_el": 0, "range_az_el_rr": 1, "los_angles": 2, "position_ecef": 3}[s.mtype[i]]]
    return Measurement(t_s=float(s.t_s[i]), sensor_id=str(s.sensor_id[i]), mtype=str(s.mtype[i]),
                       z=s.values[i, :d], R=s.covariance[i, :d, :d], sensor_r_ecef=s.sensor_r_ecef[i],
                       sensor_v_ecef=s.sensor_v_ecef[i], sensor_lat_rad=float(s.sensor_lat_rad[i]),
                       sensor_lon_rad=float(s.sensor_lon_rad[i]), t_report_s=float(s.t_report_s[i]), seq=i)


def test_stream_adapter_equals_the_constructor_row_by_row_and_names_a_bad_row():
    """The stream's rows, checked at once and made without the constructor, are the
    measurements the constructor makes (fields, kernel inputs); a bad row goes through the
    constructor and is named."""
    import copy
    from dataclasses import fields

    from missilewatch.scenarios import builtin, simulate

    s = simulate(builtin("2022-10-04")).stream
    assert {"range_az_el", "range_az_el_rr", "los_angles"} <= set(s.mtype.tolist())
    ms = from_stream(s)
    for i, m in enumerate(ms):
        ref = _made_one_by_one(s, i)
        for f in fields(Measurement):
            a, b = getattr(m, f.name), getattr(ref, f.name)
            if isinstance(b, np.ndarray):
                assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b), (i, f.name)
            else:
                assert type(a) is type(b) and a == b, (i, f.name)
        assert (m.code, m.dim) == (ref.code, ref.dim)
        for a, b in zip(m.kernel_inputs, ref.kernel_inputs, strict=True):
            assert a.shape == b.shape and a.flags.c_contiguous and np.array_equal(a, b)
    for k, (where, value, match) in enumerate([("values", np.nan, "values"), ("covariance", -1.0, "covariance"),
                                                ("t_s", np.inf, "t_s"), ("mtype", "sonar", "type")]):
        bad = copy.deepcopy(s)
        row = 5 + k
        if where == "values":
            bad.values[row, 0] = value
        elif where == "covariance":
            bad.covariance[row, 1, 1] = value
        else:
            getattr(bad, where)[row] = value
        with pytest.raises(InputError, match=match):
            from_stream(bad)


def test_bad_measurements_name_the_field():
    sp = radar_site(40.0, 140.0)
    with pytest.raises(InputError, match="type"):
        Measurement(0.0, "r", "sonar", [1.0], np.eye(1), sp[0:3])
    with pytest.raises(InputError, match="values"):
        Measurement(0.0, "r", "range_az_el", [1.0, 2.0], np.eye(3), sp[0:3])
    with pytest.raises(InputError, match="values"):
        Measurement(0.0, "r", "range_az_el", [1.0, np.nan, 0.0], np.eye(3), sp[0:3])
    with pytest.raises(InputError, match="covariance"):
        Measurement(0.0, "r", "range_az_el", [1.0, 2.0, 0.0], np.zeros((3, 3)), sp[0:3])
    with pytest.raises(InputError, match="t_s"):
        Measurement(math.inf, "r", "los_angles", [1.0, 0.0], np.eye(2), sp[0:3])
